package audit_test

import (
	"context"
	"fmt"
	"testing"

	"github.com/jackc/pgx/v5"

	"github.com/weerbaar/weerbaar/internal/audit"
	"github.com/weerbaar/weerbaar/internal/db"
	"github.com/weerbaar/weerbaar/internal/dbtest"
)

// BenchmarkVerify10k measures verifying one entity chain of 10,000 rows, the
// work the audit page and dashboard do on every view.
func BenchmarkVerify10k(b *testing.B) {
	ctx := context.Background()
	pool := dbtest.New(b)
	var id int64
	if err := pool.QueryRow(ctx, `INSERT INTO entities (slug, name) VALUES ('bench', 'Bench') RETURNING id`).Scan(&id); err != nil {
		b.Fatal(err)
	}
	for batch := 0; batch < 100; batch++ {
		err := db.InTx(ctx, pool, func(tx pgx.Tx) error {
			for i := 0; i < 100; i++ {
				if err := audit.Record(ctx, tx, audit.Event{EntityID: id, Action: "bench.write", ObjectType: "thing",
					ObjectID: fmt.Sprint(batch*100 + i), After: map[string]any{"n": i, "text": "waarde"}}); err != nil {
					return err
				}
			}
			return nil
		})
		if err != nil {
			b.Fatal(err)
		}
	}
	b.ResetTimer()
	for b.Loop() {
		res, err := audit.Verify(ctx, pool, id, false)
		if err != nil || res.Broken != nil || res.Rows != 10000 {
			b.Fatalf("verify: %+v %v", res, err)
		}
	}
}
