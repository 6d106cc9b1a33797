package backup_test

import (
	"archive/zip"
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/weerbaar/weerbaar/internal/apptest"
	"github.com/weerbaar/weerbaar/internal/audit"
	"github.com/weerbaar/weerbaar/internal/authz"
	"github.com/weerbaar/weerbaar/internal/backup"
	"github.com/weerbaar/weerbaar/internal/db"
	"github.com/weerbaar/weerbaar/internal/dbtest"
	"github.com/weerbaar/weerbaar/internal/demo"
	"github.com/weerbaar/weerbaar/internal/evidence"
	"github.com/weerbaar/weerbaar/internal/i18n"
	"github.com/weerbaar/weerbaar/internal/measure"
	"github.com/weerbaar/weerbaar/internal/report"
	"github.com/weerbaar/weerbaar/internal/secretkey"
)

// demoSource is a database with the demo entity and one finished evidence
// package (a large object); it returns the pool and the entity's id.
func demoSource(t *testing.T) (*pgxpool.Pool, int64) {
	t.Helper()
	ctx := context.Background()
	pool := dbtest.New(t)
	if _, err := demo.Seed(ctx, pool); err != nil {
		t.Fatal(err)
	}
	var entityID, officerID int64
	if err := pool.QueryRow(ctx, `SELECT id FROM entities WHERE slug = $1`, demo.EntitySlug).Scan(&entityID); err != nil {
		t.Fatal(err)
	}
	if err := pool.QueryRow(ctx, `SELECT id FROM users WHERE email = $1`, demo.Accounts[1].Email).Scan(&officerID); err != nil {
		t.Fatal(err)
	}
	key, err := secretkey.SigningKey(bytes.Repeat([]byte{7}, 32))
	if err != nil {
		t.Fatal(err)
	}
	actor := authz.Actor{UserID: officerID, Email: demo.Accounts[1].Email, EntityID: entityID, Role: authz.SecurityOfficer}
	id, err := report.Request(ctx, pool, actor, report.LastYear(time.Now()), i18n.NL)
	if err != nil {
		t.Fatal(err)
	}
	if err := report.Run(ctx, pool, key, entityID, id, time.Now); err != nil {
		t.Fatal(err)
	}
	return pool, entityID
}

// writeBackup backs pool up into a file in a temporary folder.
func writeBackup(t *testing.T, pool *pgxpool.Pool) (string, backup.Summary) {
	t.Helper()
	path := filepath.Join(t.TempDir(), "weerbaar.backup.zip")
	f, err := os.Create(path)
	if err != nil {
		t.Fatal(err)
	}
	sum, err := backup.Backup(context.Background(), pool, f, time.Now())
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		t.Fatal(err)
	}
	return path, sum
}

// emptyTarget is a new database without even the migrations.
func emptyTarget(t *testing.T) *pgxpool.Pool {
	t.Helper()
	pool, err := db.NewPool(context.Background(), dbtest.Empty(t))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(pool.Close)
	return pool
}

func restore(path string, pool *pgxpool.Pool) (backup.Summary, error) {
	a, err := backup.Open(path)
	if err != nil {
		return backup.Summary{}, err
	}
	defer a.Close()
	return backup.Restore(context.Background(), pool, a)
}

// fingerprints maps every table of the schema (but sessions and
// schema_migrations) to its row count and a hash of all its rows as text.
func fingerprints(t *testing.T, pool *pgxpool.Pool) map[string]string {
	t.Helper()
	ctx := context.Background()
	rows, err := pool.Query(ctx, `SELECT tablename::text FROM pg_tables WHERE schemaname = current_schema()
		AND tablename NOT IN ('sessions', 'schema_migrations') ORDER BY 1`)
	if err != nil {
		t.Fatal(err)
	}
	names, err := pgx.CollectRows(rows, pgx.RowTo[string])
	if err != nil {
		t.Fatal(err)
	}
	out := map[string]string{}
	for _, n := range names {
		var count int64
		var sum string
		q := `SELECT count(*), md5(coalesce(string_agg(x::text, E'\n' ORDER BY x::text), '')) FROM ` + pgx.Identifier{n}.Sanitize() + ` x`
		if err := pool.QueryRow(ctx, q).Scan(&count, &sum); err != nil {
			t.Fatal(err)
		}
		out[n] = strconv.FormatInt(count, 10) + " rows " + sum
	}
	return out
}

