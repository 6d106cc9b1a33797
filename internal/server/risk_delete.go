package server

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"strconv"
	"strings"

	"github.com/weerbaar/weerbaar/internal/authz"
	"github.com/weerbaar/weerbaar/internal/evidence"
	"github.com/weerbaar/weerbaar/internal/i18n"
	"github.com/weerbaar/weerbaar/internal/risk"
	"github.com/weerbaar/weerbaar/internal/validate"
	"github.com/weerbaar/weerbaar/web/components"
	riskpages "github.com/weerbaar/weerbaar/web/pages/risk"
)

// riskDeletion is one kind of deletable risk record: the URL parameter of
// its id, how its confirmation page is built, how it is deleted and where
// the user lands afterwards.
type riskDeletion struct {
	kind  string // "jewel", "supplier", "scenario", "threat"
	param string
	// page loads the record and what deleting it would take with it. The
	// facts name the record's saved version for a conflict box, and after
	// is where the user lands once it is deleted.
	page func(ctx context.Context, s *Server, id int64) (p riskpages.DeleteProps, facts []components.Fact, after string, err error)
	del  func(ctx context.Context, s *Server, actor authz.Actor, id int64, in risk.DeleteInput) error
}

var riskDeletions = map[string]riskDeletion{
	"jewel": {kind: "jewel", param: "jewelID", page: jewelDeletePage, del: func(ctx context.Context, s *Server, actor authz.Actor, id int64, in risk.DeleteInput) error {
		return risk.DeleteJewel(ctx, s.Pool, actor, id, in)
	}},
	"supplier": {kind: "supplier", param: "supplierID", page: supplierDeletePage, del: func(ctx context.Context, s *Server, actor authz.Actor, id int64, in risk.DeleteInput) error {
		return risk.DeleteSupplier(ctx, s.Pool, actor, id, in)
	}},
	"scenario": {kind: "scenario", param: "scenarioID", page: scenarioDeletePage, del: func(ctx context.Context, s *Server, actor authz.Actor, id int64, in risk.DeleteInput) error {
		return risk.DeleteScenario(ctx, s.Pool, actor, id, in)
	}},
	"threat": {kind: "threat", param: "threatID", page: threatDeletePage, del: func(ctx context.Context, s *Server, actor authz.Actor, id int64, in risk.DeleteInput) error {
		return risk.DeleteEntityThreat(ctx, s.Pool, actor, id, in)
	}},
}

// riskDeleteForm shows the confirmation page of a deletion.
func (s *Server) riskDeleteForm(kind string) http.HandlerFunc {
	d := riskDeletions[kind]
	return func(w http.ResponseWriter, r *http.Request) {
		id, ok := s.idParam(w, r, d.param)
		if !ok {
			return
		}
		s.renderRiskDelete(w, r, d, id, http.StatusOK, nil, false)
	}
}

// riskDelete deletes a record after its confirmation page.
func (s *Server) riskDelete(kind string) http.HandlerFunc {
	d := riskDeletions[kind]
	return func(w http.ResponseWriter, r *http.Request) {
		ctx := r.Context()
		actor := authz.ActorFrom(ctx)
		id, ok := s.idParam(w, r, d.param)
		if !ok {
			return
		}
		_ = r.ParseForm()
		version, _ := strconv.Atoi(r.PostForm.Get("version"))
		in := risk.DeleteInput{Version: version, Impact: r.PostForm.Get("impact"), Confirmed: r.PostForm.Get("confirm") == "yes"}
		// Where the user lands is known before the record is gone.
		_, _, after, err := d.page(ctx, s, id)
		if s.riskError(w, r, err) {
			return
		}
		err = d.del(ctx, s, actor, id, in)
		if _, ok := risk.IsConflict(err); ok {
			s.renderRiskDelete(w, r, d, id, http.StatusConflict, nil, true)
			return
		}
		if errors.Is(err, risk.ErrInUse) {
			s.renderRiskDelete(w, r, d, id, http.StatusConflict, nil, false)
			return
		}
		if fields := validate.Fields(err); fields != nil {
			s.renderRiskDelete(w, r, d, id, http.StatusUnprocessableEntity, fields, false)
			return
		}
		if s.riskError(w, r, err) {
			return
		}
		s.Sessions.Put(ctx, sessFlash, "risk.deleted."+d.kind)
		http.Redirect(w, r, after, http.StatusSeeOther)
	}
}

