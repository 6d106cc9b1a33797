package server_test

import (
	"context"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/weerbaar/weerbaar/internal/apptest"
	"github.com/weerbaar/weerbaar/internal/authz"
	"github.com/weerbaar/weerbaar/internal/measure"
)

// measureResult is the demo entity's current proportionality result and
// consideration for one measure.
func measureResult(t *testing.T, a *apptest.App, id int64, code string) measure.MeasureStatus {
	t.Helper()
	ctx := context.Background()
	ed, err := measure.EntityEdition(ctx, a.Pool, id)
	if err != nil {
		t.Fatal(err)
	}
	o, err := measure.BuildOverview(ctx, a.Pool, ed, id, time.Now())
	if err != nil {
		t.Fatal(err)
	}
	for _, ms := range o.Measures {
		if ms.Measure.Code == code {
			return ms
		}
	}
	t.Fatalf("no measure %s", code)
	return measure.MeasureStatus{}
}

// TestMeasureConsiderations walks the Art. 21(1) considerations and the
// adopted target on the measure page: a target below the advice needs a
// reason (422, input kept), one below the legal floor is refused whatever the
// reason (422), a stale version is a 409 that keeps the input and shows the
// other version, and a saved adoption is audit-logged, becomes the target and
// is shown in the explanation with the note and the cost level.
func TestMeasureConsiderations(t *testing.T) {
	t.Parallel()
	a := apptest.Start(t, apptest.Options{})
	id := a.SeedDemo(t)
	base := "/e/" + strconv.FormatInt(id, 10)
	off := a.LoginDemo(t, authz.SecurityOfficer)

	// The demo drinking-water company: measure g (8.1, 8.2) has no floor.
	g := measureResult(t, a, id, "g")
	if g.Result.Floor != 0 || g.Result.Proposal < 2 {
		t.Fatalf("measure g: floor %d proposal %d; the test needs no floor and an advice of at least 2", g.Result.Floor, g.Result.Proposal)
	}
	lower := strconv.Itoa(g.Result.Proposal - 1)
	audited := auditCount(t, a, "measure.considerations_changed") // the demo recorded some
	page := off.Get(t, base+"/measures/g")
	if page.StatusCode != http.StatusOK || !strings.Contains(page.Body, tr(t, "measures.considerations")) ||
		!strings.Contains(page.Body, tr(t, "measures.advice", g.Result.Proposal)) || !strings.Contains(page.Body, tr(t, "measures.advice.help")) {
		t.Fatalf("measure page lacks the advice or the considerations form: %d", page.StatusCode)
	}

	form := url.Values{"version": {"0"}, "state_of_art": {"NCSC-richtlijnen en ISO/IEC 27001 A.6.3 afgewogen."},
		"cost_level": {"high"}, "adopted_target": {lower}, "target_reason": {""}}
	r := off.PostForm(t, base+"/measures/g/considerations", form)
	if r.StatusCode != http.StatusUnprocessableEntity || !strings.Contains(r.Body, `id="f-target_reason-error"`) ||
		!strings.Contains(r.Body, tr(t, "proportion.error.target_reason")) {
		t.Fatalf("lower target without reason: %d", r.StatusCode)
	}
	if !strings.Contains(r.Body, "NCSC-richtlijnen en ISO/IEC 27001 A.6.3 afgewogen.") || !strings.Contains(r.Body, `<option value="high" selected>`) ||
		!strings.Contains(r.Body, `<option value="`+lower+`" selected>`) {
		t.Error("the considerations form did not keep the input after a field error")
	}
	bad := url.Values{"version": {"0"}, "cost_level": {"enorm"}, "adopted_target": {"7"}}
	if r := off.PostForm(t, base+"/measures/g/considerations", bad); r.StatusCode != http.StatusUnprocessableEntity ||
		!strings.Contains(r.Body, `id="f-cost_level-error"`) || !strings.Contains(r.Body, `id="f-adopted_target-error"`) {
		t.Fatalf("bad choices: %d", r.StatusCode)
	}
	if auditCount(t, a, "measure.considerations_changed") != audited {
		t.Fatal("a refused save was audit-logged")
	}

	form.Set("target_reason", "Bestuursbesluit 12 november: kosten wegen niet op tegen het risico.")
	if r := off.PostForm(t, base+"/measures/g/considerations", form); r.StatusCode != http.StatusSeeOther {
		t.Fatalf("lower target with reason: %d %s", r.StatusCode, r.Body)
	}
	g2 := measureResult(t, a, id, "g")
	if g2.Result.Target != g.Result.Proposal-1 || g2.Result.Proposal != g.Result.Proposal || g2.Consideration.Cost != measure.CostHigh ||
		g2.Consideration.ProposalAtAdoption != g.Result.Proposal || g2.Consideration.Version != 1 {
		t.Fatalf("after adoption: target %d proposal %d consideration %+v", g2.Result.Target, g2.Result.Proposal, g2.Consideration)
	}
	if auditCount(t, a, "measure.considerations_changed") != audited+1 {
		t.Error("adoption not audit-logged")
	}
	page = off.Get(t, base+"/measures/g")
	for _, want := range []string{tr(t, "measures.adopted", g.Result.Proposal-1), "NCSC-richtlijnen en ISO/IEC 27001 A.6.3 afgewogen.", tr(t, "cost.high"),
		"Bestuursbesluit 12 november", tr(t, "prop.v2.adopted_lower", g.Result.Proposal-1, g.Result.Proposal)} {
		if !strings.Contains(page.Body, want) {
			t.Errorf("measure page after adoption lacks %q", want)
		}
	}

	// A stale form (version 0 after the save above) is a conflict: the
	// input stays, the other version is shown, nothing is written.
	stale := url.Values{"version": {"0"}, "state_of_art": {"Mijn eigen notitie."}, "cost_level": {"low"}, "adopted_target": {""}}
	r = off.PostForm(t, base+"/measures/g/considerations", stale)
	if r.StatusCode != http.StatusConflict || !strings.Contains(r.Body, "Mijn eigen notitie.") || !strings.Contains(r.Body, tr(t, "conflict.title")) ||
		!strings.Contains(r.Body, "Bestuursbesluit 12 november") || !strings.Contains(r.Body, `<option value="low" selected>`) {
		t.Fatalf("stale considerations: %d", r.StatusCode)
	}
	if c := measureResult(t, a, id, "g").Consideration; c.StateOfArt != "NCSC-richtlijnen en ISO/IEC 27001 A.6.3 afgewogen." || c.Version != 1 {
		t.Errorf("the stale save overwrote: %+v", c)
	}

	// Measure a has documented requirements (1.1 policy, 2.1 framework):
	// the floor 3 holds whatever reason the board gives.
	am := measureResult(t, a, id, "a")
	if am.Result.Floor != 3 {
		t.Fatalf("measure a: floor %d, want 3", am.Result.Floor)
	}
	below := url.Values{"version": {"0"}, "adopted_target": {"2"}, "target_reason": {"Te duur."}}
	r = off.PostForm(t, base+"/measures/a/considerations", below)
	if r.StatusCode != http.StatusUnprocessableEntity || !strings.Contains(r.Body, tr(t, "proportion.error.below_floor")) ||
		!strings.Contains(r.Body, `<option value="2" selected>`) {
		t.Fatalf("target below the floor: %d", r.StatusCode)
	}
	if c := measureResult(t, a, id, "a"); c.Consideration.Version != 0 || c.Result.Target < 3 {
		t.Errorf("target below the floor was saved: %+v", c.Consideration)
	}
	if page := off.Get(t, base+"/measures/a"); !strings.Contains(page.Body, `data-testid="floors"`) || !strings.Contains(page.Body, "‘gedocumenteerd’") {
		t.Error("measure a does not name its legal floor")
	}

	// The proportionality page sums it up: the demo company is not bound by
	// the Regulation, measure a carries the documented floor, g the adopted
	// target with its cost level.
	prop := off.Get(t, base+"/proportionality")
	for _, want := range []string{`class="table table-stack advice-table"`, tr(t, "proportion.regulation.guidance"), tr(t, "proportion.any_size.no"),
		tr(t, "proportion.floor_rule.documented"), tr(t, "cost.high"), tr(t, "proportion.intro")} {
		if !strings.Contains(prop.Body, want) {
			t.Errorf("proportionality page lacks %q", want)
		}
	}

	// A documented requirement says it carries the floor; another does not.
	if r := off.Get(t, base+"/requirements/1.1"); !strings.Contains(r.Body, tr(t, "measures.documented_floor")) {
		t.Error("requirement 1.1 (policy) does not name its legal floor")
	}
	if r := off.Get(t, base+"/requirements/8.1"); strings.Contains(r.Body, `data-testid="documented"`) {
		t.Error("requirement 8.1 claims a documented floor")
	}

	// The audit log reads the change in words, not keys.
	aud := a.LoginDemo(t, authz.Auditor)
	log := aud.Get(t, base+"/audit?action=measure.considerations_changed")
	for _, want := range []string{tr(t, "audit.action.measure.considerations_changed"), tr(t, "audit.field.adopted_target"), tr(t, "cost.high")} {
		if !strings.Contains(log.Body, want) {
			t.Errorf("audit log lacks %q", want)
		}
	}
	if strings.Contains(log.Body, "cost_level") || strings.Contains(log.Body, ">high<") {
		t.Error("audit log shows a field key or an untranslated value")
	}

	// Read-only roles see the considerations but cannot post them; an
	// unknown measure is a 404.
	if r := aud.PostForm(t, base+"/measures/g/considerations", form); r.StatusCode != http.StatusForbidden {
		t.Errorf("auditor saved considerations: %d", r.StatusCode)
	}
	if r := off.PostForm(t, base+"/measures/z/considerations", form); r.StatusCode != http.StatusNotFound {
		t.Errorf("unknown measure: %d", r.StatusCode)
	}
}
