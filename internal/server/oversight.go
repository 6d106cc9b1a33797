package server

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"strconv"
	"time"

	"github.com/weerbaar/weerbaar/internal/authz"
	"github.com/weerbaar/weerbaar/internal/evidence"
	"github.com/weerbaar/weerbaar/internal/i18n"
	"github.com/weerbaar/weerbaar/internal/oversight"
	"github.com/weerbaar/weerbaar/internal/risk"
	"github.com/weerbaar/weerbaar/web/components"
	"github.com/weerbaar/weerbaar/web/pages/board"
)

// The board's oversight reports (internal/oversight; art. 20 lid 1 NIS2).
// Making a report is the officer's or admin's (authz.ApprovalRequest:
// they put things before the board); recording that the board discussed
// it takes authz.BoardRecord — the permission of the board's own
// art. 20 records, held by officers and admins (who keep the board's
// records) and board members (whose meeting it was), not by auditors.

type reportsState = FormState[oversight.GenerateInput, struct{}]

func (s *Server) boardReports(w http.ResponseWriter, r *http.Request) {
	s.renderBoardReports(w, r, reportsState{})
}

// periodLabel suggests a report's title: the quarter of day ("2026 K4").
func periodLabel(ctx context.Context, day time.Time) string {
	return i18n.T(ctx, "oversight.period", day.Year(), (int(day.Month())+2)/3)
}

func (s *Server) renderBoardReports(w http.ResponseWriter, r *http.Request, st reportsState) {
	ctx := r.Context()
	actor := authz.ActorFrom(ctx)
	list, err := oversight.List(ctx, s.Pool, actor.EntityID)
	if err != nil {
		s.serverError(w, r, err)
		return
	}
	p := board.ReportsProps{Shell: s.shell(r, "oversight.title", "board"), Base: entityBase(actor.EntityID),
		CanGenerate: actor.Can(authz.ApprovalRequest), Title: periodLabel(ctx, today()), Errors: st.Errors,
		Notice: s.Sessions.PopString(ctx, sessFlash)}
	if st.Input != nil {
		p.Title = st.Input.Title
	}
	for _, rep := range list {
		p.Rows = append(p.Rows, board.ReportRow{ID: rep.ID, Title: rep.Title, Day: i18n.Date(ctx, rep.Day),
			Generated: i18n.DateTime(ctx, rep.GeneratedAt), GeneratedBy: rep.GeneratedBy, Readiness: rep.Readiness, Above: rep.Above,
			Discussed: displayDate(ctx, rep.DiscussedOn), MinutesRef: rep.MinutesRef})
	}
	s.render(w, r, st.status(), board.Reports(p))
}

func (s *Server) boardReportCreate(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	actor := authz.ActorFrom(ctx)
	in := oversight.GenerateInput{Title: r.PostFormValue("title")}
	id, err := oversight.Generate(ctx, s.Pool, actor, in, today(), time.Now())
	s.afterSave(w, r, err, func(errs map[string]string) {
		s.renderBoardReports(w, r, reportsState{Status: http.StatusUnprocessableEntity, Input: &in, Errors: errs})
	}, "oversight.generated.notice", fmt.Sprintf("%s/board/reports/%d", entityBase(actor.EntityID), id))
}

type discussionState = FormState[oversight.DiscussionInput, []components.Fact]

func (s *Server) boardReport(w http.ResponseWriter, r *http.Request) {
	id, ok := s.idParam(w, r, "reportID")
	if !ok {
		return
	}
	s.renderBoardReport(w, r, id, discussionState{})
}

