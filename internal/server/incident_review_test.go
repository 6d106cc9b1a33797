package server_test

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/weerbaar/weerbaar/internal/apptest"
	"github.com/weerbaar/weerbaar/internal/authz"
)

// TestIncidentReviewOfTheDemo: the demo's closed DDoS incident has every
// report submitted before it was due, a completed review linking to the risk
// analysis, and a follow-up action that shows on requirement 6.7 and on the
// officer's dashboard.
func TestIncidentReviewOfTheDemo(t *testing.T) {
	t.Parallel()
	a, id := startWithDemo(t, apptest.Options{})
	base := "/e/" + strconv.FormatInt(id, 10)
	closed := firstID(t, a, `SELECT id FROM incidents WHERE entity_id = $1 AND status = 'closed' AND significance = 'significant'`, id)
	if n := firstID(t, a, `SELECT count(*) FROM incident_reports WHERE incident_id = $1 AND submitted_at IS NOT NULL
		AND submitted_at <= due_at AND proof_ref <> '' AND cardinality(recipients) > 0
		AND stage IN ('early_warning', 'notification', 'final')`, closed); n != 3 {
		t.Errorf("closed demo incident: %d of 3 reports submitted on time with recipients and reference", n)
	}
	if n := firstID(t, a, `SELECT count(*) FROM incident_reports WHERE incident_id = $1 AND submitted_at IS NULL`, closed); n != 0 {
		t.Errorf("closed demo incident owes %d reports", n)
	}
	board := a.LoginDemo(t, authz.BoardMember)
	r := board.Get(t, fmt.Sprintf("%s/incidents/%d", base, closed))
	if r.StatusCode != http.StatusOK || !strings.Contains(r.Body, `data-testid="review-completed"`) ||
		!strings.Contains(r.Body, `data-testid="review-risk"`) || !strings.Contains(r.Body, "DDoS-bescherming en tweede route storingsnummer") ||
		strings.Contains(r.Body, `data-testid="review-form"`) || strings.Contains(r.Body, `data-testid="action-form"`) {
		t.Fatalf("closed demo incident for the board: %d\n%s", r.StatusCode, r.Body)
	}
	officer := a.LoginDemo(t, authz.SecurityOfficer)
	req := officer.Get(t, base+"/requirements/6.7")
	if !strings.Contains(req.Body, "data-risk-actions") || !strings.Contains(req.Body, "DDoS-bescherming en tweede route storingsnummer") ||
		!strings.Contains(req.Body, fmt.Sprintf("/incidents/%d#action-", closed)) {
		t.Errorf("requirement 6.7 lacks the follow-up action")
	}
	dash := officer.Get(t, base+"/")
	if !strings.Contains(dash.Body, "data-my-risk-actions") || !strings.Contains(dash.Body, "DDoS-bescherming en tweede route storingsnummer") ||
		!strings.Contains(dash.Body, "Hersteltest offline back-ups OT-configuratie") {
		t.Errorf("officer's dashboard lacks the follow-up action next to the risk actions")
	}
}

