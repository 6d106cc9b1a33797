package server

import (
	"fmt"
	"net/http"
	"strconv"
	"time"

	"github.com/weerbaar/weerbaar/internal/authz"
	"github.com/weerbaar/weerbaar/internal/evidence"
	"github.com/weerbaar/weerbaar/internal/i18n"
	"github.com/weerbaar/weerbaar/internal/risk"
	"github.com/weerbaar/weerbaar/internal/validate"
	"github.com/weerbaar/weerbaar/web/components"
	"github.com/weerbaar/weerbaar/web/pages/measures"
	riskpages "github.com/weerbaar/weerbaar/web/pages/risk"
)

// A mitigation action of step 4 on its own page: edit it, mark it done or
// reopen it, delete it after a confirmation step (no JavaScript), and the
// evidence that it was carried out.

type mitigationState = FormState[risk.MitigationInput, []components.Fact]

func mitigationURL(base string, id int64) string {
	return fmt.Sprintf("%s/risks/mitigations/%d", base, id)
}

// mitigationInput reads the mitigation action form.
func mitigationInput(r *http.Request) risk.MitigationInput {
	version, _ := strconv.Atoi(r.PostFormValue("version"))
	return risk.MitigationInput{Title: r.PostFormValue("title"), Description: r.PostFormValue("description"),
		RequirementCode: r.PostFormValue("requirement"), OwnerID: r.PostFormValue("owner"), DueDate: r.PostFormValue("due_date"), Version: version}
}

func mitigationForm(in risk.MitigationInput) riskpages.MitigationForm {
	return riskpages.MitigationForm{Title: in.Title, Description: in.Description, Requirement: in.RequirementCode, Owner: in.OwnerID, Due: in.DueDate}
}

func (s *Server) riskMitigation(w http.ResponseWriter, r *http.Request) {
	s.renderRiskMitigation(w, r, mitigationState{}, false)
}

func (s *Server) riskMitigationDeleteConfirm(w http.ResponseWriter, r *http.Request) {
	s.renderRiskMitigation(w, r, mitigationState{}, true)
}

// renderRiskMitigation shows an action's page. Queries: the action, its
// scenario, its analysis, the possible owners and its evidence (two).
func (s *Server) renderRiskMitigation(w http.ResponseWriter, r *http.Request, st mitigationState, confirmDelete bool, ev ...*measures.EvidenceProps) {
	ctx := r.Context()
	actor := authz.ActorFrom(ctx)
	id, ok := s.idParam(w, r, "mitigationID")
	if !ok {
		return
	}
	mt, err := risk.GetMitigation(ctx, s.Pool, actor.EntityID, id)
	if s.riskError(w, r, err) {
		return
	}
	sc, err := risk.GetScenario(ctx, s.Pool, actor.EntityID, mt.ScenarioID)
	if s.riskError(w, r, err) {
		return
	}
	a, err := risk.GetAnalysis(ctx, s.Pool, actor.EntityID, mt.AnalysisID)
	if s.riskError(w, r, err) {
		return
	}
	owners, err := risk.Owners(ctx, s.Pool, actor.EntityID)
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
	p := riskpages.MitigationProps{Shell: s.shell(r, "risk.mitigation.page", "risks"), Base: base, AnalysisID: a.ID, ID: mt.ID,
		ScenarioID: sc.ID, Period: a.Period, Scenario: sc.JewelName + " × " + scenarioName(ctx, sc), Version: mt.Version,
		Form: riskpages.MitigationForm{Title: mt.Title, Description: mt.Description, Requirement: mt.RequirementCode,
			Owner: strconv.FormatInt(mt.OwnerID, 10), Due: mt.DueDate.Format(time.DateOnly)},
		State: mt.State(today()), CanEdit: actor.Can(authz.RiskEdit) && a.Status.Editable(), ConfirmDelete: confirmDelete,
		Errors: st.Errors, Conflict: st.Conflict, Notice: s.Sessions.PopString(ctx, sessFlash)}
	if mt.Done && mt.DoneOn != nil {
		p.Done = i18n.T(ctx, "risk.mitigation.done_by", i18n.Date(ctx, *mt.DoneOn), mt.DoneBy)
	}
	if st.Input != nil {
		p.Form = mitigationForm(*st.Input)
	}
	if !p.CanEdit {
		p.Form.Due = i18n.Date(ctx, mt.DueDate)
	}
	p.Requirements = []components.Option{{Value: "", Label: i18n.T(ctx, "risk.control.none_chosen")}}
	for _, rq := range ed.Requirements {
		p.Requirements = append(p.Requirements, components.Option{Value: rq.Code, Label: rq.Code + " " + rq.Title.In(ctx)})
	}
	p.Owners = []components.Option{{Value: "", Label: i18n.T(ctx, "soa.no_owner")}}
	for _, ow := range owners {
		p.Owners = append(p.Owners, components.Option{Value: strconv.FormatInt(ow.ID, 10), Label: ow.Name})
	}
	if len(ev) > 0 {
		p.Evidence = ev[0]
	} else {
		e, err := s.evidenceProps(r, evidence.Subject{Type: risk.SubjectMitigation, Ref: strconv.FormatInt(id, 10)})
		if err != nil {
			s.serverError(w, r, err)
			return
		}
		p.Evidence = &e
	}
	status := http.StatusOK
	if st.Status != 0 {
		status = st.Status
	}
	s.render(w, r, status, riskpages.Mitigation(p))
}

