package server

import (
	"errors"
	"math"
	"net/http"
	"slices"
	"strconv"
	"time"

	"github.com/go-chi/chi/v5"
	"github.com/go-chi/chi/v5/middleware"

	"github.com/weerbaar/weerbaar/internal/auth"
	"github.com/weerbaar/weerbaar/internal/entity"
	"github.com/weerbaar/weerbaar/internal/i18n"
	"github.com/weerbaar/weerbaar/internal/validate"
	authpage "github.com/weerbaar/weerbaar/web/pages/auth"
)

const (
	sessNext            = "next"             // where to go after the second factor
	sessPendingFailures = "pending_failures" // wrong codes in this pending login
)

// maxPendingCodes is how many wrong second-factor codes one pending login
// may take; then it ends and the user starts again with the password. The
// throttle's per-user bucket limits the codes across pending logins.
const maxPendingCodes = 5

func (s *Server) loginForm(w http.ResponseWriter, r *http.Request) {
	if u, ok := userFrom(r.Context()); ok {
		http.Redirect(w, r, landingPath(u, ""), http.StatusSeeOther)
		return
	}
	s.render(w, r, http.StatusOK, authpage.Login(authpage.LoginProps{
		Shell: s.shell(r, "login.title", ""), Next: r.URL.Query().Get("next"),
		Notice: s.Sessions.PopString(r.Context(), sessFlash),
	}))
}

// login checks e-mail and password. Wrong password and unknown address give
// the same page; a user with MFA continues to the second-factor step.
func (s *Server) login(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	email, next := r.PostFormValue("email"), r.PostFormValue("next")
	if next != "" {
		next = localPath(next)
	}
	u, err := s.Auth.Login(ctx, email, r.PostFormValue("password"), middleware.GetClientIP(ctx))
	var throttled *auth.ThrottledError
	switch {
	case errors.As(err, &throttled):
		s.tooManyAttempts(w, r, throttled.RetryAfter)
		return
	case errors.Is(err, auth.ErrInvalidCredentials):
		s.render(w, r, http.StatusUnauthorized, authpage.Login(authpage.LoginProps{
			Shell: s.shell(r, "login.title", ""), Email: email, Next: r.PostFormValue("next"), Error: "login.error.invalid",
		}))
		return
	case err != nil:
		s.serverError(w, r, err)
		return
	}
	if u.MFAEnabled() {
		if err := s.Sessions.RenewToken(ctx); err != nil {
			s.serverError(w, r, err)
			return
		}
		s.Sessions.Put(ctx, sessPendingID, u.ID)
		s.Sessions.Put(ctx, sessNext, next)
		s.Sessions.Remove(ctx, sessPendingFailures)
		http.Redirect(w, r, "/login/mfa", http.StatusSeeOther)
		return
	}
	s.finishLogin(w, r, u, "password", next)
}

func (s *Server) mfaForm(w http.ResponseWriter, r *http.Request) {
	if s.Sessions.GetInt64(r.Context(), sessPendingID) == 0 {
		http.Redirect(w, r, "/login", http.StatusSeeOther)
		return
	}
	s.render(w, r, http.StatusOK, authpage.MFA(authpage.MFAProps{Shell: s.shell(r, "mfa.login.title", "")}))
}

// mfaLogin accepts an authenticator code (once) or a recovery code.
func (s *Server) mfaLogin(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	id := s.Sessions.GetInt64(ctx, sessPendingID)
	if id == 0 {
		http.Redirect(w, r, "/login", http.StatusSeeOther)
		return
	}
	method, err := s.Auth.VerifySecondFactor(ctx, id, r.PostFormValue("code"), middleware.GetClientIP(ctx))
	var throttled *auth.ThrottledError
	switch {
	case errors.As(err, &throttled):
		s.tooManyAttempts(w, r, throttled.RetryAfter)
		return
	case errors.Is(err, auth.ErrInvalidCode):
		failures := s.Sessions.GetInt(ctx, sessPendingFailures) + 1
		if failures >= maxPendingCodes {
			s.Sessions.Remove(ctx, sessPendingID)
			s.Sessions.Remove(ctx, sessNext)
			s.Sessions.Remove(ctx, sessPendingFailures)
			s.render(w, r, http.StatusUnauthorized, authpage.Login(authpage.LoginProps{Shell: s.shell(r, "login.title", ""), Error: "mfa.error.locked"}))
			return
		}
		s.Sessions.Put(ctx, sessPendingFailures, failures)
		s.render(w, r, http.StatusUnauthorized, authpage.MFA(authpage.MFAProps{Shell: s.shell(r, "mfa.login.title", ""), Error: "mfa.error.code"}))
		return
	case err != nil:
		s.serverError(w, r, err)
		return
	}
	u, err := auth.GetUser(ctx, s.Pool, id)
	if err != nil {
		s.serverError(w, r, err)
		return
	}
	s.finishLogin(w, r, u, method, s.Sessions.PopString(ctx, sessNext))
}

