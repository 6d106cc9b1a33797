package server

import (
	"crypto/rand"
	"encoding/base64"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"runtime/debug"
	"time"

	"github.com/a-h/templ"
	"github.com/go-chi/chi/v5"
	"github.com/go-chi/chi/v5/middleware"

	"github.com/weerbaar/weerbaar/internal/db"
)

// clientIP takes the client address from the TCP peer; behind a reverse
// proxy, X-Forwarded-For is honoured only from the configured proxy ranges.
func (s *Server) clientIP() func(http.Handler) http.Handler {
	if len(s.Config.TrustedProxies) > 0 {
		return middleware.ClientIPFromXFF(s.Config.TrustedProxies...)
	}
	return middleware.ClientIPFromRemoteAddr
}

// accessLog writes one JSON line per request after it completes, with the
// number of SQL queries it took (the page budget, see db.WithQueryCounter).
func (s *Server) accessLog(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		start := time.Now()
		r = r.WithContext(db.WithQueryCounter(r.Context()))
		ww := middleware.NewWrapResponseWriter(w, r.ProtoMajor)
		defer func() {
			pattern := ""
			if rc := chi.RouteContext(r.Context()); rc != nil {
				pattern = rc.RoutePattern()
			}
			s.Logger.LogAttrs(r.Context(), slog.LevelInfo, "request",
				slog.String("method", r.Method),
				slog.String("route", pattern),
				slog.Int("status", ww.Status()),
				slog.Duration("duration", time.Since(start)),
				slog.Int("queries", db.QueryCount(r.Context())),
				slog.String("request_id", middleware.GetReqID(r.Context())),
				slog.String("ip", middleware.GetClientIP(r.Context())),
			)
		}()
		next.ServeHTTP(ww, r)
	})
}

// recoverer turns a panic into the generic 500 page and a log line with the
// stack, never showing the stack to the user.
func (s *Server) recoverer(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		defer func() {
			rec := recover()
			if rec == nil {
				return
			}
			if rec == http.ErrAbortHandler {
				panic(rec)
			}
			s.serverError(w, r, fmt.Errorf("panic: %v\n%s", rec, debug.Stack()))
		}()
		next.ServeHTTP(w, r)
	})
}

// securityHeaders sets the headers every response carries and puts a fresh
// CSP nonce into the context for templ.
func (s *Server) securityHeaders(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		nonce := randomToken(18)
		h := w.Header()
		h.Set("Content-Security-Policy", "default-src 'self'; script-src 'self' 'nonce-"+nonce+"'; style-src 'self'; "+
			"object-src 'none'; base-uri 'none'; frame-ancestors 'none'; form-action 'self'")
		h.Set("X-Content-Type-Options", "nosniff")
		h.Set("Referrer-Policy", "same-origin")
		h.Set("X-Frame-Options", "DENY")
		h.Set("Cache-Control", "no-store") // static files override this
		if s.Config.Secure() {
			h.Set("Strict-Transport-Security", "max-age=63072000; includeSubDomains")
		}
		next.ServeHTTP(w, r.WithContext(templ.WithNonce(r.Context(), nonce)))
	})
}

// crossOriginProtection refuses cross-origin state-changing requests (CSRF)
// with the generic 403 page.
func (s *Server) crossOriginProtection(next http.Handler) http.Handler {
	cop := http.NewCrossOriginProtection()
	cop.SetDenyHandler(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		s.errorPage(w, r, http.StatusForbidden)
	}))
	return cop.Handler(next)
}

func randomToken(n int) string {
	b := make([]byte, n)
	if _, err := rand.Read(b); err != nil {
		panic(errors.New("crypto/rand failed: " + err.Error()))
	}
	return base64.RawURLEncoding.EncodeToString(b)
}
