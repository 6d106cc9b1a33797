package measure_test

import (
	"context"
	"testing"
	"time"

	"github.com/weerbaar/weerbaar/internal/dbtest"
	"github.com/weerbaar/weerbaar/internal/measure"
	"github.com/weerbaar/weerbaar/internal/measure/catalogue"
)

// BenchmarkBuildOverview measures the dashboard's main computation: loading
// 49 requirements and 10 measures and running the proportionality engine.
func BenchmarkBuildOverview(b *testing.B) {
	ctx := context.Background()
	pool := dbtest.New(b)
	var id int64
	if err := pool.QueryRow(ctx, `INSERT INTO entities (slug, name) VALUES ('bench', 'Bench') RETURNING id`).Scan(&id); err != nil {
		b.Fatal(err)
	}
	if _, err := pool.Exec(ctx, `INSERT INTO entity_requirements (entity_id, requirement_code, maturity, status, catalogue_version)
		SELECT $1, code, 3, 'implemented', '2026.1' FROM requirements`, id); err != nil {
		b.Fatal(err)
	}
	today := time.Now()
	b.ResetTimer()
	for b.Loop() {
		if _, err := measure.BuildOverview(ctx, pool, catalogue.Latest(), id, today); err != nil {
			b.Fatal(err)
		}
	}
}
