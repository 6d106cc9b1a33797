package auth

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/weerbaar/weerbaar/internal/audit"
	"github.com/weerbaar/weerbaar/internal/db"
	"github.com/weerbaar/weerbaar/internal/validate"
)

// Errors of the login flow. The handler shows one message for both wrong
// password and unknown user, so the response does not reveal accounts.
var (
	ErrInvalidCredentials = errors.New("invalid e-mail or password")
	ErrInvalidCode        = errors.New("invalid second-factor code")
	ErrTokenInvalid       = errors.New("link invalid, used or expired")
)

// ThrottledError says a login attempt was refused by the throttle.
type ThrottledError struct{ RetryAfter time.Duration }

func (e *ThrottledError) Error() string {
	return fmt.Sprintf("too many attempts; retry after %s", e.RetryAfter)
}

// InviteValidity is how long a set-password link works.
const InviteValidity = 72 * time.Hour

// Service holds the account operations: login, second factor, passwords,
// set-password links. Every change is audit-logged in its transaction.
type Service struct {
	Pool     *pgxpool.Pool
	Sealer   *Sealer
	Throttle *Throttle
	// BaseURL prefixes set-password links.
	BaseURL string
	// Now is the clock (time.Now; tests inject another).
	Now func() time.Time
}

// Login checks e-mail and password. It is throttled per account and per IP;
// failures are audit-logged on the instance chain. A user with MFA must then
// pass VerifySecondFactor before the session is signed in.
func (s *Service) Login(ctx context.Context, email, password, ip string) (User, error) {
	email, _ = validate.Email(email)
	if ok, retry := s.Throttle.Check(email, ip); !ok {
		return User{}, &ThrottledError{RetryAfter: retry}
	}
	if err := s.Throttle.checkSharedPassword(ctx, s.Pool, email); err != nil {
		return User{}, err
	}
	u, err := GetUserByEmail(ctx, s.Pool, email)
	switch {
	case errors.Is(err, db.ErrNotFound):
		DummyVerify(password)
	case err != nil:
		return User{}, err
	case u.PasswordHash == "" || u.Disabled():
		DummyVerify(password)
		err = ErrInvalidCredentials
	default:
		ok, verr := VerifyPassword(u.PasswordHash, password)
		if verr != nil {
			return User{}, fmt.Errorf("verify password of user %d: %w", u.ID, verr)
		}
		if !ok {
			err = ErrInvalidCredentials
		}
	}
	if err != nil {
		s.Throttle.Failed(email, ip)
		reason := "bad_password"
		if u.ID == 0 {
			reason = "unknown_user"
		} else if u.Disabled() {
			reason = "disabled"
		}
		if aerr := s.audit(ctx, audit.Event{Action: "user.login_failed", ObjectType: "user", ObjectID: idString(u.ID),
			ActorID: u.ID, ActorEmail: email, After: map[string]any{"reason": reason}}); aerr != nil {
			return User{}, aerr
		}
		return User{}, ErrInvalidCredentials
	}
	s.Throttle.Succeeded(email)
	return u, nil
}

// RecordLogin audit-logs a completed sign-in (after the second factor, if any).
func (s *Service) RecordLogin(ctx context.Context, u User, method string) error {
	return s.audit(ctx, audit.Event{Action: "user.login", ObjectType: "user", ObjectID: idString(u.ID),
		ActorID: u.ID, ActorEmail: u.Email, After: map[string]any{"method": method}})
}

// RecordLogout audit-logs a sign-out.
func (s *Service) RecordLogout(ctx context.Context, u User) error {
	return s.audit(ctx, audit.Event{Action: "user.logout", ObjectType: "user", ObjectID: idString(u.ID),
		ActorID: u.ID, ActorEmail: u.Email})
}

