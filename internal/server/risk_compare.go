package server

import (
	"net/http"
	"strconv"

	"github.com/weerbaar/weerbaar/internal/authz"
	"github.com/weerbaar/weerbaar/internal/i18n"
	"github.com/weerbaar/weerbaar/internal/risk"
	"github.com/weerbaar/weerbaar/web/components"
	riskpages "github.com/weerbaar/weerbaar/web/pages/risk"
)

// riskCompare compares two cycles of the entity on one page
// (?from=A&to=B; by default the previous cycle against the newest). An id
// that is not one of the entity's analyses is a 404. Queries: the
// analyses, both cycles' jewels and scenarios, the entity threats.
func (s *Server) riskCompare(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	actor := authz.ActorFrom(ctx)
	list, err := risk.Analyses(ctx, s.Pool, actor.EntityID)
	if err != nil {
		s.serverError(w, r, err)
		return
	}
	p := riskpages.CompareProps{Shell: s.shell(r, "risk.compare.title", "risks"), Base: entityBase(actor.EntityID)}
	periods := map[int64]string{}
	for _, a := range list {
		periods[a.ID] = a.Period
		p.Cycles = append(p.Cycles, components.Option{Value: strconv.FormatInt(a.ID, 10), Label: a.Period})
	}
	var fromID, toID int64
	if len(list) >= 2 {
		fromID, toID = list[1].ID, list[0].ID // newest first
	}
	q := r.URL.Query()
	for name, dst := range map[string]*int64{"from": &fromID, "to": &toID} {
		v := q.Get(name)
		if v == "" {
			continue
		}
		n, err := strconv.ParseInt(v, 10, 64)
		if err != nil || periods[n] == "" {
			s.errorPage(w, r, http.StatusNotFound)
			return
		}
		*dst = n
	}
	if fromID != 0 && toID != 0 {
		from, to, err := risk.LoadCycles(ctx, s.Pool, actor.EntityID, fromID, toID)
		if err != nil {
			s.serverError(w, r, err)
			return
		}
		own, err := risk.EntityThreats(ctx, s.Pool, actor.EntityID)
		if err != nil {
			s.serverError(w, r, err)
			return
		}
		_, names := threatOptions(ctx, own)
		d := risk.CompareCycles(from, to)
		p.Chosen, p.Same = true, d.Empty()
		p.From, p.To = strconv.FormatInt(fromID, 10), strconv.FormatInt(toID, 10)
		p.FromPeriod, p.ToPeriod = periods[fromID], periods[toID]
		p.JewelsAdded, p.JewelsRemoved = d.JewelsAdded, d.JewelsRemoved
		row := func(jewel string, threat risk.ThreatRef, from, to risk.Level) riskpages.CompareScenario {
			name := names[threat.String()]
			if name == "" {
				name = i18n.T(ctx, "risk.compare.unknown_threat")
			}
			c := riskpages.CompareScenario{Jewel: jewel, Threat: name}
			if from != 0 {
				c.From = levelKey(from)
			}
			if to != 0 {
				c.To = levelKey(to)
			}
			return c
		}
		for _, c := range d.LevelsChanged {
			p.LevelsChanged = append(p.LevelsChanged, row(c.Jewel, c.Threat, c.From, c.To))
		}
		for _, c := range d.TreatmentsChanged {
			name := names[c.Threat.String()]
			if name == "" {
				name = i18n.T(ctx, "risk.compare.unknown_threat")
			}
			p.TreatmentsChanged = append(p.TreatmentsChanged, riskpages.CompareTreatment{Jewel: c.Jewel, Threat: name,
				FromKey: c.From, ToKey: c.To, From: registerTreatmentLabel(ctx, c.From), To: registerTreatmentLabel(ctx, c.To)})
		}
		for _, c := range d.ScenariosAdded {
			p.ScenariosAdded = append(p.ScenariosAdded, row(c.Jewel, c.Threat, 0, c.Level))
		}
		for _, c := range d.ScenariosRemoved {
			p.ScenariosRemoved = append(p.ScenariosRemoved, row(c.Jewel, c.Threat, c.Level, 0))
		}
	}
	s.render(w, r, http.StatusOK, riskpages.Compare(p))
}
