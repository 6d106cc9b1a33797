package auth

import (
	"context"
	"fmt"
	"math"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/weerbaar/weerbaar/internal/db"
)

// Several app instances on one database each keep their own in-memory
// Throttle, so an attacker spreading guesses over N instances would get N
// times the per-account allowance. The failures themselves are audit-logged
// by whichever instance saw them (user.login_failed, user.mfa_failed), so
// the per-account limits are also checked against those rows: no more than
// PerAccount failed passwords (PerSecondFactor wrong codes) per account in
// the last Window, counted since the account's last sign-in (user.login).
// Refused attempts are not logged, so they do not extend a lock-out. The
// per-IP limit stays per instance. With one instance this agrees with the
// in-memory buckets up to their gradual refill: the shared count frees the
// account when the oldest failure leaves the Window.

// sharedPasswordFailures counts the failed passwords for an e-mail address
// on the instance chain, where failed sign-ins are logged. It reads only
// the chain's newest 2,000 rows, newest first by the chain's own
// index, so its cost is bounded (about 5 ms measured on a 500,000-row
// chain) even while a flood of failed sign-ins fills the chain; a flood of
// more than 2,000 sign-in events in the Window hides the older ones from
// the shared count, and then the in-memory limits of each instance still
// hold.
const sharedPasswordFailures = `WITH recent AS (SELECT at, action, actor_email FROM audit_log
		WHERE entity_id IS NULL ORDER BY seq DESC LIMIT 2000)
	SELECT count(*), min(f.at) FROM recent f
	WHERE f.at > @since AND f.action = 'user.login_failed' AND lower(f.actor_email) = @email
		AND f.at > coalesce((SELECT max(s.at) FROM recent s WHERE s.action = 'user.login' AND lower(s.actor_email) = @email),
			'-infinity')`

// sharedCodeFailures counts the wrong second-factor codes of a user and
// the failed re-confirmations, which share that allowance (by the actor
// index).
const sharedCodeFailures = `SELECT count(*), min(f.at) FROM audit_log f
	WHERE f.actor_id = @user AND f.at > @since AND f.action IN ('user.mfa_failed', 'user.reauth_failed')
		AND f.at > coalesce((SELECT max(s.at) FROM audit_log s WHERE s.actor_id = @user AND s.at > @since
			AND s.action = 'user.login'), '-infinity')`

// checkShared refuses the attempt with a ThrottledError when the failures
// query counts limit or more in the Window; nil otherwise.
func (t *Throttle) checkShared(ctx context.Context, q db.Querier, query string, args pgx.StrictNamedArgs, limit int) error {
	now := t.now()
	args["since"] = now.Add(-t.cfg.Window)
	var n int
	var oldest *time.Time
	if err := q.QueryRow(ctx, query, args).Scan(&n, &oldest); err != nil {
		return fmt.Errorf("count shared login failures: %w", err)
	}
	if n < limit || oldest == nil {
		return nil
	}
	wait := oldest.Add(t.cfg.Window).Sub(now)
	return &ThrottledError{RetryAfter: time.Duration(math.Ceil(max(wait, time.Second).Seconds())) * time.Second}
}

// checkSharedPassword applies the per-account password limit across
// instances.
func (t *Throttle) checkSharedPassword(ctx context.Context, q db.Querier, email string) error {
	return t.checkShared(ctx, q, sharedPasswordFailures, pgx.StrictNamedArgs{"email": normaliseAccount(email)}, t.cfg.PerAccount)
}

// checkSharedCode applies the per-account second-factor limit across
// instances.
func (t *Throttle) checkSharedCode(ctx context.Context, q db.Querier, userID int64) error {
	return t.checkShared(ctx, q, sharedCodeFailures, pgx.StrictNamedArgs{"user": userID}, t.cfg.PerSecondFactor)
}
