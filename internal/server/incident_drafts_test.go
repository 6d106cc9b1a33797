package server_test

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/weerbaar/weerbaar/internal/apptest"
	"github.com/weerbaar/weerbaar/internal/authz"
	"github.com/weerbaar/weerbaar/internal/i18n"
	"github.com/weerbaar/weerbaar/internal/incident"
)

// TestIncidentDraftOfTheDemo: the notification draft of the demo's
// ransomware incident shows the sections Art. 23(4)(b) asks, pre-filled,
// as copyable text; the JSON download has the documented key set; every
// stage and the message to the service's recipients have a draft; an
// unknown stage is not found.
func TestIncidentDraftOfTheDemo(t *testing.T) {
	t.Parallel()
	a, id := startWithDemo(t, apptest.Options{})
	sig := firstID(t, a, `SELECT min(id) FROM incidents WHERE entity_id = $1`, id)
	page := fmt.Sprintf("/e/%d/incidents/%d", id, sig)
	board := a.LoginDemo(t, authz.BoardMember)
	r := board.Get(t, page)
	if r.StatusCode != http.StatusOK || !strings.Contains(r.Body, `data-testid="draft-notification"`) ||
		!strings.Contains(r.Body, `data-testid="draft-service_recipients"`) || strings.Contains(r.Body, `data-testid="voluntary"`) {
		t.Fatalf("incident page links no drafts: %d\n%s", r.StatusCode, r.Body)
	}
	r = board.Get(t, page+"/reports/notification/draft")
	if r.StatusCode != http.StatusOK || !strings.Contains(r.Body, `data-kind="notification"`) ||
		!strings.Contains(r.Body, `data-testid="draft-text"`) || !strings.Contains(r.Body, "Ransomware op SCADA zuivering Nieuwegein") ||
		!strings.Contains(r.Body, "NCSC-2026-0412") || !strings.Contains(r.Body, `data-key="ioc"`) || !strings.Contains(r.Body, `data-key="severity"`) ||
		strings.Contains(r.Body, `data-testid="draft-voluntary"`) || strings.Contains(r.Body, `data-testid="submission-`) {
		t.Fatalf("notification draft for the board: %d\n%s", r.StatusCode, r.Body)
	}
	if k := regexp.MustCompile(`incident\.(draft|stage)\.[a-z_.]+`).FindString(r.Body); k != "" {
		t.Errorf("draft page shows the key %s", k)
	}
	j := board.Get(t, page+"/reports/notification/draft.json")
	if j.StatusCode != http.StatusOK || !strings.HasPrefix(j.Header.Get("Content-Type"), "application/json") {
		t.Fatalf("draft JSON: %d %s", j.StatusCode, j.Header.Get("Content-Type"))
	}
	var doc incident.DraftJSON
	if err := json.Unmarshal([]byte(j.Body), &doc); err != nil {
		t.Fatalf("draft JSON: %v\n%s", err, j.Body)
	}
	var got []string
	for _, s := range doc.Sections {
		got = append(got, s.Key)
	}
	if doc.Kind != "notification" || doc.IncidentID != sig || doc.Voluntary || doc.Language != "nl" ||
		strings.Join(got, ",") != "incident,aware_at,category,early_warning,suspected_malicious,cross_border,severity,impact,ioc" {
		t.Errorf("draft JSON: %+v", doc)
	}
	for _, k := range incident.DraftKinds {
		if r := board.Get(t, page+"/reports/"+k+"/draft"); r.StatusCode != http.StatusOK {
			t.Errorf("draft %s: %d", k, r.StatusCode)
		}
	}
	if r := board.Get(t, page+"/reports/summary/draft"); r.StatusCode != http.StatusNotFound {
		t.Errorf("unknown stage: %d, want 404", r.StatusCode)
	}
	// The early warning per recipient and the demo's voluntary report of
	// the phishing near miss show on the incident pages.
	if r := board.Get(t, page); !strings.Contains(r.Body, `data-testid="sent"`) || !strings.Contains(r.Body, "NCSC-2026-0412") {
		t.Errorf("submissions per recipient not on the incident page")
	}
	near := firstID(t, a, `SELECT min(id) FROM incidents WHERE entity_id = $1 AND significance = 'not_significant'`, id)
	if r := board.Get(t, fmt.Sprintf("/e/%d/incidents/%d", id, near)); !strings.Contains(r.Body, `data-testid="voluntary"`) ||
		!strings.Contains(r.Body, "NCSC-2026-0318 ("+tr(t, "incident.draft.voluntary")+")") {
		t.Errorf("the voluntary report of the phishing near miss is not shown as such")
	}
	if r := board.Get(t, page+"/reports/service_recipients/draft"); !strings.Contains(r.Body, `data-key="measures"`) ||
		strings.Contains(r.Body, `data-testid="submissions"`) {
		t.Errorf("message to the service's recipients: %s", r.Body)
	}
}

