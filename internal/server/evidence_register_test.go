package server_test

import (
	"context"
	"html"
	"net/http"
	"net/url"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/weerbaar/weerbaar/internal/apptest"
	"github.com/weerbaar/weerbaar/internal/authz"
	"github.com/weerbaar/weerbaar/internal/demo"
)

var (
	registerRow  = regexp.MustCompile(`<tr data-evidence="(\d+)">`)
	registerNext = regexp.MustCompile(`<a href="([^"]+)" data-page="next">`)
)

// registerIDs are the item ids of a register page, in order.
func registerIDs(body string) []string {
	var ids []string
	for _, m := range registerRow.FindAllStringSubmatch(body, -1) {
		ids = append(ids, m[1])
	}
	return ids
}

// TestEvidenceRegisterListsEverySubject: the register lists the demo's
// evidence across requirements, the board report and a mitigation action,
// each with its subject's title and link; the demo's review states and
// validity show as badges; filters narrow the rows and an unknown sort
// falls back to the default with a notice, never a 500.
func TestEvidenceRegisterListsEverySubject(t *testing.T) {
	t.Parallel()
	a, id := startWithDemo(t, apptest.Options{})
	base := "/e/" + strconv.FormatInt(id, 10)
	auditor := a.LoginDemo(t, authz.Auditor)
	r := auditor.Get(t, base+"/evidence")
	if r.StatusCode != http.StatusOK {
		t.Fatalf("register: %d\n%s", r.StatusCode, r.Body)
	}
	var live int
	if err := a.Pool.QueryRow(context.Background(), `SELECT count(*) FROM evidence_items WHERE entity_id = $1 AND deleted_at IS NULL`, id).Scan(&live); err != nil {
		t.Fatal(err)
	}
	if got := len(registerIDs(r.Body)); got != live || !strings.Contains(r.Body, tr(t, "evidence.register.total", live)) {
		t.Errorf("register rows: %d, want all %d with the total", got, live)
	}
	var reqTitle, reportTitle, mitigationTitle string
	var reportID, mitigationID int64
	ctx := context.Background()
	if err := a.Pool.QueryRow(ctx, `SELECT title_nl FROM requirements WHERE code = '1.1'`).Scan(&reqTitle); err != nil {
		t.Fatal(err)
	}
	if err := a.Pool.QueryRow(ctx, `SELECT r.id, r.title FROM board_reports r JOIN evidence_items i ON i.subject_ref = r.id::text
		AND i.subject_type = 'board_report' WHERE r.entity_id = $1`, id).Scan(&reportID, &reportTitle); err != nil {
		t.Fatal(err)
	}
	if err := a.Pool.QueryRow(ctx, `SELECT m.id, m.title FROM risk_mitigations m JOIN evidence_items i ON i.subject_ref = m.id::text
		AND i.subject_type = 'risk_mitigation' WHERE m.entity_id = $1`, id).Scan(&mitigationID, &mitigationTitle); err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{
		tr(t, "evidence.subject.requirement"), html.EscapeString("1.1 " + reqTitle), `href="` + base + `/requirements/1.1"`,
		tr(t, "evidence.subject.board_report"), html.EscapeString(reportTitle), `href="` + base + `/board/reports/` + strconv.FormatInt(reportID, 10) + `"`,
		tr(t, "evidence.subject.risk_mitigation"), html.EscapeString(mitigationTitle), `href="` + base + `/risks/mitigations/` + strconv.FormatInt(mitigationID, 10) + `"`,
		`data-evidence-state="accepted"`, `data-evidence-state="rejected"`, `data-evidence-state="to_review"`,
		`data-evidence-state="expired"`, `data-evidence-state="expiring"`, "Fatima El Amrani",
		`href="` + base + `/evidence/versions/`, `<span class="visually-hidden">`,
	} {
		if !strings.Contains(r.Body, want) {
			t.Errorf("register lacks %q", want)
		}
	}
	// Filters, each checked against the database.
	for _, c := range []struct {
		query, where string
	}{
		{"type=board_report", "subject_type = 'board_report'"},
		{"state=rejected", "review_state = 'rejected'"},
		{"state=accepted", "review_state = 'accepted'"},
		{"validity=expired", "valid_until < current_date"},
		{"validity=expiring", "valid_until BETWEEN current_date AND current_date + 30"},
		{"validity=none", "valid_until IS NULL"},
		{"q=hersteltest", "title ILIKE '%hersteltest%'"},
		{"type=requirement&state=accepted&sort=file", "subject_type = 'requirement' AND review_state = 'accepted'"},
	} {
		var want int
		if err := a.Pool.QueryRow(ctx, `SELECT count(*) FROM evidence_items WHERE entity_id = $1 AND deleted_at IS NULL AND `+c.where, id).Scan(&want); err != nil {
			t.Fatal(err)
		}
		r := auditor.Get(t, base+"/evidence?"+c.query)
		if got := len(registerIDs(r.Body)); r.StatusCode != http.StatusOK || got != want || want == 0 {
			t.Errorf("?%s: status %d, %d rows, want %d (> 0)", c.query, r.StatusCode, got, want)
		}
	}
	// Sorting by file name, then descending via the header link.
	r = auditor.Get(t, base+"/evidence?sort=file")
	if !strings.Contains(r.Body, `aria-sort="ascending"><a href="`+base+`/evidence?sort=-file"`) {
		t.Errorf("sorted by file: no ascending header linking to the descending sort")
	}
	// An unknown sort is the default order with a notice.
	def := auditor.Get(t, base+"/evidence")
	r = auditor.Get(t, base+"/evidence?sort=password%3B+DROP+TABLE")
	if r.StatusCode != http.StatusOK || !strings.Contains(r.Body, tr(t, "evidence.register.sort_refused")) ||
		strings.Join(registerIDs(r.Body), ",") != strings.Join(registerIDs(def.Body), ",") {
		t.Errorf("unknown sort: %d, want the default order with a notice", r.StatusCode)
	}
	// The board member reads the register too, without the audit log tab.
	r = a.LoginDemo(t, authz.BoardMember).Get(t, base+"/evidence")
	if r.StatusCode != http.StatusOK || strings.Contains(r.Body, `href="`+base+`/audit"`) {
		t.Errorf("board member: %d, or a link to the audit log they may not read", r.StatusCode)
	}
}

