package catalogue

import (
	"context"
	"embed"
	"errors"
	"fmt"
	"io/fs"
	"slices"
	"strconv"
	"strings"
	"sync"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/weerbaar/weerbaar/internal/db"
)

// editionFS holds the published editions, one file each: editions/2026.1.json.
//
//go:embed editions/*.json
var editionFS embed.FS

// embedded parses the embedded editions once, oldest first. A broken edition
// file is a build defect; the tests catch it before it ships.
var embedded = sync.OnceValues(func() ([]*Catalogue, error) {
	files, err := fs.Glob(editionFS, "editions/*.json")
	if err != nil {
		return nil, err
	}
	var eds []*Catalogue
	for _, name := range files {
		raw, err := editionFS.ReadFile(name)
		if err != nil {
			return nil, err
		}
		c, err := Parse(raw)
		if err != nil {
			return nil, fmt.Errorf("%s: %w", name, err)
		}
		if want := strings.TrimSuffix(strings.TrimPrefix(name, "editions/"), ".json"); c.Version != want {
			return nil, fmt.Errorf("%s: version %q, want %q (the file is named after its version)", name, c.Version, want)
		}
		eds = append(eds, c)
	}
	if len(eds) == 0 {
		return nil, errors.New("no catalogue edition embedded")
	}
	slices.SortFunc(eds, func(a, b *Catalogue) int { return CompareVersions(a.Version, b.Version) })
	return eds, nil
})

// Editions returns the editions this build ships, oldest first.
func Editions() ([]*Catalogue, error) { return embedded() }

// Latest returns the newest edition this build ships: the one new entities
// start with and existing entities are offered.
func Latest() *Catalogue {
	eds, err := embedded()
	if err != nil {
		panic("catalogue: " + err.Error())
	}
	return eds[len(eds)-1]
}

// CompareVersions orders edition versions "YYYY.N" numerically, so 2026.10
// comes after 2026.9.
func CompareVersions(a, b string) int {
	ay, an, _ := strings.Cut(a, ".")
	by, bn, _ := strings.Cut(b, ".")
	num := func(s string) int { n, _ := strconv.Atoi(s); return n }
	if c := num(ay) - num(by); c != 0 {
		return c
	}
	if c := num(an) - num(bn); c != 0 {
		return c
	}
	return strings.Compare(a, b)
}

// ErrEditionChanged means an edition's version is stored with another
// content hash: a published edition was edited instead of published anew.
var ErrEditionChanged = errors.New("catalogue edition changed after publication; publish a new edition instead")

// cache holds every edition read so far, keyed by version. Editions never
// change once published (Sync refuses a changed one), so an entry never goes
// stale.
var cache = struct {
	sync.RWMutex
	m map[string]*Catalogue
}{m: map[string]*Catalogue{}}

// Get returns the edition with version: from memory, or read once from the
// database when this build does not ship it (an edition loaded by a newer
// release). Unknown versions give db.ErrNotFound.
func Get(ctx context.Context, q db.Querier, version string) (*Catalogue, error) {
	cache.RLock()
	c, ok := cache.m[version]
	cache.RUnlock()
	if ok {
		return c, nil
	}
	if eds, err := embedded(); err == nil {
		for _, e := range eds {
			if e.Version == version {
				remember(e)
				return e, nil
			}
		}
	}
	var content, sum *string
	err := q.QueryRow(ctx, `SELECT content, sha256 FROM catalogue_editions WHERE version = $1`, version).Scan(&content, &sum)
	if err != nil {
		return nil, fmt.Errorf("catalogue edition %s: %w", version, db.MapError(err))
	}
	if content == nil || sum == nil {
		return nil, fmt.Errorf("catalogue edition %s is not loaded yet: %w", version, db.ErrNotFound)
	}
	c, err = Parse([]byte(*content))
	if err != nil {
		return nil, fmt.Errorf("catalogue edition %s in the database: %w", version, err)
	}
	if c.SHA256 != *sum || c.Version != version {
		return nil, fmt.Errorf("catalogue edition %s in the database: %w", version, ErrEditionChanged)
	}
	remember(c)
	return c, nil
}

func remember(c *Catalogue) {
	cache.Lock()
	defer cache.Unlock()
	if _, ok := cache.m[c.Version]; !ok {
		cache.m[c.Version] = c
	}
}

