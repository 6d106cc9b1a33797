// Package demo seeds the demo entity, a Dutch drinking-water company, with one
// account per role, so a first-time visitor sees Weerbaar with realistic data.
// Seeding is idempotent.
package demo

import (
	"context"
	"errors"
	"fmt"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/weerbaar/weerbaar/internal/audit"
	"github.com/weerbaar/weerbaar/internal/auth"
	"github.com/weerbaar/weerbaar/internal/authz"
	"github.com/weerbaar/weerbaar/internal/db"
	"github.com/weerbaar/weerbaar/internal/entity"
)

// The demo entity.
const (
	EntitySlug = "drinkwater-demo"
	EntityName = "Drinkwaterbedrijf Demo"
)

// Password is the one password of every demo account (printed by `make run`
// and written in the README). Demo accounts start without MFA so the demo is
// quick to try; the demo entity does not require MFA.
const Password = "Weerbaar-demo-2026"

// Account is a demo account.
type Account struct {
	Email, Name string
	Role        authz.Role
}

// Accounts are the demo accounts, one per role.
var Accounts = []Account{
	{"admin@demo.weerbaar.test", "Anne de Beheerder", authz.Admin},
	{"officer@demo.weerbaar.test", "Sanne Visser", authz.SecurityOfficer},
	{"board@demo.weerbaar.test", "Pieter Jansen", authz.BoardMember},
	{"auditor@demo.weerbaar.test", "Fatima El Amrani", authz.Auditor},
}

// Seed creates the demo data unless it already exists and reports whether it
// created anything.
func Seed(ctx context.Context, pool *pgxpool.Pool) (bool, error) {
	created := false
	var entityID int64
	ctx = audit.WithMeta(ctx, audit.Meta{ActorEmail: "seed-demo"})
	err := db.InTx(ctx, pool, func(tx pgx.Tx) error {
		var exists bool
		if err := tx.QueryRow(ctx, `SELECT EXISTS (SELECT 1 FROM entities WHERE slug = $1)`, EntitySlug).Scan(&exists); err != nil {
			return fmt.Errorf("look for demo entity: %w", err)
		}
		if exists {
			return nil
		}
		e, err := entity.Create(ctx, tx, entity.NewEntity{
			Slug:      EntitySlug,
			Name:      EntityName,
			LegalName: "Drinkwaterbedrijf Demo B.V.",
			City:      "Utrecht",
		})
		if err != nil {
			return err
		}
		if _, err := tx.Exec(ctx, `UPDATE entities SET mfa_required = false WHERE id = $1`, e.ID); err != nil {
			return err
		}
		for _, a := range Accounts {
			if err := seedAccount(ctx, tx, e.ID, a); err != nil {
				return err
			}
		}
		created, entityID = true, e.ID
		return nil
	})
	if errors.Is(err, db.ErrConflict) { // a concurrent seed won the race
		return false, nil
	}
	if err != nil || !created {
		return false, err
	}
	return true, seedState(ctx, pool, entityID)
}

func seedAccount(ctx context.Context, tx pgx.Tx, entityID int64, a Account) error {
	u, err := auth.GetUserByEmail(ctx, tx, a.Email)
	if errors.Is(err, db.ErrNotFound) {
		if err := tx.QueryRow(ctx, `INSERT INTO users (email, name) VALUES ($1, $2) RETURNING id`, a.Email, a.Name).Scan(&u.ID); err != nil {
			return fmt.Errorf("create demo user %s: %w", a.Email, err)
		}
		if err := auth.SetPasswordDirect(ctx, tx, u.ID, Password); err != nil {
			return err
		}
	} else if err != nil {
		return err
	}
	if err := entity.AddMembership(ctx, tx, entityID, u.ID, a.Role); err != nil {
		return err
	}
	return audit.Record(ctx, tx, audit.Event{EntityID: entityID, Action: "membership.added", ObjectType: "membership",
		ObjectID: fmt.Sprint(u.ID), After: map[string]any{"email": a.Email, "role": string(a.Role)}})
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
