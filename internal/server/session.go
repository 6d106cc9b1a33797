package server

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/go-chi/chi/v5"
	"github.com/go-chi/chi/v5/middleware"

	"github.com/weerbaar/weerbaar/internal/audit"
	"github.com/weerbaar/weerbaar/internal/auth"
	"github.com/weerbaar/weerbaar/internal/authz"
	"github.com/weerbaar/weerbaar/internal/db"
	"github.com/weerbaar/weerbaar/internal/entity"
)

// SessionUserKey is the session key of the signed-in user's id (an int64),
// which the session store also writes into the session's row
// (app.SessionStore) so that the session and its user are read together.
const SessionUserKey = sessUserID

// Session keys.
const (
	sessUserID     = "uid"         // signed-in user
	sessEpoch      = "epoch"       // users.session_epoch at sign-in
	sessAuthzEpoch = "authz_epoch" // users.authz_epoch last seen
	sessPendingID  = "pending_uid" // password accepted, second factor pending
	sessEnrolment  = "enrolment"   // sealed TOTP secret being enrolled
	sessFlash      = "flash"       // catalogue key of a one-time notice
)

type userKey struct{}

// signedIn is the user of the request with their accepted memberships (what
// they may open) and pending invitations (what they may accept).
type signedIn struct {
	auth.User
	Memberships []entity.Membership
	Invitations []entity.Membership
}

func userFrom(ctx context.Context) (signedIn, bool) {
	u, ok := ctx.Value(userKey{}).(signedIn)
	return u, ok
}

// loadUser resolves the session's user. A disabled account, or a session from
// before the user's sessions were ended (session epoch), is signed out at
// once. After a role change the session token is renewed.
func (s *Server) loadUser(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		ctx := r.Context()
		meta := audit.Meta{IP: middleware.GetClientIP(ctx), UserAgent: r.UserAgent()}
		id := s.Sessions.GetInt64(ctx, sessUserID)
		if id == 0 {
			next.ServeHTTP(w, r.WithContext(audit.WithMeta(ctx, meta)))
			return
		}
		var u auth.User
		var ms, invitations []entity.Membership
		var err error
		if su := entity.SessionUserFrom(ctx); su != nil && su.Found && su.User.ID == id {
			// Read with the session in its round trip (app.SessionStore).
			u, ms, invitations = su.User, su.Accepted, su.Pending
		} else {
			u, ms, invitations, err = entity.UserWithMemberships(ctx, s.Pool, id)
		}
		if err != nil && !errors.Is(err, db.ErrNotFound) {
			s.serverError(w, r, err)
			return
		}
		if err != nil || u.Disabled() || s.Sessions.GetInt(ctx, sessEpoch) != u.SessionEpoch {
			if err := s.Sessions.Destroy(ctx); err != nil {
				s.serverError(w, r, err)
				return
			}
			next.ServeHTTP(w, r.WithContext(audit.WithMeta(ctx, meta)))
			return
		}
		if s.Sessions.GetInt(ctx, sessAuthzEpoch) != u.AuthzEpoch {
			if err := s.Sessions.RenewToken(ctx); err != nil {
				s.serverError(w, r, err)
				return
			}
			s.Sessions.Put(ctx, sessAuthzEpoch, u.AuthzEpoch)
		}
		meta.ActorID, meta.ActorEmail = u.ID, u.Email
		ctx = audit.WithMeta(context.WithValue(ctx, userKey{}, signedIn{User: u, Memberships: ms, Invitations: invitations}), meta)
		next.ServeHTTP(w, r.WithContext(ctx))
	})
}

// sessionGuard is the response the session manager writes to. It records
// whether the handler ran (a form post may then have committed its change
// before the session failed to save) and, once sessionError has answered,
// drops what the session manager and the handler still write, so the answer
// is the error page alone.
type sessionGuard struct {
	http.ResponseWriter
	handlerRan, answered bool
}

func (g *sessionGuard) WriteHeader(code int) {
	if !g.answered {
		g.ResponseWriter.WriteHeader(code)
	}
}

func (g *sessionGuard) Write(b []byte) (int, error) {
	if g.answered {
		return len(b), nil
	}
	return g.ResponseWriter.Write(b)
}

func (g *sessionGuard) Unwrap() http.ResponseWriter { return g.ResponseWriter }

type sessionGuardKey struct{}

// guardSession goes before the session manager, handlerRuns after it.
// It also gives the request an entity.SessionUser, which the session store
// fills when it loads the session and loadUser then uses.
func (s *Server) guardSession(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		g := &sessionGuard{ResponseWriter: w}
		ctx, _ := entity.WithSessionUser(context.WithValue(r.Context(), sessionGuardKey{}, g))
		next.ServeHTTP(g, r.WithContext(ctx))
	})
}

func (s *Server) handlerRuns(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if g, ok := r.Context().Value(sessionGuardKey{}).(*sessionGuard); ok {
			g.handlerRan = true
		}
		next.ServeHTTP(w, r)
	})
}

