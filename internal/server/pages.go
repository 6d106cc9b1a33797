package server

import (
	"net/http"
	"path"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/weerbaar/weerbaar/internal/audit"
	"github.com/weerbaar/weerbaar/internal/authz"
	"github.com/weerbaar/weerbaar/internal/entity"
	"github.com/weerbaar/weerbaar/internal/i18n"
	"github.com/weerbaar/weerbaar/web/layout"
	"github.com/weerbaar/weerbaar/web/pages/dashboard"
	"github.com/weerbaar/weerbaar/web/pages/module"
	"github.com/weerbaar/weerbaar/web/pages/start"
)

// shell builds the layout props of a page: title, the signed-in user, their
// entities, and the current entity with the modules the actor may open.
func (s *Server) shell(r *http.Request, titleKey, active string) layout.Props {
	ctx := r.Context()
	p := layout.Props{Title: i18n.T(ctx, titleKey), Active: active, CurrentPath: r.URL.Path}
	if u, ok := userFrom(ctx); ok {
		p.User = &layout.UserRef{Name: u.Name, InstanceAdmin: u.InstanceAdmin, Invitations: len(u.Invitations)}
		for _, m := range u.Memberships {
			p.Entities = append(p.Entities, layout.EntityRef{ID: m.EntityID, Name: m.EntityName})
		}
	}
	if e := entityFrom(ctx); e.ID != 0 {
		p.Entity = &layout.EntityRef{ID: e.ID, Name: e.Name}
		actor := authz.ActorFrom(ctx)
		p.ShowAdmin = actor.Can(authz.UserManage)
		p.HideAudit = !actor.Can(authz.AuditRead)
	}
	return p
}

// start sends the user to their first entity, or shows the invitations that
// wait for an answer, or says what to do first.
func (s *Server) start(w http.ResponseWriter, r *http.Request) {
	u, _ := userFrom(r.Context())
	if len(u.Memberships) > 0 && len(u.Invitations) == 0 {
		http.Redirect(w, r, landingPath(u, ""), http.StatusSeeOther)
		return
	}
	shell := s.shell(r, "start.title", "")
	p := start.Props{Shell: shell, InstanceAdmin: u.InstanceAdmin, Entities: shell.Entities}
	for _, inv := range u.Invitations {
		p.Invitations = append(p.Invitations, start.Invitation{EntityID: inv.EntityID, EntityName: inv.EntityName,
			Role: string(inv.Role), InvitedBy: inv.InvitedBy})
	}
	s.render(w, r, http.StatusOK, start.Page(p))
}

func (s *Server) dashboard(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	e := entityFrom(ctx)
	reg, err := entity.GetRegistration(ctx, s.Pool, e.ID)
	if err != nil {
		s.serverError(w, r, err)
		return
	}
	p := dashboard.Props{
		Shell: s.shell(r, "dashboard.title", "dashboard"), Base: entityBase(e.ID),
		Name: e.Name, LegalName: e.LegalName, Registered: reg.SubmittedOn != nil,
	}
	p.ReportDue = reportDueView(reg)
	switch {
	case reg.RiskReviewDate == nil:
		p.RiskReview = &dashboard.RiskReview{Missing: true}
	case reg.RiskReviewDate.Before(today()):
		p.RiskReview = &dashboard.RiskReview{Since: i18n.Date(ctx, *reg.RiskReviewDate)}
	}
	o, err := s.overview(r)
	if err != nil {
		s.serverError(w, r, err)
		return
	}
	p.Class = o.ScopeClass
	p.Regulation = regulationProps(ctx, o.Binding)
	p.Bars = maturityBars(ctx, p.Base, o)
	p.Readiness, p.Ready, p.Applicable = int(o.Readiness*100+0.5), o.Ready, o.Applicable
	for _, g := range o.TopGaps {
		p.TopGaps = append(p.TopGaps, dashboard.Gap{Code: g.Measure.Code, Label: g.Measure.Label.In(ctx),
			Current: g.Maturity.Value, Target: g.Result.Target})
	}
	for _, m := range o.OverdueMeasures {
		p.Overdue = append(p.Overdue, dashboard.Overdue{Code: m.Code + ")", Title: m.Label.In(ctx),
			Due: i18n.Date(ctx, *m.DueDate), Owner: m.OwnerName, Href: p.Base + "/measures/" + m.Code})
	}
	for _, q := range o.Overdue {
		p.Overdue = append(p.Overdue, dashboard.Overdue{Code: q.Code, Title: q.Title.In(ctx),
			Due: i18n.Date(ctx, *q.DueDate), Owner: q.OwnerName, Href: p.Base + "/requirements/" + q.Code})
	}
	actor := authz.ActorFrom(ctx)
	if actor.Can(authz.AuditRead) {
		res, err := audit.Verify(ctx, s.Pool, e.ID, false)
		if err != nil {
			s.serverError(w, r, err)
			return
		}
		p.ShowAudit, p.ChainOK, p.ChainRows = true, res.Broken == nil, res.Rows
	}
	if actor.Can(authz.UserManage) {
		members, err := entity.Members(ctx, s.Pool, e.ID)
		if err != nil {
			s.serverError(w, r, err)
			return
		}
		p.ShowMFA = true
		for _, m := range members {
			if m.Active() && !m.Disabled {
				p.Users++
				if m.MFAEnabled {
					p.MFAUsers++
				}
			}
		}
	}
	s.render(w, r, http.StatusOK, dashboard.Page(p))
}