// largeObjects maps each report package's id to the SHA-256 of its content.
func largeObjects(t *testing.T, pool *pgxpool.Pool) map[int64]string {
	t.Helper()
	rows, err := pool.Query(context.Background(), `SELECT id, encode(sha256(lo_get(content_oid)), 'hex') FROM report_packages WHERE content_oid IS NOT NULL`)
	if err != nil {
		t.Fatal(err)
	}
	out := map[int64]string{}
	var id int64
	var sum string
	if _, err := pgx.ForEachRow(rows, []any{&id, &sum}, func() error { out[id] = sum; return nil }); err != nil {
		t.Fatal(err)
	}
	return out
}

// TestBackupRestoreDemo backs up the demo with an evidence package, restores
// it into a new database and shows that nothing changed: every table's rows,
// the audit chains, every evidence file's hash, the package's large object,
// the sequences, and the app serving the restored data to the demo officer.
func TestBackupRestoreDemo(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	src, entityID := demoSource(t)
	start := time.Now()
	path, sum := writeBackup(t, src)
	st, err := os.Stat(path)
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("demo backup: %d tables, %d rows, %d large objects, %d bytes uncompressed, %d bytes on disk, %v",
		sum.Tables, sum.Rows, sum.LargeObjects, sum.Bytes, st.Size(), time.Since(start))
	if sum.LargeObjects != 1 || sum.Rows == 0 {
		t.Fatalf("summary %+v", sum)
	}

	dst := emptyTarget(t)
	rsum, err := restore(path, dst)
	if err != nil {
		t.Fatal(err)
	}
	if rsum.Rows != sum.Rows {
		t.Errorf("restored %d rows, backed up %d", rsum.Rows, sum.Rows)
	}

	want, got := fingerprints(t, src), fingerprints(t, dst)
	if len(want) < 50 {
		t.Fatalf("only %d tables", len(want))
	}
	for name, w := range want {
		if got[name] != w {
			t.Errorf("table %s: restored %q, source %q", name, got[name], w)
		}
	}
	wantLO, gotLO := largeObjects(t, src), largeObjects(t, dst)
	if len(wantLO) != 1 {
		t.Fatalf("source packages %v", wantLO)
	}
	for id, w := range wantLO {
		if gotLO[id] != w {
			t.Errorf("package %d: restored content sha256 %q, source %q", id, gotLO[id], w)
		}
	}

	res, err := audit.Verify(ctx, dst, 0, true)
	if err != nil || res.Broken != nil || res.Rows == 0 {
		t.Fatalf("audit verify on the restored database: %+v, %v", res, err)
	}
	var files, matching int
	if err := dst.QueryRow(ctx, `SELECT count(*), count(*) FILTER (WHERE sha256 = encode(sha256(data), 'hex') AND size = octet_length(data))
		FROM evidence_versions`).Scan(&files, &matching); err != nil {
		t.Fatal(err)
	}
	if files == 0 || matching != files {
		t.Fatalf("evidence: %d of %d files match their stored SHA-256", matching, files)
	}
	// New rows continue after the restored ids.
	var nextID, maxID int64
	if err := dst.QueryRow(ctx, `SELECT nextval(pg_get_serial_sequence('audit_log', 'id')), (SELECT max(id) FROM audit_log)`).Scan(&nextID, &maxID); err != nil {
		t.Fatal(err)
	}
	if nextID <= maxID {
		t.Errorf("audit_log id sequence at %d, max id %d", nextID, maxID)
	}

	// The app on the restored database: the officer signs in with the demo
	// password and sees the dashboard and an evidence file, byte for byte.
	a := apptest.StartWithPool(t, dst, apptest.Options{})
	officer := a.LoginDemo(t, authz.SecurityOfficer)
	base := "/e/" + strconv.FormatInt(entityID, 10)
	if r := officer.Get(t, base+"/"); r.StatusCode != http.StatusOK || !strings.Contains(r.Body, demo.EntityName) {
		t.Fatalf("dashboard: %d", r.StatusCode)
	}
	var versionID int64
	var sha string
	if err := dst.QueryRow(ctx, `SELECT id, sha256 FROM evidence_versions WHERE entity_id = $1 ORDER BY id LIMIT 1`, entityID).Scan(&versionID, &sha); err != nil {
		t.Fatal(err)
	}
	r := officer.Get(t, base+"/evidence/versions/"+strconv.FormatInt(versionID, 10))
	if h := sha256.Sum256([]byte(r.Body)); r.StatusCode != http.StatusOK || hex.EncodeToString(h[:]) != sha {
		t.Fatalf("evidence download: %d, sha256 %x, want %s", r.StatusCode, h, sha)
	}
}