// VerifySecondFactor accepts a TOTP code (once: the step is remembered) or an
// unused recovery code, and reports which it was. Wrong codes are counted
// per user in a bucket of their own (Throttle.CheckSecondFactor) that a
// correct password does not refill.
func (s *Service) VerifySecondFactor(ctx context.Context, userID int64, code, ip string) (method string, err error) {
	err = db.InTx(ctx, s.Pool, func(tx pgx.Tx) error {
		u, err := GetUserForUpdate(ctx, tx, userID)
		if err != nil {
			return err
		}
		if ok, retry := s.Throttle.CheckSecondFactor(u.ID, ip); !ok {
			return &ThrottledError{RetryAfter: retry}
		}
		// Wrong codes given on other instances count too.
		if err := s.Throttle.checkSharedCode(ctx, tx, u.ID); err != nil {
			return err
		}
		if !u.MFAEnabled() {
			return ErrInvalidCode
		}
		secret, err := s.Sealer.Open(u.TOTPSecret)
		if err != nil {
			return fmt.Errorf("open TOTP secret of user %d: %w", u.ID, err)
		}
		if step, ok := VerifyTOTP(string(secret), code, s.Now(), u.TOTPLastStep); ok {
			method = "totp"
			return updateUser(ctx, tx, u.ID, `totp_last_step = @step`, pgx.StrictNamedArgs{"step": step})
		}
		tag, err := tx.Exec(ctx, `UPDATE recovery_codes SET used_at = now()
			WHERE user_id = $1 AND code_hash = $2 AND used_at IS NULL`, u.ID, HashRecoveryCode(code))
		if err != nil {
			return fmt.Errorf("use recovery code: %w", err)
		}
		if tag.RowsAffected() == 1 {
			method = "recovery_code"
			return audit.Record(ctx, tx, audit.Event{Action: "user.recovery_code_used", ObjectType: "user",
				ObjectID: idString(u.ID), ActorID: u.ID, ActorEmail: u.Email})
		}
		return ErrInvalidCode
	})
	if errors.Is(err, ErrInvalidCode) {
		if u, gerr := GetUser(ctx, s.Pool, userID); gerr == nil {
			s.Throttle.FailedSecondFactor(u.ID, ip)
			if aerr := s.audit(ctx, audit.Event{Action: "user.mfa_failed", ObjectType: "user", ObjectID: idString(u.ID),
				ActorID: u.ID, ActorEmail: u.Email}); aerr != nil {
				return "", aerr
			}
		}
	}
	if err == nil {
		s.Throttle.SucceededSecondFactor(userID)
	}
	return method, err
}

// Enrolment is a TOTP secret offered to a user but not yet confirmed.
type Enrolment struct {
	Secret string // base32, shown as text
	URI    string // otpauth:// for the QR code
	Sealed string // kept in the session until confirmed
}

// StartEnrolment creates a new TOTP secret for the user to scan.
func (s *Service) StartEnrolment(u User) (Enrolment, error) {
	secret, uri, err := NewTOTPKey(u.Email)
	if err != nil {
		return Enrolment{}, err
	}
	sealed, err := s.Sealer.Seal([]byte(secret))
	if err != nil {
		return Enrolment{}, err
	}
	return Enrolment{Secret: secret, URI: uri, Sealed: sealed}, nil
}

// OpenEnrolment recovers an enrolment from its sealed secret.
func (s *Service) OpenEnrolment(u User, sealed string) (Enrolment, error) {
	secret, err := s.Sealer.Open(sealed)
	if err != nil {
		return Enrolment{}, err
	}
	_, uri, err := totpURIFor(string(secret), u.Email)
	return Enrolment{Secret: string(secret), URI: uri, Sealed: sealed}, err
}

// EnableMFA confirms an enrolment with the current password and a code from
// the app, stores the sealed secret and returns ten new recovery codes, shown
// once.
func (s *Service) EnableMFA(ctx context.Context, userID int64, password, sealed, code string) ([]string, error) {
	var codes []string
	err := db.InTx(ctx, s.Pool, func(tx pgx.Tx) error {
		u, err := s.lockAndCheckPassword(ctx, tx, userID, password)
		if err != nil {
			return err
		}
		secret, err := s.Sealer.Open(sealed)
		if err != nil {
			return validate.Field("code", "mfa.error.expired")
		}
		step, ok := VerifyTOTP(string(secret), code, s.Now(), 0)
		if !ok {
			return validate.Field("code", "mfa.error.code")
		}
		if err := updateUser(ctx, tx, u.ID, `totp_secret = @secret, totp_enabled_at = now(), totp_last_step = @step`,
			pgx.StrictNamedArgs{"secret": sealed, "step": step}); err != nil {
			return err
		}
		if codes, err = replaceRecoveryCodes(ctx, tx, u.ID); err != nil {
			return err
		}
		return audit.Record(ctx, tx, audit.Event{Action: "user.mfa_enabled", ObjectType: "user", ObjectID: idString(u.ID),
			Before: map[string]any{"mfa": false}, After: map[string]any{"mfa": true}})
	})
	return codes, err
}

