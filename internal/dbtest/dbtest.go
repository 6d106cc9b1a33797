// Package dbtest gives every test a fresh PostgreSQL database cloned from a
// migrated template, so tests run in parallel against a real server and never
// see each other's rows. The server is TEST_DATABASE_URL (an admin connection)
// or found like the app finds one.
package dbtest

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/weerbaar/weerbaar/internal/db"
	"github.com/weerbaar/weerbaar/internal/measure/catalogue"
	"github.com/weerbaar/weerbaar/migrations"
)

var (
	setupOnce sync.Once
	adminConn string
	template  string
	setupErr  error
)

// New returns a pool on a new, migrated, empty database that is dropped when
// the test ends.
func New(t testing.TB) *pgxpool.Pool {
	t.Helper()
	pool, _ := NewWithConnString(t)
	return pool
}

// NewWithConnString is New that also returns the connection string, for tests
// that start the app as a subprocess.
func NewWithConnString(t testing.TB) (*pgxpool.Pool, string) {
	t.Helper()
	ctx := context.Background()
	setupOnce.Do(func() { setupErr = setup(ctx) })
	if setupErr != nil {
		t.Fatalf("test database: %v", setupErr)
	}
	name := "weerbaar_test_" + randomHex(6)
	if err := createFromTemplate(ctx, name); err != nil {
		t.Fatalf("create test database: %v", err)
	}
	conn := db.WithDatabase(adminConn, name)
	pool, err := db.NewPool(ctx, conn)
	if err != nil {
		t.Fatalf("open test database: %v", err)
	}
	t.Cleanup(func() {
		pool.Close()
		if err := adminExec(context.Background(), "DROP DATABASE IF EXISTS "+name+" WITH (FORCE)"); err != nil {
			t.Logf("drop test database %s: %v", name, err)
		}
	})
	return pool, conn
}

// createFromTemplate clones the template. Another checkout's test run with
// other migrations drops templates it thinks stale (dropStaleTemplates); when
// ours is gone, it is built again once instead of failing every later test.
func createFromTemplate(ctx context.Context, name string) error {
	create := func() error { return adminExec(ctx, fmt.Sprintf("CREATE DATABASE %s TEMPLATE %s", name, template)) }
	err := create()
	var pgErr *pgconn.PgError
	if !errors.As(err, &pgErr) || pgErr.Code != "3D000" { // invalid_catalog_name: no such template
		return err
	}
	rebuildMu.Lock()
	rerr := ensureTemplate(ctx)
	rebuildMu.Unlock()
	if rerr != nil {
		return fmt.Errorf("rebuild template: %w", rerr)
	}
	return create()
}

// rebuildMu keeps parallel tests of one process from rebuilding at once; the
// advisory lock in setup serialises processes.
var rebuildMu sync.Mutex

// Empty returns the connection string of a new database without any
// migrations applied (for the migration test), dropped when the test ends.
func Empty(t testing.TB) string {
	t.Helper()
	ctx := context.Background()
	setupOnce.Do(func() { setupErr = setup(ctx) })
	if setupErr != nil {
		t.Fatalf("test database: %v", setupErr)
	}
	name := "weerbaar_test_" + randomHex(6)
	if err := adminExec(ctx, "CREATE DATABASE "+name); err != nil {
		t.Fatalf("create empty database: %v", err)
	}
	t.Cleanup(func() { _ = adminExec(context.Background(), "DROP DATABASE IF EXISTS "+name+" WITH (FORCE)") })
	return db.WithDatabase(adminConn, name)
}

// AdminConnString is the connection string of the test server's superuser,
// for tests that must act on the server itself.
func AdminConnString(t testing.TB) string {
	t.Helper()
	setupOnce.Do(func() { setupErr = setup(context.Background()) })
	if setupErr != nil {
		t.Fatalf("test database: %v", setupErr)
	}
	return adminConn
}

// setup finds the server and makes sure a template database for the current
// migrations exists. Test binaries of several packages run at once, so the
// template is built under an advisory lock and published by renaming.
func setup(ctx context.Context) error {
	var err error
	if adminConn, err = findServer(ctx); err != nil {
		return err
	}
	template = "weerbaar_tmpl_" + migrationsHash()
	return ensureTemplate(ctx)
}

