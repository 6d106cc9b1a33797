package backup

import (
	"archive/zip"
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/weerbaar/weerbaar/internal/db"
)

// Archive is a backup file whose format, schema version and every file's
// hash have been checked (Open).
type Archive struct {
	Header   Header
	zr       *zip.ReadCloser
	files    map[string]*zip.File
	manifest map[string]FileEntry
}

// Close closes the archive file.
func (a *Archive) Close() error { return a.zr.Close() }

// maxJSON bounds backup.json and manifest.json, which are read whole.
const maxJSON = 64 << 20

// Open opens the backup at path and checks it completely before anything
// is written anywhere: that it is a Weerbaar backup of a format and schema
// version this build knows, that every file the manifest lists is present
// with its size and SHA-256, and that there is no file the manifest does
// not list. A mismatch names the file.
func Open(path string) (*Archive, error) {
	zr, err := zip.OpenReader(path)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	a := &Archive{zr: zr, files: map[string]*zip.File{}, manifest: map[string]FileEntry{}}
	if err := a.verify(); err != nil {
		zr.Close()
		return nil, err
	}
	return a, nil
}

func (a *Archive) verify() error {
	for _, f := range a.zr.File {
		if _, dup := a.files[f.Name]; dup {
			return fmt.Errorf("%s: %w: the archive holds it twice", f.Name, ErrMismatch)
		}
		a.files[f.Name] = f
	}
	if err := a.readJSON(HeaderFile, &a.Header); err != nil {
		return errors.Join(a.damaged(HeaderFile), err)
	}
	if a.Header.Format != FormatName {
		return fmt.Errorf("%w: %s says format %q", ErrNotABackup, HeaderFile, a.Header.Format)
	}
	if a.Header.FormatVersion > FormatVersion || a.Header.FormatVersion < 1 {
		return fmt.Errorf("%w: the backup has format version %d, this program reads up to %d; restore it with a newer weerbaar",
			ErrNewerFormat, a.Header.FormatVersion, FormatVersion)
	}
	latest, err := LatestSchemaVersion()
	if err != nil {
		return err
	}
	if a.Header.SchemaVersion > latest {
		return fmt.Errorf("%w: the backup has schema version %d, this program's migrations go up to %d; restore it with a newer weerbaar",
			ErrNewerSchema, a.Header.SchemaVersion, latest)
	}
	var m Manifest
	if err := a.readJSON(ManifestFile, &m); err != nil {
		return err
	}
	for _, f := range m.Files {
		a.manifest[f.Path] = f
	}
	for name := range a.files {
		if _, ok := a.manifest[name]; !ok && name != ManifestFile {
			return fmt.Errorf("%s: %w: the manifest does not list it", name, ErrMismatch)
		}
	}
	for _, f := range m.Files {
		if err := a.checkFile(f); err != nil {
			return err
		}
	}
	return a.checkHeaderFiles()
}

// checkHeaderFiles makes sure every file the header names is in the
// manifest (and so was checked).
func (a *Archive) checkHeaderFiles() error {
	if _, ok := a.manifest[HeaderFile]; !ok {
		return fmt.Errorf("%s: %w: the manifest does not list it", HeaderFile, ErrMismatch)
	}
	for _, t := range a.Header.Tables {
		if f, ok := a.manifest[t.File]; !ok || f.Rows == nil {
			return fmt.Errorf("%s: %w: table %s's file is not in the manifest with its row count", t.File, ErrMismatch, t.Name)
		}
	}
	for _, lo := range a.Header.LargeObjects {
		if _, ok := a.manifest[lo.File]; !ok {
			return fmt.Errorf("%s: %w: large object %d's file is not in the manifest", lo.File, ErrMismatch, lo.OID)
		}
	}
	return nil
}

// damaged checks name against the manifest when it cannot be parsed, so a
// changed byte reads as a mismatch rather than as "not a backup"; nil
// means it matches or there is no manifest to tell.
func (a *Archive) damaged(name string) error {
	var m Manifest
	if a.readJSON(ManifestFile, &m) != nil {
		return nil
	}
	for _, f := range m.Files {
		if f.Path == name {
			return a.checkFile(f)
		}
	}
	return nil
}

// checkFile reads one file through and compares it with its manifest entry.
func (a *Archive) checkFile(f FileEntry) error {
	r, err := a.open(f.Path)
	if err != nil {
		return err
	}
	defer r.Close()
	hr := newHashReader(r)
	if _, err := io.Copy(io.Discard, hr); err != nil {
		return fmt.Errorf("%s: %w: %w", f.Path, ErrMismatch, err)
	}
	return hr.check(f)
}

// open opens a file inside the archive; a damaged one is ErrMismatch.
func (a *Archive) open(name string) (io.ReadCloser, error) {
	f, ok := a.files[name]
	if !ok {
		return nil, fmt.Errorf("%s: %w: missing from the archive", name, ErrMismatch)
	}
	r, err := f.Open()
	if err != nil {
		return nil, fmt.Errorf("%s: %w: %w", name, ErrMismatch, err)
	}
	return r, nil
}

