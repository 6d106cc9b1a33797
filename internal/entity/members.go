package entity

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/weerbaar/weerbaar/internal/audit"
	"github.com/weerbaar/weerbaar/internal/auth"
	"github.com/weerbaar/weerbaar/internal/authz"
	"github.com/weerbaar/weerbaar/internal/db"
	"github.com/weerbaar/weerbaar/internal/validate"
)

// ErrLastAdmin refuses a change that would leave an entity without an admin.
var ErrLastAdmin = errors.New("an entity needs at least one admin")

// ErrForbidden refuses a change the actor may not make, e.g. disabling an
// account that also belongs to an entity the actor does not administer.
var ErrForbidden = errors.New("not allowed")

// MemberService changes memberships: invitations and the invitee's answer,
// role changes, removal, and switching a member's account off. It is the only
// writer of memberships besides the store functions it uses (AddMembership
// for seeding and new entities); the account side (users, links) is asked of
// internal/auth in the same transaction.
type MemberService struct {
	Pool *pgxpool.Pool
	// Accounts creates invited accounts and their one-time links.
	Accounts *auth.Service
}

// InviteInput is the invite form.
type InviteInput struct {
	Email, Name string
	Role        string
}

// Invitation is what an invite produced: a one-time link for the invited
// address (to mail, or for the admin to pass on). NewAccount tells the mail
// text apart; the admin's reply must not depend on it.
type Invitation struct {
	Email      string
	Link       string
	NewAccount bool
}

// Invite invites an address into the actor's entity with a role.
//
// A new address gets an account without a password and a set-password link
// (valid 72 h); using it is the invitee's consent, so that membership counts
// at once. An existing account, with or without a password, is never handed
// to the inviter: it gets a pending membership, which grants nothing until
// its owner opens the join link signed in and accepts (see Accept). The join
// link sets no password and retires no other link, so entity B inviting an
// address that entity A invited can neither take over the account nor break
// A's link; and B holding the set-password link of an address that A invites
// later cannot accept A's invitation without A's join link.
//
// The inviter sees the same reply either way: a link, the same notice, and on
// the users page the same "invited" row with the name they typed. (Opening
// the link themselves would show a set-password form for a new address and a
// sign-in prompt for an existing one; that is the one difference left.)
func (s *MemberService) Invite(ctx context.Context, actor authz.Actor, in InviteInput) (Invitation, error) {
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
		return Invitation{}, err
	}
	inv := Invitation{Email: email}
	err := db.InTx(ctx, s.Pool, func(tx pgx.Tx) error {
		u, err := auth.GetUserByEmail(ctx, tx, email)
		if errors.Is(err, db.ErrNotFound) {
			u, err = auth.InsertUser(ctx, tx, email, name)
			inv.NewAccount = true
		}
		if err != nil {
			return err
		}
		err = insertMembership(ctx, tx, newMembership{EntityID: actor.EntityID, UserID: u.ID, Role: role,
			InvitedBy: actor.UserID, InvitedName: name, Accepted: inv.NewAccount})
		if errors.Is(err, db.ErrConflict) {
			return validate.Field("email", "users.error.already_member")
		}
		if err != nil {
			return err
		}
		purpose := auth.PurposeJoin
		if inv.NewAccount {
			purpose = auth.PurposeInvite
		}
		if inv.Link, err = s.Accounts.IssueToken(ctx, tx, u.ID, purpose, actor.EntityID); err != nil {
			return err
		}
		// One row for the whole invitation, on the inviting entity's chain.
		// It does not say whether the account is new: the entity's admins and
		// auditors read this chain, and that would tell them.
		return audit.Record(ctx, tx, audit.Event{EntityID: actor.EntityID, Action: "membership.invited", ObjectType: "membership",
			ObjectID: fmt.Sprint(u.ID), After: map[string]any{"email": email, "name": name, "role": string(role)}})
	})
	return inv, err
}

// Accept is the invitee's yes to a pending membership: from now on it grants
// the role. It takes the invitation's join link (token): being signed in to
// the account is not proof enough, because whoever held another entity's
// set-password link for an address may hold the account without owning the
// address; the join link went to the address (by mail) or to the person the
// inviting admin meant. db.ErrNotFound when there is no pending invitation
// of that entity for the user, auth.ErrTokenInvalid for a wrong link.
func (s *MemberService) Accept(ctx context.Context, userID, entityID int64, token string) error {
	return db.InTx(ctx, s.Pool, func(tx pgx.Tx) error {
		if err := s.Accounts.UseJoinLink(ctx, tx, token, userID, entityID); err != nil {
			return err
		}
		var role authz.Role
		err := tx.QueryRow(ctx, `UPDATE memberships SET accepted_at = now(), version = version + 1
			WHERE entity_id = @entity AND user_id = @user AND accepted_at IS NULL RETURNING role`,
			pgx.StrictNamedArgs{"entity": entityID, "user": userID}).Scan(&role)
		if err != nil {
			return fmt.Errorf("accept membership of %d in entity %d: %w", userID, entityID, db.MapError(err))
		}
		if err := auth.RenewAuthz(ctx, tx, userID); err != nil {
			return err
		}
		return audit.Record(ctx, tx, audit.Event{EntityID: entityID, Action: "membership.accepted", ObjectType: "membership",
			ObjectID: fmt.Sprint(userID), Before: map[string]any{"pending": true}, After: map[string]any{"pending": false, "role": string(role)}})
	})
}

