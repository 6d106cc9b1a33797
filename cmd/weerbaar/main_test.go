package main

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"math"
	"net"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"os"
	"os/exec"
	"runtime/debug"
	"slices"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/weerbaar/weerbaar/internal/dbtest"
	"github.com/weerbaar/weerbaar/internal/demo"
)

// TestMain lets the test binary act as the weerbaar program in a subprocess.
func TestMain(m *testing.M) {
	if os.Getenv("WEERBAAR_TEST_AS_MAIN") == "1" {
		main()
		os.Exit(0)
	}
	os.Exit(m.Run())
}

// TestGracefulShutdown sends SIGTERM while a request is held inside its
// handler (the test locks the table the page reads); the request must still
// complete with 200 and the process exit 0.
func TestGracefulShutdown(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	pool, conn := dbtest.NewWithConnString(t)
	if _, err := demo.Seed(ctx, pool); err != nil {
		t.Fatal(err)
	}
	addr := freeAddr(t)
	var stderr bytes.Buffer
	cmd := exec.Command(os.Args[0], "serve")
	dataDir := t.TempDir()
	cmd.Env = append(os.Environ(), "WEERBAAR_TEST_AS_MAIN=1", "DATABASE_URL="+conn, "WEERBAAR_ADDR="+addr, "WEERBAAR_SECRET_KEY="+testKey,
		"WEERBAAR_DATA_DIR="+dataDir)
	cmd.Stdout, cmd.Stderr = io.Discard, &stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	exited := make(chan error, 1)
	go func() { exited <- cmd.Wait() }()
	t.Cleanup(func() { _ = cmd.Process.Kill() })
	waitReady(t, "http://"+addr+"/readyz", exited, &stderr)
	healthEnv := envOf(map[string]string{"WEERBAAR_ADDR": addr})
	if err := run(ctx, []string{"healthcheck"}, healthEnv, io.Discard, io.Discard); err != nil {
		t.Errorf("healthcheck against a ready server: %v", err)
	}

	// Sign in first; the held request is then a signed-in dashboard view.
	jar, _ := cookiejar.New(nil)
	client := &http.Client{Jar: jar}
	resp, err := client.PostForm("http://"+addr+"/login", url.Values{"email": {demo.Accounts[1].Email}, "password": {demo.Password}})
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	var entityID int64
	if err := pool.QueryRow(ctx, "SELECT id FROM entities WHERE slug = $1", demo.EntitySlug).Scan(&entityID); err != nil {
		t.Fatal(err)
	}

	tx, err := pool.Begin(ctx)
	if err != nil {
		t.Fatal(err)
	}
	defer tx.Rollback(ctx) //nolint:errcheck
	if _, err := tx.Exec(ctx, "LOCK TABLE entities IN ACCESS EXCLUSIVE MODE"); err != nil {
		t.Fatal(err)
	}
	type result struct {
		status int
		body   string
		err    error
	}
	done := make(chan result, 1)
	go func() {
		resp, err := client.Get(fmt.Sprintf("http://%s/e/%d/", addr, entityID))
		if err != nil {
			done <- result{err: err}
			return
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		done <- result{status: resp.StatusCode, body: string(b)}
	}()
	waitForLockWaiter(t, pool)

	if err := cmd.Process.Signal(syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	select {
	case err := <-exited:
		t.Fatalf("process exited before the in-flight request finished: %v\n%s", err, stderr.String())
	case <-time.After(500 * time.Millisecond):
	}
	if err := tx.Rollback(ctx); err != nil { // release the request
		t.Fatal(err)
	}
	res := <-done
	if res.err != nil || res.status != http.StatusOK || !strings.Contains(res.body, "Drinkwaterbedrijf Demo") {
		t.Fatalf("in-flight request: status %d err %v", res.status, res.err)
	}
	select {
	case err := <-exited:
		if err != nil {
			t.Fatalf("exit: %v\n%s", err, stderr.String())
		}
	case <-time.After(20 * time.Second):
		t.Fatalf("process did not exit after SIGTERM\n%s", stderr.String())
	}
	// The server checkpointed the audit chains at start.
	var out bytes.Buffer
	if err := run(ctx, []string{"audit", "verify"}, envOf(map[string]string{"DATABASE_URL": conn, "WEERBAAR_DATA_DIR": dataDir}), &out, io.Discard); err != nil ||
		!strings.Contains(out.String(), "checkpoints match: 1 in") {
		t.Errorf("no start-up checkpoint: %v %q", err, out.String())
	}
	if !strings.Contains(stderr.String(), `"msg":"stopped"`) {
		t.Errorf("no orderly stop in the log:\n%s", stderr.String())
	}
}

func TestInvalidConfigStopsTheStart(t *testing.T) {
	t.Parallel()
	var out bytes.Buffer
	err := run(context.Background(), []string{"serve"}, func(k string) string {
		return map[string]string{"WEERBAAR_AUTO_MIGRATE": "maybe"}[k]
	}, &out, &out)
	if err == nil || !strings.Contains(err.Error(), "WEERBAAR_AUTO_MIGRATE") {
		t.Fatalf("err = %v", err)
	}
}

// TestServePprofFlagIsCheckedLikeTheVariable: `serve --pprof` on an address
// reachable from the network stops the start, naming the setting; the flag
// wins over WEERBAAR_PPROF_ADDR.
func TestServePprofFlagIsCheckedLikeTheVariable(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		args []string
		env  map[string]string
	}{
		{[]string{"serve", "--pprof", "0.0.0.0:6060"}, nil},
		{[]string{"serve", "--pprof=:6060"}, map[string]string{"WEERBAAR_PPROF_ADDR": "127.0.0.1:6060"}},
		{[]string{"serve"}, map[string]string{"WEERBAAR_PPROF_ADDR": "10.1.2.3:6060"}},
	} {
		env := map[string]string{"WEERBAAR_SECRET_KEY": testKey}
		for k, v := range tc.env {
			env[k] = v
		}
		err := run(context.Background(), tc.args, envOf(env), io.Discard, io.Discard)
		if err == nil || !strings.Contains(err.Error(), "WEERBAAR_PPROF_ADDR") || !strings.Contains(err.Error(), "loopback") {
			t.Errorf("%v %v: err = %v", tc.args, tc.env, err)
		}
	}
}

func TestMigrateCommand(t *testing.T) {
	t.Parallel()
	_, conn := dbtest.NewWithConnString(t)
	getenv := envOf(map[string]string{"DATABASE_URL": conn})
	var out bytes.Buffer
	if err := run(context.Background(), []string{"migrate", "version"}, getenv, &out, io.Discard); err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(out.String(), "schema version ") || strings.Contains(out.String(), "version 0") {
		t.Fatalf("version output %q", out.String())
	}
	for _, args := range [][]string{{"migrate"}, {"migrate", "down"}, {"migrate", "down", "x"}, {"migrate", "sideways"}, {"frobnicate"}} {
		err := run(context.Background(), args, getenv, io.Discard, io.Discard)
		if exitCode(err) != 2 {
			t.Errorf("%v: err %v, exit code %d, want 2", args, err, exitCode(err))
		}
	}
}

func TestSeedDemoIsIdempotent(t *testing.T) {
	t.Parallel()
	pool, conn := dbtest.NewWithConnString(t)
	getenv := envOf(map[string]string{"DATABASE_URL": conn})
	for i, want := range []string{"demo data created\n", "demo data already present\n"} {
		var out bytes.Buffer
		if err := run(context.Background(), []string{"seed-demo"}, getenv, &out, io.Discard); err != nil {
			t.Fatal(err)
		}
		if out.String() != want {
			t.Errorf("run %d: %q, want %q", i, out.String(), want)
		}
	}
	var n int
	if err := pool.QueryRow(context.Background(), "SELECT count(*) FROM entities").Scan(&n); err != nil || n != 1 {
		t.Fatalf("entities after two seeds: %d %v", n, err)
	}
}

const testKey = "MDEyMzQ1Njc4OWFiY2RlZjAxMjM0NTY3ODlhYmNkZWY="

// envOf is a getenv over m plus a valid secret key.
func envOf(m map[string]string) func(string) string {
	return func(k string) string {
		if k == "WEERBAAR_SECRET_KEY" {
			return testKey
		}
		return m[k]
	}
}

func freeAddr(t *testing.T) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	return ln.Addr().String()
}