// TestRestoreRefusesANonEmptyDatabase: a database with an organisation's
// data is refused before anything is written.
func TestRestoreRefusesANonEmptyDatabase(t *testing.T) {
	t.Parallel()
	src, _ := demoSource(t)
	path, _ := writeBackup(t, src)
	ctx := context.Background()
	dst := dbtest.New(t)
	if _, err := dst.Exec(ctx, `INSERT INTO users (email, name) VALUES ('someone@example.nl', 'Someone')`); err != nil {
		t.Fatal(err)
	}
	before := fingerprints(t, dst)
	_, err := restore(path, dst)
	if !errors.Is(err, backup.ErrNotEmpty) || !strings.Contains(err.Error(), "users") {
		t.Fatalf("err %v, want ErrNotEmpty naming users", err)
	}
	after := fingerprints(t, dst)
	for name, b := range before {
		if after[name] != b {
			t.Errorf("table %s changed: %q → %q", name, b, after[name])
		}
	}
	// The same backup into a database that only the app's start-up touched
	// (migrated, catalogue synced, no data) is fine.
	if _, err := restore(path, dbtest.New(t)); err != nil {
		t.Fatalf("into a migrated empty database: %v", err)
	}
}

// rewrite copies the archive at path to a new file, passing each file's
// bytes through edit; with fixManifest the manifest is recomputed for the
// edited bytes, as a forger would.
func rewrite(t *testing.T, path string, edit func(name string, data []byte) []byte, fixManifest bool) string {
	t.Helper()
	zr, err := zip.OpenReader(path)
	if err != nil {
		t.Fatal(err)
	}
	defer zr.Close()
	out := filepath.Join(t.TempDir(), "edited.zip")
	f, err := os.Create(out)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	zw := zip.NewWriter(f)
	sums := map[string][2]any{}
	var manifest backup.Manifest
	for _, zf := range zr.File {
		r, err := zf.Open()
		if err != nil {
			t.Fatal(err)
		}
		data, err := io.ReadAll(r)
		r.Close()
		if err != nil {
			t.Fatal(err)
		}
		if zf.Name == backup.ManifestFile {
			if err := json.Unmarshal(data, &manifest); err != nil {
				t.Fatal(err)
			}
			continue
		}
		data = edit(zf.Name, data)
		h := sha256.Sum256(data)
		sums[zf.Name] = [2]any{int64(len(data)), hex.EncodeToString(h[:])}
		w, err := zw.CreateHeader(&zip.FileHeader{Name: zf.Name, Method: zf.Method})
		if err != nil {
			t.Fatal(err)
		}
		if _, err := w.Write(data); err != nil {
			t.Fatal(err)
		}
	}
	if fixManifest {
		for i, e := range manifest.Files {
			manifest.Files[i].Size, manifest.Files[i].SHA256 = sums[e.Path][0].(int64), sums[e.Path][1].(string)
		}
	}
	w, err := zw.Create(backup.ManifestFile)
	if err != nil {
		t.Fatal(err)
	}
	if err := json.NewEncoder(w).Encode(manifest); err != nil {
		t.Fatal(err)
	}
	if err := zw.Close(); err != nil {
		t.Fatal(err)
	}
	return out
}

// noTables fails the test if the database has any table: restore wrote
// nothing, not even the migrations.
func noTables(t *testing.T, pool *pgxpool.Pool) {
	t.Helper()
	var n int
	if err := pool.QueryRow(context.Background(), `SELECT count(*) FROM pg_tables WHERE schemaname = current_schema()`).Scan(&n); err != nil {
		t.Fatal(err)
	}
	if n != 0 {
		t.Errorf("the target has %d tables after a refused restore", n)
	}
}