func (s *Server) boardReportDiscussion(w http.ResponseWriter, r *http.Request) {
	id, ok := s.idParam(w, r, "reportID")
	if !ok {
		return
	}
	ctx := r.Context()
	actor := authz.ActorFrom(ctx)
	version, _ := strconv.Atoi(r.PostFormValue("version"))
	in := oversight.DiscussionInput{DiscussedOn: r.PostFormValue("discussed_on"), MinutesRef: r.PostFormValue("minutes_ref"), Version: version}
	err := oversight.RecordDiscussion(ctx, s.Pool, actor, id, in, today())
	var c *oversight.Conflict
	if errors.As(err, &c) {
		s.renderBoardReport(w, r, id, discussionState{Status: http.StatusConflict, Input: &in, Conflict: discussionFacts(r, c.Current)})
		return
	}
	s.afterSave(w, r, err, func(errs map[string]string) {
		s.renderBoardReport(w, r, id, discussionState{Status: http.StatusUnprocessableEntity, Input: &in, Errors: errs})
	}, "oversight.discussion.saved", fmt.Sprintf("%s/board/reports/%d", entityBase(actor.EntityID), id))
}

// discussionFacts words the discussion someone else recorded meanwhile.
func discussionFacts(r *http.Request, cur oversight.Report) []components.Fact {
	ctx := r.Context()
	facts := []components.Fact{{Label: i18n.T(ctx, "oversight.discussed_on"), Value: displayDate(ctx, cur.DiscussedOn)},
		{Label: i18n.T(ctx, "oversight.minutes_ref"), Value: cur.MinutesRef}}
	if cur.DiscussedAt != nil {
		facts = append(facts, components.Fact{Label: i18n.T(ctx, "conflict.saved_by"), Value: cur.DiscussedBy + ", " + i18n.DateTime(ctx, *cur.DiscussedAt)})
	}
	return facts
}

func (s *Server) renderBoardReport(w http.ResponseWriter, r *http.Request, id int64, st discussionState) {
	ctx := r.Context()
	actor := authz.ActorFrom(ctx)
	p, rep, err := s.boardReportView(r, id)
	if s.lookupFailed(w, r, err) {
		return
	}
	p.Shell = s.shell(r, "oversight.title", "board")
	p.Shell.Title = i18n.T(ctx, "oversight.report.title", rep.Title)
	p.CanDiscuss, p.Errors, p.Conflict = actor.Can(authz.BoardRecord), st.Errors, st.Conflict
	p.Notice = s.Sessions.PopString(ctx, sessFlash)
	p.Form = board.DiscussionForm{DiscussedOn: dateValue(rep.DiscussedOn), MinutesRef: rep.MinutesRef, Version: rep.Version}
	if st.Input != nil {
		p.Form.DiscussedOn, p.Form.MinutesRef = st.Input.DiscussedOn, st.Input.MinutesRef
	}
	s.render(w, r, st.status(), board.Report(p))
}