// unavailableModule serves the honest empty state of a module not built yet.
func (s *Server) unavailableModule(key string) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		s.render(w, r, http.StatusOK, module.Unavailable(s.shell(r, "nav."+key, key)))
	}
}

// setLang remembers the chosen language in a cookie and, for a signed-in
// user, in their account; then it returns to the page they were on.
func (s *Server) setLang(w http.ResponseWriter, r *http.Request) {
	lang, ok := i18n.Parse(r.PostFormValue("lang"))
	if !ok {
		s.errorPage(w, r, http.StatusBadRequest)
		return
	}
	if u, ok := userFrom(r.Context()); ok {
		if err := s.Auth.SetLang(r.Context(), u.ID, string(lang)); err != nil {
			s.serverError(w, r, err)
			return
		}
	}
	s.setLangCookie(w, string(lang))
	http.Redirect(w, r, localPath(r.PostFormValue("next")), http.StatusSeeOther)
}

func (s *Server) setLangCookie(w http.ResponseWriter, lang string) {
	http.SetCookie(w, &http.Cookie{
		Name: i18n.CookieName, Value: lang, Path: "/",
		MaxAge: int((365 * 24 * time.Hour).Seconds()), HttpOnly: true,
		Secure: s.Config.Secure(), SameSite: http.SameSiteLaxMode,
	})
}

// localPath accepts only a path on this site as a redirect target, so the
// form cannot be used to send users elsewhere; anything else becomes "/".
// It cleans the path the way http.Redirect does, so the check sees what the
// Location header will say (`/../\evil.example` would become `/\evil.example`),
// and accepts the result only when it starts with a single slash followed by
// neither a slash nor a backslash (browsers read both as another host) and
// holds no control characters (browsers drop a TAB or newline, turning
// "/<TAB>/x" into "//x"). The result is stable: localPath(localPath(p)) == localPath(p).
// It is the one check for every "next" parameter (login, language switch).
func localPath(p string) string {
	if !isSiteRooted(p) || strings.IndexFunc(p, unicode.IsControl) >= 0 || !utf8.ValidString(p) {
		return "/"
	}
	rest := ""
	if i := strings.IndexByte(p, '?'); i >= 0 {
		p, rest = p[:i], p[i:]
	}
	cleaned := path.Clean(p)
	if strings.HasSuffix(p, "/") && !strings.HasSuffix(cleaned, "/") {
		cleaned += "/"
	}
	if !isSiteRooted(cleaned) {
		return "/"
	}
	return cleaned + rest
}

// isSiteRooted reports whether p starts with one slash that is not followed
// by another slash or a backslash.
func isSiteRooted(p string) bool {
	return p != "" && p[0] == '/' && (len(p) == 1 || (p[1] != '/' && p[1] != '\\'))
}
