package risk_test

import (
	"context"
	"slices"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/weerbaar/weerbaar/internal/dbtest"
	"github.com/weerbaar/weerbaar/internal/risk"
	"github.com/weerbaar/weerbaar/internal/seedlarge"
)

// TestCurrentForBoardTopRisks: the board's top risks are the residual risks
// above tolerance in order of level, then likelihood × impact, then id,
// with their crown jewel — the same as the whole register sorted that way
// (the query picks them before it joins).
func TestCurrentForBoardTopRisks(t *testing.T) {
	t.Parallel()
	pool := dbtest.New(t)
	ctx := context.Background()
	res, err := seedlarge.Seed(ctx, pool, seedlarge.Options{Seed: 3, Scale: 0.1, Entities: 1,
		Today: time.Date(2026, 11, 30, 0, 0, 0, 0, time.UTC)})
	if err != nil {
		t.Fatal(err)
	}
	e := res.Entities[0]
	const limit = 7
	b, ok, err := risk.CurrentForBoard(ctx, pool, e.ID, limit)
	if err != nil || !ok {
		t.Fatalf("CurrentForBoard: ok %v, %v", ok, err)
	}
	rows, err := pool.Query(ctx, `SELECT s.id, j.name FROM risk_scenarios s JOIN risk_jewels j ON j.id = s.jewel_id
		JOIN risk_analyses a ON a.id = s.analysis_id JOIN risk_methods m ON m.entity_id = a.entity_id AND m.method_version = a.method_version
		WHERE s.analysis_id = $1 AND s.residual_level > m.tolerance
		ORDER BY s.residual_level DESC, s.residual_likelihood * s.residual_impact DESC, s.id`, b.AnalysisID)
	if err != nil {
		t.Fatal(err)
	}
	type top struct {
		ID    int64
		Jewel string
	}
	all, err := pgx.CollectRows(rows, pgx.RowToStructByPos[top])
	if err != nil {
		t.Fatal(err)
	}
	if len(all) <= limit || b.Above != len(all) {
		t.Fatalf("above tolerance: %d in the register, CurrentForBoard says %d; the test needs more than %d", len(all), b.Above, limit)
	}
	var got []top
	for _, r := range b.Top {
		got = append(got, top{r.ID, r.JewelName})
	}
	if want := all[:limit]; !slices.Equal(got, want) {
		t.Errorf("top risks %v, want %v", got, want)
	}
}
