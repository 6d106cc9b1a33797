package server_test

import (
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"testing"

	"github.com/weerbaar/weerbaar/internal/apptest"
	"github.com/weerbaar/weerbaar/internal/authz"
)

// TestRiskResilienceAndTreatment walks steps 3 and 4 of one demo scenario
// as the officer: controls with field errors kept (422), a stale version
// (409 with input kept), the residual risk, an acceptance above tolerance
// that only becomes a request, and a mitigation action.
func TestRiskResilienceAndTreatment(t *testing.T) {
	t.Parallel()
	a, id := startWithDemo(t, apptest.Options{})
	base := "/e/" + strconv.FormatInt(id, 10)
	_, draft := demoRisk(t, a, id)
	// SCADA × ransomware of the draft: inherent (4, 5); the demo's controls
	// (segmentation and back-ups, copied from 2026) give (2, 3), medium.
	scID := firstID(t, a, `SELECT s.id FROM risk_scenarios s WHERE s.entity_id = $1 AND s.analysis_id = $2
		AND s.inherent_likelihood = 4 AND s.inherent_impact = 5 AND s.threat_code = 'ransomware'`, id, draft)
	page := fmt.Sprintf("%s/risks/scenarios/%d/resilience", base, scID)
	c := a.LoginDemo(t, authz.SecurityOfficer)
	r := c.Get(t, page)
	if r.StatusCode != http.StatusOK || !strings.Contains(r.Body, `data-residual="medium"`) || !strings.Contains(r.Body, `data-control="6.8"`) ||
		!strings.Contains(r.Body, "Hersteltest offline back-ups OT-configuratie") {
		t.Fatalf("resilience page: %d %s", r.StatusCode, r.Body)
	}
	version := func(body string) string {
		m := hiddenVersion.FindStringSubmatch(body)
		if m == nil {
			t.Fatalf("no version in %s", body)
		}
		return m[1]
	}
	v := version(r.Body)

	// The same requirement twice: 422, both rows kept, nothing saved.
	r = c.PostForm(t, base+fmt.Sprintf("/risks/scenarios/%d/controls", scID), url.Values{"version": {v},
		"control_0": {"1.1"}, "control_0_eff": {"3"}, "control_0_reduces": {"likelihood"},
		"control_1": {"1.1"}, "control_1_eff": {"1"}, "control_1_reduces": {"impact"}})
	if r.StatusCode != http.StatusUnprocessableEntity || strings.Count(r.Body, `data-control="1.1"`) != 2 ||
		!strings.Contains(r.Body, tr(t, "risk.error.control")) {
		t.Fatalf("duplicate control: %d %s", r.StatusCode, r.Body)
	}
	// Two controls: strong on the likelihood, moderate on the impact.
	ctl := url.Values{"version": {v}, "control_0": {"1.1"}, "control_0_eff": {"3"}, "control_0_reduces": {"likelihood"},
		"control_1": {"6.2"}, "control_1_eff": {"2"}, "control_1_reduces": {"impact"}, "control_2": {""}}
	if r = c.PostForm(t, base+fmt.Sprintf("/risks/scenarios/%d/controls", scID), ctl); r.StatusCode != http.StatusSeeOther {
		t.Fatalf("save controls: %d %s", r.StatusCode, r.Body)
	}
	r = c.Get(t, page)
	if !strings.Contains(r.Body, `data-residual="low"`) || !strings.Contains(r.Body, tr(t, "risk.scored.values", 1, tr(t, "risk.likelihood.1"), 3, tr(t, "risk.impact.3"))) {
		t.Errorf("residual after controls (1×3 low) not shown")
	}
	// The analysis shows the residual heat map beside the inherent one; the
	// cell links to the scenarios with that residual risk.
	an := c.Get(t, fmt.Sprintf("%s/risks/%d", base, draft))
	cell := fmt.Sprintf("%s/risks/%d/scenarios?residual_likelihood=1&amp;residual_impact=3", base, draft)
	if !strings.Contains(an.Body, `id="heat-residual-title"`) || !strings.Contains(an.Body, `href="`+cell+`"`) {
		t.Errorf("analysis page: no residual heat map with cell link")
	}
	if strings.Contains(an.Body, `<span class="small muted">`+tr(t, "risk.step.later")+`</span>`) {
		t.Errorf("a step of the stepper still says volgt")
	}
	if list := c.Get(t, strings.ReplaceAll(cell, "&amp;", "&")); !strings.Contains(list.Body, fmt.Sprintf(`data-scenario="%d"`, scID)) {
		t.Errorf("residual cell list lacks the scenario")
	}
	// The same form again carries the old version: 409, input kept.
	r = c.PostForm(t, base+fmt.Sprintf("/risks/scenarios/%d/controls", scID), ctl)
	if r.StatusCode != http.StatusConflict || !strings.Contains(r.Body, tr(t, "conflict.title")) || !strings.Contains(r.Body, `data-control="6.2"`) {
		t.Errorf("stale controls: %d", r.StatusCode)
	}
	v = version(c.Get(t, page).Body)

	// A treatment without justification: 422 with the choice kept.
	r = c.PostForm(t, base+fmt.Sprintf("/risks/scenarios/%d/treatment", scID), url.Values{"version": {v}, "treatment": {"accept"}})
	if r.StatusCode != http.StatusUnprocessableEntity || !strings.Contains(r.Body, `<option value="accept" selected>`) {
		t.Errorf("treatment without justification: %d", r.StatusCode)
	}
	// Low is within the tolerance: accepted with who and when.
	r = c.PostForm(t, base+fmt.Sprintf("/risks/scenarios/%d/treatment", scID), url.Values{"version": {v}, "treatment": {"accept"},
		"justification": {"Restrisico past binnen de tolerantie"}})
	if r.StatusCode != http.StatusSeeOther {
		t.Fatalf("accept: %d %s", r.StatusCode, r.Body)
	}
	var acceptance string
	if err := a.Pool.QueryRow(t.Context(), `SELECT coalesce(acceptance, '') FROM risk_scenarios WHERE id = $1`, scID).Scan(&acceptance); err != nil {
		t.Fatal(err)
	}
	r = c.Get(t, page)
	switch acceptance {
	case "accepted":
		if !strings.Contains(r.Body, `data-acceptance="accepted"`) {
			t.Errorf("accepted within tolerance, not shown")
		}
	default:
		t.Errorf("low residual: acceptance %q, want accepted", acceptance)
	}

	// Mitigation action: invalid (422 kept), then valid; it shows on the page.
	r = c.PostForm(t, base+fmt.Sprintf("/risks/scenarios/%d/mitigations", scID), url.Values{"title": {"Netwerksegmentatie OT"}, "requirement": {"1.1"}, "owner": {""}, "due_date": {"2027-03-01"}})
	if r.StatusCode != http.StatusUnprocessableEntity || !strings.Contains(r.Body, `value="Netwerksegmentatie OT"`) {
		t.Errorf("mitigation without owner: %d", r.StatusCode)
	}
	officer := firstID(t, a, `SELECT id FROM users WHERE email = 'officer@demo.weerbaar.test'`)
	r = c.PostForm(t, base+fmt.Sprintf("/risks/scenarios/%d/mitigations", scID), url.Values{"title": {"Netwerksegmentatie OT"}, "requirement": {"1.1"},
		"owner": {strconv.FormatInt(officer, 10)}, "due_date": {"2027-03-01"}})
	if r.StatusCode != http.StatusSeeOther {
		t.Fatalf("mitigation: %d %s", r.StatusCode, r.Body)
	}
	if r = c.Get(t, page); !strings.Contains(r.Body, "Netwerksegmentatie OT") {
		t.Errorf("mitigation not listed")
	}
}

