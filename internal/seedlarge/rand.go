package seedlarge

import (
	"context"
	"fmt"
	"math/rand/v2"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"
)

// randSource is one entity's random source: seeded from the options and
// the entity's index, so an entity's data does not depend on the others.
type randSource struct{ *rand.Rand }

func newRand(o Options, i int) *randSource {
	return &randSource{rand.New(rand.NewPCG(o.Seed, uint64(i)+1))}
}

// chance is true with probability p.
func (r *randSource) chance(p float64) bool { return r.Float64() < p }

// between is a whole number in [lo, hi].
func (r *randSource) between(lo, hi int) int { return lo + r.IntN(hi-lo+1) }

// pick is a random element of list.
func pick[T any](r *randSource, list []T) T { return list[r.IntN(len(list))] }

// timeBetween is a time in [from, to), whole seconds.
func (r *randSource) timeBetween(from, to time.Time) time.Time {
	span := to.Sub(from)
	if span <= time.Second {
		return from
	}
	return from.Add(time.Duration(r.Int64N(int64(span/time.Second))) * time.Second)
}

// reserveIDs takes n values of table's id sequence, so rows copied later
// can be referred to before they exist.
func reserveIDs(ctx context.Context, tx pgx.Tx, table string, n int) ([]int64, error) {
	if n == 0 {
		return nil, nil
	}
	rows, err := tx.Query(ctx, `SELECT nextval(pg_get_serial_sequence($1, 'id')) FROM generate_series(1, $2)`, table, n)
	if err != nil {
		return nil, fmt.Errorf("reserve %d ids of %s: %w", n, table, err)
	}
	ids, err := pgx.CollectRows(rows, pgx.RowTo[int64])
	if err != nil {
		return nil, fmt.Errorf("reserve %d ids of %s: %w", n, table, err)
	}
	return ids, nil
}

// copyRows writes rows into table with COPY. A table whose id is GENERATED
// ALWAYS takes no id from COPY, so rows with reserved ids (withID) go
// through a temporary table and one INSERT … OVERRIDING SYSTEM VALUE.
func copyRows(ctx context.Context, tx pgx.Tx, table string, cols []string, rows [][]any, withID bool) error {
	if len(rows) == 0 {
		return nil
	}
	if !withID {
		if _, err := tx.CopyFrom(ctx, pgx.Identifier{table}, cols, pgx.CopyFromRows(rows)); err != nil {
			return fmt.Errorf("copy %s: %w", table, err)
		}
		return nil
	}
	tmp := "seed_" + table
	if _, err := tx.Exec(ctx, `CREATE TEMP TABLE `+tmp+` (LIKE `+table+` INCLUDING DEFAULTS) ON COMMIT DROP`); err != nil {
		return fmt.Errorf("copy %s: %w", table, err)
	}
	if _, err := tx.CopyFrom(ctx, pgx.Identifier{tmp}, cols, pgx.CopyFromRows(rows)); err != nil {
		return fmt.Errorf("copy %s: %w", table, err)
	}
	list := strings.Join(cols, ", ")
	if _, err := tx.Exec(ctx, `INSERT INTO `+table+` (`+list+`) OVERRIDING SYSTEM VALUE SELECT `+list+` FROM `+tmp); err != nil {
		return fmt.Errorf("insert %s: %w", table, err)
	}
	_, err := tx.Exec(ctx, `DROP TABLE `+tmp)
	return err
}
