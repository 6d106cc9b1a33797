package server_test

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/weerbaar/weerbaar/internal/apptest"
	"github.com/weerbaar/weerbaar/internal/audit"
	"github.com/weerbaar/weerbaar/internal/authz"
	"github.com/weerbaar/weerbaar/internal/i18n"
	"github.com/weerbaar/weerbaar/internal/measure"
	"github.com/weerbaar/weerbaar/internal/risk"
)

// factorsRow reads the entity's stored factors and their source.
func factorsRow(t *testing.T, a *apptest.App, entityID int64) (l, i, version int, source *int64) {
	t.Helper()
	if err := a.Pool.QueryRow(context.Background(), `SELECT likelihood, impact, version, source_analysis_id FROM proportion_factors
		WHERE entity_id = $1`, entityID).Scan(&l, &i, &version, &source); err != nil {
		t.Fatal(err)
	}
	return l, i, version, source
}

// cellOf returns the inner text of the element with data-testid id.
func cellOf(t *testing.T, body, id string) string {
	t.Helper()
	m := regexp.MustCompile(`(?s)data-testid="` + regexp.QuoteMeta(id) + `"[^>]*>(.*?)</t[dr]>`).FindStringSubmatch(body)
	if m == nil {
		t.Fatalf("no %s on the page", id)
	}
	return m[1]
}