var recipientRE = regexp.MustCompile(`data-recipient="([^"]+)" data-recorded="false"`)

// TestIncidentSubmissionPerRecipient: the officer records per recipient
// when, how and under which reference the notification went (the demo
// recorded the early warning per recipient already); a missing
// reference is 422 with the input kept, a stale version 409, the auditor
// 403, another entity's incident 404; everything is audited.
func TestIncidentSubmissionPerRecipient(t *testing.T) {
	t.Parallel()
	a, id := startWithDemo(t, apptest.Options{})
	sig := firstID(t, a, `SELECT min(id) FROM incidents WHERE entity_id = $1`, id)
	draft := fmt.Sprintf("/e/%d/incidents/%d/reports/notification/draft", id, sig)
	post := fmt.Sprintf("/e/%d/incidents/%d/reports/notification/submissions", id, sig)
	officer := a.LoginDemo(t, authz.SecurityOfficer)
	r := officer.Get(t, draft)
	m := recipientRE.FindStringSubmatch(r.Body)
	if r.StatusCode != http.StatusOK || m == nil {
		t.Fatalf("draft with recipients: %d\n%s", r.StatusCode, r.Body)
	}
	code := m[1]
	at := incident.LocalValue(time.Now().Add(-time.Hour))
	in := url.Values{"recipient": {code}, "submitted_at": {at}, "channel": {"portal"}, "reference": {""}, "version": {"0"}}
	if r = officer.PostForm(t, post, in); r.StatusCode != http.StatusUnprocessableEntity || !strings.Contains(r.Body, tr(t, "incident.error.proof")) ||
		!strings.Contains(r.Body, `value="`+at+`"`) {
		t.Fatalf("missing reference: %d, want 422 with input kept\n%s", r.StatusCode, r.Body)
	}
	in.Set("channel", "fax")
	in.Set("reference", "NCSC-2026-0412")
	if r = officer.PostForm(t, post, in); r.StatusCode != http.StatusUnprocessableEntity {
		t.Errorf("unknown channel: %d, want 422", r.StatusCode)
	}
	in.Set("channel", "portal")
	if r = officer.PostForm(t, post, in); r.StatusCode != http.StatusSeeOther {
		t.Fatalf("record: %d\n%s", r.StatusCode, r.Body)
	}
	r = officer.Get(t, draft)
	if !strings.Contains(r.Body, `data-recipient="`+code+`" data-recorded="true"`) || !strings.Contains(r.Body, "NCSC-2026-0412") ||
		!strings.Contains(r.Body, tr(t, "incident.draft.channel.portal")) {
		t.Errorf("recorded submission not shown:\n%s", r.Body)
	}
	// The same form again (version 0) after it was recorded: stale.
	in.Set("reference", "NCSC-2026-0413")
	if r = officer.PostForm(t, post, in); r.StatusCode != http.StatusConflict || !strings.Contains(r.Body, "NCSC-2026-0413") {
		t.Errorf("stale: %d, want 409 with input kept", r.StatusCode)
	}
	in.Set("version", "1")
	in.Set("channel", "email")
	if r = officer.PostForm(t, post, in); r.StatusCode != http.StatusSeeOther {
		t.Errorf("correct with the current version: %d", r.StatusCode)
	}
	var ref, channel string
	var voluntary bool
	if err := a.Pool.QueryRow(context.Background(), `SELECT reference, channel, voluntary FROM incident_report_submissions
		WHERE entity_id = $1 AND incident_id = $2 AND stage = 'notification' AND recipient = $3`, id, sig, code).Scan(&ref, &channel, &voluntary); err != nil ||
		ref != "NCSC-2026-0413" || channel != "email" || voluntary {
		t.Errorf("stored %q %q %v %v", ref, channel, voluntary, err)
	}
	// A recipient that is not one of the entity's.
	bad := url.Values{"recipient": {"XX"}, "submitted_at": {at}, "channel": {"phone"}, "reference": {"x"}, "version": {"0"}}
	if r = officer.PostForm(t, post, bad); r.StatusCode != http.StatusUnprocessableEntity {
		t.Errorf("unknown recipient: %d, want 422", r.StatusCode)
	}
	// The auditor reads the draft but records nothing.
	auditor := a.LoginDemo(t, authz.Auditor)
	if r = auditor.Get(t, draft); r.StatusCode != http.StatusOK || strings.Contains(r.Body, `data-testid="submission-`) {
		t.Errorf("auditor draft: %d", r.StatusCode)
	}
	for _, path := range []string{post, fmt.Sprintf("/e/%d/incidents/%d/gdpr", id, sig)} {
		if r = auditor.PostForm(t, path, in); r.StatusCode != http.StatusForbidden {
			t.Errorf("auditor POST %s: %d, want 403", path, r.StatusCode)
		}
	}
	// Another entity's incident: not found.
	otherID, _ := createEntityWithAdmin(t, a, "ander", "Andere Organisatie", "admin@ander.test")
	foreign := firstID(t, a, `INSERT INTO incidents (entity_id, title, detected_at, aware_at, category, personal_data)
		VALUES ($1, 'Elders', now(), now(), 'other', true) RETURNING id`, otherID)
	fbase := fmt.Sprintf("/e/%d/incidents/%d", id, foreign)
	for _, path := range []string{fbase + "/reports/early_warning/draft", fbase + "/reports/early_warning/draft.json"} {
		if r = officer.Get(t, path); r.StatusCode != http.StatusNotFound {
			t.Errorf("GET %s of another entity: %d, want 404", path, r.StatusCode)
		}
	}
	in.Set("version", "0")
	for _, p := range []struct {
		path string
		form url.Values
	}{{fbase + "/reports/early_warning/submissions", in}, {fbase + "/gdpr", url.Values{"version": {"1"}, "gdpr_notified_at": {at}, "gdpr_ref": {"AP-1"}}}} {
		if r = officer.PostForm(t, p.path, p.form); r.StatusCode != http.StatusNotFound {
			t.Errorf("POST %s of another entity: %d, want 404", p.path, r.StatusCode)
		}
	}
	if n := firstID(t, a, `SELECT count(*) FROM audit_log WHERE entity_id = $1 AND action = 'incident.submission_recorded' AND object_id = $2
		AND changes::text LIKE '%"notification"%'`, id, strconv.FormatInt(sig, 10)); n != 2 {
		t.Errorf("audit rows: %d, want 2 (record and correction)", n)
	}
}

