package backup

import (
	"archive/zip"
	"compress/flate"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"hash"
	"io"
	"strconv"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/weerbaar/weerbaar/internal/report"
)

// Summary says what a backup or restore covered.
type Summary struct {
	SchemaVersion uint
	Tables        int
	Rows          int64
	LargeObjects  int
	Bytes         int64 // uncompressed bytes of all files
}

// Backup writes the whole database behind pool to w as a ZIP archive, read
// in one REPEATABLE READ, READ ONLY transaction: every row in the archive
// belongs to the same moment, while the app keeps running.
func Backup(ctx context.Context, pool *pgxpool.Pool, w io.Writer, now time.Time) (Summary, error) {
	tx, err := pool.BeginTx(ctx, pgx.TxOptions{IsoLevel: pgx.RepeatableRead, AccessMode: pgx.ReadOnly})
	if err != nil {
		return Summary{}, fmt.Errorf("backup: begin: %w", err)
	}
	defer func() { _ = tx.Rollback(context.WithoutCancel(ctx)) }()
	h, err := readHeader(ctx, tx, now)
	if err != nil {
		return Summary{}, fmt.Errorf("backup: %w", err)
	}
	a := &archiveWriter{zw: zip.NewWriter(w), modified: h.CreatedAt}
	// Table files are mostly hex (bytea) and repetitive text: the fastest
	// level gets most of the gain at a fraction of the CPU of the default.
	// One compressor, reset for each file (they are written one after the
	// other), instead of a new one with its buffers per file.
	fw, err := flate.NewWriter(io.Discard, flate.BestSpeed)
	if err != nil {
		return Summary{}, err
	}
	a.zw.RegisterCompressor(zip.Deflate, func(out io.Writer) (io.WriteCloser, error) {
		fw.Reset(out)
		return fw, nil
	})
	sum := Summary{SchemaVersion: h.SchemaVersion, Tables: len(h.Tables), LargeObjects: len(h.LargeObjects)}
	if err := a.writeJSON(HeaderFile, h); err != nil {
		return sum, fmt.Errorf("backup: %w", err)
	}
	for _, t := range h.Tables {
		n, err := a.copyTable(ctx, tx, t)
		if err != nil {
			return sum, fmt.Errorf("backup: table %s: %w", t.Name, err)
		}
		sum.Rows += n
	}
	los := tx.LargeObjects()
	for _, lo := range h.LargeObjects {
		if err := a.copyLargeObject(ctx, los, lo); err != nil {
			return sum, fmt.Errorf("backup: large object %d: %w", lo.OID, err)
		}
	}
	for _, f := range a.manifest.Files {
		sum.Bytes += f.Size
	}
	a.manifest.FormatVersion = FormatVersion
	if err := a.writeJSON(ManifestFile, a.manifest); err != nil {
		return sum, fmt.Errorf("backup: %w", err)
	}
	if err := a.zw.Close(); err != nil {
		return sum, fmt.Errorf("backup: %w", err)
	}
	return sum, nil
}

// readHeader reads the schema version, tables, sequences and large objects
// inside the backup's transaction.
func readHeader(ctx context.Context, tx pgx.Tx, now time.Time) (Header, error) {
	h := Header{Format: FormatName, FormatVersion: FormatVersion, CreatedAt: now.UTC(), Generator: report.GeneratorVersion(),
		Skipped: skippedTables}
	var version int64
	var dirty bool
	if err := tx.QueryRow(ctx, `SELECT version, dirty FROM schema_migrations`).Scan(&version, &dirty); err != nil {
		return h, fmt.Errorf("schema version: %w", err)
	}
	if dirty {
		return h, fmt.Errorf("schema version %d: %w; fix the database before backing it up", version, ErrDirtyDatabase)
	}
	h.SchemaVersion = uint(version)
	if err := tx.QueryRow(ctx, `SELECT current_setting('server_version')`).Scan(&h.Postgres); err != nil {
		return h, err
	}
	var err error
	if h.Tables, err = tables(ctx, tx); err != nil {
		return h, err
	}
	if h.Sequences, err = sequences(ctx, tx); err != nil {
		return h, err
	}
	rows, err := tx.Query(ctx, `SELECT oid::bigint FROM pg_largeobject_metadata ORDER BY oid`)
	if err != nil {
		return h, fmt.Errorf("list large objects: %w", err)
	}
	h.LargeObjects, err = pgx.CollectRows(rows, func(r pgx.CollectableRow) (LargeObject, error) {
		var oid int64
		err := r.Scan(&oid)
		return LargeObject{OID: uint32(oid), File: objectsDir + strconv.FormatInt(oid, 10) + ".bin"}, err
	})
	if err != nil {
		return h, fmt.Errorf("list large objects: %w", err)
	}
	return h, nil
}