// DisableMFA removes the second factor after the password is re-entered.
func (s *Service) DisableMFA(ctx context.Context, userID int64, password string) error {
	return db.InTx(ctx, s.Pool, func(tx pgx.Tx) error {
		u, err := s.lockAndCheckPassword(ctx, tx, userID, password)
		if err != nil {
			return err
		}
		if err := updateUser(ctx, tx, u.ID, `totp_secret = '', totp_enabled_at = NULL`, pgx.StrictNamedArgs{}); err != nil {
			return err
		}
		if _, err := tx.Exec(ctx, `DELETE FROM recovery_codes WHERE user_id = $1`, u.ID); err != nil {
			return err
		}
		return audit.Record(ctx, tx, audit.Event{Action: "user.mfa_disabled", ObjectType: "user", ObjectID: idString(u.ID),
			Before: map[string]any{"mfa": true}, After: map[string]any{"mfa": false}})
	})
}

// RegenerateRecoveryCodes replaces all recovery codes after the password is re-entered.
func (s *Service) RegenerateRecoveryCodes(ctx context.Context, userID int64, password string) ([]string, error) {
	var codes []string
	err := db.InTx(ctx, s.Pool, func(tx pgx.Tx) error {
		u, err := s.lockAndCheckPassword(ctx, tx, userID, password)
		if err != nil {
			return err
		}
		if !u.MFAEnabled() {
			return validate.Field("password", "mfa.error.not_enabled")
		}
		if codes, err = replaceRecoveryCodes(ctx, tx, u.ID); err != nil {
			return err
		}
		return audit.Record(ctx, tx, audit.Event{Action: "user.recovery_codes_regenerated", ObjectType: "user", ObjectID: idString(u.ID)})
	})
	return codes, err
}

func replaceRecoveryCodes(ctx context.Context, tx pgx.Tx, userID int64) ([]string, error) {
	codes, hashes, err := NewRecoveryCodes()
	if err != nil {
		return nil, err
	}
	if _, err := tx.Exec(ctx, `DELETE FROM recovery_codes WHERE user_id = $1`, userID); err != nil {
		return nil, fmt.Errorf("delete recovery codes: %w", err)
	}
	if _, err := tx.Exec(ctx, `INSERT INTO recovery_codes (user_id, code_hash) SELECT $1, unnest($2::text[])`, userID, hashes); err != nil {
		return nil, fmt.Errorf("store recovery codes: %w", err)
	}
	return codes, nil
}

// ChangePassword sets a new password after the current one is re-entered.
// Other sessions of the user end; the caller keeps the current one alive by
// storing the returned session epoch.
func (s *Service) ChangePassword(ctx context.Context, userID int64, current, next, confirm string) (epoch int, err error) {
	err = db.InTx(ctx, s.Pool, func(tx pgx.Tx) error {
		u, err := s.lockAndCheckPassword(ctx, tx, userID, current)
		if err != nil {
			return err
		}
		if err := checkNewPassword(next, confirm); err != nil {
			return err
		}
		hash, err := HashPassword(next)
		if err != nil {
			return err
		}
		if err := updateUser(ctx, tx, u.ID, `password_hash = @hash, session_epoch = session_epoch + 1`, pgx.StrictNamedArgs{"hash": hash}); err != nil {
			return err
		}
		epoch = u.SessionEpoch + 1
		return audit.Record(ctx, tx, audit.Event{Action: "user.password_changed", ObjectType: "user", ObjectID: idString(u.ID)})
	})
	return epoch, err
}

// ChangeEmail sets a new login address after the password is re-entered.
func (s *Service) ChangeEmail(ctx context.Context, userID int64, password, email string) error {
	email, ok := validate.Email(email)
	if !ok {
		return validate.Field("email", "validate.email")
	}
	return db.InTx(ctx, s.Pool, func(tx pgx.Tx) error {
		u, err := s.lockAndCheckPassword(ctx, tx, userID, password)
		if err != nil {
			return err
		}
		err = updateUser(ctx, tx, u.ID, `email = @email`, pgx.StrictNamedArgs{"email": email})
		if errors.Is(err, db.ErrConflict) {
			return validate.Field("email", "account.error.email_taken")
		}
		if err != nil {
			return err
		}
		return audit.Record(ctx, tx, audit.Event{Action: "user.email_changed", ObjectType: "user", ObjectID: idString(u.ID),
			Before: map[string]any{"email": u.Email}, After: map[string]any{"email": email}})
	})
}

// SetLang remembers the user's language.
func (s *Service) SetLang(ctx context.Context, userID int64, lang string) error {
	return db.InTx(ctx, s.Pool, func(tx pgx.Tx) error {
		u, err := GetUserForUpdate(ctx, tx, userID)
		if err != nil || u.Lang == lang {
			return err
		}
		if err := updateUser(ctx, tx, userID, `lang = @lang`, pgx.StrictNamedArgs{"lang": lang}); err != nil {
			return err
		}
		return audit.Record(ctx, tx, audit.Event{Action: "user.language_changed", ObjectType: "user", ObjectID: idString(userID),
			Before: map[string]any{"lang": u.Lang}, After: map[string]any{"lang": lang}})
	})
}

