package server

import (
	"context"
	"net/http"
	"net/url"
	"strconv"

	"github.com/weerbaar/weerbaar/internal/authz"
	"github.com/weerbaar/weerbaar/internal/i18n"
	"github.com/weerbaar/weerbaar/internal/risk"
	"github.com/weerbaar/weerbaar/web/components"
	riskpages "github.com/weerbaar/weerbaar/web/pages/risk"
)

// registerRequest is the register's URL decoded: the filter and sort (with
// their URL values kept for links and the form) and the page position.
type registerRequest struct {
	form        riskpages.RegisterForm
	query       risk.RegisterQuery
	sortRefused bool
}

// parseRegister reads the register's URL. A malformed filter or cursor is
// false (400); an unlisted sort key is ignored for the default sort and
// reported, so it never reaches the SQL.
func parseRegister(q url.Values) (registerRequest, bool) {
	var rr registerRequest
	f := &rr.query.Filter
	num := func(name string) (int64, bool) {
		v := q.Get(name)
		if v == "" {
			return 0, true
		}
		n, err := strconv.ParseInt(v, 10, 64)
		return n, err == nil && n > 0
	}
	var ok [4]bool
	var level int64
	level, ok[0] = num("level")
	f.Level = risk.Level(level)
	if level != 0 && !f.Level.Valid() {
		return rr, false
	}
	f.JewelID, ok[1] = num("jewel")
	f.OwnerID, ok[2] = num("owner")
	f.SupplierID, ok[3] = num("supplier")
	if !ok[0] || !ok[1] || !ok[2] || !ok[3] {
		return rr, false
	}
	f.Treatment = q.Get("treatment")
	if !risk.ValidRegisterTreatment(f.Treatment) {
		return rr, false
	}
	switch q.Get("overdue") {
	case "":
	case "1":
		f.Overdue = true
	default:
		return rr, false
	}
	f.Today = today()
	if v := q.Get("threat"); v != "" {
		ref, good := risk.ParseThreatRef(v)
		if !good {
			return rr, false
		}
		f.Threat = ref
	}
	var sortOK bool
	rr.query.Sort, sortOK = risk.ParseRegisterSort(q.Get("sort"))
	rr.sortRefused = !sortOK
	rr.form = riskpages.RegisterForm{Level: q.Get("level"), Jewel: q.Get("jewel"), Threat: q.Get("threat"),
		Owner: q.Get("owner"), Supplier: q.Get("supplier"), Treatment: q.Get("treatment"), Overdue: q.Get("overdue"),
		Sort: rr.query.Sort.String()}
	for name, dst := range map[string]**risk.Cursor{"after": &rr.query.After, "before": &rr.query.Before} {
		if v := q.Get(name); v != "" {
			c, good := risk.ParseCursor(v)
			if !good {
				return rr, false
			}
			*dst = &c
		}
	}
	rr.query.Last = q.Get("page") == "last" && rr.query.After == nil && rr.query.Before == nil
	return rr, true
}

// registerQuery is the query string of the register's filter and sort,
// plus extra pairs.
func registerQuery(f riskpages.RegisterForm, extra ...string) string {
	v := url.Values{}
	for k, s := range map[string]string{"level": f.Level, "jewel": f.Jewel, "threat": f.Threat, "owner": f.Owner, "supplier": f.Supplier,
		"treatment": f.Treatment, "overdue": f.Overdue} {
		if s != "" {
			v.Set(k, s)
		}
	}
	if f.Sort != risk.DefaultRegisterSort.String() {
		v.Set("sort", f.Sort)
	}
	for i := 0; i+1 < len(extra); i += 2 {
		v.Set(extra[i], extra[i+1])
	}
	if len(v) == 0 {
		return ""
	}
	return "?" + v.Encode()
}

