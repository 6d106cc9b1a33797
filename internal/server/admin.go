package server

import (
	"errors"
	"net/http"
	"regexp"
	"strings"

	"github.com/weerbaar/weerbaar/internal/db"
	"github.com/weerbaar/weerbaar/internal/entity"
	"github.com/weerbaar/weerbaar/internal/validate"
	"github.com/weerbaar/weerbaar/web/layout"
	"github.com/weerbaar/weerbaar/web/pages/admin"
)

func (s *Server) adminEntitiesPage(w http.ResponseWriter, r *http.Request, status int, p admin.EntitiesProps) {
	list, err := entity.List(r.Context(), s.Pool)
	if err != nil {
		s.serverError(w, r, err)
		return
	}
	p.Shell = s.shell(r, "admin.entities.title", "")
	for _, e := range list {
		p.Entities = append(p.Entities, layout.EntityRef{ID: e.ID, Name: e.Name})
	}
	s.render(w, r, status, admin.Entities(p))
}

func (s *Server) adminEntities(w http.ResponseWriter, r *http.Request) {
	s.adminEntitiesPage(w, r, http.StatusOK, admin.EntitiesProps{})
}

var slugPattern = regexp.MustCompile(`^[a-z0-9][a-z0-9-]{1,62}$`)

// adminCreateEntity creates an entity; the instance administrator becomes its
// first admin.
func (s *Server) adminCreateEntity(w http.ResponseWriter, r *http.Request) {
	u, _ := userFrom(r.Context())
	in := entity.NewEntity{Name: strings.TrimSpace(r.PostFormValue("name")), Slug: strings.TrimSpace(r.PostFormValue("slug"))}
	errs := validate.Errors{}
	if in.Name == "" || len(in.Name) > 200 {
		errs.Add("name", "validate.required")
	}
	if !slugPattern.MatchString(in.Slug) {
		errs.Add("slug", "admin.entities.slug.invalid")
	}
	err := errs.Err()
	var e entity.Entity
	if err == nil {
		e, err = entity.CreateWithAdmin(r.Context(), s.Pool, in, u.ID)
		if errors.Is(err, db.ErrConflict) {
			err = validate.Field("slug", "admin.entities.slug.taken")
		}
	}
	if fields := validate.Fields(err); fields != nil {
		s.adminEntitiesPage(w, r, http.StatusUnprocessableEntity, admin.EntitiesProps{Name: in.Name, Slug: in.Slug, Errors: fields})
		return
	}
	if err != nil {
		s.serverError(w, r, err)
		return
	}
	http.Redirect(w, r, entityBase(e.ID)+"/", http.StatusSeeOther)
}