// lockAndCheckPassword locks the user and re-checks the password; a wrong
// password is a field error on "password".
func (s *Service) lockAndCheckPassword(ctx context.Context, tx pgx.Tx, userID int64, password string) (User, error) {
	u, err := GetUserForUpdate(ctx, tx, userID)
	if err != nil {
		return User{}, err
	}
	ok, err := VerifyPassword(u.PasswordHash, password)
	if err != nil || !ok {
		return User{}, validate.Field("password", "account.error.password")
	}
	return u, nil
}

func checkNewPassword(pw, confirm string) error {
	if err := CheckPasswordPolicy(pw); err != nil {
		var pe *PolicyError
		if errors.As(err, &pe) {
			return validate.Field("new_password", "password.error."+pe.Code)
		}
		return err
	}
	if pw != confirm {
		return validate.Field("confirm", "password.error.mismatch")
	}
	return nil
}

// CreateUser creates an account without a password and returns a one-time
// set-password link (the first instance administrator comes from the CLI).
func (s *Service) CreateUser(ctx context.Context, email, name string, instanceAdmin bool) (User, string, error) {
	email, ok := validate.Email(email)
	errs := validate.Errors{}
	if !ok {
		errs.Add("email", "validate.email")
	}
	if name == "" || len(name) > 200 {
		errs.Add("name", "validate.required")
	}
	if err := errs.Err(); err != nil {
		return User{}, "", err
	}
	var u User
	var link string
	err := db.InTx(ctx, s.Pool, func(tx pgx.Tx) error {
		var err error
		u, err = insertUser(ctx, tx, email, name, instanceAdmin)
		if errors.Is(err, db.ErrConflict) {
			return validate.Field("email", "account.error.email_taken")
		}
		if err != nil {
			return err
		}
		if link, err = s.IssueToken(ctx, tx, u.ID, PurposeInvite, 0); err != nil {
			return err
		}
		return audit.Record(ctx, tx, audit.Event{Action: "user.created", ObjectType: "user", ObjectID: idString(u.ID),
			After: map[string]any{"email": email, "name": name, "instance_admin": instanceAdmin}})
	})
	return u, link, err
}

// Purposes of one-time links. Invite and reset links set a password; a join
// link only tells an existing account about an invitation (sign in to accept).
const (
	PurposeInvite = "invite"
	PurposeReset  = "reset"
	PurposeJoin   = "join"
)

// IssueToken stores the hash of a new one-time link for the user and returns
// the link; entityID (0 for none) is the entity whose invitation it belongs
// to. A new invite or reset link retires the user's earlier unused ones; a
// join link retires nothing, so an invitation from one entity can never
// disable another entity's set-password link.
func (s *Service) IssueToken(ctx context.Context, tx pgx.Tx, userID int64, purpose string, entityID int64) (string, error) {
	raw := make([]byte, 32)
	if _, err := rand.Read(raw); err != nil {
		return "", err
	}
	token := base64.RawURLEncoding.EncodeToString(raw)
	if purpose != PurposeJoin {
		if _, err := tx.Exec(ctx, `UPDATE password_tokens SET used_at = now()
			WHERE user_id = $1 AND used_at IS NULL AND purpose <> 'join'`, userID); err != nil {
			return "", fmt.Errorf("retire old tokens: %w", err)
		}
	}
	meta := audit.MetaFrom(ctx)
	var createdBy, entity *int64
	if meta.ActorID != 0 {
		createdBy = &meta.ActorID
	}
	if entityID != 0 {
		entity = &entityID
	}
	_, err := tx.Exec(ctx, `INSERT INTO password_tokens (token_hash, user_id, purpose, created_by, expires_at, entity_id)
		VALUES ($1, $2, $3, $4, $5, $6)`, hashToken(token), userID, purpose, createdBy, s.Now().Add(InviteValidity), entity)
	if err != nil {
		return "", fmt.Errorf("store token: %w", err)
	}
	return s.BaseURL + "/set-password/" + token, nil
}

// Link is what a valid one-time link stands for.
type Link struct {
	User     User
	Purpose  string
	EntityID int64 // the inviting entity, 0 for none
}