// TestIncidentGDPRAndVoluntary: an incident involving personal data shows
// the breach notification to the Autoriteit Persoonsgegevens due 72 hours
// after becoming aware, and the officer records it (audited, version-
// checked); an incident that is not significant gets a voluntary report.
func TestIncidentGDPRAndVoluntary(t *testing.T) {
	t.Parallel()
	a, id := startWithDemo(t, apptest.Options{})
	base := fmt.Sprintf("/e/%d/incidents", id)
	officer := a.LoginDemo(t, authz.SecurityOfficer)
	now := time.Now()
	aware := now.Add(-80 * time.Hour).Truncate(time.Minute)
	r := officer.PostForm(t, base, url.Values{"version": {"0"}, "title": {"Klantgegevens gelekt"}, "description": {"Export van klantadressen gedeeld"},
		"detected_at": {incident.LocalValue(aware)}, "aware_at": {incident.LocalValue(aware)}, "category": {"data_breach"}, "personal_data": {"on"}})
	if r.StatusCode != http.StatusSeeOther {
		t.Fatalf("create: %d %s", r.StatusCode, r.Body)
	}
	page := r.Header.Get("Location")
	incID, _ := strconv.ParseInt(page[strings.LastIndex(page, "/")+1:], 10, 64)
	r = officer.Get(t, page)
	due := incident.GDPRDue(aware).Format(time.RFC3339)
	if !strings.Contains(r.Body, `data-testid="gdpr" data-done="false" data-overdue="true"`) || !strings.Contains(r.Body, `datetime="`+due+`" data-testid="gdpr-due"`) {
		t.Fatalf("GDPR reminder due %s, overdue 8 h:\n%s", due, r.Body)
	}
	// The breach notification is owed on every member's first screen too,
	// with its own due time, until it is recorded.
	gdprRow := regexp.MustCompile(`<tr data-overdue="true"><th scope="row" data-label="[^"]*"><a href="` + regexp.QuoteMeta(page) +
		`">Klantgegevens gelekt</a></th><td data-label="[^"]*">` + regexp.QuoteMeta(i18n.Translate(i18n.NL, "incident.stage.gdpr")) +
		`</td><td[^>]*><time datetime="` + regexp.QuoteMeta(due) + `"`)
	board := a.LoginDemo(t, authz.BoardMember)
	for who, first := range map[string]string{"officer": officer.Get(t, fmt.Sprintf("/e/%d/", id)).Body,
		"board member": board.Get(t, fmt.Sprintf("/e/%d/board", id)).Body} {
		if !gdprRow.MatchString(first) {
			t.Errorf("%s's first screen lacks the overdue GDPR breach notification due %s", who, due)
		}
	}
	version := regexp.MustCompile(`action="[^"]*/gdpr" data-testid="gdpr-form"><input type="hidden" name="version" value="(\d+)"`).FindStringSubmatch(r.Body)
	if version == nil {
		t.Fatalf("no GDPR form")
	}
	at := incident.LocalValue(now.Add(-2 * time.Hour))
	if r = officer.PostForm(t, page+"/gdpr", url.Values{"version": {version[1]}, "gdpr_notified_at": {at}, "gdpr_ref": {""}}); r.StatusCode != http.StatusUnprocessableEntity ||
		!strings.Contains(r.Body, `value="`+at+`"`) {
		t.Fatalf("GDPR without reference: %d, want 422 with input kept", r.StatusCode)
	}
	if r = officer.PostForm(t, page+"/gdpr", url.Values{"version": {"99"}, "gdpr_notified_at": {at}, "gdpr_ref": {"AP-2026-77"}}); r.StatusCode != http.StatusConflict {
		t.Errorf("GDPR stale: %d, want 409", r.StatusCode)
	}
	if r = officer.PostForm(t, page+"/gdpr", url.Values{"version": {version[1]}, "gdpr_notified_at": {at}, "gdpr_ref": {"AP-2026-77"}}); r.StatusCode != http.StatusSeeOther {
		t.Fatalf("GDPR record: %d %s", r.StatusCode, r.Body)
	}
	r = officer.Get(t, page)
	if !strings.Contains(r.Body, `data-testid="gdpr" data-done="true"`) || !strings.Contains(r.Body, "AP-2026-77") {
		t.Errorf("GDPR notification not shown as done")
	}
	if firstID(t, a, `SELECT count(*) FROM audit_log WHERE entity_id = $1 AND action = 'incident.gdpr_notified' AND object_id = $2`,
		id, strconv.FormatInt(incID, 10)) != 1 {
		t.Errorf("GDPR notification not audited")
	}
	if gdprRow.MatchString(officer.Get(t, fmt.Sprintf("/e/%d/", id)).Body) {
		t.Errorf("the recorded GDPR breach notification is still owed on the dashboard")
	}

	// Not significant (all criteria no): a voluntary report (Art. 30).
	if !strings.Contains(r.Body, `data-testid="voluntary"`) {
		t.Errorf("a not-yet-significant incident offers no voluntary report")
	}
	d := officer.Get(t, page+"/reports/early_warning/draft")
	m := recipientRE.FindStringSubmatch(d.Body)
	if !strings.Contains(d.Body, `data-testid="draft-voluntary"`) || !strings.Contains(d.Body, `data-key="voluntary"`) || m == nil {
		t.Fatalf("voluntary draft:\n%s", d.Body)
	}
	if r = officer.PostForm(t, page+"/reports/early_warning/submissions", url.Values{"recipient": {m[1]}, "submitted_at": {at},
		"channel": {"email"}, "reference": {"CSIRT-VRIJ-1"}, "version": {"0"}}); r.StatusCode != http.StatusSeeOther {
		t.Fatalf("voluntary record: %d %s", r.StatusCode, r.Body)
	}
	var voluntary bool
	if err := a.Pool.QueryRow(context.Background(), `SELECT voluntary FROM incident_report_submissions WHERE incident_id = $1`, incID).Scan(&voluntary); err != nil || !voluntary {
		t.Errorf("voluntary submission stored as %v (%v)", voluntary, err)
	}
	j := officer.Get(t, page+"/reports/early_warning/draft.json")
	if !strings.Contains(j.Body, `"voluntary": true`) {
		t.Errorf("JSON of a voluntary report: %s", j.Body)
	}

	// An incident without personal data has no GDPR reminder and refuses the record.
	sig := firstID(t, a, `SELECT min(id) FROM incidents WHERE entity_id = $1`, id)
	if r = officer.Get(t, fmt.Sprintf("%s/%d", base, sig)); strings.Contains(r.Body, `data-testid="gdpr"`) {
		t.Errorf("GDPR reminder without personal data")
	}
}