// Decline is the invitee's no: the pending membership goes. db.ErrNotFound
// when there is no pending invitation of that entity for the user.
func (s *MemberService) Decline(ctx context.Context, userID, entityID int64) error {
	return db.InTx(ctx, s.Pool, func(tx pgx.Tx) error {
		var role authz.Role
		err := tx.QueryRow(ctx, `DELETE FROM memberships
			WHERE entity_id = @entity AND user_id = @user AND accepted_at IS NULL RETURNING role`,
			pgx.StrictNamedArgs{"entity": entityID, "user": userID}).Scan(&role)
		if err != nil {
			return fmt.Errorf("decline membership of %d in entity %d: %w", userID, entityID, db.MapError(err))
		}
		return audit.Record(ctx, tx, audit.Event{EntityID: entityID, Action: "membership.declined", ObjectType: "membership",
			ObjectID: fmt.Sprint(userID), Before: map[string]any{"pending": true, "role": string(role)}})
	})
}

// ChangeRole gives a member (or a pending invitee) another role. The member's
// session token is renewed on their next request (authz_epoch).
func (s *MemberService) ChangeRole(ctx context.Context, actor authz.Actor, userID int64, roleValue string) error {
	return db.InTx(ctx, s.Pool, func(tx pgx.Tx) error {
		m, err := lockMember(ctx, tx, actor.EntityID, userID)
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
		if m.Role == authz.Admin && !m.Pending {
			if err := mustKeepAnAdmin(ctx, tx, actor.EntityID); err != nil {
				return err
			}
		}
		if err := SetRole(ctx, tx, actor.EntityID, userID, role); err != nil {
			return err
		}
		if err := auth.RenewAuthz(ctx, tx, userID); err != nil {
			return err
		}
		return audit.Record(ctx, tx, audit.Event{EntityID: actor.EntityID, Action: "membership.role_changed", ObjectType: "membership",
			ObjectID: fmt.Sprint(userID), Before: map[string]any{"role": string(m.Role)}, After: map[string]any{"role": string(role)}})
	})
}

// RemoveMember takes a user out of the entity (or withdraws a pending
// invitation). Memberships are read on every request, so the entity is closed
// to them at once; their sessions go on for their other entities (only the
// session token is renewed, via authz_epoch).
func (s *MemberService) RemoveMember(ctx context.Context, actor authz.Actor, userID int64) error {
	return db.InTx(ctx, s.Pool, func(tx pgx.Tx) error {
		m, err := lockMember(ctx, tx, actor.EntityID, userID)
		if err != nil {
			return err
		}
		if m.Role == authz.Admin && !m.Pending {
			if err := mustKeepAnAdmin(ctx, tx, actor.EntityID); err != nil {
				return err
			}
		}
		if err := RemoveMembership(ctx, tx, actor.EntityID, userID); err != nil {
			return err
		}
		if err := auth.RenewAuthz(ctx, tx, userID); err != nil {
			return err
		}
		return audit.Record(ctx, tx, audit.Event{EntityID: actor.EntityID, Action: "membership.removed", ObjectType: "membership",
			ObjectID: fmt.Sprint(userID), Before: map[string]any{"email": m.Email, "name": m.Name, "role": string(m.Role), "pending": m.Pending}})
	})
}

// SetDisabled switches a member's account off (ending all their sessions at
// once) or on again. An entity admin may do this only for active members
// (accepted, password set) who belong to no other entity, and never to
// themselves: an invitee's account is not the inviter's to switch.
func (s *MemberService) SetDisabled(ctx context.Context, actor authz.Actor, userID int64, disabled bool) error {
	if userID == actor.UserID {
		return ErrForbidden
	}
	return db.InTx(ctx, s.Pool, func(tx pgx.Tx) error {
		m, err := lockMember(ctx, tx, actor.EntityID, userID)
		if err != nil {
			return err
		}
		if !m.Active() || m.OtherEntities > 0 {
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
		if err := auth.SetDisabled(ctx, tx, userID, disabled); err != nil {
			return err
		}
		action := "user.enabled"
		if disabled {
			action = "user.disabled"
		}
		return audit.Record(ctx, tx, audit.Event{EntityID: actor.EntityID, Action: action, ObjectType: "user",
			ObjectID: fmt.Sprint(userID), Before: map[string]any{"disabled": !disabled}, After: map[string]any{"disabled": disabled}})
	})
}

// lockMember serialises membership changes of the entity and loads the member
// (db.ErrNotFound for users of other entities).
func lockMember(ctx context.Context, tx pgx.Tx, entityID, userID int64) (Member, error) {
	if err := LockForMembershipChange(ctx, tx, entityID); err != nil {
		return Member{}, err
	}
	return GetMember(ctx, tx, entityID, userID)
}

// mustKeepAnAdmin is called before an admin loses that role: there must be
// another active admin.
func mustKeepAnAdmin(ctx context.Context, tx pgx.Tx, entityID int64) error {
	n, err := CountAdmins(ctx, tx, entityID)
	if err != nil {
		return err
	}
	if n <= 1 {
		return fmt.Errorf("entity %d: %w", entityID, ErrLastAdmin)
	}
	return nil
}
