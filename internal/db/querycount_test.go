package db_test

import (
	"context"
	"testing"

	"github.com/jackc/pgx/v5"

	"github.com/weerbaar/weerbaar/internal/db"
	"github.com/weerbaar/weerbaar/internal/dbtest"
)

// TestQueryCounter checks that the pool counts every statement run under a
// counting context — queries, statements in a transaction, each statement of
// a batch — and nothing for contexts that do not count.
func TestQueryCounter(t *testing.T) {
	t.Parallel()
	pool := dbtest.New(t)
	ctx := db.WithQueryCounter(context.Background())
	if db.WithQueryCounter(ctx) != ctx {
		t.Fatal("a counting context got a second counter")
	}
	var n int
	if err := pool.QueryRow(ctx, `SELECT 1`).Scan(&n); err != nil {
		t.Fatal(err)
	}
	if _, err := pool.Exec(context.Background(), `SELECT 1`); err != nil { // not counted
		t.Fatal(err)
	}
	err := db.InTx(ctx, pool, func(tx pgx.Tx) error { // BEGIN, SELECT, COMMIT
		_, err := tx.Exec(ctx, `SELECT 2`)
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	b := &pgx.Batch{}
	b.Queue(`SELECT 3`)
	b.Queue(`SELECT 4`)
	if err := pool.SendBatch(ctx, b).Close(); err != nil {
		t.Fatal(err)
	}
	if got := db.QueryCount(ctx); got != 6 {
		t.Errorf("counted %d queries, want 6", got)
	}
	if got := db.QueryCount(context.Background()); got != 0 {
		t.Errorf("a context without a counter reports %d", got)
	}
}
