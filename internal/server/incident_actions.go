package server

import (
	"context"
	"fmt"
	"net/http"
	"strconv"
	"time"

	"github.com/weerbaar/weerbaar/internal/authz"
	"github.com/weerbaar/weerbaar/internal/i18n"
	"github.com/weerbaar/weerbaar/internal/incident"
	"github.com/weerbaar/weerbaar/internal/measure/catalogue"
	"github.com/weerbaar/weerbaar/web/components"
	incidentpages "github.com/weerbaar/weerbaar/web/pages/incident"
)

// A follow-up action of a post-incident review on its own page: change its
// title, requirement, owner and due date, or delete it after a
// confirmation step (no JavaScript). The incident page keeps adding and
// ticking off actions.

type incidentActionState = FormState[incident.ActionInput, []components.Fact]

func incidentActionURL(base string, incidentID, actionID int64) string {
	return fmt.Sprintf("%s/incidents/%d/actions/%d", base, incidentID, actionID)
}

// actionOptions are the choices of an action form: the requirements of
// the entity's edition and its members as owners.
func actionOptions(ctx context.Context, ed *catalogue.Catalogue, members []incident.Option) (reqs, owners []components.Option) {
	reqs = []components.Option{{Value: "", Label: i18n.T(ctx, "risk.control.none_chosen")}}
	for _, rq := range ed.Requirements {
		reqs = append(reqs, components.Option{Value: rq.Code, Label: rq.Code + " " + rq.Title.In(ctx)})
	}
	owners = []components.Option{{Value: "", Label: i18n.T(ctx, "soa.no_owner")}}
	for _, m := range members {
		owners = append(owners, components.Option{Value: strconv.FormatInt(m.ID, 10), Label: m.Name})
	}
	return reqs, owners
}

// actionParams reads a follow-up action's route: its incident and its id.
func (s *Server) actionParams(w http.ResponseWriter, r *http.Request) (incidentID, actionID int64, ok bool) {
	if incidentID, ok = s.idParam(w, r, "incidentID"); !ok {
		return 0, 0, false
	}
	actionID, ok = s.idParam(w, r, "actionID")
	return incidentID, actionID, ok
}

func incidentActionInput(r *http.Request) incident.ActionInput {
	version, _ := strconv.Atoi(r.PostFormValue("version"))
	return incident.ActionInput{Title: r.PostFormValue("action_title"), RequirementCode: r.PostFormValue("requirement"),
		OwnerID: r.PostFormValue("owner"), DueDate: r.PostFormValue("due_date"), Version: version}
}

func (s *Server) incidentAction(w http.ResponseWriter, r *http.Request) {
	s.renderIncidentAction(w, r, incidentActionState{}, false)
}

func (s *Server) incidentActionDeleteConfirm(w http.ResponseWriter, r *http.Request) {
	s.renderIncidentAction(w, r, incidentActionState{}, true)
}

