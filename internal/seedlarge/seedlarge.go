// Package seedlarge builds the large, reproducible benchmark dataset (issue
// 15): twenty entities, the largest with 300 crown jewels, 150 suppliers,
// 3,000 risk scenarios, every requirement and Annex point answered, 2,000
// evidence items, 500 incidents with timelines and reports, 200 approval
// requests and 100,000 audit rows forming a valid hash chain; the other
// nineteen a tenth of that. Rows go in with COPY, not one per round trip,
// and the few records the app derives (scope assessment, registration,
// proportionality) through the services the pages use.
//
// The same Options give the same data: every value comes from one random
// source seeded with Options.Seed, and dates count back from Options.Today.
// Only what the services stamp with the clock (their created_at and their
// own audit rows, appended after the history) differs between runs, and
// the ids of rows below the entities: entities are filled in parallel, so
// their ids interleave differently, though in the same order within an
// entity (the order every list sorts ties by).
//
// The rows go in directly, not through the services, so the audit log does
// not trace each insert: each entity's chain is a generated history of
// plausible changes to its records (valid, as `weerbaar audit verify`
// checks), followed by the services' own rows.
//
// Seeding is idempotent: when the first large entity exists, Seed changes
// nothing and reports Created false. The entities and accounts are created
// in one transaction and each entity's data in one of its own, so a run
// that fails part-way leaves some entities empty; build again on a fresh
// database then.
package seedlarge

import (
	"context"
	"errors"
	"fmt"
	"math"
	"sync"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/weerbaar/weerbaar/internal/authz"
	"github.com/weerbaar/weerbaar/internal/db"
)

// Password is the password of every account of the large dataset.
const Password = "Weerbaar-groot-2026"

// DefaultSeed is the random seed of `weerbaar seed-large`.
const DefaultSeed = 15

// Options say what to build. Scale multiplies every count (1 = the full
// dataset); Today is the day the dates count back from.
type Options struct {
	Seed     uint64
	Scale    float64
	Entities int
	Today    time.Time
}

// Full is the full-size dataset of `weerbaar seed-large`, dated back from
// today.
func Full(today time.Time) Options {
	return Options{Seed: DefaultSeed, Scale: 1, Entities: 20, Today: today}
}

// Counts are the sizes of one entity's data.
type Counts struct {
	Jewels    int `json:"jewels"`
	Suppliers int `json:"suppliers"`
	Scenarios int `json:"scenarios"`
	Evidence  int `json:"evidence"`
	Incidents int `json:"incidents"`
	Approvals int `json:"approvals"`
	// AuditRows is the history; the services add a few rows after it.
	AuditRows int `json:"audit_rows"`
}

// largest is the full size of the largest entity; the others get a tenth.
var largest = Counts{Jewels: 300, Suppliers: 150, Scenarios: 3000, Evidence: 2000, Incidents: 500, Approvals: 200, AuditRows: 100_000}

// ScenariosPerJewel: each scenario is a jewel × a catalogue threat, unique
// per analysis, so a jewel has at most as many scenarios as there are
// threats.
const ScenariosPerJewel = 10

// countsFor is the size of entity i (0 = the largest).
func countsFor(o Options, i int) Counts {
	f := o.Scale
	if i > 0 {
		f /= 10
	}
	n := func(full int) int { return max(1, int(math.Round(float64(full)*f))) }
	c := Counts{Jewels: n(largest.Jewels), Suppliers: n(largest.Suppliers), Evidence: n(largest.Evidence),
		Incidents: n(largest.Incidents), Approvals: n(largest.Approvals), AuditRows: max(20, n(largest.AuditRows))}
	c.Scenarios = c.Jewels * ScenariosPerJewel
	return c
}

// Account is a sign-in of the dataset.
type Account struct {
	Email, Name string
	Role        authz.Role
	UserID      int64
}

// Entity is one seeded entity with its accounts.
type Entity struct {
	ID         int64
	Slug, Name string
	AnalysisID int64
	Counts     Counts
	Accounts   []Account
}

// Account returns the entity's account with role.
func (e Entity) Account(role authz.Role) Account {
	for _, a := range e.Accounts {
		if a.Role == role {
			return a
		}
	}
	return Account{}
}

// Result is what Seed built (or found), the largest entity first.
type Result struct {
	Created  bool
	Entities []Entity
	Elapsed  time.Duration
}

// Slug is the slug of entity i (0 = the largest).
func Slug(i int) string { return fmt.Sprintf("groot-%02d", i+1) }