func (a *Archive) readJSON(name string, v any) error {
	f, ok := a.files[name]
	if !ok {
		return fmt.Errorf("%w: %s is missing", ErrNotABackup, name)
	}
	r, err := f.Open()
	if err != nil {
		return fmt.Errorf("%s: %w: %w", name, ErrMismatch, err)
	}
	defer r.Close()
	if err := json.NewDecoder(io.LimitReader(r, maxJSON)).Decode(v); err != nil {
		return fmt.Errorf("%s: %w: %w", name, ErrNotABackup, err)
	}
	return nil
}

// Restore loads a verified archive into the database behind pool, which
// must hold no organisation's data: it migrates the database to the
// backup's schema version, then in one transaction replaces the catalogue
// rows the migrations wrote with the backup's, loads every table with COPY
// (rows byte for byte as they were, so the audit chains still verify),
// recreates the large objects with their original oids, sets the sequences
// and commits. Each file is hashed again while it loads, and a mismatch
// rolls everything back.
func Restore(ctx context.Context, pool *pgxpool.Pool, a *Archive) (Summary, error) {
	sum := Summary{SchemaVersion: a.Header.SchemaVersion, Tables: len(a.Header.Tables), LargeObjects: len(a.Header.LargeObjects)}
	if err := prepare(ctx, pool, a.Header.SchemaVersion); err != nil {
		return sum, fmt.Errorf("restore: %w", err)
	}
	err := db.InTx(ctx, pool, func(tx pgx.Tx) error {
		if what, err := holdsData(ctx, tx); err != nil || what != "" {
			return errors.Join(err, notEmpty(what))
		}
		if err := clearCatalogue(ctx, tx, a.Header.Tables); err != nil {
			return err
		}
		for _, t := range a.Header.Tables {
			n, err := a.loadTable(ctx, tx, t)
			if err != nil {
				return fmt.Errorf("table %s: %w", t.Name, err)
			}
			sum.Rows += n
		}
		los := tx.LargeObjects()
		for _, lo := range a.Header.LargeObjects {
			if err := a.loadLargeObject(ctx, los, lo); err != nil {
				return fmt.Errorf("large object %d: %w", lo.OID, err)
			}
		}
		if err := grantToApp(ctx, tx, a.Header.LargeObjects); err != nil {
			return err
		}
		return setSequences(ctx, tx, a.Header.Sequences)
	})
	if err != nil {
		return sum, fmt.Errorf("restore: %w", err)
	}
	for _, f := range a.manifest {
		sum.Bytes += f.Size
	}
	// Fresh statistics, so the first queries after a restore plan well.
	if _, err := pool.Exec(ctx, `ANALYZE`); err != nil {
		return sum, fmt.Errorf("restore: analyze: %w", err)
	}
	return sum, nil
}

func notEmpty(what string) error {
	if what == "" {
		return nil
	}
	return fmt.Errorf("%w: %s holds data; restore into a new, empty database", ErrNotEmpty, what)
}

// prepare refuses a database that holds data or has a newer schema, and
// migrates it to version.
func prepare(ctx context.Context, pool *pgxpool.Pool, version uint) error {
	var migrated bool
	if err := pool.QueryRow(ctx, `SELECT to_regclass('schema_migrations') IS NOT NULL AND to_regclass('entities') IS NOT NULL`).Scan(&migrated); err != nil {
		return err
	}
	if migrated {
		if what, err := holdsData(ctx, pool); err != nil || what != "" {
			return errors.Join(err, notEmpty(what))
		}
	}
	mg, err := db.NewMigrator(pool)
	if err != nil {
		return err
	}
	defer mg.Close()
	current, dirty, err := mg.Version()
	if err != nil {
		return err
	}
	if dirty {
		return fmt.Errorf("target database at schema version %d: %w", current, ErrDirtyDatabase)
	}
	if current > version {
		return fmt.Errorf("%w: the database is at schema version %d, the backup at %d; restore into a new, empty database",
			ErrSchemaTooNew, current, version)
	}
	if err := mg.To(version); err != nil {
		return fmt.Errorf("migrate to schema version %d: %w", version, err)
	}
	return nil
}

// clearCatalogue empties the tables that already have rows — in a database
// without data, only the catalogue the migrations (and the app's catalogue
// sync) wrote — so the backup's own rows replace them. Published catalogue
// editions refuse DELETE by trigger; user triggers are off for just this
// statement, inside the transaction.
func clearCatalogue(ctx context.Context, tx pgx.Tx, tables []Table) error {
	for i := len(tables) - 1; i >= 0; i-- {
		name := pgx.Identifier{tables[i].Name}.Sanitize()
		var has bool
		if err := tx.QueryRow(ctx, `SELECT EXISTS (SELECT 1 FROM `+name+`)`).Scan(&has); err != nil {
			return fmt.Errorf("table %s: %w", tables[i].Name, err)
		}
		if !has {
			continue
		}
		for _, q := range []string{`ALTER TABLE ` + name + ` DISABLE TRIGGER USER`, `DELETE FROM ` + name, `ALTER TABLE ` + name + ` ENABLE TRIGGER USER`} {
			if _, err := tx.Exec(ctx, q); err != nil {
				return fmt.Errorf("clear %s: %w", tables[i].Name, err)
			}
		}
	}
	return nil
}

