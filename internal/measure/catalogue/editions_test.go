package catalogue_test

import (
	"context"
	"crypto/sha256"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/weerbaar/weerbaar/internal/db"
	"github.com/weerbaar/weerbaar/internal/dbtest"
	"github.com/weerbaar/weerbaar/internal/measure/catalogue"
)

// TestMigration000005IsFrozen pins the catalogue migration as released:
// installations that ran it never run it again, so a text fix goes into a new
// edition file (editions/), never into this migration.
func TestMigration000005IsFrozen(t *testing.T) {
	t.Parallel()
	for file, want := range map[string]string{
		"000005_measure_catalogue.up.sql":   "d7642e815f3034ccba4c9a18587789de7b49c3839e53cb44738031685afd885b",
		"000005_measure_catalogue.down.sql": "d353ab4f4496b51b9a86d2551e7c196d84daccb9f455c2ab94216d1ccb7ce9fd",
	} {
		b, err := os.ReadFile(filepath.Join("..", "..", "..", "migrations", file))
		if err != nil {
			t.Fatal(err)
		}
		if got := fmt.Sprintf("%x", sha256.Sum256(b)); got != want {
			t.Errorf("%s changed (sha256 %s): released migrations are never edited; publish a new catalogue edition instead", file, got)
		}
	}
}

// publishedEditions pins the hash of every published edition file: an
// edition is never edited after release (installations stored it and refuse
// another content under its version). Publishing a new edition adds a line.
var publishedEditions = map[string]string{
	"2026.1": "7dc8161bf27a641a7cbe721c76397f480d45405c2985c4cbfe2f947293a6774d",
	"2026.2": "b04fe6057f4d34f99b2a9aaa87ca4e082e2c798f512c4eedcd2bb7f7a6a6b0d8",
}

// TestEmbeddedEditions checks the shipped editions: each published one
// unchanged, named after its version, ordered numerically, and the codes of
// an older edition still in the newest (state and evidence refer to them).
func TestEmbeddedEditions(t *testing.T) {
	t.Parallel()
	eds, err := catalogue.Editions()
	if err != nil {
		t.Fatal(err)
	}
	if eds[0].Version != "2026.1" {
		t.Errorf("first edition %s, want 2026.1 (the one migration 000005 installed)", eds[0].Version)
	}
	if catalogue.Latest() != eds[len(eds)-1] {
		t.Error("Latest is not the newest edition")
	}
	for i, e := range eds {
		if want, ok := publishedEditions[e.Version]; !ok {
			t.Errorf("edition %s is not in publishedEditions; add it with its sha256 %s", e.Version, e.SHA256)
		} else if e.SHA256 != want {
			t.Errorf("published edition %s changed (sha256 %s): publish a new edition instead", e.Version, e.SHA256)
		}
		for _, r := range e.Requirements {
			if _, ok := catalogue.Latest().Requirement(r.Code); !ok {
				t.Errorf("requirement %s of edition %s is missing from the newest edition", r.Code, e.Version)
			}
		}
		if i > 0 && catalogue.CompareVersions(eds[i-1].Version, e.Version) >= 0 {
			t.Errorf("editions out of order: %s before %s", eds[i-1].Version, e.Version)
		}
	}
	if catalogue.CompareVersions("2026.10", "2026.9") <= 0 || catalogue.CompareVersions("2027.1", "2026.12") <= 0 {
		t.Error("versions do not compare numerically")
	}
}

// migratedPool is an empty database with every migration applied and no
// edition loaded yet.
func migratedPool(t *testing.T) *pgxpool.Pool {
	t.Helper()
	pool, err := db.NewPool(context.Background(), dbtest.Empty(t))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(pool.Close)
	if err := db.MigrateUp(pool); err != nil {
		t.Fatal(err)
	}
	return pool
}

// edition derives a test edition from base: another version with f applied,
// published as a file and parsed like a shipped one. Each test uses its own
// versions, because editions are cached process-wide by version.
func edition(t *testing.T, base *catalogue.Catalogue, version string, f func(*catalogue.Catalogue)) *catalogue.Catalogue {
	t.Helper()
	c := mutate(*base, func(c *catalogue.Catalogue) {
		c.Version = version
		if f != nil {
			f(c)
		}
	})
	raw, err := json.MarshalIndent(c, "", "  ")
	if err != nil {
		t.Fatal(err)
	}
	ed, err := catalogue.Parse(raw)
	if err != nil {
		t.Fatalf("edition %s: %v", version, err)
	}
	return ed
}

