package server

import (
	"context"
	"errors"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/go-chi/chi/v5"

	"github.com/weerbaar/weerbaar/internal/approval"
	"github.com/weerbaar/weerbaar/internal/authz"
	"github.com/weerbaar/weerbaar/internal/db"
	"github.com/weerbaar/weerbaar/internal/entity"
	"github.com/weerbaar/weerbaar/internal/evidence"
	"github.com/weerbaar/weerbaar/internal/i18n"
	"github.com/weerbaar/weerbaar/internal/measure"
	"github.com/weerbaar/weerbaar/internal/measure/catalogue"
	"github.com/weerbaar/weerbaar/internal/proportion"
	"github.com/weerbaar/weerbaar/internal/risk"
	"github.com/weerbaar/weerbaar/internal/scope"
	"github.com/weerbaar/weerbaar/internal/validate"
	"github.com/weerbaar/weerbaar/web/components"
	"github.com/weerbaar/weerbaar/web/pages/measures"
)

func (s *Server) overview(r *http.Request) (measure.Overview, error) {
	ed, err := s.edition(r)
	if err != nil {
		return measure.Overview{}, err
	}
	return measure.BuildOverview(r.Context(), s.Pool, ed, authz.ActorFrom(r.Context()).EntityID, today())
}

// edition is the catalogue edition the request's entity assesses against,
// from memory (the entity was loaded with the request).
func (s *Server) edition(r *http.Request) (*catalogue.Catalogue, error) {
	return catalogue.Get(r.Context(), s.Pool, entityFrom(r.Context()).CatalogueEdition)
}

// maturityBars turns the overview into chart rows.
func maturityBars(ctx context.Context, base string, o measure.Overview) []components.MaturityBar {
	var bars []components.MaturityBar
	for _, ms := range o.Measures {
		b := components.MaturityBar{Code: ms.Measure.Code, Label: shortLabel(ms.Measure.Label.In(ctx), 30),
			Current: ms.Maturity.Value, Href: base + "/measures/" + ms.Measure.Code}
		if ms.Measure.Applicable {
			b.Target = ms.Result.Target
		}
		bars = append(bars, b)
	}
	return bars
}

func (s *Server) measureList(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	actor := authz.ActorFrom(ctx)
	o, err := s.overview(r)
	if err != nil {
		s.serverError(w, r, err)
		return
	}
	byType, err := s.evidence().CountBySubjectTypes(ctx, actor.EntityID, measure.SubjectMeasure, measure.SubjectRequirement)
	if err != nil {
		s.serverError(w, r, err)
		return
	}
	counts, reqCounts := byType[measure.SubjectMeasure], byType[measure.SubjectRequirement]
	base := entityBase(actor.EntityID)
	p := measures.ListProps{Shell: s.shell(r, "measures.title", "measures"), Base: base, Bars: maturityBars(ctx, base, o),
		Readiness: int(o.Readiness*100 + 0.5), Ready: o.Ready, Total: o.Applicable, ScopeAssessed: o.ScopeAssessed, FactorsSet: o.Factors.Set,
		Edition: o.CatalogueVersion, Notice: s.Sessions.PopString(ctx, sessFlash), Regulation: regulationProps(ctx, o.Binding)}
	plan, err := approval.StatusOf(ctx, s.Pool, actor.EntityID, measure.KindPlan, measure.PlanRef, measure.PlanContent(o).Data)
	if err != nil {
		s.serverError(w, r, err)
		return
	}
	p.Approval = approvalProps(ctx, base, measure.KindPlan, measure.PlanRef, plan)
	if ed, err := s.edition(r); err != nil {
		s.serverError(w, r, err)
		return
	} else if offer, ok := measure.OfferEdition(ed); ok {
		p.Offer = &measures.EditionOffer{Current: offer.Current.Version, Latest: offer.Latest.Version,
			CanAdopt: actor.Can(authz.MeasureEdit)}
		for _, c := range offer.Changes {
			p.Offer.Changes = append(p.Offer.Changes, editionChange(ctx, c))
		}
	}
	for _, ms := range o.Measures {
		n := counts[ms.Measure.Code]
		for _, req := range o.Requirements {
			if req.Serves(ms.Measure.Code) {
				n += reqCounts[req.Code]
			}
		}
		p.Cards = append(p.Cards, measures.Card{Code: ms.Measure.Code, Label: ms.Measure.Label.In(ctx),
			Statute: ms.Measure.Statute.In(ctx), Current: ms.Maturity.Value, Target: ms.Result.Target,
			Done: ms.Done, Total: ms.Total, Applicable: ms.Measure.Applicable, Evidence: n, Rank: ms.Result.Rank,
			Status: string(ms.Progress.Value)})
	}
	s.render(w, r, http.StatusOK, measures.List(p))
}

// ownerOptions lists the entity's members as possible owners.
func (s *Server) ownerOptions(ctx context.Context, entityID int64) ([]components.Option, error) {
	members, err := entity.Members(ctx, s.Pool, entityID)
	if err != nil {
		return nil, err
	}
	out := []components.Option{{Value: "", Label: i18n.T(ctx, "soa.no_owner")}}
	for _, m := range members {
		if m.Pending {
			continue // an invitation not yet accepted owns nothing
		}
		out = append(out, components.Option{Value: strconv.FormatInt(m.UserID, 10), Label: m.Name})
	}
	return out, nil
}

