package audit_test

import (
	"context"
	"fmt"
	"os"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/weerbaar/weerbaar/internal/audit"
	"github.com/weerbaar/weerbaar/internal/db"
	"github.com/weerbaar/weerbaar/internal/dbtest"
)

// BenchmarkCheckpoint measures the checkpoint work on 200 entity chains of
// 50 rows (10,000 rows): reading the heads, the periodic run when nothing
// changed, verifying every chain against a year of checkpoints (2,000 lines
// of 200 heads) and reading the last checkpoint, as the audit page does.
func BenchmarkCheckpoint(b *testing.B) {
	ctx := context.Background()
	pool := dbtest.New(b)
	for e := range 200 {
		var id int64
		if err := pool.QueryRow(ctx, `INSERT INTO entities (slug, name) VALUES ($1, $1) RETURNING id`, fmt.Sprintf("bench-%d", e)).Scan(&id); err != nil {
			b.Fatal(err)
		}
		err := db.InTx(ctx, pool, func(tx pgx.Tx) error {
			for i := range 50 {
				if err := audit.Record(ctx, tx, audit.Event{EntityID: id, Action: "bench.write", After: map[string]any{"n": i}}); err != nil {
					return err
				}
			}
			return nil
		})
		if err != nil {
			b.Fatal(err)
		}
	}
	cp := newCheckpointer(b, pool)
	written, err := cp.Write(ctx)
	if err != nil {
		b.Fatal(err)
	}
	// A year of checkpoints: the same heads, signed at other times.
	for i := range 1999 {
		at := written
		at.CreatedAt = written.CreatedAt.Add(-time.Duration(i+1) * 4 * time.Hour)
		line, err := audit.SignCheckpoint(at, cp.Key)
		if err != nil {
			b.Fatal(err)
		}
		if err := audit.AppendCheckpoint(cp.Path, line); err != nil {
			b.Fatal(err)
		}
	}
	if st, err := os.Stat(cp.Path); err == nil {
		b.Logf("checkpoint file: 2000 lines, %.1f MB", float64(st.Size())/1e6)
	}
	b.Run("Heads", func(b *testing.B) {
		for b.Loop() {
			if heads, err := audit.Heads(ctx, pool); err != nil || len(heads) != 200 {
				b.Fatal(len(heads), err)
			}
		}
	})
	b.Run("WriteIfChanged/unchanged", func(b *testing.B) {
		for b.Loop() {
			if written, err := cp.WriteIfChanged(ctx); err != nil || written {
				b.Fatal(written, err)
			}
		}
	})
	b.Run("Verify/all", func(b *testing.B) {
		for b.Loop() {
			if res, err := audit.Verify(ctx, pool, 0, true); err != nil || res.Rows != 10000 {
				b.Fatal(res.Rows, err)
			}
		}
	})
	b.Run("VerifyAgainstFile/all", func(b *testing.B) {
		for b.Loop() {
			log, err := audit.ReadCheckpoints(cp.Path, cp.PublicKey())
			if err != nil || log.Count != 2000 {
				b.Fatal(log.Count, err)
			}
			if res, err := audit.VerifyAnchored(ctx, pool, 0, true, log.Anchors); err != nil || len(res.Cuts) != 0 {
				b.Fatal(res.Cuts, err)
			}
		}
	})
	b.Run("LastCheckpoint", func(b *testing.B) {
		for b.Loop() {
			if _, ok, err := audit.LastCheckpoint(cp.Path, cp.PublicKey()); err != nil || !ok {
				b.Fatal(ok, err)
			}
		}
	})
}