// TestMigration000005HoldsTheFirstEdition checks a database migrated without
// loading any edition against edition 2026.1, field by field (quotes and
// accents must survive the SQL round trip): the frozen migration and the
// first edition file are the same catalogue, so loading it changes no row of
// an existing installation.
func TestMigration000005HoldsTheFirstEdition(t *testing.T) {
	t.Parallel()
	first, err := catalogue.Get(context.Background(), nil, "2026.1")
	if err != nil {
		t.Fatal(err)
	}
	var quotes, accents bool
	for _, r := range first.Requirements {
		quotes = quotes || strings.Contains(r.Text.NL+r.Text.EN, "'")
		accents = accents || strings.ContainsAny(r.Title.NL+r.Text.NL, "éëïü")
	}
	if !quotes || !accents {
		t.Fatalf("the catalogue no longer has texts with quotes (%v) and accents (%v) to test the round trip", quotes, accents)
	}
	compareWithDatabase(t, migratedPool(t), first)
	// The template dbtest clones is synced: it holds the newest edition.
	compareWithDatabase(t, dbtest.New(t), catalogue.Latest())
}

// catalogueRows dumps every catalogue table (not when an edition was
// loaded), for comparing two installations.
func catalogueRows(t *testing.T, q db.Querier) map[string][]string {
	t.Helper()
	out := map[string][]string{}
	for table, order := range map[string]string{
		"catalogue_versions":   "version",
		"catalogue_editions":   "version",
		"measures":             "code",
		"requirements":         "code",
		"requirement_measures": "requirement_code, measure_code",
	} {
		rows, err := q.Query(context.Background(), `SELECT (to_jsonb(t) - 'loaded_at')::text FROM `+table+` t ORDER BY `+order)
		if err != nil {
			t.Fatal(err)
		}
		if out[table], err = pgx.CollectRows(rows, pgx.RowTo[string]); err != nil {
			t.Fatal(err)
		}
		if len(out[table]) == 0 {
			t.Errorf("%s is empty", table)
		}
	}
	return out
}

// TestFreshAndUpgradedInstallsHaveIdenticalCatalogueRows installs once from
// scratch and once from the schema before editions (version 8, with an
// entity that has worked on its requirements), then loads the editions in
// both: the catalogue rows are identical, loading again changes nothing, and
// the existing entity keeps its work and the edition it assessed against.
func TestFreshAndUpgradedInstallsHaveIdenticalCatalogueRows(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	fresh := migratedPool(t)
	if err := catalogue.Sync(ctx, fresh); err != nil {
		t.Fatal(err)
	}

	upgraded, err := db.NewPool(ctx, dbtest.Empty(t))
	if err != nil {
		t.Fatal(err)
	}
	defer upgraded.Close()
	mg, err := db.NewMigrator(upgraded)
	if err != nil {
		t.Fatal(err)
	}
	defer mg.Close()
	if err := mg.To(8); err != nil {
		t.Fatal(err)
	}
	var entityID int64
	if err := upgraded.QueryRow(ctx, `INSERT INTO entities (slug, name) VALUES ('old', 'Old') RETURNING id`).Scan(&entityID); err != nil {
		t.Fatal(err)
	}
	if _, err := upgraded.Exec(ctx, `INSERT INTO entity_requirements (entity_id, requirement_code, maturity, status, catalogue_version)
		VALUES ($1, '6.8', 3, 'implemented', '2026.1')`, entityID); err != nil {
		t.Fatal(err)
	}
	if err := mg.Up(); err != nil {
		t.Fatal(err)
	}
	if err := catalogue.Sync(ctx, upgraded); err != nil {
		t.Fatal(err)
	}

	a, b := catalogueRows(t, fresh), catalogueRows(t, upgraded)
	for table := range a {
		if !slices.Equal(a[table], b[table]) {
			t.Errorf("%s differs between a fresh and an upgraded installation:\nfresh    %.300v\nupgraded %.300v", table, a[table], b[table])
		}
	}
	if err := catalogue.Sync(ctx, upgraded); err != nil {
		t.Fatalf("second load: %v", err)
	}
	for table, rows := range catalogueRows(t, upgraded) {
		if !slices.Equal(rows, b[table]) {
			t.Errorf("%s changed when the editions were loaded again", table)
		}
	}
	var edition string
	var maturity int
	if err := upgraded.QueryRow(ctx, `SELECT e.catalogue_edition, r.maturity FROM entities e
		JOIN entity_requirements r ON r.entity_id = e.id AND r.requirement_code = '6.8' WHERE e.id = $1`, entityID).Scan(&edition, &maturity); err != nil {
		t.Fatal(err)
	}
	if edition != "2026.1" || maturity != 3 {
		t.Errorf("upgraded entity: edition %q, maturity %d", edition, maturity)
	}
}