func (s *Server) renderRiskDelete(w http.ResponseWriter, r *http.Request, d riskDeletion, id int64, status int, errs map[string]string, conflict bool) {
	ctx := r.Context()
	p, facts, _, err := d.page(ctx, s, id)
	if s.riskError(w, r, err) {
		return
	}
	p.Shell, p.Base, p.Kind, p.Errors = s.shell(r, "risk.delete.title."+d.kind, "risks"), entityBase(authz.ActorFrom(ctx).EntityID), d.kind, errs
	p.Action = p.Back + "/delete"
	if conflict {
		p.Conflict = facts
	}
	s.render(w, r, status, riskpages.Delete(p))
}

// deleteImpact fills the parts of the page every kind shares.
func deleteImpact(ctx context.Context, p *riskpages.DeleteProps, im risk.Impact, version int) {
	base := entityBase(authz.ActorFrom(ctx).EntityID)
	p.Version, p.Impact, p.Blocked, p.NeedsConfirm = version, im.Key(), im.Blocked(), im.Cascades()
	for _, sc := range im.Scenarios {
		label := sc.JewelName + " × " + scenarioName(ctx, risk.Scenario{ThreatCode: sc.ThreatCode, ThreatName: sc.ThreatName})
		if p.AnalysisID == 0 {
			label += " (" + i18n.T(ctx, "risk.analysis.title", sc.Period) + ")"
		}
		p.Scenarios = append(p.Scenarios, riskpages.DeleteLink{Label: label, Href: fmt.Sprintf("%s/risks/scenarios/%d", base, sc.ID)})
	}
	for _, e := range im.Evidence {
		st, _ := evidence.Subjects.Lookup(e.SubjectType)
		href := p.Back + "#evidence"
		if st.URL != nil {
			href = st.URL(authz.ActorFrom(ctx).EntityID, e.SubjectRef) + "#evidence"
		}
		p.Evidence = append(p.Evidence, riskpages.DeleteLink{Label: e.Title + " (" + i18n.T(ctx, "evidence.subject."+e.SubjectType) + ")", Href: href})
	}
	add := func(n int, key string, args ...any) {
		if n > 0 {
			p.Goes = append(p.Goes, i18n.N(ctx, key, n, append([]any{n}, args...)...))
		}
	}
	if p.Kind != "threat" {
		add(len(im.Scenarios), "risk.delete.goes.scenarios")
	}
	add(im.Controls, "risk.delete.goes.controls")
	add(im.Treatments, "risk.delete.goes.treatments")
	add(im.Mitigations, "risk.delete.goes.mitigations")
	add(len(im.Dependents), "risk.delete.goes.dependents", strings.Join(im.Dependents, ", "))
	add(im.DependsOn, "risk.delete.goes.depends_on")
	add(im.SupplierLinks, "risk.delete.goes.supplier_links")
	add(len(im.Jewels), "risk.delete.goes.jewels", strings.Join(im.Jewels, ", "))
}

func jewelDeletePage(ctx context.Context, s *Server, id int64) (riskpages.DeleteProps, []components.Fact, string, error) {
	actor := authz.ActorFrom(ctx)
	j, err := risk.GetJewel(ctx, s.Pool, actor.EntityID, id)
	if err != nil {
		return riskpages.DeleteProps{}, nil, "", err
	}
	a, err := editableAnalysis(ctx, s, j.AnalysisID)
	if err != nil {
		return riskpages.DeleteProps{}, nil, "", err
	}
	im, err := risk.JewelImpact(ctx, s.Pool, actor.EntityID, j)
	if err != nil {
		return riskpages.DeleteProps{}, nil, "", err
	}
	base := entityBase(actor.EntityID)
	p := riskpages.DeleteProps{AnalysisID: a.ID, Period: a.Period, Kind: "jewel", Name: j.Name, Back: fmt.Sprintf("%s/risks/jewels/%d", base, id)}
	deleteImpact(ctx, &p, im, j.Version)
	return p, riskFacts(ctx, j.UpdatedBy, j.UpdatedAt, components.Fact{Label: i18n.T(ctx, "risk.name"), Value: j.Name}),
		fmt.Sprintf("%s/risks/%d#jewels", base, a.ID), nil
}