// boardReportView loads report id of the entity and words it in the
// reader's language, with its evidence: the one way to load a report, which
// the page and its PDF (boardReportPDF) both render. Another entity's id
// is db.ErrNotFound.
func (s *Server) boardReportView(r *http.Request, id int64) (board.ReportProps, oversight.Report, error) {
	ctx := r.Context()
	actor := authz.ActorFrom(ctx)
	rep, err := oversight.Get(ctx, s.Pool, actor.EntityID, id)
	if err != nil {
		return board.ReportProps{}, rep, err
	}
	base := entityBase(actor.EntityID)
	c := rep.Content
	p := board.ReportProps{Base: base, ID: rep.ID, Title: rep.Title,
		Day: dayText(ctx, c.Day), Generated: i18n.DateTime(ctx, rep.GeneratedAt), GeneratedBy: rep.GeneratedBy, Class: c.Class,
		Readiness: c.Readiness.Percent, Ready: c.Readiness.Ready, Applicable: c.Readiness.Applicable, Incidents: c.Incidents}
	if rep.DiscussedOn != nil {
		p.Discussed, p.DiscussedOn, p.MinutesRef = true, i18n.Date(ctx, *rep.DiscussedOn), rep.MinutesRef
		p.DiscussedBy = rep.DiscussedBy
		if rep.DiscussedAt != nil {
			p.DiscussedAt = i18n.DateTime(ctx, *rep.DiscussedAt)
		}
	}
	for _, m := range c.Measures {
		b := components.MaturityBar{Code: m.Code, Label: shortLabel(m.Label.In(ctx), 30), Current: m.Current, Href: base + "/measures/" + m.Code}
		row := board.ReportMeasure{Code: m.Code, Label: m.Label.In(ctx), Applicable: m.Applicable,
			Current: i18n.Decimal(ctx, m.Current, 1), Done: m.Done, Total: m.Total}
		if m.Applicable {
			b.Target = m.Target
			row.Target, row.Gap, row.Short = strconv.Itoa(m.Target), i18n.Decimal(ctx, m.Gap, 1), m.Gap > 0
		}
		p.Bars = append(p.Bars, b)
		p.Measures = append(p.Measures, row)
	}
	if c.Previous != nil && c.Changes != nil {
		p.Previous = &board.PreviousReport{Title: c.Previous.Title, Day: dayText(ctx, c.Previous.Day),
			Href: fmt.Sprintf("%s/board/reports/%d", base, c.Previous.ID), Changes: reportChanges(ctx, *c.Changes)}
	}
	if c.Risks.Analysis {
		p.HasAnalysis, p.Period, p.AnalysisStatus = true, c.Risks.Period, c.Risks.Status
		p.Tolerance, p.Above = risk.Level(c.Risks.Tolerance).Key(), c.Risks.Above
		for _, rl := range c.Risks.Items {
			p.Risks = append(p.Risks, board.ReportRisk{Name: rl.Jewel + " × " + rl.Threat.In(ctx), Level: risk.Level(rl.Level).Key(),
				Treatment: reportTreatment(ctx, rl)})
		}
		p.MoreRisks = c.Risks.Above - len(c.Risks.Items)
	}
	for _, a := range c.Acceptances {
		p.Acceptances = append(p.Acceptances, board.ReportAcceptance{Name: a.Jewel + " × " + a.Threat.In(ctx),
			Level: risk.Level(a.Level).Key(), Expires: dayText(ctx, a.Expires), Expired: a.Expired})
	}
	for _, a := range c.Overdue {
		p.Overdue = append(p.Overdue, board.ReportAction{Title: a.Title, Requirement: a.Requirement, Owner: a.Owner,
			Due: dayText(ctx, a.Due), Risk: a.Jewel + " × " + a.Threat.In(ctx), Period: a.Period})
	}
	for _, m := range c.Training {
		row := board.ReportMember{Name: m.Name, State: m.State, Deadline: dayText(ctx, m.Deadline), Certificate: m.Certificate}
		if m.ValidUntil != "" {
			row.Certificate += " · " + i18n.T(ctx, "training.valid_until.short", dayText(ctx, m.ValidUntil))
		}
		p.Training = append(p.Training, row)
	}
	ev, err := s.evidenceProps(r, evidence.Subject{Type: oversight.SubjectReport, Ref: strconv.FormatInt(rep.ID, 10)})
	if err != nil {
		return p, rep, err
	}
	p.Evidence = &ev
	return p, rep, nil
}

// dayText shows a stored yyyy-mm-dd day in the reader's language.
func dayText(ctx context.Context, day string) string {
	d, err := time.Parse(time.DateOnly, day)
	if err != nil {
		return day
	}
	return i18n.Date(ctx, d)
}

// reportTreatment words where the board stood on a risk above tolerance.
func reportTreatment(ctx context.Context, rl oversight.RiskLine) string {
	switch {
	case rl.Acceptance == risk.AcceptanceRequested:
		return i18n.T(ctx, "board.risks.acceptance_requested")
	case rl.Treatment == "":
		return i18n.T(ctx, "board.risks.untreated")
	}
	return i18n.T(ctx, "risk.treatment."+rl.Treatment)
}

