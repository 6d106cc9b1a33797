// Package db owns Weerbaar's connection to PostgreSQL: the pool, transactions,
// error mapping, migrations and finding (or starting) a database to use.
package db

import (
	"context"
	"errors"
	"fmt"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/pgxpool"
)

// Errors returned by stores; handlers map them to HTTP statuses.
var (
	// ErrNotFound means no row matched, including rows of another entity.
	ErrNotFound = errors.New("not found")
	// ErrConflict means the row changed since it was read (optimistic locking)
	// or a unique constraint was violated.
	ErrConflict = errors.New("edit conflict")
)

// Querier is satisfied by *pgxpool.Pool and pgx.Tx, so store functions
// compose inside one transaction. SendBatch sends several statements in one
// round trip (a page's independent reads; each still counts in the query
// budget).
type Querier interface {
	Exec(ctx context.Context, sql string, args ...any) (pgconn.CommandTag, error)
	Query(ctx context.Context, sql string, args ...any) (pgx.Rows, error)
	QueryRow(ctx context.Context, sql string, args ...any) pgx.Row
	SendBatch(ctx context.Context, b *pgx.Batch) pgx.BatchResults
}

// InTx runs fn in a transaction, committing when fn returns nil and rolling
// back otherwise. Every write in Weerbaar goes through it, so a change and its
// audit row land together or not at all.
func InTx(ctx context.Context, pool *pgxpool.Pool, fn func(tx pgx.Tx) error) error {
	tx, err := pool.Begin(ctx)
	if err != nil {
		return fmt.Errorf("begin transaction: %w", err)
	}
	defer func() { _ = tx.Rollback(context.WithoutCancel(ctx)) }()
	if err := fn(tx); err != nil {
		return err
	}
	if err := tx.Commit(ctx); err != nil {
		if Unavailable(err) {
			return fmt.Errorf("commit: %w: %w", ErrOutcomeUnknown, err)
		}
		return fmt.Errorf("commit: %w", MapError(err))
	}
	return nil
}

// MapError turns driver errors into the package's sentinels where the caller
// can act on them and leaves others untouched.
func MapError(err error) error {
	if errors.Is(err, pgx.ErrNoRows) {
		return ErrNotFound
	}
	var pgErr *pgconn.PgError
	if errors.As(err, &pgErr) {
		switch pgErr.Code {
		case "23505", "40001": // unique_violation, serialization_failure
			return fmt.Errorf("%w: %s", ErrConflict, pgErr.ConstraintName)
		}
	}
	return err
}

// NewPool opens a pool for connString and checks that the server answers.
// The pool counts the queries of each request (see WithQueryCounter) and
// gives every connection its context's row-level security scope (ForEntity).
func NewPool(ctx context.Context, connString string) (*pgxpool.Pool, error) {
	return newPool(ctx, connString, nil)
}

// NewAppPool is NewPool for the web app: every connection acts as AppRole,
// which the policies hold, even though connString is the owner's. With
// appConnString (WEERBAAR_APP_DATABASE_URL) the app logs in as its own role
// instead and never holds the owner's password beyond start-up.
func NewAppPool(ctx context.Context, connString, appConnString string) (*pgxpool.Pool, error) {
	if appConnString != "" {
		return newPool(ctx, appConnString, nil)
	}
	return newPool(ctx, connString, runAsAppRole)
}

// NewAppPoolFromConfig is NewAppPool on a copy of a parsed configuration
// (the tests': a pool behind a proxy, say).
func NewAppPoolFromConfig(ctx context.Context, cfg *pgxpool.Config) (*pgxpool.Pool, error) {
	return openPool(ctx, cfg.Copy(), runAsAppRole)
}

func newPool(ctx context.Context, connString string, configure func(*pgxpool.Config)) (*pgxpool.Pool, error) {
	cfg, err := pgxpool.ParseConfig(connString)
	if err != nil {
		return nil, fmt.Errorf("parse database URL: %w", err)
	}
	return openPool(ctx, cfg, configure)
}

func openPool(ctx context.Context, cfg *pgxpool.Config, configure func(*pgxpool.Config)) (*pgxpool.Pool, error) {
	instrument(cfg)
	if configure != nil {
		configure(cfg)
	}
	pool, err := pgxpool.NewWithConfig(ctx, cfg)
	if err != nil {
		return nil, fmt.Errorf("open pool: %w", err)
	}
	if err := pool.Ping(ctx); err != nil {
		pool.Close()
		return nil, fmt.Errorf("connect to database: %w", err)
	}
	return pool, nil
}

// GetOne runs a query that selects at most one row and scans it by column
// name into T. No row is ErrNotFound (wrapped with what, e.g. "load jewel
// 7"), so a lookup scoped to another entity reads as absent.
func GetOne[T any](ctx context.Context, q Querier, what, sql string, args pgx.StrictNamedArgs) (T, error) {
	var zero T
	rows, err := q.Query(ctx, sql, args)
	if err != nil {
		return zero, fmt.Errorf("%s: %w", what, err)
	}
	v, err := pgx.CollectExactlyOneRow(rows, pgx.RowToStructByName[T])
	if err != nil {
		return zero, fmt.Errorf("%s: %w", what, MapError(err))
	}
	return v, nil
}
