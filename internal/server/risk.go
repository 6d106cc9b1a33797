package server

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/go-chi/chi/v5"

	"github.com/weerbaar/weerbaar/internal/authz"
	"github.com/weerbaar/weerbaar/internal/db"
	"github.com/weerbaar/weerbaar/internal/evidence"
	"github.com/weerbaar/weerbaar/internal/i18n"
	"github.com/weerbaar/weerbaar/internal/risk"
	"github.com/weerbaar/weerbaar/internal/validate"
	"github.com/weerbaar/weerbaar/web/components"
	"github.com/weerbaar/weerbaar/web/pages/measures"
	riskpages "github.com/weerbaar/weerbaar/web/pages/risk"
)

// idParam reads a numeric URL parameter; anything else is a 404.
func (s *Server) idParam(w http.ResponseWriter, r *http.Request, name string) (int64, bool) {
	id, err := strconv.ParseInt(chi.URLParam(r, name), 10, 64)
	if err != nil || id <= 0 {
		s.errorPage(w, r, http.StatusNotFound)
		return 0, false
	}
	return id, true
}

// riskError maps the errors every risk page shares; it reports whether it
// answered. Field errors and conflicts are the caller's.
func (s *Server) riskError(w http.ResponseWriter, r *http.Request, err error) bool {
	switch {
	case err == nil:
		return false
	case errors.Is(err, db.ErrNotFound):
		s.errorPage(w, r, http.StatusNotFound)
	case errors.Is(err, risk.ErrLocked):
		s.errorPageDetail(w, r, http.StatusConflict, i18n.T(r.Context(), "risk.error.locked"))
	case errors.Is(err, risk.ErrTransition):
		s.errorPageDetail(w, r, http.StatusConflict, i18n.T(r.Context(), "risk.error.transition"))
	case errors.Is(err, risk.ErrForbidden):
		s.errorPageDetail(w, r, http.StatusForbidden, i18n.T(r.Context(), "risk.error.adopt_admin"))
	default:
		s.serverError(w, r, err)
	}
	return true
}

// riskFacts words the other person's saved version of a record.
func riskFacts(ctx context.Context, by string, at time.Time, facts ...components.Fact) []components.Fact {
	return append(facts, components.Fact{Label: i18n.T(ctx, "conflict.saved_by"), Value: by + ", " + i18n.DateTime(ctx, at)})
}

func levelKey(l risk.Level) string { return l.Key() }

// heatProps turns counts into the heat map, each cell linking to the
// analysis's scenarios in that cell.
func heatProps(ctx context.Context, base string, analysisID int64, m risk.Method, counts map[[2]int]int) components.HeatMapProps {
	p := components.HeatMapProps{ID: "heat-inherent", Title: i18n.T(ctx, "risk.heat.inherent")}
	p.LikelihoodLabels, p.ImpactLabels = scaleLabels(ctx, m)
	for r, row := range risk.HeatMap(m.Matrix, counts) {
		for c, cell := range row {
			p.Rows[r][c] = components.HeatCell{Likelihood: cell.Likelihood, Impact: cell.Impact, Count: cell.Count,
				LevelKey: levelKey(cell.Level), Href: fmt.Sprintf("%s/risks/%d/scenarios?likelihood=%d&impact=%d", base, analysisID, cell.Likelihood, cell.Impact)}
		}
	}
	return p
}

// residualHeatProps is the residual heat map (after existing controls),
// each cell linking to the scenarios with that residual likelihood and
// impact.
func residualHeatProps(ctx context.Context, base string, analysisID int64, m risk.Method, counts map[[2]int]int) components.HeatMapProps {
	p := components.HeatMapProps{ID: "heat-residual", Title: i18n.T(ctx, "risk.heatmap.residual")}
	p.LikelihoodLabels, p.ImpactLabels = scaleLabels(ctx, m)
	for r, row := range risk.HeatMap(m.Matrix, counts) {
		for c, cell := range row {
			p.Rows[r][c] = components.HeatCell{Likelihood: cell.Likelihood, Impact: cell.Impact, Count: cell.Count,
				LevelKey: levelKey(cell.Level), Href: fmt.Sprintf("%s/risks/%d/scenarios?residual_likelihood=%d&residual_impact=%d", base, analysisID, cell.Likelihood, cell.Impact)}
		}
	}
	return p
}

// scaleLabels are the labels of the method's scale points in the request's
// language, for the heat map's axes.
func scaleLabels(ctx context.Context, m risk.Method) (likelihood, impact [risk.ScaleMax]string) {
	for n := 1; n <= risk.ScaleMax; n++ {
		likelihood[n-1] = m.Scales.Point(risk.AxisLikelihood, n).Label.In(ctx)
		impact[n-1] = m.Scales.Point(risk.AxisImpact, n).Label.In(ctx)
	}
	return likelihood, impact
}

// scaleGuide is the scales of the method version an analysis uses: the
// scenario form's options ("3 – mogelijk") and their definitions.
func scaleGuide(ctx context.Context, m risk.Method) riskpages.ScaleGuide {
	g := riskpages.ScaleGuide{MethodVersion: m.Version}
	for n := 1; n <= risk.ScaleMax; n++ {
		l, i := m.Scales.Point(risk.AxisLikelihood, n), m.Scales.Point(risk.AxisImpact, n)
		g.Likelihood = append(g.Likelihood, riskpages.ScaleText{N: n, Label: l.Label.In(ctx), Definition: l.Definition.In(ctx)})
		g.Impact = append(g.Impact, riskpages.ScaleText{N: n, Label: i.Label.In(ctx), Definition: i.Definition.In(ctx)})
		g.LikelihoodOpts = append(g.LikelihoodOpts, components.Option{Value: strconv.Itoa(n), Label: strconv.Itoa(n) + " – " + l.Label.In(ctx)})
		g.ImpactOpts = append(g.ImpactOpts, components.Option{Value: strconv.Itoa(n), Label: strconv.Itoa(n) + " – " + i.Label.In(ctx)})
	}
	return g
}

// scoreText words a likelihood and impact with the method's labels, e.g.
// "kans 3 (mogelijk) × impact 4 (ernstig)".
func scoreText(ctx context.Context, m risk.Method, likelihood, impact int) string {
	l, i := m.Scales.Point(risk.AxisLikelihood, likelihood).Label.In(ctx), m.Scales.Point(risk.AxisImpact, impact).Label.In(ctx)
	if l == "" || i == "" {
		return i18n.T(ctx, "risk.residual.values", likelihood, impact)
	}
	return i18n.T(ctx, "risk.scored.values", likelihood, l, impact, i)
}

// riskList shows the analyses and the form for a new cycle.
func (s *Server) riskList(w http.ResponseWriter, r *http.Request) {
	s.renderRiskList(w, r, FormState[riskpages.AnalysisForm, []components.Fact]{})
}

func (s *Server) renderRiskList(w http.ResponseWriter, r *http.Request, st FormState[riskpages.AnalysisForm, []components.Fact]) {
	ctx := r.Context()
	actor := authz.ActorFrom(ctx)
	list, err := risk.Analyses(ctx, s.Pool, actor.EntityID)
	if err != nil {
		s.serverError(w, r, err)
		return
	}
	m, err := risk.CurrentMethod(ctx, s.Pool, actor.EntityID)
	if err != nil {
		s.serverError(w, r, err)
		return
	}
	p := riskpages.ListProps{Shell: s.shell(r, "risk.title", "risks"), Base: entityBase(actor.EntityID), CanEdit: actor.Can(authz.RiskEdit),
		Errors: st.Errors, Notice: s.Sessions.PopString(ctx, sessFlash), Tolerance: levelKey(m.Tolerance)}
	day := today()
	for _, a := range list {
		p.Analyses = append(p.Analyses, riskpages.AnalysisRow{ID: a.ID, Period: a.Period, Status: string(a.Status),
			ReviewDate: i18n.Date(ctx, a.ReviewDate), ReviewOverdue: a.ReviewOverdue(day), Jewels: a.Jewels, Scenarios: a.Scenarios})
	}
	if len(list) > 0 {
		p.CopyFrom = list[0].Period
	}
	if st.Input != nil {
		p.Form = *st.Input
	} else {
		p.Form = riskpages.AnalysisForm{Period: strconv.Itoa(day.Year() + 1), ReviewDate: day.AddDate(1, 0, 0).Format("2006-01-02")}
	}
	s.render(w, r, st.status(), riskpages.List(p))
}