// reportChanges words what changed since the previous report.
func reportChanges(ctx context.Context, c oversight.Changes) board.ReportChanges {
	out := board.ReportChanges{None: c.None()}
	if c.Readiness.Changed() {
		out.Lines = append(out.Lines, i18n.T(ctx, "oversight.changes.readiness", c.Readiness.From, c.Readiness.To))
	}
	if c.Above.Changed() {
		out.Lines = append(out.Lines, i18n.T(ctx, "oversight.changes.above", c.Above.From, c.Above.To))
	}
	for _, m := range c.Measures {
		label := m.Code + ") " + m.Label.In(ctx)
		switch {
		case !m.Was:
			out.Measures = append(out.Measures, i18n.T(ctx, "oversight.changes.measure_new", label, i18n.Decimal(ctx, m.ToCurrent, 1), m.ToTarget))
		case m.FromTarget != m.ToTarget:
			out.Measures = append(out.Measures, i18n.T(ctx, "oversight.changes.measure_target", label, i18n.Decimal(ctx, m.FromCurrent, 1),
				i18n.Decimal(ctx, m.ToCurrent, 1), m.FromTarget, m.ToTarget))
		default:
			out.Measures = append(out.Measures, i18n.T(ctx, "oversight.changes.measure", label, i18n.Decimal(ctx, m.FromCurrent, 1),
				i18n.Decimal(ctx, m.ToCurrent, 1), m.ToTarget))
		}
	}
	riskNames := func(items []oversight.RiskLine) []string {
		var out []string
		for _, r := range items {
			out = append(out, r.Jewel+" × "+r.Threat.In(ctx))
		}
		return out
	}
	actionNames := func(items []oversight.ActionLine) []string {
		var out []string
		for _, a := range items {
			out = append(out, a.Title+" ("+i18n.T(ctx, "oversight.due", dayText(ctx, a.Due))+")")
		}
		return out
	}
	dueNames := func(items []oversight.AcceptanceLine) []string {
		var out []string
		for _, a := range items {
			out = append(out, a.Jewel+" × "+a.Threat.In(ctx)+" ("+i18n.T(ctx, "oversight.expires", dayText(ctx, a.Expires))+")")
		}
		return out
	}
	groups := []struct {
		key   string
		items []string
	}{
		{"oversight.changes.new_risks", riskNames(c.NewRisks)},
		{"oversight.changes.closed_risks", riskNames(c.ClosedRisks)},
		{"oversight.changes.new_overdue", actionNames(c.NewOverdue)},
		{"oversight.changes.closed_overdue", actionNames(c.ClosedOverdue)},
		{"oversight.changes.new_due", dueNames(c.NewDue)},
		{"oversight.changes.closed_due", dueNames(c.ClosedDue)},
	}
	for _, g := range groups {
		if len(g.items) > 0 {
			out.Groups = append(out.Groups, board.ChangeGroup{Title: i18n.T(ctx, g.key), Items: g.items})
		}
	}
	var trainingLines []string
	for _, t := range c.Training {
		switch {
		case t.From == "":
			trainingLines = append(trainingLines, i18n.T(ctx, "oversight.changes.training_joined", t.Name, i18n.T(ctx, "training.state."+t.To)))
		case t.To == "":
			trainingLines = append(trainingLines, i18n.T(ctx, "oversight.changes.training_left", t.Name))
		default:
			trainingLines = append(trainingLines, i18n.T(ctx, "oversight.changes.training", t.Name,
				i18n.T(ctx, "training.state."+t.From), i18n.T(ctx, "training.state."+t.To)))
		}
	}
	if len(trainingLines) > 0 {
		out.Groups = append(out.Groups, board.ChangeGroup{Title: i18n.T(ctx, "oversight.changes.training_title"), Items: trainingLines})
	}
	return out
}
