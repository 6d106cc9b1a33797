package server_test

import (
	"context"
	"fmt"
	"strings"
	"testing"

	"github.com/weerbaar/weerbaar/internal/apptest"
	"github.com/weerbaar/weerbaar/internal/authz"
	"github.com/weerbaar/weerbaar/internal/i18n"
)

// TestDashboardWarnsWhenRiskReviewIsDue: the demo's adopted analysis is
// within its review date (no warning); once the date has passed every role
// sees the warning with the date, within the dashboard's query budget;
// with no adopted analysis at all the warning says so.
func TestDashboardWarnsWhenRiskReviewIsDue(t *testing.T) {
	t.Parallel()
	a, id := startWithDemo(t, apptest.Options{})
	adopted, _ := demoRisk(t, a, id)
	ctx := context.Background()
	path := fmt.Sprintf("/e/%d/", id)
	officer := a.LoginDemo(t, authz.SecurityOfficer)
	if _, err := a.Pool.Exec(ctx, `UPDATE risk_analyses SET review_date = current_date + 30 WHERE id = $1`, adopted); err != nil {
		t.Fatal(err)
	}
	if r := officer.Get(t, path); strings.Contains(r.Body, `data-testid="risk-review"`) {
		t.Errorf("warning while the review date is ahead")
	}
	past := testToday().AddDate(0, 0, -3)
	if _, err := a.Pool.Exec(ctx, `UPDATE risk_analyses SET review_date = $2 WHERE id = $1`, adopted, past); err != nil {
		t.Fatal(err)
	}
	for _, role := range budgetRoles {
		c := officer
		if role != authz.SecurityOfficer {
			c = a.LoginDemo(t, role)
		}
		r, n := c.GetCountingQueries(t, path)
		if !strings.Contains(r.Body, `data-testid="risk-review"`) ||
			!strings.Contains(r.Body, tr(t, "dashboard.risk_review.overdue", i18n.Date(i18n.WithLang(ctx, i18n.NL), past))) {
			t.Errorf("%s: no overdue warning on the dashboard", role)
		}
		if n > queryBudget {
			t.Errorf("%s: dashboard takes %d queries", role, n)
		}
	}
	if _, err := a.Pool.Exec(ctx, `UPDATE risk_analyses SET status = 'archived' WHERE entity_id = $1`, id); err != nil {
		t.Fatal(err)
	}
	if r := officer.Get(t, path); !strings.Contains(r.Body, tr(t, "dashboard.risk_review.missing")) {
		t.Errorf("no warning without an adopted analysis")
	}
}