// Seed builds the dataset unless its first entity exists; then it returns
// the existing entities and their accounts with Created false.
func Seed(ctx context.Context, pool *pgxpool.Pool, o Options) (Result, error) {
	start := time.Now()
	if o.Entities < 1 || o.Entities > len(profiles) || o.Scale <= 0 || o.Today.IsZero() {
		return Result{}, fmt.Errorf("seed-large: want 1 to %d entities, a positive scale and a day", len(profiles))
	}
	o.Today = time.Date(o.Today.Year(), o.Today.Month(), o.Today.Day(), 0, 0, 0, 0, time.UTC)
	if res, found, err := existing(ctx, pool, o); found || err != nil {
		return res, err
	}
	hash, err := passwordHash()
	if err != nil {
		return Result{}, err
	}
	// The entities and accounts first, in one transaction and in order, so
	// groot-01 is always the first entity id of the run; then their data,
	// each entity in a transaction of its own, filled by a few workers
	// (most of the time goes to the database's index upkeep).
	seeds := make([]*seed, o.Entities)
	err = db.InTx(ctx, pool, func(tx pgx.Tx) error {
		for i := range seeds {
			var err error
			if seeds[i], err = newSeed(ctx, tx, o, i, hash); err != nil {
				return fmt.Errorf("seed-large %s: %w", Slug(i), err)
			}
		}
		return nil
	})
	if errors.Is(err, db.ErrConflict) { // a concurrent seed won the race
		res, _, err := existing(ctx, pool, o)
		return res, err
	}
	if err != nil {
		return Result{}, err
	}
	if err := fillAll(ctx, pool, seeds); err != nil {
		return Result{}, err
	}
	res := Result{Created: true}
	for _, s := range seeds {
		res.Entities = append(res.Entities, s.e)
	}
	// A bulk load is followed by VACUUM as well as ANALYZE: it sets the
	// visibility map, so counts and lists use index-only scans from the
	// start, as they do once autovacuum has passed on a live database.
	if _, err := pool.Exec(ctx, `VACUUM (ANALYZE)`); err != nil {
		return res, fmt.Errorf("seed-large: vacuum: %w", err)
	}
	res.Elapsed = time.Since(start)
	return res, nil
}

// workers fill entities at once: enough to keep the database busy while
// Go hashes the audit rows.
const workers = 3

// fillAll fills every seeded entity, the largest first, and records what
// the services derive; it returns the first error.
func fillAll(ctx context.Context, pool *pgxpool.Pool, seeds []*seed) error {
	next := make(chan *seed)
	errs := make(chan error, len(seeds))
	var wg sync.WaitGroup
	for range min(workers, len(seeds)) {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for s := range next {
				err := db.InTx(ctx, pool, func(tx pgx.Tx) error { return s.fill(ctx, tx) })
				if err == nil {
					err = seedServices(ctx, pool, s.e, s.i)
				}
				if err != nil {
					errs <- fmt.Errorf("seed-large %s: %w", s.e.Slug, err)
				}
			}
		}()
	}
	for _, s := range seeds {
		next <- s
	}
	close(next)
	wg.Wait()
	close(errs)
	return <-errs
}

// existing reads the dataset's entities and accounts when the first one is
// there.
func existing(ctx context.Context, pool *pgxpool.Pool, o Options) (Result, bool, error) {
	var res Result
	for i := range o.Entities {
		e := Entity{Slug: Slug(i), Counts: countsFor(o, i)}
		err := pool.QueryRow(ctx, `SELECT e.id, e.name, coalesce((SELECT max(id) FROM risk_analyses WHERE entity_id = e.id), 0)
			FROM entities e WHERE e.slug = $1`, e.Slug).Scan(&e.ID, &e.Name, &e.AnalysisID)
		if errors.Is(err, pgx.ErrNoRows) {
			return res, i > 0, nil
		}
		if err != nil {
			return res, false, fmt.Errorf("seed-large: look for %s: %w", e.Slug, err)
		}
		for _, a := range accountsOf(i) {
			if err := pool.QueryRow(ctx, `SELECT id FROM users WHERE email = $1`, a.Email).Scan(&a.UserID); err != nil {
				return res, false, fmt.Errorf("seed-large: account %s: %w", a.Email, err)
			}
			e.Accounts = append(e.Accounts, a)
		}
		res.Entities = append(res.Entities, e)
	}
	return res, true, nil
}