func analysisInput(r *http.Request) risk.AnalysisInput {
	version, _ := strconv.Atoi(r.PostFormValue("version"))
	return risk.AnalysisInput{Period: r.PostFormValue("period"), ReviewDate: r.PostFormValue("review_date"), Version: version}
}

func (s *Server) riskCreate(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	actor := authz.ActorFrom(ctx)
	in := analysisInput(r)
	a, err := risk.CreateAnalysis(ctx, s.Pool, actor, in, today())
	if fields := validate.Fields(err); fields != nil {
		s.renderRiskList(w, r, FormState[riskpages.AnalysisForm, []components.Fact]{Status: http.StatusUnprocessableEntity,
			Input: &riskpages.AnalysisForm{Period: in.Period, ReviewDate: in.ReviewDate}, Errors: fields})
		return
	}
	if s.riskError(w, r, err) {
		return
	}
	s.Sessions.Put(ctx, sessFlash, "risk.analysis.created")
	http.Redirect(w, r, fmt.Sprintf("%s/risks/%d", entityBase(actor.EntityID), a.ID), http.StatusSeeOther)
}

// riskMethod shows the scales, the matrix and the tolerance.
func (s *Server) riskMethod(w http.ResponseWriter, r *http.Request) {
	s.renderRiskMethod(w, r, FormState[risk.MethodInput, []components.Fact]{})
}

func (s *Server) renderRiskMethod(w http.ResponseWriter, r *http.Request, st FormState[risk.MethodInput, []components.Fact]) {
	ctx := r.Context()
	actor := authz.ActorFrom(ctx)
	hist, err := risk.MethodHistory(ctx, s.Pool, actor.EntityID)
	if err != nil {
		s.serverError(w, r, err)
		return
	}
	m := risk.DefaultMethod()
	if len(hist) > 0 {
		m = hist[0].Method
	}
	current, viewing := m.Version, 0
	// ?version=N shows an older version read-only (an analysis links to the
	// version it uses).
	if v := r.URL.Query().Get("version"); v != "" && st.Input == nil {
		n, err := strconv.Atoi(v)
		i := slices.IndexFunc(hist, func(h risk.MethodRecord) bool { return h.Version == n })
		if err != nil || i < 0 {
			s.errorPage(w, r, http.StatusNotFound)
			return
		}
		if n != current {
			m, viewing = hist[i].Method, n
		}
	}
	base := entityBase(actor.EntityID)
	p := riskpages.MethodProps{Shell: s.shell(r, "risk.method.title", "risks"), Base: base, Version: m.Version,
		Default: !m.Set, Viewing: viewing, Current: current, Tolerance: strconv.Itoa(int(m.Tolerance)),
		CanEdit: actor.Can(authz.EntityManage) && viewing == 0, Errors: st.Errors, Conflict: st.Conflict, Notice: s.Sessions.PopString(ctx, sessFlash)}
	in := risk.MethodForm(m)
	if st.Input != nil {
		in = *st.Input
		p.Tolerance = in.Tolerance
		if st.Conflict == nil {
			p.Version = in.Version
		}
	}
	for row := 0; row < risk.ScaleMax; row++ {
		l := risk.ScaleMax - row
		for col := 0; col < risk.ScaleMax; col++ {
			i := col + 1
			f := risk.CellField(l, i)
			p.Rows[row][col] = riskpages.MethodCell{Likelihood: l, Impact: i, Field: f, Value: in.Cells[f], Error: st.Errors[f]}
		}
	}
	parts := []struct {
		part string
		lang i18n.Lang
		key  string
		max  int
		rows int
	}{
		{risk.PartLabel, i18n.NL, "risk.scale.label_nl", risk.MaxScaleLabel, 0},
		{risk.PartLabel, i18n.EN, "risk.scale.label_en", risk.MaxScaleLabel, 0},
		{risk.PartDefinition, i18n.NL, "risk.scale.def_nl", risk.MaxScaleDefinition, 3},
		{risk.PartDefinition, i18n.EN, "risk.scale.def_en", risk.MaxScaleDefinition, 3},
	}
	for _, a := range risk.Axes {
		ax := riskpages.ScaleAxis{Key: string(a)}
		for n := 1; n <= risk.ScaleMax; n++ {
			pt := m.Scales.Point(a, n)
			sp := riskpages.ScalePointForm{N: n, Label: pt.Label.In(ctx), Definition: pt.Definition.In(ctx)}
			point := i18n.T(ctx, "risk.scale.point", i18n.T(ctx, "risk."+string(a)), n)
			for _, pr := range parts {
				f := risk.ScaleField(a, n, pr.part, pr.lang)
				sp.Fields = append(sp.Fields, components.FieldProps{Name: f, Label: i18n.T(ctx, pr.key), Value: in.Scales[f],
					Error: st.Errors[f], MaxLength: pr.max, Rows: pr.rows, Required: true})
				p.ErrorLabels = append(p.ErrorLabels, components.FieldLabel{Name: f, Label: point + " – " + i18n.T(ctx, pr.key)})
			}
			ax.Points = append(ax.Points, sp)
		}
		p.Scales = append(p.Scales, ax)
	}
	p.ErrorLabels = append(p.ErrorLabels, components.FieldLabel{Name: "tolerance", Label: i18n.T(ctx, "risk.tolerance")})
	for _, h := range hist {
		by := h.CreatedBy
		if by == "" {
			by = "–"
		}
		p.History = append(p.History, riskpages.MethodVersionRow{Version: h.Version, Date: i18n.DateTime(ctx, h.CreatedAt), By: by,
			Changes: methodChangesText(ctx, h), Href: fmt.Sprintf("%s/risks/method?version=%d", base, h.Version), Current: h.Version == current})
	}
	s.render(w, r, st.status(), riskpages.Method(p))
}

// methodChangesText words what a method version changed, in short.
func methodChangesText(ctx context.Context, h risk.MethodRecord) string {
	if h.Version == 1 {
		return i18n.T(ctx, "risk.method.history.first")
	}
	if len(h.Changes) == 0 {
		return i18n.T(ctx, "risk.method.history.none")
	}
	parts := make([]string, 0, len(h.Changes))
	for _, c := range h.Changes {
		if c.Point > 0 {
			parts = append(parts, i18n.T(ctx, "risk.scale.point", i18n.T(ctx, "risk."+c.Field), c.Point))
		} else {
			parts = append(parts, i18n.T(ctx, "audit.field."+c.Field))
		}
	}
	return strings.Join(parts, ", ")
}

func (s *Server) riskMethodSave(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	actor := authz.ActorFrom(ctx)
	if err := r.ParseForm(); err != nil {
		s.errorPage(w, r, http.StatusBadRequest)
		return
	}
	version, _ := strconv.Atoi(r.PostForm.Get("version"))
	in := risk.MethodInput{Cells: map[string]string{}, Tolerance: r.PostForm.Get("tolerance"), Scales: map[string]string{}, Version: version}
	for l := 1; l <= risk.ScaleMax; l++ {
		for i := 1; i <= risk.ScaleMax; i++ {
			in.Cells[risk.CellField(l, i)] = r.PostForm.Get(risk.CellField(l, i))
		}
	}
	for f := range risk.ScaleFields(risk.Scales{}) {
		in.Scales[f] = r.PostForm.Get(f)
	}
	_, err := risk.SaveMethod(ctx, s.Pool, actor, in)
	if c, ok := risk.IsConflict(err); ok {
		cur := c.Current.(risk.Method)
		s.renderRiskMethod(w, r, FormState[risk.MethodInput, []components.Fact]{Status: http.StatusConflict, Input: &in,
			Conflict: []components.Fact{{Label: i18n.T(ctx, "risk.method.title"), Value: i18n.T(ctx, "risk.method.version", cur.Version)},
				{Label: i18n.T(ctx, "risk.tolerance"), Value: i18n.T(ctx, "risk.level."+levelKey(cur.Tolerance))}}})
		return
	}
	s.afterSave(w, r, err, func(errs map[string]string) {
		s.renderRiskMethod(w, r, FormState[risk.MethodInput, []components.Fact]{Status: http.StatusUnprocessableEntity, Input: &in, Errors: errs})
	}, "risk.method.saved", entityBase(actor.EntityID)+"/risks/method")
}

