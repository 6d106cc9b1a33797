package main

import (
	"archive/zip"
	"bytes"
	"context"
	"encoding/base64"
	"errors"
	"io"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/weerbaar/weerbaar/internal/dbtest"
	"github.com/weerbaar/weerbaar/internal/demo"
)

func TestExportAndVerifyPackage(t *testing.T) {
	t.Parallel()
	pool, conn := dbtest.NewWithConnString(t)
	ctx := context.Background()
	if _, err := demo.Seed(ctx, pool); err != nil {
		t.Fatal(err)
	}
	var id int64
	if err := pool.QueryRow(ctx, `SELECT id FROM entities WHERE slug = $1`, demo.EntitySlug).Scan(&id); err != nil {
		t.Fatal(err)
	}
	secret := base64.StdEncoding.EncodeToString(bytes.Repeat([]byte{3}, 32))
	dir := t.TempDir()
	getenv := envOf(map[string]string{"DATABASE_URL": conn, "WEERBAAR_SECRET_KEY": secret, "WEERBAAR_DATA_DIR": dir})
	out := filepath.Join(dir, "pakket.zip")

	var stdout bytes.Buffer
	if err := run(ctx, []string{"export", "--entity", strconv.FormatInt(id, 10), "--lang", "nl", "--from", "2025-01-01", "--to", "2026-12-31", "--out", out},
		getenv, &stdout, io.Discard); err != nil {
		t.Fatalf("export: %v", err)
	}
	if !strings.Contains(stdout.String(), "audit chain head seq") || !strings.Contains(stdout.String(), "audit checkpoint written") {
		t.Errorf("export output %q", stdout.String())
	}
	// The export checkpointed the chain heads, and they verify.
	stdout.Reset()
	if err := run(ctx, []string{"audit", "verify"}, getenv, &stdout, io.Discard); err != nil ||
		!strings.Contains(stdout.String(), "checkpoints match: 1 in "+filepath.Join(dir, "audit-checkpoints.jsonl")) {
		t.Errorf("audit verify after export: %v %q", err, stdout.String())
	}
	// export-key needs only the secret key.
	stdout.Reset()
	if err := run(ctx, []string{"export-key"}, envOf(map[string]string{"WEERBAAR_SECRET_KEY": secret}), &stdout, io.Discard); err != nil {
		t.Fatal(err)
	}
	pub := strings.TrimSpace(stdout.String())
	if k, err := base64.StdEncoding.DecodeString(pub); err != nil || len(k) != 32 {
		t.Fatalf("export-key printed %q", pub)
	}
	// verify-package needs no configuration at all.
	stdout.Reset()
	if err := run(ctx, []string{"verify-package", out, "--public-key", pub}, noEnv, &stdout, io.Discard); err != nil {
		t.Fatalf("verify: %v %s", err, stdout.String())
	}
	if !strings.HasPrefix(stdout.String(), "OK: ") || !strings.Contains(stdout.String(), "given public key") {
		t.Errorf("verify output %q", stdout.String())
	}

	// A tampered evidence file: exit 1, naming it.
	tampered := filepath.Join(dir, "tampered.zip")
	name := tamper(t, out, tampered, "evidence/")
	stdout.Reset()
	err := run(ctx, []string{"verify-package", tampered}, noEnv, &stdout, io.Discard)
	if !errors.Is(err, errPackageMismatch) || exitCode(err) != 1 || !strings.Contains(stdout.String(), name) {
		t.Fatalf("tampered: %v (exit %d) %q", err, exitCode(err), stdout.String())
	}
	// Another instance's key: exit 1.
	other := base64.StdEncoding.EncodeToString(bytes.Repeat([]byte{9}, 32))
	if err := run(ctx, []string{"verify-package", out, "--public-key", other}, noEnv, io.Discard, io.Discard); exitCode(err) != 1 {
		t.Errorf("wrong key: %v", err)
	}

	// Bad arguments: exit 2, before any configuration is read.
	for _, args := range [][]string{
		{"export"}, {"export", "--entity", "1", "--lang", "de", "--out", out}, {"export", "--entity", "x"},
		{"export", "--entity", "1", "--lang", "nl", "--out", out, "--from", "2026-02-30", "--to", "2026-03-01"},
		{"export", "--entity", "1", "--lang", "nl", "--out", out, "--from", "2026-03-01"},
		{"verify-package"}, {"verify-package", out, "--public-key", "not-a-key"}, {"verify-package", out, "extra"},
		{"export-key", "extra"},
	} {
		if err := run(ctx, args, noEnv, io.Discard, io.Discard); exitCode(err) != 2 {
			t.Errorf("%v: %v, want exit 2", args, err)
		}
	}
}

// tamper copies the ZIP at src to dst with one byte changed in the first
// file whose name starts with prefix, and returns that name.
func tamper(t *testing.T, src, dst, prefix string) string {
	t.Helper()
	zr, err := zip.OpenReader(src)
	if err != nil {
		t.Fatal(err)
	}
	defer zr.Close()
	var buf bytes.Buffer
	zw := zip.NewWriter(&buf)
	changed := ""
	for _, f := range zr.File {
		rc, err := f.Open()
		if err != nil {
			t.Fatal(err)
		}
		data, _ := io.ReadAll(rc)
		rc.Close()
		if changed == "" && strings.HasPrefix(f.Name, prefix) {
			data[0] ^= 0xff
			changed = f.Name
		}
		w, _ := zw.Create(f.Name)
		w.Write(data)
	}
	zw.Close()
	if changed == "" {
		t.Fatalf("no file under %s", prefix)
	}
	if err := os.WriteFile(dst, buf.Bytes(), 0o600); err != nil {
		t.Fatal(err)
	}
	return changed
}
