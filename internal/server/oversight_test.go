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

// TestBoardReports: the demo's report of the previous quarter is listed as
// discussed; the officer makes a new report (422 without a period), which
// compares with the demo's and stays as it was made when the data changes
// later; the discussion is recorded (422 for a bad or future date with the
// input kept, 409 for a stale form) by the officer and corrected by a board
// member; the minutes attach as evidence; the auditor reads but makes and
// records nothing (403), nor does a board member make a report; every
// change is in the audit log, worded.
func TestBoardReports(t *testing.T) {
	t.Parallel()
	a, id := startWithDemo(t, apptest.Options{})
	ctx := context.Background()
	e := "/e/" + strconv.FormatInt(id, 10)
	base := e + "/board/reports"
	officer := a.LoginDemo(t, authz.SecurityOfficer)

	demoReport := firstID(t, a, `SELECT id FROM board_reports WHERE entity_id = $1`, id)
	r := officer.Get(t, base)
	if r.StatusCode != http.StatusOK || !strings.Contains(r.Body, fmt.Sprintf(`data-report="%d"`, demoReport)) ||
		!strings.Contains(r.Body, "agendapunt 4") || strings.Contains(r.Body, `data-testid="not-discussed"`) {
		t.Fatalf("list: %d, the demo's discussed report missing\n%s", r.StatusCode, r.Body)
	}
	if r = officer.Get(t, e+"/board"); !strings.Contains(r.Body, `href="`+base+`"`) {
		t.Errorf("the board's screen does not link the reports")
	}

	// An action that became overdue after the demo's report: the new
	// report lists it, and says it is new.
	action := firstID(t, a, `SELECT id FROM risk_mitigations WHERE entity_id = $1 AND title = 'Laatste IT/OT-koppelingen achter de datadiode'`, id)
	if _, err := a.Pool.Exec(ctx, `UPDATE risk_mitigations SET due_date = current_date - 3 WHERE id = $1`, action); err != nil {
		t.Fatal(err)
	}

	if r = officer.PostForm(t, base, url.Values{"title": {"  "}}); r.StatusCode != http.StatusUnprocessableEntity ||
		!strings.Contains(r.Body, tr(t, "oversight.error.title")) {
		t.Fatalf("report without a period: %d, want 422", r.StatusCode)
	}
	r = officer.PostForm(t, base, url.Values{"title": {"2026 K4 (test)"}})
	if r.StatusCode != http.StatusSeeOther || !strings.HasPrefix(r.Header.Get("Location"), base+"/") {
		t.Fatalf("generate: %d %q %s", r.StatusCode, r.Header.Get("Location"), r.Body)
	}
	page := r.Header.Get("Location")
	reportID := page[strings.LastIndex(page, "/")+1:]

	r = officer.Get(t, page)
	for _, want := range []string{`data-testid="board-report"`, `data-measure="a"`, `data-measure="j"`, tr(t, "oversight.changes.since"),
		fmt.Sprintf(`href="%s/%d"`, base, demoReport), tr(t, "oversight.changes.new_overdue"), "Laatste IT/OT-koppelingen achter de datadiode",
		tr(t, "oversight.incidents.pending"), `data-discussed="false"`, `data-state="expiring"`,
		// The LIMS risk was accepted 13 months ago: its acceptance has ended.
		`data-expired="true"`, "Laboratoriuminformatiesysteem (LIMS)"} {
		if !strings.Contains(r.Body, want) {
			t.Errorf("report page lacks %q", want)
		}
	}
	if strings.Contains(r.Body, "%!") || strings.Contains(officer.Get(t, e+"/board").Body, "%!") {
		t.Errorf("a message was formatted with the wrong arguments")
	}
	// The report is frozen: finishing the action later does not change it.
	if _, err := a.Pool.Exec(ctx, `UPDATE risk_mitigations SET done = true, done_on = current_date WHERE id = $1`, action); err != nil {
		t.Fatal(err)
	}
	if r = officer.Get(t, page); !strings.Contains(r.Body, "Laatste IT/OT-koppelingen achter de datadiode") {
		t.Errorf("the stored report changed with the data")
	}
	if _, err := a.Pool.Exec(ctx, `UPDATE board_reports SET content = '{}' WHERE id = $1`, reportID); err == nil {
		t.Errorf("the database let a report's content change")
	}

	// Recording the discussion.
	v := hiddenVersion.FindStringSubmatch(r.Body)[1]
	disc := page + "/discussion"
	in := url.Values{"version": {v}, "discussed_on": {"30-11-2026"}, "minutes_ref": {"Notulen RvB 12-2026, punt 3"}}
	if r = officer.PostForm(t, disc, in); r.StatusCode != http.StatusUnprocessableEntity || !strings.Contains(r.Body, tr(t, "validate.date")) ||
		!strings.Contains(r.Body, `value="Notulen RvB 12-2026, punt 3"`) {
		t.Fatalf("bad date: %d, want 422 with the input kept", r.StatusCode)
	}
	in.Set("discussed_on", "2020-01-01")
	if r = officer.PostForm(t, disc, in); r.StatusCode != http.StatusUnprocessableEntity || !strings.Contains(r.Body, tr(t, "oversight.error.before_report")) {
		t.Errorf("date before the report: %d, want 422", r.StatusCode)
	}
	in.Set("discussed_on", time.Now().AddDate(0, 0, 5).Format(time.DateOnly))
	if r = officer.PostForm(t, disc, in); r.StatusCode != http.StatusUnprocessableEntity || !strings.Contains(r.Body, tr(t, "oversight.error.future")) {
		t.Errorf("future date: %d, want 422", r.StatusCode)
	}
	in.Set("discussed_on", time.Now().Format(time.DateOnly))
	if r = officer.PostForm(t, disc, in); r.StatusCode != http.StatusSeeOther {
		t.Fatalf("discussion: %d %s", r.StatusCode, r.Body)
	}
	if r = officer.Get(t, page); !strings.Contains(r.Body, `data-discussed="true"`) {
		t.Errorf("the discussion is not shown")
	}
	in.Set("minutes_ref", "Iets anders")
	if r = officer.PostForm(t, disc, in); r.StatusCode != http.StatusConflict || !strings.Contains(r.Body, `value="Iets anders"`) ||
		!strings.Contains(r.Body, "Notulen RvB 12-2026, punt 3") {
		t.Errorf("stale discussion form: %d, want 409 with the input and the saved version", r.StatusCode)
	}
	// A board member corrects the reference (it was their meeting).
	bm := a.LoginDemo(t, authz.BoardMember)
	v = hiddenVersion.FindStringSubmatch(bm.Get(t, page).Body)[1]
	in = url.Values{"version": {v}, "discussed_on": {time.Now().Format(time.DateOnly)}, "minutes_ref": {"Notulen RvB 12-2026, punt 4"}}
	if r = bm.PostForm(t, disc, in); r.StatusCode != http.StatusSeeOther {
		t.Errorf("board member recording: %d", r.StatusCode)
	}
	if r = bm.PostForm(t, base, url.Values{"title": {"X"}}); r.StatusCode != http.StatusForbidden {
		t.Errorf("board member making a report: %d, want 403", r.StatusCode)
	}
	// The minutes attach to the report as evidence.
	link := url.Values{"link_title": {"Notulen december"}, "url": {"https://example.org/notulen.pdf"}}
	if r = officer.PostForm(t, e+"/evidence/attach/board_report/"+reportID+"/link", link); r.StatusCode != http.StatusSeeOther ||
		!strings.HasPrefix(r.Header.Get("Location"), page) {
		t.Errorf("attach minutes: %d %q", r.StatusCode, r.Header.Get("Location"))
	}
	if r = officer.Get(t, page); !strings.Contains(r.Body, "Notulen december") {
		t.Errorf("the minutes are not listed on the report")
	}

	// The auditor reads, and changes nothing.
	aud := a.LoginDemo(t, authz.Auditor)
	if r = aud.Get(t, page); r.StatusCode != http.StatusOK || strings.Contains(r.Body, `action="`+disc+`"`) {
		t.Errorf("auditor reading: %d (or the discussion form is offered)", r.StatusCode)
	}
	if r = aud.Get(t, base); strings.Contains(r.Body, `data-testid="generate-report"`) {
		t.Errorf("the auditor is offered to make a report")
	}
	if r = aud.PostForm(t, base, url.Values{"title": {"X"}}); r.StatusCode != http.StatusForbidden {
		t.Errorf("auditor making a report: %d, want 403", r.StatusCode)
	}
	if r = aud.PostForm(t, disc, in); r.StatusCode != http.StatusForbidden {
		t.Errorf("auditor recording a discussion: %d, want 403", r.StatusCode)
	}

	var actions string
	if err := a.Pool.QueryRow(ctx, `SELECT string_agg(action, ',' ORDER BY seq) FROM audit_log
		WHERE entity_id = $1 AND object_type = 'board_report' AND object_id = $2`, id, reportID).Scan(&actions); err != nil {
		t.Fatal(err)
	}
	if actions != "board_report.generated,board_report.discussed,board_report.discussed" {
		t.Errorf("audited: %q", actions)
	}
	if r = aud.Get(t, e+"/audit?object=board_report"); !strings.Contains(r.Body, tr(t, "audit.sentence.board_report.discussed", "Pieter Jansen", "2026 K4 (test)")) {
		t.Errorf("the audit log does not word the discussion")
	}
}