// TestEvidenceRegisterPages: with 130 more items the register pages by
// keyset through every item exactly once, under two sorts.
func TestEvidenceRegisterPages(t *testing.T) {
	t.Parallel()
	a, id := startWithDemo(t, apptest.Options{})
	base := "/e/" + strconv.FormatInt(id, 10)
	if _, err := a.Pool.Exec(context.Background(), `INSERT INTO evidence_items (entity_id, subject_type, subject_ref, kind, title, url, created_at)
		SELECT $1, 'requirement', '1.1', 'link', 'Link ' || (g % 7), 'https://example.org/' || g,
			timestamptz '2026-03-01 09:00+00' + (g / 3) * interval '1 minute'
		FROM generate_series(1, 130) g`, id); err != nil {
		t.Fatal(err)
	}
	var live int
	if err := a.Pool.QueryRow(context.Background(), `SELECT count(*) FROM evidence_items WHERE entity_id = $1 AND deleted_at IS NULL`, id).Scan(&live); err != nil {
		t.Fatal(err)
	}
	officer := a.LoginDemo(t, authz.SecurityOfficer)
	for _, sort := range []string{"", "sort=file", "sort=-valid_until"} {
		path := base + "/evidence?" + sort
		seen := map[string]bool{}
		var order []string
		lastLink := ""
		pages := 0
		for path != "" && pages < 10 {
			r := officer.Get(t, path)
			pages++
			if r.StatusCode != http.StatusOK || !strings.Contains(r.Body, tr(t, "evidence.register.total", live)) {
				t.Fatalf("%s: %d, without the total %d", path, r.StatusCode, live)
			}
			for _, item := range registerIDs(r.Body) {
				if seen[item] {
					t.Errorf("%s: item %s on two pages", sort, item)
				}
				seen[item] = true
				order = append(order, item)
			}
			if pages == 1 {
				lastLink = pageLinks(r.Body)["last"]
			}
			path = ""
			if m := registerNext.FindStringSubmatch(r.Body); m != nil {
				path = html.UnescapeString(m[1])
			}
		}
		if len(seen) != live || pages != (live+49)/50 {
			t.Errorf("%q: %d items over %d pages, want %d over %d", sort, len(seen), pages, live, (live+49)/50)
		}
		// The last page is the last 50 items in the same order, its
		// previous page the 50 before them.
		if lastLink == "" {
			t.Fatalf("%q: page 1 has no link to the last page", sort)
		}
		last := officer.Get(t, lastLink)
		if got := registerIDs(last.Body); !slices.Equal(got, order[len(order)-50:]) {
			t.Errorf("%q: last page %v, want %v", sort, got, order[len(order)-50:])
		}
		if l := pageLinks(last.Body); l["next"] != "" || l["last"] != "" || l["prev"] == "" {
			t.Errorf("%q: last page links %v", sort, l)
		} else if got := registerIDs(officer.Get(t, l["prev"]).Body); !slices.Equal(got, order[len(order)-100:len(order)-50]) {
			t.Errorf("%q: previous of the last page %v", sort, got)
		}
	}
}

