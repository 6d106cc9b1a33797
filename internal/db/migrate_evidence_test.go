package db_test

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"reflect"
	"testing"
	"time"

	"github.com/golang-migrate/migrate/v4"
	pgxmigrate "github.com/golang-migrate/migrate/v4/database/pgx/v5"
	"github.com/golang-migrate/migrate/v4/source/iofs"
	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/jackc/pgx/v5/stdlib"

	"github.com/weerbaar/weerbaar/internal/db"
	"github.com/weerbaar/weerbaar/internal/dbtest"
	"github.com/weerbaar/weerbaar/migrations"
)

// migrator gives a test golang-migrate itself, to stop at a given version.
func migrator(t *testing.T, pool *pgxpool.Pool) *migrate.Migrate {
	t.Helper()
	src, err := iofs.New(migrations.FS, ".")
	if err != nil {
		t.Fatal(err)
	}
	driver, err := pgxmigrate.WithInstance(stdlib.OpenDBFromPool(pool), &pgxmigrate.Config{})
	if err != nil {
		t.Fatal(err)
	}
	m, err := migrate.NewWithInstance("iofs", src, "pgx5", driver)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _, _ = m.Close() })
	return m
}

// storedVersion is every column of an evidence version, bytes included.
type storedVersion struct {
	ID, ItemID, EntityID  int64
	No                    int
	Filename, ContentType string
	Size                  int64
	SHA256                string
	Data                  []byte
	UploadedBy            *int64
	UploadedAt            time.Time
}

func versions(t *testing.T, q db.Querier) []storedVersion {
	t.Helper()
	rows, err := q.Query(context.Background(), `SELECT id, item_id, entity_id, version_no, filename, content_type, size, sha256, data,
		uploaded_by, uploaded_at FROM evidence_versions ORDER BY id`)
	if err != nil {
		t.Fatal(err)
	}
	out, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (storedVersion, error) {
		var v storedVersion
		err := r.Scan(&v.ID, &v.ItemID, &v.EntityID, &v.No, &v.Filename, &v.ContentType, &v.Size, &v.SHA256, &v.Data, &v.UploadedBy, &v.UploadedAt)
		return v, err
	})
	if err != nil {
		t.Fatal(err)
	}
	return out
}

// items lists every item with its subject as "type:ref" and the columns
// both schemas share.
func items(t *testing.T, q db.Querier, subject string) []string {
	t.Helper()
	rows, err := q.Query(context.Background(), `SELECT format('%s %s %s %s %s %s %s %s %s %s %s %s', id, entity_id, `+subject+`, kind,
		title, url, description, created_by, created_at, deleted_at, deleted_by, version) FROM evidence_items ORDER BY id`)
	if err != nil {
		t.Fatal(err)
	}
	out, err := pgx.CollectRows(rows, pgx.RowTo[string])
	if err != nil {
		t.Fatal(err)
	}
	return out
}

const oldSubject = `CASE WHEN requirement_code IS NOT NULL THEN 'requirement:' || requirement_code ELSE 'measure:' || measure_code END`

