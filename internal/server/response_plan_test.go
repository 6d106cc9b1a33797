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
	"github.com/weerbaar/weerbaar/internal/demo"
	"github.com/weerbaar/weerbaar/internal/incident"
)

// planForm is a valid plan form: one contact, one escalation level and the
// communication texts, at version.
func planForm(version int) url.Values {
	return url.Values{"version": {strconv.Itoa(version)},
		"contact-0-role": {"manager"}, "contact-0-name": {"K. Smit"}, "contact-0-organisation": {"Informatiebeveiliging"},
		"contact-0-phone": {"+31 6 1234 5678"}, "contact-0-email": {"k.smit@demo.weerbaar.test"}, "contact-0-availability": {"24/7"},
		"contact-0-supplier": {""},
		"contact-1-role":     {""}, "contact-1-name": {""}, "contact-1-organisation": {""}, "contact-1-phone": {""},
		"contact-1-email": {""}, "contact-1-availability": {""}, "contact-1-supplier": {""},
		"escalation-0-criteria": {"Drinkwaterlevering in gevaar"}, "escalation-0-decides": {"Crisisteam"},
		"comm_internal": {"Via intranet"}, "comm_recipients": {"Gemeenten telefonisch"}, "comm_press": {"Woordvoerder"}}
}

func planVersion(t *testing.T, a *apptest.App, entityID int64) int {
	t.Helper()
	return int(firstID(t, a, `SELECT coalesce((SELECT version FROM response_plans WHERE entity_id = $1), 0)`, entityID))
}