// archiveWriter adds files to the ZIP and records each in the manifest.
type archiveWriter struct {
	zw       *zip.Writer
	manifest Manifest
	modified time.Time // every file's date: the snapshot's
}

// create starts a file; close with the returned function, which records the
// file's size and hash.
func (a *archiveWriter) create(path string, method uint16) (io.Writer, func(rows *int64), error) {
	w, err := a.zw.CreateHeader(&zip.FileHeader{Name: path, Method: method, Modified: a.modified})
	if err != nil {
		return nil, nil, err
	}
	hw := &hashWriter{w: w, h: sha256.New()}
	return hw, func(rows *int64) {
		a.manifest.Files = append(a.manifest.Files, FileEntry{Path: path, Size: hw.n, SHA256: hex.EncodeToString(hw.h.Sum(nil)), Rows: rows})
	}, nil
}

func (a *archiveWriter) writeJSON(path string, v any) error {
	w, done, err := a.create(path, zip.Deflate)
	if err != nil {
		return err
	}
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	if err := enc.Encode(v); err != nil {
		return fmt.Errorf("write %s: %w", path, err)
	}
	if path != ManifestFile { // the manifest cannot list itself
		done(nil)
	}
	return nil
}

// copyTable streams the table's rows in COPY text format, the format
// pg_dump uses: exact for every type and readable by any PostgreSQL version.
func (a *archiveWriter) copyTable(ctx context.Context, tx pgx.Tx, t Table) (int64, error) {
	w, done, err := a.create(t.File, zip.Deflate)
	if err != nil {
		return 0, err
	}
	tag, err := tx.Conn().PgConn().CopyTo(ctx, w, "COPY "+pgx.Identifier{t.Name}.Sanitize()+" ("+columnList(t.Columns)+") TO STDOUT")
	if err != nil {
		return 0, err
	}
	n := tag.RowsAffected()
	done(&n)
	return n, nil
}

// copyLargeObject streams one large object. Report packages are ZIP files
// already, so they are stored without compressing them again.
func (a *archiveWriter) copyLargeObject(ctx context.Context, los pgx.LargeObjects, lo LargeObject) error {
	w, done, err := a.create(lo.File, zip.Store)
	if err != nil {
		return err
	}
	obj, err := los.Open(ctx, lo.OID, pgx.LargeObjectModeRead)
	if err != nil {
		return err
	}
	// Each large-object read is a round trip: 1 MiB at a time keeps them few.
	if _, err := io.CopyBuffer(w, onlyReader{obj}, make([]byte, chunk)); err != nil {
		return err
	}
	if err := obj.Close(); err != nil {
		return err
	}
	done(nil)
	return nil
}

// chunk is the size of large-object reads and writes.
const chunk = 1 << 20

// onlyReader hides WriterTo/ReaderFrom so io.CopyBuffer uses the buffer.
type onlyReader struct{ io.Reader }

func columnList(cols []string) string {
	quoted := make([]string, len(cols))
	for i, c := range cols {
		quoted[i] = pgx.Identifier{c}.Sanitize()
	}
	return strings.Join(quoted, ", ")
}

// hashWriter counts and hashes what passes through it.
type hashWriter struct {
	w io.Writer
	h hash.Hash
	n int64
}

func (hw *hashWriter) Write(p []byte) (int, error) {
	n, err := hw.w.Write(p)
	hw.h.Write(p[:n])
	hw.n += int64(n)
	return n, err
}

// hashReader counts and hashes what is read through it.
type hashReader struct {
	r io.Reader
	h hash.Hash
	n int64
}

func newHashReader(r io.Reader) *hashReader { return &hashReader{r: r, h: sha256.New()} }

func (hr *hashReader) Read(p []byte) (int, error) {
	n, err := hr.r.Read(p)
	hr.h.Write(p[:n])
	hr.n += int64(n)
	return n, err
}

// check compares what was read with the manifest's entry.
func (hr *hashReader) check(f FileEntry) error {
	if sum := hex.EncodeToString(hr.h.Sum(nil)); hr.n != f.Size || sum != f.SHA256 {
		return fmt.Errorf("%s: %w (manifest: %d bytes, sha256 %s; archive: %d bytes, sha256 %s)",
			f.Path, ErrMismatch, f.Size, f.SHA256, hr.n, sum)
	}
	return nil
}