// TestEvidenceSubjectsMigrationKeepsEveryByte fills the evidence tables as
// they were before 000010 (files with several versions holding every byte
// value, a link, a deleted item, two entities), migrates up and checks that
// every item and every version survived unchanged with its subject, and
// that the old measure statuses became overrides only where they said more
// than the requirements do; then it migrates down and finds the old shape.
func TestEvidenceSubjectsMigrationKeepsEveryByte(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	pool, err := db.NewPool(ctx, dbtest.Empty(t))
	if err != nil {
		t.Fatal(err)
	}
	// Closed after the migrator (cleanups run last in, first out), which
	// holds a connection of the pool.
	t.Cleanup(pool.Close)
	m := migrator(t, pool)
	if err := m.Migrate(8); err != nil {
		t.Fatalf("migrate to 8: %v", err)
	}

	exec := func(sql string, args ...any) {
		t.Helper()
		if _, err := pool.Exec(ctx, sql, args...); err != nil {
			t.Fatalf("%s: %v", sql, err)
		}
	}
	var catalogue string
	if err := pool.QueryRow(ctx, `SELECT version FROM catalogue_versions WHERE current`).Scan(&catalogue); err != nil {
		t.Fatal(err)
	}
	exec(`INSERT INTO entities (id, slug, name) OVERRIDING SYSTEM VALUE VALUES (1, 'gemeente-a', 'A'), (2, 'waterschap-b', 'B')`)
	exec(`INSERT INTO users (id, email, name) OVERRIDING SYSTEM VALUE VALUES (10, 'anna@a.nl', 'Anna'), (20, 'bert@b.nl', 'Bert')`)
	every := make([]byte, 256*3)
	for i := range every {
		every[i] = byte(i)
	}
	file := func(entity, user int64, req, measure any, title string, contents ...[]byte) {
		t.Helper()
		var id int64
		if err := pool.QueryRow(ctx, `INSERT INTO evidence_items (entity_id, requirement_code, measure_code, kind, title, created_by)
			VALUES ($1, $2, $3, 'file', $4, $5) RETURNING id`, entity, req, measure, title, user).Scan(&id); err != nil {
			t.Fatal(err)
		}
		for i, c := range contents {
			sum := sha256.Sum256(c)
			exec(`INSERT INTO evidence_versions (item_id, entity_id, version_no, filename, content_type, size, sha256, data, uploaded_by)
				VALUES ($1, $2, $3, $4, 'application/octet-stream', $5, $6, $7, $8)`,
				id, entity, i+1, fmt.Sprintf("%s-v%d.bin", title, i+1), len(c), hex.EncodeToString(sum[:]), c, user)
		}
	}
	file(1, 10, "1.1", nil, "Beleid", every, append([]byte("\x00\xff%PDF"), every...), []byte{0})
	file(1, 10, nil, "a", "Maatregel a", every[:1])
	file(2, 20, "1.1", nil, "Bert", every[100:])
	file(1, 10, "2.1", nil, "Weg", []byte("deleted"))
	exec(`UPDATE evidence_items SET deleted_at = now(), deleted_by = 10, version = 2 WHERE title = 'Weg'`)
	exec(`INSERT INTO evidence_items (entity_id, measure_code, kind, title, url, description, created_by)
		VALUES (1, 'b', 'link', 'Intranet', 'https://intranet.example.nl/x', 'Regel 1
Regel 2', 10)`)
	// Measure a: requirements 1.1 implemented and 1.2 in progress say "in
	// progress", as the stored status does. Measure b: stored "verified",
	// but no requirement started. Measure c: the old default.
	exec(`INSERT INTO entity_requirements (entity_id, requirement_code, status, maturity, catalogue_version) VALUES
		(1, '1.1', 'implemented', 3, $1), (1, '1.2', 'in_progress', 2, $1)`, catalogue)
	exec(`INSERT INTO entity_measures (entity_id, measure_code, status, catalogue_version) VALUES
		(1, 'a', 'in_progress', $1), (1, 'b', 'verified', $1), (1, 'c', 'not_started', $1), (2, 'a', 'implemented', $1)`, catalogue)

	beforeVersions := versions(t, pool)
	beforeItems := items(t, pool, oldSubject)
	if len(beforeVersions) != 6 || len(beforeItems) != 5 {
		t.Fatalf("fixture: %d versions, %d items", len(beforeVersions), len(beforeItems))
	}

	if err := m.Up(); err != nil {
		t.Fatalf("up: %v", err)
	}
	if got := versions(t, pool); !reflect.DeepEqual(got, beforeVersions) {
		t.Errorf("versions changed by the migration:\n%v\nwant\n%v", got, beforeVersions)
	}
	if got := items(t, pool, `subject_type || ':' || subject_ref`); !reflect.DeepEqual(got, beforeItems) {
		t.Errorf("items after up:\n%q\nwant\n%q", got, beforeItems)
	}
	var n int
	if err := pool.QueryRow(ctx, `SELECT count(*) FROM pg_constraint WHERE conrelid = 'evidence_items'::regclass
		AND (confrelid IN ('requirements'::regclass, 'measures'::regclass) OR pg_get_constraintdef(oid) LIKE '%requirement_code%')`).Scan(&n); err != nil || n != 0 {
		t.Errorf("old constraints left: %d %v", n, err)
	}
	if err := pool.QueryRow(ctx, `SELECT count(*) FROM pg_indexes WHERE tablename = 'evidence_items'
		AND indexdef LIKE '%(entity_id, subject_type, subject_ref)%'`).Scan(&n); err != nil || n != 1 {
		t.Errorf("subject index: %d %v", n, err)
	}
	// Any module's type fits; an empty or malformed one does not.
	exec(`INSERT INTO evidence_items (entity_id, subject_type, subject_ref, kind, title) VALUES (1, 'risk', '42', 'file', 'Risico')`)
	for _, bad := range [][2]string{{"", "1"}, {"Risk", "1"}, {"risk", ""}} {
		if _, err := pool.Exec(ctx, `INSERT INTO evidence_items (entity_id, subject_type, subject_ref, kind, title)
			VALUES (1, $1, $2, 'file', 'x')`, bad[0], bad[1]); err == nil {
			t.Errorf("subject %q accepted", bad)
		}
	}
	statuses := func() string {
		rows, err := pool.Query(ctx, `SELECT format('%s%s=%s/%s', entity_id, measure_code, status_override, status_reason <> '')
			FROM entity_measures ORDER BY entity_id, measure_code`)
		if err != nil {
			t.Fatal(err)
		}
		out, err := pgx.CollectRows(rows, pgx.RowTo[string])
		if err != nil {
			t.Fatal(err)
		}
		return fmt.Sprint(out)
	}
	if got := statuses(); got != "[1a=/f 1b=verified/t 1c=/f 2a=implemented/t]" {
		t.Errorf("measure statuses after up: %s", got)
	}

	exec(`DELETE FROM evidence_items WHERE subject_type = 'risk'`)
	if err := m.Migrate(8); err != nil {
		t.Fatalf("down to 8: %v", err)
	}
	if got := versions(t, pool); !reflect.DeepEqual(got, beforeVersions) {
		t.Errorf("versions changed by the down migration")
	}
	if got := items(t, pool, oldSubject); !reflect.DeepEqual(got, beforeItems) {
		t.Errorf("items after down:\n%q\nwant\n%q", got, beforeItems)
	}
	if _, err := pool.Exec(ctx, `INSERT INTO evidence_items (entity_id, requirement_code, measure_code, kind, title)
		VALUES (1, '1.1', 'a', 'file', 'beide')`); err == nil {
		t.Errorf("the either/or check is not back")
	}
	var st string
	if err := pool.QueryRow(ctx, `SELECT string_agg(measure_code || '=' || status, ' ' ORDER BY entity_id, measure_code) FROM entity_measures`).Scan(&st); err != nil ||
		st != "a=not_started b=verified c=not_started a=implemented" {
		t.Errorf("statuses after down: %q %v", st, err)
	}
}