// riskRegister is the register: one page of the analysis's scenarios.
// Queries: the analysis, the page, the jewels' and suppliers' names and the
// entity threats for the filter (whatever the number of scenarios).
func (s *Server) riskRegister(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	actor := authz.ActorFrom(ctx)
	rr, ok := parseRegister(r.URL.Query())
	if !ok {
		s.errorPage(w, r, http.StatusBadRequest)
		return
	}
	a, m, ok := s.riskAnalysisBase(w, r)
	if !ok {
		return
	}
	page, err := risk.Register(ctx, s.Pool, actor.EntityID, a.ID, rr.query)
	if err != nil {
		s.serverError(w, r, err)
		return
	}
	jewels, suppliers, err := risk.RegisterOptions(ctx, s.Pool, actor.EntityID, a.ID)
	if err != nil {
		s.serverError(w, r, err)
		return
	}
	own, err := risk.EntityThreats(ctx, s.Pool, actor.EntityID)
	if err != nil {
		s.serverError(w, r, err)
		return
	}
	base := entityBase(actor.EntityID)
	path := base + "/risks/" + strconv.FormatInt(a.ID, 10) + "/register"
	anyOpt := components.Option{Value: "", Label: i18n.T(ctx, "risk.register.any")}
	p := riskpages.RegisterProps{Shell: s.shell(r, "risk.register.title", "risks"), Base: base, AnalysisID: a.ID, Period: a.Period,
		Total: a.Scenarios, Form: rr.form, SortRefused: rr.sortRefused, Clear: path,
		CSV:    base + "/risks/" + strconv.FormatInt(a.ID, 10) + "/register.csv" + registerQuery(rr.form),
		Levels: []components.Option{anyOpt}, Jewels: []components.Option{anyOpt}, Owners: []components.Option{anyOpt},
		Suppliers: []components.Option{anyOpt}, Headers: map[string]riskpages.SortHeader{}}
	for l := risk.Low; l <= risk.Critical; l++ {
		p.Levels = append(p.Levels, components.Option{Value: strconv.Itoa(int(l)), Label: i18n.T(ctx, "risk.level."+l.Key())})
	}
	seenOwner := map[int64]bool{}
	for _, j := range jewels {
		p.Jewels = append(p.Jewels, components.Option{Value: strconv.FormatInt(j.ID, 10), Label: j.Name})
		if j.OwnerID != nil && !seenOwner[*j.OwnerID] {
			seenOwner[*j.OwnerID] = true
			p.Owners = append(p.Owners, components.Option{Value: strconv.FormatInt(*j.OwnerID, 10), Label: j.OwnerName})
		}
	}
	p.Treatments = []components.Option{anyOpt}
	for _, t := range risk.RegisterTreatments {
		p.Treatments = append(p.Treatments, components.Option{Value: t, Label: registerTreatmentLabel(ctx, t)})
	}
	p.Overdue = []components.Option{anyOpt, {Value: "1", Label: i18n.T(ctx, "risk.register.overdue.only")}}
	for _, sp := range suppliers {
		p.Suppliers = append(p.Suppliers, components.Option{Value: strconv.FormatInt(sp.ID, 10), Label: sp.Name})
	}
	threats, names := threatOptions(ctx, own)
	p.Threats = append([]components.Option{anyOpt}, threats...)
	for _, k := range risk.RegisterSortKeys {
		for _, desc := range []bool{true, false} {
			srt := risk.RegisterSort{Key: k, Desc: desc}
			p.Sorts = append(p.Sorts, components.Option{Value: srt.String(), Label: sortLabel(ctx, srt)})
		}
	}
	for _, k := range []string{"level", "likelihood", "impact"} {
		next, cur := risk.RegisterSort{Key: k, Desc: true}, ""
		if rr.query.Sort.Key == k {
			next.Desc = !rr.query.Sort.Desc
			cur = "ascending"
			if rr.query.Sort.Desc {
				cur = "descending"
			}
		}
		f := rr.form
		f.Sort = next.String()
		p.Headers[k] = riskpages.SortHeader{Label: i18n.T(ctx, "risk."+k), Href: path + registerQuery(f), Current: cur}
	}
	for _, row := range page.Rows {
		threat := names[row.Threat().String()]
		p.Rows = append(p.Rows, riskpages.RegisterRow{Owner: row.OwnerName, ScenarioRow: riskpages.ScenarioRow{ID: row.ID,
			Jewel: row.JewelName, Threat: threat, Aspects: aspectsText(ctx, row.Aspects()), Likelihood: row.Likelihood,
			Impact: row.Impact, Level: levelKey(row.Level), AboveTolerance: risk.AboveTolerance(row.Level, m.Tolerance)},
			TreatmentState: row.TreatmentState(), Treatment: registerTreatmentLabel(ctx, row.TreatmentState()), Overdue: row.Overdue})
	}
	if page.HasPrev {
		p.First = path + registerQuery(rr.form)
		p.Prev = path + registerQuery(rr.form, "before", page.Rows[0].Cursor(rr.query.Sort).String())
	}
	if page.HasNext {
		p.Next = path + registerQuery(rr.form, "after", page.Rows[len(page.Rows)-1].Cursor(rr.query.Sort).String())
		p.Last = path + registerQuery(rr.form, "page", "last")
	}
	s.render(w, r, http.StatusOK, riskpages.Register(p))
}