// Sync loads the embedded editions into the database; see SyncEditions.
func Sync(ctx context.Context, pool *pgxpool.Pool) error {
	eds, err := embedded()
	if err != nil {
		return err
	}
	return SyncEditions(ctx, pool, eds)
}

// SyncEditions stores each edition once, keyed by its version: a new version
// is inserted with its content and hash; the placeholder migration 000011
// left for the edition migration 000005 installed gets its content and hash;
// a stored version with another hash is refused with ErrEditionChanged and
// nothing is written. The measures and requirements tables, which other
// tables reference by code, then hold the newest edition's rows. It is
// idempotent and serialised by an advisory lock, so several instances can
// start at once.
func SyncEditions(ctx context.Context, pool *pgxpool.Pool, eds []*Catalogue) error {
	if len(eds) == 0 {
		return errors.New("sync catalogue: no editions")
	}
	eds = slices.Clone(eds)
	slices.SortFunc(eds, func(a, b *Catalogue) int { return CompareVersions(a.Version, b.Version) })
	return db.InTx(ctx, pool, func(tx pgx.Tx) error {
		if _, err := tx.Exec(ctx, `SELECT pg_advisory_xact_lock(7265327)`); err != nil {
			return err
		}
		for _, c := range eds {
			if len(c.file) == 0 {
				return fmt.Errorf("sync catalogue %s: not parsed from an edition file", c.Version)
			}
			raw := string(c.file)
			if _, err := tx.Exec(ctx, `INSERT INTO catalogue_versions (version) VALUES ($1) ON CONFLICT DO NOTHING`, c.Version); err != nil {
				return fmt.Errorf("sync catalogue %s: %w", c.Version, err)
			}
			var stored *string
			err := tx.QueryRow(ctx, `SELECT sha256 FROM catalogue_editions WHERE version = $1`, c.Version).Scan(&stored)
			switch {
			case errors.Is(err, pgx.ErrNoRows):
				_, err = tx.Exec(ctx, `INSERT INTO catalogue_editions (version, sha256, content) VALUES ($1, $2, $3)`,
					c.Version, c.SHA256, raw)
			case err != nil:
			case stored == nil:
				_, err = tx.Exec(ctx, `UPDATE catalogue_editions SET sha256 = $2, content = $3, loaded_at = now()
					WHERE version = $1 AND sha256 IS NULL`, c.Version, c.SHA256, raw)
			case *stored != c.SHA256:
				return fmt.Errorf("catalogue %s: stored sha256 %s, this build has %s: %w", c.Version, *stored, c.SHA256, ErrEditionChanged)
			}
			if err != nil {
				return fmt.Errorf("sync catalogue %s: %w", c.Version, err)
			}
		}
		return project(ctx, tx, eds[len(eds)-1])
	})
}

