package server

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"path"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/jackc/pgx/v5"

	"github.com/weerbaar/weerbaar/internal/audit"
	"github.com/weerbaar/weerbaar/internal/authz"
	"github.com/weerbaar/weerbaar/internal/db"
	"github.com/weerbaar/weerbaar/internal/entity"
	"github.com/weerbaar/weerbaar/internal/evidence"
	"github.com/weerbaar/weerbaar/internal/i18n"
	"github.com/weerbaar/weerbaar/internal/incident"
	"github.com/weerbaar/weerbaar/internal/risk"
	"github.com/weerbaar/weerbaar/web/layout"
	"github.com/weerbaar/weerbaar/web/pages/dashboard"
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
		p.ShowExports = actor.Can(authz.ExportCreate)
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
	if authz.ActorFrom(ctx).Role == authz.BoardMember {
		s.boardHome(w, r) // the board's own first screen, not the officer's work lists
		return
	}
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
		// From the verified point the audit page and the periodic full
		// run keep; the dashboard only reads it (it has no query to spare).
		res, err := audit.VerifyFrom(ctx, s.Pool, e.ID, nil)
		if err != nil {
			s.serverError(w, r, err)
			return
		}
		p.ShowAudit, p.ChainOK, p.ChainRows = true, res.Broken == nil, int(res.Length())
	}
	// The user's mitigation actions and, for an admin, the MFA coverage, in
	// one query (the dashboard keeps the query budget).
	x, err := dashboardActions(ctx, s.Pool, e.ID, actor.UserID, actor.Can(authz.UserManage))
	if err != nil {
		s.serverError(w, r, err)
		return
	}
	p.Incidents = deadlineRows(ctx, p.Base, x.deadlines, time.Now())
	p.RiskActions = append(riskActionRows(ctx, p.Base, x.actions), incidentActionRows(ctx, p.Base, x.incidentActions)...)
	p.RiskReview = withReviewTrigger(ctx, p.Base, p.RiskReview, x.reviewTrigger)
	if actor.Can(authz.UserManage) {
		p.ShowMFA, p.Users, p.MFAUsers = true, x.users, x.mfa
	}
	p.ExpiredEvidence = x.expired.Count
	for _, it := range x.expired.Items {
		p.ExpiredItems = append(p.ExpiredItems, dashboard.ExpiredEvidence{Title: it.Title, ValidUntil: i18n.Date(ctx, it.ValidUntil),
			Href: fmt.Sprintf("%s/evidence/%d", p.Base, it.ID)})
	}
	s.render(w, r, http.StatusOK, dashboard.Page(p))
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

// dashboardActions reads the user's open risk mitigation actions and, when
// withMFA, how many active members there are and how many of them use a
// second factor (the rule of entity.Member.Active, not disabled, and
// MFAEnabled), and the reports still owed for incidents, in one query.
// dashboardExtras is what the dashboard reads besides the entity and the
// measures, in one query.
type dashboardExtras struct {
	actions    []risk.ActionRow
	users, mfa int
	deadlines  []incident.Deadline
	// incidentActions are the user's open follow-up actions of
	// post-incident reviews.
	incidentActions []incident.Action
	reviewTrigger   *incident.ReviewTrigger
	// expired is the evidence past its validity (count and the first few).
	expired evidence.Expired
}

func dashboardActions(ctx context.Context, q db.Querier, entityID, userID int64, withMFA bool) (x dashboardExtras, err error) {
	var raw, rawDeadlines, rawTrigger, rawIncident, rawExpired []byte
	err = q.QueryRow(ctx, `SELECT `+incident.DeadlinesColumn+`, `+incident.ReviewTriggerColumn+`,
		CASE WHEN @mfa THEN (SELECT count(*) FROM memberships m JOIN users u ON u.id = m.user_id
			WHERE m.entity_id = @entity AND m.accepted_at IS NOT NULL AND u.password_hash <> '' AND u.disabled_at IS NULL)::int ELSE 0 END,
		CASE WHEN @mfa THEN (SELECT count(*) FROM memberships m JOIN users u ON u.id = m.user_id
			WHERE m.entity_id = @entity AND m.accepted_at IS NOT NULL AND u.password_hash <> '' AND u.disabled_at IS NULL
				AND u.totp_enabled_at IS NOT NULL)::int ELSE 0 END,
		`+riskActionsColumn(`m.owner_id = @user AND NOT m.done`, `m.due_date, m.id`)+`, `+incident.OwnerActionsColumn+`,
		`+evidence.ExpiredColumn,
		pgx.StrictNamedArgs{"mfa": withMFA, "entity": entityID, "user": userID, "limit": risk.MaxActionRows,
			"today": today().Format(time.DateOnly), "expired_limit": evidence.ExpiredShown}).Scan(&rawDeadlines, &rawTrigger, &x.users, &x.mfa, &raw, &rawIncident, &rawExpired)
	if err != nil {
		return x, fmt.Errorf("dashboard actions: %w", err)
	}
	if err := json.Unmarshal(raw, &x.actions); err != nil {
		return x, fmt.Errorf("dashboard actions: %w", err)
	}
	if x.deadlines, err = incident.ParseDeadlines(rawDeadlines); err != nil {
		return x, err
	}
	if x.incidentActions, err = incident.ParseActions(rawIncident); err != nil {
		return x, err
	}
	if x.expired, err = evidence.ParseExpired(rawExpired); err != nil {
		return x, err
	}
	x.reviewTrigger, err = incident.ParseReviewTrigger(rawTrigger)
	return x, err
}

