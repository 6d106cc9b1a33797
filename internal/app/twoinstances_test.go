package app_test

import (
	"bytes"
	"context"
	"crypto/ed25519"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/weerbaar/weerbaar/internal/app"
	"github.com/weerbaar/weerbaar/internal/apptest"
	"github.com/weerbaar/weerbaar/internal/audit"
	"github.com/weerbaar/weerbaar/internal/authz"
	"github.com/weerbaar/weerbaar/internal/config"
	"github.com/weerbaar/weerbaar/internal/db"
	"github.com/weerbaar/weerbaar/internal/dbtest"
	"github.com/weerbaar/weerbaar/internal/demo"
	"github.com/weerbaar/weerbaar/internal/mail/mailtest"
	"github.com/weerbaar/weerbaar/internal/report"
	"github.com/weerbaar/weerbaar/internal/secretkey"
)

// instance is a `weerbaar serve` (app.Serve) running in the test.
type instance struct {
	URL     string
	DataDir string
	stop    context.CancelFunc
	done    chan error
}

// Stop shuts the instance down the way SIGTERM does and waits for it.
func (i *instance) Stop(t *testing.T) {
	t.Helper()
	i.stop()
	if err := <-i.done; err != nil {
		t.Errorf("serve: %v", err)
	}
}

// freeAddr is a loopback address nothing listens on (the instance's base
// URL must be known before it starts).
func freeAddr(t *testing.T) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	ln.Close()
	return addr
}

// serve starts app.Serve on the database at connString with its own data
// directory and the test secret key, and returns once /readyz answers 200:
// by then its start-up (migrations, package build recovery) is done.
func serve(t *testing.T, connString string, env map[string]string) *instance {
	t.Helper()
	addr := freeAddr(t)
	vars := map[string]string{"DATABASE_URL": connString, "WEERBAAR_SECRET_KEY": apptest.TestKey, "WEERBAAR_ADDR": addr,
		"WEERBAAR_BASE_URL": "http://" + addr, "WEERBAAR_DATA_DIR": t.TempDir()}
	for k, v := range env {
		vars[k] = v
	}
	cfg, err := config.Load(func(k string) string { return vars[k] })
	if err != nil {
		t.Fatal(err)
	}
	ctx, stop := context.WithCancel(context.Background())
	inst := &instance{URL: "http://" + addr, DataDir: cfg.DataDir, stop: stop, done: make(chan error, 1)}
	go func() { inst.done <- app.Serve(ctx, cfg, app.ServeOptions{}, app.NewLogger(io.Discard, 0), io.Discard) }()
	for {
		resp, err := http.Get(inst.URL + "/readyz")
		if err == nil {
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				return inst
			}
		}
		select {
		case err := <-inst.done:
			t.Fatalf("serve ended at start: %v", err)
		case <-time.After(50 * time.Millisecond):
		}
	}
}

// get fetches url with c's cookies (the jar is keyed by host, not port, so
// a cookie set by one instance on 127.0.0.1 goes to the other as a load
// balancer would pass it on).
func get(t *testing.T, c *apptest.Client, url string) (int, string, http.Header) {
	t.Helper()
	resp, err := c.HTTP.Get(url)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	return resp.StatusCode, string(b), resp.Header
}

