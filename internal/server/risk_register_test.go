package server_test

import (
	"context"
	"fmt"
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
	"github.com/weerbaar/weerbaar/internal/seedlarge"
)

// seedLargeAnalysis adds to the demo entity a concept analysis with n
// scenarios over n/10 jewels and 30 suppliers, untreated (the large
// dataset's generator, seedlarge.Analysis, with COPY), and returns its id.
func seedLargeAnalysis(t testing.TB, a *apptest.App, entityID int64, n int) int64 {
	t.Helper()
	ctx := context.Background()
	var ids seedlarge.AnalysisIDs
	err := db.InTx(ctx, a.Pool, func(tx pgx.Tx) error {
		var officer int64
		if err := tx.QueryRow(ctx, `SELECT id FROM users WHERE email = $1`, demo.Accounts[1].Email).Scan(&officer); err != nil {
			return err
		}
		var err error
		ids, err = seedlarge.Analysis(ctx, tx, seedlarge.AnalysisSpec{EntityID: entityID, OwnerID: officer, Period: "groot",
			Jewels: (n + seedlarge.ScenariosPerJewel - 1) / seedlarge.ScenariosPerJewel, Suppliers: 30, Scenarios: n,
			Today: time.Now().UTC().Truncate(24 * time.Hour), Seed: seedlarge.DefaultSeed})
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	return ids.ID
}

var scenarioAttr = regexp.MustCompile(`data-scenario="(\d+)"`)

func scenarioIDs(body string) []int64 {
	var out []int64
	for _, m := range scenarioAttr.FindAllStringSubmatch(body, -1) {
		n, _ := strconv.ParseInt(m[1], 10, 64)
		out = append(out, n)
	}
	return out
}

var pageHref = regexp.MustCompile(`href="([^"]+)" data-page="(\w+)"`)

func pageLinks(body string) map[string]string {
	out := map[string]string{}
	for _, m := range pageHref.FindAllStringSubmatch(body, -1) {
		out[m[2]] = strings.ReplaceAll(m[1], "&amp;", "&")
	}
	return out
}

// TestRiskRegisterWith3000Scenarios pages through a register of 3,000
// scenarios: the first page within the query budget, and pages 1, 2 and
// the last one (reached by keyset links) exactly the rows the database
// sorts there, disjoint; "previous" from page 2 is page 1 again.
func TestRiskRegisterWith3000Scenarios(t *testing.T) {
	t.Parallel()
	a, id := startWithDemo(t, apptest.Options{})
	analysis := seedLargeAnalysis(t, a, id, 3000)
	var want []int64
	rows, err := a.Pool.Query(context.Background(), `SELECT id FROM risk_scenarios WHERE analysis_id = $1 ORDER BY inherent_level DESC, id DESC`, analysis)
	if err != nil {
		t.Fatal(err)
	}
	for rows.Next() {
		var n int64
		_ = rows.Scan(&n)
		want = append(want, n)
	}
	if len(want) != 3000 {
		t.Fatalf("seeded %d scenarios", len(want))
	}
	c := a.LoginDemo(t, authz.Auditor)
	path := fmt.Sprintf("/e/%d/risks/%d/register", id, analysis)
	first, n := c.GetCountingQueries(t, path)
	if first.StatusCode != http.StatusOK || n > queryBudget {
		t.Fatalf("first page: status %d, %d queries (budget %d)", first.StatusCode, n, queryBudget)
	}
	t.Logf("first page of 3,000: %d queries", n)
	if got := scenarioIDs(first.Body); !slices.Equal(got, want[:50]) {
		t.Errorf("page 1: %v, want %v", got, want[:50])
	}
	links := pageLinks(first.Body)
	if links["prev"] != "" || links["first"] != "" || links["next"] == "" || links["last"] == "" || strings.Contains(links["next"], "offset") {
		t.Fatalf("page 1 links: %v", links)
	}
	second, n := c.GetCountingQueries(t, links["next"])
	if n > queryBudget {
		t.Errorf("page 2: %d queries", n)
	}
	if got := scenarioIDs(second.Body); !slices.Equal(got, want[50:100]) {
		t.Errorf("page 2: %v, want %v", got, want[50:100])
	}
	if back := c.Get(t, pageLinks(second.Body)["prev"]); !slices.Equal(scenarioIDs(back.Body), want[:50]) {
		t.Errorf("previous of page 2: %v", scenarioIDs(back.Body))
	}
	last := c.Get(t, links["last"])
	if got := scenarioIDs(last.Body); !slices.Equal(got, want[2950:]) {
		t.Errorf("last page: %v, want %v", got, want[2950:])
	}
	if l := pageLinks(last.Body); l["next"] != "" || l["prev"] == "" {
		t.Errorf("last page links: %v", l)
	}
	if back := c.Get(t, pageLinks(last.Body)["prev"]); !slices.Equal(scenarioIDs(back.Body), want[2900:2950]) {
		t.Errorf("previous of the last page: %v", scenarioIDs(back.Body))
	}
	// Ascending by likelihood, ties by id.
	asc := c.Get(t, path+"?sort=likelihood")
	got := scenarioIDs(asc.Body)
	var wantAsc []int64
	if err := a.Pool.QueryRow(context.Background(), `SELECT array_agg(id ORDER BY inherent_likelihood, id) FROM
		(SELECT id, inherent_likelihood FROM risk_scenarios WHERE analysis_id = $1 ORDER BY inherent_likelihood, id LIMIT 50) s`,
		analysis).Scan(&wantAsc); err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(got, wantAsc) {
		t.Errorf("sorted by likelihood: %v, want %v", got, wantAsc)
	}
}

// TestRiskRegisterFiltersSortAndCSV filters the demo's register by level,
// jewel, threat, owner and supplier, refuses an unlisted sort column, and
// exports the register in the reader's language.
func TestRiskRegisterFiltersSortAndCSV(t *testing.T) {
	t.Parallel()
	a, id := startWithDemo(t, apptest.Options{})
	_, draft := demoRisk(t, a, id)
	c := a.LoginDemo(t, authz.SecurityOfficer)
	path := fmt.Sprintf("/e/%d/risks/%d/register", id, draft)
	count := func(where string, args ...any) int {
		t.Helper()
		var n int
		if err := a.Pool.QueryRow(context.Background(), `SELECT count(*) FROM risk_scenarios s JOIN risk_jewels j ON j.id = s.jewel_id
			WHERE s.analysis_id = `+strconv.FormatInt(draft, 10)+` AND `+where, args...).Scan(&n); err != nil {
			t.Fatal(err)
		}
		return n
	}
	all := c.Get(t, path)
	if all.StatusCode != http.StatusOK || len(scenarioIDs(all.Body)) != count("true") || count("true") == 0 {
		t.Fatalf("register: %d, %d rows", all.StatusCode, len(scenarioIDs(all.Body)))
	}
	scada := firstID(t, a, `SELECT id FROM risk_jewels WHERE analysis_id = $1 AND name = 'SCADA zuiveringsinstallaties'`, draft)
	owner := firstID(t, a, `SELECT owner_id FROM risk_jewels WHERE analysis_id = $1 AND owner_id IS NOT NULL ORDER BY id LIMIT 1`, draft)
	supplier := firstID(t, a, `SELECT supplier_id FROM risk_jewel_suppliers WHERE analysis_id = $1 ORDER BY supplier_id LIMIT 1`, draft)
	code := ""
	if err := a.Pool.QueryRow(context.Background(), `SELECT threat_code FROM risk_scenarios WHERE analysis_id = $1 AND threat_code IS NOT NULL
		GROUP BY 1 ORDER BY count(*) DESC, 1 LIMIT 1`, draft).Scan(&code); err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		query string
		want  int
	}{
		{"level=4", count("s.inherent_level = 4")},
		{"level=1", count("s.inherent_level = 1")},
		{"jewel=" + strconv.FormatInt(scada, 10), count("s.jewel_id = $1", scada)},
		{"threat=c:" + code, count("s.threat_code = $1", code)},
		{"owner=" + strconv.FormatInt(owner, 10), count("j.owner_id = $1", owner)},
		{"supplier=" + strconv.FormatInt(supplier, 10), count("EXISTS (SELECT 1 FROM risk_jewel_suppliers js WHERE js.jewel_id = s.jewel_id AND js.supplier_id = $1)", supplier)},
		{"level=4&jewel=" + strconv.FormatInt(scada, 10), count("s.inherent_level = 4 AND s.jewel_id = $1", scada)},
	} {
		r := c.Get(t, path+"?"+tc.query)
		if got := len(scenarioIDs(r.Body)); r.StatusCode != http.StatusOK || got != tc.want {
			t.Errorf("?%s: status %d, %d rows, want %d", tc.query, r.StatusCode, got, tc.want)
		}
	}
	if count("s.inherent_level = 4") == 0 || count("s.jewel_id = $1", scada) == count("true") {
		t.Errorf("the demo does not exercise the filters")
	}
	// An unlisted sort column never reaches the SQL: the default order is
	// shown with a notice.
	for _, bad := range []string{"name", "j.name", "inherent_level;DROP TABLE risk_scenarios", "-updated_at"} {
		r := c.Get(t, path+"?sort="+url.QueryEscape(bad))
		if r.StatusCode != http.StatusOK || !strings.Contains(r.Body, tr(t, "risk.register.sort_refused")) ||
			!slices.Equal(scenarioIDs(r.Body), scenarioIDs(all.Body)) {
			t.Errorf("sort=%s: status %d, rows %v", bad, r.StatusCode, scenarioIDs(r.Body))
		}
	}
	if strings.Contains(all.Body, tr(t, "risk.register.sort_refused")) {
		t.Errorf("the default sort is refused")
	}
	for _, bad := range []string{"level=9", "jewel=x", "threat=zz", "after=1", "owner=-1"} {
		if r := c.Get(t, path+"?"+bad); r.StatusCode != http.StatusBadRequest {
			t.Errorf("?%s: %d, want 400", bad, r.StatusCode)
		}
	}
	// CSV: Dutch with BOM and ';', English with ','; filtered like the page.
	nl := c.Get(t, path+".csv?level=4")
	lines := strings.Split(strings.TrimSpace(nl.Body), "\n")
	if !strings.HasPrefix(nl.Body, "\uFEFF") || !strings.Contains(lines[0], ";") || len(lines) != 1+count("s.inherent_level = 4") ||
		!strings.Contains(nl.Header.Get("Content-Disposition"), tr(t, "risk.register.file")) {
		t.Errorf("Dutch CSV: %q %s", nl.Header.Get("Content-Disposition"), nl.Body)
	}
	c.PostForm(t, "/lang", map[string][]string{"lang": {"en"}})
	en := c.Get(t, path+".csv")
	if strings.HasPrefix(en.Body, "\uFEFF") || !strings.HasPrefix(en.Body, trEN(t, "risk.register.col.id")+",") ||
		strings.Count(strings.TrimSpace(en.Body), "\n") != count("true") || !strings.Contains(en.Body, "SCADA zuiveringsinstallaties") {
		t.Errorf("English CSV: %s", en.Body)
	}
}

// BenchmarkRiskRegisterFirstPage measures the register's first page of 50
// (full HTML through the router over loopback, signed in) over 3,000
// scenarios, beside /healthz through the same client in the same run.
//
//	go test ./internal/server/ -run '^$' -bench BenchmarkRiskRegisterFirstPage
func BenchmarkRiskRegisterFirstPage(b *testing.B) {
	a := apptest.Start(b, apptest.Options{PlainHTTP: true})
	id := a.SeedDemo(b)
	analysis := seedLargeAnalysis(b, a, id, 3000)
	c := a.LoginDemo(b, authz.SecurityOfficer)
	for _, page := range []struct{ name, path string }{
		{"healthz", "/healthz"},
		{"register", fmt.Sprintf("/e/%d/risks/%d/register", id, analysis)},
	} {
		b.Run(page.name, func(b *testing.B) {
			for b.Loop() {
				if r := c.Get(b, page.path); r.StatusCode != http.StatusOK {
					b.Fatalf("GET %s: %d", page.path, r.StatusCode)
				}
			}
		})
	}
}