// TestProportionProposalFromRiskAnalysis: the officer sees the demo's
// proposal (from the adopted 2026 analysis: likelihood 3, impact 5, see
// risk.TestProposeTable "demo analysis") beside the factors (3, 4) with
// the residual risks per measure, and adopts it: factors, source and
// snapshot change and the audit trail has the acceptance. A stale version
// or changed values are 409, another entity's analysis 404, auditor and
// board 403. Saving by hand clears the source; with the adopted analysis
// archived the newest editable one is the basis.
func TestProportionProposalFromRiskAnalysis(t *testing.T) {
	t.Parallel()
	a, id := startWithDemo(t, apptest.Options{})
	ctx := context.Background()
	base := "/e/" + strconv.FormatInt(id, 10)
	page := base + "/proportionality"
	adopted, draft := demoRisk(t, a, id)
	c := a.LoginDemo(t, authz.SecurityOfficer)

	r := c.Get(t, page)
	if r.StatusCode != http.StatusOK || !strings.Contains(r.Body, `data-testid="risk-proposal"`) ||
		!strings.Contains(r.Body, tr(t, "proportion.risk.basis_adopted", "2026")) ||
		!strings.Contains(r.Body, `data-testid="accept-risk-proposal"`) {
		t.Fatalf("proportionality page: %d %s", r.StatusCode, r.Body)
	}
	if got := cellOf(t, r.Body, "proposed-likelihood"); !strings.Contains(got, "3 · ") {
		t.Errorf("proposed likelihood %q, want 3", got)
	}
	if got := cellOf(t, r.Body, "proposed-impact"); !strings.Contains(got, "<strong>5 · ") {
		t.Errorf("proposed impact %q, want 5 marked as a change", got)
	}
	if !strings.Contains(r.Body, tr(t, "risk.proposal.likelihood", 3, 4, 12, tr(t, "risk.level.medium"), 3)) {
		t.Errorf("likelihood explanation missing")
	}
	// Residual risks per measure, counted here from the catalogue and the
	// stored controls of the adopted analysis.
	ed, err := measure.EntityEdition(ctx, a.Pool, id)
	if err != nil {
		t.Fatal(err)
	}
	rows, err := a.Pool.Query(ctx, `SELECT s.id, s.residual_level, c.requirement_code FROM risk_scenario_controls c
		JOIN risk_scenarios s ON s.id = c.scenario_id WHERE c.entity_id = $1 AND c.analysis_id = $2`, id, adopted)
	if err != nil {
		t.Fatal(err)
	}
	count, above := map[string]map[int64]bool{}, map[string]map[int64]bool{}
	for rows.Next() {
		var sid int64
		var lvl int
		var code string
		if err := rows.Scan(&sid, &lvl, &code); err != nil {
			t.Fatal(err)
		}
		req, ok := ed.Requirement(code)
		if !ok {
			t.Fatalf("control %s not in the catalogue", code)
		}
		for _, m := range req.Measures {
			if count[m] == nil {
				count[m], above[m] = map[int64]bool{}, map[int64]bool{}
			}
			count[m][sid] = true
			if risk.Level(lvl) > risk.DefaultTolerance {
				above[m][sid] = true
			}
		}
	}
	if len(count) < 3 {
		t.Fatalf("demo controls serve only %d measures", len(count))
	}
	anyAbove := false
	for _, m := range ed.Measures {
		row := `data-testid="measure-risks-` + m.Code + `"`
		i := strings.Index(r.Body, row)
		if i < 0 {
			t.Fatalf("no residual risks row for measure %s", m.Code)
		}
		rowBody := r.Body[i:]
		rowBody = rowBody[:strings.Index(rowBody, "</tr>")]
		if !strings.Contains(rowBody, fmt.Sprintf(`data-testid="count">%d<`, len(count[m.Code]))) ||
			!strings.Contains(rowBody, fmt.Sprintf(`data-testid="above">%d<`, len(above[m.Code]))) {
			t.Errorf("measure %s: want %d scenarios, %d above tolerance: %s", m.Code, len(count[m.Code]), len(above[m.Code]), rowBody)
		}
		for sid := range count[m.Code] {
			if !strings.Contains(rowBody, fmt.Sprintf(`href="%s/risks/scenarios/%d/resilience"`, base, sid)) {
				t.Errorf("measure %s: no link to scenario %d", m.Code, sid)
			}
		}
		anyAbove = anyAbove || len(above[m.Code]) > 0
	}
	if !anyAbove {
		t.Errorf("the demo should have a residual risk above tolerance behind some measure")
	}
	// The analysis page points to the proposal.
	if an := c.Get(t, fmt.Sprintf("%s/risks/%d", base, adopted)); !strings.Contains(an.Body, `href="`+base+`/proportionality#risk-proposal"`) {
		t.Errorf("analysis page without pointer to the proposal")
	}

	l0, i0, v0, _ := factorsRow(t, a, id)
	if l0 != 3 || i0 != 4 {
		t.Fatalf("demo factors %d/%d, want 3/4", l0, i0)
	}
	var snapshots0 int
	if err := a.Pool.QueryRow(ctx, `SELECT count(*) FROM proportion_results WHERE entity_id = $1`, id).Scan(&snapshots0); err != nil {
		t.Fatal(err)
	}
	form := func(version int, analysis int64, l, i int) url.Values {
		return url.Values{"version": {strconv.Itoa(version)}, "analysis_id": {strconv.FormatInt(analysis, 10)},
			"likelihood": {strconv.Itoa(l)}, "impact": {strconv.Itoa(i)}}
	}
	post := page + "/from-risk"

	// Auditor and board may read, not adopt.
	for _, role := range []authz.Role{authz.Auditor, authz.BoardMember} {
		rc := a.LoginDemo(t, role)
		if rp := rc.Get(t, page); rp.StatusCode != http.StatusOK || strings.Contains(rp.Body, `data-testid="accept-risk-proposal"`) {
			t.Errorf("%s: page %d or an adopt button", role, rp.StatusCode)
		}
		if rp := rc.PostForm(t, post, form(v0, adopted, 3, 5)); rp.StatusCode != http.StatusForbidden {
			t.Errorf("%s adopts: %d, want 403", role, rp.StatusCode)
		}
	}
	// Another entity's analysis: 404.
	entityB, adminB := createEntityWithAdmin(t, a, "ander-waterbedrijf", "Ander Waterbedrijf", "admin@ander.test")
	ctxB := audit.WithMeta(ctx, audit.Meta{ActorID: adminB, ActorEmail: "admin@ander.test"})
	anB, err := risk.CreateAnalysis(ctxB, a.Pool, authz.Actor{UserID: adminB, EntityID: entityB, Role: authz.Admin},
		risk.AnalysisInput{Period: "2027", ReviewDate: testToday().AddDate(0, 6, 0).Format("2006-01-02")}, testToday())
	if err != nil {
		t.Fatal(err)
	}
	if rp := c.PostForm(t, post, form(v0, anB.ID, 3, 5)); rp.StatusCode != http.StatusNotFound {
		t.Errorf("B's analysis: %d, want 404", rp.StatusCode)
	}
	// Not the basis (the draft), other values than proposed, a stale
	// version: 409 with the message, nothing saved.
	for name, f := range map[string]url.Values{"draft": form(v0, draft, 3, 5), "values": form(v0, adopted, 4, 5),
		"stale": form(v0-1, adopted, 3, 5)} {
		rp := c.PostForm(t, post, f)
		if rp.StatusCode != http.StatusConflict || !strings.Contains(rp.Body, tr(t, "proportion.risk.conflict")) ||
			!strings.Contains(rp.Body, `data-testid="accept-risk-proposal"`) {
			t.Errorf("%s: %d, want 409 with the proposal", name, rp.StatusCode)
		}
	}
	if l, i, v, _ := factorsRow(t, a, id); l != l0 || i != i0 || v != v0 {
		t.Fatalf("refused adoptions changed the factors: %d/%d v%d", l, i, v)
	}

	// Adopt.
	if rp := c.PostForm(t, post, form(v0, adopted, 3, 5)); rp.StatusCode != http.StatusSeeOther {
		t.Fatalf("adopt: %d %s", rp.StatusCode, rp.Body)
	}
	l, i, v, src := factorsRow(t, a, id)
	if l != 3 || i != 5 || v != v0+1 || src == nil || *src != adopted {
		t.Fatalf("after adopting: %d/%d v%d source %v", l, i, v, src)
	}
	var snapshots, snapImpact int
	if err := a.Pool.QueryRow(ctx, `SELECT count(*) OVER (), (inputs->'factors'->>'Impact')::int FROM proportion_results
		WHERE entity_id = $1 ORDER BY id DESC LIMIT 1`, id).Scan(&snapshots, &snapImpact); err != nil {
		t.Fatal(err)
	}
	if snapshots != snapshots0+1 || snapImpact != 5 {
		t.Errorf("targets not recomputed: %d snapshots (was %d), impact %d", snapshots, snapshots0, snapImpact)
	}
	var before, after string
	if err := a.Pool.QueryRow(ctx, `SELECT coalesce(changes->'before', '{}')::text, coalesce(changes->'after', '{}')::text FROM audit_log WHERE entity_id = $1
		AND action = 'proportion.factors_from_risk' ORDER BY id DESC LIMIT 1`, id).Scan(&before, &after); err != nil {
		t.Fatalf("audit row: %v", err)
	}
	if !strings.Contains(after, fmt.Sprintf(`"source_analysis": "2026 (#%d)"`, adopted)) || !strings.Contains(after, `"impact": 5`) ||
		!strings.Contains(before, `"impact": 4`) {
		t.Errorf("audit row: before %s after %s", before, after)
	}
	r = c.Get(t, page)
	officer := ""
	if err := a.Pool.QueryRow(ctx, `SELECT name FROM users WHERE email = 'officer@demo.weerbaar.test'`).Scan(&officer); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(r.Body, tr(t, "proportion.risk.accepted")) || !strings.Contains(r.Body, `data-testid="factors-source"`) ||
		!strings.Contains(r.Body, tr(t, "proportion.risk.source", "2026", i18n.Date(i18n.WithLang(ctx, i18n.NL), time.Now()), officer)) ||
		!strings.Contains(r.Body, `data-testid="risk-proposal-same"`) || strings.Contains(r.Body, `data-testid="accept-risk-proposal"`) {
		t.Errorf("page after adopting: source, same-note or no button missing")
	}
	if al := a.LoginDemo(t, authz.Admin).Get(t, base+"/audit"); !strings.Contains(al.Body, tr(t, "audit.action.proportion.factors_from_risk")) {
		t.Errorf("audit page without the acceptance")
	}

	// Saving by hand clears the source.
	if rp := c.PostForm(t, page+"/factors", url.Values{"version": {strconv.Itoa(v)}, "exposure": {"3"}, "likelihood": {"3"},
		"impact": {"4"}}); rp.StatusCode != http.StatusSeeOther {
		t.Fatalf("save by hand: %d", rp.StatusCode)
	}
	if _, _, _, src := factorsRow(t, a, id); src != nil {
		t.Errorf("source kept after saving by hand")
	}
	if r = c.Get(t, page); strings.Contains(r.Body, `data-testid="factors-source"`) || !strings.Contains(r.Body, `data-testid="accept-risk-proposal"`) {
		t.Errorf("page after saving by hand still shows the source or lacks the button")
	}

	// With 2026 archived, the 2027 draft is the basis and says so.
	officerActor := authz.Actor{UserID: firstID(t, a, `SELECT id FROM users WHERE email = 'officer@demo.weerbaar.test'`), EntityID: id,
		Role: authz.SecurityOfficer}
	an, err := risk.GetAnalysis(ctx, a.Pool, id, adopted)
	if err != nil {
		t.Fatal(err)
	}
	if err := risk.SetStatus(audit.WithMeta(ctx, audit.Meta{ActorID: officerActor.UserID}), a.Pool, officerActor, adopted,
		risk.StatusArchived, "", an.Version); err != nil {
		t.Fatal(err)
	}
	r = c.Get(t, page)
	if !strings.Contains(r.Body, tr(t, "proportion.risk.basis_editable", "2027", tr(t, "risk.status.concept"))) ||
		!strings.Contains(r.Body, fmt.Sprintf(`name="analysis_id" value="%d"`, draft)) {
		t.Errorf("basis after archiving 2026 is not the 2027 draft")
	}
}

