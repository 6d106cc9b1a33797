package server

import (
	"context"
	"fmt"
	"net/http"
	"strconv"

	"github.com/weerbaar/weerbaar/internal/authz"
	"github.com/weerbaar/weerbaar/internal/i18n"
	"github.com/weerbaar/weerbaar/internal/measure"
	"github.com/weerbaar/weerbaar/internal/risk"
	"github.com/weerbaar/weerbaar/internal/validate"
	"github.com/weerbaar/weerbaar/web/components"
	"github.com/weerbaar/weerbaar/web/pages/measures"
	riskpages "github.com/weerbaar/weerbaar/web/pages/risk"
)

// Steps 3 (weerbaarheid) and 4 (behandeling) of a scenario: its controls
// with their assessed effectiveness and the residual risk they give, the
// treatment decision and the mitigation actions, on one page.

// treatmentInput is whatever form of the page failed, kept for re-rendering.
type treatmentInput struct {
	Controls   []risk.ControlInput
	Treatment  *risk.TreatmentInput
	Mitigation *risk.MitigationInput
}

type treatmentState = FormState[treatmentInput, []components.Fact]

// emptyControlRows is how many blank rows the controls form offers.
const emptyControlRows = 3

func (s *Server) riskTreatment(w http.ResponseWriter, r *http.Request) {
	s.renderRiskTreatment(w, r, treatmentState{})
}

// requirementTargets is each requirement's proportional target: the highest
// target of the measures it serves.
func requirementTargets(o measure.Overview) map[string]int {
	byMeasure := map[string]int{}
	for _, m := range o.Measures {
		byMeasure[m.Measure.Code] = m.Result.Target
	}
	out := map[string]int{}
	for _, r := range o.Requirements {
		for _, m := range r.Measures {
			out[r.Code] = max(out[r.Code], byMeasure[m])
		}
	}
	return out
}

