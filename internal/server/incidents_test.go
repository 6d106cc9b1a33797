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
	"github.com/weerbaar/weerbaar/internal/authz"
	"github.com/weerbaar/weerbaar/internal/incident"
)

// TestIncidentsOfTheDemo: the register lists the demo's two incidents; the
// significant one shows its clock — the early warning submitted to the
// recipients from the scope module, the notification due with a countdown
// that needs no JavaScript — and everyone may read it.
func TestIncidentsOfTheDemo(t *testing.T) {
	t.Parallel()
	a, id := startWithDemo(t, apptest.Options{})
	base := "/e/" + strconv.FormatInt(id, 10) + "/incidents"
	board := a.LoginDemo(t, authz.BoardMember)
	r := board.Get(t, base)
	if r.StatusCode != http.StatusOK || !strings.Contains(r.Body, "Ransomware op SCADA zuivering Nieuwegein") ||
		!strings.Contains(r.Body, "Phishingmail met valse inlogpagina") || strings.Contains(r.Body, `data-testid="incident-new"`) {
		t.Fatalf("register for the board: %d\n%s", r.StatusCode, r.Body)
	}
	// The report still owed leads the page; the register lists the
	// incidents newest first.
	deadlines, register := section(r.Body, `data-testid="incident-deadlines"`), section(r.Body, `id="incidents-h"`)
	if !strings.Contains(deadlines, "Ransomware op SCADA") || strings.Contains(deadlines, "Phishingmail") ||
		strings.Index(r.Body, `data-testid="incident-deadlines"`) > strings.Index(r.Body, `id="incidents-h"`) {
		t.Errorf("the report due should lead the register page:\n%s", deadlines)
	}
	if strings.Index(register, "Ransomware op SCADA") > strings.Index(register, "Phishingmail") ||
		strings.Index(register, "Phishingmail") > strings.Index(register, "DDoS-aanval op klantportaal") {
		t.Errorf("the register should list the newest incident first:\n%s", register)
	}
	// Reporting timeliness per incident, for the auditor: the closed DDoS
	// incident's three reports were all on time, the ransomware's early
	// warning too; the phishing incident owed none.
	for title, want := range map[string]string{"DDoS-aanval op klantportaal": `data-on-time="3" data-late="0"`,
		"Ransomware op SCADA zuivering": `data-on-time="1" data-late="0"`, "Phishingmail met valse inlogpagina": `data-on-time="0" data-late="0"`} {
		row := register[strings.Index(register, title):]
		if row = row[:strings.Index(row, "</tr>")]; !strings.Contains(row, want) {
			t.Errorf("timeliness of %q: want %s in\n%s", title, want, row)
		}
	}
	closed := board.Get(t, base+"?status=closed")
	if strings.Contains(closed.Body, "Ransomware op SCADA") || !strings.Contains(closed.Body, "Phishingmail") {
		t.Errorf("status filter closed does not filter")
	}
	sig := firstID(t, a, `SELECT min(id) FROM incidents WHERE entity_id = $1`, id)
	r = board.Get(t, fmt.Sprintf("%s/%d", base, sig))
	if r.StatusCode != http.StatusOK || !strings.Contains(r.Body, `data-outcome="significant"`) ||
		!strings.Contains(r.Body, `data-stage="early_warning" data-overdue="false"`) || !strings.Contains(r.Body, "NCSC-2026-0412") ||
		!strings.Contains(r.Body, `data-stage="notification" data-overdue="false"`) || !strings.Contains(r.Body, `data-testid="countdown"`) ||
		!strings.Contains(r.Body, tr(t, "incident.role.csirt")) {
		t.Fatalf("significant demo incident: %d\n%s", r.StatusCode, r.Body)
	}
	// The notification is due 72 h after becoming aware (the demo: 30 h
	// ago), so about 42 h are left. The due time is exact; the text is read
	// back against the time that passed since the demo was seeded, so a
	// slow machine does not make it fail.
	var aware time.Time
	if err := a.Pool.QueryRow(context.Background(), `SELECT aware_at FROM incidents WHERE id = $1`, sig).Scan(&aware); err != nil {
		t.Fatal(err)
	}
	due := aware.Add(72 * time.Hour)
	m := regexp.MustCompile(`data-testid="countdown" data-due="` + regexp.QuoteMeta(due.UTC().Format(time.RFC3339)) +
		`"[^>]*>(?:<span[^>]*>[^<]*</span>)?\s*<span data-countdown-text>([^<]*)</span>`).FindStringSubmatch(r.Body)
	if m == nil {
		t.Fatalf("no countdown to the notification due %s", due)
	}
	// The page was rendered a moment ago: its text is what was left then,
	// at most a few minutes more than now.
	words := func(d time.Duration) string {
		return tr(t, "incident.countdown.left", tr(t, "incident.duration.dhm", int(d/(24*time.Hour)), int(d%(24*time.Hour)/time.Hour),
			int(d%time.Hour/time.Minute)))
	}
	left, ok := time.Until(due), false
	for extra := time.Duration(0); extra <= 3*time.Minute; extra += time.Minute {
		ok = ok || m[1] == words(left+extra)
	}
	if !ok || left > 42*time.Hour {
		t.Errorf("notification countdown %q, want %q or a minute or two more (about 42 hours)", m[1], words(left))
	}
	if strings.Contains(r.Body, `data-testid="significance-form"`) || strings.Contains(r.Body, `data-testid="timeline-form"`) {
		t.Errorf("the board member sees forms to change the incident")
	}

	// No catalogue key shows as such, in Dutch or in English.
	rawKey := regexp.MustCompile(`(incident|audit)\.[a-z_]+\.[a-z_.]+`)
	if k := rawKey.FindString(r.Body); k != "" {
		t.Errorf("Dutch incident page shows the key %s", k)
	}
	if resp := board.PostForm(t, "/lang", url.Values{"lang": {"en"}}); resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("switch to English: %d", resp.StatusCode)
	}
	en := board.Get(t, fmt.Sprintf("%s/%d", base, sig))
	if !strings.Contains(en.Body, trEN(t, "incident.clock")) || !strings.Contains(en.Body, trEN(t, "incident.stage.notification")) {
		t.Errorf("English incident page is not in English")
	}
	if k := rawKey.FindString(en.Body); k != "" {
		t.Errorf("English incident page shows the key %s", k)
	}
	board.PostForm(t, "/lang", url.Values{"lang": {"nl"}})

	// Every member's first screen counts down to the notification; a
	// banner appears when it is due within six hours, red once overdue.
	home := "/e/" + strconv.FormatInt(id, 10) + "/"
	for _, role := range []authz.Role{authz.BoardMember, authz.Auditor, authz.Admin, authz.SecurityOfficer} {
		r = a.LoginDemo(t, role).Get(t, home)
		if !strings.Contains(r.Body, `data-testid="incident-deadlines"`) || !strings.Contains(r.Body, "Ransomware op SCADA") ||
			strings.Contains(r.Body, `data-testid="incident-banner"`) {
			t.Errorf("%s: first screen without the incident deadlines, or with a banner 42 h ahead", role)
		}
	}
	if _, err := a.Pool.Exec(context.Background(), `UPDATE incident_reports SET due_at = now() + interval '2 hours'
		WHERE incident_id = $1 AND stage = 'notification'`, sig); err != nil {
		t.Fatal(err)
	}
	if r = board.Get(t, home); !strings.Contains(r.Body, `data-testid="incident-banner"`) || !strings.Contains(r.Body, "alert-warning") {
		t.Errorf("no banner 2 h before the notification is due")
	}
	if _, err := a.Pool.Exec(context.Background(), `UPDATE incident_reports SET due_at = now() - interval '1 hour'
		WHERE incident_id = $1 AND stage = 'notification'`, sig); err != nil {
		t.Fatal(err)
	}
	r = a.LoginDemo(t, authz.Auditor).Get(t, home)
	if i := strings.Index(r.Body, `data-testid="incident-banner"`); i < 0 || !strings.Contains(r.Body[i:], "alert-danger") ||
		!strings.Contains(r.Body, tr(t, "incident.countdown.overdue", tr(t, "incident.duration.hm", 1, 0))) {
		t.Errorf("no red banner once the notification is overdue")
	}
	if r = board.Get(t, base); !strings.Contains(r.Body, `data-overdue="1"`) {
		t.Errorf("the register does not mark the overdue report")
	}
}