// renderIncidentAction shows a follow-up action's page. Queries: the
// incident, the action, the members (the catalogue is in memory).
func (s *Server) renderIncidentAction(w http.ResponseWriter, r *http.Request, st incidentActionState, confirmDelete bool) {
	ctx := r.Context()
	actor := authz.ActorFrom(ctx)
	incidentID, actionID, ok := s.actionParams(w, r)
	if !ok {
		return
	}
	inc, err := incident.Get(ctx, s.Pool, actor.EntityID, incidentID)
	if s.lookupFailed(w, r, err) {
		return
	}
	a, err := incident.GetAction(ctx, s.Pool, actor.EntityID, incidentID, actionID)
	if s.lookupFailed(w, r, err) {
		return
	}
	opts, err := incident.LoadOptions(ctx, s.Pool, actor.EntityID)
	if err != nil {
		s.serverError(w, r, err)
		return
	}
	ed, err := s.edition(r)
	if err != nil {
		s.serverError(w, r, err)
		return
	}
	base := entityBase(actor.EntityID)
	p := incidentpages.ActionProps{Shell: s.shell(r, "incident.review.action.page", "incidents"), Base: base,
		IncidentID: inc.ID, IncidentTitle: inc.Title, ID: a.ID, Version: a.Version, Path: incidentActionURL(base, inc.ID, a.ID),
		CanEdit: actor.Can(authz.IncidentEdit), ConfirmDelete: confirmDelete, Errors: st.Errors, Conflict: st.Conflict,
		Notice: s.Sessions.PopString(ctx, sessFlash)}
	p.Requirements, p.Owners = actionOptions(ctx, ed, opts.Members)
	p.Form = incidentpages.ActionForm{Title: a.Title, Requirement: a.RequirementCode, Due: a.DueDate.Format(time.DateOnly)}
	if a.OwnerID != nil {
		p.Form.Owner = strconv.FormatInt(*a.OwnerID, 10)
	}
	if st.Input != nil {
		in := st.Input
		p.Form = incidentpages.ActionForm{Title: in.Title, Requirement: in.RequirementCode, Owner: in.OwnerID, Due: in.DueDate}
	}
	if a.DoneOn != nil {
		p.DoneOn = i18n.Date(ctx, *a.DoneOn)
	}
	status := http.StatusOK
	if st.Status != 0 {
		status = st.Status
	}
	s.render(w, r, status, incidentpages.Action(p))
}

// incidentActionSaved answers a change of an action: a newer version
// re-renders the page with the input kept (409), field errors with the
// input (422), success the redirect.
func (s *Server) incidentActionSaved(w http.ResponseWriter, r *http.Request, err error, in *incident.ActionInput, notice, redirect string) {
	ctx := r.Context()
	if c, ok := incident.IsActionConflict(err); ok {
		cur := c.Current
		s.renderIncidentAction(w, r, incidentActionState{Status: http.StatusConflict, Input: in, Conflict: []components.Fact{
			{Label: i18n.T(ctx, "incident.review.action.title"), Value: cur.Title},
			{Label: i18n.T(ctx, "risk.control.requirement"), Value: cur.RequirementCode},
			{Label: i18n.T(ctx, "risk.mitigation.owner"), Value: cur.OwnerName},
			{Label: i18n.T(ctx, "risk.mitigation.due"), Value: i18n.Date(ctx, cur.DueDate)},
		}}, false)
		return
	}
	s.afterSave(w, r, err, func(errs map[string]string) {
		s.renderIncidentAction(w, r, incidentActionState{Status: http.StatusUnprocessableEntity, Input: in, Errors: errs}, false)
	}, notice, redirect)
}

func (s *Server) incidentActionSave(w http.ResponseWriter, r *http.Request) {
	incidentID, actionID, ok := s.actionParams(w, r)
	if !ok {
		return
	}
	ctx := r.Context()
	actor := authz.ActorFrom(ctx)
	known, err := s.knownRequirement(r)
	if err != nil {
		s.serverError(w, r, err)
		return
	}
	in := incidentActionInput(r)
	err = incident.UpdateAction(ctx, s.Pool, actor, incidentID, actionID, in, known)
	s.incidentActionSaved(w, r, err, &in, "incident.review.action.saved",
		fmt.Sprintf("%s/incidents/%d#action-%d", entityBase(actor.EntityID), incidentID, actionID))
}

func (s *Server) incidentActionDelete(w http.ResponseWriter, r *http.Request) {
	incidentID, actionID, ok := s.actionParams(w, r)
	if !ok {
		return
	}
	ctx := r.Context()
	actor := authz.ActorFrom(ctx)
	version, _ := strconv.Atoi(r.PostFormValue("version"))
	err := incident.DeleteAction(ctx, s.Pool, actor, incidentID, actionID, version)
	s.incidentActionSaved(w, r, err, nil, "incident.review.action.deleted",
		fmt.Sprintf("%s/incidents/%d#review-actions-h", entityBase(actor.EntityID), incidentID))
}
