package db_test

import (
	"context"
	"os"
	"path/filepath"
	"testing"

	"github.com/weerbaar/weerbaar/internal/db"
)

// TestPrivateCluster starts a private cluster from the installed server
// binaries (as the postgres user when running as root), keeps its data across
// a stop and start, and listens on its own socket only.
func TestPrivateCluster(t *testing.T) {
	if testing.Short() {
		t.Skip("starts a PostgreSQL cluster")
	}
	t.Parallel()
	ctx := context.Background()
	parent := t.TempDir()
	for _, d := range []string{filepath.Dir(parent), parent} { // the postgres user must reach it
		if err := os.Chmod(d, 0o755); err != nil {
			t.Fatal(err)
		}
	}
	dir := filepath.Join(parent, "var", "postgres")
	c, err := db.NewCluster(dir)
	if err != nil {
		t.Fatalf("server binaries: %v", err)
	}
	if err := c.Start(ctx); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = c.Stop() })
	conn, err := db.EnsureDatabase(ctx, c.AdminConnString(), "weerbaar")
	if err != nil {
		t.Fatal(err)
	}
	pool, err := db.NewPool(ctx, conn)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := pool.Exec(ctx, "CREATE TABLE kept (v text); INSERT INTO kept VALUES ('still here')"); err != nil {
		t.Fatal(err)
	}
	var listen string
	if err := pool.QueryRow(ctx, "SHOW listen_addresses").Scan(&listen); err != nil || listen != "" {
		t.Errorf("listen_addresses = %q (%v), want none (socket only)", listen, err)
	}
	pool.Close()
	if err := c.Stop(); err != nil {
		t.Fatalf("stop: %v", err)
	}
	if _, err := os.Stat(filepath.Join(c.SocketDir(), ".s.PGSQL.5432")); !os.IsNotExist(err) {
		t.Fatalf("socket still there after stop: %v", err)
	}

	again, err := db.NewCluster(dir)
	if err != nil {
		t.Fatal(err)
	}
	if err := again.Start(ctx); err != nil {
		t.Fatalf("restart: %v", err)
	}
	t.Cleanup(func() { _ = again.Stop() })
	pool, err = db.NewPool(ctx, db.WithDatabase(again.AdminConnString(), "weerbaar"))
	if err != nil {
		t.Fatal(err)
	}
	defer pool.Close()
	var v string
	if err := pool.QueryRow(ctx, "SELECT v FROM kept").Scan(&v); err != nil || v != "still here" {
		t.Fatalf("data not kept between runs: %q %v", v, err)
	}
}

func TestDiscoverPrefersDatabaseURL(t *testing.T) {
	t.Parallel()
	src, err := db.Discover(context.Background(), "postgres://u@example.invalid/x", t.TempDir(), "weerbaar")
	if err != nil || src.Kind != "env" || src.ConnString != "postgres://u@example.invalid/x" {
		t.Fatalf("got %+v, %v", src, err)
	}
}

func TestWithDatabase(t *testing.T) {
	t.Parallel()
	for in, want := range map[string]string{
		"postgres://postgres@127.0.0.1:5432/postgres?sslmode=disable": "postgres://postgres@127.0.0.1:5432/other?sslmode=disable",
		"host=/tmp user=postgres dbname=postgres":                     "host=/tmp user=postgres dbname=postgres dbname='other'",
	} {
		if got := db.WithDatabase(in, "other"); got != want {
			t.Errorf("WithDatabase(%q) = %q, want %q", in, got, want)
		}
	}
}