// TestBoardReportOfAnotherEntityIsNotFound: a report id of another entity
// reads as absent, for reading, recording and attaching evidence.
func TestBoardReportOfAnotherEntityIsNotFound(t *testing.T) {
	t.Parallel()
	a, idA := startWithDemo(t, apptest.Options{})
	entityB, _ := createEntityWithAdmin(t, a, "ander-bedrijf-rapport", "Ander Bedrijf", "admin@rapport.test")
	var rep int64
	if err := a.Pool.QueryRow(context.Background(), `INSERT INTO board_reports (entity_id, title, report_day, content)
		VALUES ($1, 'Geheim', current_date - 1, '{"schema": 1}') RETURNING id`, entityB).Scan(&rep); err != nil {
		t.Fatal(err)
	}
	c := a.LoginDemo(t, authz.Admin)
	page := fmt.Sprintf("/e/%d/board/reports/%d", idA, rep)
	if r := c.Get(t, page); r.StatusCode != http.StatusNotFound {
		t.Errorf("GET: %d", r.StatusCode)
	}
	in := url.Values{"version": {"1"}, "discussed_on": {time.Now().Format(time.DateOnly)}, "minutes_ref": {"X"}}
	if r := c.PostForm(t, page+"/discussion", in); r.StatusCode != http.StatusNotFound {
		t.Errorf("POST discussion: %d", r.StatusCode)
	}
	link := url.Values{"link_title": {"X"}, "url": {"https://example.org/x"}}
	if r := c.PostForm(t, fmt.Sprintf("/e/%d/evidence/attach/board_report/%d/link", idA, rep), link); r.StatusCode != http.StatusNotFound {
		t.Errorf("attach: %d", r.StatusCode)
	}
	var discussed bool
	if err := a.Pool.QueryRow(context.Background(), `SELECT discussed_on IS NOT NULL FROM board_reports WHERE id = $1`, rep).Scan(&discussed); err != nil || discussed {
		t.Errorf("the other entity's report changed: %v %v", err, discussed)
	}
}