func stateInput(r *http.Request) measure.StateInput {
	version, _ := strconv.Atoi(r.PostFormValue("version"))
	return measure.StateInput{
		Applicable: r.PostFormValue("applicable") != "false", Justification: r.PostFormValue("justification"),
		Status: r.PostFormValue("status"), OwnerID: r.PostFormValue("owner"), DueDate: r.PostFormValue("due_date"),
		Notes: r.PostFormValue("notes"), Version: version, Maturity: r.PostFormValue("maturity"),
		MaturityOverride: r.PostFormValue("maturity_override"), OverrideReason: r.PostFormValue("override_reason"),
		StatusReason: r.PostFormValue("status_reason"),
	}
}

// formFromInput keeps the user's input as typed after a failed save.
func formFromInput(in measure.StateInput) measures.StateForm {
	return measures.StateForm{Applicable: in.Applicable, Justification: in.Justification, Maturity: in.Maturity,
		MaturityOverride: in.MaturityOverride, OverrideReason: in.OverrideReason, Status: in.Status, StatusReason: in.StatusReason, Owner: in.OwnerID,
		Due: in.DueDate, Notes: in.Notes, Version: in.Version}
}

// conflictFields describes the other person's saved state.
func conflictFields(ctx context.Context, applicable bool, justification string, maturity string, status string,
	owner, due, notes, by string, at *time.Time) []measures.ConflictField {
	yesNo := i18n.T(ctx, "soa.applicable")
	if !applicable {
		yesNo = i18n.T(ctx, "soa.not_applicable") + ": " + justification
	}
	out := []measures.ConflictField{
		{Label: i18n.T(ctx, "soa.applicability"), Value: yesNo},
		{Label: i18n.T(ctx, "soa.maturity"), Value: maturity},
		{Label: i18n.T(ctx, "soa.status"), Value: status},
		{Label: i18n.T(ctx, "soa.owner"), Value: owner},
		{Label: i18n.T(ctx, "soa.due"), Value: due},
		{Label: i18n.T(ctx, "measures.notes"), Value: notes},
	}
	if at != nil {
		out = append(out, measures.ConflictField{Label: i18n.T(ctx, "conflict.saved_by"), Value: by + ", " + i18n.DateTime(ctx, *at)})
	}
	return out
}

// stateForm is the state form of a measure or requirement page.
type stateForm = FormState[measures.StateForm, []measures.ConflictField]

// statePage is the state of a measure or requirement page: its state form,
// and the evidence form after a failed upload or link.
type statePage struct {
	FormState[measures.StateForm, []measures.ConflictField]
	// Evidence is the evidence form after a failed upload or link; nil when
	// the page shows it fresh.
	Evidence *measures.EvidenceProps
	// Point is a checklist point's form after a failed save (requirement
	// pages only); nil when every point shows its saved answer.
	Point *measures.PointRow
	// Cons is the considerations form after a failed save (422 or 409);
	// nil when the page shows it fresh.
	Cons *consForm
}

// consForm is the state of a measure page's considerations form.
type consForm = FormState[measures.ConsiderationForm, []measures.ConflictField]

func (s *Server) measurePage(w http.ResponseWriter, r *http.Request) {
	s.renderMeasure(w, r, statePage{})
}