// TestReportSubmittedOnceEveryRequiredRecipientHasIt: the per-recipient
// records of a draft page and the stage's report are one record. The
// notification counts as submitted when the CSIRT and the competent
// authority both have it — at the later of the two times, with both
// references — and the final report's due time follows from it. Each
// request for an intermediate report gets its own submissions; marking
// one submitted on the incident page writes its per-recipient records with
// the channel chosen.
func TestReportSubmittedOnceEveryRequiredRecipientHasIt(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	a, id := startWithDemo(t, apptest.Options{})
	sig := firstID(t, a, `SELECT min(id) FROM incidents WHERE entity_id = $1`, id) // open ransomware, early warning sent
	inc, err := incident.Get(ctx, a.Pool, id, sig)
	if err != nil {
		t.Fatal(err)
	}
	rc := incident.RecipientsOf(inc.Subsectors)
	if len(rc.Required) != 2 || len(rc.All) <= len(rc.Required) {
		t.Fatalf("demo recipients: %+v, want a CSIRT and an authority required, and a supervisor besides", rc)
	}
	base := fmt.Sprintf("/e/%d/incidents/%d", id, sig)
	officer := a.LoginDemo(t, authz.SecurityOfficer)
	submittedAt := func(stage string, report int64) *time.Time {
		var at *time.Time
		if err := a.Pool.QueryRow(ctx, `SELECT submitted_at FROM incident_reports WHERE incident_id = $1 AND stage = $2
			AND (id = $3 OR $3 = 0)`, sig, stage, report).Scan(&at); err != nil {
			t.Fatalf("%s report: %v", stage, err)
		}
		return at
	}
	record := func(stage, report, code string, at time.Time, ref string) {
		t.Helper()
		r := officer.PostForm(t, base+"/reports/"+stage+"/submissions", url.Values{"recipient": {code}, "report": {report},
			"submitted_at": {incident.LocalValue(at)}, "channel": {"portal"}, "reference": {ref}, "version": {"0"}})
		if r.StatusCode != http.StatusSeeOther {
			t.Fatalf("record %s to %s: %d\n%s", stage, code, r.StatusCode, r.Body)
		}
	}

	// The notification: the CSIRT alone is not enough.
	first, second := time.Now().Add(-2*time.Hour).Truncate(time.Minute), time.Now().Add(-time.Hour).Truncate(time.Minute)
	record("notification", "", rc.Required[0], first, "CSIRT-77")
	if at := submittedAt("notification", 0); at != nil {
		t.Fatalf("the notification counts as submitted with only %s recorded", rc.Required[0])
	}
	record("notification", "", rc.Required[1], second, "MIN-77")
	at := submittedAt("notification", 0)
	if at == nil || !at.Equal(second) {
		t.Fatalf("notification submitted at %v, want the later recipient's time %v", at, second)
	}
	var recipients []string
	var proof string
	var finalDue *time.Time
	if err := a.Pool.QueryRow(ctx, `SELECT n.recipients, n.proof_ref, f.due_at FROM incident_reports n
		JOIN incident_reports f ON f.incident_id = n.incident_id AND f.stage = 'final'
		WHERE n.incident_id = $1 AND n.stage = 'notification'`, sig).Scan(&recipients, &proof, &finalDue); err != nil {
		t.Fatal(err)
	}
	if strings.Join(recipients, ",") != strings.Join(rc.Required, ",") || !strings.Contains(proof, "CSIRT-77") || !strings.Contains(proof, "MIN-77") {
		t.Errorf("notification recorded to %v with proof %q", recipients, proof)
	}
	if want := incident.Schedule(incident.Facts{Aware: inc.AwareAt, Notified: &second}, time.Now()).Final; finalDue == nil || want == nil || !finalDue.Equal(*want) {
		t.Errorf("final report due %v, want %v (one month after the notification)", finalDue, want)
	}
	if n := firstID(t, a, `SELECT count(*) FROM incident_timeline WHERE incident_id = $1 AND event = 'report:notification'`, sig); n != 1 {
		t.Errorf("%d timeline entries for the notification, want 1", n)
	}

	// Two requests for an intermediate report, each owed its own.
	for _, by := range []string{"NCSC", "Ministerie van IenW"} {
		if r := officer.PostForm(t, base+"/reports/request", url.Values{"requested_at": {incident.LocalValue(time.Now().Add(-30 * time.Minute))},
			"requested_by": {by}}); r.StatusCode != http.StatusSeeOther {
			t.Fatalf("request by %s: %d\n%s", by, r.StatusCode, r.Body)
		}
	}
	reqA := firstID(t, a, `SELECT min(id) FROM incident_reports WHERE incident_id = $1 AND stage = 'intermediate'`, sig)
	reqB := firstID(t, a, `SELECT max(id) FROM incident_reports WHERE incident_id = $1 AND stage = 'intermediate'`, sig)
	if d := officer.Get(t, base+"/reports/intermediate/draft"); !strings.Contains(d.Body, `data-testid="draft-request"`) ||
		!strings.Contains(d.Body, "Ministerie van IenW") || !strings.Contains(d.Body, fmt.Sprintf(`name="report" value="%d"`, reqB)) {
		t.Errorf("the intermediate draft without ?report= does not record for the newest request")
	}
	a1 := strconv.FormatInt(reqA, 10)
	record("intermediate", a1, rc.Required[0], second, "CSIRT-78")
	record("intermediate", a1, rc.Required[1], second, "MIN-78")
	if submittedAt("intermediate", reqA) == nil || submittedAt("intermediate", reqB) != nil {
		t.Errorf("request A's submissions must complete A only")
	}
	if d := officer.Get(t, fmt.Sprintf("%s/reports/intermediate/draft?report=%d", base, reqB)); strings.Count(d.Body, `data-recorded="false"`) != len(rc.All) {
		t.Errorf("request B's draft shows recipients recorded for request A")
	}
	// A report that is not an intermediate request of this incident.
	notification := firstID(t, a, `SELECT id FROM incident_reports WHERE incident_id = $1 AND stage = 'notification'`, sig)
	if r := officer.PostForm(t, base+"/reports/intermediate/submissions", url.Values{"recipient": {rc.Required[0]},
		"report": {strconv.FormatInt(notification, 10)}, "submitted_at": {incident.LocalValue(second)}, "channel": {"portal"},
		"reference": {"X"}, "version": {"0"}}); r.StatusCode != http.StatusUnprocessableEntity {
		t.Errorf("submission for the notification report as an intermediate one: %d, want 422", r.StatusCode)
	}

	// Marking request B submitted on the incident page writes its
	// per-recipient records, by e-mail.
	version := firstID(t, a, `SELECT version FROM incident_reports WHERE id = $1`, reqB)
	if r := officer.PostForm(t, base+"/reports/submit", url.Values{"stage": {"intermediate"}, "report": {strconv.FormatInt(reqB, 10)},
		"submitted_at": {incident.LocalValue(second)}, "recipients": rc.Required, "channel": {"email"}, "proof_ref": {"MAIL-2026-5"},
		"version": {strconv.FormatInt(version, 10)}}); r.StatusCode != http.StatusSeeOther {
		t.Fatalf("mark request B submitted: %d\n%s", r.StatusCode, r.Body)
	}
	if n := firstID(t, a, `SELECT count(*) FROM incident_report_submissions WHERE report_id = $1 AND channel = 'email'
		AND reference = 'MAIL-2026-5'`, reqB); n != int64(len(rc.Required)) {
		t.Errorf("%d per-recipient records for request B, want %d", n, len(rc.Required))
	}
	if d := officer.Get(t, fmt.Sprintf("%s/reports/intermediate/draft?report=%d", base, reqB)); strings.Count(d.Body, `data-recorded="true"`) != len(rc.Required) {
		t.Errorf("request B's draft does not show the records the incident page wrote")
	}

	// An incident without a request owes no intermediate report.
	closed := firstID(t, a, `SELECT id FROM incidents WHERE entity_id = $1 AND status = 'closed' AND significance = 'significant'`, id)
	if d := officer.Get(t, fmt.Sprintf("/e/%d/incidents/%d/reports/intermediate/draft", id, closed)); !strings.Contains(d.Body, `data-testid="no-request"`) ||
		strings.Contains(d.Body, `data-testid="submission-`) {
		t.Errorf("intermediate draft without a request offers submission forms")
	}
}
