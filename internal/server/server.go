// Package server turns HTTP requests into service calls and results into templ
// pages: the chi router, middleware, error pages and one file of handlers per
// domain.
package server

import (
	"log/slog"
	"net/http"
	"sync/atomic"

	"github.com/alexedwards/scs/v2"
	"github.com/go-chi/chi/v5"
	"github.com/go-chi/chi/v5/middleware"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/weerbaar/weerbaar/internal/config"
	"github.com/weerbaar/weerbaar/internal/i18n"
)

// Deps are the server's collaborators, wired in internal/app.
type Deps struct {
	Config   config.Config
	Pool     *pgxpool.Pool
	Logger   *slog.Logger
	Sessions *scs.SessionManager
}

// Server is Weerbaar's HTTP handler.
type Server struct {
	Deps
	router   chi.Router
	draining atomic.Bool
}

// New builds the router with every route and middleware.
func New(d Deps) *Server {
	s := &Server{Deps: d}
	s.router = s.routes()
	return s
}

// ServeHTTP implements http.Handler.
func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) { s.router.ServeHTTP(w, r) }

// Router exposes the chi router so tests can walk every route.
func (s *Server) Router() chi.Router { return s.router }

// StartDraining makes /readyz answer 503 so a load balancer stops sending new
// requests while in-flight ones finish.
func (s *Server) StartDraining() { s.draining.Store(true) }

func (s *Server) routes() chi.Router {
	r := chi.NewRouter()
	r.Use(
		middleware.RequestID,
		s.clientIP(),
		s.accessLog,
		s.recoverer,
		s.securityHeaders,
		s.crossOriginProtection,
		i18n.Middleware(func(*http.Request) (i18n.Lang, bool) { return "", false }),
	)
	r.NotFound(func(w http.ResponseWriter, r *http.Request) { s.errorPage(w, r, http.StatusNotFound) })
	r.MethodNotAllowed(func(w http.ResponseWriter, r *http.Request) { s.errorPage(w, r, http.StatusMethodNotAllowed) })

	// Operational endpoints and static files need no session and no database.
	r.Get("/healthz", s.healthz)
	r.Get("/readyz", s.readyz)
	r.Get("/static/*", s.static)

	r.Group(func(r chi.Router) {
		r.Use(s.Sessions.LoadAndSave)
		r.Get("/", s.start)
		r.Post("/lang", s.setLang)
		r.Route("/e/{entityID}", func(r chi.Router) {
			r.Use(s.loadEntity)
			r.Get("/", s.dashboard)
			for _, m := range []string{"scope", "measures", "risks", "board", "incidents", "audit"} {
				r.Get("/"+m, s.unavailableModule(m))
			}
		})
	})
	return r
}