// project makes the measures, requirements and requirement_measures tables
// hold c, the newest edition, touching only rows that differ.
func project(ctx context.Context, tx pgx.Tx, c *Catalogue) error {
	latest := c.Version
	// Two statements: the unique index on current is checked row by row.
	if _, err := tx.Exec(ctx, `UPDATE catalogue_versions SET current = false WHERE current AND version <> $1`, latest); err != nil {
		return fmt.Errorf("current catalogue: %w", err)
	}
	if _, err := tx.Exec(ctx, `UPDATE catalogue_versions SET current = true WHERE NOT current AND version = $1`, latest); err != nil {
		return fmt.Errorf("current catalogue: %w", err)
	}
	for i, m := range c.Measures {
		_, err := tx.Exec(ctx, `INSERT INTO measures AS m (code, ordinal, label_nl, label_en, statute_nl, statute_en,
				explanation_nl, explanation_en, source, iso_controls, iso_clauses, catalogue_version)
			VALUES (@code, @ordinal, @label_nl, @label_en, @statute_nl, @statute_en, @explanation_nl, @explanation_en,
				@source, @iso_controls, @iso_clauses, @version)
			ON CONFLICT (code) DO UPDATE SET ordinal = excluded.ordinal, label_nl = excluded.label_nl, label_en = excluded.label_en,
				statute_nl = excluded.statute_nl, statute_en = excluded.statute_en, explanation_nl = excluded.explanation_nl,
				explanation_en = excluded.explanation_en, source = excluded.source, iso_controls = excluded.iso_controls,
				iso_clauses = excluded.iso_clauses, catalogue_version = excluded.catalogue_version
			WHERE (m.ordinal, m.label_nl, m.label_en, m.statute_nl, m.statute_en, m.explanation_nl, m.explanation_en, m.source,
				m.iso_controls, m.iso_clauses, m.catalogue_version) IS DISTINCT FROM
				(excluded.ordinal, excluded.label_nl, excluded.label_en, excluded.statute_nl, excluded.statute_en,
				excluded.explanation_nl, excluded.explanation_en, excluded.source, excluded.iso_controls, excluded.iso_clauses,
				excluded.catalogue_version)`,
			pgx.StrictNamedArgs{"code": m.Code, "ordinal": i + 1, "label_nl": m.Label.NL, "label_en": m.Label.EN,
				"statute_nl": m.Statute.NL, "statute_en": m.Statute.EN, "explanation_nl": m.Explanation.NL,
				"explanation_en": m.Explanation.EN, "source": m.Source, "iso_controls": nonNil(m.ISOControls),
				"iso_clauses": nonNil(m.ISOClauses), "version": latest})
		if err != nil {
			return fmt.Errorf("measure %s: %w", m.Code, err)
		}
	}
	var reqCodes, linkReq, linkMeasure []string
	for i, r := range c.Requirements {
		_, err := tx.Exec(ctx, `INSERT INTO requirements AS q (code, ordinal, section, title_nl, title_en, text_nl, text_en,
				source, iso_controls, where_appropriate, catalogue_version)
			VALUES (@code, @ordinal, @section, @title_nl, @title_en, @text_nl, @text_en, @source, @iso_controls,
				@where_appropriate, @version)
			ON CONFLICT (code) DO UPDATE SET ordinal = excluded.ordinal, section = excluded.section, title_nl = excluded.title_nl,
				title_en = excluded.title_en, text_nl = excluded.text_nl, text_en = excluded.text_en, source = excluded.source,
				iso_controls = excluded.iso_controls, where_appropriate = excluded.where_appropriate,
				catalogue_version = excluded.catalogue_version
			WHERE (q.ordinal, q.section, q.title_nl, q.title_en, q.text_nl, q.text_en, q.source, q.iso_controls,
				q.where_appropriate, q.catalogue_version) IS DISTINCT FROM
				(excluded.ordinal, excluded.section, excluded.title_nl, excluded.title_en, excluded.text_nl, excluded.text_en,
				excluded.source, excluded.iso_controls, excluded.where_appropriate, excluded.catalogue_version)`,
			pgx.StrictNamedArgs{"code": r.Code, "ordinal": i + 1, "section": r.Section, "title_nl": r.Title.NL,
				"title_en": r.Title.EN, "text_nl": r.Text.NL, "text_en": r.Text.EN, "source": r.Source,
				"iso_controls": nonNil(r.ISOControls), "where_appropriate": r.WhereAppropriate, "version": latest})
		if err != nil {
			return fmt.Errorf("requirement %s: %w", r.Code, err)
		}
		reqCodes = append(reqCodes, r.Code)
		for _, m := range r.Measures {
			linkReq, linkMeasure = append(linkReq, r.Code), append(linkMeasure, m)
		}
	}
	// Codes an edition dropped keep their row (state and evidence refer to
	// them) but move behind the edition's own requirements.
	if _, err := tx.Exec(ctx, `UPDATE requirements SET ordinal = @n + ordinal WHERE code <> ALL(@codes) AND ordinal <= @n`,
		pgx.StrictNamedArgs{"codes": reqCodes, "n": len(reqCodes)}); err != nil {
		return fmt.Errorf("dropped requirements: %w", err)
	}
	if _, err := tx.Exec(ctx, `DELETE FROM requirement_measures rm WHERE NOT EXISTS (
			SELECT 1 FROM unnest(@reqs::text[], @measures::text[]) AS l(r, m) WHERE l.r = rm.requirement_code AND l.m = rm.measure_code::text)`,
		pgx.StrictNamedArgs{"reqs": linkReq, "measures": linkMeasure}); err != nil {
		return fmt.Errorf("requirement measures: %w", err)
	}
	if _, err := tx.Exec(ctx, `INSERT INTO requirement_measures (requirement_code, measure_code)
			SELECT r, m FROM unnest(@reqs::text[], @measures::text[]) AS l(r, m) ON CONFLICT DO NOTHING`,
		pgx.StrictNamedArgs{"reqs": linkReq, "measures": linkMeasure}); err != nil {
		return fmt.Errorf("requirement measures: %w", err)
	}
	return nil
}

func nonNil(s []string) []string {
	if s == nil {
		return []string{}
	}
	return s
}
