package server

import (
	"context"
	"errors"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/go-chi/chi/v5"

	"github.com/weerbaar/weerbaar/internal/db"
	"github.com/weerbaar/weerbaar/internal/entity"
	"github.com/weerbaar/weerbaar/internal/i18n"
	"github.com/weerbaar/weerbaar/web/layout"
	"github.com/weerbaar/weerbaar/web/pages/dashboard"
	"github.com/weerbaar/weerbaar/web/pages/module"
	"github.com/weerbaar/weerbaar/web/pages/start"
)

type entityKey struct{}

// loadEntity resolves {entityID} for every /e/… route; an unknown id is a 404.
func (s *Server) loadEntity(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		id, err := strconv.ParseInt(chi.URLParam(r, "entityID"), 10, 64)
		if err != nil || id <= 0 {
			s.errorPage(w, r, http.StatusNotFound)
			return
		}
		e, err := entity.Get(r.Context(), s.Pool, id)
		if errors.Is(err, db.ErrNotFound) {
			s.errorPage(w, r, http.StatusNotFound)
			return
		}
		if err != nil {
			s.serverError(w, r, err)
			return
		}
		next.ServeHTTP(w, r.WithContext(context.WithValue(r.Context(), entityKey{}, e)))
	})
}

func entityFrom(ctx context.Context) entity.Entity {
	e, _ := ctx.Value(entityKey{}).(entity.Entity)
	return e
}

// shell builds the layout props for a page of the current entity.
func (s *Server) shell(r *http.Request, titleKey, active string) layout.Props {
	p := layout.Props{Title: i18n.T(r.Context(), titleKey), Active: active, CurrentPath: r.URL.Path}
	if e := entityFrom(r.Context()); e.ID != 0 {
		p.Entity = &layout.EntityRef{ID: e.ID, Name: e.Name}
	}
	return p
}

// start lists the entities to open.
func (s *Server) start(w http.ResponseWriter, r *http.Request) {
	list, err := entity.List(r.Context(), s.Pool)
	if err != nil {
		s.serverError(w, r, err)
		return
	}
	p := start.Props{Shell: s.shell(r, "start.title", "")}
	for _, e := range list {
		p.Entities = append(p.Entities, layout.EntityRef{ID: e.ID, Name: e.Name})
	}
	s.render(w, r, http.StatusOK, start.Page(p))
}

func (s *Server) dashboard(w http.ResponseWriter, r *http.Request) {
	e := entityFrom(r.Context())
	s.render(w, r, http.StatusOK, dashboard.Page(dashboard.Props{
		Shell: s.shell(r, "dashboard.title", "dashboard"),
		Name:  e.Name, LegalName: e.LegalName, City: e.City,
	}))
}

// unavailableModule serves the honest empty state of a module not built yet.
func (s *Server) unavailableModule(key string) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		s.render(w, r, http.StatusOK, module.Unavailable(s.shell(r, "nav."+key, key)))
	}
}

// setLang remembers the chosen language in a cookie and returns the user to
// the page they were on.
func (s *Server) setLang(w http.ResponseWriter, r *http.Request) {
	lang, ok := i18n.Parse(r.PostFormValue("lang"))
	if !ok {
		s.errorPage(w, r, http.StatusBadRequest)
		return
	}
	http.SetCookie(w, &http.Cookie{
		Name: i18n.CookieName, Value: string(lang), Path: "/",
		MaxAge: int((365 * 24 * time.Hour).Seconds()), HttpOnly: true,
		Secure: s.Config.Secure(), SameSite: http.SameSiteLaxMode,
	})
	http.Redirect(w, r, localPath(r.PostFormValue("next")), http.StatusSeeOther)
}

// localPath accepts only a path on this site as a redirect target, so the
// form cannot be used to send users elsewhere.
func localPath(p string) string {
	if !strings.HasPrefix(p, "/") || strings.HasPrefix(p, "//") || strings.HasPrefix(p, "/\\") || strings.ContainsAny(p, "\r\n") {
		return "/"
	}
	return p
}