// analysisState is the analysis page after a failed form: Form is "" for
// the details, "status" for a status change, "import" for a CSV import.
type analysisState struct {
	FormState[riskpages.AnalysisForm, []components.Fact]
	Import []riskpages.ImportRow
}

func (s *Server) riskAnalysis(w http.ResponseWriter, r *http.Request) {
	s.renderRiskAnalysis(w, r, analysisState{})
}

// riskAnalysisBase loads the analysis of the URL and its method.
func (s *Server) riskAnalysisBase(w http.ResponseWriter, r *http.Request) (risk.Analysis, risk.Method, bool) {
	ctx := r.Context()
	actor := authz.ActorFrom(ctx)
	id, ok := s.idParam(w, r, "analysisID")
	if !ok {
		return risk.Analysis{}, risk.Method{}, false
	}
	a, err := risk.GetAnalysis(ctx, s.Pool, actor.EntityID, id)
	if s.riskError(w, r, err) {
		return a, risk.Method{}, false
	}
	m, err := a.Method()
	if s.riskError(w, r, err) {
		return a, m, false
	}
	return a, m, true
}

func aspectsText(ctx context.Context, a risk.Aspects) string {
	var parts []string
	for _, k := range a.Keys() {
		parts = append(parts, i18n.T(ctx, "risk.aspect."+k))
	}
	return strings.Join(parts, ", ")
}

func (s *Server) renderRiskAnalysis(w http.ResponseWriter, r *http.Request, st analysisState) {
	ctx := r.Context()
	actor := authz.ActorFrom(ctx)
	a, m, ok := s.riskAnalysisBase(w, r)
	if !ok {
		return
	}
	// The page shows the first rows of the crown jewels and of the supplier
	// register (with the register's summary) and links to the whole lists;
	// the heat maps are counted in SQL and the approval standing hashes the
	// content only once per change (risk.AnalysisStanding).
	day := today()
	preview := risk.ListQuery{Limit: risk.PreviewSize}
	jewels, _, _, err := risk.JewelList(ctx, s.Pool, actor.EntityID, a.ID, preview)
	if err != nil {
		s.serverError(w, r, err)
		return
	}
	suppliers, summary, _, _, err := risk.SupplierList(ctx, s.Pool, actor.EntityID, a.ID, preview, day)
	if err != nil {
		s.serverError(w, r, err)
		return
	}
	counts, err := risk.HeatCounts(ctx, s.Pool, actor.EntityID, a.ID)
	if err != nil {
		s.serverError(w, r, err)
		return
	}
	ref := strconv.FormatInt(a.ID, 10)
	standing, err := risk.AnalysisStanding(ctx, s.Pool, a)
	if err != nil {
		s.serverError(w, r, err)
		return
	}
	base := entityBase(actor.EntityID)
	p := riskpages.AnalysisProps{Shell: s.shell(r, "risk.title", "risks"), Base: base, ID: a.ID, Period: a.Period, Status: string(a.Status),
		ReviewDate: i18n.Date(ctx, a.ReviewDate), ReviewOverdue: a.ReviewOverdue(day), MethodVersion: a.MethodVersion,
		Tolerance: levelKey(m.Tolerance), CanEdit: actor.Can(authz.RiskEdit), Editable: a.Status.Editable(), Conflict: st.Conflict,
		Notice: s.Sessions.PopString(ctx, sessFlash), Scenarios: a.Scenarios, Heat: heatProps(ctx, base, a.ID, m, counts.Inherent),
		Residual: residualHeatProps(ctx, base, a.ID, m, counts.Residual), ImportReport: st.Import, JewelsTotal: a.Jewels,
		SupplierSummary: supplierSummary(summary), Jewels: jewelRows(ctx, jewels), Suppliers: supplierRows(ctx, suppliers, day),
		Approval: approvalProps(ctx, base, risk.KindAnalysis, ref, standing), Form: riskpages.AnalysisForm{Period: a.Period, ReviewDate: a.ReviewDate.Format("2006-01-02"), Version: a.Version}}
	if st.Form == "status" {
		p.StatusErrors = st.Errors
	} else if st.Form == "" {
		p.Errors = st.Errors
		if st.Input != nil {
			p.Form.Period, p.Form.ReviewDate = st.Input.Period, st.Input.ReviewDate
		}
	}
	if msg := s.Sessions.PopString(ctx, sessImported); msg != "" {
		p.ImportNotice = msg
	}
	if a.AdoptedAt != nil {
		p.Adopted = i18n.T(ctx, "risk.adopted.by", a.AdoptedBy, i18n.DateTime(ctx, *a.AdoptedAt), a.AdoptionNote)
	}
	for _, to := range risk.NextStatuses(actor, a.Status) {
		p.Actions = append(p.Actions, riskpages.StatusAction{To: string(to), NeedsNote: to == risk.StatusAdopted})
	}
	analysisURL := fmt.Sprintf("%s/risks/%d", base, a.ID)
	p.Steps = []riskpages.Step{
		{Key: "jewels", Href: analysisURL + "#jewels", Count: a.Jewels, Current: true, Available: true},
		{Key: "threats", Href: analysisURL + "/scenarios", Count: a.Scenarios, Available: true},
		// Steps 3 and 4 happen per scenario (its resilience page), reached
		// from the scenario list.
		{Key: "resilience", Href: analysisURL + "/scenarios", Count: counts.Assessed, Available: true},
		{Key: "treatment", Href: analysisURL + "/scenarios", Count: counts.Treated, Available: true},
	}
	s.render(w, r, st.status(), riskpages.Analysis(p))
}

func hoursText(ctx context.Context, h *int) string {
	if h == nil {
		return "–"
	}
	return i18n.T(ctx, "risk.hours", *h)
}

// jewelRows are crown jewels as the lists show them.
func jewelRows(ctx context.Context, jewels []risk.JewelRow) []riskpages.JewelRow {
	out := make([]riskpages.JewelRow, 0, len(jewels))
	for _, j := range jewels {
		out = append(out, riskpages.JewelRow{ID: j.ID, Name: j.Name, Level: j.Level, Owner: j.OwnerName, A: j.Availability, I: j.Integrity,
			C: j.Confidentiality, RTO: hoursText(ctx, j.RTOHours), RPO: hoursText(ctx, j.RPOHours), Suppliers: strings.Join(j.Suppliers, ", ")})
	}
	return out
}

// supplierRows are suppliers as the register shows them on day.
func supplierRows(ctx context.Context, suppliers []risk.Supplier, day time.Time) []riskpages.SupplierRow {
	out := make([]riskpages.SupplierRow, 0, len(suppliers))
	for _, sp := range suppliers {
		row := riskpages.SupplierRow{ID: sp.ID, Name: sp.Name, Service: sp.Service, Criticality: sp.MaxBIV,
			Jewels: strings.Join(sp.Jewels, ", "), ClausesMissing: sp.ClausesMissing(), Concentrated: sp.Concentrated(),
			CertExpired: sp.CertificationExpired(day), LastAssessed: displayDate(ctx, sp.LastAssessed)}
		if sp.AssessmentResult != "" {
			row.Assessment = i18n.T(ctx, "risk.assessment."+sp.AssessmentResult)
		}
		out = append(out, row)
	}
	return out
}

func supplierSummary(s risk.SupplierSummary) riskpages.SupplierSummaryProps {
	return riskpages.SupplierSummaryProps{Total: s.Total, Concentrated: s.Concentrated, ClausesMissing: s.ClausesMissing, CertExpired: s.CertExpired}
}

