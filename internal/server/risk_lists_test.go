package server_test

import (
	"context"
	"fmt"
	"html"
	"net/http"
	"net/url"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/weerbaar/weerbaar/internal/apptest"
	"github.com/weerbaar/weerbaar/internal/authz"
	"github.com/weerbaar/weerbaar/internal/db"
	"github.com/weerbaar/weerbaar/internal/demo"
	"github.com/weerbaar/weerbaar/internal/risk"
	"github.com/weerbaar/weerbaar/internal/seedlarge"
)

// seedWideAnalysis adds to the demo entity a concept analysis with jewels
// crown jewels (ten scenarios each) and suppliers suppliers, built by the
// large dataset's generator, and returns its id.
func seedWideAnalysis(t testing.TB, a *apptest.App, entityID int64, jewels, suppliers int) int64 {
	t.Helper()
	ctx := context.Background()
	var ids seedlarge.AnalysisIDs
	err := db.InTx(ctx, a.Pool, func(tx pgx.Tx) error {
		var officer int64
		if err := tx.QueryRow(ctx, `SELECT id FROM users WHERE email = $1`, demo.Accounts[1].Email).Scan(&officer); err != nil {
			return err
		}
		var err error
		ids, err = seedlarge.Analysis(ctx, tx, seedlarge.AnalysisSpec{EntityID: entityID, OwnerID: officer, Period: "breed",
			Jewels: jewels, Suppliers: suppliers, Scenarios: jewels * seedlarge.ScenariosPerJewel, Treated: true,
			Today: time.Now().UTC().Truncate(24 * time.Hour), Seed: seedlarge.DefaultSeed})
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	return ids.ID
}

var (
	jewelAttr    = regexp.MustCompile(`data-jewel="(\d+)"`)
	supplierAttr = regexp.MustCompile(`data-supplier="(\d+)"`)
	summaryAttr  = regexp.MustCompile(`data-summary="(\w+)">(\d+)<`)
)

func attrIDs(re *regexp.Regexp, body string) []int64 {
	var out []int64
	for _, m := range re.FindAllStringSubmatch(body, -1) {
		n, _ := strconv.ParseInt(m[1], 10, 64)
		out = append(out, n)
	}
	return out
}

func idList(t *testing.T, a *apptest.App, sql string, args ...any) []int64 {
	t.Helper()
	rows, err := a.Pool.Query(context.Background(), sql, args...)
	if err != nil {
		t.Fatal(err)
	}
	ids, err := pgx.CollectRows(rows, pgx.RowTo[int64])
	if err != nil {
		t.Fatal(err)
	}
	return ids
}

// walkList follows a list's "next" links from its first page and returns
// every row id in page order, checking each page's query count, that
// "previous" from the second page is the first page again, and that the
// first page has no link back.
func walkList(t *testing.T, c *apptest.Client, path string, re *regexp.Regexp) (ids []int64, pages int) {
	t.Helper()
	var first []int64
	for next := path; next != ""; pages++ {
		r, n := c.GetCountingQueries(t, next)
		if r.StatusCode != http.StatusOK || n > queryBudget {
			t.Fatalf("GET %s: %d with %d queries", next, r.StatusCode, n)
		}
		rows := attrIDs(re, r.Body)
		if len(rows) == 0 || len(rows) > risk.ListPageSize {
			t.Fatalf("GET %s: %d rows", next, len(rows))
		}
		links := pageLinks(r.Body)
		switch pages {
		case 0:
			first = rows
			if links["prev"] != "" || links["first"] != "" {
				t.Errorf("first page links back: %v", links)
			}
		case 1:
			back := c.Get(t, links["prev"])
			if got := attrIDs(re, back.Body); !slices.Equal(got, first) {
				t.Errorf("previous from page 2: %v, want page 1 %v", got, first)
			}
			if links["first"] != path {
				t.Errorf("first page link %q, want %q", links["first"], path)
			}
		}
		ids = append(ids, rows...)
		next = links["next"]
	}
	return ids, pages
}

// TestRiskAnalysisListsOfALargeAnalysis: with 60 crown jewels and 70
// suppliers the analysis page shows the first 20 of each, the supplier
// register's summary over all 70 (as each supplier's own row would show it)
// and links to both lists, which page by keyset through every row exactly
// once, in the order of the database, within the query budget. Bad cursors
// are refused; the lists speak English too.
func TestRiskAnalysisListsOfALargeAnalysis(t *testing.T) {
	t.Parallel()
	a, id := startWithDemo(t, apptest.Options{})
	analysis := seedWideAnalysis(t, a, id, 60, 70)
	c := a.LoginDemo(t, authz.SecurityOfficer)
	page := fmt.Sprintf("/e/%d/risks/%d", id, analysis)

	wantJewels := idList(t, a, `SELECT id FROM risk_jewels WHERE analysis_id = $1 ORDER BY level, name`, analysis)
	wantSuppliers := idList(t, a, `SELECT id FROM risk_suppliers WHERE analysis_id = $1 ORDER BY name`, analysis)
	if len(wantJewels) != 60 || len(wantSuppliers) != 70 {
		t.Fatalf("seeded %d jewels, %d suppliers", len(wantJewels), len(wantSuppliers))
	}

	r, n := c.GetCountingQueries(t, page)
	if r.StatusCode != http.StatusOK || n > queryBudget {
		t.Fatalf("analysis page: %d with %d queries", r.StatusCode, n)
	}
	if got := attrIDs(jewelAttr, r.Body); !slices.Equal(got, wantJewels[:risk.PreviewSize]) {
		t.Errorf("analysis page jewels %v, want the first %d %v", got, risk.PreviewSize, wantJewels[:risk.PreviewSize])
	}
	if got := attrIDs(supplierAttr, r.Body); !slices.Equal(got, wantSuppliers[:risk.PreviewSize]) {
		t.Errorf("analysis page suppliers %v, want the first %d", got, risk.PreviewSize)
	}
	for _, want := range []string{`href="` + page + `/jewels">` + html.EscapeString(tr(t, "risk.jewels.all", 60)) + `<`,
		`href="` + page + `/suppliers">` + html.EscapeString(tr(t, "risk.suppliers.all", 70)) + `<`} {
		if !strings.Contains(r.Body, want) {
			t.Errorf("analysis page lacks %s", want)
		}
	}
	// The summary counts what each supplier's own row says, over all 70.
	all, err := risk.Suppliers(context.Background(), a.Pool, id, analysis)
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]int{"total": len(all)}
	for _, sp := range all {
		if sp.Concentrated() {
			want["concentrated"]++
		}
		if sp.ClausesMissing() > 0 {
			want["clauses"]++
		}
		if sp.CertificationExpired(testToday()) {
			want["expired"]++
		}
	}
	if want["concentrated"] == 0 || want["clauses"] == 0 || want["expired"] == 0 {
		t.Fatalf("the seeded register needs attention of every kind to test the summary: %v", want)
	}
	got := map[string]int{}
	for _, m := range summaryAttr.FindAllStringSubmatch(r.Body, -1) {
		got[m[1]], _ = strconv.Atoi(m[2])
	}
	if fmt.Sprint(got) != fmt.Sprint(want) {
		t.Errorf("supplier summary %v, want %v", got, want)
	}

	jewels, pages := walkList(t, c, page+"/jewels", jewelAttr)
	if !slices.Equal(jewels, wantJewels) || pages != 2 {
		t.Errorf("crown jewels over %d pages: %v, want %v", pages, jewels, wantJewels)
	}
	suppliers, pages := walkList(t, c, page+"/suppliers", supplierAttr)
	if !slices.Equal(suppliers, wantSuppliers) || pages != 2 {
		t.Errorf("suppliers over %d pages: %v, want %v", pages, suppliers, wantSuppliers)
	}
	var lastName string
	if err := a.Pool.QueryRow(context.Background(), `SELECT name FROM risk_suppliers WHERE id = $1`, wantSuppliers[len(wantSuppliers)-1]).Scan(&lastName); err != nil {
		t.Fatal(err)
	}
	if reg := c.Get(t, page+"/suppliers?after="+url.QueryEscape(lastName)); reg.StatusCode != http.StatusOK ||
		len(attrIDs(supplierAttr, reg.Body)) != 0 || !strings.Contains(reg.Body, tr(t, "risk.suppliers.empty.title")) {
		t.Errorf("a page after the last supplier: %d", reg.StatusCode)
	}
	for _, bad := range []string{"/jewels?after=x", "/jewels?after=secret.Naam", "/jewels?after=goal.a&before=goal.b", "/suppliers?before=" + strings.Repeat("x", 301)} {
		if r := c.Get(t, page+bad); r.StatusCode != http.StatusBadRequest {
			t.Errorf("%s: %d, want 400", bad, r.StatusCode)
		}
	}
	// English, from the breadcrumb back to the analysis.
	c.PostForm(t, "/lang", url.Values{"lang": {"en"}})
	en := c.Get(t, page+"/suppliers")
	if !strings.Contains(en.Body, html.EscapeString(trEN(t, "risk.suppliers.list.title", "breed"))) ||
		!strings.Contains(en.Body, trEN(t, "risk.suppliers.summary.concentrated")) || !strings.Contains(en.Body, `href="`+page+`"`) {
		t.Errorf("English supplier register: %s", en.Body)
	}
	if en := c.Get(t, page+"/jewels"); !strings.Contains(en.Body, html.EscapeString(trEN(t, "risk.jewels.list.count", 60))) {
		t.Errorf("English crown jewels list")
	}
}

// TestRiskAnalysisPageOfASmallAnalysisLinksNoList: the demo's analysis has
// fewer jewels and suppliers than the page shows, so it shows them all
// and no link to the lists.
func TestRiskAnalysisPageOfASmallAnalysisLinksNoList(t *testing.T) {
	t.Parallel()
	a, id := startWithDemo(t, apptest.Options{})
	_, draft := demoRisk(t, a, id)
	c := a.LoginDemo(t, authz.Auditor)
	r := c.Get(t, fmt.Sprintf("/e/%d/risks/%d", id, draft))
	if n := len(attrIDs(jewelAttr, r.Body)); n != count(t, a, `SELECT count(*) FROM risk_jewels WHERE analysis_id = $1`, draft) {
		t.Errorf("demo analysis page shows %d jewels", n)
	}
	if strings.Contains(r.Body, `data-testid="jewels-all"`) || strings.Contains(r.Body, `data-testid="suppliers-all"`) {
		t.Errorf("a small analysis links to its lists")
	}
}

// BenchmarkRiskAnalysisPage measures the analysis page and the first pages
// of its two lists (full HTML through the router over loopback, signed in)
// on an analysis of the largest entity's size — 300 crown jewels, 150
// suppliers, 3,000 treated scenarios — beside /healthz through the same
// client in the same run.
//
//	go test ./internal/server/ -run '^$' -bench BenchmarkRiskAnalysisPage
func BenchmarkRiskAnalysisPage(b *testing.B) {
	a := apptest.Start(b, apptest.Options{PlainHTTP: true})
	id := a.SeedDemo(b)
	analysis := seedWideAnalysis(b, a, id, 300, 150)
	c := a.LoginDemo(b, authz.SecurityOfficer)
	page := fmt.Sprintf("/e/%d/risks/%d", id, analysis)
	for _, p := range []struct{ name, path string }{
		{"healthz", "/healthz"}, {"analysis", page}, {"jewels", page + "/jewels"}, {"suppliers", page + "/suppliers"},
	} {
		b.Run(p.name, func(b *testing.B) {
			for b.Loop() {
				if r := c.Get(b, p.path); r.StatusCode != http.StatusOK {
					b.Fatalf("GET %s: %d", p.path, r.StatusCode)
				}
			}
		})
	}
}
