package entity

import (
	"context"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/weerbaar/weerbaar/internal/audit"

	"github.com/weerbaar/weerbaar/internal/authz"
	"github.com/weerbaar/weerbaar/internal/db"
)

// Membership is a user's role in one entity, with what the top bar needs and
// the entity's record (so a request inside the entity needs no extra query).
type Membership struct {
	EntityID    int64      `db:"entity_id" json:"entity_id"`
	UserID      int64      `db:"user_id" json:"user_id"`
	Role        authz.Role `db:"role" json:"role"`
	EntityName  string     `db:"entity_name" json:"entity_name"`
	MFARequired bool       `db:"mfa_required" json:"mfa_required"`
	Entity      Entity     `db:"-" json:"entity"`
}

// MembershipsJSON is an SQL expression: the memberships of user @user as a
// JSON array of Membership, ordered by entity name. It is the one definition
// of which memberships give a user access; MembershipsOfUser and the user
// loader of every request (auth.GetUserWithMemberships, which embeds it in
// the user's query) both use it, so a change here applies to both.
const MembershipsJSON = `(SELECT coalesce(json_agg(json_build_object(
		'entity_id', m.entity_id, 'user_id', m.user_id, 'role', m.role, 'entity_name', e.name,
		'mfa_required', e.mfa_required, 'entity', to_json(e)) ORDER BY e.name, e.id), '[]')
	FROM memberships m JOIN entities e ON e.id = m.entity_id
	WHERE m.user_id = @user)`

// MembershipsOfUser lists a user's entities by name.
func MembershipsOfUser(ctx context.Context, q db.Querier, userID int64) ([]Membership, error) {
	var ms []Membership
	if err := q.QueryRow(ctx, `SELECT `+MembershipsJSON, pgx.StrictNamedArgs{"user": userID}).Scan(&ms); err != nil {
		return nil, fmt.Errorf("memberships of user %d: %w", userID, err)
	}
	return ms, nil
}

// Member is a user as seen on an entity's user management page.
type Member struct {
	UserID        int64      `db:"user_id"`
	Email         string     `db:"email"`
	Name          string     `db:"name"`
	Role          authz.Role `db:"role"`
	MFAEnabled    bool       `db:"mfa_enabled"`
	PasswordSet   bool       `db:"password_set"`
	Disabled      bool       `db:"disabled"`
	OtherEntities int        `db:"other_entities"`
	JoinedAt      time.Time  `db:"created_at"`
}

// Members lists the users of an entity.
func Members(ctx context.Context, q db.Querier, entityID int64) ([]Member, error) {
	rows, err := q.Query(ctx, `SELECT m.user_id, u.email, u.name, m.role,
			u.totp_enabled_at IS NOT NULL AS mfa_enabled, u.password_hash <> '' AS password_set,
			u.disabled_at IS NOT NULL AS disabled,
			(SELECT count(*) FROM memberships o WHERE o.user_id = m.user_id AND o.entity_id <> m.entity_id)::int AS other_entities,
			m.created_at
		FROM memberships m JOIN users u ON u.id = m.user_id
		WHERE m.entity_id = @entity ORDER BY u.name, u.id`, pgx.StrictNamedArgs{"entity": entityID})
	if err != nil {
		return nil, fmt.Errorf("members of entity %d: %w", entityID, err)
	}
	return pgx.CollectRows(rows, pgx.RowToStructByName[Member])
}

// GetMember returns one member of an entity, or db.ErrNotFound when the user
// is not a member of that entity.
func GetMember(ctx context.Context, q db.Querier, entityID, userID int64) (Member, error) {
	list, err := Members(ctx, q, entityID)
	if err != nil {
		return Member{}, err
	}
	for _, m := range list {
		if m.UserID == userID {
			return m, nil
		}
	}
	return Member{}, fmt.Errorf("member %d of entity %d: %w", userID, entityID, db.ErrNotFound)
}

// LockForMembershipChange locks the entity row so concurrent role changes and
// removals are serialised; without it two admins could each remove the other
// and leave the entity without an admin.
func LockForMembershipChange(ctx context.Context, q db.Querier, entityID int64) error {
	var id int64
	err := q.QueryRow(ctx, `SELECT id FROM entities WHERE id = $1 FOR UPDATE`, entityID).Scan(&id)
	if err != nil {
		return fmt.Errorf("lock entity %d: %w", entityID, db.MapError(err))
	}
	return nil
}