// TestPublishedEditionsAreNeverEdited: loading an edition whose version is
// stored with another content is refused and writes nothing, and the
// database itself refuses to edit or delete a published edition.
func TestPublishedEditionsAreNeverEdited(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	pool := dbtest.New(t)
	before := catalogueRows(t, pool)
	edited := edition(t, catalogue.Latest(), catalogue.Latest().Version, func(c *catalogue.Catalogue) {
		c.Requirements[0].Text.NL += " Gecorrigeerd."
	})
	err := catalogue.SyncEditions(ctx, pool, []*catalogue.Catalogue{edited})
	if !errors.Is(err, catalogue.ErrEditionChanged) {
		t.Fatalf("edited edition: %v, want ErrEditionChanged", err)
	}
	for table, rows := range catalogueRows(t, pool) {
		if !slices.Equal(rows, before[table]) {
			t.Errorf("%s changed although the edition was refused", table)
		}
	}
	for _, stmt := range []string{
		`UPDATE catalogue_editions SET content = content || ' ' WHERE version = '2026.1'`,
		`UPDATE catalogue_editions SET sha256 = repeat('0', 64) WHERE version = '2026.1'`,
		`DELETE FROM catalogue_editions WHERE version = '2026.1'`,
	} {
		var pgErr *pgconn.PgError
		if _, err := pool.Exec(ctx, stmt); !errors.As(err, &pgErr) || !strings.Contains(pgErr.Message, "catalogue edition") {
			t.Errorf("%s: %v, want the trigger to refuse", stmt, err)
		}
	}
}

// TestNewEditionReachesNewEntitiesOnly publishes a corrected edition: the
// catalogue tables hold its texts, an existing entity keeps the edition it
// assessed against, a new entity starts with the new one, and Diff names the
// changed requirement text.
func TestNewEditionReachesNewEntitiesOnly(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	pool := dbtest.New(t)
	var oldEntity int64
	if err := pool.QueryRow(ctx, `INSERT INTO entities (slug, name) VALUES ('old', 'Old') RETURNING id`).Scan(&oldEntity); err != nil {
		t.Fatal(err)
	}
	base := catalogue.Latest()
	next := edition(t, base, "2099.2", func(c *catalogue.Catalogue) {
		c.Requirements[5].Text.NL = "Nieuwe tekst."
		c.Requirements[5].Text.EN = "New text."
		c.Measures[1].Label.EN = "Incident handling"
	})
	if err := catalogue.SyncEditions(ctx, pool, []*catalogue.Catalogue{base, next}); err != nil {
		t.Fatal(err)
	}
	compareWithDatabase(t, pool, next)
	var oldEd, newEd string
	if err := pool.QueryRow(ctx, `SELECT catalogue_edition FROM entities WHERE id = $1`, oldEntity).Scan(&oldEd); err != nil {
		t.Fatal(err)
	}
	if err := pool.QueryRow(ctx, `INSERT INTO entities (slug, name) VALUES ('new', 'New') RETURNING catalogue_edition`).Scan(&newEd); err != nil {
		t.Fatal(err)
	}
	if oldEd != base.Version || newEd != "2099.2" {
		t.Errorf("existing entity on %q (want %s), new entity on %q (want 2099.2)", oldEd, base.Version, newEd)
	}

	changes := catalogue.Diff(base, next)
	if len(changes) != 2 {
		t.Fatalf("%d changes, want 2: %+v", len(changes), changes)
	}
	if m := changes[0]; m.Requirement || m.Code != "b" || !slices.Equal(m.Fields, []string{"label"}) || !m.OldText.IsZero() {
		t.Errorf("measure change %+v", m)
	}
	r := changes[1]
	if !r.Requirement || r.Kind != catalogue.Changed || r.Code != base.Requirements[5].Code || !slices.Equal(r.Fields, []string{"text"}) ||
		r.OldText != base.Requirements[5].Text || r.NewText.NL != "Nieuwe tekst." {
		t.Errorf("requirement change %+v", r)
	}
	if d := catalogue.Diff(base, base); len(d) != 0 {
		t.Errorf("an edition differs from itself: %+v", d)
	}
}

