package db_test

import (
	"context"
	"testing"

	"github.com/weerbaar/weerbaar/internal/db"
	"github.com/weerbaar/weerbaar/internal/dbtest"
)

// TestMigrationsUpDownUp proves every down migration undoes its up migration
// cleanly: all ups, all downs (leaving no table behind), all ups again.
func TestMigrationsUpDownUp(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	pool, err := db.NewPool(ctx, dbtest.Empty(t))
	if err != nil {
		t.Fatal(err)
	}
	defer pool.Close()
	mg, err := db.NewMigrator(pool)
	if err != nil {
		t.Fatal(err)
	}
	defer mg.Close()

	if err := mg.Up(); err != nil {
		t.Fatalf("up: %v", err)
	}
	latest, dirty, err := mg.Version()
	if err != nil || dirty || latest == 0 {
		t.Fatalf("after up: version %d dirty %v err %v", latest, dirty, err)
	}
	tablesUp := countTables(t, pool)
	if err := mg.Down(0); err != nil {
		t.Fatalf("down: %v", err)
	}
	if v, _, _ := mg.Version(); v != 0 {
		t.Fatalf("after down: version %d", v)
	}
	if n := countTables(t, pool); n != 1 { // only golang-migrate's schema_migrations
		t.Fatalf("after down: %d tables left, want only schema_migrations", n)
	}
	if err := mg.Up(); err != nil {
		t.Fatalf("up again: %v", err)
	}
	if v, _, _ := mg.Version(); v != latest {
		t.Fatalf("up again: version %d, want %d", v, latest)
	}
	if n := countTables(t, pool); n != tablesUp {
		t.Fatalf("up again: %d tables, want %d", n, tablesUp)
	}
}

func countTables(t *testing.T, q db.Querier) int {
	t.Helper()
	var n int
	if err := q.QueryRow(context.Background(),
		`SELECT count(*) FROM information_schema.tables WHERE table_schema = 'public'`).Scan(&n); err != nil {
		t.Fatal(err)
	}
	return n
}