// TestIncidentRegisterAssessReport runs an incident from registration to
// the early warning: 422 with the input kept, significance with an
// override that needs a judgement, the clock appearing, a report marked
// submitted, a stale edit (409, input kept), the append-only timeline with a
// correction, status changes, and what the auditor and another entity's
// ids may not do.
func TestIncidentRegisterAssessReport(t *testing.T) {
	t.Parallel()
	a, id := startWithDemo(t, apptest.Options{})
	ctx := context.Background()
	base := "/e/" + strconv.FormatInt(id, 10) + "/incidents"
	officer := a.LoginDemo(t, authz.SecurityOfficer)
	now := time.Now()

	// Bad input: no title, aware before detected; what was typed stays.
	in := url.Values{"version": {"0"}, "title": {""}, "description": {"DDoS op de klantportal"},
		"detected_at": {incident.LocalValue(now.Add(-2 * time.Hour))}, "aware_at": {incident.LocalValue(now.Add(-3 * time.Hour))},
		"category": {"ddos"}, "member_states": {"NL", "BE"}, "root_cause": {"Botnet"}}
	r := officer.PostForm(t, base, in)
	if r.StatusCode != http.StatusUnprocessableEntity || !strings.Contains(r.Body, tr(t, "incident.error.title")) ||
		!strings.Contains(r.Body, tr(t, "incident.error.aware_before_detected")) || !strings.Contains(r.Body, "DDoS op de klantportal") {
		t.Fatalf("bad incident: %d, want 422 with field errors and input kept\n%s", r.StatusCode, r.Body)
	}
	in.Set("title", "DDoS klantportal")
	in.Set("aware_at", incident.LocalValue(now.Add(-time.Hour)))
	r = officer.PostForm(t, base, in)
	if r.StatusCode != http.StatusSeeOther {
		t.Fatalf("create: %d %s", r.StatusCode, r.Body)
	}
	page := r.Header.Get("Location")
	incID, err := strconv.ParseInt(page[strings.LastIndex(page, "/")+1:], 10, 64)
	if err != nil {
		t.Fatalf("location %q", page)
	}
	r = officer.Get(t, page)
	if r.StatusCode != http.StatusOK || !strings.Contains(r.Body, `data-outcome="undetermined"`) || strings.Contains(r.Body, `data-testid="clock"`) {
		t.Fatalf("new incident: %d, want undetermined without a clock\n%s", r.StatusCode, r.Body)
	}
	version := func() string {
		return strconv.FormatInt(firstID(t, a, `SELECT version FROM incidents WHERE id = $1`, incID), 10)
	}

	// An override needs a judgement.
	sig := url.Values{"version": {version()}, "loss_eur": {"12.000"}, "trade_secrets": {"no"}, "death": {"no"}, "health_damage": {"no"},
		"malicious_access": {"no"}, "operational_disruption": {"unknown"}, "override": {"significant"}}
	if r = officer.PostForm(t, page+"/significance", sig); r.StatusCode != http.StatusUnprocessableEntity ||
		!strings.Contains(r.Body, tr(t, "incident.error.judgement")) || !strings.Contains(r.Body, `value="12.000"`) {
		t.Fatalf("override without judgement: %d\n%s", r.StatusCode, r.Body)
	}
	sig.Set("override", "")
	sig.Set("operational_disruption", "yes")
	if r = officer.PostForm(t, page+"/significance", sig); r.StatusCode != http.StatusSeeOther {
		t.Fatalf("significance: %d %s", r.StatusCode, r.Body)
	}
	r = officer.Get(t, page)
	if !strings.Contains(r.Body, `data-outcome="significant"`) || !strings.Contains(r.Body, `data-testid="clock"`) ||
		!strings.Contains(r.Body, tr(t, "incident.sig.reason.met.operational_disruption")) {
		t.Fatalf("after the checklist: not significant with a clock\n%s", r.Body)
	}
	var due time.Time
	if err := a.Pool.QueryRow(ctx, `SELECT due_at FROM incident_reports WHERE incident_id = $1 AND stage = 'notification'`, incID).Scan(&due); err != nil {
		t.Fatal(err)
	}
	var aware time.Time
	if err := a.Pool.QueryRow(ctx, `SELECT aware_at FROM incidents WHERE id = $1`, incID).Scan(&aware); err != nil {
		t.Fatal(err)
	}
	if due.Sub(aware) != 72*time.Hour {
		t.Errorf("notification due %v after aware, want 72h", due.Sub(aware))
	}

	// Mark the early warning submitted: the proof is required.
	repVersion := strconv.FormatInt(firstID(t, a, `SELECT version FROM incident_reports WHERE incident_id = $1 AND stage = 'early_warning'`, incID), 10)
	sub := url.Values{"stage": {"early_warning"}, "version": {repVersion}, "submitted_at": {incident.LocalValue(now)},
		"recipient_other": {"NCSC"}, "summary": {"Vermoedelijk kwaadwillig; geen grensoverschrijdende gevolgen"}, "proof_ref": {""}}
	if r = officer.PostForm(t, page+"/reports/submit", sub); r.StatusCode != http.StatusUnprocessableEntity ||
		!strings.Contains(r.Body, tr(t, "incident.error.proof")) || !strings.Contains(r.Body, "geen grensoverschrijdende gevolgen") {
		t.Fatalf("submit without proof: %d\n%s", r.StatusCode, r.Body)
	}
	sub.Set("proof_ref", "NCSC-2026-9001")
	if r = officer.PostForm(t, page+"/reports/submit", sub); r.StatusCode != http.StatusSeeOther {
		t.Fatalf("submit: %d %s", r.StatusCode, r.Body)
	}
	var proof string
	if err := a.Pool.QueryRow(ctx, `SELECT proof_ref FROM incident_reports WHERE incident_id = $1 AND stage = 'early_warning'
		AND submitted_at IS NOT NULL`, incID).Scan(&proof); err != nil || proof != "NCSC-2026-9001" {
		t.Fatalf("early warning not recorded: %q %v", proof, err)
	}
	if r = officer.PostForm(t, page+"/reports/submit", sub); r.StatusCode != http.StatusConflict {
		t.Errorf("submitting the same report twice: %d, want 409", r.StatusCode)
	}
	// The notification submitted starts the final report's month.
	repVersion = strconv.FormatInt(firstID(t, a, `SELECT version FROM incident_reports WHERE incident_id = $1 AND stage = 'notification'`, incID), 10)
	sub.Set("stage", "notification")
	sub.Set("version", repVersion)
	if r = officer.PostForm(t, page+"/reports/submit", sub); r.StatusCode != http.StatusSeeOther {
		t.Fatalf("notification: %d %s", r.StatusCode, r.Body)
	}
	var final time.Time
	if err := a.Pool.QueryRow(ctx, `SELECT due_at FROM incident_reports WHERE incident_id = $1 AND stage = 'final'`, incID).Scan(&final); err != nil {
		t.Fatal(err)
	}
	if want := incident.OneMonthAfter(now.Truncate(time.Minute)); !final.Equal(want) {
		t.Errorf("final report due %v, want %v", final, want)
	}

	// The CSIRT asks for an intermediate report; it is recorded and then submitted.
	if r = officer.PostForm(t, page+"/reports/request", url.Values{"requested_at": {incident.LocalValue(now)}, "requested_by": {""}}); r.StatusCode != http.StatusUnprocessableEntity ||
		!strings.Contains(r.Body, tr(t, "incident.error.requested_by")) {
		t.Fatalf("request without who: %d", r.StatusCode)
	}
	if r = officer.PostForm(t, page+"/reports/request", url.Values{"requested_at": {incident.LocalValue(now)}, "requested_by": {"NCSC (analist)"},
		"request_due_at": {incident.LocalValue(now.Add(48 * time.Hour))}}); r.StatusCode != http.StatusSeeOther {
		t.Fatalf("request: %d %s", r.StatusCode, r.Body)
	}
	inter := firstID(t, a, `SELECT id FROM incident_reports WHERE incident_id = $1 AND stage = 'intermediate'`, incID)
	if r = officer.Get(t, page); !strings.Contains(r.Body, `data-stage="intermediate"`) || !strings.Contains(r.Body, "NCSC (analist)") {
		t.Errorf("the requested intermediate report is not on the clock")
	}
	sub.Set("stage", "intermediate")
	sub.Set("report", strconv.FormatInt(inter, 10))
	sub.Set("version", "1")
	if r = officer.PostForm(t, page+"/reports/submit", sub); r.StatusCode != http.StatusSeeOther {
		t.Fatalf("intermediate: %d %s", r.StatusCode, r.Body)
	}
	if firstID(t, a, `SELECT count(*) FROM incident_reports WHERE id = $1 AND submitted_at IS NOT NULL`, inter) != 1 {
		t.Errorf("intermediate report not recorded as submitted")
	}

	// A stale edit of the facts: 409 with the input kept.
	stale := url.Values{"version": {"1"}, "title": {"DDoS klantportal (bijgewerkt)"}, "detected_at": {in.Get("detected_at")},
		"aware_at": {in.Get("aware_at")}, "category": {"ddos"}}
	if r = officer.PostForm(t, page, stale); r.StatusCode != http.StatusConflict || !strings.Contains(r.Body, "DDoS klantportal (bijgewerkt)") ||
		!strings.Contains(r.Body, tr(t, "conflict.title")) {
		t.Fatalf("stale edit: %d, want 409 with input kept\n%s", r.StatusCode, r.Body)
	}
	stale.Set("version", version())
	if r = officer.PostForm(t, page, stale); r.StatusCode != http.StatusSeeOther {
		t.Fatalf("fresh edit: %d %s", r.StatusCode, r.Body)
	}

	// The timeline: entries are added and corrected, never changed.
	if r = officer.PostForm(t, page+"/timeline", url.Values{"entry": {""}}); r.StatusCode != http.StatusUnprocessableEntity {
		t.Errorf("empty entry: %d, want 422", r.StatusCode)
	}
	if r = officer.PostForm(t, page+"/timeline", url.Values{"entry": {"Scrubbing bij de provider aangezet om 14:10"}}); r.StatusCode != http.StatusSeeOther {
		t.Fatalf("entry: %d %s", r.StatusCode, r.Body)
	}
	entry := firstID(t, a, `SELECT max(id) FROM incident_timeline WHERE incident_id = $1`, incID)
	if r = officer.PostForm(t, page+"/timeline", url.Values{"entry": {"Scrubbing aangezet om 14:20"},
		"corrects": {strconv.FormatInt(entry, 10)}}); r.StatusCode != http.StatusSeeOther {
		t.Fatalf("correction: %d %s", r.StatusCode, r.Body)
	}
	if got := firstID(t, a, `SELECT count(*) FROM incident_timeline WHERE incident_id = $1 AND corrects_id = $2`, incID, entry); got != 1 {
		t.Errorf("correction not linked: %d", got)
	}
	if _, err := a.Pool.Exec(ctx, `UPDATE incident_timeline SET entry = 'herschreven' WHERE id = $1`, entry); err == nil {
		t.Errorf("the database let a timeline entry be changed")
	}
	if _, err := a.Pool.Exec(ctx, `DELETE FROM incident_timeline WHERE id = $1`, entry); err == nil {
		t.Errorf("the database let a timeline entry be deleted")
	}
	r = officer.Get(t, page)
	if !strings.Contains(r.Body, "<s>Scrubbing bij de provider aangezet om 14:10</s>") {
		t.Errorf("the corrected entry should stay visible, struck through")
	}
	// Evidence attaches to an entry and is listed on the incident's page.
	attach := fmt.Sprintf("/e/%d/evidence/attach/incident_entry/%s/link", id, incident.EntryRef(incID, entry))
	if r = officer.PostForm(t, attach, url.Values{"link_title": {"Logboek scrubbing"}, "url": {"https://intranet.example/ddos"}}); r.StatusCode != http.StatusSeeOther ||
		r.Header.Get("Location") != page+"#evidence" {
		t.Fatalf("evidence on an entry: %d %q", r.StatusCode, r.Header.Get("Location"))
	}
	if r = officer.Get(t, page); !strings.Contains(r.Body, "Logboek scrubbing") || !strings.Contains(r.Body, tr(t, "incident.entry.evidence.one")) {
		t.Errorf("the entry's evidence is not on the incident's page")
	}
	if r = officer.PostForm(t, fmt.Sprintf("/e/%d/evidence/attach/incident_entry/%s/link", id, incident.EntryRef(incID+1, entry)),
		url.Values{"link_title": {"x"}, "url": {"https://x.example"}}); r.StatusCode != http.StatusNotFound {
		t.Errorf("evidence on an entry under the wrong incident: %d, want 404", r.StatusCode)
	}

	// Another incident's entry cannot be corrected from here.
	otherEntry := firstID(t, a, `SELECT min(t.id) FROM incident_timeline t JOIN incidents i ON i.id = t.incident_id
		WHERE i.entity_id = $1 AND t.incident_id <> $2`, id, incID)
	if r = officer.PostForm(t, page+"/timeline", url.Values{"entry": {"x"}, "corrects": {strconv.FormatInt(otherEntry, 10)}}); r.StatusCode != http.StatusUnprocessableEntity {
		t.Errorf("correcting another incident's entry: %d, want 422", r.StatusCode)
	}

	// Status: open → closed is not a step; resolving records when handling ended.
	if r = officer.PostForm(t, page+"/status", url.Values{"version": {version()}, "status": {"closed"}}); r.StatusCode != http.StatusUnprocessableEntity {
		t.Errorf("open → closed: %d, want 422", r.StatusCode)
	}
	if r = officer.PostForm(t, page+"/status", url.Values{"version": {version()}, "status": {"resolved"}, "note": {"Aanval voorbij"}}); r.StatusCode != http.StatusSeeOther {
		t.Fatalf("resolve: %d %s", r.StatusCode, r.Body)
	}
	if firstID(t, a, `SELECT count(*) FROM incidents WHERE id = $1 AND status = 'resolved' AND resolved_at IS NOT NULL`, incID) != 1 {
		t.Errorf("resolved_at not recorded")
	}

	// The auditor reads but changes nothing.
	auditor := a.LoginDemo(t, authz.Auditor)
	if r = auditor.Get(t, page); r.StatusCode != http.StatusOK {
		t.Errorf("auditor reads: %d", r.StatusCode)
	}
	for _, path := range []string{base, page, page + "/significance", page + "/status", page + "/timeline", page + "/reports/submit", page + "/reports/request"} {
		if r = auditor.PostForm(t, path, url.Values{"version": {version()}, "title": {"x"}, "entry": {"x"}}); r.StatusCode != http.StatusForbidden {
			t.Errorf("auditor POST %s: %d, want 403", path, r.StatusCode)
		}
	}

	// Another entity's incident through this entity: not found.
	otherID, _ := createEntityWithAdmin(t, a, "ander", "Andere Organisatie", "admin@ander.test")
	var foreign int64
	if err := a.Pool.QueryRow(ctx, `INSERT INTO incidents (entity_id, title, detected_at, aware_at, category)
		VALUES ($1, 'Elders', now(), now(), 'other') RETURNING id`, otherID).Scan(&foreign); err != nil {
		t.Fatal(err)
	}
	fpage := fmt.Sprintf("%s/%d", base, foreign)
	if r = officer.Get(t, fpage); r.StatusCode != http.StatusNotFound {
		t.Errorf("another entity's incident: %d, want 404", r.StatusCode)
	}
	for _, post := range []struct {
		path string
		form url.Values
	}{{fpage, stale}, {fpage + "/significance", sig}, {fpage + "/status", url.Values{"version": {"1"}, "status": {"contained"}}},
		{fpage + "/timeline", url.Values{"entry": {"x"}}}, {fpage + "/reports/submit", sub},
		{fpage + "/reports/request", url.Values{"requested_at": {incident.LocalValue(now)}, "requested_by": {"NCSC"}}}} {
		if r = officer.PostForm(t, post.path, post.form); r.StatusCode != http.StatusNotFound {
			t.Errorf("POST %s of another entity: %d, want 404", post.path, r.StatusCode)
		}
	}

	// Every change is in the audit log.
	for _, action := range []string{"incident.created", "incident.significance_assessed", "incident.report_submitted", "incident.report_requested", "incident.updated",
		"incident.entry_added", "incident.entry_corrected", "incident.status_changed"} {
		if firstID(t, a, `SELECT count(*) FROM audit_log WHERE entity_id = $1 AND action = $2 AND object_id = $3`, id, action,
			strconv.FormatInt(incID, 10)) == 0 {
			t.Errorf("no audit row %s", action)
		}
	}
}

// section is the body from the first occurrence of marker to the end of
// the <section> holding it ("" without the marker).
func section(body, marker string) string {
	i := strings.Index(body, marker)
	if i < 0 {
		return ""
	}
	rest := body[i:]
	if end := strings.Index(rest, "</section>"); end >= 0 {
		return rest[:end]
	}
	return rest
}