// TestRiskAcceptanceAboveToleranceIsOnlyRequested: accepting a residual
// risk above the tolerance records a request for the management body; the
// scenario shows "acceptatie aangevraagd" and is not accepted.
func TestRiskAcceptanceAboveToleranceIsOnlyRequested(t *testing.T) {
	t.Parallel()
	a, id := startWithDemo(t, apptest.Options{})
	base := "/e/" + strconv.FormatInt(id, 10)
	_, draft := demoRisk(t, a, id)
	// The OT supplier's remote access: residual high (3×5), above the demo's tolerance.
	scID := firstID(t, a, `SELECT id FROM risk_scenarios WHERE entity_id = $1 AND analysis_id = $2 AND threat_code = 'supplier_compromise'
		AND residual_level = 3`, id, draft)
	c := a.LoginDemo(t, authz.SecurityOfficer)
	page := fmt.Sprintf("%s/risks/scenarios/%d/resilience", base, scID)
	v := hiddenVersion.FindStringSubmatch(c.Get(t, page).Body)[1]
	if r := c.PostForm(t, base+fmt.Sprintf("/risks/scenarios/%d/treatment", scID), url.Values{"version": {v}, "treatment": {"mitigate"},
		"justification": {"Eerst MFA"}}); r.StatusCode != http.StatusSeeOther {
		t.Fatalf("mitigate: %d", r.StatusCode)
	}
	if body := c.Get(t, page).Body; strings.Contains(body, `data-acceptance="requested"`) {
		t.Errorf("mitigate still shows the acceptance request")
	}
	v = hiddenVersion.FindStringSubmatch(c.Get(t, page).Body)[1]
	r := c.PostForm(t, base+fmt.Sprintf("/risks/scenarios/%d/treatment", scID), url.Values{"version": {v}, "treatment": {"accept"},
		"justification": {"Maatregelen te duur"}})
	if r.StatusCode != http.StatusSeeOther {
		t.Fatalf("accept above tolerance: %d %s", r.StatusCode, r.Body)
	}
	var acceptance string
	var acceptedAt *string
	if err := a.Pool.QueryRow(t.Context(), `SELECT coalesce(acceptance, ''), accepted_at::text FROM risk_scenarios WHERE id = $1`, scID).Scan(&acceptance, &acceptedAt); err != nil {
		t.Fatal(err)
	}
	if acceptance != "requested" || acceptedAt != nil {
		t.Errorf("acceptance %q at %v; want requested, not accepted", acceptance, acceptedAt)
	}
	list := c.Get(t, fmt.Sprintf("%s/risks/%d/scenarios", base, draft)).Body
	if !strings.Contains(list, `data-treatment="requested"`) || !strings.Contains(list, `data-treatment="due"`) {
		t.Errorf("scenario list does not flag the requested acceptance and the expired one (the laboratory's, 13 months old)")
	}
	if body := c.Get(t, page).Body; !strings.Contains(body, `data-acceptance="requested"`) || !strings.Contains(body, tr(t, "risk.acceptance.requested")) ||
		strings.Contains(body, `data-acceptance="accepted"`) {
		t.Errorf("page does not say acceptatie aangevraagd")
	}
	// A board member cannot save a treatment (no RiskEdit).
	board := a.LoginDemo(t, authz.BoardMember)
	if r := board.PostForm(t, base+fmt.Sprintf("/risks/scenarios/%d/treatment", scID), url.Values{"version": {v}, "treatment": {"accept"},
		"justification": {"x"}}); r.StatusCode != http.StatusForbidden {
		t.Errorf("board member treatment: %d, want 403", r.StatusCode)
	}
}