// TestResponsePlanOfTheDemo: the demo's plan names its contacts, is
// approved by the board and was exercised this year; the board and the
// auditor read it without the form, and the auditor may not change it.
// The incident list links the plan and the exercises; the demo's
// ransomware incident links its playbook.
func TestResponsePlanOfTheDemo(t *testing.T) {
	t.Parallel()
	a, id := startWithDemo(t, apptest.Options{})
	base := "/e/" + strconv.FormatInt(id, 10)
	officer := a.LoginDemo(t, authz.SecurityOfficer)
	r := officer.Get(t, base+"/incidents/plan")
	if r.StatusCode != http.StatusOK || !strings.Contains(r.Body, `data-approval="approved"`) || !strings.Contains(r.Body, "J. de Vries") ||
		!strings.Contains(r.Body, `data-testid="plan-form"`) || strings.Contains(r.Body, `data-testid="exercise-due"`) {
		t.Fatalf("demo plan for the officer: %d\n%s", r.StatusCode, r.Body)
	}
	for _, role := range []authz.Role{authz.BoardMember, authz.Auditor} {
		c := a.LoginDemo(t, role)
		r := c.Get(t, base+"/incidents/plan")
		if r.StatusCode != http.StatusOK || !strings.Contains(r.Body, "J. de Vries") || !strings.Contains(r.Body, tr(t, "plan.role.csirt")) ||
			strings.Contains(r.Body, `data-testid="plan-form"`) || !strings.Contains(r.Body, tr(t, "playbook.title.ransomware")) {
			t.Errorf("%s reads the plan: %d", role, r.StatusCode)
		}
		if r := c.PostForm(t, base+"/incidents/plan", planForm(planVersion(t, a, id))); r.StatusCode != http.StatusForbidden {
			t.Errorf("%s saves the plan: %d, want 403", role, r.StatusCode)
		}
	}
	list := officer.Get(t, base+"/incidents")
	for _, href := range []string{base + "/incidents/plan", base + "/incidents/exercises"} {
		if !strings.Contains(list.Body, `href="`+href+`"`) {
			t.Errorf("incident list lacks the tab %s", href)
		}
	}
	ransomware := firstID(t, a, `SELECT min(id) FROM incidents WHERE entity_id = $1 AND category = 'ransomware'`, id)
	page := officer.Get(t, fmt.Sprintf("%s/incidents/%d", base, ransomware))
	if !strings.Contains(page.Body, `data-testid="incident-playbook"`) || !strings.Contains(page.Body, base+"/incidents/playbooks/ransomware") {
		t.Errorf("ransomware incident does not link its playbook")
	}
	// The audit log names the plan's and the playbooks' events in words.
	auditor := a.LoginDemo(t, authz.Auditor)
	for object, want := range map[string][]string{
		"response_plan": {tr(t, "audit.action.response_plan.saved"), tr(t, "plan.role.csirt") + ": Nationaal Cyber Security Centrum (NCSC)"},
		"playbook":      {tr(t, "audit.action.playbook.adopted"), tr(t, "playbook.title.data_breach")},
		"exercise":      {tr(t, "audit.action.exercise.action_added"), tr(t, "exercise.kind.tabletop")},
	} {
		log := auditor.Get(t, base+"/audit?object="+object)
		for _, w := range want {
			if !strings.Contains(log.Body, w) {
				t.Errorf("audit log of %s lacks %q", object, w)
			}
		}
		for _, bad := range []string{">response_plan.saved<", ">ransomware<", ">tabletop<", ">exercise.", "audit.field."} {
			if i := strings.Index(log.Body, bad); i >= 0 {
				t.Errorf("audit log of %s shows %q: %s", object, bad, log.Body[max(0, i-200):min(len(log.Body), i+100)])
			}
		}
	}
	// No exercise in the last twelve months: the plan page warns.
	if _, err := a.Pool.Exec(context.Background(), `UPDATE response_exercises SET held_on = current_date - 400 WHERE entity_id = $1`, id); err != nil {
		t.Fatal(err)
	}
	if r := officer.Get(t, base+"/incidents/plan"); !strings.Contains(r.Body, `data-testid="exercise-due"`) || !strings.Contains(r.Body, tr(t, "plan.exercise.due")) {
		t.Errorf("plan without a recent exercise does not warn")
	}
	// A plan never saved offers the scope's reporting bodies as pre-filled
	// rows (no phone numbers).
	if _, err := a.Pool.Exec(context.Background(), `DELETE FROM response_plans WHERE entity_id = $1`, id); err != nil {
		t.Fatal(err)
	}
	fresh := officer.Get(t, base+"/incidents/plan")
	if !strings.Contains(fresh.Body, `data-testid="plan-suggestions"`) || !strings.Contains(fresh.Body, tr(t, "plan.suggestions")) ||
		!strings.Contains(fresh.Body, `name="contact-0-organisation" type="text" value="Nationaal Cyber Security Centrum (NCSC)"`) ||
		!strings.Contains(fresh.Body, `name="contact-0-phone" type="tel" value=""`) {
		t.Errorf("fresh plan without the scope's bodies pre-filled")
	}
	ex := officer.Get(t, base+"/incidents/exercises")
	if ex.StatusCode != http.StatusOK || !strings.Contains(ex.Body, tr(t, "exercise.kind.tabletop")) {
		t.Errorf("demo exercises: %d", ex.StatusCode)
	}
}