// loadTable copies one table's file into the table and checks the file's
// hash and row count again.
func (a *Archive) loadTable(ctx context.Context, tx pgx.Tx, t Table) (int64, error) {
	r, err := a.open(t.File)
	if err != nil {
		return 0, err
	}
	defer r.Close()
	hr := newHashReader(r)
	name := pgx.Identifier{t.Name}.Sanitize()
	// The rows are loaded as they were: the tables' own triggers, which keep
	// derived columns (a risk analysis's content version, an evidence item's
	// newest file) as rows change, would change rows already restored.
	// PostgreSQL also refuses COPY FROM into a table whose row-level security
	// holds the restoring role (an owner that is not a superuser). Both are
	// lifted for the load and restored before the transaction commits, so no
	// one else ever sees the table without them.
	var forced bool
	if err := tx.QueryRow(ctx, `SELECT relforcerowsecurity FROM pg_class WHERE oid = $1::regclass`, name).Scan(&forced); err != nil {
		return 0, err
	}
	before, after := []string{`ALTER TABLE ` + name + ` DISABLE TRIGGER USER`}, []string{`ALTER TABLE ` + name + ` ENABLE TRIGGER USER`}
	if forced {
		before = append(before, `ALTER TABLE `+name+` NO FORCE ROW LEVEL SECURITY`)
		after = append(after, `ALTER TABLE `+name+` FORCE ROW LEVEL SECURITY`)
	}
	for _, q := range before {
		if _, err := tx.Exec(ctx, q); err != nil {
			return 0, err
		}
	}
	tag, err := tx.Conn().PgConn().CopyFrom(ctx, hr, "COPY "+name+" ("+columnList(t.Columns)+") FROM STDIN")
	if err != nil {
		return 0, err
	}
	for _, q := range after {
		if _, err := tx.Exec(ctx, q); err != nil {
			return 0, err
		}
	}
	f := a.manifest[t.File]
	if err := hr.check(f); err != nil {
		return 0, err
	}
	if n := tag.RowsAffected(); n != *f.Rows {
		return 0, fmt.Errorf("%s: %w: %d rows loaded, the manifest says %d", t.File, ErrMismatch, n, *f.Rows)
	}
	return tag.RowsAffected(), nil
}

// loadLargeObject recreates a large object under its original oid, so
// report_packages.content_oid needs no change.
func (a *Archive) loadLargeObject(ctx context.Context, los pgx.LargeObjects, lo LargeObject) error {
	r, err := a.open(lo.File)
	if err != nil {
		return err
	}
	defer r.Close()
	oid, err := los.Create(ctx, lo.OID)
	if err != nil {
		return err
	}
	if oid != lo.OID {
		return fmt.Errorf("created as oid %d", oid)
	}
	obj, err := los.Open(ctx, oid, pgx.LargeObjectModeWrite)
	if err != nil {
		return err
	}
	hr := newHashReader(r)
	bw := bufio.NewWriterSize(obj, chunk) // each write is a round trip
	if _, err := io.Copy(bw, hr); err != nil {
		return err
	}
	if err := bw.Flush(); err != nil {
		return err
	}
	if err := obj.Close(); err != nil {
		return err
	}
	return hr.check(a.manifest[lo.File])
}

// grantToApp lets the web app's role (db.AppRole, made by the migrations)
// read and write the large objects the restoring role created, as it does
// those it made itself.
func grantToApp(ctx context.Context, tx pgx.Tx, los []LargeObject) error {
	var exists bool // not before migration 000039
	if err := tx.QueryRow(ctx, `SELECT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = $1)`, db.AppRole).Scan(&exists); err != nil || !exists {
		return err
	}
	for _, lo := range los {
		if _, err := tx.Exec(ctx, fmt.Sprintf(`GRANT SELECT, UPDATE ON LARGE OBJECT %d TO %s`, lo.OID, db.AppRole)); err != nil {
			return fmt.Errorf("large object %d: %w", lo.OID, err)
		}
	}
	return nil
}

// setSequences sets every identity sequence to the larger of its value at
// backup time and its column's maximum, so new rows never reuse an id,
// not even one of a row deleted before the backup.
func setSequences(ctx context.Context, tx pgx.Tx, seqs []Sequence) error {
	for _, s := range seqs {
		table := pgx.Identifier{s.Table}.Sanitize()
		col := pgx.Identifier{s.Column}.Sanitize()
		_, err := tx.Exec(ctx, `SELECT setval(@seq::regclass, greatest(@last::bigint, (SELECT max(`+col+`) FROM `+table+`)),
				@called::boolean OR EXISTS (SELECT 1 FROM `+table+`))`,
			pgx.StrictNamedArgs{"seq": pgx.Identifier{s.Name}.Sanitize(), "last": s.LastValue, "called": s.IsCalled})
		if err != nil {
			return fmt.Errorf("sequence %s: %w", s.Name, err)
		}
	}
	return nil
}
