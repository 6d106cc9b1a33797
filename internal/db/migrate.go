package db

import (
	"errors"
	"fmt"

	"github.com/golang-migrate/migrate/v4"
	pgxmigrate "github.com/golang-migrate/migrate/v4/database/pgx/v5"
	"github.com/golang-migrate/migrate/v4/source/iofs"
	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/jackc/pgx/v5/stdlib"

	"github.com/weerbaar/weerbaar/migrations"
)

// Migrator applies the embedded migrations. golang-migrate holds an advisory
// lock while it works, so two starting processes cannot migrate at once.
type Migrator struct {
	m *migrate.Migrate
}

// NewMigrator prepares migrations against the database behind pool.
func NewMigrator(pool *pgxpool.Pool) (*Migrator, error) {
	src, err := iofs.New(migrations.FS, ".")
	if err != nil {
		return nil, fmt.Errorf("read embedded migrations: %w", err)
	}
	sqlDB := stdlib.OpenDBFromPool(pool)
	driver, err := pgxmigrate.WithInstance(sqlDB, &pgxmigrate.Config{})
	if err != nil {
		return nil, fmt.Errorf("migration driver: %w", err)
	}
	m, err := migrate.NewWithInstance("iofs", src, "pgx5", driver)
	if err != nil {
		return nil, fmt.Errorf("migrations: %w", err)
	}
	return &Migrator{m: m}, nil
}

// Up applies all pending migrations.
func (mg *Migrator) Up() error { return ignoreNoChange(mg.m.Up()) }

// To migrates up or down to version, e.g. to test an upgrade from an older
// schema.
func (mg *Migrator) To(version uint) error { return ignoreNoChange(mg.m.Migrate(version)) }

// Down rolls back n migrations; n <= 0 rolls back all of them.
func (mg *Migrator) Down(n int) error {
	if n <= 0 {
		return ignoreNoChange(mg.m.Down())
	}
	return ignoreNoChange(mg.m.Steps(-n))
}

// Version reports the current schema version and whether a failed migration
// left it dirty.
func (mg *Migrator) Version() (version uint, dirty bool, err error) {
	v, d, err := mg.m.Version()
	if errors.Is(err, migrate.ErrNilVersion) {
		return 0, false, nil
	}
	return v, d, err
}

// Close releases the migrator's connection (the pool stays open).
func (mg *Migrator) Close() error {
	srcErr, dbErr := mg.m.Close()
	return errors.Join(srcErr, dbErr)
}

// MigrateUp is the one-call form used at server start and by tests.
func MigrateUp(pool *pgxpool.Pool) error {
	mg, err := NewMigrator(pool)
	if err != nil {
		return err
	}
	defer mg.Close()
	if err := mg.Up(); err != nil {
		return fmt.Errorf("migrate up: %w", err)
	}
	return nil
}

func ignoreNoChange(err error) error {
	if errors.Is(err, migrate.ErrNoChange) {
		return nil
	}
	return err
}