// renderMeasure shows a measure page in state st.
func (s *Server) renderMeasure(w http.ResponseWriter, r *http.Request, st statePage) {
	status, form, errs, conflict, ev := st.status(), st.Input, st.Errors, st.Conflict, st.Evidence
	if st.Cons != nil {
		status = st.Cons.status()
	}
	ctx := r.Context()
	actor := authz.ActorFrom(ctx)
	code := chi.URLParam(r, "code")
	o, err := s.overview(r)
	if err != nil {
		s.serverError(w, r, err)
		return
	}
	var ms *measure.MeasureStatus
	for i := range o.Measures {
		if o.Measures[i].Measure.Code == code {
			ms = &o.Measures[i]
		}
	}
	if ms == nil {
		s.errorPage(w, r, http.StatusNotFound)
		return
	}
	m := ms.Measure
	owners, err := s.ownerOptions(ctx, actor.EntityID)
	if err != nil {
		s.serverError(w, r, err)
		return
	}
	ed, err := s.edition(r)
	if err != nil {
		s.serverError(w, r, err)
		return
	}
	pointCounts := o.Checklist.Counts(ed)
	// The measure's own evidence and its requirements' in one list (two
	// queries, whatever the number of requirements).
	own := evidence.Subject{Type: measure.SubjectMeasure, Ref: code}
	subjects := []evidence.Subject{own}
	var reqs []measure.Requirement
	for _, req := range o.Requirements {
		if req.Serves(code) {
			reqs = append(reqs, req)
			subjects = append(subjects, evidence.Subject{Type: measure.SubjectRequirement, Ref: req.Code})
		}
	}
	items, err := s.evidence().ListSubjects(ctx, actor.EntityID, subjects)
	if err != nil {
		s.serverError(w, r, err)
		return
	}
	var ownItems []evidence.Item
	byReq := map[string][]evidence.Item{}
	for _, it := range items {
		if it.SubjectType == own.Type && it.SubjectRef == own.Ref {
			ownItems = append(ownItems, it)
		} else if it.SubjectType == measure.SubjectRequirement {
			byReq[it.SubjectRef] = append(byReq[it.SubjectRef], it)
		}
	}
	base := entityBase(actor.EntityID)
	p := measures.MeasureProps{
		Shell: s.shell(r, "measures.title", "measures"), Base: base, Code: m.Code, Label: m.Label.In(ctx),
		Statute: m.Statute.In(ctx), Explanation: m.Explanation.In(ctx), Source: m.Source,
		ISO:     strings.Join(append(append([]string{}, m.ISOControls...), m.ISOClauses...), ", "),
		Current: ms.Maturity.Value, Target: ms.Result.Target, Weight: ms.Result.Weight, Rank: ms.Result.Rank,
		WhyText: ms.Result.Explanation.In(ctx), EngineVersion: ms.Result.Version,
		CanEdit: actor.Can(authz.MeasureEdit), Errors: errs, Conflict: conflict, Notice: s.Sessions.PopString(ctx, sessFlash),
		Regulation: regulationProps(ctx, o.Binding),
	}
	if cm, ok := ed.Measure(code); ok {
		dutch := map[string]bool{}
		for _, v := range cm.StatuteSources {
			p.StatuteSources = append(p.StatuteSources, measures.StatuteSource{Lang: v.Lang, Text: v.Text, Source: v.Source,
				Unverified: !v.Verified, Note: v.Note.In(ctx)})
			if v.Lang == "nl" {
				dutch[v.Text] = true
			}
		}
		p.StatuteDiffers = len(dutch) > 1
	}
	if ms.Maturity.Overridden {
		p.Derived = i18n.T(ctx, "measures.derived.override", ms.Maturity.Reason)
	} else {
		p.Derived = i18n.T(ctx, "measures.derived", ms.Maturity.Applicable)
	}
	p.Status = string(ms.Progress.Value)
	if ms.Progress.Overridden {
		p.StatusText = i18n.T(ctx, "measures.derived.override", ms.Progress.Reason)
	} else {
		p.StatusText = i18n.T(ctx, "measures.status.derived", ms.Progress.Done, ms.Progress.Applicable)
	}
	for _, c := range ms.Result.Contributions {
		p.Why = append(p.Why, measures.Contribution{Factor: c.Factor, Input: factorLevel(ctx, c.Factor, c.Input), Points: c.Points, Text: c.Text.In(ctx)})
	}
	cons := ms.Consideration
	p.Advice = measures.Advice{Proposal: ms.Result.Proposal, Proportional: ms.Result.Proportional, Adopted: cons.AdoptedTarget,
		ProposalAtAdoption: cons.ProposalAtAdoption, Reason: cons.TargetReason, StateOfArt: cons.StateOfArt}
	if cons.Cost != "" {
		p.Advice.Cost = i18n.T(ctx, "cost."+string(cons.Cost))
	}
	for _, f := range ms.Result.Floors {
		p.Advice.Floors = append(p.Advice.Floors, f.Text.In(ctx))
	}
	p.Cons = considerationForm(cons)
	if st.Cons != nil {
		p.Cons, p.ConsErrors, p.ConsConflict = *st.Cons.Input, st.Cons.Errors, st.Cons.Conflict
	}
	for _, req := range reqs {
		p.Requirements = append(p.Requirements, reqRow(ctx, req, len(byReq[req.Code]), pointCounts[req.Code]))
	}
	if form != nil {
		p.Form = *form
	} else {
		override := ""
		if m.MaturityOverride != nil {
			override = strconv.Itoa(*m.MaturityOverride)
		}
		status := ""
		if m.StatusOverride != nil {
			status = string(*m.StatusOverride)
		}
		p.Form = measures.StateForm{Applicable: m.Applicable, Justification: m.Justification, MaturityOverride: override,
			OverrideReason: m.OverrideReason, Status: status, StatusReason: m.StatusReason, Owner: idValue(m.OwnerID),
			Due: dateValue(m.DueDate), Notes: m.Notes, Version: m.Version}
	}
	p.Form.Owners = owners
	// The "derive" choice names what the requirements say now.
	p.Form.StatusDerived = string(measure.CurrentStatus(measure.Measure{Code: code}, o.Requirements).Value)
	if ev != nil {
		p.Evidence = *ev
	} else {
		p.Evidence = s.evidenceSection(r, own, ownItems)
	}
	p.Evidence.RelatedTitle = "evidence.related.requirements"
	reqType, _ := s.evidence().Registry.Lookup(measure.SubjectRequirement)
	for _, req := range reqs {
		if len(byReq[req.Code]) == 0 {
			continue
		}
		g := measures.EvidenceGroup{Ref: req.Code, Label: i18n.T(ctx, reqType.Label) + " " + req.Code + " " + req.Title.In(ctx),
			URL: reqType.URL(actor.EntityID, req.Code)}
		for _, it := range byReq[req.Code] {
			g.Items = append(g.Items, evidenceItemProps(it))
		}
		p.Evidence.Related = append(p.Evidence.Related, g)
	}
	s.render(w, r, status, measures.Measure(p))
}

// considerationForm shows a measure's saved considerations in the form.
func considerationForm(c measure.Consideration) measures.ConsiderationForm {
	f := measures.ConsiderationForm{StateOfArt: c.StateOfArt, Cost: string(c.Cost), TargetReason: c.TargetReason, Version: c.Version}
	if c.AdoptedTarget > 0 {
		f.AdoptedTarget = strconv.Itoa(c.AdoptedTarget)
	}
	return f
}

