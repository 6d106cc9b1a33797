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
	"github.com/weerbaar/weerbaar/internal/demo"
)

func demoUserID(t *testing.T, a *apptest.App, role authz.Role) int64 {
	t.Helper()
	for _, acc := range demo.Accounts {
		if acc.Role == role {
			return firstID(t, a, `SELECT id FROM users WHERE email = $1`, acc.Email)
		}
	}
	t.Fatalf("no demo account for %s", role)
	return 0
}

// TestBoardTraining: the overview shows the demo board member's certificate
// ending soon; a board member records their own training (422 with input
// kept, then saved) but not someone else's (403); the officer sets an
// appointment date (422 for a bad date, 409 for a stale form) that moves the
// deadline; a stale record form is a 409 with the input kept; a record with
// evidence cannot be deleted, one without can; the auditor changes nothing;
// every change is in the audit log.
func TestBoardTraining(t *testing.T) {
	t.Parallel()
	a, id := startWithDemo(t, apptest.Options{})
	base := "/e/" + strconv.FormatInt(id, 10) + "/board/training"
	boardID, officerID := demoUserID(t, a, authz.BoardMember), demoUserID(t, a, authz.SecurityOfficer)
	officer := a.LoginDemo(t, authz.SecurityOfficer)

	r := officer.Get(t, base)
	row := fmt.Sprintf(`data-member="%d" data-state="expiring"`, boardID)
	if r.StatusCode != http.StatusOK || !strings.Contains(r.Body, row) || !strings.Contains(r.Body, tr(t, "training.attention.one", 1)) {
		t.Fatalf("overview: %d, board member's certificate not shown as ending soon\n%s", r.StatusCode, r.Body)
	}
	if !strings.Contains(r.Body, fmt.Sprintf(`data-member="%d" data-state="due"`, officerID)) || !strings.Contains(r.Body, tr(t, "training.staff")) {
		t.Errorf("the officer's uncertified exercise should list them as staff without a certificate")
	}

	// The board member records their own course: first without a provider.
	bm := a.LoginDemo(t, authz.BoardMember)
	in := url.Values{"version": {"0"}, "user_id": {strconv.FormatInt(boardID, 10)}, "course": {"Cyberrisico's in de bestuurskamer"},
		"provider": {""}, "completed_on": {"2026-10-01"}, "certified": {"1"}, "valid_until": {"2028-10-01"}, "topics": {"risicobeheer"}}
	r = bm.PostForm(t, base, in)
	if r.StatusCode != http.StatusUnprocessableEntity || !strings.Contains(r.Body, tr(t, "training.error.provider")) ||
		!strings.Contains(r.Body, `value="Cyberrisico&#39;s in de bestuurskamer"`) {
		t.Fatalf("missing provider: %d, want 422 with the course kept\n%s", r.StatusCode, r.Body)
	}
	in.Set("provider", "Nyenrode")
	r = bm.PostForm(t, base, in)
	if r.StatusCode != http.StatusSeeOther {
		t.Fatalf("own record: %d %s", r.StatusCode, r.Body)
	}
	recPath := r.Header.Get("Location")
	recID := recPath[strings.LastIndex(recPath, "/")+1:]
	if r = officer.Get(t, base); !strings.Contains(r.Body, fmt.Sprintf(`data-member="%d" data-state="valid"`, boardID)) {
		t.Errorf("after a certificate valid until 2028 the board member should be valid")
	}
	// … but not the officer's.
	other := url.Values{"version": {"0"}, "user_id": {strconv.FormatInt(officerID, 10)}, "course": {"X"}, "provider": {"Y"}, "completed_on": {"2026-10-01"}}
	if r = bm.PostForm(t, base, other); r.StatusCode != http.StatusForbidden {
		t.Errorf("board member recording someone else's training: %d, want 403", r.StatusCode)
	}
	officerRec := firstID(t, a, `SELECT id FROM training_records WHERE user_id = $1`, officerID)
	if r = bm.PostForm(t, fmt.Sprintf("%s/%d", base, officerRec), other); r.StatusCode != http.StatusForbidden {
		t.Errorf("board member changing someone else's record: %d, want 403", r.StatusCode)
	}

	// The appointment date: a bad date is a field error with the input kept.
	appoint := fmt.Sprintf("%s/appointments/%d", base, boardID)
	r = officer.PostForm(t, appoint, url.Values{"version": {"1"}, "appointed_on": {"1-5-2027"}})
	if r.StatusCode != http.StatusUnprocessableEntity || !strings.Contains(r.Body, `value="1-5-2027"`) || !strings.Contains(r.Body, tr(t, "validate.date")) {
		t.Fatalf("bad appointment date: %d", r.StatusCode)
	}
	if r = officer.PostForm(t, appoint, url.Values{"version": {"0"}, "appointed_on": {"2027-05-01"}}); r.StatusCode != http.StatusConflict {
		t.Errorf("stale appointment form: %d, want 409", r.StatusCode)
	}
	if r = officer.PostForm(t, appoint, url.Values{"version": {"1"}, "appointed_on": {"2027-05-01"}}); r.StatusCode != http.StatusSeeOther {
		t.Fatalf("appointment: %d %s", r.StatusCode, r.Body)
	}
	// Appointed after the law: the deadline is two years after the appointment.
	r = officer.Get(t, base)
	if want := tr(t, "training.appointed.label", "Pieter Jansen"); !strings.Contains(r.Body, want) || !strings.Contains(r.Body, `value="2027-05-01"`) {
		t.Errorf("appointment date not shown")
	}
	// Only board members have an appointment.
	if r = officer.PostForm(t, fmt.Sprintf("%s/appointments/%d", base, officerID), url.Values{"version": {"0"}, "appointed_on": {"2027-05-01"}}); r.StatusCode != http.StatusNotFound {
		t.Errorf("appointment of a non-board member: %d, want 404", r.StatusCode)
	}

	// A stale record form: 409 with the input kept.
	page := officer.Get(t, base+"/"+recID)
	v := hiddenVersion.FindStringSubmatch(page.Body)[1]
	edit := url.Values{"version": {v}, "user_id": {strconv.FormatInt(boardID, 10)}, "course": {"Cyberrisico's in de bestuurskamer"},
		"provider": {"Nyenrode Business Universiteit"}, "completed_on": {"2026-10-01"}, "certified": {"1"}, "valid_until": {"2028-10-01"}}
	if r = officer.PostForm(t, base+"/"+recID, edit); r.StatusCode != http.StatusSeeOther {
		t.Fatalf("edit record: %d %s", r.StatusCode, r.Body)
	}
	edit.Set("provider", "Iets anders")
	r = officer.PostForm(t, base+"/"+recID, edit)
	if r.StatusCode != http.StatusConflict || !strings.Contains(r.Body, `value="Iets anders"`) || !strings.Contains(r.Body, "Nyenrode Business Universiteit") {
		t.Errorf("stale record: %d, want 409 with the input and the saved version", r.StatusCode)
	}

	// The auditor reads but changes nothing.
	aud := a.LoginDemo(t, authz.Auditor)
	if r = aud.Get(t, base+"/"+recID); r.StatusCode != http.StatusOK || strings.Contains(r.Body, tr(t, "training.delete")) {
		t.Errorf("auditor reading a record: %d", r.StatusCode)
	}
	if r = aud.PostForm(t, base+"/"+recID, edit); r.StatusCode != http.StatusForbidden {
		t.Errorf("auditor saving: %d, want 403", r.StatusCode)
	}

	// Delete: a confirmation is needed; evidence blocks it.
	cur := hiddenVersion.FindStringSubmatch(officer.Get(t, base+"/"+recID).Body)[1]
	if r = officer.PostForm(t, base+"/"+recID+"/delete", url.Values{"version": {cur}}); r.StatusCode != http.StatusUnprocessableEntity {
		t.Errorf("delete without confirmation: %d, want 422", r.StatusCode)
	}
	link := url.Values{"link_title": {"Certificaat"}, "url": {"https://example.org/certificaat.pdf"}}
	if r = officer.PostForm(t, "/e/"+strconv.FormatInt(id, 10)+"/evidence/attach/training_record/"+recID+"/link", link); r.StatusCode != http.StatusSeeOther {
		t.Fatalf("attach certificate: %d %s", r.StatusCode, r.Body)
	}
	if r = officer.PostForm(t, base+"/"+recID+"/delete", url.Values{"version": {cur}, "confirm": {"1"}}); r.StatusCode != http.StatusConflict ||
		!strings.Contains(r.Body, tr(t, "training.delete.has_evidence")) {
		t.Errorf("delete with evidence: %d, want 409", r.StatusCode)
	}
	offVersion := strconv.Itoa(int(firstID(t, a, `SELECT version FROM training_records WHERE id = $1`, officerRec)))
	if r = officer.PostForm(t, fmt.Sprintf("%s/%d/delete", base, officerRec), url.Values{"version": {offVersion}, "confirm": {"1"}}); r.StatusCode != http.StatusSeeOther {
		t.Errorf("delete: %d", r.StatusCode)
	}

	var actions string
	if err := a.Pool.QueryRow(context.Background(), `SELECT string_agg(DISTINCT action, ',' ORDER BY action) FROM audit_log
		WHERE entity_id = $1 AND action LIKE 'training.%' AND actor_email NOT IN ('seed-demo')`, id).Scan(&actions); err != nil {
		t.Fatal(err)
	}
	if actions != "training.appointment_set,training.record_changed,training.record_created,training.record_deleted" {
		t.Errorf("audited training actions: %q", actions)
	}
	if r = aud.Get(t, "/e/"+strconv.FormatInt(id, 10)+"/audit?object=training_record"); !strings.Contains(r.Body, tr(t, "audit.sentence.training.record_deleted", "Sanne Visser", "Tabletop-oefening ransomware OT")) {
		t.Errorf("audit log does not word the deletion")
	}
}