// TestResponsePlanEdit: the officer saves the plan (303, stored, audited,
// the approval now verouderd); bad input is 422 with the errors next to
// the fields and the input kept; a stale version is 409 with the input
// kept; a supplier of another entity is refused. The officer submits the
// plan, the board approves it, and the standing is approved until the next
// change.
func TestResponsePlanEdit(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	a, id := startWithDemo(t, apptest.Options{})
	base := "/e/" + strconv.FormatInt(id, 10)
	officer := a.LoginDemo(t, authz.SecurityOfficer)
	v := planVersion(t, a, id)

	bad := planForm(v)
	bad.Set("contact-0-email", "geen-adres")
	bad.Set("contact-1-role", "dpo")
	bad.Set("contact-1-phone", "070 123 4567")
	r := officer.PostForm(t, base+"/incidents/plan", bad)
	if r.StatusCode != http.StatusUnprocessableEntity || !strings.Contains(r.Body, `id="f-contact-0-email-error"`) ||
		!strings.Contains(r.Body, `id="f-contact-1-name-error"`) || !strings.Contains(r.Body, "geen-adres") ||
		!strings.Contains(r.Body, "070 123 4567") || !strings.Contains(r.Body, tr(t, "plan.error.contact_name")) {
		t.Fatalf("bad plan: %d\n%s", r.StatusCode, r.Body)
	}
	otherID, _ := createEntityWithAdmin(t, a, "ander", "Andere Organisatie", "admin@ander.test")
	var analysis, foreignSupplier int64
	if _, err := a.Pool.Exec(ctx, `INSERT INTO risk_methods (entity_id, method_version, matrix, tolerance) VALUES ($1, 1, repeat('1', 25), 2)`,
		otherID); err != nil {
		t.Fatal(err)
	}
	if err := a.Pool.QueryRow(ctx, `INSERT INTO risk_analyses (entity_id, period, review_date, method_version) VALUES ($1, '2026', current_date, 1) RETURNING id`, otherID).Scan(&analysis); err != nil {
		t.Fatal(err)
	}
	if err := a.Pool.QueryRow(ctx, `INSERT INTO risk_suppliers (entity_id, analysis_id, name) VALUES ($1, $2, 'Elders B.V.') RETURNING id`,
		otherID, analysis).Scan(&foreignSupplier); err != nil {
		t.Fatal(err)
	}
	foreign := planForm(v)
	foreign.Set("contact-0-role", "supplier")
	foreign.Set("contact-0-supplier", strconv.FormatInt(foreignSupplier, 10))
	if r := officer.PostForm(t, base+"/incidents/plan", foreign); r.StatusCode != http.StatusUnprocessableEntity ||
		!strings.Contains(r.Body, `id="f-contact-0-supplier-error"`) {
		t.Errorf("another entity's supplier: %d", r.StatusCode)
	}

	if r := officer.PostForm(t, base+"/incidents/plan", planForm(v)); r.StatusCode != http.StatusSeeOther {
		t.Fatalf("save plan: %d\n%s", r.StatusCode, r.Body)
	}
	if n := firstID(t, a, `SELECT count(*) FROM response_plans WHERE entity_id = $1 AND version = $2
		AND contacts->0->>'name' = 'K. Smit' AND contacts->0->>'email' = 'k.smit@demo.weerbaar.test'
		AND jsonb_array_length(contacts) = 1 AND escalation->0->>'decides' = 'Crisisteam'`, id, v+1); n != 1 {
		t.Errorf("plan not stored")
	}
	if n := firstID(t, a, `SELECT count(*) FROM audit_log WHERE entity_id = $1 AND action = 'response_plan.saved'`, id); n < 2 {
		t.Errorf("plan save not audit-logged: %d rows", n)
	}
	page := officer.Get(t, base+"/incidents/plan")
	if !strings.Contains(page.Body, `data-approval="outdated"`) || !strings.Contains(page.Body, "K. Smit") {
		t.Errorf("changed plan not verouderd")
	}
	// Someone else saved meanwhile: 409, the input kept.
	stale := planForm(v)
	stale.Set("contact-0-name", "Mijn invoer")
	if r := officer.PostForm(t, base+"/incidents/plan", stale); r.StatusCode != http.StatusConflict ||
		!strings.Contains(r.Body, "Mijn invoer") || !strings.Contains(r.Body, tr(t, "conflict.title")) {
		t.Errorf("stale plan: %d", r.StatusCode)
	}

	// Submit → the board approves → approved; a change → verouderd.
	subject := url.Values{"subject": {incident.KindResponsePlan + ":" + incident.ResponsePlanRef}, "cover_note": {"Plan 2027."}}
	r = officer.PostForm(t, base+"/board/requests", subject)
	if r.StatusCode != http.StatusSeeOther {
		t.Fatalf("submit plan: %d %s", r.StatusCode, r.Body)
	}
	reqPage := r.Header.Get("Location")
	reqID, err := strconv.ParseInt(reqPage[strings.LastIndex(reqPage, "/")+1:], 10, 64)
	if err != nil {
		t.Fatal(err)
	}
	if page := officer.Get(t, base+"/incidents/plan"); !strings.Contains(page.Body, "data-approval-pending") {
		t.Errorf("plan page does not show the pending request")
	}
	board := a.LoginDemo(t, authz.BoardMember)
	// The request page names what changed since the demo's approval in
	// words, never snapshot keys.
	if rp := board.Get(t, reqPage); !strings.Contains(rp.Body, tr(t, "approval.kind.response_plan")) ||
		!strings.Contains(rp.Body, tr(t, "approval.field.contacts")) ||
		strings.Contains(rp.Body, "approval.field.") || strings.Contains(rp.Body, "plan.role.") {
		t.Errorf("request page: %d\n%s", rp.StatusCode, rp.Body)
	}
	if r := board.PostForm(t, reqPage+"/decide", url.Values{"decision": {"approve"}, "hash": {hashOf(t, a, reqID)},
		"comment": {"Akkoord."}, "secret": {demo.Password}}); r.StatusCode != http.StatusSeeOther {
		t.Fatalf("board approves: %d %s", r.StatusCode, r.Body)
	}
	page = board.Get(t, base+"/incidents/plan")
	if !strings.Contains(page.Body, `data-approval="approved"`) || !strings.Contains(page.Body, hashOf(t, a, reqID)) {
		t.Errorf("approved plan not shown as approved with its hash")
	}
	next := planForm(v + 1)
	next.Set("comm_press", "Alleen de directeur")
	if r := officer.PostForm(t, base+"/incidents/plan", next); r.StatusCode != http.StatusSeeOther {
		t.Fatalf("change plan: %d", r.StatusCode)
	}
	if page := board.Get(t, base+"/incidents/plan"); !strings.Contains(page.Body, `data-approval="outdated"`) {
		t.Errorf("plan changed after approval not verouderd")
	}
}

