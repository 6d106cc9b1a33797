package app

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"time"

	"github.com/alexedwards/scs/v2"
	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/weerbaar/weerbaar/internal/config"
)

// NewSessionManager configures scs: server-side sessions in PostgreSQL, a
// __Host- cookie over https.
//
// The idle timeout is enforced by the store, not by scs: scs's own
// IdleTimeout marks every loaded session as modified, so every request —
// every GET — would write the session row (and send a new cookie) only to
// move its expiry. Here a request saves the session only when it changed it,
// or when the expiry is due to be moved (server.keepSessionAlive), and every
// save sets the row's expiry to now + the idle timeout.
func NewSessionManager(cfg config.Config, pool *pgxpool.Pool) *scs.SessionManager {
	sm := scs.New()
	sm.Store = &SessionStore{Pool: pool, IdleTimeout: cfg.SessionIdleTimeout}
	sm.Cookie.Name = "weerbaar_session"
	sm.Cookie.HttpOnly = true
	sm.Cookie.SameSite = http.SameSiteLaxMode
	sm.Cookie.Path = "/"
	sm.IdleTimeout = 0 // the store's IdleTimeout, see above
	sm.Lifetime = cfg.SessionLifetime
	if cfg.Secure() {
		sm.Cookie.Name = "__Host-weerbaar_session"
		sm.Cookie.Secure = true
	}
	return sm
}

// SessionStore keeps scs sessions in the sessions table. It replaces
// scs/pgxstore, which runs its statements under context.Background(): here
// they run under the request's context, so they end with the request and
// count in the request's query budget. Expiry is computed with the database
// clock, the same clock that decides whether a row has expired.
type SessionStore struct {
	Pool *pgxpool.Pool
	// IdleTimeout is how long a session lives after it was last saved; the
	// absolute deadline scs passes in caps it.
	IdleTimeout time.Duration
}

var _ scs.CtxStore = (*SessionStore)(nil)

// FindCtx returns the data of an unexpired session.
func (s *SessionStore) FindCtx(ctx context.Context, token string) ([]byte, bool, error) {
	var b []byte
	err := s.Pool.QueryRow(ctx, `SELECT data FROM sessions WHERE token = $1 AND current_timestamp < expiry`, token).Scan(&b)
	if errors.Is(err, pgx.ErrNoRows) {
		return nil, false, nil
	}
	if err != nil {
		return nil, false, fmt.Errorf("find session: %w", err)
	}
	return b, true, nil
}

// CommitCtx saves a session until now + IdleTimeout, or until deadline
// (the absolute lifetime) when that comes first.
func (s *SessionStore) CommitCtx(ctx context.Context, token string, b []byte, deadline time.Time) error {
	_, err := s.Pool.Exec(ctx, `INSERT INTO sessions (token, data, expiry)
		VALUES (@token, @data, least(@deadline::timestamptz, current_timestamp + make_interval(secs => @idle)))
		ON CONFLICT (token) DO UPDATE SET data = EXCLUDED.data, expiry = EXCLUDED.expiry`,
		pgx.StrictNamedArgs{"token": token, "data": b, "deadline": deadline, "idle": s.IdleTimeout.Seconds()})
	if err != nil {
		return fmt.Errorf("save session: %w", err)
	}
	return nil
}

// DeleteCtx removes a session (sign-out, token renewal).
func (s *SessionStore) DeleteCtx(ctx context.Context, token string) error {
	if _, err := s.Pool.Exec(ctx, `DELETE FROM sessions WHERE token = $1`, token); err != nil {
		return fmt.Errorf("delete session: %w", err)
	}
	return nil
}

// Find is FindCtx without a request (scs.Store).
func (s *SessionStore) Find(token string) ([]byte, bool, error) {
	return s.FindCtx(context.Background(), token)
}

// Commit is CommitCtx without a request (scs.Store).
func (s *SessionStore) Commit(token string, b []byte, deadline time.Time) error {
	return s.CommitCtx(context.Background(), token, b, deadline)
}

// Delete is DeleteCtx without a request (scs.Store).
func (s *SessionStore) Delete(token string) error {
	return s.DeleteCtx(context.Background(), token)
}