// measureConsiderationsSave records a measure's Art. 21(1) considerations
// and the target the management body adopted; 422 and 409 show the measure
// page again with the input kept.
func (s *Server) measureConsiderationsSave(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	actor := authz.ActorFrom(ctx)
	code := chi.URLParam(r, "code")
	version, _ := strconv.Atoi(r.PostFormValue("version"))
	in := measure.ConsiderationInput{StateOfArt: r.PostFormValue("state_of_art"), Cost: r.PostFormValue("cost_level"),
		AdoptedTarget: r.PostFormValue("adopted_target"), TargetReason: r.PostFormValue("target_reason"), Version: version}
	_, err := measure.SaveConsideration(ctx, s.Pool, actor, code, in)
	form := measures.ConsiderationForm{StateOfArt: in.StateOfArt, Cost: in.Cost, AdoptedTarget: in.AdoptedTarget,
		TargetReason: in.TargetReason, Version: in.Version}
	if c, ok := measure.IsConflict(err); ok {
		cur := c.Current.(measure.Consideration)
		form.Version = cur.Version
		s.renderMeasure(w, r, statePage{Cons: &consForm{Status: http.StatusConflict, Input: &form, Conflict: considerationFacts(ctx, cur)}})
		return
	}
	s.afterSave(w, r, err, func(errs map[string]string) {
		s.renderMeasure(w, r, statePage{Cons: &consForm{Status: http.StatusUnprocessableEntity, Input: &form, Errors: errs}})
	}, "measures.considerations_saved", entityBase(actor.EntityID)+"/measures/"+code)
}

// considerationFacts describes the other person's saved considerations.
func considerationFacts(ctx context.Context, c measure.Consideration) []measures.ConflictField {
	none := i18n.T(ctx, "measures.not_recorded")
	cost, adopted := none, i18n.T(ctx, "measures.adopted_target.none")
	if c.Cost != "" {
		cost = i18n.T(ctx, "cost."+string(c.Cost))
	}
	if c.AdoptedTarget > 0 {
		adopted = strconv.Itoa(c.AdoptedTarget)
	}
	out := []measures.ConflictField{
		{Label: i18n.T(ctx, "measures.state_of_art"), Value: c.StateOfArt},
		{Label: i18n.T(ctx, "measures.cost_level"), Value: cost},
		{Label: i18n.T(ctx, "measures.adopted_target"), Value: adopted},
		{Label: i18n.T(ctx, "measures.target_reason"), Value: c.TargetReason},
	}
	if c.UpdatedAt != nil {
		out = append(out, measures.ConflictField{Label: i18n.T(ctx, "conflict.saved_by"), Value: c.UpdatedBy + ", " + i18n.DateTime(ctx, *c.UpdatedAt)})
	}
	return out
}

func reqRow(ctx context.Context, req measure.Requirement, evidence int, points measure.PointCount) measures.ReqRow {
	return measures.ReqRow{Code: req.Code, Title: req.Title.In(ctx), Applicable: req.Applicable,
		Maturity: req.Maturity, Status: string(req.Status), Owner: req.OwnerName, Due: displayDate(ctx, req.DueDate), DueISO: dateValue(req.DueDate),
		Overdue: req.Overdue(today()), Evidence: evidence, Justification: req.Justification, Measures: strings.Join(req.Measures, ", "),
		PointsDone: points.Done, PointsApplicable: points.Total - points.NotApplicable}
}

// regulationProps words whether the Annex of Reg. 2024/2690 binds the entity.
func regulationProps(ctx context.Context, b measure.Binding) components.RegulationProps {
	p := components.RegulationProps{Assessed: b.Assessed, Bound: b.Bound}
	var names []string
	for _, code := range b.Subsectors {
		if sub, ok := scope.LookupSubsector(code); ok {
			names = append(names, sub.Name.In(ctx))
		}
	}
	p.Subsectors = strings.Join(names, ", ")
	return p
}

func (s *Server) measureSave(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	actor := authz.ActorFrom(ctx)
	code := chi.URLParam(r, "code")
	in := stateInput(r)
	_, err := measure.UpdateMeasure(ctx, s.Pool, actor, code, in)
	form := formFromInput(in)
	if c, ok := measure.IsConflict(err); ok {
		cur := c.Current.(measure.Measure)
		mat := i18n.T(ctx, "measures.override.none")
		if cur.MaturityOverride != nil {
			mat = strconv.Itoa(*cur.MaturityOverride) + " (" + cur.OverrideReason + ")"
		}
		status := i18n.T(ctx, "measures.status_override.derived")
		if cur.StatusOverride != nil {
			status = i18n.T(ctx, "status."+string(*cur.StatusOverride)) + " (" + cur.StatusReason + ")"
		}
		form.Version = cur.Version
		s.renderMeasure(w, r, statePage{FormState: stateForm{Status: http.StatusConflict, Input: &form,
			Conflict: conflictFields(ctx, cur.Applicable, cur.Justification, mat,
				status, cur.OwnerName, dateValue(cur.DueDate), cur.Notes, cur.UpdatedBy, cur.UpdatedAt)}})
		return
	}
	s.afterSave(w, r, err, func(errs map[string]string) {
		s.renderMeasure(w, r, statePage{FormState: stateForm{Status: http.StatusUnprocessableEntity, Input: &form, Errors: errs}})
	}, "measures.saved", entityBase(actor.EntityID)+"/measures/"+code)
}

func (s *Server) requirementPage(w http.ResponseWriter, r *http.Request) {
	s.renderRequirement(w, r, statePage{})
}

