package entity

import (
	"context"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/weerbaar/weerbaar/internal/audit"
	"github.com/weerbaar/weerbaar/internal/auth"
	"github.com/weerbaar/weerbaar/internal/authz"
	"github.com/weerbaar/weerbaar/internal/db"
)

// Membership is a user's role in one entity, with what the top bar needs and
// the entity's record (so a request inside the entity needs no extra query).
// A pending membership is an invitation the user has not yet accepted: it
// grants nothing (no access, no entity switcher entry, no MFA duty).
type Membership struct {
	EntityID    int64      `db:"entity_id" json:"entity_id"`
	UserID      int64      `db:"user_id" json:"user_id"`
	Role        authz.Role `db:"role" json:"role"`
	EntityName  string     `db:"entity_name" json:"entity_name"`
	MFARequired bool       `db:"mfa_required" json:"mfa_required"`
	Entity      Entity     `db:"-" json:"entity"`
	Pending     bool       `db:"pending" json:"pending"`
	InvitedBy   string     `db:"invited_by" json:"invited_by"` // the inviter's name, for the invitee
}

// MembershipsJSON is an SQL expression: the memberships of user @user as a
// JSON array of Membership, ordered by entity name, pending invitations
// included (Pending; SplitPending separates them). It is the one definition
// of a user's memberships; MembershipsOfUser and the user loader of every
// request (UserWithMemberships, which embeds it in the user's query) both
// use it, so a change here applies to both.
const MembershipsJSON = membershipsJSONOf + "@user)"

// membershipsJSONOf is MembershipsJSON up to the user it is of.
const membershipsJSONOf = `(SELECT coalesce(json_agg(json_build_object(
		'entity_id', m.entity_id, 'user_id', m.user_id, 'role', m.role, 'entity_name', e.name,
		'mfa_required', e.mfa_required, 'entity', to_json(e),
		'pending', m.accepted_at IS NULL, 'invited_by', coalesce(i.name, '')) ORDER BY e.name, e.id), '[]')
	FROM memberships m JOIN entities e ON e.id = m.entity_id LEFT JOIN users i ON i.id = m.invited_by
	WHERE m.user_id = `

// membershipsOfUsersRow is MembershipsJSON of the users row in the query.
const membershipsOfUsersRow = membershipsJSONOf + "users.id)"

// MembershipsOfUser lists a user's entities by name: the accepted
// memberships, which grant access, and the pending invitations, which the
// user may accept or decline.
func MembershipsOfUser(ctx context.Context, q db.Querier, userID int64) (accepted, pending []Membership, err error) {
	var ms []Membership
	if err := q.QueryRow(ctx, `SELECT `+MembershipsJSON, pgx.StrictNamedArgs{"user": userID}).Scan(&ms); err != nil {
		return nil, nil, fmt.Errorf("memberships of user %d: %w", userID, err)
	}
	accepted, pending = SplitPending(ms)
	return accepted, pending, nil
}

// SplitPending separates accepted memberships (access) from pending
// invitations (nothing but the offer).
func SplitPending(ms []Membership) (accepted, pending []Membership) {
	for _, m := range ms {
		if m.Pending {
			pending = append(pending, m)
		} else {
			accepted = append(accepted, m)
		}
	}
	return accepted, pending
}

// UserWithMemberships returns the user with id and their memberships, each
// with its entity's record, split into accepted ones and pending
// invitations, in one query: it runs on every signed-in request, which then
// needs no further query to know who the user is, where they belong and
// what the current entity is. db.ErrNotFound for an unknown id. (It lives
// here, not in auth, because memberships are this package's; auth knows
// accounts only.)
func UserWithMemberships(ctx context.Context, q db.Querier, id int64) (u auth.User, accepted, pending []Membership, err error) {
	rows, err := q.Query(ctx, `SELECT `+auth.UserColumns+`, `+MembershipsJSON+` AS memberships FROM users WHERE id = @user`,
		pgx.StrictNamedArgs{"user": id})
	if err != nil {
		return auth.User{}, nil, nil, fmt.Errorf("load user %d: %w", id, err)
	}
	r, err := pgx.CollectExactlyOneRow(rows, pgx.RowToStructByName[userRow])
	if err != nil {
		return auth.User{}, nil, nil, fmt.Errorf("load user %d: %w", id, db.MapError(err))
	}
	accepted, pending = SplitPending(r.Memberships)
	return r.User, accepted, pending, nil
}

type userRow struct {
	auth.User
	Memberships []Membership `db:"memberships"`
}

// SessionUser is the user signed in to a session with their memberships, as
// the session store reads them together with the session (QueueSessionUser):
// the request's user then costs no round trip of its own. Found is false
// when the session names no user (or none that exists).
type SessionUser struct {
	Found             bool
	User              auth.User
	Accepted, Pending []Membership
}

type sessionUserKey struct{}

// WithSessionUser returns ctx with an empty SessionUser for the session
// store to fill when it loads the request's session.
func WithSessionUser(ctx context.Context) (context.Context, *SessionUser) {
	su := &SessionUser{}
	return context.WithValue(ctx, sessionUserKey{}, su), su
}