func (s *Server) riskAnalysisSave(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	actor := authz.ActorFrom(ctx)
	id, ok := s.idParam(w, r, "analysisID")
	if !ok {
		return
	}
	in := analysisInput(r)
	err := risk.UpdateAnalysis(ctx, s.Pool, actor, id, in, today())
	form := &riskpages.AnalysisForm{Period: in.Period, ReviewDate: in.ReviewDate, Version: in.Version}
	if c, ok := risk.IsConflict(err); ok {
		cur := c.Current.(risk.Analysis)
		s.renderRiskAnalysis(w, r, analysisState{FormState: FormState[riskpages.AnalysisForm, []components.Fact]{Status: http.StatusConflict,
			Input: form, Conflict: riskFacts(ctx, cur.UpdatedBy, cur.UpdatedAt,
				components.Fact{Label: i18n.T(ctx, "risk.period"), Value: cur.Period},
				components.Fact{Label: i18n.T(ctx, "risk.review_date"), Value: i18n.Date(ctx, cur.ReviewDate)})}})
		return
	}
	if validate.Fields(err) == nil && s.riskError(w, r, err) {
		return
	}
	s.afterSave(w, r, err, func(errs map[string]string) {
		s.renderRiskAnalysis(w, r, analysisState{FormState: FormState[riskpages.AnalysisForm, []components.Fact]{
			Status: http.StatusUnprocessableEntity, Input: form, Errors: errs}})
	}, "risk.analysis.saved", fmt.Sprintf("%s/risks/%d", entityBase(actor.EntityID), id))
}

func (s *Server) riskStatus(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	actor := authz.ActorFrom(ctx)
	id, ok := s.idParam(w, r, "analysisID")
	if !ok {
		return
	}
	version, _ := strconv.Atoi(r.PostFormValue("version"))
	err := risk.SetStatus(ctx, s.Pool, actor, id, risk.Status(r.PostFormValue("status")), r.PostFormValue("note"), version)
	if c, ok := risk.IsConflict(err); ok {
		cur := c.Current.(risk.Analysis)
		s.renderRiskAnalysis(w, r, analysisState{FormState: FormState[riskpages.AnalysisForm, []components.Fact]{Status: http.StatusConflict,
			Form: "status", Conflict: riskFacts(ctx, cur.UpdatedBy, cur.UpdatedAt,
				components.Fact{Label: i18n.T(ctx, "risk.status"), Value: i18n.T(ctx, "risk.status."+string(cur.Status))})}})
		return
	}
	if validate.Fields(err) == nil && s.riskError(w, r, err) {
		return
	}
	s.afterSave(w, r, err, func(errs map[string]string) {
		s.renderRiskAnalysis(w, r, analysisState{FormState: FormState[riskpages.AnalysisForm, []components.Fact]{
			Status: http.StatusUnprocessableEntity, Form: "status", Errors: errs}})
	}, "risk.analysis.status_saved", fmt.Sprintf("%s/risks/%d", entityBase(actor.EntityID), id))
}

// sessImported carries the import's success message to the next page.
const sessImported = "risk_imported"

func (s *Server) riskImport(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	actor := authz.ActorFrom(ctx)
	id, ok := s.idParam(w, r, "analysisID")
	if !ok {
		return
	}
	r.Body = http.MaxBytesReader(w, r.Body, risk.MaxImportBytes+64<<10)
	var raw []byte
	file, _, err := r.FormFile("file")
	if err == nil {
		raw, err = io.ReadAll(file)
		_ = file.Close()
	}
	if err != nil {
		if s.tooLarge(w, r, err) {
			return
		}
		s.errorPage(w, r, http.StatusBadRequest)
		return
	}
	n, err := risk.ImportJewels(ctx, s.Pool, actor, id, raw)
	var report *risk.ImportReport
	if errors.As(err, &report) {
		headers := risk.JewelColumns
		if i18n.LangFrom(ctx) == i18n.NL {
			headers = risk.JewelColumnsNL
		}
		var rows []riskpages.ImportRow
		for _, e := range report.Errors {
			col := e.Column
			if k := slices.Index(risk.JewelColumns, e.Column); k >= 0 {
				col = headers[k]
			}
			rows = append(rows, riskpages.ImportRow{Line: e.Line, Column: col, Text: i18n.T(ctx, e.Key)})
		}
		s.renderRiskAnalysis(w, r, analysisState{FormState: FormState[riskpages.AnalysisForm, []components.Fact]{
			Status: http.StatusUnprocessableEntity, Form: "import"}, Import: rows})
		return
	}
	if s.riskError(w, r, err) {
		return
	}
	s.Sessions.Put(ctx, sessImported, i18n.T(ctx, "risk.import.done", n))
	http.Redirect(w, r, fmt.Sprintf("%s/risks/%d#jewels", entityBase(actor.EntityID), id), http.StatusSeeOther)
}

// riskJewelsCSV exports an analysis's jewels in the user's language, in the
// format the import reads.
func (s *Server) riskJewelsCSV(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	actor := authz.ActorFrom(ctx)
	a, _, ok := s.riskAnalysisBase(w, r)
	if !ok {
		return
	}
	jewels, err := risk.Jewels(ctx, s.Pool, actor.EntityID, a.ID)
	if err != nil {
		s.serverError(w, r, err)
		return
	}
	suppliers, err := risk.Suppliers(ctx, s.Pool, actor.EntityID, a.ID)
	if err != nil {
		s.serverError(w, r, err)
		return
	}
	emails, err := s.memberEmails(ctx, actor.EntityID)
	if err != nil {
		s.serverError(w, r, err)
		return
	}
	names := map[int64]string{}
	for _, sp := range suppliers {
		names[sp.ID] = sp.Name
	}
	nl := i18n.LangFrom(ctx) == i18n.NL
	headers, file := risk.JewelColumns, "crown-jewels-"
	if nl {
		headers, file = risk.JewelColumnsNL, "kroonjuwelen-"
	}
	attachment(w, "text/csv; charset=utf-8", file+entityFrom(ctx).Slug+"-"+safeFilePart(a.Period)+".csv")
	cw := newCSV(w, i18n.LangFrom(ctx))
	cw.row(slices.Clone(headers)...)
	for _, j := range jewels {
		level := j.Level
		if nl {
			level = risk.LevelNamesNL[slices.Index(risk.JewelLevels, j.Level)]
		}
		var sup []string
		for _, id := range j.SupplierIDs {
			sup = append(sup, names[id])
		}
		owner := ""
		if j.OwnerID != nil {
			owner = emails[*j.OwnerID]
		}
		cw.row(j.Name, level, j.Description, owner, strconv.Itoa(j.Availability), strconv.Itoa(j.Integrity),
			strconv.Itoa(j.Confidentiality), optInt(j.RTOHours), optInt(j.RPOHours), strings.Join(sup, "|"))
	}
	cw.flush()
}

func optInt(n *int) string {
	if n == nil {
		return ""
	}
	return strconv.Itoa(*n)
}

// safeFilePart keeps letters, digits and dashes of s for a file name.
func safeFilePart(s string) string {
	var b strings.Builder
	for _, r := range s {
		if r < 128 && (r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || r == '-') {
			b.WriteRune(r)
		}
	}
	return b.String()
}

func (s *Server) memberEmails(ctx context.Context, entityID int64) (map[int64]string, error) {
	rows, err := s.Pool.Query(ctx, `SELECT u.id, u.email FROM memberships m JOIN users u ON u.id = m.user_id WHERE m.entity_id = $1`, entityID)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := map[int64]string{}
	for rows.Next() {
		var id int64
		var email string
		if err := rows.Scan(&id, &email); err != nil {
			return nil, err
		}
		out[id] = email
	}
	return out, rows.Err()
}

// jewelState is a jewel page after a failed save.
type jewelState = FormState[risk.JewelInput, []components.Fact]

func (s *Server) riskJewelNew(w http.ResponseWriter, r *http.Request) {
	s.renderRiskJewel(w, r, 0, jewelState{})
}

func (s *Server) riskJewel(w http.ResponseWriter, r *http.Request) {
	id, ok := s.idParam(w, r, "jewelID")
	if !ok {
		return
	}
	s.renderRiskJewel(w, r, id, jewelState{})
}

func bivOptions(ctx context.Context) []components.Option {
	out := []components.Option{}
	for n := 1; n <= 4; n++ {
		out = append(out, components.Option{Value: strconv.Itoa(n), Label: strconv.Itoa(n) + " – " + i18n.T(ctx, "risk.biv."+strconv.Itoa(n))})
	}
	return out
}

