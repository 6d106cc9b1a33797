package server_test

import (
	"context"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"testing"

	"github.com/weerbaar/weerbaar/internal/apptest"
	"github.com/weerbaar/weerbaar/internal/authz"
	"github.com/weerbaar/weerbaar/internal/measure/catalogue"
)

func pointForm(ref, state, justification string, version int) url.Values {
	return url.Values{"ref": {ref}, "state": {state}, "justification": {justification}, "version": {strconv.Itoa(version)}}
}

// pointState reads an entity's saved answer to a point ("" and 0 when none).
func pointState(t *testing.T, a *apptest.App, entityID int64, ref string) (string, int) {
	t.Helper()
	var state string
	var version int
	err := a.Pool.QueryRow(context.Background(), `SELECT coalesce((SELECT state FROM entity_points WHERE entity_id = $1 AND point_ref = $2), ''),
		coalesce((SELECT version FROM entity_points WHERE entity_id = $1 AND point_ref = $2), 0)`, entityID, ref).Scan(&state, &version)
	if err != nil {
		t.Fatal(err)
	}
	return state, version
}

// bindEntity gives the entity a newer scope assessment as an important cloud
// provider, a type of Art. 1 of Regulation 2024/2690.
func bindEntity(t *testing.T, a *apptest.App, entityID int64) {
	t.Helper()
	_, err := a.Pool.Exec(context.Background(), `INSERT INTO scope_assessments (entity_id, created_at, engine_version, inputs, class, size, reasons)
		VALUES ($1, now() + interval '1 minute', 'test', '{"Subsectors": ["digital.cloud"]}', 'important', 'medium', '[]')`, entityID)
	if err != nil {
		t.Fatal(err)
	}
}

func pointsOf(t *testing.T, code string) int {
	t.Helper()
	r, ok := catalogue.Latest().Requirement(code)
	if !ok {
		t.Fatalf("no requirement %s", code)
	}
	return len(r.Points)
}

