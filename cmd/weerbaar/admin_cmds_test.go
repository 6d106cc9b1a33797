package main

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/weerbaar/weerbaar/internal/auth"
	"github.com/weerbaar/weerbaar/internal/dbtest"
	"github.com/weerbaar/weerbaar/internal/demo"
)

func TestUserCreatePrintsAWorkingLink(t *testing.T) {
	t.Parallel()
	pool, conn := dbtest.NewWithConnString(t)
	getenv := envOf(map[string]string{"DATABASE_URL": conn, "WEERBAAR_BASE_URL": "https://nis2.example.nl"})
	var out bytes.Buffer
	err := run(context.Background(), []string{"user", "create", "--email", "CISO@Example.nl", "--name", "Chris Ciso", "--instance-admin"}, getenv, &out, io.Discard)
	if err != nil {
		t.Fatal(err)
	}
	i := strings.Index(out.String(), "https://nis2.example.nl/set-password/")
	if i < 0 {
		t.Fatalf("no link in %q", out.String())
	}
	token := strings.TrimSpace(out.String()[i+len("https://nis2.example.nl/set-password/"):])
	svc := &auth.Service{Pool: pool, Now: timeNow}
	u, err := svc.TokenUser(context.Background(), token)
	if err != nil || u.Email != "ciso@example.nl" || !u.InstanceAdmin || u.PasswordHash != "" {
		t.Fatalf("token user %+v, %v", u, err)
	}
	// The same address twice is a usage error (exit 2), not a crash.
	err = run(context.Background(), []string{"user", "create", "--email", "ciso@example.nl", "--name", "Again"}, getenv, io.Discard, io.Discard)
	if exitCode(err) != 2 {
		t.Fatalf("duplicate: %v (exit %d)", err, exitCode(err))
	}
	for _, args := range [][]string{{"user"}, {"user", "create"}, {"user", "create", "--email", "not-an-address", "--name", "X"}} {
		if err := run(context.Background(), args, getenv, io.Discard, io.Discard); exitCode(err) != 2 {
			t.Errorf("%v: %v, want exit 2", args, err)
		}
	}
}

func TestAuditVerifyCommand(t *testing.T) {
	t.Parallel()
	pool, conn := dbtest.NewWithConnString(t)
	if _, err := demo.Seed(context.Background(), pool); err != nil {
		t.Fatal(err)
	}
	getenv := envOf(map[string]string{"DATABASE_URL": conn})
	var out bytes.Buffer
	if err := run(context.Background(), []string{"audit", "verify"}, getenv, &out, io.Discard); err != nil {
		t.Fatalf("clean chain: %v %s", err, out.String())
	}
	if !strings.Contains(out.String(), "keten intact") {
		t.Fatalf("output %q", out.String())
	}
	ctx := context.Background()
	for _, q := range []string{
		`ALTER TABLE audit_log DISABLE TRIGGER USER`,
		`UPDATE audit_log SET changes = '{"after": {"role": "admin"}}' WHERE seq = 3 AND entity_id IS NOT NULL`,
		`ALTER TABLE audit_log ENABLE TRIGGER USER`,
	} {
		if _, err := pool.Exec(ctx, q); err != nil {
			t.Fatal(err)
		}
	}
	out.Reset()
	err := run(context.Background(), []string{"audit", "verify"}, getenv, &out, io.Discard)
	if !errors.Is(err, errChainBroken) || exitCode(err) != 1 || !strings.Contains(out.String(), "seq 3") {
		t.Fatalf("tampered chain: err %v, output %q", err, out.String())
	}
	out.Reset()
	if err := run(context.Background(), []string{"audit", "verify", "--entity", "0"}, getenv, &out, io.Discard); err != nil {
		t.Fatalf("the instance chain alone is intact: %v %s", err, out.String())
	}
}

// TestAuditVerifyCommandReportsCutTail: after `audit checkpoint`, rows
// deleted from the end of the entity's chain by a superuser make `audit
// verify` exit 1 naming the entity and the missing sequence; an edited
// checkpoint line is reported too.
func TestAuditVerifyCommandReportsCutTail(t *testing.T) {
	t.Parallel()
	pool, conn := dbtest.NewWithConnString(t)
	ctx := context.Background()
	if _, err := demo.Seed(ctx, pool); err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	getenv := envOf(map[string]string{"DATABASE_URL": conn, "WEERBAAR_DATA_DIR": dir})
	var out bytes.Buffer
	if err := run(ctx, []string{"audit", "verify"}, getenv, &out, io.Discard); err != nil || !strings.Contains(out.String(), "no checkpoints") {
		t.Fatalf("before any checkpoint: %v %q", err, out.String())
	}
	out.Reset()
	if err := run(ctx, []string{"audit", "checkpoint"}, getenv, &out, io.Discard); err != nil || !strings.Contains(out.String(), "checkpoint written") {
		t.Fatalf("audit checkpoint: %v %q", err, out.String())
	}
	var entityID, head int64
	if err := pool.QueryRow(ctx, `SELECT entity_id, max(seq) FROM audit_log WHERE entity_id IS NOT NULL
		GROUP BY entity_id ORDER BY entity_id LIMIT 1`).Scan(&entityID, &head); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(out.String(), fmt.Sprintf("entity %d: seq %d ", entityID, head)) {
		t.Fatalf("checkpoint output %q lacks entity %d at seq %d", out.String(), entityID, head)
	}
	for _, q := range []string{
		`ALTER TABLE audit_log DISABLE TRIGGER ALL`,
		fmt.Sprintf(`DELETE FROM audit_log WHERE entity_id = %d AND seq > %d`, entityID, head-5),
		`ALTER TABLE audit_log ENABLE TRIGGER ALL`,
	} {
		if _, err := pool.Exec(ctx, q); err != nil {
			t.Fatal(err)
		}
	}
	out.Reset()
	err := run(ctx, []string{"audit", "verify"}, getenv, &out, io.Discard)
	want := fmt.Sprintf("keten ingekort / chain cut: entity %d: rijen na volgnummer %d ontbreken / rows after sequence %d missing (the chain ends at %d",
		entityID, head-5, head-5, head-5)
	if !errors.Is(err, errChainBroken) || exitCode(err) != 1 || !strings.Contains(out.String(), want) ||
		strings.Contains(out.String(), "keten intact") {
		t.Fatalf("cut tail: err %v, output %q, want %q", err, out.String(), want)
	}

	// An edited checkpoint line is reported as such.
	file := filepath.Join(dir, "audit-checkpoints.jsonl")
	b, err := os.ReadFile(file)
	if err != nil {
		t.Fatal(err)
	}
	edited := bytes.Replace(b, []byte(fmt.Sprintf(`"seq":%d,`, head)), []byte(fmt.Sprintf(`"seq":%d,`, head-5)), 1)
	if err := os.WriteFile(file, edited, 0o600); err != nil {
		t.Fatal(err)
	}
	out.Reset()
	err = run(ctx, []string{"audit", "verify"}, getenv, &out, io.Discard)
	if exitCode(err) != 1 || !strings.Contains(out.String(), "checkpoint invalid: "+file+" line 1: signature does not verify") {
		t.Fatalf("edited checkpoint: err %v, output %q", err, out.String())
	}
}

var timeNow = time.Now
