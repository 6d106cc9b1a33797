package server

import (
	"fmt"
	"github.com/jackc/pgx/v5"
	"net/http"
	"time"

	"github.com/weerbaar/weerbaar/internal/approval"
	"github.com/weerbaar/weerbaar/internal/authz"
	"github.com/weerbaar/weerbaar/internal/i18n"
	"github.com/weerbaar/weerbaar/internal/incident"
	"github.com/weerbaar/weerbaar/internal/measure"
	"github.com/weerbaar/weerbaar/internal/risk"
	"github.com/weerbaar/weerbaar/internal/training"
	"github.com/weerbaar/weerbaar/web/pages/board"
	"github.com/weerbaar/weerbaar/web/pages/dashboard"
)

// boardTopRisks is how many residual risks above tolerance the board's
// screen lists (the count says how many there are in all).
const boardTopRisks = 5

// boardHome is the management body's first screen: readiness, the residual
// risks above tolerance and training — board members land here instead of
// the officer's dashboard; others can open it to see what the board sees.
func (s *Server) boardHome(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	actor := authz.ActorFrom(ctx)
	e := entityFrom(ctx)
	p := board.HomeProps{Shell: s.shell(r, "nav.board", "board"), Base: entityBase(e.ID), EntityName: e.Name,
		IsBoardMember: actor.Role == authz.BoardMember}
	if actor.Role == authz.BoardMember {
		p.Shell.Active = "dashboard"
	}
	o, err := s.overview(r)
	if err != nil {
		s.serverError(w, r, err)
		return
	}
	p.Class = o.ScopeClass
	p.Bars = maturityBars(ctx, p.Base, o)
	p.Readiness, p.Ready, p.Applicable = int(o.Readiness*100+0.5), o.Ready, o.Applicable

	// What waits for my decision, and the measure plan's approval standing
	// with the maturity trend since the board approved it: one query.
	waiting, plan, err := approval.BoardView(ctx, s.Pool, e.ID, actor.UserID, measure.KindPlan, measure.PlanRef, measure.PlanContent(o).Data)
	if err != nil {
		s.serverError(w, r, err)
		return
	}
	p.Waiting = requestRows(ctx, p.Base, waiting)
	p.Plan = approvalProps(ctx, p.Base, measure.KindPlan, measure.PlanRef, plan)
	if plan.LastSnapshot != "" {
		changes, err := measure.MaturitySinceApproval(plan.LastSnapshot, o)
		if err != nil {
			s.serverError(w, r, err)
			return
		}
		for _, c := range changes {
			if c.Now != c.Approved {
				p.Trend = append(p.Trend, board.TrendRow{Code: c.Code + ")", Approved: i18n.Decimal(ctx, c.Approved, 1),
					Now: i18n.Decimal(ctx, c.Now, 1), Up: c.Now > c.Approved})
			}
		}
	}

	br, ok, err := risk.CurrentForBoard(ctx, s.Pool, e.ID, boardTopRisks)
	if err != nil {
		s.serverError(w, r, err)
		return
	}
	switch {
	case !ok || br.Status != risk.StatusAdopted:
		p.RiskReview = &dashboard.RiskReview{Missing: true}
	case br.ReviewDate.Before(today()):
		p.RiskReview = &dashboard.RiskReview{Since: i18n.Date(ctx, br.ReviewDate)}
	}
	if ok {
		p.HasAnalysis, p.Period, p.AnalysisStatus, p.Tolerance, p.Above = true, br.Period, string(br.Status), br.Tolerance.Key(), br.Above
		p.AnalysisHref = fmt.Sprintf("%s/risks/%d", p.Base, br.AnalysisID)
		for _, t := range br.Top {
			p.Risks = append(p.Risks, board.BoardRisk{Href: fmt.Sprintf("%s/risks/scenarios/%d/resilience", p.Base, t.ID),
				Name: t.JewelName + " × " + topRiskThreat(r, t), Level: t.Level.Key(), Treatment: topRiskTreatment(r, t)})
		}
	}

	// The reports owed for incidents and my own training: one query.
	var rawDeadlines, rawTrigger, rawTraining []byte
	if err := s.Pool.QueryRow(ctx, `SELECT `+incident.DeadlinesColumn+`, `+incident.ReviewTriggerColumn+`, `+training.OwnColumn,
		pgx.StrictNamedArgs{"entity": e.ID, "user": actor.UserID}).Scan(&rawDeadlines, &rawTrigger, &rawTraining); err != nil {
		s.serverError(w, r, err)
		return
	}
	deadlines, err := incident.ParseDeadlines(rawDeadlines)
	if err != nil {
		s.serverError(w, r, err)
		return
	}
	p.Incidents = deadlineRows(ctx, p.Base, deadlines, time.Now())
	trigger, err := incident.ParseReviewTrigger(rawTrigger)
	if err != nil {
		s.serverError(w, r, err)
		return
	}
	p.RiskReview = withReviewTrigger(ctx, p.Base, p.RiskReview, trigger)
	mine, ok, err := training.ParseOwn(rawTraining, today())
	if err != nil {
		s.serverError(w, r, err)
		return
	}
	if ok {
		p.ShowTraining, p.TrainingState = true, string(mine.Assessment.State)
		p.TrainingDeadline = i18n.Date(ctx, mine.Assessment.Deadline)
		if c := mine.Current(); c != nil {
			p.TrainingCertificate = c.Course + " — " + c.Provider
			if c.ValidUntil != nil {
				p.TrainingCertificate += " · " + i18n.T(ctx, "training.valid_until.short", i18n.Date(ctx, *c.ValidUntil))
			}
		}
	}
	s.render(w, r, http.StatusOK, board.Home(p))
}

func topRiskThreat(r *http.Request, t risk.TopRisk) string {
	c, own, ok := t.ThreatLabel()
	switch {
	case !ok:
		return "?"
	case own != "":
		return own
	}
	return c.Name.In(r.Context())
}

// topRiskTreatment words where the board stands on a risk above tolerance.
func topRiskTreatment(r *http.Request, t risk.TopRisk) string {
	ctx := r.Context()
	switch {
	case t.Acceptance == "requested":
		return i18n.T(ctx, "board.risks.acceptance_requested")
	case t.Treatment == "":
		return i18n.T(ctx, "board.risks.untreated")
	}
	return i18n.T(ctx, "risk.treatment."+t.Treatment)
}