// TestPlaybookInBothLanguages: the officer edits a playbook in Dutch and
// English; a Dutch reader sees the Dutch text, an English reader the
// English; the Dutch text is required (422, input kept) and a stale version
// is 409; an unknown playbook is 404.
func TestPlaybookInBothLanguages(t *testing.T) {
	t.Parallel()
	a, id := startWithDemo(t, apptest.Options{})
	base := "/e/" + strconv.FormatInt(id, 10)
	officer := a.LoginDemo(t, authz.SecurityOfficer)
	path := base + "/incidents/playbooks/ddos"
	version := int(firstID(t, a, `SELECT version FROM response_playbooks WHERE entity_id = $1 AND key = 'ddos'`, id))
	form := url.Values{"version": {strconv.Itoa(version)}}
	for _, s := range incident.PlaybookSections {
		form.Set(s+"_nl", "Nederlandse stap "+s)
		form.Set(s+"_en", "English step "+s)
	}
	missing := url.Values{}
	for k, v := range form {
		missing[k] = v
	}
	missing.Set("contain_nl", "")
	if r := officer.PostForm(t, path, missing); r.StatusCode != http.StatusUnprocessableEntity ||
		!strings.Contains(r.Body, `id="f-contain_nl-error"`) || !strings.Contains(r.Body, "English step contain") {
		t.Fatalf("playbook without Dutch text: %d", r.StatusCode)
	}
	if r := officer.PostForm(t, path, form); r.StatusCode != http.StatusSeeOther {
		t.Fatalf("save playbook: %d %s", r.StatusCode, r.Body)
	}
	if r := officer.PostForm(t, path, form); r.StatusCode != http.StatusConflict || !strings.Contains(r.Body, "English step detect") {
		t.Errorf("stale playbook: %d", r.StatusCode)
	}
	nl := officer.Get(t, path)
	if !strings.Contains(nl.Body, "Nederlandse stap report") || strings.Contains(nl.Body, "English step report") {
		t.Errorf("Dutch reader does not see the Dutch playbook")
	}
	reader := a.LoginDemo(t, authz.Auditor)
	inEnglish(t, reader)
	en := reader.Get(t, path)
	if en.StatusCode != http.StatusOK || !strings.Contains(en.Body, "English step report") || strings.Contains(en.Body, "Nederlandse stap report") ||
		strings.Contains(en.Body, `data-testid="playbook-edit"`) {
		t.Errorf("English reader: %d", en.StatusCode)
	}
	if r := reader.Get(t, path+"/edit"); r.StatusCode != http.StatusForbidden {
		t.Errorf("auditor opens the editor: %d", r.StatusCode)
	}
	if r := officer.Get(t, base+"/incidents/playbooks/phishing"); r.StatusCode != http.StatusNotFound {
		t.Errorf("unknown playbook: %d", r.StatusCode)
	}
	if n := firstID(t, a, `SELECT count(*) FROM audit_log WHERE entity_id = $1 AND action = 'playbook.saved' AND object_id = 'ddos'`, id); n != 1 {
		t.Errorf("playbook change audit rows: %d", n)
	}
}