// recordAnalysis resolves the analysis a jewel or supplier page belongs to:
// the record's own (analysisOf loads the record) when id is set, else
// {analysisID} from the URL for a new record, which needs an analysis that
// can still be changed. It writes the error page and returns false when the
// record or analysis is not the entity's (404) or is locked.
func (s *Server) recordAnalysis(w http.ResponseWriter, r *http.Request, id int64, analysisOf func() (int64, error)) (risk.Analysis, bool) {
	var analysisID int64
	if id != 0 {
		var err error
		if analysisID, err = analysisOf(); s.riskError(w, r, err) {
			return risk.Analysis{}, false
		}
	} else {
		var ok bool
		if analysisID, ok = s.idParam(w, r, "analysisID"); !ok {
			return risk.Analysis{}, false
		}
	}
	a, err := risk.GetAnalysis(r.Context(), s.Pool, authz.ActorFrom(r.Context()).EntityID, analysisID)
	if s.riskError(w, r, err) {
		return risk.Analysis{}, false
	}
	if id == 0 && !a.Status.Editable() {
		s.riskError(w, r, risk.ErrLocked)
		return risk.Analysis{}, false
	}
	return a, true
}

// renderRiskJewel shows a new (id 0, analysis from the URL) or existing
// jewel.
func (s *Server) renderRiskJewel(w http.ResponseWriter, r *http.Request, id int64, st jewelState, ev ...*measures.EvidenceProps) {
	ctx := r.Context()
	actor := authz.ActorFrom(ctx)
	var j risk.Jewel
	a, ok := s.recordAnalysis(w, r, id, func() (int64, error) {
		var err error
		j, err = risk.GetJewel(ctx, s.Pool, actor.EntityID, id)
		return j.AnalysisID, err
	})
	if !ok {
		return
	}
	analysisID := a.ID
	owners, err := s.ownerOptions(ctx, actor.EntityID)
	if err != nil {
		s.serverError(w, r, err)
		return
	}
	suppliers, err := risk.Suppliers(ctx, s.Pool, actor.EntityID, analysisID)
	if err != nil {
		s.serverError(w, r, err)
		return
	}
	jewels, err := risk.Jewels(ctx, s.Pool, actor.EntityID, analysisID)
	if err != nil {
		s.serverError(w, r, err)
		return
	}
	base := entityBase(actor.EntityID)
	p := riskpages.JewelProps{Shell: s.shell(r, "risk.step.jewels", "risks"), Base: base, AnalysisID: analysisID, Period: a.Period, ID: id,
		Owners: owners, BIV: bivOptions(ctx), CanEdit: actor.Can(authz.RiskEdit) && a.Status.Editable(), Errors: st.Errors,
		Conflict: st.Conflict, Notice: s.Sessions.PopString(ctx, sessFlash), Profile: [3]int{j.Availability, j.Integrity, j.Confidentiality}}
	for _, l := range risk.JewelLevels {
		p.Levels = append(p.Levels, components.Option{Value: l, Label: i18n.T(ctx, "risk.jewel.level."+l)})
	}
	in := risk.JewelInput{Name: j.Name, Level: j.Level, Description: j.Description, OwnerID: idValue(j.OwnerID),
		Availability: strconv.Itoa(j.Availability), Integrity: strconv.Itoa(j.Integrity), Confidentiality: strconv.Itoa(j.Confidentiality),
		RTOHours: optInt(j.RTOHours), RPOHours: optInt(j.RPOHours), Version: j.Version}
	for _, sid := range j.SupplierIDs {
		in.Suppliers = append(in.Suppliers, strconv.FormatInt(sid, 10))
	}
	for _, did := range j.DependsOn {
		in.DependsOn = append(in.DependsOn, strconv.FormatInt(did, 10))
	}
	if id == 0 {
		in.Level, in.Availability, in.Integrity, in.Confidentiality = "process", "2", "2", "2"
	}
	if st.Input != nil {
		in = *st.Input
		if st.Conflict != nil {
			in.Version = j.Version
		}
	}
	p.Form = riskpages.JewelForm{Name: in.Name, Level: in.Level, Description: in.Description, Owner: in.OwnerID, Availability: in.Availability,
		Integrity: in.Integrity, Confidentiality: in.Confidentiality, RTO: in.RTOHours, RPO: in.RPOHours, Version: in.Version}
	for _, sp := range suppliers {
		v := strconv.FormatInt(sp.ID, 10)
		p.Suppliers = append(p.Suppliers, riskpages.Check{Value: v, Label: sp.Name, Checked: slices.Contains(in.Suppliers, v)})
	}
	for _, other := range jewels {
		if other.ID == id {
			continue
		}
		v := strconv.FormatInt(other.ID, 10)
		p.Jewels = append(p.Jewels, riskpages.Check{Value: v, Label: other.Name, Checked: slices.Contains(in.DependsOn, v)})
	}
	if len(ev) > 0 && ev[0] != nil {
		p.Evidence = ev[0]
	} else if id != 0 {
		ev, err := s.evidenceProps(r, evidence.Subject{Type: risk.SubjectJewel, Ref: strconv.FormatInt(id, 10)})
		if err != nil {
			s.serverError(w, r, err)
			return
		}
		p.Evidence = &ev
	}
	s.render(w, r, st.status(), riskpages.Jewel(p))
}

func jewelInput(r *http.Request) risk.JewelInput {
	_ = r.ParseForm()
	version, _ := strconv.Atoi(r.PostForm.Get("version"))
	return risk.JewelInput{Name: r.PostForm.Get("name"), Level: r.PostForm.Get("level"), Description: r.PostForm.Get("description"),
		OwnerID: r.PostForm.Get("owner"), Availability: r.PostForm.Get("availability"), Integrity: r.PostForm.Get("integrity"),
		Confidentiality: r.PostForm.Get("confidentiality"), RTOHours: r.PostForm.Get("rto_hours"), RPOHours: r.PostForm.Get("rpo_hours"),
		Suppliers: r.PostForm["suppliers"], DependsOn: r.PostForm["depends_on"], Version: version}
}

func (s *Server) riskJewelCreate(w http.ResponseWriter, r *http.Request) {
	s.riskJewelWrite(w, r, 0)
}

func (s *Server) riskJewelSave(w http.ResponseWriter, r *http.Request) {
	id, ok := s.idParam(w, r, "jewelID")
	if !ok {
		return
	}
	s.riskJewelWrite(w, r, id)
}

func (s *Server) riskJewelWrite(w http.ResponseWriter, r *http.Request, id int64) {
	ctx := r.Context()
	actor := authz.ActorFrom(ctx)
	var analysisID int64
	if id == 0 {
		var ok bool
		if analysisID, ok = s.idParam(w, r, "analysisID"); !ok {
			return
		}
	}
	in := jewelInput(r)
	saved, err := risk.SaveJewel(ctx, s.Pool, actor, analysisID, id, in)
	if c, ok := risk.IsConflict(err); ok {
		cur := c.Current.(risk.Jewel)
		s.renderRiskJewel(w, r, id, jewelState{Status: http.StatusConflict, Input: &in, Conflict: riskFacts(ctx, cur.UpdatedBy, cur.UpdatedAt,
			components.Fact{Label: i18n.T(ctx, "risk.name"), Value: cur.Name},
			components.Fact{Label: i18n.T(ctx, "risk.biv.full"), Value: fmt.Sprintf("%d / %d / %d", cur.Availability, cur.Integrity, cur.Confidentiality)},
			components.Fact{Label: i18n.T(ctx, "risk.owner"), Value: cur.OwnerName})})
		return
	}
	if validate.Fields(err) == nil && s.riskError(w, r, err) {
		return
	}
	s.afterSave(w, r, err, func(errs map[string]string) {
		s.renderRiskJewel(w, r, id, jewelState{Status: http.StatusUnprocessableEntity, Input: &in, Errors: errs})
	}, "risk.saved", fmt.Sprintf("%s/risks/jewels/%d", entityBase(actor.EntityID), saved.ID))
}

// supplierState is a supplier page after a failed save.
type supplierState = FormState[risk.SupplierInput, []components.Fact]

func (s *Server) riskSupplierNew(w http.ResponseWriter, r *http.Request) {
	s.renderRiskSupplier(w, r, 0, supplierState{})
}

func (s *Server) riskSupplier(w http.ResponseWriter, r *http.Request) {
	id, ok := s.idParam(w, r, "supplierID")
	if !ok {
		return
	}
	s.renderRiskSupplier(w, r, id, supplierState{})
}