// renderRequirement shows a requirement page in state st.
func (s *Server) renderRequirement(w http.ResponseWriter, r *http.Request, st statePage) {
	status, form, errs, conflict, ev := st.status(), st.Input, st.Errors, st.Conflict, st.Evidence
	ctx := r.Context()
	actor := authz.ActorFrom(ctx)
	code := chi.URLParam(r, "code")
	ed, err := s.edition(r)
	if err != nil {
		s.serverError(w, r, err)
		return
	}
	catReq, ok := ed.Requirement(code)
	if !ok {
		s.errorPage(w, r, http.StatusNotFound)
		return
	}
	req, err := measure.GetRequirement(ctx, s.Pool, ed, actor.EntityID, code)
	if errors.Is(err, db.ErrNotFound) {
		s.errorPage(w, r, http.StatusNotFound)
		return
	}
	if err != nil {
		s.serverError(w, r, err)
		return
	}
	all := ed.Measures
	owners, err := s.ownerOptions(ctx, actor.EntityID)
	if err != nil {
		s.serverError(w, r, err)
		return
	}
	base := entityBase(actor.EntityID)
	checklist, err := measure.LoadChecklist(ctx, s.Pool, actor.EntityID, code)
	if err != nil {
		s.serverError(w, r, err)
		return
	}
	p := measures.RequirementProps{
		Shell: s.shell(r, "measures.title", "measures"), Base: base, Code: req.Code, Title: req.Title.In(ctx),
		Text: req.Text.In(ctx), Source: req.Source, ISO: strings.Join(append(slices.Clone(req.ISOControls), catReq.ISOClauses...), ", "), Documented: req.Documented,
		CanEdit: actor.Can(authz.MeasureEdit), Errors: errs, Conflict: conflict, Notice: s.Sessions.PopString(ctx, sessFlash),
		Regulation: regulationProps(ctx, checklist.Binding),
		NAWarning:  !req.Applicable && measure.CheckNotApplicable(checklist.Binding, req.WhereAppropriate) == measure.NAWarn,
		NARefused:  !req.Applicable && measure.CheckNotApplicable(checklist.Binding, req.WhereAppropriate) == measure.NARefused,
	}
	p.Points = pointsProps(ctx, base+"/requirements/"+code+"/points", checklist, catReq, actor.Can(authz.MeasureEdit), st.Point)
	actions, followUps, err := requirementActions(ctx, s.Pool, actor.EntityID, code)
	if err != nil {
		s.serverError(w, r, err)
		return
	}
	p.RiskActions = append(riskActionRows(ctx, base, actions), incidentActionRows(ctx, base, followUps)...)
	for _, m := range all {
		if req.Serves(m.Code) {
			p.Measures = append(p.Measures, components.Option{Value: m.Code, Label: m.Label.In(ctx)})
		}
	}
	if form != nil {
		p.Form = *form
	} else {
		p.Form = measures.StateForm{Applicable: req.Applicable, Justification: req.Justification, Maturity: strconv.Itoa(req.Maturity),
			Status: string(req.Status), Owner: idValue(req.OwnerID), Due: dateValue(req.DueDate), Notes: req.Notes, Version: req.Version}
	}
	p.Form.Owners, p.Form.WhereAppropriate = owners, req.WhereAppropriate
	if ev != nil {
		p.Evidence = *ev
	} else if p.Evidence, err = s.evidenceProps(r, evidence.Subject{Type: measure.SubjectRequirement, Ref: code}); err != nil {
		s.serverError(w, r, err)
		return
	}
	s.render(w, r, status, measures.Requirement(p))
}

func (s *Server) requirementSave(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	actor := authz.ActorFrom(ctx)
	code := chi.URLParam(r, "code")
	in := stateInput(r)
	_, err := measure.UpdateRequirement(ctx, s.Pool, actor, code, in)
	form := formFromInput(in)
	if c, ok := measure.IsConflict(err); ok {
		cur := c.Current.(measure.Requirement)
		form.Version = cur.Version
		s.renderRequirement(w, r, statePage{FormState: stateForm{Status: http.StatusConflict, Input: &form,
			Conflict: conflictFields(ctx, cur.Applicable, cur.Justification,
				strconv.Itoa(cur.Maturity), i18n.T(ctx, "status."+string(cur.Status)), cur.OwnerName, dateValue(cur.DueDate), cur.Notes, cur.UpdatedBy, cur.UpdatedAt)}})
		return
	}
	s.afterSave(w, r, err, func(errs map[string]string) {
		s.renderRequirement(w, r, statePage{FormState: stateForm{Status: http.StatusUnprocessableEntity, Input: &form, Errors: errs}})
	}, "measures.saved", entityBase(actor.EntityID)+"/requirements/"+code)
}

// afterSave maps the result of a form save: field errors go back to the form
// (422, input kept), an unknown object is a 404, anything else unexpected a
// 500; success flashes notice and redirects (303).
func (s *Server) afterSave(w http.ResponseWriter, r *http.Request, err error, rerender func(errs map[string]string), notice, redirect string) {
	switch fields := validate.Fields(err); {
	case fields != nil:
		rerender(fields)
	case errors.Is(err, db.ErrNotFound):
		s.errorPage(w, r, http.StatusNotFound)
	case errors.Is(err, errMalformedUpload):
		s.errorPage(w, r, http.StatusBadRequest)
	case err != nil:
		s.serverError(w, r, err)
	default:
		s.Sessions.Put(r.Context(), sessFlash, notice)
		http.Redirect(w, r, redirect, http.StatusSeeOther)
	}
}

// editionChange words one difference between catalogue editions.
func editionChange(ctx context.Context, c catalogue.Change) measures.EditionChange {
	what := i18n.T(ctx, "catalogue.change."+string(c.Kind))
	if c.Kind == catalogue.Changed {
		fields := make([]string, 0, len(c.Fields))
		for _, f := range c.Fields {
			fields = append(fields, i18n.T(ctx, "catalogue.field."+f))
		}
		what += ": " + strings.Join(fields, ", ")
	}
	code := c.Code
	if !c.Requirement {
		code += ")"
	}
	return measures.EditionChange{Code: code, Title: c.Title.In(ctx), What: what, OldText: c.OldText.In(ctx), NewText: c.NewText.In(ctx)}
}