func waitReady(t *testing.T, url string, exited chan error, stderr fmt.Stringer) {
	t.Helper()
	deadline := time.Now().Add(30 * time.Second)
	for time.Now().Before(deadline) {
		select {
		case err := <-exited:
			t.Fatalf("server exited early: %v\n%s", err, stderr.String())
		default:
		}
		if resp, err := http.Get(url); err == nil {
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				return
			}
		}
		time.Sleep(50 * time.Millisecond)
	}
	t.Fatalf("server not ready\n%s", stderr.String())
}

// waitForLockWaiter returns once a backend of the test database waits for
// a lock, i.e. the request is inside its handler.
func waitForLockWaiter(t *testing.T, pool *pgxpool.Pool) {
	t.Helper()
	deadline := time.Now().Add(15 * time.Second)
	for time.Now().Before(deadline) {
		var waiting int
		err := pool.QueryRow(context.Background(), `SELECT count(*) FROM pg_stat_activity
			WHERE datname = current_database() AND wait_event_type = 'Lock'`).Scan(&waiting)
		if err != nil {
			t.Fatal(err)
		}
		if waiting > 0 {
			return
		}
		time.Sleep(20 * time.Millisecond)
	}
	t.Fatal("the request never reached the database")
}

// TestTuneGCLeavesTheOperatorsSettings: serve raises GOGC and sets a memory
// limit only where the environment sets neither.
func TestTuneGCLeavesTheOperatorsSettings(t *testing.T) {
	defer debug.SetGCPercent(debug.SetGCPercent(100))
	defer debug.SetMemoryLimit(debug.SetMemoryLimit(math.MaxInt64))
	env := func(set ...string) func(string) (string, bool) {
		return func(k string) (string, bool) { return "x", slices.Contains(set, k) }
	}
	if p, l := tuneGC(env()); p != serveGCPercent || l != serveMemoryLimit {
		t.Errorf("nothing set: got GOGC %d, limit %d; want %d, %d", p, l, serveGCPercent, serveMemoryLimit)
	}
	if got := debug.SetGCPercent(100); got != serveGCPercent {
		t.Errorf("the runtime's GC percent is %d, want %d", got, serveGCPercent)
	}
	if p, l := tuneGC(env("GOGC", "GOMEMLIMIT")); p != -1 || l != -1 {
		t.Errorf("both set: tuneGC changed GOGC to %d and the limit to %d; want neither", p, l)
	}
	if got := debug.SetGCPercent(100); got != 100 {
		t.Errorf("with GOGC set the runtime's GC percent became %d", got)
	}
}