func supplierDeletePage(ctx context.Context, s *Server, id int64) (riskpages.DeleteProps, []components.Fact, string, error) {
	actor := authz.ActorFrom(ctx)
	sp, err := risk.GetSupplier(ctx, s.Pool, actor.EntityID, id)
	if err != nil {
		return riskpages.DeleteProps{}, nil, "", err
	}
	a, err := editableAnalysis(ctx, s, sp.AnalysisID)
	if err != nil {
		return riskpages.DeleteProps{}, nil, "", err
	}
	im, err := risk.SupplierImpact(ctx, s.Pool, actor.EntityID, sp)
	if err != nil {
		return riskpages.DeleteProps{}, nil, "", err
	}
	base := entityBase(actor.EntityID)
	p := riskpages.DeleteProps{AnalysisID: a.ID, Period: a.Period, Kind: "supplier", Name: sp.Name, Back: fmt.Sprintf("%s/risks/suppliers/%d", base, id)}
	deleteImpact(ctx, &p, im, sp.Version)
	return p, riskFacts(ctx, sp.UpdatedBy, sp.UpdatedAt, components.Fact{Label: i18n.T(ctx, "risk.name"), Value: sp.Name},
			components.Fact{Label: i18n.T(ctx, "risk.supplier.service"), Value: sp.Service}),
		fmt.Sprintf("%s/risks/%d#suppliers", base, a.ID), nil
}

func scenarioDeletePage(ctx context.Context, s *Server, id int64) (riskpages.DeleteProps, []components.Fact, string, error) {
	actor := authz.ActorFrom(ctx)
	sc, err := risk.GetScenario(ctx, s.Pool, actor.EntityID, id)
	if err != nil {
		return riskpages.DeleteProps{}, nil, "", err
	}
	a, err := editableAnalysis(ctx, s, sc.AnalysisID)
	if err != nil {
		return riskpages.DeleteProps{}, nil, "", err
	}
	im, err := risk.ScenarioImpact(ctx, s.Pool, actor.EntityID, sc)
	if err != nil {
		return riskpages.DeleteProps{}, nil, "", err
	}
	base := entityBase(actor.EntityID)
	p := riskpages.DeleteProps{AnalysisID: a.ID, Period: a.Period, Kind: "scenario", Name: sc.JewelName + " × " + scenarioName(ctx, sc),
		Back: fmt.Sprintf("%s/risks/scenarios/%d", base, id)}
	deleteImpact(ctx, &p, im, sc.Version)
	return p, riskFacts(ctx, sc.UpdatedBy, sc.UpdatedAt, components.Fact{Label: i18n.T(ctx, "risk.likelihood"), Value: fmt.Sprint(sc.Likelihood)},
			components.Fact{Label: i18n.T(ctx, "risk.impact"), Value: fmt.Sprint(sc.Impact)}),
		fmt.Sprintf("%s/risks/%d/scenarios", base, a.ID), nil
}

func threatDeletePage(ctx context.Context, s *Server, id int64) (riskpages.DeleteProps, []components.Fact, string, error) {
	actor := authz.ActorFrom(ctx)
	t, err := risk.GetEntityThreat(ctx, s.Pool, actor.EntityID, id)
	if err != nil {
		return riskpages.DeleteProps{}, nil, "", err
	}
	im, err := risk.ThreatImpact(ctx, s.Pool, actor.EntityID, t)
	if err != nil {
		return riskpages.DeleteProps{}, nil, "", err
	}
	base := entityBase(actor.EntityID)
	p := riskpages.DeleteProps{Kind: "threat", Name: t.Name, Back: fmt.Sprintf("%s/risks/threats/%d", base, id)}
	deleteImpact(ctx, &p, im, t.Version)
	return p, riskFacts(ctx, t.UpdatedBy, t.UpdatedAt, components.Fact{Label: i18n.T(ctx, "risk.name"), Value: t.Name},
			components.Fact{Label: i18n.T(ctx, "risk.aspects"), Value: aspectsText(ctx, t.Aspects())}),
		base + "/risks/threats", nil
}

// editableAnalysis loads a record's analysis; records of an adopted or
// archived analysis cannot be deleted (risk.ErrLocked).
func editableAnalysis(ctx context.Context, s *Server, analysisID int64) (risk.Analysis, error) {
	a, err := risk.GetAnalysis(ctx, s.Pool, authz.ActorFrom(ctx).EntityID, analysisID)
	if err == nil && !a.Status.Editable() {
		err = risk.ErrLocked
	}
	return a, err
}
