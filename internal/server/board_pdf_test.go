package server_test

import (
	"context"
	"fmt"
	"html"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"testing"

	"github.com/weerbaar/weerbaar/internal/apptest"
	"github.com/weerbaar/weerbaar/internal/authz"
	"github.com/weerbaar/weerbaar/internal/demo"
	"github.com/weerbaar/weerbaar/internal/i18n"
	"github.com/weerbaar/weerbaar/internal/pdfdoc/pdftext"
)

// nl and en are catalogue texts as plain text (a PDF has no HTML escaping).
func nl(key string, args ...any) string { return i18n.Translate(i18n.NL, key, args...) }
func en(key string, args ...any) string { return i18n.Translate(i18n.EN, key, args...) }

// getPDF fetches a PDF download and checks it is one: 200, application/pdf,
// an attachment with a .pdf name, %PDF- magic. It returns the text
// (white space squashed).
func getPDF(t *testing.T, c *apptest.Client, path string) string {
	t.Helper()
	r := c.Get(t, path)
	if r.StatusCode != http.StatusOK {
		t.Fatalf("GET %s: %d", path, r.StatusCode)
	}
	if ct := r.Header.Get("Content-Type"); ct != "application/pdf" {
		t.Errorf("GET %s: Content-Type %q", path, ct)
	}
	if cd := r.Header.Get("Content-Disposition"); !strings.HasPrefix(cd, "attachment; filename=") || !strings.HasSuffix(cd, `.pdf"`) {
		t.Errorf("GET %s: Content-Disposition %q", path, cd)
	}
	if !strings.HasPrefix(r.Body, "%PDF-") {
		t.Fatalf("GET %s: not a PDF", path)
	}
	return pdftext.Squash(pdftext.Text(t, []byte(r.Body)))
}

// TestBoardReportPDF: the demo's discussed previous-quarter report prints
// as a PDF with the entity's name, the report's period, the measures by
// code and label, the discussion and the maturity chart, in Dutch by
// default; a reader who chose English gets it in English (and no Dutch
// heading); the auditor may download it; the page links it; another
// entity's report id is a 404.
func TestBoardReportPDF(t *testing.T) {
	t.Parallel()
	a, id := startWithDemo(t, apptest.Options{})
	ctx := context.Background()
	e := "/e/" + strconv.FormatInt(id, 10)
	var reportID int64
	var period, entityName string
	if err := a.Pool.QueryRow(ctx, `SELECT r.id, r.title, e.name FROM board_reports r JOIN entities e ON e.id = r.entity_id
		WHERE r.entity_id = $1 AND r.discussed_on IS NOT NULL ORDER BY r.id LIMIT 1`, id).Scan(&reportID, &period, &entityName); err != nil {
		t.Fatalf("the demo's discussed report: %v", err)
	}
	page := fmt.Sprintf("%s/board/reports/%d", e, reportID)
	officer := a.LoginDemo(t, authz.SecurityOfficer)
	if r := officer.Get(t, page); !strings.Contains(r.Body, `href="`+page+`/report.pdf"`) {
		t.Errorf("the report page does not link its PDF")
	}

	text := getPDF(t, officer, page+"/report.pdf")
	for _, want := range []string{entityName, period, nl("oversight.report.title", period), nl("pdf.contents"),
		nl("oversight.changes"), nl("board.risks"), nl("oversight.overdue"), nl("board.training"), nl("oversight.discussion"),
		nl("chart.maturity.title"), nl("oversight.measures"), "a) ", "j) ", "agendapunt 4", demo.Accounts[2].Name} {
		if !strings.Contains(text, want) {
			t.Errorf("Dutch PDF lacks %q", want)
		}
	}
	if strings.Contains(text, en("oversight.changes")) || strings.Contains(text, "%!") {
		t.Errorf("Dutch PDF has English or a bad format")
	}

	// The English reader.
	if r := officer.PostForm(t, "/lang", url.Values{"lang": {"en"}, "next": {page}}); r.StatusCode != http.StatusSeeOther {
		t.Fatalf("switch to English: %d", r.StatusCode)
	}
	text = getPDF(t, officer, page+"/report.pdf")
	for _, want := range []string{entityName, period, en("oversight.report.title", period), en("oversight.changes"), en("pdf.contents")} {
		if !strings.Contains(text, want) {
			t.Errorf("English PDF lacks %q", want)
		}
	}
	for _, dutch := range []string{nl("oversight.report.title", period), nl("oversight.changes"), nl("pdf.contents")} {
		if strings.Contains(text, dutch) {
			t.Errorf("English PDF has the Dutch %q", dutch)
		}
	}

	// Read permission suffices.
	if text := getPDF(t, a.LoginDemo(t, authz.Auditor), page+"/report.pdf"); !strings.Contains(text, entityName) {
		t.Errorf("auditor's PDF lacks the entity")
	}

	// Another entity's report.
	entityB, _ := createEntityWithAdmin(t, a, "ander-bedrijf-pdf", "Ander Bedrijf", "admin@pdf.test")
	var theirs int64
	if err := a.Pool.QueryRow(ctx, `INSERT INTO board_reports (entity_id, title, report_day, content)
		VALUES ($1, 'Geheim', current_date - 1, '{"schema": 1}') RETURNING id`, entityB).Scan(&theirs); err != nil {
		t.Fatal(err)
	}
	if r := officer.Get(t, fmt.Sprintf("%s/board/reports/%d/report.pdf", e, theirs)); r.StatusCode != http.StatusNotFound {
		t.Errorf("another entity's report PDF: %d", r.StatusCode)
	}
}