// TestIncidentReview: the officer records the review of an incident and
// adds follow-up actions; bad input is 422 with the input kept, a stale
// version 409 with the input kept, the auditor and the board get 403, and
// another entity's incident 404. An action for another member appears on
// that requirement's page and that member's dashboard only.
func TestIncidentReview(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	a, id := startWithDemo(t, apptest.Options{})
	base := "/e/" + strconv.FormatInt(id, 10)
	inc := firstID(t, a, `SELECT min(id) FROM incidents WHERE entity_id = $1`, id) // the open ransomware incident
	page := fmt.Sprintf("%s/incidents/%d", base, inc)
	officer := a.LoginDemo(t, authz.SecurityOfficer)

	// Completing the review needs the lessons: 422, input kept.
	form := url.Values{"version": {"0"}, "review_root_cause": {"Onderhoudsverbinding zonder MFA"}, "lessons": {""}, "complete": {"1"}}
	r := officer.PostForm(t, page+"/review", form)
	if r.StatusCode != http.StatusUnprocessableEntity || !strings.Contains(r.Body, "Onderhoudsverbinding zonder MFA") ||
		!strings.Contains(r.Body, tr(t, "incident.review.error.required")) {
		t.Fatalf("incomplete review: %d\n%s", r.StatusCode, r.Body)
	}
	form.Set("lessons", "Leverancierstoegang alleen met MFA en op afroep")
	if r = officer.PostForm(t, page+"/review", form); r.StatusCode != http.StatusSeeOther {
		t.Fatalf("save review: %d\n%s", r.StatusCode, r.Body)
	}
	if n := firstID(t, a, `SELECT count(*) FROM incident_reviews WHERE incident_id = $1 AND completed_at IS NOT NULL AND version = 1`, inc); n != 1 {
		t.Errorf("review not stored as completed")
	}
	// The same form again (version 0) meets the saved review: 409, input kept.
	form.Set("lessons", "Mijn andere les")
	r = officer.PostForm(t, page+"/review", form)
	if r.StatusCode != http.StatusConflict || !strings.Contains(r.Body, "Mijn andere les") ||
		!strings.Contains(r.Body, "Leverancierstoegang alleen met MFA en op afroep") {
		t.Errorf("stale review: %d, want 409 with both versions", r.StatusCode)
	}

	// A follow-up action: a requirement outside the catalogue and a
	// non-member owner are 422 with the input kept.
	adminID := firstID(t, a, `SELECT user_id FROM memberships WHERE entity_id = $1 AND role = 'admin' AND accepted_at IS NOT NULL ORDER BY user_id LIMIT 1`, id)
	due := time.Now().AddDate(0, 0, -3).Format(time.DateOnly)
	act := url.Values{"action_title": {"MFA op alle leverancierstoegang"}, "requirement": {"99.9"}, "owner": {"999999"}, "due_date": {due}}
	r = officer.PostForm(t, page+"/actions", act)
	if r.StatusCode != http.StatusUnprocessableEntity || !strings.Contains(r.Body, "MFA op alle leverancierstoegang") ||
		!strings.Contains(r.Body, `id="f-requirement-error"`) || !strings.Contains(r.Body, `id="f-owner-error"`) {
		t.Fatalf("bad action: %d\n%s", r.StatusCode, r.Body)
	}
	act.Set("requirement", "1.2")
	act.Set("owner", strconv.FormatInt(adminID, 10))
	if r = officer.PostForm(t, page+"/actions", act); r.StatusCode != http.StatusSeeOther {
		t.Fatalf("add action: %d\n%s", r.StatusCode, r.Body)
	}
	actionID := firstID(t, a, `SELECT max(id) FROM incident_actions WHERE incident_id = $1`, inc)
	req := officer.Get(t, base+"/requirements/1.2")
	if !strings.Contains(req.Body, "MFA op alle leverancierstoegang") || !strings.Contains(req.Body, fmt.Sprintf("#action-%d", actionID)) ||
		!strings.Contains(req.Body, tr(t, "risk.mitigation.overdue")) {
		t.Errorf("requirement 1.2 lacks the overdue follow-up action")
	}
	admin := a.LoginDemo(t, authz.Admin)
	if d := admin.Get(t, base+"/"); !strings.Contains(d.Body, "MFA op alle leverancierstoegang") {
		t.Errorf("the owner's dashboard lacks the follow-up action")
	}
	if d := officer.Get(t, base+"/"); strings.Contains(d.Body, "MFA op alle leverancierstoegang") {
		t.Errorf("another member's dashboard shows the follow-up action")
	}

	// Marking it done: a stale version is 409; done, it leaves the owner's
	// dashboard and stays on the requirement marked done.
	done := page + "/actions/" + strconv.FormatInt(actionID, 10) + "/done"
	if r = officer.PostForm(t, done, url.Values{"version": {"7"}, "done": {"1"}}); r.StatusCode != http.StatusConflict {
		t.Errorf("stale done: %d, want 409", r.StatusCode)
	}
	if r = officer.PostForm(t, done, url.Values{"version": {"1"}, "done": {"1"}}); r.StatusCode != http.StatusSeeOther {
		t.Fatalf("done: %d\n%s", r.StatusCode, r.Body)
	}
	if d := admin.Get(t, base+"/"); strings.Contains(d.Body, "MFA op alle leverancierstoegang") {
		t.Errorf("a done action stays on the owner's dashboard")
	}
	if req = officer.Get(t, base+"/requirements/1.2"); !strings.Contains(req.Body, `data-state="done"`) {
		t.Errorf("the done action is not marked done on the requirement")
	}

	// The auditor and the board read but change nothing.
	for _, role := range []authz.Role{authz.Auditor, authz.BoardMember} {
		c := a.LoginDemo(t, role)
		for _, path := range []string{page + "/review", page + "/actions", done} {
			if r = c.PostForm(t, path, url.Values{"version": {"1"}, "action_title": {"x"}, "done": {"0"}}); r.StatusCode != http.StatusForbidden {
				t.Errorf("%s POST %s: %d, want 403", role, path, r.StatusCode)
			}
		}
	}

	// Another entity's incident and action through this entity: not found.
	otherID, _ := createEntityWithAdmin(t, a, "ander", "Andere Organisatie", "admin@ander.test")
	var foreign, foreignAction int64
	if err := a.Pool.QueryRow(ctx, `INSERT INTO incidents (entity_id, title, detected_at, aware_at, category)
		VALUES ($1, 'Elders', now(), now(), 'other') RETURNING id`, otherID).Scan(&foreign); err != nil {
		t.Fatal(err)
	}
	if err := a.Pool.QueryRow(ctx, `INSERT INTO incident_actions (entity_id, incident_id, title, requirement_code, due_date)
		VALUES ($1, $2, 'Elders', '1.2', current_date) RETURNING id`, otherID, foreign).Scan(&foreignAction); err != nil {
		t.Fatal(err)
	}
	fpage := fmt.Sprintf("%s/incidents/%d", base, foreign)
	for _, post := range []struct {
		path string
		form url.Values
	}{{fpage + "/review", url.Values{"version": {"0"}, "lessons": {"x"}}},
		{fpage + "/actions", url.Values{"action_title": {"x"}, "requirement": {"1.2"}, "owner": {strconv.FormatInt(adminID, 10)}, "due_date": {due}}},
		{fmt.Sprintf("%s/actions/%d/done", fpage, foreignAction), url.Values{"version": {"1"}, "done": {"1"}}},
		{fmt.Sprintf("%s/actions/%d/done", page, foreignAction), url.Values{"version": {"1"}, "done": {"1"}}}} {
		if r = officer.PostForm(t, post.path, post.form); r.StatusCode != http.StatusNotFound {
			t.Errorf("POST %s of another entity: %d, want 404", post.path, r.StatusCode)
		}
	}
	if req = officer.Get(t, base+"/requirements/1.2"); strings.Contains(req.Body, "Elders") {
		t.Errorf("requirement page shows another entity's action")
	}

	// Every change is in the audit log.
	for _, action := range []string{"incident.review_saved", "incident.action_added", "incident.action_done"} {
		if firstID(t, a, `SELECT count(*) FROM audit_log WHERE entity_id = $1 AND action = $2 AND object_id = $3`, id, action,
			strconv.FormatInt(inc, 10)) == 0 {
			t.Errorf("no audit row %s", action)
		}
	}
}

