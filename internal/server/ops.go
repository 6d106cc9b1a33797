package server

import (
	"context"
	"io/fs"
	"net/http"
	"strings"
	"time"

	"github.com/weerbaar/weerbaar/web"
)

// healthz says the process is alive; it does not touch the database, so an
// orchestrator never restarts the app because PostgreSQL is briefly away.
func (s *Server) healthz(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("Content-Type", "text/plain; charset=utf-8")
	_, _ = w.Write([]byte("ok\n"))
}

// readyz says whether the app can serve: not while draining for shutdown and
// not while the database does not answer. The pool reconnects by itself, so
// readiness returns when the database does.
func (s *Server) readyz(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("Content-Type", "text/plain; charset=utf-8")
	if s.draining.Load() {
		w.WriteHeader(http.StatusServiceUnavailable)
		_, _ = w.Write([]byte("not ready\n"))
		return
	}
	ctx, cancel := context.WithTimeout(r.Context(), 2*time.Second)
	defer cancel()
	if err := s.Pool.Ping(ctx); err != nil {
		s.Logger.WarnContext(r.Context(), "readiness: database unreachable", "err", err.Error())
		w.WriteHeader(http.StatusServiceUnavailable)
		_, _ = w.Write([]byte("not ready\n"))
		return
	}
	_, _ = w.Write([]byte("ready\n"))
}

var staticFS, _ = fs.Sub(web.Static, "static")

// static serves the embedded files. A request carrying the file's current
// content hash may be cached for a year; anything else only briefly.
func (s *Server) static(w http.ResponseWriter, r *http.Request) {
	name := strings.TrimPrefix(r.URL.Path, "/static/")
	version, ok := web.AssetVersion(name)
	if !ok {
		s.errorPage(w, r, http.StatusNotFound)
		return
	}
	if r.URL.Query().Get("v") == version {
		w.Header().Set("Cache-Control", "public, max-age=31536000, immutable")
	} else {
		w.Header().Set("Cache-Control", "public, max-age=300")
	}
	http.ServeFileFS(w, r, staticFS, name)
}