// TestEvidenceReviewFlow: the auditor accepts an item (state, reviewer and
// an audit row), may not reject without a comment (422, input kept), gets
// a 409 for a stale form; a board member may not review (403); another
// entity's item is a 404; a new version of the file sends the item back
// to review; the validity date is checked and is the officer's to set.
func TestEvidenceReviewFlow(t *testing.T) {
	t.Parallel()
	a, id := startWithDemo(t, apptest.Options{})
	ctx := context.Background()
	base := "/e/" + strconv.FormatInt(id, 10)
	// A file item still to be reviewed: the officer's upload for 5.1.
	officer := a.LoginDemo(t, authz.SecurityOfficer)
	if r := upload(t, officer, a, base+"/evidence/attach/requirement/5.1", `filename="toegangsbeleid.pdf"`, demo.MinimalPDF("toegang")); r.StatusCode != http.StatusSeeOther {
		t.Fatalf("upload: %d\n%s", r.StatusCode, r.Body)
	}
	item := firstID(t, a, `SELECT max(id) FROM evidence_items WHERE entity_id = $1 AND subject_ref = '5.1'`, id)
	page := base + "/evidence/" + strconv.FormatInt(item, 10)
	auditor := a.LoginDemo(t, authz.Auditor)
	r := auditor.Get(t, page)
	if r.StatusCode != http.StatusOK || !strings.Contains(r.Body, `data-evidence-state="to_review"`) ||
		!strings.Contains(r.Body, `action="`+page+`/review"`) || strings.Contains(r.Body, `action="`+page+`/validity"`) {
		t.Fatalf("auditor's item page: %d, want the review form and no validity form\n%s", r.StatusCode, r.Body)
	}
	before := auditCount(t, a, "evidence.reviewed")

	// Rejecting without a comment: 422, the choice kept.
	r = auditor.PostForm(t, page+"/review", url.Values{"version": {"1"}, "state": {"rejected"}, "comment": {" "}})
	if r.StatusCode != http.StatusUnprocessableEntity || !strings.Contains(r.Body, tr(t, "evidence.review.error.comment")) ||
		!strings.Contains(r.Body, `value="rejected" checked`) {
		t.Errorf("reject without comment: %d, want 422 with the choice kept\n%s", r.StatusCode, r.Body)
	}
	// Accepting.
	r = auditor.PostForm(t, page+"/review", url.Values{"version": {"1"}, "state": {"accepted"}, "comment": {"Volledig."}})
	if r.StatusCode != http.StatusSeeOther || r.Header.Get("Location") != page {
		t.Fatalf("accept: %d %q", r.StatusCode, r.Header.Get("Location"))
	}
	r = auditor.Get(t, page)
	if !strings.Contains(r.Body, `data-evidence-state="accepted"`) || !strings.Contains(r.Body, "Fatima El Amrani") {
		t.Errorf("after accepting: state or reviewer missing\n%s", r.Body)
	}
	// The requirement's page shows the review too, linking to the register.
	r = officer.Get(t, base+"/requirements/5.1")
	if !strings.Contains(r.Body, `data-evidence-state="accepted"`) || !strings.Contains(r.Body, `href="`+page+`"`) {
		t.Errorf("requirement page: no review badge linking to the register")
	}
	if got := auditCount(t, a, "evidence.reviewed"); got != before+1 {
		t.Errorf("audit rows evidence.reviewed: %d, want %d", got, before+1)
	}
	// The audit log words the review state, never the stored value.
	if log := auditor.Get(t, base+"/audit?action=evidence.reviewed"); !strings.Contains(log.Body, tr(t, "evidence.badge.accepted")) ||
		strings.Contains(log.Body, ">accepted<") {
		t.Errorf("audit log does not word the review state")
	}
	// A stale form: 409 with what is saved now, the input kept.
	r = auditor.PostForm(t, page+"/review", url.Values{"version": {"1"}, "state": {"rejected"}, "comment": {"Toch niet."}})
	if r.StatusCode != http.StatusConflict || !strings.Contains(r.Body, tr(t, "conflict.title")) || !strings.Contains(r.Body, "Toch niet.") {
		t.Errorf("stale version: %d, want 409 with the comment kept\n%s", r.StatusCode, r.Body)
	}
	// The board member may not review.
	if r := a.LoginDemo(t, authz.BoardMember).PostForm(t, page+"/review", url.Values{"version": {"2"}, "state": {"accepted"}}); r.StatusCode != http.StatusForbidden {
		t.Errorf("board member reviews: %d, want 403", r.StatusCode)
	}
	// Another entity's item, through this entity's path.
	var other, otherItem int64
	if err := a.Pool.QueryRow(ctx, `INSERT INTO entities (slug, name) VALUES ('ander', 'Ander') RETURNING id`).Scan(&other); err != nil {
		t.Fatal(err)
	}
	if err := a.Pool.QueryRow(ctx, `INSERT INTO evidence_items (entity_id, subject_type, subject_ref, kind, title, url)
		VALUES ($1, 'requirement', '1.1', 'link', 'Elders', 'https://example.org') RETURNING id`, other).Scan(&otherItem); err != nil {
		t.Fatal(err)
	}
	otherPage := base + "/evidence/" + strconv.FormatInt(otherItem, 10)
	if r := auditor.Get(t, otherPage); r.StatusCode != http.StatusNotFound {
		t.Errorf("another entity's item page: %d, want 404", r.StatusCode)
	}
	if r := auditor.PostForm(t, otherPage+"/review", url.Values{"version": {"1"}, "state": {"accepted"}}); r.StatusCode != http.StatusNotFound {
		t.Errorf("reviewing another entity's item: %d, want 404", r.StatusCode)
	}
	// Validity: the auditor may not set it; before the upload is refused.
	if r := auditor.PostForm(t, page+"/validity", url.Values{"version": {"2"}, "valid_until": {"2030-01-01"}}); r.StatusCode != http.StatusForbidden {
		t.Errorf("auditor sets validity: %d, want 403", r.StatusCode)
	}
	r = officer.PostForm(t, page+"/validity", url.Values{"version": {"2"}, "valid_until": {"2001-01-01"}})
	if r.StatusCode != http.StatusUnprocessableEntity || !strings.Contains(r.Body, tr(t, "evidence.validity.error.before_upload")) ||
		!strings.Contains(r.Body, `value="2001-01-01"`) {
		t.Errorf("validity before upload: %d, want 422 with the date kept", r.StatusCode)
	}
	if r := officer.PostForm(t, page+"/validity", url.Values{"version": {"2"}, "valid_until": {"2030-01-01"}}); r.StatusCode != http.StatusSeeOther {
		t.Errorf("validity: %d, want 303", r.StatusCode)
	}
	// A new version of the file is not what was accepted.
	if r := upload(t, officer, a, page+"/versions", `filename="toegangsbeleid-v2.pdf"`, demo.MinimalPDF("v2")); r.StatusCode != http.StatusSeeOther {
		t.Fatalf("new version: %d", r.StatusCode)
	}
	r = auditor.Get(t, page)
	if !strings.Contains(r.Body, `data-evidence-state="to_review"`) || strings.Contains(r.Body, `data-evidence-state="accepted"`) ||
		!strings.Contains(r.Body, "toegangsbeleid-v2.pdf") {
		t.Errorf("after a new version: the review should start again\n%s", r.Body)
	}
}