// TestIncidentFollowUpActionEditAndDelete: a follow-up action has its own
// page where the officer changes it (422 with the input kept on a bad owner,
// 409 with both versions on a stale form) and deletes it after a
// confirmation step; the auditor reads it without forms and cannot change
// it; another entity's action is 404; changes and the deletion are audited.
func TestIncidentFollowUpActionEditAndDelete(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	a, id := startWithDemo(t, apptest.Options{})
	base := "/e/" + strconv.FormatInt(id, 10)
	closed := firstID(t, a, `SELECT id FROM incidents WHERE entity_id = $1 AND status = 'closed' AND significance = 'significant'`, id)
	actionID := firstID(t, a, `SELECT min(id) FROM incident_actions WHERE incident_id = $1`, closed)
	page := fmt.Sprintf("%s/incidents/%d/actions/%d", base, closed, actionID)
	officer := a.LoginDemo(t, authz.SecurityOfficer)

	r := officer.Get(t, fmt.Sprintf("%s/incidents/%d", base, closed))
	if !strings.Contains(r.Body, `href="`+page+`"`) {
		t.Fatalf("the incident page does not link the action to its page")
	}
	r = officer.Get(t, page)
	if r.StatusCode != http.StatusOK || !strings.Contains(r.Body, `data-testid="action-edit-form"`) ||
		!strings.Contains(r.Body, "DDoS-bescherming en tweede route storingsnummer") {
		t.Fatalf("action page: %d\n%s", r.StatusCode, r.Body)
	}
	version := firstID(t, a, `SELECT version FROM incident_actions WHERE id = $1`, actionID)
	adminID := firstID(t, a, `SELECT user_id FROM memberships WHERE entity_id = $1 AND role = 'admin' AND accepted_at IS NOT NULL ORDER BY user_id LIMIT 1`, id)
	due := time.Now().AddDate(0, 2, 0).Format(time.DateOnly)
	form := url.Values{"version": {strconv.FormatInt(version, 10)}, "action_title": {"Tweede scrubbingdienst contracteren"},
		"requirement": {"6.7"}, "owner": {"999999"}, "due_date": {due}}
	if r = officer.PostForm(t, page, form); r.StatusCode != http.StatusUnprocessableEntity ||
		!strings.Contains(r.Body, "Tweede scrubbingdienst contracteren") || !strings.Contains(r.Body, `id="f-owner-error"`) {
		t.Fatalf("bad owner: %d, want 422 with the input kept\n%s", r.StatusCode, r.Body)
	}
	form.Set("owner", strconv.FormatInt(adminID, 10))
	if r = officer.PostForm(t, page, form); r.StatusCode != http.StatusSeeOther {
		t.Fatalf("change: %d\n%s", r.StatusCode, r.Body)
	}
	var title, code string
	var owner int64
	var dueDate time.Time
	if err := a.Pool.QueryRow(ctx, `SELECT title, requirement_code, owner_id, due_date FROM incident_actions WHERE id = $1`, actionID).
		Scan(&title, &code, &owner, &dueDate); err != nil || title != "Tweede scrubbingdienst contracteren" || code != "6.7" ||
		owner != adminID || dueDate.Format(time.DateOnly) != due {
		t.Errorf("stored action: %q %q %d %s (%v)", title, code, owner, dueDate.Format(time.DateOnly), err)
	}
	// The same form again is stale: 409 with the saved version and the input.
	form.Set("action_title", "Mijn andere titel")
	if r = officer.PostForm(t, page, form); r.StatusCode != http.StatusConflict || !strings.Contains(r.Body, "Mijn andere titel") ||
		!strings.Contains(r.Body, "Tweede scrubbingdienst contracteren") {
		t.Errorf("stale change: %d, want 409 with both versions", r.StatusCode)
	}

	// The auditor reads the action without forms and cannot change it.
	auditor := a.LoginDemo(t, authz.Auditor)
	if r = auditor.Get(t, page); r.StatusCode != http.StatusOK || strings.Contains(r.Body, `data-testid="action-edit-form"`) ||
		!strings.Contains(r.Body, "Tweede scrubbingdienst contracteren") {
		t.Errorf("auditor's view of the action: %d", r.StatusCode)
	}
	for _, path := range []string{page, page + "/delete"} {
		if r = auditor.PostForm(t, path, url.Values{"version": {"2"}}); r.StatusCode != http.StatusForbidden {
			t.Errorf("auditor POST %s: %d, want 403", path, r.StatusCode)
		}
	}

	// Deleting: a confirmation page, a stale version 409, then gone.
	if r = officer.Get(t, page+"/delete"); r.StatusCode != http.StatusOK || !strings.Contains(r.Body, "data-confirm-delete") {
		t.Fatalf("delete confirmation: %d", r.StatusCode)
	}
	if r = officer.PostForm(t, page+"/delete", url.Values{"version": {"1"}}); r.StatusCode != http.StatusConflict {
		t.Errorf("stale delete: %d, want 409", r.StatusCode)
	}
	if r = officer.PostForm(t, page+"/delete", url.Values{"version": {strconv.FormatInt(version+1, 10)}}); r.StatusCode != http.StatusSeeOther {
		t.Fatalf("delete: %d\n%s", r.StatusCode, r.Body)
	}
	if n := firstID(t, a, `SELECT count(*) FROM incident_actions WHERE id = $1`, actionID); n != 0 {
		t.Errorf("the deleted action is still stored")
	}
	if r = officer.Get(t, page); r.StatusCode != http.StatusNotFound {
		t.Errorf("deleted action's page: %d, want 404", r.StatusCode)
	}
	for _, action := range []string{"incident.action_changed", "incident.action_deleted"} {
		if firstID(t, a, `SELECT count(*) FROM audit_log WHERE entity_id = $1 AND action = $2 AND object_id = $3`, id, action,
			strconv.FormatInt(closed, 10)) != 1 {
			t.Errorf("no audit row %s", action)
		}
	}

	// Another entity's action, through this entity's incident or its own: 404.
	otherID, _ := createEntityWithAdmin(t, a, "ander", "Andere Organisatie", "admin@ander.test")
	var foreign, foreignAction int64
	if err := a.Pool.QueryRow(ctx, `INSERT INTO incidents (entity_id, title, detected_at, aware_at, category)
		VALUES ($1, 'Elders', now(), now(), 'other') RETURNING id`, otherID).Scan(&foreign); err != nil {
		t.Fatal(err)
	}
	if err := a.Pool.QueryRow(ctx, `INSERT INTO incident_actions (entity_id, incident_id, title, requirement_code, due_date)
		VALUES ($1, $2, 'Elders', '1.2', current_date) RETURNING id`, otherID, foreign).Scan(&foreignAction); err != nil {
		t.Fatal(err)
	}
	for _, p := range []string{fmt.Sprintf("%s/incidents/%d/actions/%d", base, foreign, foreignAction),
		fmt.Sprintf("%s/incidents/%d/actions/%d", base, closed, foreignAction)} {
		if r = officer.Get(t, p); r.StatusCode != http.StatusNotFound {
			t.Errorf("GET %s: %d, want 404", p, r.StatusCode)
		}
		if r = officer.PostForm(t, p+"/delete", url.Values{"version": {"1"}}); r.StatusCode != http.StatusNotFound {
			t.Errorf("POST %s/delete: %d, want 404", p, r.StatusCode)
		}
	}
}
