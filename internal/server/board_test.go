package server_test

import (
	"context"
	"fmt"
	"net/http"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"github.com/weerbaar/weerbaar/internal/apptest"
	"github.com/weerbaar/weerbaar/internal/authz"
)

var aboveAttr = regexp.MustCompile(`data-above="(\d+)"`)

// TestBoardHome: a board member lands on the board's own screen (no
// officer's work lists) with readiness, the residual risks above tolerance
// as counted in the database, and their training; an officer sees the same
// screen under Bestuur and keeps the dashboard as their first screen.
func TestBoardHome(t *testing.T) {
	t.Parallel()
	a, id := startWithDemo(t, apptest.Options{})
	base := "/e/" + strconv.FormatInt(id, 10)
	bm := a.LoginDemo(t, authz.BoardMember)
	r := bm.Get(t, base+"/")
	if r.StatusCode != http.StatusOK || !strings.Contains(r.Body, `data-testid="board-readiness"`) || !strings.Contains(r.Body, `data-testid="board-risks"`) {
		t.Fatalf("board member's first screen: %d\n%s", r.StatusCode, r.Body)
	}
	if strings.Contains(r.Body, "data-my-risk-actions") || strings.Contains(r.Body, `id="overdue-h"`) {
		t.Errorf("the board's screen shows the officer's work lists")
	}
	// The count is the database's: residual level above the tolerance of
	// the analysis that counts (the adopted one).
	var want int
	if err := a.Pool.QueryRow(context.Background(), `SELECT count(*) FROM risk_scenarios s
		JOIN risk_analyses an ON an.id = s.analysis_id JOIN risk_methods m ON m.entity_id = an.entity_id AND m.method_version = an.method_version
		WHERE s.entity_id = $1 AND an.status = 'adopted' AND s.residual_level > m.tolerance`, id).Scan(&want); err != nil {
		t.Fatal(err)
	}
	m := aboveAttr.FindStringSubmatch(r.Body)
	if want == 0 || m == nil || m[1] != strconv.Itoa(want) {
		t.Errorf("risks above tolerance: page %v, database %d (the demo should have some)", m, want)
	}
	// The demo's pending request (the 2027 analysis) waits for the board
	// member; the measure plan was approved and has changed since.
	pending := firstID(t, a, `SELECT id FROM approval_requests WHERE entity_id = $1 AND state = 'pending'`, id)
	if !strings.Contains(r.Body, fmt.Sprintf(`href="%s/board/requests/%d"`, base, pending)) || !strings.Contains(r.Body, `data-approval="outdated"`) {
		t.Errorf("the board's screen lacks the waiting request or the plan's verouderd standing")
	}
	// A measure's maturity moves: the trend since the approved plan shows it.
	if _, err := a.Pool.Exec(context.Background(), `INSERT INTO entity_measures (entity_id, measure_code, maturity_override, override_reason, catalogue_version)
		SELECT $1, 'b', 5, 'test', catalogue_edition FROM entities WHERE id = $1
		ON CONFLICT (entity_id, measure_code) DO UPDATE SET maturity_override = 5, override_reason = 'test'`, id); err != nil {
		t.Fatal(err)
	}
	if r := bm.Get(t, base+"/"); !strings.Contains(r.Body, `data-trend="b)"`) {
		t.Errorf("no trend row for measure b after its maturity rose")
	}
	if !strings.Contains(r.Body, tr(t, "training.state.expiring")) {
		t.Errorf("the board member's own certificate ending soon is not shown")
	}
	// Raise one more scenario of the adopted analysis above tolerance: the
	// count follows.
	if _, err := a.Pool.Exec(context.Background(), `UPDATE risk_scenarios s SET residual_level = 4, inherent_level = 4,
			residual_likelihood = s.inherent_likelihood, residual_impact = s.inherent_impact
		WHERE s.id = (SELECT s2.id FROM risk_scenarios s2 JOIN risk_analyses an ON an.id = s2.analysis_id
			JOIN risk_methods m ON m.entity_id = an.entity_id AND m.method_version = an.method_version
			WHERE s2.entity_id = $1 AND an.status = 'adopted' AND s2.residual_level <= m.tolerance ORDER BY s2.id LIMIT 1)`, id); err != nil {
		t.Fatal(err)
	}
	if m := aboveAttr.FindStringSubmatch(bm.Get(t, base+"/").Body); m == nil || m[1] != strconv.Itoa(want+1) {
		t.Errorf("after raising a risk: %v, want %d", m, want+1)
	}
	off := a.LoginDemo(t, authz.SecurityOfficer)
	if r := off.Get(t, base+"/"); strings.Contains(r.Body, `data-testid="board-risks"`) {
		t.Errorf("the officer's first screen should stay the dashboard")
	}
	if r := off.Get(t, base+"/board"); r.StatusCode != http.StatusOK || !strings.Contains(r.Body, fmt.Sprintf(`data-above="%d"`, want+1)) {
		t.Errorf("officer's view of the board screen: %d", r.StatusCode)
	}
}

// TestRiskReviewAfterSignificantIncident: a significant incident the entity
// became aware of after the risk analysis was adopted asks for a review on
// the officer's dashboard and on the board's screen (Annex 2.1); one from
// before the adoption does not.
func TestRiskReviewAfterSignificantIncident(t *testing.T) {
	t.Parallel()
	a, id := startWithDemo(t, apptest.Options{})
	base := "/e/" + strconv.FormatInt(id, 10)
	ctx := context.Background()
	incidentID := firstID(t, a, `SELECT id FROM incidents WHERE entity_id = $1 AND significance = 'significant' ORDER BY id LIMIT 1`, id)
	set := func(sql string) {
		t.Helper()
		if _, err := a.Pool.Exec(ctx, sql, id); err != nil {
			t.Fatal(err)
		}
	}
	// The demo's analysis is adopted when the demo is seeded, after the
	// incident's awareness: no warning. Keep the review date ahead.
	set(`UPDATE risk_analyses SET review_date = current_date + 60 WHERE entity_id = $1 AND status = 'adopted'`)
	officer, board := a.LoginDemo(t, authz.SecurityOfficer), a.LoginDemo(t, authz.BoardMember)
	for _, c := range []*apptest.Client{officer, board} {
		if r := c.Get(t, base+"/"); strings.Contains(r.Body, `data-testid="risk-review-incident"`) {
			t.Errorf("warning for an incident from before the adoption")
		}
	}
	// Adopted ten days before the incident: both screens ask for a review
	// and link the incident.
	set(`UPDATE risk_analyses SET adopted_at = (SELECT aware_at FROM incidents WHERE entity_id = $1 AND significance = 'significant' ORDER BY id LIMIT 1) - interval '10 days'
		WHERE entity_id = $1 AND status = 'adopted'`)
	for name, c := range map[string]*apptest.Client{"officer": officer, "board": board} {
		r := c.Get(t, base+"/")
		if !strings.Contains(r.Body, `data-testid="risk-review-incident"`) || !strings.Contains(r.Body, fmt.Sprintf(`href="%s/incidents/%d"`, base, incidentID)) {
			t.Errorf("%s: no review warning after the significant incident", name)
		}
	}
}