// riskActionsColumn is a column expression (arguments @entity, @limit and
// those of cond): the risk mitigation actions matching cond (over
// risk_mitigations m) in order, as a JSON array of risk.ActionRow. The
// actions are chosen (through an index, LIMIT) before they are joined with
// their scenario and crown jewel, which every action has.
func riskActionsColumn(cond, order string) string {
	return `coalesce((SELECT json_agg(json_build_object('ID', a.id, 'ScenarioID', a.scenario_id, 'Title', a.title,
				'RequirementCode', a.requirement_code, 'OwnerID', a.owner_id, 'OwnerName', a.owner_name,
				'DueDate', a.due_date::timestamp AT TIME ZONE 'UTC', 'Done', a.done, 'JewelName', a.jewel_name, 'ThreatCode', a.threat_code,
				'ThreatName', a.threat_name) ORDER BY a.n)
			FROM (SELECT m.id, m.scenario_id, m.title, m.requirement_code, m.owner_id, coalesce(u.name, '') AS owner_name,
					m.due_date, m.done, j.name AS jewel_name, s.threat_code, coalesce(t.name, '') AS threat_name,
					row_number() OVER (ORDER BY ` + order + `) AS n
				FROM (SELECT m.* FROM risk_mitigations m WHERE m.entity_id = @entity AND ` + cond + `
					ORDER BY ` + order + ` LIMIT @limit) m
				JOIN risk_scenarios s ON s.id = m.scenario_id JOIN risk_jewels j ON j.id = s.jewel_id
				LEFT JOIN risk_threats t ON t.id = s.threat_id LEFT JOIN users u ON u.id = m.owner_id
				ORDER BY ` + order + `) a), '[]')`
}

// requirementActions reads the actions that improve a requirement — the
// risk analysis's mitigation actions and the post-incident reviews'
// follow-up actions — in one query.
func requirementActions(ctx context.Context, q db.Querier, entityID int64, code string) ([]risk.ActionRow, []incident.Action, error) {
	var rawRisk, rawIncident []byte
	err := q.QueryRow(ctx, `SELECT `+riskActionsColumn(`m.requirement_code = @code`,
		`m.done, CASE WHEN m.done THEN m.done_on END DESC, m.due_date, m.id`)+`, `+incident.RequirementActionsColumn,
		pgx.StrictNamedArgs{"entity": entityID, "code": code, "limit": risk.MaxActionRows}).Scan(&rawRisk, &rawIncident)
	if err != nil {
		return nil, nil, fmt.Errorf("actions of requirement %s: %w", code, err)
	}
	var rows []risk.ActionRow
	if err := json.Unmarshal(rawRisk, &rows); err != nil {
		return nil, nil, fmt.Errorf("actions of requirement %s: %w", code, err)
	}
	acts, err := incident.ParseActions(rawIncident)
	return rows, acts, err
}

// withReviewTrigger adds to the risk review warning a significant incident
// since the analysis was adopted (Annex 2.1: review after significant
// incidents); rv may be nil.
func withReviewTrigger(ctx context.Context, base string, rv *dashboard.RiskReview, t *incident.ReviewTrigger) *dashboard.RiskReview {
	if t == nil {
		return rv
	}
	if rv == nil {
		rv = &dashboard.RiskReview{}
	}
	rv.Incident, rv.IncidentDate = t.Title, i18n.Date(ctx, t.AwareAt.In(i18n.Amsterdam))
	rv.IncidentHref = fmt.Sprintf("%s/incidents/%d", base, t.ID)
	return rv
}