func (s *Server) renderRiskSupplier(w http.ResponseWriter, r *http.Request, id int64, st supplierState, ev ...*measures.EvidenceProps) {
	ctx := r.Context()
	actor := authz.ActorFrom(ctx)
	var sp risk.Supplier
	a, ok := s.recordAnalysis(w, r, id, func() (int64, error) {
		var err error
		sp, err = risk.GetSupplier(ctx, s.Pool, actor.EntityID, id)
		return sp.AnalysisID, err
	})
	if !ok {
		return
	}
	analysisID := a.ID
	p := riskpages.SupplierProps{Shell: s.shell(r, "risk.suppliers", "risks"), Base: entityBase(actor.EntityID), AnalysisID: analysisID,
		Period: a.Period, ID: id, Jewels: strings.Join(sp.Jewels, ", "), Criticality: sp.MaxBIV, Concentrated: sp.Concentrated(),
		CanEdit: actor.Can(authz.RiskEdit) && a.Status.Editable(), Errors: st.Errors, Conflict: st.Conflict, Notice: s.Sessions.PopString(ctx, sessFlash)}
	for _, res := range risk.AssessmentResults {
		label := i18n.T(ctx, "risk.assessment.none")
		if res != "" {
			label = i18n.T(ctx, "risk.assessment."+res)
		}
		p.Results = append(p.Results, components.Option{Value: res, Label: label})
	}
	in := risk.SupplierInput{Name: sp.Name, Service: sp.Service, Certifications: sp.Certifications,
		CertificationExpiry: dateValue(sp.CertificationExpiry), LastAssessed: dateValue(sp.LastAssessed),
		AssessmentResult: sp.AssessmentResult, Notes: sp.Notes, Version: sp.Version}
	for _, c := range risk.Clauses {
		if sp.Clause(c) {
			in.Clauses = append(in.Clauses, c)
		}
	}
	if st.Input != nil {
		in = *st.Input
		if st.Conflict != nil {
			in.Version = sp.Version
		}
	}
	p.Form = riskpages.SupplierForm{Name: in.Name, Service: in.Service, Certifications: in.Certifications,
		CertificationExpiry: in.CertificationExpiry, LastAssessed: in.LastAssessed, AssessmentResult: in.AssessmentResult,
		Notes: in.Notes, Version: in.Version}
	for _, c := range risk.Clauses {
		p.Form.Clauses = append(p.Form.Clauses, riskpages.Check{Value: c, Label: i18n.T(ctx, "risk.clause."+c), Checked: slices.Contains(in.Clauses, c)})
	}
	if len(ev) > 0 && ev[0] != nil {
		p.Evidence = ev[0]
	} else if id != 0 {
		ev, err := s.evidenceProps(r, evidence.Subject{Type: risk.SubjectSupplier, Ref: strconv.FormatInt(id, 10)})
		if err != nil {
			s.serverError(w, r, err)
			return
		}
		p.Evidence = &ev
	}
	s.render(w, r, st.status(), riskpages.Supplier(p))
}

func (s *Server) riskSupplierCreate(w http.ResponseWriter, r *http.Request) {
	s.riskSupplierWrite(w, r, 0)
}

func (s *Server) riskSupplierSave(w http.ResponseWriter, r *http.Request) {
	id, ok := s.idParam(w, r, "supplierID")
	if !ok {
		return
	}
	s.riskSupplierWrite(w, r, id)
}

func (s *Server) riskSupplierWrite(w http.ResponseWriter, r *http.Request, id int64) {
	ctx := r.Context()
	actor := authz.ActorFrom(ctx)
	var analysisID int64
	if id == 0 {
		var ok bool
		if analysisID, ok = s.idParam(w, r, "analysisID"); !ok {
			return
		}
	}
	_ = r.ParseForm()
	version, _ := strconv.Atoi(r.PostForm.Get("version"))
	in := risk.SupplierInput{Name: r.PostForm.Get("name"), Service: r.PostForm.Get("service"), Certifications: r.PostForm.Get("certifications"),
		CertificationExpiry: r.PostForm.Get("certification_expiry"), LastAssessed: r.PostForm.Get("last_assessed"),
		AssessmentResult: r.PostForm.Get("assessment_result"), Notes: r.PostForm.Get("notes"), Clauses: r.PostForm["clauses"], Version: version}
	saved, err := risk.SaveSupplier(ctx, s.Pool, actor, analysisID, id, in)
	if c, ok := risk.IsConflict(err); ok {
		cur := c.Current.(risk.Supplier)
		s.renderRiskSupplier(w, r, id, supplierState{Status: http.StatusConflict, Input: &in, Conflict: riskFacts(ctx, cur.UpdatedBy, cur.UpdatedAt,
			components.Fact{Label: i18n.T(ctx, "risk.name"), Value: cur.Name},
			components.Fact{Label: i18n.T(ctx, "risk.supplier.service"), Value: cur.Service})})
		return
	}
	if validate.Fields(err) == nil && s.riskError(w, r, err) {
		return
	}
	s.afterSave(w, r, err, func(errs map[string]string) {
		s.renderRiskSupplier(w, r, id, supplierState{Status: http.StatusUnprocessableEntity, Input: &in, Errors: errs})
	}, "risk.saved", fmt.Sprintf("%s/risks/suppliers/%d", entityBase(actor.EntityID), saved.ID))
}

// threatState is the threats page after a failed save.
type threatState = FormState[risk.ThreatInput, []components.Fact]

func (s *Server) riskThreats(w http.ResponseWriter, r *http.Request) {
	s.renderRiskThreats(w, r, 0, threatState{})
}

func (s *Server) riskThreat(w http.ResponseWriter, r *http.Request) {
	id, ok := s.idParam(w, r, "threatID")
	if !ok {
		return
	}
	s.renderRiskThreats(w, r, id, threatState{})
}

func (s *Server) renderRiskThreats(w http.ResponseWriter, r *http.Request, id int64, st threatState) {
	ctx := r.Context()
	actor := authz.ActorFrom(ctx)
	cat := risk.Threats()
	p := riskpages.ThreatsProps{Shell: s.shell(r, "risk.threats.title", "risks"), Base: entityBase(actor.EntityID), Version: cat.Version,
		EditID: id, CanEdit: actor.Can(authz.RiskEdit), Errors: st.Errors, Conflict: st.Conflict, Notice: s.Sessions.PopString(ctx, sessFlash)}
	in := risk.ThreatInput{}
	if id != 0 {
		t, err := risk.GetEntityThreat(ctx, s.Pool, actor.EntityID, id)
		if s.riskError(w, r, err) {
			return
		}
		in = risk.ThreatInput{Name: t.Name, Description: t.Description, Aspects: t.Aspects(), Version: t.Version}
		if st.Input != nil && st.Conflict != nil {
			st.Input.Version = t.Version
		}
	} else {
		for _, t := range cat.Threats {
			p.Catalogue = append(p.Catalogue, riskpages.ThreatRow{Code: t.Code, Name: t.Name.In(ctx), Description: t.Description.In(ctx),
				Group: t.Group, Aspects: aspectsText(ctx, t.Aspects)})
		}
		own, err := risk.EntityThreats(ctx, s.Pool, actor.EntityID)
		if err != nil {
			s.serverError(w, r, err)
			return
		}
		for _, t := range own {
			p.Own = append(p.Own, riskpages.ThreatRow{ID: t.ID, Name: t.Name, Description: t.Description, Aspects: aspectsText(ctx, t.Aspects())})
		}
	}
	if st.Input != nil {
		in = *st.Input
	}
	p.Form = riskpages.ThreatForm{Name: in.Name, Description: in.Description, A: in.Aspects.Availability, I: in.Aspects.Integrity,
		C: in.Aspects.Confidentiality, Version: in.Version}
	s.render(w, r, st.status(), riskpages.Threats(p))
}

func aspectsFrom(values []string) risk.Aspects {
	return risk.Aspects{Availability: slices.Contains(values, "availability"), Integrity: slices.Contains(values, "integrity"),
		Confidentiality: slices.Contains(values, "confidentiality")}
}

func (s *Server) riskThreatCreate(w http.ResponseWriter, r *http.Request) { s.riskThreatWrite(w, r, 0) }