// ensureTemplate builds the template database unless it exists.
func ensureTemplate(ctx context.Context) error {
	conn, err := pgx.Connect(ctx, adminConn)
	if err != nil {
		return err
	}
	defer conn.Close(ctx)
	if _, err := conn.Exec(ctx, "SELECT pg_advisory_lock(7265326)"); err != nil {
		return err
	}
	defer conn.Exec(context.Background(), "SELECT pg_advisory_unlock(7265326)") //nolint:errcheck
	var exists bool
	if err := conn.QueryRow(ctx, "SELECT EXISTS (SELECT 1 FROM pg_database WHERE datname = $1)", template).Scan(&exists); err != nil {
		return err
	}
	if exists {
		return nil
	}
	building := template + "_building"
	for _, stmt := range []string{"DROP DATABASE IF EXISTS " + building + " WITH (FORCE)", "CREATE DATABASE " + building} {
		if _, err := conn.Exec(ctx, stmt); err != nil {
			return err
		}
	}
	pool, err := db.NewPool(ctx, db.WithDatabase(adminConn, building))
	if err != nil {
		return err
	}
	err = db.MigrateUp(pool)
	if err == nil {
		err = catalogue.Sync(ctx, pool)
	}
	pool.Close()
	if err != nil {
		return fmt.Errorf("migrate template: %w", err)
	}
	if _, err := conn.Exec(ctx, "ALTER DATABASE "+building+" RENAME TO "+template); err != nil {
		return err
	}
	dropStaleTemplates(ctx, conn)
	return nil
}

// dropStaleTemplates removes templates of older migration sets.
func dropStaleTemplates(ctx context.Context, conn *pgx.Conn) {
	rows, err := conn.Query(ctx, "SELECT datname FROM pg_database WHERE datname LIKE 'weerbaar_tmpl_%' AND datname <> $1", template)
	if err != nil {
		return
	}
	names, _ := pgx.CollectRows(rows, pgx.RowTo[string])
	for _, n := range names {
		_, _ = conn.Exec(ctx, "DROP DATABASE IF EXISTS "+pgx.Identifier{n}.Sanitize()+" WITH (FORCE)")
	}
}

func findServer(ctx context.Context) (string, error) {
	if url := os.Getenv("TEST_DATABASE_URL"); url != "" {
		return url, nil
	}
	if conn, ok := db.FindLocalServer(ctx); ok {
		return conn, nil
	}
	return startPrivateCluster(ctx)
}

// startPrivateCluster starts (or joins) one private cluster shared by all test
// processes of the machine; it is left running for the next test run.
func startPrivateCluster(ctx context.Context) (string, error) {
	dir := filepath.Join(os.TempDir(), "weerbaar-test-postgres")
	if err := os.MkdirAll(os.TempDir(), 0o755); err != nil {
		return "", err
	}
	lock, err := os.OpenFile(dir+".lock", os.O_CREATE|os.O_RDWR, 0o644)
	if err != nil {
		return "", err
	}
	defer lock.Close()
	if err := syscall.Flock(int(lock.Fd()), syscall.LOCK_EX); err != nil {
		return "", err
	}
	defer syscall.Flock(int(lock.Fd()), syscall.LOCK_UN) //nolint:errcheck
	cluster, err := db.NewCluster(dir)
	if err != nil {
		return "", err
	}
	if err := cluster.Start(ctx); err != nil {
		return "", err
	}
	return cluster.AdminConnString(), nil
}

func adminExec(ctx context.Context, sql string) error {
	ctx, cancel := context.WithTimeout(ctx, time.Minute)
	defer cancel()
	conn, err := pgx.Connect(ctx, adminConn)
	if err != nil {
		return err
	}
	defer conn.Close(ctx)
	_, err = conn.Exec(ctx, sql)
	return err
}

// migrationsHash names the template after the migration files' content, so a
// changed migration builds a new template instead of reusing a stale one.
func migrationsHash() string {
	h := sha256.New()
	_ = fs.WalkDir(migrations.FS, ".", func(path string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		b, _ := migrations.FS.ReadFile(path)
		h.Write([]byte(path))
		h.Write(b)
		return nil
	})
	if eds, err := catalogue.Editions(); err == nil {
		for _, e := range eds {
			h.Write([]byte(e.Version + e.SHA256))
		}
	}
	return hex.EncodeToString(h.Sum(nil))[:12]
}

func randomHex(n int) string {
	b := make([]byte, n)
	_, _ = rand.Read(b)
	return hex.EncodeToString(b)
}