// TestCheckListPoints: a requirement page lists its Annex points with their
// references and qualifiers; an answer is saved (303, audit-logged), counted
// on the page and in the SoA; bad input is a 422 with the input kept; a stale
// form is a 409 that shows the other answer and keeps the input.
func TestCheckListPoints(t *testing.T) {
	t.Parallel()
	a := apptest.Start(t, apptest.Options{})
	id := a.SeedDemo(t)
	base := "/e/" + strconv.FormatInt(id, 10)
	off := a.LoginDemo(t, authz.SecurityOfficer)
	admin := a.LoginDemo(t, authz.Admin)

	page := off.Get(t, base+"/requirements/6.7")
	for _, want := range []string{`data-point="6.7.2(j)"`, `data-point="6.7.2(l)"`, `data-qualifier="where_appropriate"`,
		`data-regulation="guidance"`, tr(t, "points.count", 0, pointsOf(t, "6.7"))} {
		if !strings.Contains(page.Body, want) {
			t.Errorf("requirement page lacks %q", want)
		}
	}
	if p := off.Get(t, base+"/requirements/4.1"); !strings.Contains(p.Body, `data-testid="unverified"`) || !strings.Contains(p.Body, tr(t, "points.unverified")) {
		t.Errorf("an unverified point is not marked as such")
	}

	before := auditCount(t, a, "point.updated")
	if r := off.PostForm(t, base+"/requirements/6.7/points", pointForm("6.7.2(j)", "done", "", 0)); r.StatusCode != http.StatusSeeOther {
		t.Fatalf("save: %d %s", r.StatusCode, r.Body)
	}
	if got := auditCount(t, a, "point.updated"); got != before+1 {
		t.Errorf("audit rows %d, want %d", got, before+1)
	}
	if state, v := pointState(t, a, id, "6.7.2(j)"); state != "done" || v != 1 {
		t.Errorf("saved %q version %d", state, v)
	}
	page = off.Get(t, base+"/requirements/6.7")
	if !strings.Contains(page.Body, `data-point="6.7.2(j)" data-state="done"`) || !strings.Contains(page.Body, tr(t, "points.count", 1, pointsOf(t, "6.7"))) {
		t.Errorf("saved answer not shown or not counted")
	}
	if soa := off.Get(t, base+"/soa"); !strings.Contains(soa.Body, `data-points="6.7">`+tr(t, "points.count.short", 1, pointsOf(t, "6.7"))) {
		t.Errorf("SoA does not count the point")
	}
	if m := off.Get(t, base+"/measures/e"); !strings.Contains(m.Body, `data-points="6.7">`+tr(t, "points.count.short", 1, pointsOf(t, "6.7"))) {
		t.Errorf("measure page does not count the point")
	}

	// 422: unknown state; not applicable without a reason (input kept).
	if r := off.PostForm(t, base+"/requirements/6.7/points", pointForm("6.7.2(k)", "maybe", "", 0)); r.StatusCode != http.StatusUnprocessableEntity {
		t.Errorf("unknown state: %d", r.StatusCode)
	}
	r := off.PostForm(t, base+"/requirements/6.7/points", pointForm("6.7.2(g)", "not_applicable", "", 0))
	if r.StatusCode != http.StatusUnprocessableEntity || !strings.Contains(r.Body, tr(t, "measure.error.justification")) ||
		!strings.Contains(r.Body, `<option value="not_applicable" selected>`) {
		t.Errorf("not applicable without justification: %d", r.StatusCode)
	}
	if state, _ := pointState(t, a, id, "6.7.2(g)"); state != "" {
		t.Errorf("refused answer was saved: %q", state)
	}

	// 409: the admin saves first; the officer's stale form keeps its input.
	if r := admin.PostForm(t, base+"/requirements/6.7/points", pointForm("6.7.2(k)", "not_done", "", 0)); r.StatusCode != http.StatusSeeOther {
		t.Fatalf("admin save: %d", r.StatusCode)
	}
	r = off.PostForm(t, base+"/requirements/6.7/points", pointForm("6.7.2(k)", "not_applicable", "Geen eigen e-maildomein", 0))
	if r.StatusCode != http.StatusConflict || !strings.Contains(r.Body, tr(t, "conflict.title")) || !strings.Contains(r.Body, "Geen eigen e-maildomein") ||
		!strings.Contains(r.Body, tr(t, "points.state.not_done")) {
		t.Errorf("conflict: %d", r.StatusCode)
	}
	if state, _ := pointState(t, a, id, "6.7.2(k)"); state != "not_done" {
		t.Errorf("conflict overwrote the admin's answer: %q", state)
	}

	// A point of another requirement, or none at all: 404, nothing saved.
	for _, ref := range []string{"6.8.1", "6.7.9", ""} {
		if r := off.PostForm(t, base+"/requirements/6.7/points", pointForm(ref, "done", "", 0)); r.StatusCode != http.StatusNotFound {
			t.Errorf("point %q under 6.7: %d, want 404", ref, r.StatusCode)
		}
	}
	if state, _ := pointState(t, a, id, "6.8.1"); state != "" {
		t.Errorf("point of another requirement saved")
	}
	// Read-only roles see the answers without a form; they cannot post.
	aud := a.LoginDemo(t, authz.Auditor)
	if p := aud.Get(t, base+"/requirements/6.7"); !strings.Contains(p.Body, `data-state="done"`) || strings.Contains(p.Body, `class="point-form"`) {
		t.Errorf("auditor's view of the points")
	}
	if r := aud.PostForm(t, base+"/requirements/6.7/points", pointForm("6.7.2(a)", "done", "", 0)); r.StatusCode != http.StatusForbidden {
		t.Errorf("auditor save: %d", r.StatusCode)
	}
}

