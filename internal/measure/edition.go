package measure

import (
	"context"
	"errors"
	"fmt"
	"strconv"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/weerbaar/weerbaar/internal/audit"
	"github.com/weerbaar/weerbaar/internal/authz"
	"github.com/weerbaar/weerbaar/internal/db"
	"github.com/weerbaar/weerbaar/internal/measure/catalogue"
)

// ErrNotAdoptable means the edition asked for is not the newest edition or
// not newer than the entity's.
var ErrNotAdoptable = errors.New("catalogue edition cannot be adopted")

// EditionOffer is a newer catalogue edition an entity may adopt, with what
// differs from the edition it assesses against.
type EditionOffer struct {
	Current, Latest *catalogue.Catalogue
	Changes         []catalogue.Change
}

// OfferEdition returns the newest edition when it is newer than ed, and false
// when the entity is up to date. It needs no query: both editions are in
// memory.
func OfferEdition(ed *catalogue.Catalogue) (EditionOffer, bool) {
	latest := catalogue.Latest()
	if catalogue.CompareVersions(latest.Version, ed.Version) <= 0 {
		return EditionOffer{}, false
	}
	return EditionOffer{Current: ed, Latest: latest, Changes: catalogue.Diff(ed, latest)}, true
}

// AdoptEdition moves the actor's entity from edition from (the one the user
// saw the differences against) to edition to, the newest, audit-logged. The
// entity's work (state, evidence) refers to stable codes and is kept. When
// another user adopted it meanwhile the call is a no-op; when the entity's
// edition is no longer from, it is a db.ErrConflict.
func AdoptEdition(ctx context.Context, pool *pgxpool.Pool, actor authz.Actor, from, to string) error {
	if to != catalogue.Latest().Version {
		return fmt.Errorf("adopt %q: %w", to, ErrNotAdoptable)
	}
	return db.InTx(ctx, pool, func(tx pgx.Tx) error {
		var cur string
		if err := tx.QueryRow(ctx, `SELECT catalogue_edition FROM entities WHERE id = $1 FOR UPDATE`, actor.EntityID).Scan(&cur); err != nil {
			return fmt.Errorf("adopt catalogue edition: %w", db.MapError(err))
		}
		switch {
		case cur == to:
			return nil
		case cur != from:
			return fmt.Errorf("adopt catalogue edition: entity is on %s, not %s: %w", cur, from, db.ErrConflict)
		case catalogue.CompareVersions(to, cur) <= 0:
			return fmt.Errorf("adopt %s over %s: %w", to, cur, ErrNotAdoptable)
		}
		if _, err := tx.Exec(ctx, `UPDATE entities SET catalogue_edition = $2, updated_at = now() WHERE id = $1`, actor.EntityID, to); err != nil {
			return fmt.Errorf("adopt catalogue edition: %w", err)
		}
		return audit.Record(ctx, tx, audit.Event{EntityID: actor.EntityID, Action: "catalogue.adopted", ObjectType: "entity",
			ObjectID: strconv.FormatInt(actor.EntityID, 10), Before: map[string]any{"catalogue_edition": cur},
			After: map[string]any{"catalogue_edition": to}})
	})
}