// CountAdmins counts the admins of an entity.
func CountAdmins(ctx context.Context, q db.Querier, entityID int64) (int, error) {
	var n int
	err := q.QueryRow(ctx, `SELECT count(*) FROM memberships m JOIN users u ON u.id = m.user_id
		WHERE m.entity_id = $1 AND m.role = 'admin' AND u.disabled_at IS NULL`, entityID).Scan(&n)
	if err != nil {
		return 0, fmt.Errorf("count admins of entity %d: %w", entityID, err)
	}
	return n, nil
}

// AddMembership gives a user a role in an entity; db.ErrConflict when the user
// is already a member.
func AddMembership(ctx context.Context, q db.Querier, entityID, userID int64, role authz.Role) error {
	_, err := q.Exec(ctx, `INSERT INTO memberships (entity_id, user_id, role) VALUES ($1, $2, $3)`, entityID, userID, role)
	if err != nil {
		return fmt.Errorf("add member %d to entity %d: %w", userID, entityID, db.MapError(err))
	}
	return nil
}

// SetRole changes a member's role.
func SetRole(ctx context.Context, q db.Querier, entityID, userID int64, role authz.Role) error {
	tag, err := q.Exec(ctx, `UPDATE memberships SET role = $3, version = version + 1
		WHERE entity_id = $1 AND user_id = $2`, entityID, userID, role)
	if err != nil {
		return fmt.Errorf("set role of %d in entity %d: %w", userID, entityID, err)
	}
	if tag.RowsAffected() == 0 {
		return fmt.Errorf("set role of %d in entity %d: %w", userID, entityID, db.ErrNotFound)
	}
	return nil
}

// RemoveMembership takes a user out of an entity.
func RemoveMembership(ctx context.Context, q db.Querier, entityID, userID int64) error {
	tag, err := q.Exec(ctx, `DELETE FROM memberships WHERE entity_id = $1 AND user_id = $2`, entityID, userID)
	if err != nil {
		return fmt.Errorf("remove member %d from entity %d: %w", userID, entityID, err)
	}
	if tag.RowsAffected() == 0 {
		return fmt.Errorf("remove member %d from entity %d: %w", userID, entityID, db.ErrNotFound)
	}
	return nil
}

// SetMFARequired changes the entity's "MFA verplicht" setting, audit-logged.
func SetMFARequired(ctx context.Context, pool *pgxpool.Pool, entityID int64, required bool) error {
	return db.InTx(ctx, pool, func(tx pgx.Tx) error {
		var before bool
		err := tx.QueryRow(ctx, `SELECT mfa_required FROM entities WHERE id = $1 FOR UPDATE`, entityID).Scan(&before)
		if err != nil {
			return fmt.Errorf("load entity %d: %w", entityID, db.MapError(err))
		}
		if before == required {
			return nil
		}
		if _, err := tx.Exec(ctx, `UPDATE entities SET mfa_required = $2, updated_at = now(), version = version + 1 WHERE id = $1`, entityID, required); err != nil {
			return fmt.Errorf("set MFA requirement of entity %d: %w", entityID, err)
		}
		return audit.Record(ctx, tx, audit.Event{EntityID: entityID, Action: "entity.settings_changed", ObjectType: "entity",
			ObjectID: fmt.Sprint(entityID), Before: map[string]any{"mfa_required": before}, After: map[string]any{"mfa_required": required}})
	})
}

// CreateWithAdmin creates an entity (instance administrators only) and makes
// the creator its first admin.
func CreateWithAdmin(ctx context.Context, pool *pgxpool.Pool, in NewEntity, adminUserID int64) (Entity, error) {
	var e Entity
	err := db.InTx(ctx, pool, func(tx pgx.Tx) error {
		var err error
		if e, err = Create(ctx, tx, in); err != nil {
			return err
		}
		if err := AddMembership(ctx, tx, e.ID, adminUserID, authz.Admin); err != nil {
			return err
		}
		return audit.Record(ctx, tx, audit.Event{EntityID: e.ID, Action: "membership.added", ObjectType: "membership",
			ObjectID: fmt.Sprint(adminUserID), After: map[string]any{"role": string(authz.Admin)}})
	})
	return e, err
}