// TestBoardTrainingOfAnotherEntityIsNotFound: a record id of another entity
// reads as absent, for reading and for every change.
func TestBoardTrainingOfAnotherEntityIsNotFound(t *testing.T) {
	t.Parallel()
	a, idA := startWithDemo(t, apptest.Options{})
	entityB, adminB := createEntityWithAdmin(t, a, "ander-bedrijf-training", "Ander Bedrijf", "admin@training.test")
	var rec int64
	if err := a.Pool.QueryRow(context.Background(), `INSERT INTO training_records (entity_id, user_id, course, provider, completed_on)
		VALUES ($1, $2, 'Geheim', 'Geheim', '2026-01-01') RETURNING id`, entityB, adminB).Scan(&rec); err != nil {
		t.Fatal(err)
	}
	c := a.LoginDemo(t, authz.Admin)
	base := fmt.Sprintf("/e/%d/board/training/%d", idA, rec)
	if r := c.Get(t, base); r.StatusCode != http.StatusNotFound {
		t.Errorf("GET: %d", r.StatusCode)
	}
	form := url.Values{"version": {"1"}, "user_id": {strconv.FormatInt(adminB, 10)}, "course": {"X"}, "provider": {"Y"}, "completed_on": {"2026-01-01"}, "confirm": {"1"}}
	for _, p := range []string{base, base + "/delete"} {
		if r := c.PostForm(t, p, form); r.StatusCode != http.StatusNotFound && r.StatusCode != http.StatusUnprocessableEntity {
			t.Errorf("POST %s: %d", p, r.StatusCode)
		}
	}
	if r := c.PostForm(t, fmt.Sprintf("/e/%d/board/training/appointments/%d", idA, adminB), url.Values{"version": {"0"}, "appointed_on": {"2026-01-01"}}); r.StatusCode != http.StatusNotFound {
		t.Errorf("appointment of another entity's member: %d", r.StatusCode)
	}
	var n int
	if err := a.Pool.QueryRow(context.Background(), `SELECT count(*) FROM training_records WHERE id = $1 AND course = 'Geheim'`, rec).Scan(&n); err != nil || n != 1 {
		t.Errorf("the other entity's record changed: %v %d", err, n)
	}
}
