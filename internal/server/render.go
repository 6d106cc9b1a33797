package server

import (
	"bytes"
	"errors"
	"net/http"
	"strings"
	"sync"

	"github.com/a-h/templ"
	"github.com/go-chi/chi/v5/middleware"

	"github.com/weerbaar/weerbaar/internal/db"
	"github.com/weerbaar/weerbaar/internal/i18n"
	"github.com/weerbaar/weerbaar/web/layout"
	errpage "github.com/weerbaar/weerbaar/web/pages/errors"
)

// render writes a page with status. It renders into a buffer first so a
// template error becomes a clean 500 instead of half a page.
func (s *Server) render(w http.ResponseWriter, r *http.Request, status int, c templ.Component) {
	if err := writePage(w, r, status, c); err != nil {
		s.serverError(w, r, err)
	}
}

func writePage(w http.ResponseWriter, r *http.Request, status int, c templ.Component) error {
	buf := pageBuffers.Get().(*bytes.Buffer)
	defer releasePageBuffer(buf)
	buf.Reset()
	if err := c.Render(r.Context(), buf); err != nil {
		return err
	}
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.WriteHeader(status)
	_, _ = w.Write(buf.Bytes())
	return nil
}

// pageBuffers are the buffers pages render into, reused across requests:
// a page of 30–100 kB rendered into a fresh buffer grew it a dozen times,
// and those copies were the largest share of the server's allocations
// (and so of its garbage collection) on the large dataset's pages.
var pageBuffers = sync.Pool{New: func() any { return new(bytes.Buffer) }}

// maxPooledPage is the largest buffer kept for reuse; the buffer of an
// exceptionally large page goes to the garbage collector instead of
// staying in the pool.
const maxPooledPage = 1 << 20

func releasePageBuffer(buf *bytes.Buffer) {
	if buf.Cap() > maxPooledPage {
		return
	}
	buf.Reset()
	pageBuffers.Put(buf)
}

// serverError logs err with the request id and shows the generic 500 page,
// or the 503 "try again" page when the database is away (db.Unavailable).
func (s *Server) serverError(w http.ResponseWriter, r *http.Request, err error) {
	if db.Unavailable(err) {
		s.unavailable(w, r, err)
		return
	}
	s.Logger.ErrorContext(r.Context(), "request failed",
		"err", err.Error(), "request_id", middleware.GetReqID(r.Context()), "path", r.URL.Path)
	s.errorPage(w, r, http.StatusInternalServerError)
}

// retryAfterSeconds is how long the 503 page asks clients to wait: about
// what a restarted PostgreSQL takes to accept connections again.
const retryAfterSeconds = "5"

// unavailable answers 503 with Retry-After while PostgreSQL is away. After a
// form post it says plainly that the change was not saved (the transaction
// rolled back; the browser's back button still holds the input), or, when
// the connection was lost during the commit, that it may have been saved.
// A page request gets a link to try again.
func (s *Server) unavailable(w http.ResponseWriter, r *http.Request, err error) {
	ctx := r.Context()
	s.Logger.WarnContext(ctx, "database unavailable",
		"err", err.Error(), "request_id", middleware.GetReqID(ctx), "path", r.URL.Path, "method", r.Method)
	h := w.Header()
	h.Del("Location") // a redirect prepared before the session failed to save
	h.Set("Retry-After", retryAfterSeconds)
	p := errpage.Props{Status: http.StatusServiceUnavailable, RequestID: middleware.GetReqID(ctx)}
	switch {
	case errors.Is(err, db.ErrOutcomeUnknown):
		p.Detail = i18n.T(ctx, "error.503.unknown")
	case r.Method != http.MethodGet && r.Method != http.MethodHead:
		p.Detail = i18n.T(ctx, "error.503.not_saved")
	case strings.HasPrefix(r.URL.Path, "/") && !strings.HasPrefix(r.URL.Path, "//"):
		p.Retry = r.URL.RequestURI()
	}
	s.writeErrorPage(w, r, p)
}

// errorPage renders the generic error page for status; it never includes
// internal details.
func (s *Server) errorPage(w http.ResponseWriter, r *http.Request, status int) {
	s.errorPageDetail(w, r, status, "")
}

// errorPageDetail is errorPage with a sentence that replaces the generic
// explanation (e.g. when the user may try again).
func (s *Server) errorPageDetail(w http.ResponseWriter, r *http.Request, status int, detail string) {
	p := errpage.Props{Status: status, Detail: detail}
	if status >= 500 {
		p.RequestID = middleware.GetReqID(r.Context())
	}
	s.writeErrorPage(w, r, p)
}

// writeErrorPage renders p with the title of its status.
func (s *Server) writeErrorPage(w http.ResponseWriter, r *http.Request, p errpage.Props) {
	p.Shell = layout.Props{Title: i18n.T(r.Context(), errpage.TitleKey(p.Status)), CurrentPath: r.URL.Path}
	if err := writePage(w, r, p.Status, errpage.Page(p)); err != nil {
		http.Error(w, http.StatusText(p.Status), p.Status)
	}
}
