// Package entity owns the organisations Weerbaar serves: their records,
// memberships, NIS2 scope assessment and registration data.
package entity

import (
	"context"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/weerbaar/weerbaar/internal/audit"
	"github.com/weerbaar/weerbaar/internal/db"
)

// Entity is one organisation with a NIS2 duty of care. The JSON names are the
// column names, so a row read as JSON (entity.MembershipsJSON) decodes into it.
type Entity struct {
	ID        int64  `db:"id" json:"id"`
	Slug      string `db:"slug" json:"slug"`
	Name      string `db:"name" json:"name"`
	LegalName string `db:"legal_name" json:"legal_name"`
	City      string `db:"city" json:"city"`
	// MFARequired sends members without a second factor to enrolment first.
	MFARequired bool `db:"mfa_required" json:"mfa_required"`
	// CatalogueEdition is the measure catalogue edition the entity assesses
	// against; it changes only when the entity adopts a newer one.
	CatalogueEdition string    `db:"catalogue_edition" json:"catalogue_edition"`
	CreatedAt        time.Time `db:"created_at" json:"created_at"`
	UpdatedAt        time.Time `db:"updated_at" json:"updated_at"`
	Version          int       `db:"version" json:"version"`
}

const entityColumns = `id, slug, name, legal_name, city, mfa_required, catalogue_edition, created_at, updated_at, version`

// List returns all entities ordered by name.
func List(ctx context.Context, q db.Querier) ([]Entity, error) {
	rows, err := q.Query(ctx, `SELECT `+entityColumns+` FROM entities ORDER BY name, id`)
	if err != nil {
		return nil, fmt.Errorf("list entities: %w", err)
	}
	return pgx.CollectRows(rows, pgx.RowToStructByName[Entity])
}

// Get returns the entity with id, or db.ErrNotFound.
func Get(ctx context.Context, q db.Querier, id int64) (Entity, error) {
	return db.GetOne[Entity](ctx, q, fmt.Sprintf("get entity %d", id), `SELECT `+entityColumns+` FROM entities WHERE id = @id`,
		pgx.StrictNamedArgs{"id": id})
}

// NewEntity is the input for Create.
type NewEntity struct {
	Slug, Name, LegalName, City string
}

// Create inserts an entity in tx, audit-logged on the new entity's chain.
func Create(ctx context.Context, tx pgx.Tx, in NewEntity) (Entity, error) {
	rows, err := tx.Query(ctx, `INSERT INTO entities (slug, name, legal_name, city)
		VALUES (@slug, @name, @legal_name, @city) RETURNING `+entityColumns,
		pgx.StrictNamedArgs{"slug": in.Slug, "name": in.Name, "legal_name": in.LegalName, "city": in.City})
	if err != nil {
		return Entity{}, fmt.Errorf("create entity %s: %w", in.Slug, err)
	}
	e, err := pgx.CollectExactlyOneRow(rows, pgx.RowToStructByName[Entity])
	if err != nil {
		return Entity{}, fmt.Errorf("create entity %s: %w", in.Slug, db.MapError(err))
	}
	// No request could be scoped to the entity before it existed: the rest
	// of the transaction, its first rows, is scoped to it (row-level
	// security, internal/db).
	if err := db.ScopeTx(ctx, tx, e.ID); err != nil {
		return Entity{}, err
	}
	err = audit.Record(ctx, tx, audit.Event{EntityID: e.ID, Action: "entity.created", ObjectType: "entity",
		ObjectID: fmt.Sprint(e.ID), After: map[string]any{"slug": e.Slug, "name": e.Name, "legal_name": e.LegalName, "city": e.City}})
	return e, err
}