// adoptEdition moves the entity to the newest catalogue edition after a user
// saw what differs; the form names both editions, so a stale page cannot
// adopt something else than it showed.
func (s *Server) adoptEdition(w http.ResponseWriter, r *http.Request) {
	if err := r.ParseForm(); err != nil {
		s.errorPage(w, r, http.StatusBadRequest)
		return
	}
	ctx := r.Context()
	actor := authz.ActorFrom(ctx)
	err := measure.AdoptEdition(ctx, s.Pool, actor, r.PostForm.Get("from"), r.PostForm.Get("to"))
	switch {
	case errors.Is(err, measure.ErrNotAdoptable):
		s.errorPage(w, r, http.StatusBadRequest)
	case errors.Is(err, db.ErrConflict):
		s.errorPageDetail(w, r, http.StatusConflict, i18n.T(ctx, "catalogue.adopt.conflict"))
	case err != nil:
		s.serverError(w, r, err)
	default:
		s.Sessions.Put(ctx, sessFlash, "catalogue.adopted")
		http.Redirect(w, r, entityBase(actor.EntityID)+"/measures", http.StatusSeeOther)
	}
}

// soaRows turns the Statement of Applicability's entries into table rows,
// with the checklist point counts per requirement (nil: none shown).
func soaRows(ctx context.Context, entries []measure.SoAEntry, points map[string]measure.PointCount) []measures.ReqRow {
	rows := make([]measures.ReqRow, 0, len(entries))
	for _, e := range entries {
		rows = append(rows, reqRow(ctx, e.Requirement, e.Evidence, points[e.Code]))
	}
	return rows
}

func (s *Server) soa(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	actor := authz.ActorFrom(ctx)
	ed, err := s.edition(r)
	if err != nil {
		s.serverError(w, r, err)
		return
	}
	reqs, err := measure.Requirements(ctx, s.Pool, ed, actor.EntityID)
	if err != nil {
		s.serverError(w, r, err)
		return
	}
	all := ed.Measures
	counts, err := s.evidence().CountBySubjectType(ctx, actor.EntityID, measure.SubjectRequirement)
	if err != nil {
		s.serverError(w, r, err)
		return
	}
	checklist, err := measure.LoadChecklist(ctx, s.Pool, actor.EntityID, "")
	if err != nil {
		s.serverError(w, r, err)
		return
	}
	q := r.URL.Query()
	p := measures.SoAProps{Shell: s.shell(r, "soa.title", "measures"), Base: entityBase(actor.EntityID),
		Measure: q.Get("measure"), Status: q.Get("status"), Total: len(reqs), Regulation: regulationProps(ctx, checklist.Binding),
		MeasureOptions: []components.Option{{Value: "", Label: i18n.T(ctx, "soa.all")}}}
	for _, m := range all {
		p.MeasureOptions = append(p.MeasureOptions, components.Option{Value: m.Code, Label: m.Code + ") " + m.Label.In(ctx)})
	}
	entries, in := measure.StatementOfApplicability(reqs, counts,
		measure.SoAQuery{Measure: p.Measure, Status: p.Status, Sort: q.Get("sort"), Desc: q.Get("dir") == "desc"})
	p.Rows, p.Sort, p.Desc = soaRows(ctx, entries, checklist.Counts(ed)), in.Sort, in.Desc
	s.render(w, r, http.StatusOK, measures.SoA(p))
}

// factorLevel names a factor's value in the reader's language ("large" →
// "groot"), from the engine's guidance; numbers keep their digit ("3 ·
// gemiddeld").
func factorLevel(ctx context.Context, factor, lvl string) string {
	for _, g := range proportion.FactorGuidance() {
		if g.Factor == factor && g.Level == lvl {
			if _, err := strconv.Atoi(lvl); err == nil {
				return lvl + " · " + g.Label.In(ctx)
			}
			return g.Label.In(ctx)
		}
	}
	return lvl
}

// proportionality shows and edits the factors and sensitivities.
func (s *Server) proportionality(w http.ResponseWriter, r *http.Request) {
	s.renderProportion(w, r, proportionForm{})
}

// proportionForm is the state of the proportionality page: Form is "" for
// the factors form or the code of the measure whose sensitivity form failed;
// Conflict says someone saved meanwhile.
type proportionForm = FormState[url.Values, bool]