// TestRestoreRefusesATamperedArchive: one byte changed anywhere — in a
// table, in the header, in a large object, or in the compressed bytes of
// the file itself — is refused naming the file, before anything is written;
// a newer format or schema version is refused even when the forger fixed
// the manifest.
func TestRestoreRefusesATamperedArchive(t *testing.T) {
	t.Parallel()
	src, _ := demoSource(t)
	path, _ := writeBackup(t, src)
	latest, err := backup.LatestSchemaVersion()
	if err != nil {
		t.Fatal(err)
	}
	flipAt := func(target string, at func(n int) int) func(string, []byte) []byte {
		return func(name string, data []byte) []byte {
			if name == target {
				data = bytes.Clone(data)
				data[at(len(data))] ^= 0x01
			}
			return data
		}
	}
	flip := func(target string) func(string, []byte) []byte {
		return flipAt(target, func(n int) int { return n / 2 })
	}
	header := func(from, to string) func(string, []byte) []byte {
		return func(name string, data []byte) []byte {
			if name == backup.HeaderFile {
				if !bytes.Contains(data, []byte(from)) {
					t.Fatalf("header lacks %q", from)
				}
				data = bytes.Replace(data, []byte(from), []byte(to), 1)
			}
			return data
		}
	}
	var oid int64
	if err := src.QueryRow(context.Background(), `SELECT content_oid::bigint FROM report_packages WHERE content_oid IS NOT NULL`).Scan(&oid); err != nil {
		t.Fatal(err)
	}
	lo := "large-objects/" + strconv.FormatInt(oid, 10) + ".bin"
	for _, tt := range []struct {
		name    string
		archive string
		want    error
		names   string
	}{
		{"evidence row", rewrite(t, path, flip("tables/evidence_versions.copy"), false), backup.ErrMismatch, "tables/evidence_versions.copy"},
		{"audit row", rewrite(t, path, flip("tables/audit_log.copy"), false), backup.ErrMismatch, "tables/audit_log.copy"},
		{"large object", rewrite(t, path, flip(lo), false), backup.ErrMismatch, lo},
		{"header", rewrite(t, path, flip(backup.HeaderFile), false), backup.ErrMismatch, backup.HeaderFile},
		{"header syntax", rewrite(t, path, flipAt(backup.HeaderFile, func(int) int { return 0 }), false), backup.ErrMismatch, backup.HeaderFile},
		{"compressed bytes", flipRaw(t, path, "tables/evidence_versions.copy"), backup.ErrMismatch, "tables/evidence_versions.copy"},
		{"newer format", rewrite(t, path, header(`"format_version": 1`, `"format_version": 2`), true), backup.ErrNewerFormat, "format version 2"},
		{"newer schema", rewrite(t, path, header(`"schema_version": `+strconv.FormatUint(uint64(latest), 10),
			`"schema_version": `+strconv.FormatUint(uint64(latest+1), 10)), true), backup.ErrNewerSchema, "schema version " + strconv.FormatUint(uint64(latest+1), 10)},
	} {
		t.Run(tt.name, func(t *testing.T) {
			dst := emptyTarget(t)
			_, err := restore(tt.archive, dst)
			if !errors.Is(err, tt.want) || !strings.Contains(err.Error(), tt.names) {
				t.Fatalf("err %v, want %v naming %q", err, tt.want, tt.names)
			}
			noTables(t, dst)
		})
	}
	// A database already migrated beyond the backup's schema is refused
	// (it would need migrating down), and left as it was.
	older := rewrite(t, path, header(`"schema_version": `+strconv.FormatUint(uint64(latest), 10),
		`"schema_version": `+strconv.FormatUint(uint64(latest-1), 10)), true)
	migrated := dbtest.New(t)
	before := fingerprints(t, migrated)
	if _, err := restore(older, migrated); !errors.Is(err, backup.ErrSchemaTooNew) {
		t.Fatalf("older backup into a newer schema: %v", err)
	}
	for name, b := range fingerprints(t, migrated) {
		if before[name] != b {
			t.Errorf("table %s changed", name)
		}
	}
	// The untouched archive restores, so the refusals above are the edits'.
	if _, err := restore(rewrite(t, path, func(_ string, d []byte) []byte { return d }, false), emptyTarget(t)); err != nil {
		t.Fatalf("unedited copy: %v", err)
	}
}

// flipRaw changes one byte inside the stored (compressed) data of one file
// of the archive, as a bad disk would.
func flipRaw(t *testing.T, path, name string) string {
	t.Helper()
	zr, err := zip.OpenReader(path)
	if err != nil {
		t.Fatal(err)
	}
	var off int64 = -1
	for _, f := range zr.File {
		if f.Name == name {
			start, err := f.DataOffset()
			if err != nil {
				t.Fatal(err)
			}
			off = start + int64(f.CompressedSize64/2)
		}
	}
	zr.Close()
	if off < 0 {
		t.Fatalf("%s not in the archive", name)
	}
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	data[off] ^= 0x01
	out := filepath.Join(t.TempDir(), "flipped.zip")
	if err := os.WriteFile(out, data, 0o600); err != nil {
		t.Fatal(err)
	}
	return out
}

// onFirstWrite calls fn before the first byte reaches w.
type onFirstWrite struct {
	w    io.Writer
	fn   func()
	done bool
}