// registerTreatmentLabel names a value of the register's treatment filter.
func registerTreatmentLabel(ctx context.Context, t string) string {
	switch t {
	case risk.TreatmentNone:
		return i18n.T(ctx, "risk.treatment.none")
	case risk.TreatmentRequested:
		return i18n.T(ctx, "risk.acceptance.requested")
	}
	return i18n.T(ctx, "risk.treatment."+t)
}

func sortLabel(ctx context.Context, srt risk.RegisterSort) string {
	key := "risk.register.sort." + srt.Key
	dir := "risk.register.sort.asc"
	if srt.Desc {
		dir = "risk.register.sort.desc"
	}
	return i18n.T(ctx, key) + " " + i18n.T(ctx, dir)
}

// riskRegisterCSV exports the register as filtered and sorted, every page,
// in the reader's language (';' and a BOM in Dutch, as the SoA export).
func (s *Server) riskRegisterCSV(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	actor := authz.ActorFrom(ctx)
	rr, ok := parseRegister(r.URL.Query())
	if !ok {
		s.errorPage(w, r, http.StatusBadRequest)
		return
	}
	a, m, ok := s.riskAnalysisBase(w, r)
	if !ok {
		return
	}
	own, err := risk.EntityThreats(ctx, s.Pool, actor.EntityID)
	if err != nil {
		s.serverError(w, r, err)
		return
	}
	_, names := threatOptions(ctx, own)
	var rows []risk.RegisterRow
	if err := risk.EachRegisterRow(ctx, s.Pool, actor.EntityID, a.ID, rr.query.Filter, rr.query.Sort, func(row risk.RegisterRow) error {
		rows = append(rows, row)
		return nil
	}); err != nil {
		s.serverError(w, r, err)
		return
	}
	attachment(w, "text/csv; charset=utf-8", exportName(ctx, "risk.register.file", entityFrom(ctx).Slug+"-"+safeFilePart(a.Period), "csv"))
	cw := newCSV(w, i18n.LangFrom(ctx))
	cw.row(i18n.T(ctx, "risk.register.col.id"), i18n.T(ctx, "risk.jewel"), i18n.T(ctx, "risk.register.owner"), i18n.T(ctx, "risk.threat"),
		i18n.T(ctx, "risk.aspects"), i18n.T(ctx, "risk.likelihood"), i18n.T(ctx, "risk.impact"), i18n.T(ctx, "risk.level"),
		i18n.T(ctx, "risk.above_tolerance"), i18n.T(ctx, "risk.register.treatment"), i18n.T(ctx, "risk.register.overdue"))
	for _, row := range rows {
		cw.row(strconv.FormatInt(row.ID, 10), row.JewelName, row.OwnerName, names[row.Threat().String()], aspectsText(ctx, row.Aspects()),
			strconv.Itoa(row.Likelihood), strconv.Itoa(row.Impact), i18n.T(ctx, "risk.level."+row.Level.Key()),
			yesNo(ctx, risk.AboveTolerance(row.Level, m.Tolerance)), registerTreatmentLabel(ctx, row.TreatmentState()), yesNo(ctx, row.Overdue))
	}
	cw.flush()
}
