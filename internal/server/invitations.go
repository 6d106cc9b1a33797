package server

import (
	"errors"
	"net/http"
	"strconv"

	"github.com/go-chi/chi/v5"

	"github.com/weerbaar/weerbaar/internal/auth"
	"github.com/weerbaar/weerbaar/internal/db"
	"github.com/weerbaar/weerbaar/internal/i18n"
)

// acceptInvitation is the signed-in invitee's yes to a pending membership,
// posted from the page of the invitation's join link (its token comes
// along); they land on the entity's dashboard.
func (s *Server) acceptInvitation(w http.ResponseWriter, r *http.Request) {
	u, _ := userFrom(r.Context())
	id, err := strconv.ParseInt(chi.URLParam(r, "entityID"), 10, 64)
	if err == nil {
		err = s.members().Accept(r.Context(), u.ID, id, r.PostFormValue("token"))
	}
	if errors.Is(err, auth.ErrTokenInvalid) {
		s.errorPageDetail(w, r, http.StatusNotFound, i18n.T(r.Context(), "invitations.link_needed"))
		return
	}
	s.afterInvitation(w, r, err, entityBase(id)+"/")
}

// declineInvitation is the invitee's no: the pending membership goes.
func (s *Server) declineInvitation(w http.ResponseWriter, r *http.Request) {
	u, _ := userFrom(r.Context())
	id, err := strconv.ParseInt(chi.URLParam(r, "entityID"), 10, 64)
	if err == nil {
		err = s.members().Decline(r.Context(), u.ID, id)
	}
	s.afterInvitation(w, r, err, "/")
}

// afterInvitation maps the answer to an invitation: 404 when there is no
// such pending invitation for the user, else on to the next page.
func (s *Server) afterInvitation(w http.ResponseWriter, r *http.Request, err error, to string) {
	var numErr *strconv.NumError
	switch {
	case errors.Is(err, db.ErrNotFound), errors.As(err, &numErr):
		s.errorPage(w, r, http.StatusNotFound)
	case err != nil:
		s.serverError(w, r, err)
	default:
		http.Redirect(w, r, to, http.StatusSeeOther)
	}
}
