package server_test

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"testing"

	"github.com/weerbaar/weerbaar/internal/apptest"
	"github.com/weerbaar/weerbaar/internal/authz"
)

// TestRiskRegisterTreatmentAndOverdueFilters filters a register of 3,000
// scenarios by treatment (the four decisions, none yet, acceptance
// requested) and by overdue (an open mitigation action past its due date,
// or an acceptance past its review date): each first page is exactly the
// rows the database finds there in the default order, within the query
// budget; the filter survives keyset paging; an unlisted sort column is
// still refused; a bad filter value is a 400; the CSV export is filtered
// alike and names the treatment.
func TestRiskRegisterTreatmentAndOverdueFilters(t *testing.T) {
	t.Parallel()
	a, id := startWithDemo(t, apptest.Options{})
	analysis := seedLargeAnalysis(t, a, id, 3000)
	ctx := context.Background()
	officer := firstID(t, a, `SELECT id FROM users WHERE email = 'officer@demo.weerbaar.test'`)
	// Treatments: a fifth undecided, the rest spread over the four; of the
	// accepted ones a third requested from the board, some expired.
	if _, err := a.Pool.Exec(ctx, `UPDATE risk_scenarios SET
			treatment = CASE WHEN id % 5 = 0 THEN NULL ELSE (ARRAY['mitigate', 'accept', 'transfer', 'avoid'])[id % 4 + 1] END
		WHERE analysis_id = $1`, analysis); err != nil {
		t.Fatal(err)
	}
	if _, err := a.Pool.Exec(ctx, `UPDATE risk_scenarios SET acceptance = 'requested' WHERE analysis_id = $1 AND treatment = 'accept' AND id % 3 = 0`, analysis); err != nil {
		t.Fatal(err)
	}
	if _, err := a.Pool.Exec(ctx, `UPDATE risk_scenarios SET acceptance = 'accepted', accepted_by = $2, accepted_at = now(),
			acceptance_expires = CASE WHEN id % 7 = 0 THEN current_date - 10 ELSE current_date + 100 END
		WHERE analysis_id = $1 AND treatment = 'accept' AND acceptance IS NULL`, analysis, officer); err != nil {
		t.Fatal(err)
	}
	// Mitigation actions: past due and open (overdue), past due but done
	// (not overdue), and due later (not overdue).
	if _, err := a.Pool.Exec(ctx, `INSERT INTO risk_mitigations (entity_id, analysis_id, scenario_id, title, requirement_code, owner_id,
			due_date, done, done_on)
		SELECT entity_id, analysis_id, id, 'Actie ' || id, '1.1', $2,
			CASE WHEN id % 17 = 0 THEN current_date + 30 ELSE current_date - 10 END, id % 13 = 0, CASE WHEN id % 13 = 0 THEN current_date - 5 END
		FROM risk_scenarios WHERE analysis_id = $1 AND (id % 11 = 0 OR id % 13 = 0 OR id % 17 = 0)`, analysis, officer); err != nil {
		t.Fatal(err)
	}
	want := func(where string) []int64 {
		t.Helper()
		var ids []int64
		if err := a.Pool.QueryRow(ctx, `SELECT coalesce(array_agg(id ORDER BY inherent_level DESC, id DESC), '{}') FROM risk_scenarios s
			WHERE analysis_id = $1 AND `+where, analysis).Scan(&ids); err != nil {
			t.Fatal(err)
		}
		return ids
	}
	overdue := `(EXISTS (SELECT 1 FROM risk_mitigations m WHERE m.scenario_id = s.id AND NOT m.done AND m.due_date < current_date)
		OR (s.acceptance = 'accepted' AND s.acceptance_expires <= current_date))`
	c := a.LoginDemo(t, authz.Auditor)
	path := fmt.Sprintf("/e/%d/risks/%d/register", id, analysis)
	for _, tc := range []struct{ query, where string }{
		{"treatment=mitigate", "treatment = 'mitigate'"},
		{"treatment=transfer", "treatment = 'transfer'"},
		{"treatment=avoid", "treatment = 'avoid'"},
		{"treatment=accept", "acceptance = 'accepted'"},
		{"treatment=requested", "acceptance = 'requested'"},
		{"treatment=none", "treatment IS NULL"},
		{"overdue=1", overdue},
		{"overdue=1&treatment=accept", "acceptance = 'accepted' AND " + overdue},
		{"overdue=1&treatment=mitigate&level=4", "treatment = 'mitigate' AND inherent_level = 4 AND " + overdue},
	} {
		all := want(tc.where)
		if len(all) == 0 || len(all) == 3000 {
			t.Fatalf("?%s: the seed gives %d rows, not a test", tc.query, len(all))
		}
		r, n := c.GetCountingQueries(t, path+"?"+tc.query)
		if r.StatusCode != http.StatusOK || n > queryBudget {
			t.Fatalf("?%s: status %d, %d queries (budget %d)", tc.query, r.StatusCode, n, queryBudget)
		}
		got := scenarioIDs(r.Body)
		if !slices.Equal(got, all[:min(50, len(all))]) {
			t.Errorf("?%s: %d rows %v, want %v", tc.query, len(got), got, all[:min(50, len(all))])
		}
		// Keyset paging keeps the filter.
		if len(all) > 50 {
			next := pageLinks(r.Body)["next"]
			q, _ := url.Parse(next)
			for k, v := range mustQuery(t, tc.query) {
				if q.Query().Get(k) != v[0] {
					t.Errorf("?%s: next link %s lacks %s=%s", tc.query, next, k, v[0])
				}
			}
			if got := scenarioIDs(c.Get(t, next).Body); !slices.Equal(got, all[50:min(100, len(all))]) {
				t.Errorf("?%s page 2: %v, want %v", tc.query, got, all[50:min(100, len(all))])
			}
		}
	}
	// Each row says its treatment; overdue rows are marked.
	r := c.Get(t, path+"?treatment=requested&overdue=")
	if strings.Count(r.Body, `data-treatment="requested"`) != len(scenarioIDs(r.Body)) {
		t.Errorf("requested rows not marked requested")
	}
	if r := c.Get(t, path+"?overdue=1"); strings.Count(r.Body, "data-overdue") != len(scenarioIDs(r.Body)) {
		t.Errorf("overdue rows not marked")
	}
	// An unlisted sort column is still refused with the filters on; the
	// filtered default order is shown.
	r = c.Get(t, path+"?treatment=mitigate&sort="+url.QueryEscape("treatment"))
	if r.StatusCode != http.StatusOK || !strings.Contains(r.Body, tr(t, "risk.register.sort_refused")) ||
		!slices.Equal(scenarioIDs(r.Body), want("treatment = 'mitigate'")[:50]) {
		t.Errorf("sort=treatment: %d %v", r.StatusCode, scenarioIDs(r.Body))
	}
	for _, bad := range []string{"treatment=maybe", "treatment=MITIGATE", "overdue=yes", "overdue=0"} {
		if r := c.Get(t, path+"?"+bad); r.StatusCode != http.StatusBadRequest {
			t.Errorf("?%s: %d, want 400", bad, r.StatusCode)
		}
	}
	// CSV: filtered like the page, every row, with treatment and overdue.
	csv := c.Get(t, path+".csv?treatment=requested")
	lines := strings.Split(strings.TrimSpace(strings.TrimPrefix(csv.Body, "\uFEFF")), "\n")
	if len(lines) != 1+len(want("acceptance = 'requested'")) || !strings.Contains(lines[0], tr(t, "risk.register.treatment")) ||
		!strings.Contains(lines[0], tr(t, "risk.register.overdue")) {
		t.Fatalf("CSV: %d lines, header %q", len(lines), lines[0])
	}
	for _, l := range lines[1:] {
		if !strings.Contains(l, ";"+tr(t, "risk.acceptance.requested")+";") {
			t.Errorf("CSV row without the requested treatment: %q", l)
			break
		}
	}
	csv = c.Get(t, path+".csv?overdue=1")
	if n := strings.Count(strings.TrimSpace(csv.Body), "\n"); n != len(want(overdue)) {
		t.Errorf("overdue CSV: %d rows, want %d", n, len(want(overdue)))
	}
}

func mustQuery(t *testing.T, q string) url.Values {
	t.Helper()
	v, err := url.ParseQuery(q)
	if err != nil {
		t.Fatal(err)
	}
	return v
}