// renderProportion shows the proportionality page in state st.
func (s *Server) renderProportion(w http.ResponseWriter, r *http.Request, st proportionForm) {
	status, sensCode, conflict := st.status(), st.Form, st.Conflict
	errs, sensErrs := st.Errors, map[string]string(nil)
	if sensCode == riskProposalForm {
		sensCode = ""
	}
	if sensCode != "" {
		errs, sensErrs = nil, st.Errors
	}
	ctx := r.Context()
	actor := authz.ActorFrom(ctx)
	o, err := s.overview(r)
	if err != nil {
		s.serverError(w, r, err)
		return
	}
	p := measures.ProportionProps{
		Shell: s.shell(r, "proportion.title", "measures"), Base: entityBase(actor.EntityID), FactorsVersion: o.Factors.Version,
		FactorsSet: o.Factors.Set, CanEditFactors: actor.Can(authz.MeasureEdit), CanEditSens: actor.Can(authz.EntityManage),
		Errors: errs, SensCode: sensCode, SensErrors: sensErrs, Conflict: conflict, EngineVersion: proportion.CurrentVersion,
		Notice: s.Sessions.PopString(ctx, sessFlash),
	}
	level := func(factor, lvl string) string { return factorLevel(ctx, factor, lvl) }
	p.SizeText = level("size", string(o.EngineInput.Size)) + " — " + i18n.T(ctx, "proportion.from_scope")
	p.ClassText = level("class", string(o.EngineInput.Class)) + " — " + i18n.T(ctx, "proportion.from_scope")
	if !o.ScopeAssessed {
		p.SizeText += " (" + i18n.T(ctx, "proportion.no_scope") + ")"
		p.ClassText += " (" + i18n.T(ctx, "proportion.no_scope") + ")"
	}
	p.BoundText, p.AnySizeText = i18n.T(ctx, "proportion.regulation.guidance"), i18n.T(ctx, "proportion.any_size.no")
	if o.Binding.Bound {
		p.BoundText = i18n.T(ctx, "proportion.regulation.bound")
	}
	if o.AnySize {
		p.AnySizeText = i18n.T(ctx, "proportion.any_size.yes")
	}
	for _, ms := range o.Measures {
		res := ms.Result
		row := measures.AdviceRow{Code: ms.Measure.Code, Label: ms.Measure.Label.In(ctx), Proportional: res.Proportional,
			Floor: res.Floor, Proposal: res.Proposal, Adopted: ms.Consideration.AdoptedTarget}
		var rules []string
		for _, f := range res.Floors {
			rules = append(rules, i18n.T(ctx, "proportion.floor_rule."+f.Rule))
		}
		row.FloorRules = strings.Join(rules, ", ")
		if ms.Consideration.Cost != "" {
			row.Cost = i18n.T(ctx, "cost."+string(ms.Consideration.Cost))
		}
		p.Advice = append(p.Advice, row)
	}
	values := map[string]int{"exposure": o.Factors.Exposure, "likelihood": o.Factors.Likelihood, "impact": o.Factors.Impact}
	for _, name := range []string{"exposure", "likelihood", "impact"} {
		f := measures.FactorField{Name: name, Label: i18n.T(ctx, "proportion.factor."+name), Help: i18n.T(ctx, "proportion.help."+name),
			Value: strconv.Itoa(values[name])}
		if errs != nil && st.Input != nil {
			f.Value = st.Input.Get(name)
		}
		for _, g := range proportion.FactorGuidance() {
			if g.Factor == name {
				f.Choices = append(f.Choices, measures.FactorChoice{Level: g.Level, Label: g.Level + " · " + g.Label.In(ctx), Guidance: g.Text.In(ctx)})
			}
		}
		p.Factors = append(p.Factors, f)
	}
	labels := map[string]string{}
	for _, ms := range o.Measures {
		labels[ms.Measure.Code] = ms.Measure.Label.In(ctx)
	}
	if src := o.Factors.Source; src != nil && o.Factors.UpdatedAt != nil {
		p.Source = i18n.T(ctx, "proportion.risk.source", src.AnalysisPeriod, i18n.Date(ctx, *o.Factors.UpdatedAt), o.Factors.UpdatedBy)
		p.SourceWhy = []string{src.Explanation.Likelihood.In(ctx), src.Explanation.Impact.In(ctx)}
	}
	if st.Form == riskProposalForm {
		p.Conflict = false
	}
	if p.Risk, err = s.riskProposal(r, o, st.Form == riskProposalForm && conflict); err != nil {
		s.serverError(w, r, err)
		return
	}
	for _, sv := range o.Sensitivities {
		p.Sensitivities = append(p.Sensitivities, measures.SensitivityRow{Code: sv.Code, Label: labels[sv.Code],
			Exposure: sv.Value.Exposure, Size: sv.Value.Size, Likelihood: sv.Value.Likelihood, Impact: sv.Value.Impact,
			Class: sv.Value.Class, Rationale: sv.Rationale.In(ctx), Custom: sv.Custom, Version: sv.Version})
	}
	s.render(w, r, status, measures.Proportion(p))
}

// riskProposalForm names the proposal's form in proportionForm.Form.
const riskProposalForm = "risk-proposal"

// maxMeasureRisks is how many scenarios a measure's row lists; the rest are
// counted and found in the register.
const maxMeasureRisks = 5

