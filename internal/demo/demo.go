// Package demo seeds the demo entity, a Dutch drinking-water company, so a
// first-time visitor sees Weerbaar with realistic data. Seeding is idempotent.
package demo

import (
	"context"
	"errors"
	"fmt"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/weerbaar/weerbaar/internal/db"
	"github.com/weerbaar/weerbaar/internal/entity"
)

// EntitySlug identifies the demo entity.
const EntitySlug = "drinkwater-demo"

// Seed creates the demo data unless it already exists and reports whether it
// created anything.
func Seed(ctx context.Context, pool *pgxpool.Pool) (bool, error) {
	created := false
	err := db.InTx(ctx, pool, func(tx pgx.Tx) error {
		var exists bool
		if err := tx.QueryRow(ctx, `SELECT EXISTS (SELECT 1 FROM entities WHERE slug = $1)`, EntitySlug).Scan(&exists); err != nil {
			return fmt.Errorf("look for demo entity: %w", err)
		}
		if exists {
			return nil
		}
		_, err := entity.Create(ctx, tx, entity.NewEntity{
			Slug:      EntitySlug,
			Name:      "Drinkwaterbedrijf Demo",
			LegalName: "Drinkwaterbedrijf Demo B.V.",
			City:      "Utrecht",
		})
		created = err == nil
		return err
	})
	if errors.Is(err, db.ErrConflict) { // a concurrent seed won the race
		return false, nil
	}
	return created, err
}

// SeedIfEmpty seeds only into a database without any entity, so `make run`
// never adds demo data next to an organisation's real data.
func SeedIfEmpty(ctx context.Context, pool *pgxpool.Pool) (bool, error) {
	var any bool
	if err := pool.QueryRow(ctx, `SELECT EXISTS (SELECT 1 FROM entities)`).Scan(&any); err != nil {
		return false, fmt.Errorf("count entities: %w", err)
	}
	if any {
		return false, nil
	}
	return Seed(ctx, pool)
}