// TestExercises: the officer records an exercise (422 with the input kept
// for a future date or no scenario), changes it (409 when stale), adds a
// follow-up action and marks it done; the auditor reads but may not post;
// another entity's exercise is 404.
func TestExercises(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	a, id := startWithDemo(t, apptest.Options{})
	base := "/e/" + strconv.FormatInt(id, 10)
	officer := a.LoginDemo(t, authz.SecurityOfficer)
	day := time.Now().Format(time.DateOnly)
	form := url.Values{"held_on": {time.Now().AddDate(0, 0, 3).Format(time.DateOnly)}, "kind": {"technical"},
		"scenario": {"Herstel van de OT-back-up"}, "playbook": {"ransomware"}, "participants": {"ICT-beheer"}, "lessons": {""}, "version": {"0"}}
	if r := officer.PostForm(t, base+"/incidents/exercises", form); r.StatusCode != http.StatusUnprocessableEntity ||
		!strings.Contains(r.Body, `id="f-held_on-error"`) || !strings.Contains(r.Body, "Herstel van de OT-back-up") {
		t.Fatalf("future exercise: %d", r.StatusCode)
	}
	form.Set("held_on", day)
	r := officer.PostForm(t, base+"/incidents/exercises", form)
	if r.StatusCode != http.StatusSeeOther {
		t.Fatalf("create exercise: %d %s", r.StatusCode, r.Body)
	}
	page := r.Header.Get("Location")
	exID := firstID(t, a, `SELECT max(id) FROM response_exercises WHERE entity_id = $1 AND scenario = 'Herstel van de OT-back-up'`, id)
	if page != fmt.Sprintf("%s/incidents/exercises/%d", base, exID) {
		t.Fatalf("redirect to %q", page)
	}
	form.Set("lessons", "Herstel duurde drie uur")
	form.Set("version", "1")
	if r := officer.PostForm(t, page, form); r.StatusCode != http.StatusSeeOther {
		t.Fatalf("edit exercise: %d", r.StatusCode)
	}
	form.Set("lessons", "Mijn late invoer")
	if r := officer.PostForm(t, page, form); r.StatusCode != http.StatusConflict || !strings.Contains(r.Body, "Mijn late invoer") ||
		!strings.Contains(r.Body, "Herstel duurde drie uur") {
		t.Errorf("stale exercise: %d", r.StatusCode)
	}
	owner := strconv.FormatInt(userID(t, a, "officer@demo.weerbaar.test"), 10)
	if r := officer.PostForm(t, page+"/actions", url.Values{"action_title": {""}, "owner": {owner}, "due_date": {day}}); r.StatusCode != http.StatusUnprocessableEntity ||
		!strings.Contains(r.Body, `id="f-action_title-error"`) {
		t.Errorf("action without title: %d", r.StatusCode)
	}
	if r := officer.PostForm(t, page+"/actions", url.Values{"action_title": {"Hersteltest elk kwartaal"}, "owner": {owner}, "due_date": {day}}); r.StatusCode != http.StatusSeeOther {
		t.Fatalf("add action: %d", r.StatusCode)
	}
	actionID := firstID(t, a, `SELECT id FROM response_exercise_actions WHERE exercise_id = $1`, exID)
	done := fmt.Sprintf("%s/actions/%d/done", page, actionID)
	if r := officer.PostForm(t, done, url.Values{"version": {"1"}, "done": {"1"}}); r.StatusCode != http.StatusSeeOther {
		t.Fatalf("mark done: %d", r.StatusCode)
	}
	if n := firstID(t, a, `SELECT count(*) FROM response_exercise_actions WHERE id = $1 AND done_on IS NOT NULL AND version = 2`, actionID); n != 1 {
		t.Errorf("action not done")
	}
	if r := officer.PostForm(t, done, url.Values{"version": {"1"}, "done": {"1"}}); r.StatusCode != http.StatusConflict {
		t.Errorf("stale done: %d", r.StatusCode)
	}
	if n := firstID(t, a, `SELECT count(*) FROM audit_log WHERE entity_id = $1 AND object_type = 'exercise' AND object_id = $2`,
		id, strconv.FormatInt(exID, 10)); n != 4 {
		t.Errorf("exercise audit rows: %d, want 4 (created, updated, action added, done)", n)
	}
	// The exercise report attaches as evidence and is listed on its page.
	attach := fmt.Sprintf("%s/evidence/attach/%s/%d/link", base, incident.SubjectExercise, exID)
	if r := officer.PostForm(t, attach, url.Values{"link_title": {"Verslag hersteloefening"}, "url": {"https://intranet.example/oefening"}}); r.StatusCode != http.StatusSeeOther ||
		r.Header.Get("Location") != page+"#evidence" {
		t.Fatalf("evidence on the exercise: %d %q", r.StatusCode, r.Header.Get("Location"))
	}
	auditor := a.LoginDemo(t, authz.Auditor)
	if r := auditor.Get(t, page); r.StatusCode != http.StatusOK || !strings.Contains(r.Body, "Hersteltest elk kwartaal") ||
		!strings.Contains(r.Body, "Verslag hersteloefening") ||
		strings.Contains(r.Body, `data-testid="exercise-action-form"`) {
		t.Errorf("auditor reads the exercise: %d", r.StatusCode)
	}
	if r := auditor.PostForm(t, page, form); r.StatusCode != http.StatusForbidden {
		t.Errorf("auditor edits: %d", r.StatusCode)
	}

	otherID, _ := createEntityWithAdmin(t, a, "ander", "Andere Organisatie", "admin@ander.test")
	var foreign, foreignAction int64
	if err := a.Pool.QueryRow(ctx, `INSERT INTO response_exercises (entity_id, held_on, kind, scenario) VALUES ($1, current_date, 'tabletop', 'Elders')
		RETURNING id`, otherID).Scan(&foreign); err != nil {
		t.Fatal(err)
	}
	if err := a.Pool.QueryRow(ctx, `INSERT INTO response_exercise_actions (entity_id, exercise_id, title, due_date) VALUES ($1, $2, 'Elders', current_date)
		RETURNING id`, otherID, foreign).Scan(&foreignAction); err != nil {
		t.Fatal(err)
	}
	fpage := fmt.Sprintf("%s/incidents/exercises/%d", base, foreign)
	if r := officer.PostForm(t, fmt.Sprintf("%s/evidence/attach/%s/%d/link", base, incident.SubjectExercise, foreign),
		url.Values{"link_title": {"x"}, "url": {"https://x.example"}}); r.StatusCode != http.StatusNotFound {
		t.Errorf("evidence on another entity's exercise: %d, want 404", r.StatusCode)
	}
	if r := officer.Get(t, fpage); r.StatusCode != http.StatusNotFound {
		t.Errorf("GET another entity's exercise: %d", r.StatusCode)
	}
	for _, post := range []struct {
		path string
		form url.Values
	}{{fpage, form}, {fpage + "/actions", url.Values{"action_title": {"x"}, "owner": {owner}, "due_date": {day}}},
		{fmt.Sprintf("%s/actions/%d/done", fpage, foreignAction), url.Values{"version": {"1"}, "done": {"1"}}},
		{fmt.Sprintf("%s/actions/%d/done", page, foreignAction), url.Values{"version": {"1"}, "done": {"1"}}}} {
		if r := officer.PostForm(t, post.path, post.form); r.StatusCode != http.StatusNotFound {
			t.Errorf("POST %s of another entity: %d, want 404", post.path, r.StatusCode)
		}
	}
}