func (s *Server) renderRiskTreatment(w http.ResponseWriter, r *http.Request, st treatmentState) {
	ctx := r.Context()
	actor := authz.ActorFrom(ctx)
	id, ok := s.idParam(w, r, "scenarioID")
	if !ok {
		return
	}
	sc, err := risk.GetScenario(ctx, s.Pool, actor.EntityID, id)
	if s.riskError(w, r, err) {
		return
	}
	a, err := risk.GetAnalysis(ctx, s.Pool, actor.EntityID, sc.AnalysisID)
	if s.riskError(w, r, err) {
		return
	}
	m, err := a.Method()
	if s.riskError(w, r, err) {
		return
	}
	o, err := s.overview(r)
	if err != nil {
		s.serverError(w, r, err)
		return
	}
	data, err := risk.LoadTreatment(ctx, s.Pool, actor.EntityID, id)
	if err != nil {
		s.serverError(w, r, err)
		return
	}
	base := entityBase(actor.EntityID)
	p := riskpages.TreatmentProps{Shell: s.shell(r, "risk.resilience.link", "risks"), Base: base, AnalysisID: a.ID, ID: sc.ID,
		Period: a.Period, Title: sc.JewelName + " × " + scenarioName(ctx, sc), Version: sc.Version,
		InherentLevel: levelKey(sc.Level), InherentL: sc.Likelihood, InherentI: sc.Impact,
		ResidualLevel: levelKey(sc.ResidualLevel), ResidualL: sc.ResidualLikelihood, ResidualI: sc.ResidualImpact,
		AboveTolerance: risk.AboveTolerance(sc.ResidualLevel, m.Tolerance), Justify: sc.Justification,
		InherentValues: scoreText(ctx, m, sc.Likelihood, sc.Impact), ResidualValues: scoreText(ctx, m, sc.ResidualLikelihood, sc.ResidualImpact),
		Scale:               scaleGuide(ctx, m),
		AcceptanceRequested: sc.Acceptance != nil && *sc.Acceptance == risk.AcceptanceRequested,
		ReviewDue:           sc.ReviewDue(today()),
		CanEdit:             actor.Can(authz.RiskEdit) && a.Status.Editable(), Errors: st.Errors, Conflict: st.Conflict,
		Notice: s.Sessions.PopString(ctx, sessFlash)}
	if sc.Treatment != nil {
		p.Treatment = *sc.Treatment
	}
	if sc.Acceptance != nil && *sc.Acceptance == risk.AcceptanceAccepted && sc.AcceptedAt != nil && sc.AcceptanceExpires != nil {
		p.Accepted = i18n.T(ctx, "risk.acceptance.accepted", sc.AcceptedBy, i18n.Date(ctx, *sc.AcceptedAt), i18n.Date(ctx, *sc.AcceptanceExpires))
	}
	reqs := map[string]measure.Requirement{}
	p.Requirements = []components.Option{{Value: "", Label: i18n.T(ctx, "risk.control.none_chosen")}}
	for _, rq := range o.Requirements {
		reqs[rq.Code] = rq
		p.Requirements = append(p.Requirements, components.Option{Value: rq.Code, Label: rq.Code + " " + rq.Title.In(ctx)})
	}
	for _, e := range risk.Effectivenesses {
		p.Effectiveness = append(p.Effectiveness, components.Option{Value: strconv.Itoa(int(e)), Label: i18n.T(ctx, "risk.effectiveness."+e.Key())})
	}
	for _, rd := range []risk.Reduces{risk.ReducesLikelihood, risk.ReducesImpact} {
		p.Reduces = append(p.Reduces, components.Option{Value: string(rd), Label: i18n.T(ctx, "risk.reduces."+string(rd))})
	}
	p.Treatments = []components.Option{{Value: "", Label: i18n.T(ctx, "risk.treatment.none")}}
	for _, t := range risk.Treatments {
		p.Treatments = append(p.Treatments, components.Option{Value: t, Label: i18n.T(ctx, "risk.treatment."+t)})
	}
	if !p.CanEdit && p.Treatment != "" {
		p.Treatment = i18n.T(ctx, "risk.treatment."+p.Treatment)
	}
	targets := requirementTargets(o)
	row := func(c risk.ControlInput) riskpages.ControlRow {
		cr := riskpages.ControlRow{Code: c.RequirementCode, Effectiveness: c.Effectiveness, Reduces: c.Reduces}
		if rq, ok := reqs[c.RequirementCode]; ok {
			cr.Linked, cr.Maturity, cr.Target = true, rq.Maturity, targets[rq.Code]
			cr.BelowTarget = rq.Applicable && rq.Maturity < cr.Target
		}
		return cr
	}
	saved := make([]risk.ControlInput, len(data.Controls))
	for k, c := range data.Controls {
		saved[k] = risk.ControlInput{RequirementCode: c.RequirementCode, Effectiveness: strconv.Itoa(int(c.Effectiveness)), Reduces: string(c.Reduces)}
		if cr := row(saved[k]); cr.BelowTarget {
			p.BelowTarget++
		}
	}
	shown := saved
	if st.Input != nil && st.Input.Controls != nil {
		shown = st.Input.Controls
	}
	for _, c := range shown {
		p.Controls = append(p.Controls, row(c))
	}
	if p.CanEdit {
		for k := 0; k < emptyControlRows; k++ {
			p.Controls = append(p.Controls, riskpages.ControlRow{Effectiveness: strconv.Itoa(int(risk.EffModerate)), Reduces: string(risk.ReducesLikelihood)})
		}
	}
	if st.Input != nil && st.Input.Treatment != nil {
		p.Treatment, p.Justify = st.Input.Treatment.Treatment, st.Input.Treatment.Justification
	}
	if st.Input != nil && st.Input.Mitigation != nil {
		in := st.Input.Mitigation
		p.MitigationForm = mitigationForm(*in)
	}
	p.Owners = []components.Option{{Value: "", Label: i18n.T(ctx, "soa.no_owner")}}
	for _, ow := range data.Owners {
		p.Owners = append(p.Owners, components.Option{Value: strconv.FormatInt(ow.ID, 10), Label: ow.Name})
	}
	ev := measures.EvidenceProps{Base: base, RelatedTitle: "risk.mitigation.evidence", None: "risk.mitigation.evidence_none",
		NoneOwn: "risk.mitigation.evidence_own"}
	for k, mt := range data.Mitigations {
		items := data.Evidence[k]
		p.Mitigations = append(p.Mitigations, riskpages.MitigationRow{ID: mt.ID, Title: mt.Title, Href: mitigationURL(base, mt.ID),
			Requirement: mt.RequirementCode, RequirementHref: base + "/requirements/" + mt.RequirementCode, Owner: mt.OwnerName,
			Due: i18n.Date(ctx, mt.DueDate), State: mt.State(today()), Evidence: len(items)})
		if len(items) == 0 {
			continue
		}
		g := measures.EvidenceGroup{Ref: strconv.FormatInt(mt.ID, 10), Label: i18n.T(ctx, "evidence.subject.risk_mitigation") + ": " + mt.Title,
			URL: mitigationURL(base, mt.ID)}
		for _, it := range items {
			g.Items = append(g.Items, evidenceItemProps(it))
		}
		ev.Related = append(ev.Related, g)
	}
	if len(data.Mitigations) > 0 {
		p.Evidence = &ev
	}
	status := http.StatusOK
	if st.Status != 0 {
		status = st.Status
	}
	s.render(w, r, status, riskpages.Treatment(p))
}