func (o *onFirstWrite) Write(p []byte) (int, error) {
	if !o.done {
		o.done = true
		o.fn()
	}
	return o.w.Write(p)
}

// TestBackupIsOneSnapshot: an upload committed while the backup runs (after
// it read the schema, before it wrote a byte) is in no table of the backup —
// neither its evidence item, its version nor its audit row — and the backup
// restores with the chains intact.
func TestBackupIsOneSnapshot(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	src := dbtest.New(t)
	if _, err := demo.Seed(ctx, src); err != nil {
		t.Fatal(err)
	}
	var entityID, officerID int64
	if err := src.QueryRow(ctx, `SELECT e.id, u.id FROM entities e, users u WHERE e.slug = $1 AND u.email = $2`,
		demo.EntitySlug, demo.Accounts[1].Email).Scan(&entityID, &officerID); err != nil {
		t.Fatal(err)
	}
	before := fingerprints(t, src)
	actor := authz.Actor{UserID: officerID, Email: demo.Accounts[1].Email, EntityID: entityID, Role: authz.SecurityOfficer}
	upload := func() {
		store := &evidence.Store{Pool: src}
		ctx := audit.WithMeta(ctx, audit.Meta{ActorID: officerID, ActorEmail: actor.Email})
		subj := evidence.Subject{Type: measure.SubjectRequirement, Ref: "1.1"}
		if _, err := store.Upload(ctx, actor, subj, "", "tijdens-backup.pdf", bytes.NewReader(demo.MinimalPDF("tijdens"))); err != nil {
			t.Error(err)
		}
	}
	var buf bytes.Buffer
	if _, err := backup.Backup(ctx, src, &onFirstWrite{w: &buf, fn: upload}, time.Now()); err != nil {
		t.Fatal(err)
	}
	if after := fingerprints(t, src); after["evidence_versions"] == before["evidence_versions"] || after["audit_log"] == before["audit_log"] {
		t.Fatal("the upload during the backup did not happen")
	}
	path := filepath.Join(t.TempDir(), "snapshot.zip")
	if err := os.WriteFile(path, buf.Bytes(), 0o600); err != nil {
		t.Fatal(err)
	}
	dst := emptyTarget(t)
	if _, err := restore(path, dst); err != nil {
		t.Fatal(err)
	}
	got := fingerprints(t, dst)
	for name, b := range before {
		if got[name] != b {
			t.Errorf("table %s: restored %q, at the backup's start %q", name, got[name], b)
		}
	}
	if res, err := audit.Verify(ctx, dst, 0, true); err != nil || res.Broken != nil {
		t.Fatalf("audit verify: %+v %v", res, err)
	}
}

// TestRestoreAnOlderSchema: a backup made at the previous schema version is
// restored at that version (the target is migrated only so far), and the
// app's migrations then bring it up to date with the audit chains intact.
func TestRestoreAnOlderSchema(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	latest, err := backup.LatestSchemaVersion()
	if err != nil {
		t.Fatal(err)
	}
	src, err := db.NewPool(ctx, dbtest.Empty(t))
	if err != nil {
		t.Fatal(err)
	}
	defer src.Close()
	mg, err := db.NewMigrator(src)
	if err != nil {
		t.Fatal(err)
	}
	if err := mg.To(latest - 1); err != nil {
		t.Fatal(err)
	}
	mg.Close()
	if _, err := demo.Seed(ctx, src); err != nil {
		t.Fatalf("seed the demo at schema version %d: %v", latest-1, err)
	}
	path, sum := writeBackup(t, src)
	if sum.SchemaVersion != latest-1 {
		t.Fatalf("backup at schema version %d, want %d", sum.SchemaVersion, latest-1)
	}
	dst := emptyTarget(t)
	if _, err := restore(path, dst); err != nil {
		t.Fatal(err)
	}
	var version int64
	if err := dst.QueryRow(ctx, `SELECT version FROM schema_migrations`).Scan(&version); err != nil || version != int64(latest-1) {
		t.Fatalf("restored at schema version %d (%v), want %d", version, err, latest-1)
	}
	want, got := fingerprints(t, src), fingerprints(t, dst)
	for name, w := range want {
		if got[name] != w {
			t.Errorf("table %s: restored %q, source %q", name, got[name], w)
		}
	}
	if err := db.MigrateUp(dst); err != nil {
		t.Fatalf("migrate the restored database up: %v", err)
	}
	if res, err := audit.Verify(ctx, dst, 0, true); err != nil || res.Broken != nil || res.Rows == 0 {
		t.Fatalf("audit verify: %+v %v", res, err)
	}
}