// TestTwoInstancesBehaveAsOne runs two app instances on one database, each
// with its own pool, memory and data directory and the same secret key:
// instance A is the test router (apptest), instance B a real `weerbaar
// serve` started while A builds an evidence package. B's start-up leaves
// A's build alone (it holds its build lock); a session signed in on A is
// valid on B, and signing out on B ends it on A; the package A built
// downloads from B; the reminder schedulers of both send each reminder
// once; each instance writes a valid checkpoint file of its own.
func TestTwoInstancesBehaveAsOne(t *testing.T) {
	poolA, connString := dbtest.NewWithConnString(t)
	smtp := mailtest.Start(t)
	smtpEnv := map[string]string{"WEERBAAR_SMTP_ADDR": smtp.Addr, "WEERBAAR_SMTP_FROM": "weerbaar@demo.nl"}
	a := apptest.StartWithPool(t, poolA, apptest.Options{PlainHTTP: true})
	entityID := a.SeedDemo(t)
	ctx := context.Background()
	recipients := overdueReport(t, poolA, entityID)

	// A's build is held inside its transaction: the build reads the scope
	// assessments, which the test locks until B has started. The test
	// watches on a connection of its own, outside A's small pool.
	obs, err := pgx.Connect(ctx, connString)
	if err != nil {
		t.Fatal(err)
	}
	defer obs.Close(ctx)
	block, err := obs.Begin(ctx)
	if err != nil {
		t.Fatal(err)
	}
	defer block.Rollback(ctx) //nolint:errcheck
	if _, err := block.Exec(ctx, `LOCK TABLE scope_assessments IN ACCESS EXCLUSIVE MODE`); err != nil {
		t.Fatal(err)
	}
	c := a.LoginDemo(t, authz.Auditor)
	exportsPath := fmt.Sprintf("/e/%d/exports", entityID)
	now := time.Now().UTC()
	resp := c.PostForm(t, exportsPath, url.Values{"from": {now.AddDate(-1, 0, 0).Format(time.DateOnly)},
		"to": {now.Format(time.DateOnly)}, "lang": {"nl"}})
	if resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("start package on A: %d", resp.StatusCode)
	}
	var pkgID int64
	if err := obs.QueryRow(ctx, `SELECT id FROM report_packages WHERE entity_id = $1`, entityID).Scan(&pkgID); err != nil {
		t.Fatal(err)
	}
	// "building" is written after the build took its lock.
	waitState(t, obs, pkgID, report.StateBuilding)

	// Both schedulers run at once from here on.
	cfgA := a.Config
	cfgA.SMTPAddr, cfgA.SMTPFrom = smtp.Addr, "weerbaar@demo.nl"
	remindersCtx, stopReminders := context.WithCancel(ctx)
	remindersA := app.StartReminders(remindersCtx, cfgA, poolA, app.NewLogger(io.Discard, 0), time.Now)
	b := serve(t, connString, smtpEnv)

	if p, err := report.Get(ctx, obs, entityID, pkgID); err != nil || p.State != report.StateBuilding {
		t.Fatalf("after B started, A's build is %q (%v), want still building", p.State, err)
	}
	if err := block.Rollback(ctx); err != nil {
		t.Fatal(err)
	}
	a.Server.WaitBackground()
	if p, err := report.Get(ctx, poolA, entityID, pkgID); err != nil || p.State != report.StateDone {
		t.Fatalf("A's build ended %q %q (%v)", p.State, p.Error, err)
	}

	// The session signed in on A is valid on B; the package A built
	// downloads from B.
	if status, _, h := get(t, a.Client(), b.URL+exportsPath); status != http.StatusSeeOther || !strings.HasPrefix(h.Get("Location"), "/login?") {
		t.Fatalf("B without a session: %d %q, want a redirect to /login", status, h.Get("Location"))
	}
	status, body, _ := get(t, c, b.URL+exportsPath)
	if status != http.StatusOK || !strings.Contains(body, fmt.Sprintf("/exports/%d/download", pkgID)) {
		t.Fatalf("B with A's session: %d, download link of package %d missing", status, pkgID)
	}
	status, zip, h := get(t, c, fmt.Sprintf("%s%s/%d/download", b.URL, exportsPath, pkgID))
	if status != http.StatusOK || h.Get("Content-Type") != "application/zip" {
		t.Fatalf("download on B: %d %s", status, h.Get("Content-Type"))
	}
	signing, err := secretkey.SigningKey(a.Config.SecretKey)
	if err != nil {
		t.Fatal(err)
	}
	if res, err := report.Verify(bytes.NewReader([]byte(zip)), int64(len(zip)), signing.Public().(ed25519.PublicKey)); err != nil {
		t.Fatalf("package downloaded from B: %v", err)
	} else if !res.OK {
		t.Fatalf("package downloaded from B does not verify: %+v", res)
	}

	// Signing out on B ends the session on A.
	req, _ := http.NewRequest(http.MethodPost, b.URL+"/logout", nil)
	req.Header.Set("Origin", b.URL)
	req.Header.Set("Sec-Fetch-Site", "same-origin")
	out := c.Do(t, req)
	if out.StatusCode != http.StatusSeeOther || out.Header.Get("Location") != "/login" {
		t.Fatalf("sign out on B: %d %q", out.StatusCode, out.Header.Get("Location"))
	}
	if page := c.Get(t, exportsPath); page.StatusCode != http.StatusSeeOther || !strings.HasPrefix(page.Header.Get("Location"), "/login?") {
		t.Fatalf("A after sign-out on B: %d %q, want a redirect to /login", page.StatusCode, page.Header.Get("Location"))
	}

	// Each reminder once: wait for them, stop both schedulers (B's with
	// B), then count.
	smtp.Wait(t, recipients, time.Minute)
	stopReminders()
	<-remindersA
	b.Stop(t)
	msgs := smtp.Messages()
	seen := map[string]bool{}
	for _, m := range msgs {
		key := strings.Join(m.To, ",") + "|" + m.Subject()
		if seen[key] {
			t.Errorf("reminder sent twice: %s", key)
		}
		seen[key] = true
	}
	if len(msgs) != recipients {
		t.Errorf("%d reminders sent by two instances, want %d (one per recipient)", len(msgs), recipients)
	}

	// Each instance's own checkpoint file is valid and anchors the chain.
	for name, path := range map[string]string{"A": a.Server.Checkpoints.Path, "B": filepath.Join(b.DataDir, audit.CheckpointFile)} {
		log, err := audit.ReadCheckpoints(path, a.Server.Checkpoints.PublicKey())
		if err != nil || log.Count == 0 || len(log.Bad) > 0 {
			t.Errorf("checkpoint file of %s: %d valid, bad %+v (%v)", name, log.Count, log.Bad, err)
			continue
		}
		res, err := audit.VerifyAnchored(ctx, poolA, 0, true, log.Anchors)
		if err != nil || res.Broken != nil || len(res.Cuts) > 0 {
			t.Errorf("chain against %s's checkpoints: %+v (%v)", name, res, err)
		}
	}
}