// SessionUserFrom returns the request's SessionUser, or nil when the request
// has none (WithSessionUser was not called).
func SessionUserFrom(ctx context.Context) *SessionUser {
	su, _ := ctx.Value(sessionUserKey{}).(*SessionUser)
	return su
}

// QueueSessionUser adds to b the query of the user that the unexpired
// session token names (sessions.user_id) with their memberships, as
// UserWithMemberships reads them; su holds them once b's results are
// closed.
func QueueSessionUser(b *pgx.Batch, token string, su *SessionUser) {
	b.Queue(`SELECT `+auth.UserColumns+`, `+membershipsOfUsersRow+` AS memberships FROM users
		WHERE id = (SELECT user_id FROM sessions WHERE token = @token AND current_timestamp < expiry)`,
		pgx.StrictNamedArgs{"token": token}).Query(func(rows pgx.Rows) error {
		found, err := pgx.CollectRows(rows, pgx.RowToStructByName[userRow])
		if err != nil {
			return fmt.Errorf("load the user of a session: %w", err)
		}
		*su = SessionUser{}
		if len(found) == 1 {
			su.Found, su.User = true, found[0].User
			su.Accepted, su.Pending = SplitPending(found[0].Memberships)
		}
		return nil
	})
}

// Member is a user as seen on an entity's user management page. For a
// pending invitation the entity sees only what it typed itself (address,
// name, role): whether the account exists elsewhere, has a password, a
// second factor or is disabled is not its business.
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
	Pending       bool       `db:"pending"`
}

// Active reports whether the member can use the entity: the invitation was
// accepted and the account has a password. Until then the users page shows
// the same "invited" row whether or not the account existed before.
func (m Member) Active() bool { return !m.Pending && m.PasswordSet }

// Members lists the users of an entity, pending invitations included.
func Members(ctx context.Context, q db.Querier, entityID int64) ([]Member, error) {
	rows, err := q.Query(ctx, `SELECT m.user_id, u.email,
			CASE WHEN m.accepted_at IS NULL OR u.password_hash = '' THEN coalesce(m.invited_name, u.name) ELSE u.name END AS name,
			m.role,
			m.accepted_at IS NOT NULL AND u.totp_enabled_at IS NOT NULL AS mfa_enabled,
			m.accepted_at IS NOT NULL AND u.password_hash <> '' AS password_set,
			m.accepted_at IS NOT NULL AND u.disabled_at IS NOT NULL AS disabled,
			CASE WHEN m.accepted_at IS NULL THEN 0 ELSE
				(SELECT count(*) FROM memberships o WHERE o.user_id = m.user_id AND o.entity_id <> m.entity_id)::int END AS other_entities,
			m.created_at, m.accepted_at IS NULL AS pending
		FROM memberships m JOIN users u ON u.id = m.user_id
		WHERE m.entity_id = @entity ORDER BY name, m.user_id`, pgx.StrictNamedArgs{"entity": entityID})
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

// CountAdmins counts the admins of an entity who accepted and are not disabled.
func CountAdmins(ctx context.Context, q db.Querier, entityID int64) (int, error) {
	var n int
	err := q.QueryRow(ctx, `SELECT count(*) FROM memberships m JOIN users u ON u.id = m.user_id
		WHERE m.entity_id = $1 AND m.role = 'admin' AND m.accepted_at IS NOT NULL AND u.disabled_at IS NULL`, entityID).Scan(&n)
	if err != nil {
		return 0, fmt.Errorf("count admins of entity %d: %w", entityID, err)
	}
	return n, nil
}

// AddMembership gives a user a role in an entity at once (seeding, the
// creator of a new entity); db.ErrConflict when the user is already a member.
// Invitations go through MemberService.Invite instead.
func AddMembership(ctx context.Context, q db.Querier, entityID, userID int64, role authz.Role) error {
	return insertMembership(ctx, q, newMembership{EntityID: entityID, UserID: userID, Role: role, Accepted: true})
}

// newMembership is a row to insert.
type newMembership struct {
	EntityID, UserID int64
	Role             authz.Role
	InvitedBy        int64  // 0: not invited (seed, entity creator)
	InvitedName      string // the name the inviter typed
	Accepted         bool
}

func insertMembership(ctx context.Context, q db.Querier, m newMembership) error {
	var invitedBy *int64
	var invitedName *string
	if m.InvitedBy != 0 {
		invitedBy = &m.InvitedBy
	}
	if m.InvitedName != "" {
		invitedName = &m.InvitedName
	}
	_, err := q.Exec(ctx, `INSERT INTO memberships (entity_id, user_id, role, accepted_at, invited_by, invited_name)
		VALUES (@entity, @user, @role, CASE WHEN @accepted THEN now() END, @invited_by, @invited_name)`,
		pgx.StrictNamedArgs{"entity": m.EntityID, "user": m.UserID, "role": m.Role, "accepted": m.Accepted,
			"invited_by": invitedBy, "invited_name": invitedName})
	if err != nil {
		return fmt.Errorf("add member %d to entity %d: %w", m.UserID, m.EntityID, db.MapError(err))
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
