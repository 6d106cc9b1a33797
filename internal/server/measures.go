package server

import (
	"cmp"
	"context"
	"errors"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/go-chi/chi/v5"

	"github.com/weerbaar/weerbaar/internal/authz"
	"github.com/weerbaar/weerbaar/internal/db"
	"github.com/weerbaar/weerbaar/internal/entity"
	"github.com/weerbaar/weerbaar/internal/i18n"
	"github.com/weerbaar/weerbaar/internal/measure"
	"github.com/weerbaar/weerbaar/internal/proportion"
	"github.com/weerbaar/weerbaar/internal/validate"
	"github.com/weerbaar/weerbaar/web/components"
	"github.com/weerbaar/weerbaar/web/pages/measures"
)

// today is the current calendar day in Amsterdam, for due dates.
func today() time.Time {
	now := time.Now().In(i18n.Amsterdam)
	return time.Date(now.Year(), now.Month(), now.Day(), 0, 0, 0, 0, time.UTC)
}

func shortLabel(s string, n int) string {
	if r := []rune(s); len(r) > n {
		return string(r[:n-1]) + "…"
	}
	return s
}

func (s *Server) overview(r *http.Request) (measure.Overview, error) {
	return measure.BuildOverview(r.Context(), s.Pool, authz.ActorFrom(r.Context()).EntityID, today())
}

