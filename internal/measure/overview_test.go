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

// TestOverviewPointCounts: the overview reads the checklist answers (as
// arrays of references and states) and counts, per requirement, the points
// done and not applicable; a "not done" answer counts as neither, and
// another entity's answers are not counted.
func TestOverviewPointCounts(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	pool := dbtest.New(t)
	ed := catalogue.Latest()
	var req catalogue.Requirement
	for _, r := range ed.Requirements {
		if len(r.Points) >= 4 {
			req = r
			break
		}
	}
	if req.Code == "" {
		t.Fatal("no requirement with four points in the edition")
	}
	var id, other int64
	if err := pool.QueryRow(ctx, `INSERT INTO entities (slug, name) VALUES ('x-org', 'X') RETURNING id`).Scan(&id); err != nil {
		t.Fatal(err)
	}
	if err := pool.QueryRow(ctx, `INSERT INTO entities (slug, name) VALUES ('y-org', 'Y') RETURNING id`).Scan(&other); err != nil {
		t.Fatal(err)
	}
	answer := func(entity int64, ref, state string) {
		t.Helper()
		justification := ""
		if state == "not_applicable" {
			justification = "Niet van toepassing."
		}
		if _, err := pool.Exec(ctx, `INSERT INTO entity_points (entity_id, point_ref, requirement_code, state, justification, catalogue_version)
			VALUES ($1, $2, $3, $4, $5, $6)`, entity, ref, req.Code, state, justification, ed.Version); err != nil {
			t.Fatal(err)
		}
	}
	answer(id, req.Points[0].Ref, "done")
	answer(id, req.Points[1].Ref, "done")
	answer(id, req.Points[2].Ref, "not_applicable")
	answer(id, req.Points[3].Ref, "not_done")
	answer(other, req.Points[3].Ref, "done")

	o, err := measure.BuildOverview(ctx, pool, ed, id, time.Now())
	if err != nil {
		t.Fatal(err)
	}
	counts := o.Checklist.Counts(ed)
	want := measure.PointCount{Done: 2, NotApplicable: 1, Total: len(req.Points)}
	if got := counts[req.Code]; got != want {
		t.Errorf("requirement %s: %+v, want %+v", req.Code, got, want)
	}
	for _, r := range ed.Requirements {
		if got := counts[r.Code]; r.Code != req.Code && (got.Done != 0 || got.NotApplicable != 0 || got.Total != len(r.Points)) {
			t.Errorf("requirement %s: %+v with no answers", r.Code, got)
		}
	}
	o, err = measure.BuildOverview(ctx, pool, ed, other, time.Now())
	if err != nil {
		t.Fatal(err)
	}
	if got := o.Checklist.Counts(ed)[req.Code]; got.Done != 1 || got.NotApplicable != 0 {
		t.Errorf("other entity: %+v", got)
	}
}
