package server_test

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"testing"

	"github.com/weerbaar/weerbaar/internal/apptest"
	"github.com/weerbaar/weerbaar/internal/authz"
)

// TestRiskMitigationLifecycle edits a mitigation action of the demo's
// draft (422 with input kept, a stale version 409 with input kept), marks
// it done (the date recorded; on the requirement page and the treatment
// page as done, off the owner's to-do list) and reopens it, attaches
// evidence that shows on its page and on the treatment page, deletes it
// after the confirmation step; read-only roles cannot change it, an
// adopted analysis's action is locked; every change is audited.
func TestRiskMitigationLifecycle(t *testing.T) {
	t.Parallel()
	a, id := startWithDemo(t, apptest.Options{})
	ctx := context.Background()
	base := "/e/" + strconv.FormatInt(id, 10)
	adopted, draft := demoRisk(t, a, id)
	mid := firstID(t, a, `SELECT id FROM risk_mitigations WHERE entity_id = $1 AND analysis_id = $2 AND title = 'MFA en sessie-opname voor leverancierstoegang'`, id, draft)
	scID := firstID(t, a, `SELECT scenario_id FROM risk_mitigations WHERE id = $1`, mid)
	officerID := firstID(t, a, `SELECT id FROM users WHERE email = 'officer@demo.weerbaar.test'`)
	page := fmt.Sprintf("%s/risks/mitigations/%d", base, mid)
	resilience := fmt.Sprintf("%s/risks/scenarios/%d/resilience", base, scID)
	c := a.LoginDemo(t, authz.SecurityOfficer)
	r := c.Get(t, page)
	if r.StatusCode != http.StatusOK || !strings.Contains(r.Body, "MFA en sessie-opname voor leverancierstoegang") ||
		!strings.Contains(r.Body, `data-mitigation-state="open"`) || !strings.Contains(r.Body, `id="evidence"`) || !strings.Contains(r.Body, "data-delete-link") {
		t.Fatalf("action page: %d %s", r.StatusCode, r.Body)
	}
	v := hiddenVersion.FindStringSubmatch(r.Body)[1]
	audited := func(action string) int {
		t.Helper()
		var n int
		if err := a.Pool.QueryRow(ctx, `SELECT count(*) FROM audit_log WHERE entity_id = $1 AND action = $2 AND object_id = $3`,
			id, action, strconv.FormatInt(mid, 10)).Scan(&n); err != nil {
			t.Fatal(err)
		}
		return n
	}
	form := func(title, version string) url.Values {
		return url.Values{"version": {version}, "title": {title}, "description": {"Leverancier levert MFA-token per monteur"},
			"requirement": {"11.7"}, "owner": {strconv.FormatInt(officerID, 10)}, "due_date": {"2027-06-30"}}
	}

	// Bad input: 422, field errors, input kept, nothing saved.
	bad := form("", v)
	bad.Set("due_date", "30-06-2027")
	r = c.PostForm(t, page, bad)
	if r.StatusCode != http.StatusUnprocessableEntity || !strings.Contains(r.Body, tr(t, "risk.error.name")) ||
		!strings.Contains(r.Body, tr(t, "validate.date")) || !strings.Contains(r.Body, "Leverancier levert MFA-token per monteur") {
		t.Errorf("bad edit: %d", r.StatusCode)
	}
	// Valid edit.
	if r = c.PostForm(t, page, form("MFA voor leverancierstoegang OT", v)); r.StatusCode != http.StatusSeeOther {
		t.Fatalf("edit: %d %s", r.StatusCode, r.Body)
	}
	r = c.Get(t, page)
	if !strings.Contains(r.Body, `value="MFA voor leverancierstoegang OT"`) || !strings.Contains(r.Body, `value="2027-06-30"`) || audited("risk_mitigation.updated") != 1 {
		t.Errorf("edit not saved or not audited")
	}
	// The old version again: 409 with the input kept.
	r = c.PostForm(t, page, form("Oude titel van een collega", v))
	if r.StatusCode != http.StatusConflict || !strings.Contains(r.Body, tr(t, "conflict.title")) || !strings.Contains(r.Body, `value="Oude titel van een collega"`) {
		t.Errorf("stale edit: %d", r.StatusCode)
	}
	v = hiddenVersion.FindStringSubmatch(c.Get(t, page).Body)[1]

	// Done: the date is recorded; the requirement page and the treatment
	// page show it done; the owner's dashboard lists open actions only.
	if r = c.PostForm(t, page+"/done", url.Values{"version": {v}, "done": {"true"}}); r.StatusCode != http.StatusSeeOther {
		t.Fatalf("done: %d %s", r.StatusCode, r.Body)
	}
	var doneOn *string
	if err := a.Pool.QueryRow(ctx, `SELECT done_on::text FROM risk_mitigations WHERE id = $1 AND done AND done_by = $2`, mid, officerID).Scan(&doneOn); err != nil || doneOn == nil ||
		*doneOn != testToday().Format("2006-01-02") {
		t.Errorf("done date: %v %v", doneOn, err)
	}
	if r = c.Get(t, page); !strings.Contains(r.Body, `data-mitigation-state="done"`) || audited("risk_mitigation.done") != 1 {
		t.Errorf("done not shown or not audited")
	}
	if req := c.Get(t, base+"/requirements/11.7").Body; !strings.Contains(req, "MFA voor leverancierstoegang OT") || !strings.Contains(req, `data-state="done"`) ||
		!strings.Contains(req, page) {
		t.Errorf("requirement 11.7 does not show the done action")
	}
	if dash := c.Get(t, base+"/").Body; strings.Contains(dash, "MFA voor leverancierstoegang OT") || !strings.Contains(dash, "data-my-risk-actions") {
		t.Errorf("the owner's dashboard still lists the done action (or no longer lists the open ones)")
	}
	if res := c.Get(t, resilience).Body; !strings.Contains(res, fmt.Sprintf(`data-mitigation="%d" data-mitigation-state="done"`, mid)) {
		t.Errorf("treatment page does not show the action done")
	}
	// Stale done/reopen: 409.
	if r = c.PostForm(t, page+"/done", url.Values{"version": {v}, "done": {"false"}}); r.StatusCode != http.StatusConflict {
		t.Errorf("stale reopen: %d", r.StatusCode)
	}
	v = hiddenVersion.FindStringSubmatch(c.Get(t, page).Body)[1]
	if r = c.PostForm(t, page+"/done", url.Values{"version": {v}, "done": {"false"}}); r.StatusCode != http.StatusSeeOther {
		t.Fatalf("reopen: %d", r.StatusCode)
	}
	if err := a.Pool.QueryRow(ctx, `SELECT done_on::text FROM risk_mitigations WHERE id = $1 AND NOT done AND done_by IS NULL`, mid).Scan(&doneOn); err != nil || doneOn != nil {
		t.Errorf("reopened: done date %v %v", doneOn, err)
	}
	if audited("risk_mitigation.reopened") != 1 || !strings.Contains(c.Get(t, base+"/").Body, "MFA voor leverancierstoegang OT") {
		t.Errorf("reopen not audited or not back on the dashboard")
	}
	if r = c.PostForm(t, page+"/done", url.Values{"version": {v}, "done": {"maybe"}}); r.StatusCode != http.StatusBadRequest {
		t.Errorf("done=maybe: %d", r.StatusCode)
	}

	// Evidence attaches to the action and shows on the treatment page.
	r = c.PostForm(t, fmt.Sprintf("%s/evidence/attach/risk_mitigation/%d/link", base, mid), url.Values{"link_title": {"Contractaddendum MFA"},
		"url": {"https://example.nl/addendum"}, "description": {""}})
	if r.StatusCode != http.StatusSeeOther || !strings.HasPrefix(r.Header.Get("Location"), page) {
		t.Fatalf("evidence link: %d %s", r.StatusCode, r.Header.Get("Location"))
	}
	if !strings.Contains(c.Get(t, page).Body, "Contractaddendum MFA") {
		t.Errorf("evidence not on the action's page")
	}
	res := c.Get(t, resilience).Body
	if !strings.Contains(res, "Contractaddendum MFA") || !strings.Contains(res, fmt.Sprintf(`data-evidence-group="%d"`, mid)) ||
		!strings.Contains(res, tr(t, "risk.mitigation.evidence")) {
		t.Errorf("evidence not on the treatment page")
	}

	// Read-only roles see the page without forms and cannot change it.
	auditor := a.LoginDemo(t, authz.Auditor)
	if r := auditor.Get(t, page); r.StatusCode != http.StatusOK || strings.Contains(r.Body, page+"/done") || strings.Contains(r.Body, "data-delete-link") {
		t.Errorf("auditor's view: %d", r.StatusCode)
	}
	for _, role := range []authz.Role{authz.Auditor, authz.BoardMember} {
		rc := auditor
		if role == authz.BoardMember {
			rc = a.LoginDemo(t, role)
		}
		for _, p := range []string{page, page + "/done", page + "/delete"} {
			if r := rc.PostForm(t, p, url.Values{"version": {v}, "done": {"true"}, "title": {"x"}}); r.StatusCode != http.StatusForbidden {
				t.Errorf("%s POST %s: %d, want 403", role, p, r.StatusCode)
			}
		}
		if r := rc.Get(t, page+"/delete"); r.StatusCode != http.StatusForbidden {
			t.Errorf("%s delete confirmation: %d, want 403", role, r.StatusCode)
		}
	}

	// An adopted analysis's actions are locked.
	var locked int64
	if err := a.Pool.QueryRow(ctx, `INSERT INTO risk_mitigations (entity_id, analysis_id, scenario_id, title, requirement_code, owner_id, due_date)
		SELECT entity_id, analysis_id, id, 'Vastgesteld', '1.1', $2, current_date FROM risk_scenarios WHERE analysis_id = $1 ORDER BY id LIMIT 1
		RETURNING id`, adopted, officerID).Scan(&locked); err != nil {
		t.Fatal(err)
	}
	lockedPage := fmt.Sprintf("%s/risks/mitigations/%d", base, locked)
	if r := c.Get(t, lockedPage); r.StatusCode != http.StatusOK || strings.Contains(r.Body, "data-delete-link") {
		t.Errorf("locked action page: %d", r.StatusCode)
	}
	for _, p := range []string{lockedPage, lockedPage + "/done", lockedPage + "/delete"} {
		r := c.PostForm(t, p, url.Values{"version": {"1"}, "done": {"true"}, "title": {"x"}, "requirement": {"1.1"},
			"owner": {strconv.FormatInt(officerID, 10)}, "due_date": {"2027-01-01"}})
		if r.StatusCode != http.StatusConflict || !strings.Contains(r.Body, tr(t, "risk.error.locked")) {
			t.Errorf("POST %s in an adopted analysis: %d, want 409 locked", p, r.StatusCode)
		}
	}

	// Delete: a confirmation step first, then version-checked.
	r = c.Get(t, page+"/delete")
	if r.StatusCode != http.StatusOK || !strings.Contains(r.Body, "data-confirm-delete") || !strings.Contains(r.Body, tr(t, "risk.mitigation.delete.submit")) {
		t.Fatalf("delete confirmation: %d", r.StatusCode)
	}
	v = hiddenVersion.FindStringSubmatch(r.Body)[1]
	stale, _ := strconv.Atoi(v)
	if r = c.PostForm(t, page+"/delete", url.Values{"version": {strconv.Itoa(stale - 1)}}); r.StatusCode != http.StatusConflict {
		t.Errorf("stale delete: %d", r.StatusCode)
	}
	r = c.PostForm(t, page+"/delete", url.Values{"version": {v}})
	if r.StatusCode != http.StatusSeeOther || r.Header.Get("Location") != resilience {
		t.Fatalf("delete: %d %s", r.StatusCode, r.Header.Get("Location"))
	}
	if r = c.Get(t, page); r.StatusCode != http.StatusNotFound || audited("risk_mitigation.deleted") != 1 {
		t.Errorf("after delete: %d", r.StatusCode)
	}
	if res := c.Get(t, resilience).Body; strings.Contains(res, "MFA voor leverancierstoegang OT") {
		t.Errorf("deleted action still on the treatment page")
	}
}