// UseJoinLink uses up the join link token of userID's invitation into
// entityID, in the caller's transaction; ErrTokenInvalid unless it is that
// invitation's valid, unused join link.
func (s *Service) UseJoinLink(ctx context.Context, tx pgx.Tx, token string, userID, entityID int64) error {
	tag, err := tx.Exec(ctx, `UPDATE password_tokens SET used_at = now()
		WHERE token_hash = $1 AND user_id = $2 AND entity_id = $3 AND purpose = 'join' AND used_at IS NULL AND expires_at > $4`,
		hashToken(token), userID, entityID, s.Now())
	if err != nil {
		return fmt.Errorf("use join link: %w", err)
	}
	if tag.RowsAffected() != 1 {
		return ErrTokenInvalid
	}
	return nil
}

// SetsPassword reports whether the link may set the account's password.
func (l Link) SetsPassword() bool { return l.Purpose != PurposeJoin }

// LookupLink returns what a valid, unused link stands for, or ErrTokenInvalid.
func (s *Service) LookupLink(ctx context.Context, token string) (Link, error) {
	var l Link
	var userID int64
	var entityID *int64
	err := s.Pool.QueryRow(ctx, `SELECT user_id, purpose, entity_id FROM password_tokens
		WHERE token_hash = $1 AND used_at IS NULL AND expires_at > $2`, hashToken(token), s.Now()).Scan(&userID, &l.Purpose, &entityID)
	if errors.Is(db.MapError(err), db.ErrNotFound) {
		return Link{}, ErrTokenInvalid
	}
	if err != nil {
		return Link{}, fmt.Errorf("look up token: %w", err)
	}
	if entityID != nil {
		l.EntityID = *entityID
	}
	l.User, err = GetUser(ctx, s.Pool, userID)
	return l, err
}

// TokenUser returns the user whose password a valid link may set, or
// ErrTokenInvalid (also for a join link).
func (s *Service) TokenUser(ctx context.Context, token string) (User, error) {
	l, err := s.LookupLink(ctx, token)
	if err != nil {
		return User{}, err
	}
	if !l.SetsPassword() {
		return User{}, ErrTokenInvalid
	}
	return l.User, nil
}

// SetPasswordWithToken sets the password of the token's user and uses the
// token up. All sessions of the user end.
func (s *Service) SetPasswordWithToken(ctx context.Context, token, password, confirm string) (User, error) {
	if err := checkNewPassword(password, confirm); err != nil {
		return User{}, err
	}
	hash, err := HashPassword(password)
	if err != nil {
		return User{}, err
	}
	var u User
	err = db.InTx(ctx, s.Pool, func(tx pgx.Tx) error {
		var userID int64
		err := tx.QueryRow(ctx, `UPDATE password_tokens SET used_at = now()
			WHERE token_hash = $1 AND used_at IS NULL AND expires_at > $2 AND purpose <> 'join' RETURNING user_id`, hashToken(token), s.Now()).Scan(&userID)
		if errors.Is(db.MapError(err), db.ErrNotFound) {
			return ErrTokenInvalid
		}
		if err != nil {
			return fmt.Errorf("use token: %w", err)
		}
		if err := updateUser(ctx, tx, userID, `password_hash = @hash, session_epoch = session_epoch + 1`, pgx.StrictNamedArgs{"hash": hash}); err != nil {
			return err
		}
		if u, err = GetUser(ctx, tx, userID); err != nil {
			return err
		}
		return audit.Record(ctx, tx, audit.Event{Action: "user.password_set", ObjectType: "user", ObjectID: idString(userID),
			ActorID: u.ID, ActorEmail: u.Email})
	})
	return u, err
}

// SetPasswordDirect sets a password without a token; only the demo seed and
// tests use it.
func SetPasswordDirect(ctx context.Context, q db.Querier, userID int64, password string) error {
	hash, err := HashPassword(password)
	if err != nil {
		return err
	}
	return updateUser(ctx, q, userID, `password_hash = @hash`, pgx.StrictNamedArgs{"hash": hash})
}

// audit writes one event in a transaction of its own, for events that are
// not part of another change (login, logout, failures).
func (s *Service) audit(ctx context.Context, e audit.Event) error {
	return db.InTx(ctx, s.Pool, func(tx pgx.Tx) error { return audit.Record(ctx, tx, e) })
}

func hashToken(token string) string {
	sum := sha256.Sum256([]byte(token))
	return hex.EncodeToString(sum[:])
}

func idString(id int64) string {
	if id == 0 {
		return ""
	}
	return fmt.Sprint(id)
}

// QRCode renders an enrolment's otpauth URI as a PNG for the authenticator app.
func (s *Service) QRCode(en Enrolment) ([]byte, error) { return TOTPQRCodePNG(en.URI) }