func (s *Server) riskThreatSave(w http.ResponseWriter, r *http.Request) {
	id, ok := s.idParam(w, r, "threatID")
	if !ok {
		return
	}
	s.riskThreatWrite(w, r, id)
}

func (s *Server) riskThreatWrite(w http.ResponseWriter, r *http.Request, id int64) {
	ctx := r.Context()
	actor := authz.ActorFrom(ctx)
	_ = r.ParseForm()
	version, _ := strconv.Atoi(r.PostForm.Get("version"))
	in := risk.ThreatInput{Name: r.PostForm.Get("name"), Description: r.PostForm.Get("description"), Aspects: aspectsFrom(r.PostForm["aspects"]), Version: version}
	_, err := risk.SaveEntityThreat(ctx, s.Pool, actor, id, in)
	if c, ok := risk.IsConflict(err); ok {
		cur := c.Current.(risk.EntityThreat)
		s.renderRiskThreats(w, r, id, threatState{Status: http.StatusConflict, Input: &in, Conflict: riskFacts(ctx, cur.UpdatedBy, cur.UpdatedAt,
			components.Fact{Label: i18n.T(ctx, "risk.name"), Value: cur.Name},
			components.Fact{Label: i18n.T(ctx, "risk.aspects"), Value: aspectsText(ctx, cur.Aspects())})})
		return
	}
	if validate.Fields(err) == nil && s.riskError(w, r, err) {
		return
	}
	s.afterSave(w, r, err, func(errs map[string]string) {
		s.renderRiskThreats(w, r, id, threatState{Status: http.StatusUnprocessableEntity, Input: &in, Errors: errs})
	}, "risk.saved", entityBase(actor.EntityID)+"/risks/threats")
}

// threatOptions lists the catalogue's threats and the entity's own for a
// scenario's threat field, and names them by their reference.
func threatOptions(ctx context.Context, own []risk.EntityThreat) ([]components.Option, map[string]string) {
	names := map[string]string{}
	opts := []components.Option{}
	for _, t := range risk.Threats().Threats {
		ref := risk.ThreatRef{Code: t.Code}.String()
		names[ref] = t.Name.In(ctx)
		opts = append(opts, components.Option{Value: ref, Label: t.Name.In(ctx)})
	}
	for _, t := range own {
		ref := risk.ThreatRef{ID: t.ID}.String()
		names[ref] = t.Name
		opts = append(opts, components.Option{Value: ref, Label: t.Name + " (" + i18n.T(ctx, "risk.threats.own.short") + ")"})
	}
	return opts, names
}

func scenarioName(ctx context.Context, sc risk.Scenario) string {
	if sc.ThreatCode != nil {
		if t, ok := risk.Threats().Threat(*sc.ThreatCode); ok {
			return t.Name.In(ctx)
		}
		return *sc.ThreatCode
	}
	return sc.ThreatName
}

func scenarioRow(ctx context.Context, sc risk.Scenario, tolerance risk.Level) riskpages.ScenarioRow {
	row := scenarioRowBase(ctx, sc, tolerance)
	if sc.Treatment != nil {
		row.Treatment = i18n.T(ctx, "risk.treatment."+*sc.Treatment)
	}
	switch {
	case sc.Acceptance != nil && *sc.Acceptance == risk.AcceptanceRequested:
		row.Acceptance = "requested"
	case sc.ReviewDue(today()):
		row.Acceptance = "due"
	}
	return row
}

func scenarioRowBase(ctx context.Context, sc risk.Scenario, tolerance risk.Level) riskpages.ScenarioRow {
	return riskpages.ScenarioRow{ID: sc.ID, Jewel: sc.JewelName, Threat: scenarioName(ctx, sc), Aspects: aspectsText(ctx, sc.Aspects()),
		Likelihood: sc.Likelihood, Impact: sc.Impact, Level: levelKey(sc.Level), AboveTolerance: risk.AboveTolerance(sc.Level, tolerance),
		Residual: levelKey(sc.ResidualLevel), ResidualAboveTolerance: risk.AboveTolerance(sc.ResidualLevel, tolerance)}
}

// scenarioState is a scenario form after a failed save.
type scenarioState = FormState[risk.ScenarioInput, []components.Fact]

func (s *Server) riskScenarios(w http.ResponseWriter, r *http.Request) {
	s.renderRiskScenarios(w, r, scenarioState{})
}

func (s *Server) renderRiskScenarios(w http.ResponseWriter, r *http.Request, st scenarioState) {
	ctx := r.Context()
	actor := authz.ActorFrom(ctx)
	a, m, ok := s.riskAnalysisBase(w, r)
	if !ok {
		return
	}
	q := r.URL.Query()
	f := risk.ScenarioFilter{}
	f.Likelihood, _ = strconv.Atoi(q.Get("likelihood"))
	f.Impact, _ = strconv.Atoi(q.Get("impact"))
	f.JewelID, _ = strconv.ParseInt(q.Get("jewel"), 10, 64)
	f.ResidualLikelihood, _ = strconv.Atoi(q.Get("residual_likelihood"))
	f.ResidualImpact, _ = strconv.Atoi(q.Get("residual_impact"))
	if f.Likelihood < 0 || f.Likelihood > risk.ScaleMax || f.Impact < 0 || f.Impact > risk.ScaleMax || f.JewelID < 0 ||
		f.ResidualLikelihood < 0 || f.ResidualLikelihood > risk.ScaleMax || f.ResidualImpact < 0 || f.ResidualImpact > risk.ScaleMax {
		s.errorPage(w, r, http.StatusBadRequest)
		return
	}
	rows, err := risk.Scenarios(ctx, s.Pool, actor.EntityID, a.ID, f)
	if err != nil {
		s.serverError(w, r, err)
		return
	}
	jewels, err := risk.Jewels(ctx, s.Pool, actor.EntityID, a.ID)
	if err != nil {
		s.serverError(w, r, err)
		return
	}
	own, err := risk.EntityThreats(ctx, s.Pool, actor.EntityID)
	if err != nil {
		s.serverError(w, r, err)
		return
	}
	counts, err := risk.InherentCounts(ctx, s.Pool, actor.EntityID, a.ID)
	if err != nil {
		s.serverError(w, r, err)
		return
	}
	base := entityBase(actor.EntityID)
	p := riskpages.ScenariosProps{Shell: s.shell(r, "risk.step.threats", "risks"), Base: base, AnalysisID: a.ID, Period: a.Period,
		Truncated: len(rows) == risk.MaxScenarioList, Scale: scaleGuide(ctx, m), CanEdit: actor.Can(authz.RiskEdit) && a.Status.Editable(),
		Errors: st.Errors, Notice: s.Sessions.PopString(ctx, sessFlash), Heat: heatProps(ctx, base, a.ID, m, counts)}
	var filters []string
	if f.Likelihood > 0 {
		filters = append(filters, i18n.T(ctx, "risk.likelihood")+" "+strconv.Itoa(f.Likelihood))
	}
	if f.Impact > 0 {
		filters = append(filters, i18n.T(ctx, "risk.impact")+" "+strconv.Itoa(f.Impact))
	}
	if f.ResidualLikelihood > 0 {
		filters = append(filters, i18n.T(ctx, "audit.field.residual_likelihood")+" "+strconv.Itoa(f.ResidualLikelihood))
	}
	if f.ResidualImpact > 0 {
		filters = append(filters, i18n.T(ctx, "audit.field.residual_impact")+" "+strconv.Itoa(f.ResidualImpact))
	}
	for _, j := range jewels {
		p.Jewels = append(p.Jewels, components.Option{Value: strconv.FormatInt(j.ID, 10), Label: j.Name})
		if j.ID == f.JewelID {
			filters = append(filters, i18n.T(ctx, "risk.jewel")+" "+j.Name)
		}
	}
	p.Filter = strings.Join(filters, " · ")
	p.Threats, _ = threatOptions(ctx, own)
	for _, sc := range rows {
		p.Rows = append(p.Rows, scenarioRow(ctx, sc, m.Tolerance))
	}
	in := risk.ScenarioInput{Likelihood: "3", Impact: "3"}
	if f.JewelID > 0 {
		in.JewelID = strconv.FormatInt(f.JewelID, 10)
	}
	if st.Input != nil {
		in = *st.Input
	}
	p.Form = scenarioForm(in)
	s.render(w, r, st.status(), riskpages.Scenarios(p))
}

