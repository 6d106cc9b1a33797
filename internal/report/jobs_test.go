package report_test

import (
	"context"
	"testing"

	"github.com/weerbaar/weerbaar/internal/dbtest"
	"github.com/weerbaar/weerbaar/internal/report"
)

// TestFailInterrupted: builds a stopped server left queued or building are
// failed at the next start, so their page stops refreshing; finished ones
// are untouched.
func TestFailInterrupted(t *testing.T) {
	t.Parallel()
	pool := dbtest.New(t)
	id := demoEntity(t, pool)
	ctx := context.Background()
	var ids [3]int64
	for i, state := range []string{"queued", "building", "failed"} {
		if err := pool.QueryRow(ctx, `INSERT INTO report_packages (entity_id, lang, period_from, period_to, state)
			VALUES ($1, 'nl', '2026-01-01', '2026-12-31', $2) RETURNING id`, id, state).Scan(&ids[i]); err != nil {
			t.Fatal(err)
		}
	}
	if err := report.FailInterrupted(ctx, pool); err != nil {
		t.Fatal(err)
	}
	list, err := report.List(ctx, pool, id)
	if err != nil || len(list) != 3 {
		t.Fatalf("list %v %v", list, err)
	}
	for _, p := range list {
		if p.State != report.StateFailed || p.Running() {
			t.Errorf("package %d: state %s", p.ID, p.State)
		}
		if (p.ID == ids[0] || p.ID == ids[1]) && p.Error == "" {
			t.Errorf("package %d: no reason", p.ID)
		}
	}
}