// TestExpiredEvidenceOnOfficerDashboard: the demo's restore test report is
// past its validity, and the officer's dashboard names it and counts it;
// another item made to expire raises the count.
func TestExpiredEvidenceOnOfficerDashboard(t *testing.T) {
	t.Parallel()
	a, id := startWithDemo(t, apptest.Options{})
	base := "/e/" + strconv.FormatInt(id, 10)
	officer := a.LoginDemo(t, authz.SecurityOfficer)
	r := officer.Get(t, base+"/")
	if r.StatusCode != http.StatusOK || !strings.Contains(r.Body, `data-testid="expired-evidence"`) ||
		!strings.Contains(r.Body, tr(t, "dashboard.expired_evidence", 1)) || !strings.Contains(r.Body, "Rapport hersteltest back-ups.pdf") {
		t.Fatalf("dashboard: %d, want the expired restore test report\n%s", r.StatusCode, r.Body)
	}
	if _, err := a.Pool.Exec(context.Background(), `UPDATE evidence_items SET valid_until = current_date - 1
		WHERE entity_id = $1 AND title = 'Risicomanagementkader.pdf'`, id); err != nil {
		t.Fatal(err)
	}
	r = officer.Get(t, base+"/")
	if !strings.Contains(r.Body, tr(t, "dashboard.expired_evidence", 2)) || !strings.Contains(r.Body, "Risicomanagementkader.pdf") ||
		!strings.Contains(r.Body, `href="`+base+`/evidence?validity=expired&amp;sort=valid_until"`) {
		t.Errorf("dashboard after a second item expired: count or link missing")
	}
}