// overdueReport adds an incident of the entity whose early warning is
// overdue and returns how many reminders it calls for: one per accepted,
// enabled admin and security officer.
func overdueReport(t *testing.T, pool *pgxpool.Pool, entityID int64) int {
	t.Helper()
	ctx := context.Background()
	if _, err := pool.Exec(ctx, `WITH i AS (INSERT INTO incidents (entity_id, title, detected_at, aware_at, category, significance)
			VALUES ($1, 'Storing', now() - interval '30 hours', now() - interval '30 hours', 'outage', 'significant')
			RETURNING id, entity_id)
		INSERT INTO incident_reports (entity_id, incident_id, stage, due_at)
		SELECT entity_id, id, 'early_warning', now() - interval '6 hours' FROM i`, entityID); err != nil {
		t.Fatal(err)
	}
	var n int
	if err := pool.QueryRow(ctx, `SELECT count(*) FROM memberships m JOIN users u ON u.id = m.user_id
		WHERE m.entity_id = $1 AND m.accepted_at IS NOT NULL AND u.disabled_at IS NULL
			AND m.role IN ('admin', 'security_officer')`, entityID).Scan(&n); err != nil {
		t.Fatal(err)
	}
	if n == 0 {
		t.Fatal("the demo entity has no one to remind")
	}
	return n
}

// waitState waits until package id is in state.
func waitState(t *testing.T, conn *pgx.Conn, id int64, state string) {
	t.Helper()
	deadline := time.Now().Add(time.Minute)
	for {
		var got string
		err := conn.QueryRow(context.Background(), `SELECT state FROM report_packages WHERE id = $1`, id).Scan(&got)
		if err != nil {
			t.Fatal(err)
		}
		if got == state {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("package %d is %q, not %q after a minute", id, got, state)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// TestAccountLimitHoldsAcrossInstances: the per-account password limit
// (5 failures in 15 minutes) counts the failures of every instance: 3 on
// A and 2 on B, each under the in-memory limit of its instance, and the
// right password is refused on both; another account is not affected.
func TestAccountLimitHoldsAcrossInstances(t *testing.T) {
	poolA, connString := dbtest.NewWithConnString(t)
	poolB, err := db.NewPool(context.Background(), connString)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(poolB.Close)
	a := apptest.StartWithPool(t, poolA, apptest.Options{})
	b := apptest.StartWithPool(t, poolB, apptest.Options{})
	a.SeedDemo(t)
	officer, other := demo.Accounts[1], demo.Accounts[2]
	for i, inst := range []*apptest.App{a, a, a, b, b} {
		r := inst.Client().PostForm(t, "/login", url.Values{"email": {officer.Email}, "password": {fmt.Sprintf("guess %d", i)}})
		if r.StatusCode != http.StatusUnauthorized {
			t.Fatalf("guess %d: status %d, want 401", i+1, r.StatusCode)
		}
	}
	for name, inst := range map[string]*apptest.App{"A": a, "B": b} {
		r := inst.Client().PostForm(t, "/login", url.Values{"email": {officer.Email}, "password": {demo.Password}})
		if r.StatusCode != http.StatusTooManyRequests || r.Header.Get("Retry-After") == "" {
			t.Errorf("right password on %s after 5 failures on two instances: status %d, want 429 with Retry-After", name, r.StatusCode)
		}
	}
	other1 := a.Login(t, other.Email, demo.Password)
	if r := other1.Get(t, "/"); r.StatusCode >= 400 {
		t.Errorf("another account after the lock-out: %d", r.StatusCode)
	}
}
