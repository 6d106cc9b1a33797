package server

import (
	"bytes"
	"net/http"

	"github.com/a-h/templ"
	"github.com/go-chi/chi/v5/middleware"

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
	var buf bytes.Buffer
	if err := c.Render(r.Context(), &buf); err != nil {
		return err
	}
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.WriteHeader(status)
	_, _ = w.Write(buf.Bytes())
	return nil
}

// serverError logs err with the request id and shows the generic 500 page.
func (s *Server) serverError(w http.ResponseWriter, r *http.Request, err error) {
	s.Logger.ErrorContext(r.Context(), "request failed",
		"err", err.Error(), "request_id", middleware.GetReqID(r.Context()), "path", r.URL.Path)
	s.errorPage(w, r, http.StatusInternalServerError)
}

// errorPage renders the generic error page for status; it never includes
// internal details.
func (s *Server) errorPage(w http.ResponseWriter, r *http.Request, status int) {
	s.errorPageDetail(w, r, status, "")
}

// errorPageDetail is errorPage with a sentence that replaces the generic
// explanation (e.g. when the user may try again).
func (s *Server) errorPageDetail(w http.ResponseWriter, r *http.Request, status int, detail string) {
	title := i18n.T(r.Context(), errpage.TitleKey(status))
	p := errpage.Props{
		Shell:  layout.Props{Title: title, CurrentPath: r.URL.Path},
		Status: status,
		Detail: detail,
	}
	if status >= 500 {
		p.RequestID = middleware.GetReqID(r.Context())
	}
	if err := writePage(w, r, status, errpage.Page(p)); err != nil {
		http.Error(w, http.StatusText(status), status)
	}
}