// TestProportionProposalWith3000Scenarios: with a basis of 3,000 scenarios,
// each with a control under measure d, the page stays within the query
// budget, lists five scenarios for d and counts the rest.
func TestProportionProposalWith3000Scenarios(t *testing.T) {
	t.Parallel()
	a, id := startWithDemo(t, apptest.Options{})
	ctx := context.Background()
	analysis := seedLargeAnalysis(t, a, id, 3000)
	// The large analysis is the newest editable one; with 2026 archived it
	// is the basis.
	if _, err := a.Pool.Exec(ctx, `UPDATE risk_analyses SET status = 'archived' WHERE entity_id = $1 AND status = 'adopted'`, id); err != nil {
		t.Fatal(err)
	}
	if _, err := a.Pool.Exec(ctx, `INSERT INTO risk_scenario_controls (entity_id, analysis_id, scenario_id, requirement_code, effectiveness, reduces)
		SELECT entity_id, analysis_id, id, '5.1', 1, 'likelihood' FROM risk_scenarios WHERE analysis_id = $1`, analysis); err != nil {
		t.Fatal(err)
	}
	// Statistics as autovacuum would have them after a bulk load.
	if _, err := a.Pool.Exec(ctx, `ANALYZE risk_scenarios, risk_scenario_controls, risk_jewels, risk_analyses`); err != nil {
		t.Fatal(err)
	}
	c := a.LoginDemo(t, authz.SecurityOfficer)
	start := time.Now()
	r, n := c.GetCountingQueries(t, "/e/"+strconv.FormatInt(id, 10)+"/proportionality")
	t.Logf("proportionality page with 3,000 scenarios: %d queries, %v", n, time.Since(start))

	if r.StatusCode != http.StatusOK || n > 8 {
		t.Fatalf("page: %d, %d queries", r.StatusCode, n)
	}
	if !strings.Contains(r.Body, fmt.Sprintf(`name="analysis_id" value="%d"`, analysis)) {
		t.Errorf("the large analysis is not the basis")
	}
	i := strings.Index(r.Body, `data-testid="measure-risks-d"`)
	if i < 0 {
		t.Fatal("no row for measure d")
	}
	row := r.Body[i:]
	row = row[:strings.Index(row, "</tr>")]
	if !strings.Contains(row, `data-testid="count">3000<`) || strings.Count(row, "/resilience\"") != 5 ||
		!strings.Contains(row, tr(t, "proportion.risk.more", 2995)) {
		t.Errorf("measure d row: %s", row)
	}
}