// mitigationSaved answers a change of an action: a conflict re-renders
// the page with the input kept (409), field errors with the input (422), a
// locked analysis or another entity's action the error page, success the
// redirect to where is given.
func (s *Server) mitigationSaved(w http.ResponseWriter, r *http.Request, err error, in *risk.MitigationInput, redirect string) {
	ctx := r.Context()
	if c, ok := risk.IsConflict(err); ok {
		cur := c.Current.(risk.Mitigation)
		s.renderRiskMitigation(w, r, mitigationState{Status: http.StatusConflict, Input: in, Conflict: riskFacts(ctx, cur.UpdatedBy, cur.UpdatedAt,
			components.Fact{Label: i18n.T(ctx, "risk.mitigation.title"), Value: cur.Title},
			components.Fact{Label: i18n.T(ctx, "risk.mitigation.state"), Value: i18n.T(ctx, "risk.mitigation.state."+cur.State(today()))})}, false)
		return
	}
	if validate.Fields(err) == nil && s.riskError(w, r, err) {
		return
	}
	s.afterSave(w, r, err, func(errs map[string]string) {
		s.renderRiskMitigation(w, r, mitigationState{Status: http.StatusUnprocessableEntity, Input: in, Errors: errs}, false)
	}, "risk.saved", redirect)
}

func (s *Server) riskMitigationSave(w http.ResponseWriter, r *http.Request) {
	id, ok := s.idParam(w, r, "mitigationID")
	if !ok {
		return
	}
	known, err := s.knownRequirement(r)
	if err != nil {
		s.serverError(w, r, err)
		return
	}
	in := mitigationInput(r)
	_, err = risk.UpdateMitigation(r.Context(), s.Pool, authz.ActorFrom(r.Context()), id, in, known)
	s.mitigationSaved(w, r, err, &in, mitigationURL(entityBase(authz.ActorFrom(r.Context()).EntityID), id))
}

func (s *Server) riskMitigationDone(w http.ResponseWriter, r *http.Request) {
	id, ok := s.idParam(w, r, "mitigationID")
	if !ok {
		return
	}
	version, _ := strconv.Atoi(r.PostFormValue("version"))
	var done bool
	switch r.PostFormValue("done") {
	case "true":
		done = true
	case "false":
	default:
		s.errorPage(w, r, http.StatusBadRequest)
		return
	}
	_, err := risk.SetMitigationDone(r.Context(), s.Pool, authz.ActorFrom(r.Context()), id, done, version, today())
	s.mitigationSaved(w, r, err, nil, mitigationURL(entityBase(authz.ActorFrom(r.Context()).EntityID), id))
}

func (s *Server) riskMitigationDelete(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	id, ok := s.idParam(w, r, "mitigationID")
	if !ok {
		return
	}
	version, _ := strconv.Atoi(r.PostFormValue("version"))
	mt, err := risk.DeleteMitigation(ctx, s.Pool, authz.ActorFrom(ctx), id, version)
	if c, ok := risk.IsConflict(err); ok {
		cur := c.Current.(risk.Mitigation)
		s.renderRiskMitigation(w, r, mitigationState{Status: http.StatusConflict, Conflict: riskFacts(ctx, cur.UpdatedBy, cur.UpdatedAt,
			components.Fact{Label: i18n.T(ctx, "risk.mitigation.title"), Value: cur.Title})}, true)
		return
	}
	if s.riskError(w, r, err) {
		return
	}
	s.Sessions.Put(ctx, sessFlash, "risk.mitigation.deleted")
	http.Redirect(w, r, fmt.Sprintf("%s/risks/scenarios/%d/resilience", entityBase(authz.ActorFrom(ctx).EntityID), mt.ScenarioID), http.StatusSeeOther)
}