// sessionError answers a session that could not be loaded or saved; a
// database outage gets the 503 page like any other request (serverError).
func (s *Server) sessionError(w http.ResponseWriter, r *http.Request, err error) {
	g, _ := r.Context().Value(sessionGuardKey{}).(*sessionGuard)
	if g != nil && g.handlerRan && r.Method != http.MethodGet && r.Method != http.MethodHead && db.Unavailable(err) {
		err = fmt.Errorf("save session: %w: %w", db.ErrOutcomeUnknown, err)
	}
	s.serverError(w, r, err)
	if g != nil {
		g.answered = true
	}
}

// mfaExempt are the paths a user who must enrol a second factor may still use.
var mfaExempt = map[string]bool{"/account/mfa": true, "/account/mfa/qr.png": true, "/logout": true, "/lang": true}

// requireUser sends anonymous visitors to the login page and users who must
// have MFA but have none to enrolment, before any other page.
func (s *Server) requireUser(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		u, ok := userFrom(r.Context())
		if !ok {
			target := "/login"
			if r.Method == http.MethodGet && r.URL.Path != "/" {
				target += "?next=" + url.QueryEscape(r.URL.RequestURI())
			}
			http.Redirect(w, r, target, http.StatusSeeOther)
			return
		}
		if !u.MFAEnabled() && mfaRequired(u) && !mfaExempt[r.URL.Path] {
			http.Redirect(w, r, "/account/mfa", http.StatusSeeOther)
			return
		}
		next.ServeHTTP(w, r)
	})
}

// mfaRequired reports whether any of the user's entities requires MFA.
func mfaRequired(u signedIn) bool {
	for _, m := range u.Memberships {
		if m.MFARequired {
			return true
		}
	}
	return false
}

func (s *Server) requireInstanceAdmin(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if u, _ := userFrom(r.Context()); !u.InstanceAdmin {
			s.errorPage(w, r, http.StatusForbidden)
			return
		}
		next.ServeHTTP(w, r)
	})
}

// inEntity resolves {entityID} against the user's memberships — an entity the
// user does not belong to is a 404, whether or not it exists — and checks the
// route's permission for the user's role there (403).
func (s *Server) inEntity(perm authz.Permission, next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		u, _ := userFrom(r.Context())
		id, err := strconv.ParseInt(chi.URLParam(r, "entityID"), 10, 64)
		var member *entity.Membership
		for i := range u.Memberships {
			if err == nil && u.Memberships[i].EntityID == id {
				member = &u.Memberships[i]
			}
		}
		if member == nil {
			s.errorPage(w, r, http.StatusNotFound)
			return
		}
		actor := authz.Actor{UserID: u.ID, Email: u.Email, Name: u.Name, EntityID: id, Role: member.Role}
		if !actor.Can(perm) {
			s.errorPage(w, r, http.StatusForbidden)
			return
		}
		ctx := context.WithValue(authz.WithActor(r.Context(), actor), entityKey{}, member.Entity)
		// The first wall is the membership above; the second is the
		// database's: from here the request sees only this entity's rows.
		ctx = db.ForEntity(ctx, id)
		next.ServeHTTP(w, r.WithContext(ctx))
	})
}

// scopeDatabase scopes the request's database work (row-level security,
// internal/db) to the entity its path names, /e/{entityID}/… or
// /invitations/{entityID}/…, and to none elsewhere. It runs before the
// session is loaded, so the session, user and page queries of one request
// share one scope and a connection is not re-scoped between them; whether
// the user may see the entity at all is decided by inEntity (membership),
// which confirms the same scope.
func scopeDatabase(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		ctx := db.Unscoped(r.Context())
		if id, err := strconv.ParseInt(chi.URLParam(r, "entityID"), 10, 64); err == nil && id > 0 {
			ctx = db.ForEntity(r.Context(), id)
		}
		next.ServeHTTP(w, r.WithContext(ctx))
	})
}

// signIn turns the session into a signed-in one with a new token (no session
// fixation) and the user's language.
func (s *Server) signIn(w http.ResponseWriter, r *http.Request, u auth.User) error {
	ctx := r.Context()
	if err := s.Sessions.RenewToken(ctx); err != nil {
		return err
	}
	s.Sessions.Remove(ctx, sessPendingID)
	s.Sessions.Remove(ctx, sessPendingFailures)
	s.Sessions.Put(ctx, sessUserID, u.ID)
	s.Sessions.Put(ctx, sessEpoch, u.SessionEpoch)
	s.Sessions.Put(ctx, sessAuthzEpoch, u.AuthzEpoch)
	s.Sessions.Put(ctx, sessTouched, time.Now().UnixMilli()) // saved now, see keepSessionAlive
	s.setLangCookie(w, u.Lang)
	return nil
}

// landingPath is where a user goes after sign-in: the requested page, else
// the start page when invitations wait for an answer, else the dashboard of
// their first entity.
func landingPath(u signedIn, next string) string {
	if next != "" && localPath(next) == next && !strings.HasPrefix(next, "/login") {
		return next
	}
	if len(u.Memberships) > 0 && len(u.Invitations) == 0 {
		return "/e/" + strconv.FormatInt(u.Memberships[0].EntityID, 10) + "/"
	}
	return "/" // the start page says what to do without an entity
}
