package auth

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"github.com/jackc/pgx/v5"

	"github.com/weerbaar/weerbaar/internal/audit"
	"github.com/weerbaar/weerbaar/internal/authz"
	"github.com/weerbaar/weerbaar/internal/db"
	"github.com/weerbaar/weerbaar/internal/entity"
	"github.com/weerbaar/weerbaar/internal/validate"
)

// ErrLastAdmin refuses a change that would leave an entity without an admin.
var ErrLastAdmin = errors.New("an entity needs at least one admin")

// ErrForbidden refuses a change the actor may not make, e.g. disabling an
// account that also belongs to an entity the actor does not administer.
var ErrForbidden = errors.New("not allowed")

// InviteInput is the invite form.
type InviteInput struct {
	Email, Name string
	Role        string
}

// Invite adds a user to the actor's entity with a role. A new address gets an
// account without a password and a one-time set-password link, valid 72 h;
// an existing account is added as it is (and gets a new link when it never
// set a password).
func (s *Service) Invite(ctx context.Context, actor authz.Actor, in InviteInput) (link string, err error) {
	email, ok := validate.Email(in.Email)
	name := strings.TrimSpace(in.Name)
	errs := validate.Errors{}
	if !ok {
		errs.Add("email", "validate.email")
	}
	if name == "" || len(name) > 200 {
		errs.Add("name", "validate.required")
	}
	role, ok := authz.ParseRole(in.Role)
	if !ok {
		errs.Add("role", "validate.choice")
	}
	if err := errs.Err(); err != nil {
		return "", err
	}
	err = db.InTx(ctx, s.Pool, func(tx pgx.Tx) error {
		u, err := GetUserByEmail(ctx, tx, email)
		created := false
		if errors.Is(err, db.ErrNotFound) {
			u, err = insertUser(ctx, tx, email, name, false)
			created = true
		}
		if err != nil {
			return err
		}
		if err := entity.AddMembership(ctx, tx, actor.EntityID, u.ID, role); errors.Is(err, db.ErrConflict) {
			return validate.Field("email", "users.error.already_member")
		} else if err != nil {
			return err
		}
		if u.PasswordHash == "" {
			if link, err = s.IssueToken(ctx, tx, u.ID, "invite"); err != nil {
				return err
			}
		}
		// One row for the whole invitation: the account (when new), the
		// membership and the link are one change from the admin's view.
		return audit.Record(ctx, tx, audit.Event{EntityID: actor.EntityID, Action: "membership.added", ObjectType: "membership",
			ObjectID: idString(u.ID), After: map[string]any{"email": email, "name": name, "role": string(role),
				"account_created": created, "link_issued": link != ""}})
	})
	return link, err
}

// ChangeRole gives a member another role. The member's session token is
// renewed on their next request (authz_epoch).
func (s *Service) ChangeRole(ctx context.Context, actor authz.Actor, userID int64, roleValue string) error {
	return db.InTx(ctx, s.Pool, func(tx pgx.Tx) error {
		m, err := s.lockMember(ctx, tx, actor.EntityID, userID)
		if err != nil {
			return err
		}
		role, ok := authz.ParseRole(roleValue)
		if !ok {
			return validate.Field("role", "validate.choice")
		}
		if m.Role == role {
			return nil
		}
		if m.Role == authz.Admin {
			if err := mustKeepAnAdmin(ctx, tx, actor.EntityID); err != nil {
				return err
			}
		}
		if err := entity.SetRole(ctx, tx, actor.EntityID, userID, role); err != nil {
			return err
		}
		if err := updateUser(ctx, tx, userID, `authz_epoch = authz_epoch + 1`, pgx.StrictNamedArgs{}); err != nil {
			return err
		}
		return audit.Record(ctx, tx, audit.Event{EntityID: actor.EntityID, Action: "membership.role_changed", ObjectType: "membership",
			ObjectID: idString(userID), Before: map[string]any{"role": string(m.Role)}, After: map[string]any{"role": string(role)}})
	})
}

// RemoveMember takes a user out of the entity and ends their sessions.
func (s *Service) RemoveMember(ctx context.Context, actor authz.Actor, userID int64) error {
	return db.InTx(ctx, s.Pool, func(tx pgx.Tx) error {
		m, err := s.lockMember(ctx, tx, actor.EntityID, userID)
		if err != nil {
			return err
		}
		if m.Role == authz.Admin {
			if err := mustKeepAnAdmin(ctx, tx, actor.EntityID); err != nil {
				return err
			}
		}
		if err := entity.RemoveMembership(ctx, tx, actor.EntityID, userID); err != nil {
			return err
		}
		if err := updateUser(ctx, tx, userID, `session_epoch = session_epoch + 1`, pgx.StrictNamedArgs{}); err != nil {
			return err
		}
		return audit.Record(ctx, tx, audit.Event{EntityID: actor.EntityID, Action: "membership.removed", ObjectType: "membership",
			ObjectID: idString(userID), Before: map[string]any{"email": m.Email, "role": string(m.Role)}})
	})
}

// SetDisabled switches a member's account off (ending all their sessions at
// once) or on again. An entity admin may do this only for accounts that belong
// to no other entity, and never to themselves.
func (s *Service) SetDisabled(ctx context.Context, actor authz.Actor, userID int64, disabled bool) error {
	if userID == actor.UserID {
		return ErrForbidden
	}
	return db.InTx(ctx, s.Pool, func(tx pgx.Tx) error {
		m, err := s.lockMember(ctx, tx, actor.EntityID, userID)
		if err != nil {
			return err
		}
		if m.OtherEntities > 0 {
			return ErrForbidden
		}
		if m.Disabled == disabled {
			return nil
		}
		if disabled && m.Role == authz.Admin {
			if err := mustKeepAnAdmin(ctx, tx, actor.EntityID); err != nil {
				return err
			}
		}
		set, action := `disabled_at = NULL`, "user.enabled"
		if disabled {
			set, action = `disabled_at = now(), session_epoch = session_epoch + 1`, "user.disabled"
		}
		if err := updateUser(ctx, tx, userID, set, pgx.StrictNamedArgs{}); err != nil {
			return err
		}
		return audit.Record(ctx, tx, audit.Event{EntityID: actor.EntityID, Action: action, ObjectType: "user",
			ObjectID: idString(userID), Before: map[string]any{"disabled": !disabled}, After: map[string]any{"disabled": disabled}})
	})
}

// lockMember serialises membership changes of the entity and loads the member
// (db.ErrNotFound for users of other entities).
func (s *Service) lockMember(ctx context.Context, tx pgx.Tx, entityID, userID int64) (entity.Member, error) {
	if err := entity.LockForMembershipChange(ctx, tx, entityID); err != nil {
		return entity.Member{}, err
	}
	return entity.GetMember(ctx, tx, entityID, userID)
}

// mustKeepAnAdmin is called before an admin loses that role: there must be
// another active admin.
func mustKeepAnAdmin(ctx context.Context, tx pgx.Tx, entityID int64) error {
	n, err := entity.CountAdmins(ctx, tx, entityID)
	if err != nil {
		return err
	}
	if n <= 1 {
		return fmt.Errorf("entity %d: %w", entityID, ErrLastAdmin)
	}
	return nil
}