// riskProposal builds the card "Voorstel uit de risicoanalyse" (two
// queries): the proposal of the entity's adopted (else newest editable)
// analysis beside the current factors, and per measure the scenarios whose
// controls serve it with their residual level.
func (s *Server) riskProposal(r *http.Request, o measure.Overview, conflict bool) (measures.RiskProposal, error) {
	ctx := r.Context()
	actor := authz.ActorFrom(ctx)
	base := entityBase(actor.EntityID)
	out := measures.RiskProposal{Conflict: conflict}
	basis, err := risk.LoadProposalBasis(ctx, s.Pool, actor.EntityID)
	if err != nil {
		return out, err
	}
	var p *risk.Proposal
	if basis != nil {
		if p, err = basis.Proposal(); err != nil {
			return out, err
		}
	}
	if p == nil {
		out.None = i18n.T(ctx, "proportion.risk.none")
		return out, nil
	}
	a := basis.Analysis
	out.AnalysisID, out.Likelihood, out.Impact = a.ID, p.Likelihood, p.Impact
	out.RegisterHref = base + "/risks/" + strconv.FormatInt(a.ID, 10) + "/register"
	if a.Status == risk.StatusAdopted {
		out.Basis = i18n.T(ctx, "proportion.risk.basis_adopted", a.Period)
	} else {
		out.Basis = i18n.T(ctx, "proportion.risk.basis_editable", a.Period, i18n.T(ctx, "risk.status."+string(a.Status)))
	}
	for _, f := range []struct {
		name          string
		current, next int
		why           i18n.Msg
	}{{"likelihood", o.Factors.Likelihood, p.Likelihood, p.LikelihoodWhy}, {"impact", o.Factors.Impact, p.Impact, p.ImpactWhy}} {
		out.Factors = append(out.Factors, measures.ProposalFactor{Name: f.name, Label: i18n.T(ctx, "proportion.factor."+f.name),
			Current: factorLevel(ctx, f.name, strconv.Itoa(f.current)), Proposed: factorLevel(ctx, f.name, strconv.Itoa(f.next)),
			Why: f.why.In(ctx), Changed: f.current != f.next})
	}
	// Equal values adopted from this very analysis need no second
	// acceptance; equal values scored by hand may still be adopted, so the
	// page records where they come from.
	out.Same = o.Factors.Set && o.Factors.Likelihood == p.Likelihood && o.Factors.Impact == p.Impact &&
		o.Factors.Source != nil && o.Factors.Source.AnalysisID == a.ID
	out.CanAccept = actor.Can(authz.MeasureEdit)
	ed, err := s.edition(r)
	if err != nil {
		return out, err
	}
	byMeasure := risk.RisksByMeasure(basis.Scenarios, basis.Method.Tolerance, func(code string) []string {
		req, ok := ed.Requirement(code)
		if !ok {
			return nil
		}
		return req.Measures
	})
	for _, ms := range o.Measures {
		row := measures.MeasureRiskRow{Code: ms.Measure.Code, Label: ms.Measure.Label.In(ctx)}
		if mr := byMeasure[ms.Measure.Code]; mr != nil {
			row.Count, row.Above = len(mr.Scenarios), mr.AboveTolerance
			for k, sc := range mr.Scenarios {
				if k == maxMeasureRisks {
					row.More = len(mr.Scenarios) - k
					break
				}
				row.Top = append(row.Top, measures.RiskLink{Name: sc.Name().In(ctx), Level: sc.ResidualLevel.Key(),
					Href:  base + "/risks/scenarios/" + strconv.FormatInt(sc.ID, 10) + "/resilience",
					Above: risk.AboveTolerance(sc.ResidualLevel, basis.Method.Tolerance)})
			}
		}
		out.Measures = append(out.Measures, row)
	}
	return out, nil
}

// acceptRiskProposal adopts the risk analysis's proposal for the likelihood
// and impact factors, as the page showed it.
func (s *Server) acceptRiskProposal(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	actor := authz.ActorFrom(ctx)
	version, _ := strconv.Atoi(r.PostFormValue("version"))
	analysisID, err := strconv.ParseInt(r.PostFormValue("analysis_id"), 10, 64)
	l, errL := strconv.Atoi(r.PostFormValue("likelihood"))
	i, errI := strconv.Atoi(r.PostFormValue("impact"))
	if err != nil || errL != nil || errI != nil {
		s.errorPage(w, r, http.StatusBadRequest)
		return
	}
	err = measure.AcceptRiskProposal(ctx, s.Pool, actor, measure.RiskProposalInput{AnalysisID: analysisID, Likelihood: l, Impact: i, Version: version})
	if _, ok := measure.IsConflict(err); ok {
		s.renderProportion(w, r, proportionForm{Status: http.StatusConflict, Form: riskProposalForm, Conflict: true})
		return
	}
	s.afterSave(w, r, err, func(errs map[string]string) {
		s.renderProportion(w, r, proportionForm{Status: http.StatusUnprocessableEntity, Form: riskProposalForm, Errors: errs})
	}, "proportion.risk.accepted", entityBase(actor.EntityID)+"/proportionality")
}

func (s *Server) saveFactors(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	actor := authz.ActorFrom(ctx)
	version, _ := strconv.Atoi(r.PostFormValue("version"))
	err := measure.SaveFactors(ctx, s.Pool, actor, measure.FactorsInput{Exposure: r.PostFormValue("exposure"),
		Likelihood: r.PostFormValue("likelihood"), Impact: r.PostFormValue("impact"), Version: version})
	s.afterProportionSave(w, r, err, "", "proportion.factors_saved")
}

func (s *Server) saveSensitivity(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	actor := authz.ActorFrom(ctx)
	code := chi.URLParam(r, "code")
	version, _ := strconv.Atoi(r.PostFormValue("version"))
	err := measure.SaveSensitivity(ctx, s.Pool, actor, code, measure.SensitivityInput{
		Exposure: r.PostFormValue("exposure"), Size: r.PostFormValue("size"), Likelihood: r.PostFormValue("likelihood"),
		Impact: r.PostFormValue("impact"), Class: r.PostFormValue("class"), Rationale: r.PostFormValue("rationale"), Version: version})
	s.afterProportionSave(w, r, err, code, "proportion.sensitivity_saved")
}

func (s *Server) afterProportionSave(w http.ResponseWriter, r *http.Request, err error, sensCode, notice string) {
	if _, ok := measure.IsConflict(err); ok {
		s.renderProportion(w, r, proportionForm{Status: http.StatusConflict, Conflict: true})
		return
	}
	s.afterSave(w, r, err, func(errs map[string]string) {
		s.renderProportion(w, r, proportionForm{Status: http.StatusUnprocessableEntity, Form: sensCode, Input: &r.PostForm, Errors: errs})
	}, notice, entityBase(authz.ActorFrom(r.Context()).EntityID)+"/proportionality")
}
