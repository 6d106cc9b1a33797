package auth

import (
	"context"
	"errors"
	"fmt"

	"github.com/jackc/pgx/v5"

	"github.com/weerbaar/weerbaar/internal/audit"
	"github.com/weerbaar/weerbaar/internal/validate"
)

// Reauthenticate checks, within the caller's transaction, that the person
// deciding is the signed-in user and not someone holding a stolen session
// cookie: secret is the current password or, for a user with a second
// factor, a TOTP code that was not used before (the step is remembered in
// the same transaction, so a code cannot be replayed). Attempts share the
// user's second-factor throttle. It returns "password" or "totp"; a wrong or
// throttled secret is a field error on "secret" and is audit-logged.
func (s *Service) Reauthenticate(ctx context.Context, tx pgx.Tx, userID int64, secret, ip string) (string, error) {
	u, err := GetUserForUpdate(ctx, tx, userID)
	if err != nil {
		return "", err
	}
	if ok, _ := s.Throttle.CheckSecondFactor(u.ID, ip); !ok {
		return "", validate.Field("secret", "reauth.error.throttled")
	}
	var throttled *ThrottledError
	if err := s.Throttle.checkSharedCode(ctx, tx, u.ID); errors.As(err, &throttled) {
		return "", validate.Field("secret", "reauth.error.throttled")
	} else if err != nil {
		return "", err
	}
	if u.MFAEnabled() && isCode(secret) {
		sealed, err := s.Sealer.Open(u.TOTPSecret)
		if err != nil {
			return "", fmt.Errorf("open TOTP secret of user %d: %w", u.ID, err)
		}
		if step, ok := VerifyTOTP(string(sealed), secret, s.Now(), u.TOTPLastStep); ok {
			if err := updateUser(ctx, tx, u.ID, `totp_last_step = @step`, pgx.StrictNamedArgs{"step": step}); err != nil {
				return "", err
			}
			s.Throttle.SucceededSecondFactor(u.ID)
			return "totp", nil
		}
	} else if u.PasswordHash != "" && !u.Disabled() {
		ok, err := VerifyPassword(u.PasswordHash, secret)
		if err != nil {
			return "", fmt.Errorf("verify password of user %d: %w", u.ID, err)
		}
		if ok {
			s.Throttle.SucceededSecondFactor(u.ID)
			return "password", nil
		}
	}
	s.Throttle.FailedSecondFactor(u.ID, ip)
	// Logged in a transaction of its own: the caller's rolls back.
	if err := s.audit(ctx, audit.Event{Action: "user.reauth_failed", ObjectType: "user", ObjectID: idString(u.ID),
		ActorID: u.ID, ActorEmail: u.Email}); err != nil {
		return "", err
	}
	return "", validate.Field("secret", "reauth.error.invalid")
}

// isCode reports whether s looks like a six-digit code (spaces allowed).
func isCode(s string) bool {
	n := 0
	for _, c := range s {
		switch {
		case c == ' ':
		case c >= '0' && c <= '9':
			n++
		default:
			return false
		}
	}
	return n == 6
}