// TestEvidenceRegisterSortsOnTheNewestVersion: a new version of an old
// item's file moves it to the top of the register (newest upload first)
// under its new file name, which the text filter and the file sort read.
func TestEvidenceRegisterSortsOnTheNewestVersion(t *testing.T) {
	t.Parallel()
	a, id := startWithDemo(t, apptest.Options{})
	base := "/e/" + strconv.FormatInt(id, 10)
	item := firstID(t, a, `SELECT id FROM evidence_items WHERE entity_id = $1 AND kind = 'file' AND deleted_at IS NULL
		ORDER BY created_at, id LIMIT 1`, id)
	itemID := strconv.FormatInt(item, 10)
	officer := a.LoginDemo(t, authz.SecurityOfficer)
	if first := registerIDs(officer.Get(t, base+"/evidence").Body); len(first) < 2 || first[0] == itemID {
		t.Fatalf("the oldest file item %s should not lead the register yet: %v", itemID, first)
	}
	if r := upload(t, officer, a, base+"/evidence/"+itemID+"/versions", `filename="aaa-nieuwste-versie.pdf"`, demo.MinimalPDF("nieuw")); r.StatusCode != http.StatusSeeOther {
		t.Fatalf("new version: %d\n%s", r.StatusCode, r.Body)
	}
	r := officer.Get(t, base+"/evidence")
	if ids := registerIDs(r.Body); len(ids) == 0 || ids[0] != itemID || !strings.Contains(r.Body, "aaa-nieuwste-versie.pdf") {
		t.Errorf("after a new version the item should lead the register with its new file: %v", ids)
	}
	if ids := registerIDs(officer.Get(t, base+"/evidence?q=nieuwste-versie").Body); len(ids) != 1 || ids[0] != itemID {
		t.Errorf("text filter on the new file name: %v", ids)
	}
	var wantFirst string
	if err := a.Pool.QueryRow(context.Background(), `SELECT i.id::text FROM evidence_items i
		LEFT JOIN LATERAL (SELECT filename FROM evidence_versions v WHERE v.item_id = i.id ORDER BY version_no DESC LIMIT 1) lv ON true
		WHERE i.entity_id = $1 AND i.deleted_at IS NULL ORDER BY lower(coalesce(lv.filename, i.title)), i.id LIMIT 1`, id).Scan(&wantFirst); err != nil {
		t.Fatal(err)
	}
	if ids := registerIDs(officer.Get(t, base+"/evidence?sort=file").Body); len(ids) == 0 || ids[0] != wantFirst {
		t.Errorf("sorted by file name: first %v, want %s", ids, wantFirst)
	}
}