// TestRiskActionsOnRequirementAndDashboard: a mitigation action shows on
// the requirement it improves and on its owner's dashboard, not on someone
// else's.
func TestRiskActionsOnRequirementAndDashboard(t *testing.T) {
	t.Parallel()
	a, id := startWithDemo(t, apptest.Options{})
	base := "/e/" + strconv.FormatInt(id, 10)
	officer := a.LoginDemo(t, authz.SecurityOfficer) // owns the demo's actions
	req := officer.Get(t, base+"/requirements/4.2")
	if req.StatusCode != http.StatusOK || !strings.Contains(req.Body, "data-risk-actions") ||
		!strings.Contains(req.Body, "Hersteltest offline back-ups OT-configuratie") || !strings.Contains(req.Body, "/resilience") {
		t.Errorf("requirement 4.2 lacks its mitigation action")
	}
	if other := officer.Get(t, base+"/requirements/1.2"); strings.Contains(other.Body, "data-risk-actions") {
		t.Errorf("requirement 1.2 lists actions of other requirements")
	}
	dash := officer.Get(t, base+"/")
	if !strings.Contains(dash.Body, "data-my-risk-actions") || !strings.Contains(dash.Body, "MFA en sessie-opname voor leverancierstoegang") ||
		!strings.Contains(dash.Body, tr(t, "risk.mitigation.overdue")) {
		t.Errorf("officer's dashboard lacks their actions (one overdue)")
	}
	board := a.LoginDemo(t, authz.BoardMember)
	if d := board.Get(t, base+"/"); strings.Contains(d.Body, "data-my-risk-actions") {
		t.Errorf("board member's dashboard shows the officer's actions")
	}
}
