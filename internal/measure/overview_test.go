package measure_test

import (
	"context"
	"testing"
	"time"

	"github.com/weerbaar/weerbaar/internal/dbtest"
	"github.com/weerbaar/weerbaar/internal/measure"
	"github.com/weerbaar/weerbaar/internal/measure/catalogue"
)

// TestOverviewReadiness: with nothing recorded no requirement is at target;
// with every applicable requirement at 5 all are; a not-applicable one
// leaves the count; an overdue one is listed.
func TestOverviewReadiness(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	pool := dbtest.New(t)
	var id int64
	if err := pool.QueryRow(ctx, `INSERT INTO entities (slug, name) VALUES ('x-org', 'X') RETURNING id`).Scan(&id); err != nil {
		t.Fatal(err)
	}
	today := time.Date(2026, 11, 27, 0, 0, 0, 0, time.UTC)
	o, err := measure.BuildOverview(ctx, pool, catalogue.Latest(), id, today)
	if err != nil {
		t.Fatal(err)
	}
	n := len(catalogue.Latest().Requirements)
	if o.Applicable != n || o.Ready != 0 || o.Readiness != 0 || len(o.Measures) != 10 || o.ScopeAssessed {
		t.Fatalf("empty: applicable %d ready %d readiness %v measures %d", o.Applicable, o.Ready, o.Readiness, len(o.Measures))
	}
	if len(o.TopGaps) != 5 || o.TopGaps[0].Result.Rank != 1 {
		t.Fatalf("top gaps: %d", len(o.TopGaps))
	}
	_, err = pool.Exec(ctx, `INSERT INTO entity_requirements (entity_id, requirement_code, maturity, status, catalogue_version, applicable, justification, due_date)
		SELECT $1, code, 5, 'verified', '2026.1', code <> '6.2', CASE WHEN code = '6.2' THEN 'Geen eigen ontwikkeling.' ELSE '' END,
			CASE WHEN code = '1.1' THEN date '2026-11-26' END
		FROM requirements`, id)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := pool.Exec(ctx, `UPDATE entity_requirements SET status = 'in_progress', maturity = 0 WHERE entity_id = $1 AND requirement_code = '1.1'`, id); err != nil {
		t.Fatal(err)
	}
	o, err = measure.BuildOverview(ctx, pool, catalogue.Latest(), id, today)
	if err != nil {
		t.Fatal(err)
	}
	if o.Applicable != n-1 || o.Ready != n-2 {
		t.Fatalf("applicable %d ready %d, want %d and %d", o.Applicable, o.Ready, n-1, n-2)
	}
	if len(o.Overdue) != 1 || o.Overdue[0].Code != "1.1" {
		t.Fatalf("overdue: %+v", o.Overdue)
	}
	for _, ms := range o.Measures {
		if ms.Measure.Code != "a" && ms.Result.Shortfall() > 0 {
			t.Errorf("measure %s at maturity %.1f still short of %d", ms.Measure.Code, ms.Maturity.Value, ms.Result.Target)
		}
	}
}