// TestNotApplicableFollowsTheRegulation: an entity the Annex does not bind
// may leave out any point or requirement with a reason and is warned where
// the Annex has no qualifier; once it is bound (a cloud provider), "not
// applicable" is refused with an explanation except where the Annex says
// "where appropriate" and the like.
func TestNotApplicableFollowsTheRegulation(t *testing.T) {
	t.Parallel()
	a := apptest.Start(t, apptest.Options{})
	id := a.SeedDemo(t)
	other, _ := createEntityWithAdmin(t, a, "ander", "Andere Organisatie", "admin@ander.test")
	base := "/e/" + strconv.FormatInt(id, 10)
	off := a.LoginDemo(t, authz.SecurityOfficer)

	// Guidance (the demo is a drinking-water company): allowed, with a warning.
	if r := off.PostForm(t, base+"/requirements/6.7/points", pointForm("6.7.2(a)", "not_applicable", "Eén vlak netwerk, geen architectuurplaat", 0)); r.StatusCode != http.StatusSeeOther {
		t.Fatalf("guidance entity, unqualified point: %d %s", r.StatusCode, r.Body)
	}
	page := off.Get(t, base+"/requirements/6.7")
	if !strings.Contains(page.Body, `data-testid="na-warning"`) || !strings.Contains(page.Body, tr(t, "points.na_warning")) {
		t.Errorf("no warning for a guidance entity leaving out an unqualified point")
	}
	form := requirementForm(requirementVersion(t, a, id, "6.8"), "not_started", "0")
	form.Set("applicable", "false")
	form.Set("justification", "Eén vlak netwerk.")
	if r := off.PostForm(t, base+"/requirements/6.8", form); r.StatusCode != http.StatusSeeOther {
		t.Fatalf("guidance entity, requirement not applicable: %d", r.StatusCode)
	}
	if p := off.Get(t, base+"/requirements/6.8"); !strings.Contains(p.Body, tr(t, "points.na_warning.requirement")) {
		t.Errorf("no warning on the requirement page")
	}
	// Measure c: the Dutch sources differ, so every wording is shown, open,
	// with its source; measure b has one wording and stays folded.
	c := off.Get(t, base+"/measures/c")
	for _, want := range []string{`data-testid="statute-sources" open`, "noodvoorzieningenplannen", "noodvoorzieningsplannen", "herstelplannen",
		"EUR-Lex", "2025D31015", tr(t, "points.unverified")} {
		if !strings.Contains(c.Body, want) {
			t.Errorf("measure c page lacks %q", want)
		}
	}
	if b := off.Get(t, base+"/measures/b"); !strings.Contains(b.Body, `data-testid="statute-sources"`) || strings.Contains(b.Body, `data-testid="statute-sources" open`) {
		t.Errorf("measure b: statute sources missing or shown open though they agree")
	}
	for _, path := range []string{"/", "/measures", "/soa", "/measures/e"} {
		if p := off.Get(t, base+path); !strings.Contains(p.Body, `data-regulation="guidance"`) || !strings.Contains(p.Body, tr(t, "regulation.guidance")) {
			t.Errorf("%s does not say the Annex is guidance", path)
		}
	}

	bindEntity(t, a, id)
	for _, path := range []string{"/", "/measures", "/soa", "/measures/e", "/requirements/6.7"} {
		if p := off.Get(t, base+path); !strings.Contains(p.Body, `data-regulation="bound"`) {
			t.Errorf("%s does not say the Annex binds the entity", path)
		}
	}
	r := off.PostForm(t, base+"/requirements/6.7/points", pointForm("6.7.2(b)", "not_applicable", "Geen intern netwerk", 0))
	if r.StatusCode != http.StatusUnprocessableEntity || !strings.Contains(r.Body, tr(t, "points.error.na_bound")) || !strings.Contains(r.Body, "Geen intern netwerk") {
		t.Errorf("bound entity, unqualified point: %d", r.StatusCode)
	}
	if state, _ := pointState(t, a, id, "6.7.2(b)"); state != "" {
		t.Errorf("refused not-applicable saved")
	}
	if r := off.PostForm(t, base+"/requirements/6.7/points", pointForm("6.7.2(g)", "not_applicable", "Alleen beheerde werkplekken bestaan niet", 0)); r.StatusCode != http.StatusSeeOther {
		t.Errorf("bound entity, point 'where appropriate': %d", r.StatusCode)
	}
	if r := off.PostForm(t, base+"/requirements/6.7/points", pointForm("6.7.2(g)", "not_applicable", "", 1)); r.StatusCode != http.StatusUnprocessableEntity {
		t.Errorf("bound entity, qualified point without justification: %d", r.StatusCode)
	}
	form = requirementForm(requirementVersion(t, a, id, "6.9"), "not_started", "0")
	form.Set("applicable", "false")
	form.Set("justification", "Geen malware-risico.")
	if r := off.PostForm(t, base+"/requirements/6.9", form); r.StatusCode != http.StatusUnprocessableEntity || !strings.Contains(r.Body, tr(t, "points.error.na_bound")) {
		t.Errorf("bound entity, unqualified requirement not applicable: %d", r.StatusCode)
	}
	form = requirementForm(requirementVersion(t, a, id, "11.7"), "not_started", "0")
	form.Set("applicable", "false")
	form.Set("justification", "Geen systemen met toegang van buiten.")
	if r := off.PostForm(t, base+"/requirements/11.7", form); r.StatusCode != http.StatusSeeOther {
		t.Errorf("bound entity, requirement 'where appropriate': %d", r.StatusCode)
	}
	// A marking made while the entity was not bound stays, but the page
	// says it is no longer allowed instead of the "you may" warning.
	if p := off.Get(t, base+"/requirements/6.7"); strings.Contains(p.Body, `data-testid="na-warning"`) ||
		!strings.Contains(p.Body, `data-testid="na-refused"`) || !strings.Contains(p.Body, tr(t, "points.na_refused")) {
		t.Errorf("bound entity: an earlier 'not applicable' on an unqualified point is not flagged as no longer allowed")
	}
	// Requirement 6.8 was left out while guidance; bound, the page says it
	// may no longer be.
	if p := off.Get(t, base+"/requirements/6.8"); !strings.Contains(p.Body, tr(t, "points.na_refused.requirement")) ||
		strings.Contains(p.Body, tr(t, "points.na_warning.requirement")) {
		t.Errorf("bound entity: requirement 6.8 left out earlier is not flagged")
	}
	// Another entity's answers are its own.
	if state, _ := pointState(t, a, other, "6.7.2(a)"); state != "" {
		t.Errorf("answer leaked to another entity")
	}
}