func scenarioForm(in risk.ScenarioInput) riskpages.ScenarioForm {
	return riskpages.ScenarioForm{Jewel: in.JewelID, Threat: in.Threat, A: in.Aspects.Availability, I: in.Aspects.Integrity,
		C: in.Aspects.Confidentiality, Likelihood: in.Likelihood, Impact: in.Impact, Description: in.Description, Version: in.Version}
}

func scenarioInput(r *http.Request) risk.ScenarioInput {
	_ = r.ParseForm()
	version, _ := strconv.Atoi(r.PostForm.Get("version"))
	return risk.ScenarioInput{JewelID: r.PostForm.Get("jewel"), Threat: r.PostForm.Get("threat"), Aspects: aspectsFrom(r.PostForm["aspects"]),
		Likelihood: r.PostForm.Get("likelihood"), Impact: r.PostForm.Get("impact"), Description: r.PostForm.Get("description"), Version: version}
}

func (s *Server) riskScenarioCreate(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	actor := authz.ActorFrom(ctx)
	id, ok := s.idParam(w, r, "analysisID")
	if !ok {
		return
	}
	in := scenarioInput(r)
	_, err := risk.SaveScenario(ctx, s.Pool, actor, id, 0, in)
	if validate.Fields(err) == nil && s.riskError(w, r, err) {
		return
	}
	s.afterSave(w, r, err, func(errs map[string]string) {
		s.renderRiskScenarios(w, r, scenarioState{Status: http.StatusUnprocessableEntity, Input: &in, Errors: errs})
	}, "risk.scenario.created", fmt.Sprintf("%s/risks/%d/scenarios", entityBase(actor.EntityID), id))
}

func (s *Server) riskScenario(w http.ResponseWriter, r *http.Request) {
	s.renderRiskScenario(w, r, scenarioState{})
}

func (s *Server) renderRiskScenario(w http.ResponseWriter, r *http.Request, st scenarioState, ev ...*measures.EvidenceProps) {
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
	jewels, err := risk.Jewels(ctx, s.Pool, actor.EntityID, a.ID)
	if err != nil {
		s.serverError(w, r, err)
		return
	}
	own, err := risk.EntityThreats(ctx, s.Pool, actor.EntityID)
	if err != nil {
		s.serverError(w, r, err)
		return
	}
	threatName := scenarioName(ctx, sc)
	p := riskpages.ScenarioProps{Shell: s.shell(r, "risk.step.threats", "risks"), Base: entityBase(actor.EntityID), AnalysisID: a.ID,
		Period: a.Period, ID: sc.ID, Title: sc.JewelName + " × " + threatName, Level: levelKey(sc.Level),
		AboveTolerance: risk.AboveTolerance(sc.Level, m.Tolerance), Scale: scaleGuide(ctx, m),
		CanEdit: actor.Can(authz.RiskEdit) && a.Status.Editable(), Errors: st.Errors, Conflict: st.Conflict, Notice: s.Sessions.PopString(ctx, sessFlash)}
	if sc.ThreatCode != nil {
		if t, ok := risk.Threats().Threat(*sc.ThreatCode); ok {
			p.ThreatText = t.Description.In(ctx)
		}
	}
	for _, j := range jewels {
		p.Jewels = append(p.Jewels, components.Option{Value: strconv.FormatInt(j.ID, 10), Label: j.Name})
	}
	p.Threats, _ = threatOptions(ctx, own)
	in := risk.ScenarioInput{JewelID: strconv.FormatInt(sc.JewelID, 10), Threat: sc.Threat().String(), Aspects: sc.Aspects(),
		Likelihood: strconv.Itoa(sc.Likelihood), Impact: strconv.Itoa(sc.Impact), Description: sc.Description, Version: sc.Version}
	if st.Input != nil {
		v := in.Version
		in = *st.Input
		if st.Conflict != nil {
			in.Version = v
		}
	}
	p.Form = scenarioForm(in)
	if len(ev) > 0 && ev[0] != nil {
		p.Evidence = ev[0]
	} else {
		ev, err := s.evidenceProps(r, evidence.Subject{Type: risk.SubjectScenario, Ref: strconv.FormatInt(id, 10)})
		if err != nil {
			s.serverError(w, r, err)
			return
		}
		p.Evidence = &ev
	}
	s.render(w, r, st.status(), riskpages.Scenario(p))
}

func (s *Server) riskScenarioSave(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	actor := authz.ActorFrom(ctx)
	id, ok := s.idParam(w, r, "scenarioID")
	if !ok {
		return
	}
	in := scenarioInput(r)
	_, err := risk.SaveScenario(ctx, s.Pool, actor, 0, id, in)
	if c, ok := risk.IsConflict(err); ok {
		cur := c.Current.(risk.Scenario)
		s.renderRiskScenario(w, r, scenarioState{Status: http.StatusConflict, Input: &in, Conflict: riskFacts(ctx, cur.UpdatedBy, cur.UpdatedAt,
			components.Fact{Label: i18n.T(ctx, "risk.likelihood"), Value: strconv.Itoa(cur.Likelihood)},
			components.Fact{Label: i18n.T(ctx, "risk.impact"), Value: strconv.Itoa(cur.Impact)},
			components.Fact{Label: i18n.T(ctx, "risk.aspects"), Value: aspectsText(ctx, cur.Aspects())})})
		return
	}
	if validate.Fields(err) == nil && s.riskError(w, r, err) {
		return
	}
	s.afterSave(w, r, err, func(errs map[string]string) {
		s.renderRiskScenario(w, r, scenarioState{Status: http.StatusUnprocessableEntity, Input: &in, Errors: errs})
	}, "risk.saved", fmt.Sprintf("%s/risks/scenarios/%d", entityBase(actor.EntityID), id))
}

// riskEvidencePages re-render a risk record's page after a failed evidence
// upload or link (422), with the evidence form's errors and input; see
// evidencePages.
func (s *Server) riskEvidencePages() map[string]func(w http.ResponseWriter, r *http.Request, ref string, ev *measures.EvidenceProps) {
	failed := http.StatusUnprocessableEntity
	record := func(render func(w http.ResponseWriter, r *http.Request, id int64, ev *measures.EvidenceProps)) func(w http.ResponseWriter, r *http.Request, ref string, ev *measures.EvidenceProps) {
		return func(w http.ResponseWriter, r *http.Request, ref string, ev *measures.EvidenceProps) {
			id, err := strconv.ParseInt(ref, 10, 64)
			if err != nil {
				s.errorPage(w, r, http.StatusNotFound)
				return
			}
			render(w, r, id, ev)
		}
	}
	return map[string]func(w http.ResponseWriter, r *http.Request, ref string, ev *measures.EvidenceProps){
		risk.SubjectJewel: record(func(w http.ResponseWriter, r *http.Request, id int64, ev *measures.EvidenceProps) {
			s.renderRiskJewel(w, r, id, jewelState{Status: failed, Form: "evidence"}, ev)
		}),
		risk.SubjectSupplier: record(func(w http.ResponseWriter, r *http.Request, id int64, ev *measures.EvidenceProps) {
			s.renderRiskSupplier(w, r, id, supplierState{Status: failed, Form: "evidence"}, ev)
		}),
		risk.SubjectScenario: record(func(w http.ResponseWriter, r *http.Request, id int64, ev *measures.EvidenceProps) {
			rctx := chi.NewRouteContext()
			rctx.URLParams.Add("scenarioID", strconv.FormatInt(id, 10))
			s.renderRiskScenario(w, r.WithContext(context.WithValue(r.Context(), chi.RouteCtxKey, rctx)),
				scenarioState{Status: failed, Form: "evidence"}, ev)
		}),
		risk.SubjectMitigation: record(func(w http.ResponseWriter, r *http.Request, id int64, ev *measures.EvidenceProps) {
			rctx := chi.NewRouteContext()
			rctx.URLParams.Add("mitigationID", strconv.FormatInt(id, 10))
			s.renderRiskMitigation(w, r.WithContext(context.WithValue(r.Context(), chi.RouteCtxKey, rctx)),
				mitigationState{Status: failed, Form: "evidence"}, false, ev)
		}),
	}
}
