package auth

import (
	"context"
	"encoding/base32"
	"fmt"
	"strings"
	"time"

	"github.com/pquerna/otp/totp"

	"github.com/jackc/pgx/v5"

	"github.com/weerbaar/weerbaar/internal/db"
)

// User is an account. A user belongs to entities through memberships.
type User struct {
	ID            int64      `db:"id"`
	Email         string     `db:"email"`
	Name          string     `db:"name"`
	PasswordHash  string     `db:"password_hash"`
	TOTPSecret    string     `db:"totp_secret"`
	TOTPEnabledAt *time.Time `db:"totp_enabled_at"`
	TOTPLastStep  int64      `db:"totp_last_step"`
	InstanceAdmin bool       `db:"instance_admin"`
	Lang          string     `db:"lang"`
	DisabledAt    *time.Time `db:"disabled_at"`
	SessionEpoch  int        `db:"session_epoch"`
	AuthzEpoch    int        `db:"authz_epoch"`
	CreatedAt     time.Time  `db:"created_at"`
	UpdatedAt     time.Time  `db:"updated_at"`
	Version       int        `db:"version"`
}

// MFAEnabled reports whether the user has a confirmed second factor.
func (u User) MFAEnabled() bool { return u.TOTPEnabledAt != nil }

// Disabled reports whether the account is switched off.
func (u User) Disabled() bool { return u.DisabledAt != nil }

// UserColumns are the users columns in User's field order, for queries
// elsewhere that load a User with more (entity.UserWithMemberships).
const UserColumns = `id, email, name, password_hash, totp_secret, totp_enabled_at, totp_last_step,
	instance_admin, lang, disabled_at, session_epoch, authz_epoch, created_at, updated_at, version`

// GetUser returns the user with id, or db.ErrNotFound.
func GetUser(ctx context.Context, q db.Querier, id int64) (User, error) {
	return oneUser(ctx, q, `SELECT `+UserColumns+` FROM users WHERE id = @id`, pgx.StrictNamedArgs{"id": id})
}

// GetUserForUpdate is GetUser that locks the row until the transaction ends.
func GetUserForUpdate(ctx context.Context, q db.Querier, id int64) (User, error) {
	return oneUser(ctx, q, `SELECT `+UserColumns+` FROM users WHERE id = @id FOR UPDATE`, pgx.StrictNamedArgs{"id": id})
}

// GetUserByEmail looks a user up by normalised e-mail address.
func GetUserByEmail(ctx context.Context, q db.Querier, email string) (User, error) {
	return oneUser(ctx, q, `SELECT `+UserColumns+` FROM users WHERE email = @email`, pgx.StrictNamedArgs{"email": email})
}

func oneUser(ctx context.Context, q db.Querier, sql string, args pgx.StrictNamedArgs) (User, error) {
	rows, err := q.Query(ctx, sql, args)
	if err != nil {
		return User{}, fmt.Errorf("load user: %w", err)
	}
	u, err := pgx.CollectExactlyOneRow(rows, pgx.RowToStructByName[User])
	if err != nil {
		return User{}, fmt.Errorf("load user: %w", db.MapError(err))
	}
	return u, nil
}

// InsertUser creates an account without a password, for an invitation that
// hands its set-password link to the invited address.
func InsertUser(ctx context.Context, q db.Querier, email, name string) (User, error) {
	return insertUser(ctx, q, email, name, false)
}

// RenewAuthz raises the user's authz_epoch: their session token is renewed
// on their next request, as after any change of what they may see.
func RenewAuthz(ctx context.Context, q db.Querier, userID int64) error {
	return updateUser(ctx, q, userID, `authz_epoch = authz_epoch + 1`, pgx.StrictNamedArgs{})
}

// SetDisabled switches an account off (ending all its sessions at once) or on
// again. Who may do that is the caller's rule (entity.MemberService).
func SetDisabled(ctx context.Context, q db.Querier, userID int64, disabled bool) error {
	set := `disabled_at = NULL`
	if disabled {
		set = `disabled_at = now(), session_epoch = session_epoch + 1`
	}
	return updateUser(ctx, q, userID, set, pgx.StrictNamedArgs{})
}

// insertUser creates an account without a password.
func insertUser(ctx context.Context, q db.Querier, email, name string, instanceAdmin bool) (User, error) {
	return oneUser(ctx, q, `INSERT INTO users (email, name, instance_admin) VALUES (@email, @name, @admin) RETURNING `+UserColumns,
		pgx.StrictNamedArgs{"email": email, "name": name, "admin": instanceAdmin})
}

// updateUser runs an UPDATE on one user that also bumps version and updated_at.
func updateUser(ctx context.Context, q db.Querier, id int64, set string, args pgx.StrictNamedArgs) error {
	args["id"] = id
	tag, err := q.Exec(ctx, `UPDATE users SET `+set+`, updated_at = now(), version = version + 1 WHERE id = @id`, args)
	if err != nil {
		return fmt.Errorf("update user %d: %w", id, db.MapError(err))
	}
	if tag.RowsAffected() == 0 {
		return fmt.Errorf("update user %d: %w", id, db.ErrNotFound)
	}
	return nil
}

// totpURIFor rebuilds the otpauth:// URI of an existing base32 secret.
func totpURIFor(secret, account string) (string, string, error) {
	raw, err := base32.StdEncoding.WithPadding(base32.NoPadding).DecodeString(strings.ToUpper(secret))
	if err != nil {
		return "", "", fmt.Errorf("decode TOTP secret: %w", err)
	}
	key, err := totp.Generate(totp.GenerateOpts{Issuer: "Weerbaar", AccountName: account, Secret: raw})
	if err != nil {
		return "", "", err
	}
	return key.Secret(), key.URL(), nil
}
