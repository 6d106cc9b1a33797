package report_test

import (
	"context"
	"testing"

	"github.com/weerbaar/weerbaar/internal/dbtest"
	"github.com/weerbaar/weerbaar/internal/report"
)

// TestFailInterrupted: builds no instance runs are failed (building ones,
// and queued ones older than QueuedGrace), so their page stops refreshing;
// a package just queued (its build about to start) and finished ones are
// untouched. A build another instance runs is the app's two-instance test.
func TestFailInterrupted(t *testing.T) {
	t.Parallel()
	pool := dbtest.New(t)
	id := demoEntity(t, pool)
	ctx := context.Background()
	var ids [4]int64
	for i, state := range []string{"queued", "building", "failed", "queued"} {
		age := "2 minutes"
		if i == 3 {
			age = "1 second"
		}
		if err := pool.QueryRow(ctx, `INSERT INTO report_packages (entity_id, lang, period_from, period_to, state, created_at)
			VALUES ($1, 'nl', '2026-01-01', '2026-12-31', $2, now() - $3::interval) RETURNING id`, id, state, age).Scan(&ids[i]); err != nil {
			t.Fatal(err)
		}
	}
	if err := report.FailInterrupted(ctx, pool); err != nil {
		t.Fatal(err)
	}
	list, err := report.List(ctx, pool, id)
	if err != nil || len(list) != 4 {
		t.Fatalf("list %v %v", list, err)
	}
	for _, p := range list {
		want := report.StateFailed
		if p.ID == ids[3] {
			want = report.StateQueued
		}
		if p.State != want {
			t.Errorf("package %d: state %s, want %s", p.ID, p.State, want)
		}
		if (p.ID == ids[0] || p.ID == ids[1]) && p.Error == "" {
			t.Errorf("package %d: no reason", p.ID)
		}
	}
}
