package main

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"time"

	"github.com/weerbaar/weerbaar/internal/backup"
	"github.com/weerbaar/weerbaar/internal/config"
)

// backupCmd: `weerbaar backup --out FILE`.
func backupCmd(ctx context.Context, e *cmdEnv, args []string) error {
	fs := e.flags("backup", "--out FILE",
		"Write the whole database to FILE (a ZIP archive): every table (audit log and evidence files\n"+
			"included; login sessions are left out), the stored evidence packages, a backup.json header\n"+
			"and a manifest.json with every file's SHA-256. It reads one consistent snapshot while the\n"+
			"app keeps running, and writes FILE only when the backup is complete. The secret key is not\n"+
			"in the database: keep a copy of it apart from the backups. Needs only the database.\n"+
			"See docs/backup.md.")
	out := fs.String("out", "", "the archive to write (required)")
	if help, err := e.parse(fs, args); help || err != nil {
		return err
	}
	if fs.NArg() > 0 {
		return e.misuse(fs, fmt.Sprintf("backup: unexpected argument %q", fs.Arg(0)))
	}
	if *out == "" {
		return e.misuse(fs, "backup: --out is required")
	}
	_, database, err := e.openDatabase(ctx, config.Database)
	if err != nil {
		return err
	}
	defer database.Close()
	start := time.Now()
	// Written beside FILE and renamed when complete, so FILE is never a
	// half-written backup (nor an older one overwritten by a failed run).
	tmp, err := os.CreateTemp(filepath.Dir(*out), "."+filepath.Base(*out)+".*.partial")
	if err != nil {
		return err
	}
	sum, err := backup.Backup(ctx, database.Pool, tmp, start)
	if err == nil {
		err = tmp.Sync()
	}
	if cerr := tmp.Close(); err == nil {
		err = cerr
	}
	if err == nil {
		err = os.Rename(tmp.Name(), *out)
	}
	if err != nil {
		_ = os.Remove(tmp.Name())
		return err
	}
	st, err := os.Stat(*out)
	if err != nil {
		return err
	}
	fmt.Fprintf(e.stdout, "%s: schema version %d, %d tables, %d rows, %d large objects, %d bytes (%s)\n",
		*out, sum.SchemaVersion, sum.Tables, sum.Rows, sum.LargeObjects, st.Size(), time.Since(start).Round(time.Millisecond))
	return nil
}

// restoreCmd: `weerbaar restore FILE [--check]`.
func restoreCmd(ctx context.Context, e *cmdEnv, args []string) error {
	fs := e.flags("restore", "FILE [--check]",
		"Restore a backup made by `weerbaar backup` into an empty database. First every file of\n"+
			"FILE is checked against the manifest's SHA-256 (a mismatch names the file, exit 1); a\n"+
			"backup of a newer format or schema version than this program knows is refused. Then the\n"+
			"database is migrated to the backup's schema version and everything is loaded in one\n"+
			"transaction. A database that holds any data (an entity, an account, audit rows) is\n"+
			"refused. Start the app afterwards with the same secret key as before. Needs only the\n"+
			"database; with --check, nothing at all. See docs/backup.md.")
	check := fs.Bool("check", false, "only check FILE (format, versions, every hash) without a database")
	file, help, err := e.parseFile(fs, args, "backup file")
	if help || err != nil {
		return err
	}
	a, err := backup.Open(file)
	if err != nil {
		return err
	}
	defer a.Close()
	h := a.Header
	if *check {
		fmt.Fprintf(e.stdout, "%s: OK, format version %d, schema version %d, made %s by %s, %d tables, %d large objects\n",
			file, h.FormatVersion, h.SchemaVersion, h.CreatedAt.Format(time.RFC3339), h.Generator, len(h.Tables), len(h.LargeObjects))
		return nil
	}
	_, database, err := e.openDatabase(ctx, config.Database)
	if err != nil {
		return err
	}
	defer database.Close()
	start := time.Now()
	sum, err := backup.Restore(ctx, database.Pool, a)
	if err != nil {
		return err
	}
	fmt.Fprintf(e.stdout, "restored %s (made %s): schema version %d, %d tables, %d rows, %d large objects (%s)\n",
		file, h.CreatedAt.Format(time.RFC3339), sum.SchemaVersion, sum.Tables, sum.Rows, sum.LargeObjects, time.Since(start).Round(time.Millisecond))
	return nil
}
