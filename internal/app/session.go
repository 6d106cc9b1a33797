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
	"github.com/weerbaar/weerbaar/internal/entity"
	"github.com/weerbaar/weerbaar/internal/server"
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
	sm.Store = &SessionStore{Pool: pool, IdleTimeout: cfg.SessionIdleTimeout, UserKey: server.SessionUserKey, Codec: sm.Codec}
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
	// UserKey is the session key of the signed-in user's id (an int64) and
	// Codec the session manager's codec: a save stores the user's id in the
	// row (sessions.user_id), so that a request that carries an
	// entity.SessionUser reads the session and its user in one round trip.
	// Without them no user id is stored.
	UserKey string
	Codec   scs.Codec
}

var _ scs.CtxStore = (*SessionStore)(nil)

const findSession = `SELECT data FROM sessions WHERE token = @token AND current_timestamp < expiry`

// FindCtx returns the data of an unexpired session. When ctx carries an
// entity.SessionUser, the session's user with their memberships is read in
// the same round trip (a second statement) and put there.
func (s *SessionStore) FindCtx(ctx context.Context, token string) ([]byte, bool, error) {
	var b []byte
	found := false
	scan := func(row pgx.Row) error {
		err := row.Scan(&b)
		if errors.Is(err, pgx.ErrNoRows) {
			return nil
		}
		found = err == nil
		return err
	}
	var err error
	if su := entity.SessionUserFrom(ctx); su != nil {
		batch := &pgx.Batch{}
		batch.Queue(findSession, pgx.StrictNamedArgs{"token": token}).QueryRow(scan)
		entity.QueueSessionUser(batch, token, su)
		err = s.Pool.SendBatch(ctx, batch).Close()
	} else {
		err = scan(s.Pool.QueryRow(ctx, findSession, pgx.StrictNamedArgs{"token": token}))
	}
	if err != nil {
		return nil, false, fmt.Errorf("find session: %w", err)
	}
	return b, found, nil
}

// CommitCtx saves a session until now + IdleTimeout, or until deadline
// (the absolute lifetime) when that comes first, with its user's id.
func (s *SessionStore) CommitCtx(ctx context.Context, token string, b []byte, deadline time.Time) error {
	var userID *int64
	if s.UserKey != "" && s.Codec != nil {
		_, values, err := s.Codec.Decode(b)
		if err != nil {
			return fmt.Errorf("save session: %w", err)
		}
		if id, ok := values[s.UserKey].(int64); ok && id != 0 {
			userID = &id
		}
	}
	_, err := s.Pool.Exec(ctx, `INSERT INTO sessions (token, data, expiry, user_id)
		VALUES (@token, @data, least(@deadline::timestamptz, current_timestamp + make_interval(secs => @idle)), @user)
		ON CONFLICT (token) DO UPDATE SET data = EXCLUDED.data, expiry = EXCLUDED.expiry, user_id = EXCLUDED.user_id`,
		pgx.StrictNamedArgs{"token": token, "data": b, "deadline": deadline, "idle": s.IdleTimeout.Seconds(), "user": userID})
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