// maturityBars turns the overview into chart rows.
func maturityBars(ctx context.Context, base string, o measure.Overview) []components.MaturityBar {
	var bars []components.MaturityBar
	for _, ms := range o.Measures {
		b := components.MaturityBar{Code: ms.Measure.Code, Label: shortLabel(pick(ctx, ms.Measure.LabelNL, ms.Measure.LabelEN), 30),
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
	counts, err := s.evidence().CountByMeasure(ctx, actor.EntityID)
	if err != nil {
		s.serverError(w, r, err)
		return
	}
	reqCounts, err := s.evidence().CountByRequirement(ctx, actor.EntityID)
	if err != nil {
		s.serverError(w, r, err)
		return
	}
	base := entityBase(actor.EntityID)
	p := measures.ListProps{Shell: s.shell(r, "measures.title", "measures"), Base: base, Bars: maturityBars(ctx, base, o),
		Readiness: int(o.Readiness*100 + 0.5), Ready: o.Ready, Total: o.Applicable, ScopeAssessed: o.ScopeAssessed, FactorsSet: o.Factors.Set}
	for _, ms := range o.Measures {
		n := counts[ms.Measure.Code]
		for _, req := range o.Requirements {
			if req.Serves(ms.Measure.Code) {
				n += reqCounts[req.Code]
			}
		}
		p.Cards = append(p.Cards, measures.Card{Code: ms.Measure.Code, Label: pick(ctx, ms.Measure.LabelNL, ms.Measure.LabelEN),
			Statute: pick(ctx, ms.Measure.StatuteNL, ms.Measure.StatuteEN), Current: ms.Maturity.Value, Target: ms.Result.Target,
			Done: ms.Done, Total: ms.Total, Applicable: ms.Measure.Applicable, Evidence: n, Rank: ms.Result.Rank})
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
		out = append(out, components.Option{Value: strconv.FormatInt(m.UserID, 10), Label: m.Name})
	}
	return out, nil
}

func dateValue(t *time.Time) string {
	if t == nil {
		return ""
	}
	return t.Format("2006-01-02")
}

func displayDate(ctx context.Context, t *time.Time) string {
	if t == nil {
		return ""
	}
	return i18n.Date(ctx, *t)
}

func idValue(id *int64) string {
	if id == nil {
		return ""
	}
	return strconv.FormatInt(*id, 10)
}

func stateInput(r *http.Request) measure.StateInput {
	version, _ := strconv.Atoi(r.PostFormValue("version"))
	return measure.StateInput{
		Applicable: r.PostFormValue("applicable") != "false", Justification: r.PostFormValue("justification"),
		Status: r.PostFormValue("status"), OwnerID: r.PostFormValue("owner"), DueDate: r.PostFormValue("due_date"),
		Notes: r.PostFormValue("notes"), Version: version, Maturity: r.PostFormValue("maturity"),
		MaturityOverride: r.PostFormValue("maturity_override"), OverrideReason: r.PostFormValue("override_reason"),
	}
}

// formFromInput keeps the user's input as typed after a failed save.
func formFromInput(in measure.StateInput) measures.StateForm {
	return measures.StateForm{Applicable: in.Applicable, Justification: in.Justification, Maturity: in.Maturity,
		MaturityOverride: in.MaturityOverride, OverrideReason: in.OverrideReason, Status: in.Status, Owner: in.OwnerID,
		Due: in.DueDate, Notes: in.Notes, Version: in.Version}
}

// conflictFields describes the other person's saved state.
func conflictFields(ctx context.Context, applicable bool, justification string, maturity string, status measure.Status,
	owner, due, notes, by string, at *time.Time) []measures.ConflictField {
	yesNo := i18n.T(ctx, "soa.applicable")
	if !applicable {
		yesNo = i18n.T(ctx, "soa.not_applicable") + ": " + justification
	}
	out := []measures.ConflictField{
		{Label: i18n.T(ctx, "soa.applicability"), Value: yesNo},
		{Label: i18n.T(ctx, "soa.maturity"), Value: maturity},
		{Label: i18n.T(ctx, "soa.status"), Value: i18n.T(ctx, "status."+string(status))},
		{Label: i18n.T(ctx, "soa.owner"), Value: owner},
		{Label: i18n.T(ctx, "soa.due"), Value: due},
		{Label: i18n.T(ctx, "measures.notes"), Value: notes},
	}
	if at != nil {
		out = append(out, measures.ConflictField{Label: i18n.T(ctx, "conflict.saved_by"), Value: by + ", " + i18n.DateTime(ctx, *at)})
	}
	return out
}

func (s *Server) measurePage(w http.ResponseWriter, r *http.Request) {
	s.renderMeasure(w, r, http.StatusOK, nil, nil, nil, nil)
}

// renderMeasure shows a measure page; form/errs/conflict carry a failed
// save, ev a failed evidence upload.
func (s *Server) renderMeasure(w http.ResponseWriter, r *http.Request, status int, form *measures.StateForm,
	errs map[string]string, conflict []measures.ConflictField, ev *measures.EvidenceProps) {
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
	reqCounts, err := s.evidence().CountByRequirement(ctx, actor.EntityID)
	if err != nil {
		s.serverError(w, r, err)
		return
	}
	base := entityBase(actor.EntityID)
	p := measures.MeasureProps{
		Shell: s.shell(r, "measures.title", "measures"), Base: base, Code: m.Code, Label: pick(ctx, m.LabelNL, m.LabelEN),
		Statute: pick(ctx, m.StatuteNL, m.StatuteEN), Explanation: pick(ctx, m.ExplanationNL, m.ExplanationEN), Source: m.Source,
		ISO:     strings.Join(append(append([]string{}, m.ISOControls...), m.ISOClauses...), ", "),
		Current: ms.Maturity.Value, Target: ms.Result.Target, Weight: ms.Result.Weight, Rank: ms.Result.Rank,
		WhyText: pick(ctx, ms.Result.ExplanationNL, ms.Result.ExplanationEN), EngineVersion: ms.Result.Version,
		CanEdit: actor.Can(authz.MeasureEdit), Errors: errs, Conflict: conflict, Notice: s.Sessions.PopString(ctx, sessFlash),
	}
	if ms.Maturity.Overridden {
		p.Derived = i18n.T(ctx, "measures.derived.override", ms.Maturity.Reason)
	} else {
		p.Derived = i18n.T(ctx, "measures.derived", ms.Maturity.Applicable)
	}
	for _, c := range ms.Result.Contributions {
		p.Why = append(p.Why, measures.Contribution{Factor: c.Factor, Input: factorLevel(ctx, c.Factor, c.Input), Points: c.Points, Text: pick(ctx, c.TextNL, c.TextEN)})
	}
	for _, req := range o.Requirements {
		if req.Serves(code) {
			p.Requirements = append(p.Requirements, reqRow(ctx, req, reqCounts[req.Code]))
		}
	}
	if form != nil {
		p.Form = *form
	} else {
		override := ""
		if m.MaturityOverride != nil {
			override = strconv.Itoa(*m.MaturityOverride)
		}
		p.Form = measures.StateForm{Applicable: m.Applicable, Justification: m.Justification, MaturityOverride: override,
			OverrideReason: m.OverrideReason, Status: string(m.Status), Owner: idValue(m.OwnerID), Due: dateValue(m.DueDate),
			Notes: m.Notes, Version: m.Version}
	}
	p.Form.Owners = owners
	if ev != nil {
		p.Evidence = *ev
	} else if p.Evidence, err = s.evidenceProps(r, base+"/measures/"+code, evidenceTargetMeasure(code)); err != nil {
		s.serverError(w, r, err)
		return
	}
	s.render(w, r, status, measures.Measure(p))
}

func reqRow(ctx context.Context, req measure.Requirement, evidence int) measures.ReqRow {
	return measures.ReqRow{Code: req.Code, Title: pick(ctx, req.TitleNL, req.TitleEN), Applicable: req.Applicable,
		Maturity: req.Maturity, Status: string(req.Status), Owner: req.OwnerName, Due: displayDate(ctx, req.DueDate), DueISO: dateValue(req.DueDate),
		Overdue: req.Overdue(today()), Evidence: evidence, Justification: req.Justification, Measures: strings.Join(req.Measures, ", ")}
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
		form.Version = cur.Version
		s.renderMeasure(w, r, http.StatusConflict, &form, nil, conflictFields(ctx, cur.Applicable, cur.Justification, mat,
			cur.Status, cur.OwnerName, dateValue(cur.DueDate), cur.Notes, cur.UpdatedBy, cur.UpdatedAt), nil)
		return
	}
	s.afterSave(w, r, err, func(errs map[string]string) {
		s.renderMeasure(w, r, http.StatusUnprocessableEntity, &form, errs, nil, nil)
	}, "measures.saved", entityBase(actor.EntityID)+"/measures/"+code)
}

func (s *Server) requirementPage(w http.ResponseWriter, r *http.Request) {
	s.renderRequirement(w, r, http.StatusOK, nil, nil, nil, nil)
}

// renderRequirement shows a requirement page; form/errs/conflict carry a
// failed save, ev a failed evidence upload.
func (s *Server) renderRequirement(w http.ResponseWriter, r *http.Request, status int, form *measures.StateForm,
	errs map[string]string, conflict []measures.ConflictField, ev *measures.EvidenceProps) {
	ctx := r.Context()
	actor := authz.ActorFrom(ctx)
	code := chi.URLParam(r, "code")
	req, err := measure.GetRequirement(ctx, s.Pool, actor.EntityID, code)
	if errors.Is(err, db.ErrNotFound) {
		s.errorPage(w, r, http.StatusNotFound)
		return
	}
	if err != nil {
		s.serverError(w, r, err)
		return
	}
	all, err := measure.Measures(ctx, s.Pool, actor.EntityID)
	if err != nil {
		s.serverError(w, r, err)
		return
	}
	owners, err := s.ownerOptions(ctx, actor.EntityID)
	if err != nil {
		s.serverError(w, r, err)
		return
	}
	base := entityBase(actor.EntityID)
	p := measures.RequirementProps{
		Shell: s.shell(r, "measures.title", "measures"), Base: base, Code: req.Code, Title: pick(ctx, req.TitleNL, req.TitleEN),
		Text: pick(ctx, req.TextNL, req.TextEN), Source: req.Source, ISO: strings.Join(req.ISOControls, ", "),
		CanEdit: actor.Can(authz.MeasureEdit), Errors: errs, Conflict: conflict, Notice: s.Sessions.PopString(ctx, sessFlash),
	}
	for _, m := range all {
		if req.Serves(m.Code) {
			p.Measures = append(p.Measures, components.Option{Value: m.Code, Label: pick(ctx, m.LabelNL, m.LabelEN)})
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
	} else if p.Evidence, err = s.evidenceProps(r, base+"/requirements/"+code, evidenceTargetRequirement(code)); err != nil {
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
		s.renderRequirement(w, r, http.StatusConflict, &form, nil, conflictFields(ctx, cur.Applicable, cur.Justification,
			strconv.Itoa(cur.Maturity), cur.Status, cur.OwnerName, dateValue(cur.DueDate), cur.Notes, cur.UpdatedBy, cur.UpdatedAt), nil)
		return
	}
	s.afterSave(w, r, err, func(errs map[string]string) {
		s.renderRequirement(w, r, http.StatusUnprocessableEntity, &form, errs, nil, nil)
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
	case err != nil:
		s.serverError(w, r, err)
	default:
		s.Sessions.Put(r.Context(), sessFlash, notice)
		http.Redirect(w, r, redirect, http.StatusSeeOther)
	}
}

// soaRows filters the requirements for the Statement of Applicability.
func soaRows(ctx context.Context, reqs []measure.Requirement, counts map[string]int, measureCode, status string) []measures.ReqRow {
	var rows []measures.ReqRow
	for _, req := range reqs {
		if measureCode != "" && !req.Serves(measureCode) {
			continue
		}
		switch {
		case status == "not_applicable" && req.Applicable:
			continue
		case status != "" && status != "not_applicable" && (!req.Applicable || string(req.Status) != status):
			continue
		}
		rows = append(rows, reqRow(ctx, req, counts[req.Code]))
	}
	return rows
}

func (s *Server) soa(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	actor := authz.ActorFrom(ctx)
	reqs, err := measure.Requirements(ctx, s.Pool, actor.EntityID)
	if err != nil {
		s.serverError(w, r, err)
		return
	}
	all, err := measure.Measures(ctx, s.Pool, actor.EntityID)
	if err != nil {
		s.serverError(w, r, err)
		return
	}
	counts, err := s.evidence().CountByRequirement(ctx, actor.EntityID)
	if err != nil {
		s.serverError(w, r, err)
		return
	}
	q := r.URL.Query()
	p := measures.SoAProps{Shell: s.shell(r, "soa.title", "measures"), Base: entityBase(actor.EntityID),
		Measure: q.Get("measure"), Status: q.Get("status"), Total: len(reqs),
		MeasureOptions: []components.Option{{Value: "", Label: i18n.T(ctx, "soa.all")}}}
	for _, m := range all {
		p.MeasureOptions = append(p.MeasureOptions, components.Option{Value: m.Code, Label: m.Code + ") " + pick(ctx, m.LabelNL, m.LabelEN)})
	}
	p.Rows = soaRows(ctx, reqs, counts, p.Measure, p.Status)
	p.Sort, p.Desc = sortSoA(p.Rows, q.Get("sort"), q.Get("dir") == "desc")
	s.render(w, r, http.StatusOK, measures.SoA(p))
}

// soaSortKeys are the columns the SoA sorts by (an allow-list); the catalogue
// order is the tie-breaker, so sorting is stable and predictable.
var soaSortKeys = map[string]func(a, b measures.ReqRow) int{
	"code":     func(a, b measures.ReqRow) int { return 0 },
	"maturity": func(a, b measures.ReqRow) int { return cmp.Compare(a.Maturity, b.Maturity) },
	"status":   func(a, b measures.ReqRow) int { return cmp.Compare(statusOrder(a), statusOrder(b)) },
	"owner":    func(a, b measures.ReqRow) int { return strings.Compare(a.Owner, b.Owner) },
	"due":      func(a, b measures.ReqRow) int { return strings.Compare(a.DueISO, b.DueISO) },
	"evidence": func(a, b measures.ReqRow) int { return cmp.Compare(a.Evidence, b.Evidence) },
}

func statusOrder(r measures.ReqRow) int {
	if !r.Applicable {
		return -1
	}
	return slices.Index(measure.Statuses, measure.Status(r.Status))
}

// sortSoA sorts rows by an allowed key and returns the key and direction in
// effect (unknown keys fall back to the catalogue order).
func sortSoA(rows []measures.ReqRow, key string, desc bool) (string, bool) {
	by, ok := soaSortKeys[key]
	if !ok {
		key, desc, by = "code", false, soaSortKeys["code"]
	}
	slices.SortStableFunc(rows, func(a, b measures.ReqRow) int {
		if desc {
			return by(b, a)
		}
		return by(a, b)
	})
	if key == "code" && desc {
		slices.Reverse(rows)
	}
	return key, desc
}

// factorLevel names a factor's value in the reader's language ("large" →
// "groot"), from the engine's guidance; numbers keep their digit ("3 ·
// gemiddeld").
func factorLevel(ctx context.Context, factor, lvl string) string {
	for _, g := range proportion.FactorGuidance() {
		if g.Factor == factor && g.Level == lvl {
			if _, err := strconv.Atoi(lvl); err == nil {
				return lvl + " · " + pick(ctx, g.LabelNL, g.LabelEN)
			}
			return pick(ctx, g.LabelNL, g.LabelEN)
		}
	}
	return lvl
}

// proportionality shows and edits the factors and sensitivities.
func (s *Server) proportionality(w http.ResponseWriter, r *http.Request) {
	s.renderProportion(w, r, http.StatusOK, nil, "", nil, false)
}

func (s *Server) renderProportion(w http.ResponseWriter, r *http.Request, status int, errs map[string]string,
	sensCode string, sensErrs map[string]string, conflict bool) {
	ctx := r.Context()
	actor := authz.ActorFrom(ctx)
	o, err := s.overview(r)
	if err != nil {
		s.serverError(w, r, err)
		return
	}
	sens, err := measure.LoadSensitivities(ctx, s.Pool, actor.EntityID)
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
	values := map[string]int{"exposure": o.Factors.Exposure, "likelihood": o.Factors.Likelihood, "impact": o.Factors.Impact}
	for _, name := range []string{"exposure", "likelihood", "impact"} {
		f := measures.FactorField{Name: name, Label: i18n.T(ctx, "proportion.factor."+name), Help: i18n.T(ctx, "proportion.help."+name),
			Value: strconv.Itoa(values[name])}
		if errs != nil {
			f.Value = r.PostFormValue(name)
		}
		for _, g := range proportion.FactorGuidance() {
			if g.Factor == name {
				f.Choices = append(f.Choices, measures.FactorChoice{Level: g.Level, Label: g.Level + " · " + pick(ctx, g.LabelNL, g.LabelEN), Guidance: pick(ctx, g.TextNL, g.TextEN)})
			}
		}
		p.Factors = append(p.Factors, f)
	}
	labels := map[string]string{}
	for _, ms := range o.Measures {
		labels[ms.Measure.Code] = pick(ctx, ms.Measure.LabelNL, ms.Measure.LabelEN)
	}
	for _, sv := range sens {
		p.Sensitivities = append(p.Sensitivities, measures.SensitivityRow{Code: sv.Code, Label: labels[sv.Code],
			Exposure: sv.Value.Exposure, Size: sv.Value.Size, Likelihood: sv.Value.Likelihood, Impact: sv.Value.Impact,
			Class: sv.Value.Class, Rationale: pick(ctx, sv.RationaleNL, sv.RationaleEN), Custom: sv.Custom, Version: sv.Version})
	}
	s.render(w, r, status, measures.Proportion(p))
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
		s.renderProportion(w, r, http.StatusConflict, nil, "", nil, true)
		return
	}
	s.afterSave(w, r, err, func(errs map[string]string) {
		if sensCode != "" {
			s.renderProportion(w, r, http.StatusUnprocessableEntity, nil, sensCode, errs, false)
		} else {
			s.renderProportion(w, r, http.StatusUnprocessableEntity, errs, "", nil, false)
		}
	}, notice, entityBase(authz.ActorFrom(r.Context()).EntityID)+"/proportionality")
}