// knownRequirement reports whether a code is in the request entity's edition.
func (s *Server) knownRequirement(r *http.Request) (func(string) bool, error) {
	ed, err := s.edition(r)
	if err != nil {
		return nil, err
	}
	return func(code string) bool {
		_, ok := ed.Requirement(code)
		return ok
	}, nil
}

func (s *Server) treatmentSaved(w http.ResponseWriter, r *http.Request, id int64, err error, in treatmentInput) {
	ctx := r.Context()
	if c, ok := risk.IsConflict(err); ok {
		cur := c.Current.(risk.Scenario)
		s.renderRiskTreatment(w, r, treatmentState{Status: http.StatusConflict, Input: &in, Conflict: riskFacts(ctx, cur.UpdatedBy, cur.UpdatedAt,
			components.Fact{Label: i18n.T(ctx, "risk.residual"), Value: i18n.T(ctx, "risk.residual.values", cur.ResidualLikelihood, cur.ResidualImpact)})})
		return
	}
	if validate.Fields(err) == nil && s.riskError(w, r, err) {
		return
	}
	s.afterSave(w, r, err, func(errs map[string]string) {
		s.renderRiskTreatment(w, r, treatmentState{Status: http.StatusUnprocessableEntity, Input: &in, Errors: errs})
	}, "risk.saved", fmt.Sprintf("%s/risks/scenarios/%d/resilience", entityBase(authz.ActorFrom(ctx).EntityID), id))
}

func (s *Server) riskControlsSave(w http.ResponseWriter, r *http.Request) {
	id, ok := s.idParam(w, r, "scenarioID")
	if !ok {
		return
	}
	known, err := s.knownRequirement(r)
	if err != nil {
		s.serverError(w, r, err)
		return
	}
	_ = r.ParseForm() // a malformed body leaves PostForm empty: no controls, then a version conflict or field errors
	var in []risk.ControlInput
	for k := 0; k < risk.MaxControls+emptyControlRows; k++ {
		f := "control_" + strconv.Itoa(k)
		if _, ok := r.PostForm[f]; !ok {
			break
		}
		in = append(in, risk.ControlInput{RequirementCode: r.PostFormValue(f), Effectiveness: r.PostFormValue(f + "_eff"), Reduces: r.PostFormValue(f + "_reduces")})
	}
	version, _ := strconv.Atoi(r.PostFormValue("version"))
	_, err = risk.SaveControls(r.Context(), s.Pool, authz.ActorFrom(r.Context()), id, in, version, known)
	if in == nil {
		in = []risk.ControlInput{}
	}
	s.treatmentSaved(w, r, id, err, treatmentInput{Controls: in})
}

func (s *Server) riskTreatmentSave(w http.ResponseWriter, r *http.Request) {
	id, ok := s.idParam(w, r, "scenarioID")
	if !ok {
		return
	}
	version, _ := strconv.Atoi(r.PostFormValue("version"))
	in := risk.TreatmentInput{Treatment: r.PostFormValue("treatment"), Justification: r.PostFormValue("justification"), Version: version}
	_, err := risk.SaveTreatment(r.Context(), s.Pool, authz.ActorFrom(r.Context()), id, in, today())
	s.treatmentSaved(w, r, id, err, treatmentInput{Treatment: &in})
}

func (s *Server) riskMitigationCreate(w http.ResponseWriter, r *http.Request) {
	id, ok := s.idParam(w, r, "scenarioID")
	if !ok {
		return
	}
	known, err := s.knownRequirement(r)
	if err != nil {
		s.serverError(w, r, err)
		return
	}
	in := mitigationInput(r)
	_, err = risk.AddMitigation(r.Context(), s.Pool, authz.ActorFrom(r.Context()), id, in, known)
	s.treatmentSaved(w, r, id, err, treatmentInput{Mitigation: &in})
}

// riskActionRows shows mitigation actions on a requirement page or the
// dashboard, each linked to its scenario's resilience page.
func riskActionRows(ctx context.Context, base string, rows []risk.ActionRow) []measures.RiskAction {
	out := make([]measures.RiskAction, 0, len(rows))
	day := today()
	for _, a := range rows {
		threat := a.ThreatName
		if a.ThreatCode != nil {
			if t, ok := risk.Threats().Threat(*a.ThreatCode); ok {
				threat = t.Name.In(ctx)
			}
		}
		out = append(out, measures.RiskAction{Title: a.Title, ActionHref: mitigationURL(base, a.ID), Scenario: a.JewelName + " × " + threat,
			Href: fmt.Sprintf("%s/risks/scenarios/%d/resilience", base, a.ScenarioID), Owner: a.OwnerName,
			Due: i18n.Date(ctx, a.DueDate), Overdue: a.Overdue(day), Done: a.Done})
	}
	return out
}
