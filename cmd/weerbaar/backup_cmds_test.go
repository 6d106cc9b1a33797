package main

import (
	"archive/zip"
	"bytes"
	"context"
	"errors"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/weerbaar/weerbaar/internal/backup"
	"github.com/weerbaar/weerbaar/internal/dbtest"
	"github.com/weerbaar/weerbaar/internal/demo"
)

// TestBackupAndRestoreCommands: `backup` writes the archive (and nothing
// beside it), `restore --check` verifies it without a database, `restore`
// loads it into an empty database and refuses the same database the second
// time (exit 1), and a damaged file is named.
func TestBackupAndRestoreCommands(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	pool, conn := dbtest.NewWithConnString(t)
	if _, err := demo.Seed(ctx, pool); err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	out := filepath.Join(dir, "nightly.zip")
	var stdout bytes.Buffer
	if err := run(ctx, []string{"backup", "--out", out}, envOf(map[string]string{"DATABASE_URL": conn}), &stdout, io.Discard); err != nil {
		t.Fatalf("backup: %v", err)
	}
	if !strings.Contains(stdout.String(), out+": schema version ") {
		t.Errorf("backup output %q", stdout.String())
	}
	if entries, _ := os.ReadDir(dir); len(entries) != 1 {
		t.Errorf("backup left %d files in its folder, want only the archive", len(entries))
	}

	stdout.Reset()
	if err := run(ctx, []string{"restore", out, "--check"}, noEnv, &stdout, io.Discard); err != nil || !strings.Contains(stdout.String(), ": OK, format version 1") {
		t.Fatalf("restore --check: %v %q", err, stdout.String())
	}

	target := envOf(map[string]string{"DATABASE_URL": dbtest.Empty(t)})
	stdout.Reset()
	if err := run(ctx, []string{"restore", out}, target, &stdout, io.Discard); err != nil {
		t.Fatalf("restore: %v", err)
	}
	if !strings.Contains(stdout.String(), "restored "+out) {
		t.Errorf("restore output %q", stdout.String())
	}
	stdout.Reset()
	if err := run(ctx, []string{"audit", "verify"}, target, &stdout, io.Discard); err != nil || !strings.Contains(stdout.String(), "keten intact") {
		t.Fatalf("audit verify after restore: %v %q", err, stdout.String())
	}
	err := run(ctx, []string{"restore", out}, target, io.Discard, io.Discard)
	if !errors.Is(err, backup.ErrNotEmpty) || exitCode(err) != 1 {
		t.Fatalf("second restore: %v (exit %d)", err, exitCode(err))
	}

	data, err := os.ReadFile(out)
	if err != nil {
		t.Fatal(err)
	}
	// Change one byte of the header's compressed data.
	zr, err := zip.OpenReader(out)
	if err != nil {
		t.Fatal(err)
	}
	off, err := zr.File[0].DataOffset()
	if zr.File[0].Name != backup.HeaderFile || err != nil {
		t.Fatalf("first file %s, %v", zr.File[0].Name, err)
	}
	zr.Close()
	data[off+5] ^= 0x01
	bad := filepath.Join(dir, "damaged.zip")
	if err := os.WriteFile(bad, data, 0o600); err != nil {
		t.Fatal(err)
	}
	err = run(ctx, []string{"restore", "--check", bad}, noEnv, io.Discard, io.Discard)
	if err == nil || exitCode(err) != 1 || !strings.Contains(err.Error(), backup.HeaderFile) {
		t.Fatalf("damaged archive: %v (exit %d)", err, exitCode(err))
	}
}