// TestDecisionRecordPDF: the demo's approved measure plan prints as a
// decision record with its SHA-256, the board member's approval with its
// time, the quorum and the outcome, and that it is verouderd (the officer
// raised a target after the approval); the pending risk analysis reads as
// pending; the auditor may download it; another entity's request is a 404.
func TestDecisionRecordPDF(t *testing.T) {
	t.Parallel()
	a, id := startWithDemo(t, apptest.Options{})
	ctx := context.Background()
	e := "/e/" + strconv.FormatInt(id, 10)
	var planID, pendingID int64
	var hash string
	if err := a.Pool.QueryRow(ctx, `SELECT id, snapshot_hash FROM approval_requests WHERE entity_id = $1 AND kind = 'measure_plan'
		AND state = 'approved'`, id).Scan(&planID, &hash); err != nil {
		t.Fatalf("the demo's approved plan: %v", err)
	}
	if err := a.Pool.QueryRow(ctx, `SELECT id FROM approval_requests WHERE entity_id = $1 AND state = 'pending'`, id).Scan(&pendingID); err != nil {
		t.Fatalf("the demo's pending request: %v", err)
	}
	page := fmt.Sprintf("%s/board/requests/%d", e, planID)
	board := a.LoginDemo(t, authz.BoardMember)
	if r := board.Get(t, page); !strings.Contains(r.Body, `href="`+page+`/record.pdf"`) {
		t.Errorf("the request page does not link its decision record")
	}
	// The page itself says the approval is verouderd and why, as the record
	// does, within the page budget.
	r, n := board.GetCountingQueries(t, page)
	if !strings.Contains(r.Body, `data-testid="request-standing" data-outdated="true"`) || !strings.Contains(r.Body, html.EscapeString(nl("approval.record.outdated"))) {
		t.Errorf("the approved plan's page does not say it is verouderd")
	}
	if n > queryBudget {
		t.Errorf("request page of the approved plan: %d queries, budget %d", n, queryBudget)
	}
	if r := board.Get(t, fmt.Sprintf("%s/board/requests/%d", e, pendingID)); !strings.Contains(r.Body, `data-outdated="false"`) ||
		!strings.Contains(r.Body, html.EscapeString(nl("approval.record.state", nl("approval.state.pending")))) {
		t.Errorf("the pending request's page does not read as pending")
	}

	text := getPDF(t, board, page+"/record.pdf")
	// The budget walk takes the newest (pending) request; the approved one
	// also hashes the plan's current content to tell whether it is verouderd.
	if _, n := board.GetCountingQueries(t, page+"/record.pdf"); n > queryBudget || n == 0 {
		t.Errorf("decision record of the approved plan: %d queries, budget %d", n, queryBudget)
	} else {
		t.Logf("decision record of the approved plan: %d queries", n)
	}
	for _, want := range []string{hash, nl("approval.record.heading", nl("approval.kind.measure_plan")), demo.Accounts[2].Name,
		nl("approval.decision.approve"), nl("approval.state.approved"), nl("approval.quorum.majority"), nl("approval.progress", 1, 1),
		nl("approval.record.outdated"), nl("approval.hash_verified"), "Akkoord, besproken in de vergadering van de raad van bestuur."} {
		if !strings.Contains(text, want) {
			t.Errorf("decision record lacks %q", want)
		}
	}
	// The vote's time, as the page shows it.
	var decidedAt string
	if r := board.Get(t, page); r.StatusCode == http.StatusOK {
		i := strings.Index(r.Body, `data-label="`+nl("approval.col.when")+`">`)
		if i < 0 {
			t.Fatal("no decision time on the page")
		}
		decidedAt = r.Body[i+len(`data-label="`+nl("approval.col.when")+`">`):]
		decidedAt = decidedAt[:strings.Index(decidedAt, "<")]
	}
	if decidedAt == "" || !strings.Contains(text, decidedAt) {
		t.Errorf("decision record lacks the vote's time %q", decidedAt)
	}

	if text := getPDF(t, a.LoginDemo(t, authz.Auditor), fmt.Sprintf("%s/board/requests/%d/record.pdf", e, pendingID)); !strings.Contains(text,
		nl("approval.record.state", nl("approval.state.pending"))) || !strings.Contains(text, nl("approval.record.none")) {
		t.Errorf("the pending request's record does not read as pending:\n%s", text)
	}

	entityB, _ := createEntityWithAdmin(t, a, "ander-bestuur-pdf", "Ander Bestuur", "admin@bestuur-pdf.test")
	boardID := userID(t, a, demo.Accounts[2].Email)
	if _, err := a.Pool.Exec(ctx, `INSERT INTO memberships (entity_id, user_id, role, accepted_at) VALUES ($1, $2, 'board_member', now())`,
		entityB, boardID); err != nil {
		t.Fatal(err)
	}
	if r := board.Get(t, fmt.Sprintf("/e/%d/board/requests/%d/record.pdf", entityB, planID)); r.StatusCode != http.StatusNotFound {
		t.Errorf("another entity's decision record: %d", r.StatusCode)
	}
}
