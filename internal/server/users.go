package server

import (
	"errors"
	"net/http"
	"strconv"
	"strings"

	"github.com/go-chi/chi/v5"

	"github.com/weerbaar/weerbaar/internal/auth"
	"github.com/weerbaar/weerbaar/internal/authz"
	"github.com/weerbaar/weerbaar/internal/db"
	"github.com/weerbaar/weerbaar/internal/entity"
	"github.com/weerbaar/weerbaar/internal/i18n"
	"github.com/weerbaar/weerbaar/internal/validate"
	"github.com/weerbaar/weerbaar/web/pages/users"
)

const sessInviteLink = "invite_link"

func (s *Server) usersProps(r *http.Request) (users.Props, error) {
	actor := authz.ActorFrom(r.Context())
	e := entityFrom(r.Context())
	members, err := entity.Members(r.Context(), s.Pool, actor.EntityID)
	if err != nil {
		return users.Props{}, err
	}
	p := users.Props{Shell: s.shell(r, "users.title", "users"), Base: entityBase(actor.EntityID), MFARequired: e.MFARequired, InviteRole: string(authz.SecurityOfficer)}
	for _, m := range members {
		p.Members = append(p.Members, users.Member{
			UserID: m.UserID, Name: m.Name, Email: m.Email, Role: string(m.Role), MFAEnabled: m.MFAEnabled,
			PasswordSet: m.PasswordSet, Disabled: m.Disabled, OtherEntities: m.OtherEntities, IsSelf: m.UserID == actor.UserID,
		})
	}
	return p, nil
}

func (s *Server) users(w http.ResponseWriter, r *http.Request) {
	p, err := s.usersProps(r)
	if err != nil {
		s.serverError(w, r, err)
		return
	}
	p.Notice = s.Sessions.PopString(r.Context(), sessFlash)
	p.InviteLink = s.Sessions.PopString(r.Context(), sessInviteLink)
	s.render(w, r, http.StatusOK, users.Page(p))
}

// inviteUser adds a member; the one-time link is shown once on the users page.
func (s *Server) inviteUser(w http.ResponseWriter, r *http.Request) {
	in := auth.InviteInput{Email: r.PostFormValue("email"), Name: r.PostFormValue("name"), Role: r.PostFormValue("role")}
	link, err := s.Auth.Invite(r.Context(), authz.ActorFrom(r.Context()), in)
	if fields := validate.Fields(err); fields != nil {
		p, perr := s.usersProps(r)
		if perr != nil {
			s.serverError(w, r, perr)
			return
		}
		p.InviteEmail, p.InviteName, p.InviteRole, p.InviteErrors = in.Email, in.Name, in.Role, fields
		s.render(w, r, http.StatusUnprocessableEntity, users.Page(p))
		return
	}
	notice := "users.invited.done"
	if err == nil && link != "" {
		s.Sessions.Put(r.Context(), sessInviteLink, link)
		notice = s.mailInvite(r, in.Email, link)
	}
	s.afterMemberChange(w, r, err, notice)
}

func (s *Server) changeRole(w http.ResponseWriter, r *http.Request) {
	id, ok := s.userIDParam(w, r)
	if ok {
		s.afterMemberChange(w, r, s.Auth.ChangeRole(r.Context(), authz.ActorFrom(r.Context()), id, r.PostFormValue("role")), "users.role.done")
	}
}

func (s *Server) removeMember(w http.ResponseWriter, r *http.Request) {
	id, ok := s.userIDParam(w, r)
	if ok {
		s.afterMemberChange(w, r, s.Auth.RemoveMember(r.Context(), authz.ActorFrom(r.Context()), id), "users.remove.done")
	}
}

func (s *Server) disableUser(w http.ResponseWriter, r *http.Request) {
	id, ok := s.userIDParam(w, r)
	if ok {
		disabled := r.PostFormValue("disabled") == "true"
		notice := "users.enable.done"
		if disabled {
			notice = "users.disable.done"
		}
		s.afterMemberChange(w, r, s.Auth.SetDisabled(r.Context(), authz.ActorFrom(r.Context()), id, disabled), notice)
	}
}

func (s *Server) entitySettings(w http.ResponseWriter, r *http.Request) {
	actor := authz.ActorFrom(r.Context())
	err := entity.SetMFARequired(r.Context(), s.Pool, actor.EntityID, r.PostFormValue("mfa_required") == "true")
	s.afterMemberChange(w, r, err, "settings.done")
}

// afterMemberChange maps the result of a user-management action: the users
// page with a notice (303), or the reason it was refused.
func (s *Server) afterMemberChange(w http.ResponseWriter, r *http.Request, err error, notice string) {
	switch {
	case err == nil:
		s.Sessions.Put(r.Context(), sessFlash, notice)
		http.Redirect(w, r, entityBase(authz.ActorFrom(r.Context()).EntityID)+"/users", http.StatusSeeOther)
	case errors.Is(err, db.ErrNotFound):
		s.errorPage(w, r, http.StatusNotFound)
	case errors.Is(err, auth.ErrForbidden):
		s.errorPage(w, r, http.StatusForbidden)
	case errors.Is(err, auth.ErrLastAdmin), validate.Fields(err) != nil:
		p, perr := s.usersProps(r)
		if perr != nil {
			s.serverError(w, r, perr)
			return
		}
		p.Error = "users.error.last_admin"
		status := http.StatusConflict
		if f := validate.Fields(err); f != nil {
			p.Error, status = firstValue(f), http.StatusUnprocessableEntity
		}
		s.render(w, r, status, users.Page(p))
	default:
		s.serverError(w, r, err)
	}
}

func (s *Server) userIDParam(w http.ResponseWriter, r *http.Request) (int64, bool) {
	id, err := strconv.ParseInt(chi.URLParam(r, "userID"), 10, 64)
	if err != nil || id <= 0 {
		s.errorPage(w, r, http.StatusNotFound)
		return 0, false
	}
	return id, true
}

// mailInvite e-mails the set-password link when SMTP is configured and says
// how it went; the link is shown to the admin either way.
func (s *Server) mailInvite(r *http.Request, to, link string) string {
	if s.Mailer == nil {
		return "users.invited.done"
	}
	e := entityFrom(r.Context())
	subject := i18n.Translate(i18n.NL, "mail.invite.subject", e.Name) + " / " + i18n.Translate(i18n.EN, "mail.invite.subject", e.Name)
	body := i18n.Translate(i18n.NL, "mail.invite.body", e.Name, link) + "\n\n---\n\n" + i18n.Translate(i18n.EN, "mail.invite.body", e.Name, link)
	if err := s.Mailer.Send(r.Context(), strings.ToLower(strings.TrimSpace(to)), subject, body); err != nil {
		s.Logger.WarnContext(r.Context(), "invite mail not sent", "err", err.Error())
		return "users.mail.failed"
	}
	return "users.mail.sent"
}