func (s *Server) finishLogin(w http.ResponseWriter, r *http.Request, u auth.User, method, next string) {
	ctx := r.Context()
	if err := s.signIn(w, r, u); err != nil {
		s.serverError(w, r, err)
		return
	}
	if err := s.Auth.RecordLogin(ctx, u, method); err != nil {
		s.serverError(w, r, err)
		return
	}
	ms, invitations, err := entity.MembershipsOfUser(ctx, s.Pool, u.ID)
	if err != nil {
		s.serverError(w, r, err)
		return
	}
	http.Redirect(w, r, landingPath(signedIn{User: u, Memberships: ms, Invitations: invitations}, next), http.StatusSeeOther)
}

// tooManyAttempts is the 429 page with the time the user may try again.
func (s *Server) tooManyAttempts(w http.ResponseWriter, r *http.Request, retry time.Duration) {
	secs := int(math.Ceil(retry.Seconds()))
	w.Header().Set("Retry-After", strconv.Itoa(secs))
	mins := int(math.Ceil(float64(secs) / 60))
	s.errorPageDetail(w, r, http.StatusTooManyRequests, i18n.T(r.Context(), "login.error.throttled", mins))
}

// logout ends the session on the server; the old cookie is worthless after.
func (s *Server) logout(w http.ResponseWriter, r *http.Request) {
	u, _ := userFrom(r.Context())
	if err := s.Auth.RecordLogout(r.Context(), u.User); err != nil {
		s.serverError(w, r, err)
		return
	}
	if err := s.Sessions.Destroy(r.Context()); err != nil {
		s.serverError(w, r, err)
		return
	}
	http.Redirect(w, r, "/login", http.StatusSeeOther)
}

// setPasswordForm serves a one-time link: the set-password form for a new
// account (or a reset), or for a join link (an existing account invited into
// another entity) the page that says to sign in and answer the invitation.
func (s *Server) setPasswordForm(w http.ResponseWriter, r *http.Request) {
	token := chi.URLParam(r, "token")
	l, err := s.Auth.LookupLink(r.Context(), token)
	if errors.Is(err, auth.ErrTokenInvalid) {
		s.errorPageDetail(w, r, http.StatusNotFound, i18n.T(r.Context(), "setpw.invalid"))
		return
	}
	if err != nil {
		s.serverError(w, r, err)
		return
	}
	if !l.SetsPassword() {
		e, err := entity.Get(r.Context(), s.Pool, l.EntityID)
		if err != nil {
			s.serverError(w, r, err)
			return
		}
		u, _ := userFrom(r.Context())
		s.render(w, r, http.StatusOK, authpage.Join(authpage.JoinProps{
			Shell: s.shell(r, "join.page_title", ""), EntityName: e.Name, EntityID: e.ID, Email: l.User.Email, Token: token,
			SignedInAs: u.Email, Pending: slices.ContainsFunc(u.Invitations, func(m entity.Membership) bool { return m.EntityID == e.ID }),
		}))
		return
	}
	s.render(w, r, http.StatusOK, authpage.SetPassword(authpage.SetPasswordProps{
		Shell: s.shell(r, "setpw.title", ""), Token: token, Email: l.User.Email,
	}))
}

func (s *Server) setPassword(w http.ResponseWriter, r *http.Request) {
	token := chi.URLParam(r, "token")
	_, err := s.Auth.SetPasswordWithToken(r.Context(), token, r.PostFormValue("new_password"), r.PostFormValue("confirm"))
	if fields := validate.Fields(err); fields != nil {
		u, terr := s.Auth.TokenUser(r.Context(), token)
		if terr != nil {
			s.errorPageDetail(w, r, http.StatusNotFound, i18n.T(r.Context(), "setpw.invalid"))
			return
		}
		s.render(w, r, http.StatusUnprocessableEntity, authpage.SetPassword(authpage.SetPasswordProps{
			Shell: s.shell(r, "setpw.title", ""), Token: token, Email: u.Email, Errors: fields,
		}))
		return
	}
	if errors.Is(err, auth.ErrTokenInvalid) {
		s.errorPageDetail(w, r, http.StatusNotFound, i18n.T(r.Context(), "setpw.invalid"))
		return
	}
	if err != nil {
		s.serverError(w, r, err)
		return
	}
	s.Sessions.Put(r.Context(), sessFlash, "setpw.done")
	http.Redirect(w, r, "/login", http.StatusSeeOther)
}