// countingQuerier counts the queries that reach the database.
type countingQuerier struct {
	db.Querier
	n int
}

func (c *countingQuerier) QueryRow(ctx context.Context, sql string, args ...any) pgx.Row {
	c.n++
	return c.Querier.QueryRow(ctx, sql, args...)
}

func (c *countingQuerier) Query(ctx context.Context, sql string, args ...any) (pgx.Rows, error) {
	c.n++
	return c.Querier.Query(ctx, sql, args...)
}

// TestGetReadsAnEditionOnce: a shipped edition never costs a query, and an
// edition only the database has (loaded by a newer release) is read once and
// then served from memory.
func TestGetReadsAnEditionOnce(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	pool := dbtest.New(t)
	q := &countingQuerier{Querier: pool}
	if c, err := catalogue.Get(ctx, q, catalogue.Latest().Version); err != nil || c != catalogue.Latest() || q.n != 0 {
		t.Fatalf("shipped edition: %v, %d queries", err, q.n)
	}
	other := edition(t, catalogue.Latest(), "2099.3", func(c *catalogue.Catalogue) { c.Requirements[0].Title.EN = "Policy" })
	if err := catalogue.SyncEditions(ctx, pool, []*catalogue.Catalogue{catalogue.Latest(), other}); err != nil {
		t.Fatal(err)
	}
	for range 3 {
		c, err := catalogue.Get(ctx, q, "2099.3")
		if err != nil || c.SHA256 != other.SHA256 || c.Requirements[0].Title.EN != "Policy" {
			t.Fatalf("edition from the database: %v", err)
		}
	}
	if q.n != 1 {
		t.Errorf("%d queries for three reads, want 1", q.n)
	}
	if _, err := catalogue.Get(ctx, q, "1999.1"); !errors.Is(err, db.ErrNotFound) {
		t.Errorf("unknown edition: %v", err)
	}
}

// TestSyncStoresTrickyTexts publishes an edition full of characters that are
// special somewhere in SQL and reads it back from the tables and, as a file,
// from catalogue_editions.
func TestSyncStoresTrickyTexts(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	tricky := []string{
		`it's 'quoted'''`,
		`back\slash \' \\ \n E'x'`,
		`$$ dollar $$ $tag$ ; DROP TABLE measures; --`,
		`/* not a comment */ -- nor this`,
		`ï ë é ü € — “curly” ‘single’ 🙂 ‎`,
	}
	c := edition(t, catalogue.Latest(), "2099.4", func(c *catalogue.Catalogue) {
		c.Measures[0].Explanation.NL = strings.Join(tricky, " ")
		c.Measures[1].Label.EN = tricky[0]
		c.Requirements[0].Text.EN = tricky[1]
		c.Requirements[1].Title.NL = tricky[2]
		c.Requirements[2].Text.NL = tricky[3]
		c.Requirements[3].Source = tricky[4]
	})
	pool := migratedPool(t)
	if err := catalogue.SyncEditions(ctx, pool, []*catalogue.Catalogue{catalogue.Latest(), c}); err != nil {
		t.Fatal(err)
	}
	compareWithDatabase(t, pool, c)
	var content, sum string
	if err := pool.QueryRow(ctx, `SELECT content, sha256 FROM catalogue_editions WHERE version = '2099.4'`).Scan(&content, &sum); err != nil {
		t.Fatal(err)
	}
	back, err := catalogue.Parse([]byte(content))
	if err != nil || back.SHA256 != c.SHA256 || sum != c.SHA256 || back.Requirements[1].Title.NL != tricky[2] {
		t.Errorf("stored edition does not read back: %v", err)
	}
}
