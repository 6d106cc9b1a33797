package server

import (
	"bytes"
	"context"
	"fmt"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/weerbaar/weerbaar/internal/approval"
	"github.com/weerbaar/weerbaar/internal/entity"
	"github.com/weerbaar/weerbaar/internal/i18n"
	"github.com/weerbaar/weerbaar/internal/pdfdoc"
	"github.com/weerbaar/weerbaar/web/pages/board"
	"github.com/weerbaar/weerbaar/web/pages/measures"
)

// The board's printable documents as PDF (internal/pdfdoc): an oversight
// report and a decision record, loaded exactly as their pages load them
// (boardReportView, boardRequestView) and worded from the same props, in
// the reader's language.

// sendPDF renders doc and sends it as a download called filename; a
// rendering failure is the generic 500 page, never half a file.
func (s *Server) sendPDF(w http.ResponseWriter, r *http.Request, doc *pdfdoc.Document, filename string) {
	var buf bytes.Buffer
	if err := doc.Write(&buf); err != nil {
		s.serverError(w, r, err)
		return
	}
	attachment(w, "application/pdf", filename)
	w.Header().Set("Content-Length", strconv.Itoa(buf.Len()))
	_, _ = w.Write(buf.Bytes())
}

// pdfMeta is a document's properties in the reader's language: its footer
// names the document, the entity and when it was made.
func pdfMeta(ctx context.Context, e entity.Entity, title, subject string, made time.Time) pdfdoc.Meta {
	return pdfdoc.Meta{Title: title, Subject: subject, Author: e.Name, Lang: string(i18n.LangFrom(ctx)), Created: made,
		Footer: i18n.T(ctx, "pdf.footer", title, e.Name, i18n.DateTime(ctx, made))}
}

// boardReportPDF is the oversight report as PDF (report.pdf).
func (s *Server) boardReportPDF(w http.ResponseWriter, r *http.Request) {
	id, ok := s.idParam(w, r, "reportID")
	if !ok {
		return
	}
	p, rep, err := s.boardReportView(r, id)
	if s.lookupFailed(w, r, err) {
		return
	}
	ctx := r.Context()
	e := entityFrom(ctx)
	s.sendPDF(w, r, boardReportDoc(ctx, e, p, rep.GeneratedAt),
		fmt.Sprintf("%s-%s-%d.pdf", i18n.T(ctx, "oversight.pdf.file"), e.Slug, rep.ID))
}

// boardReportDoc words a report as its page does, section by section: the
// measures with their maturity chart, what changed, the risks above
// tolerance and ending acceptances, overdue actions, incidents, the
// board's training, the discussion and the evidence.
func boardReportDoc(ctx context.Context, e entity.Entity, p board.ReportProps, generated time.Time) *pdfdoc.Document {
	t := func(key string, args ...any) string { return i18n.T(ctx, key, args...) }
	title := t("oversight.report.title", p.Title)
	doc := pdfdoc.New(pdfMeta(ctx, e, title, t("oversight.ref"), generated))
	facts := []pdfdoc.Fact{{Label: t("pdf.fact.entity"), Value: e.Name}}
	if p.Class != "" {
		facts = append(facts, pdfdoc.Fact{Label: t("pdf.fact.class"), Value: t("scope.class." + p.Class)})
	}
	facts = append(facts, pdfdoc.Fact{Label: t("oversight.period.label"), Value: p.Title},
		pdfdoc.Fact{Label: t("oversight.generated"), Value: strings.Join(nonEmpty(p.Generated, p.GeneratedBy), " · ")})
	discussed := t("oversight.not_discussed")
	if p.Discussed {
		discussed = p.DiscussedOn + " · " + p.MinutesRef
	}
	facts = append(facts, pdfdoc.Fact{Label: t("oversight.discussed_on"), Value: discussed})
	doc.Cover(title, t("oversight.report.day", p.Day), facts)
	doc.TOC(t("pdf.contents"))
	doc.Note(t("oversight.ref"))

	doc.Heading(1, t("measures.readiness", p.Readiness))
	doc.Paragraph(t("measures.readiness.detail", p.Ready, p.Applicable))
	chart := pdfdoc.Bars{Title: t("chart.maturity.title"), CurrentLabel: t("oversight.current"), TargetLabel: t("oversight.target"),
		Alt: t("chart.maturity.desc")}
	rows := make([][]string, 0, len(p.Measures))
	for i, m := range p.Measures {
		value, target, gap := m.Current+" / "+m.Target, m.Target, m.Gap
		if !m.Applicable {
			value, target, gap = t("oversight.not_applicable"), t("oversight.not_applicable"), ""
		}
		bar := pdfdoc.Bar{Label: m.Code + ") " + m.Label, Value: value}
		if i < len(p.Bars) {
			bar.Current, bar.Target = p.Bars[i].Current, p.Bars[i].Target
		}
		chart.Bars = append(chart.Bars, bar)
		rows = append(rows, []string{m.Code + ") " + m.Label, m.Current, target, gap, strconv.Itoa(m.Done) + "/" + strconv.Itoa(m.Total)})
	}
	doc.Bars(chart)
	doc.Table(pdfdoc.Table{Caption: t("oversight.measures"), Rows: rows, Columns: []pdfdoc.Column{
		{Title: t("oversight.measure"), Width: 5}, {Title: t("oversight.current"), Width: 1, Align: pdfdoc.AlignRight},
		{Title: t("oversight.target"), Width: 1.6, Align: pdfdoc.AlignRight}, {Title: t("oversight.gap"), Width: 1, Align: pdfdoc.AlignRight},
		{Title: t("oversight.requirements_done"), Width: 1.4, Align: pdfdoc.AlignRight}}})

	doc.Heading(1, t("oversight.changes"))
	switch prev := p.Previous; {
	case prev == nil:
		doc.Paragraph(t("oversight.changes.first"))
	default:
		doc.Paragraph(t("oversight.changes.since") + " " + prev.Title + " (" + prev.Day + ")")
		if prev.Changes.None {
			doc.Paragraph(t("oversight.changes.none"))
		}
		for _, l := range prev.Changes.Lines {
			doc.Paragraph(l)
		}
		if len(prev.Changes.Measures) > 0 {
			doc.Heading(3, t("oversight.changes.measures"))
			doc.Bullets(prev.Changes.Measures)
		} else if !prev.Changes.None {
			doc.Note(t("oversight.changes.measures_same"))
		}
		for _, g := range prev.Changes.Groups {
			doc.Heading(3, g.Title)
			doc.Bullets(g.Items)
		}
	}

	doc.Heading(1, t("board.risks"))
	if !p.HasAnalysis {
		doc.Paragraph(t("board.risks.none_yet"))
	} else {
		doc.Paragraph(t("risk.analysis.title", p.Period) + " · " + t("risk.status."+p.AnalysisStatus) + " · " +
			t("board.risks.tolerance", t("risk.level."+p.Tolerance)))
		if p.Above == 0 {
			doc.Paragraph(t("board.risks.within"))
		} else {
			doc.Paragraph(i18n.N(ctx, "board.risks.above", p.Above))
			items := make([]string, 0, len(p.Risks))
			for _, rk := range p.Risks {
				items = append(items, t("risk.level."+rk.Level)+" · "+rk.Name+" · "+rk.Treatment)
			}
			doc.Bullets(items)
			if p.MoreRisks > 0 {
				doc.Note(i18n.N(ctx, "oversight.more_risks", p.MoreRisks))
			}
		}
	}
	doc.Heading(2, t("oversight.acceptances"))
	if len(p.Acceptances) == 0 {
		doc.Paragraph(t("oversight.acceptances.none"))
	} else {
		items := make([]string, 0, len(p.Acceptances))
		for _, a := range p.Acceptances {
			when := t("oversight.expires", a.Expires)
			if a.Expired {
				when = t("oversight.expired", a.Expires)
			}
			items = append(items, t("risk.level."+a.Level)+" · "+a.Name+" · "+when)
		}
		doc.Bullets(items)
	}

	doc.Heading(1, t("oversight.overdue"))
	if len(p.Overdue) == 0 {
		doc.Paragraph(t("oversight.overdue.none"))
	} else {
		rows := make([][]string, 0, len(p.Overdue))
		for _, a := range p.Overdue {
			rows = append(rows, []string{a.Title + "\n" + t("oversight.action.requirement", a.Requirement, a.Period), a.Risk, a.Owner, a.Due})
		}
		doc.Table(pdfdoc.Table{Rows: rows, Columns: []pdfdoc.Column{{Title: t("oversight.action"), Width: 4},
			{Title: t("oversight.risk"), Width: 3}, {Title: t("oversight.owner"), Width: 2}, {Title: t("oversight.due_date"), Width: 1.6}}})
	}

	doc.Heading(1, t("oversight.incidents"))
	if !p.Incidents {
		doc.Paragraph(t("oversight.incidents.pending"))
	}

	doc.Heading(1, t("board.training"))
	if len(p.Training) == 0 {
		doc.Paragraph(t("training.members.none"))
	} else {
		rows := make([][]string, 0, len(p.Training))
		for _, m := range p.Training {
			cert := m.Certificate
			if cert == "" {
				cert = t("training.certificate.none")
			}
			rows = append(rows, []string{m.Name, t("training.state." + m.State), cert, m.Deadline})
		}
		doc.Table(pdfdoc.Table{Rows: rows, Columns: []pdfdoc.Column{{Title: t("training.member"), Width: 2},
			{Title: t("training.status"), Width: 1.6}, {Title: t("training.certificate"), Width: 4}, {Title: t("training.deadline"), Width: 1.6}}})
	}

	doc.Heading(1, t("oversight.discussion"))
	if p.Discussed {
		doc.Paragraph(t("oversight.discussion.done", p.DiscussedOn, p.MinutesRef))
		if p.DiscussedBy != "" {
			doc.Note(t("oversight.discussion.recorded", p.DiscussedBy, p.DiscussedAt))
		}
	} else {
		doc.Paragraph(t("oversight.not_discussed") + ". " + t("oversight.discussion.pending"))
	}
	doc.Note(t("oversight.discussion.why"))

	doc.Heading(1, t("evidence.title"))
	var evidenceRows [][]string
	if p.Evidence != nil {
		for _, it := range p.Evidence.Items {
			what, hash := it.URL, ""
			if len(it.Versions) > 0 {
				v := slices.MaxFunc(it.Versions, func(a, b measures.EvidenceVersion) int { return a.No - b.No })
				what, hash = v.Filename+" (v"+strconv.Itoa(v.No)+")", v.SHA256
			}
			evidenceRows = append(evidenceRows, []string{it.Title, what, hash, t("evidence.added", i18n.DateTime(ctx, it.CreatedAt), it.CreatedBy)})
		}
	}
	doc.Table(pdfdoc.Table{Rows: evidenceRows, Empty: t("oversight.pdf.evidence_none"),
		Columns: []pdfdoc.Column{{Title: t("evidence.item_title"), Width: 2.4}, {Title: t("evidence.file"), Width: 2.4},
			{Title: t("approval.hash"), Width: 3}, {Title: t("pdf.col.added"), Width: 2.2}}})
	return doc
}

// boardRecordPDF is a request's decision record as PDF (record.pdf): what
// was put before the board with its SHA-256, each board member's decision,
// the quorum and the outcome, and whether an approval still holds today.
func (s *Server) boardRecordPDF(w http.ResponseWriter, r *http.Request) {
	id, ok := s.idParam(w, r, "requestID")
	if !ok {
		return
	}
	p, req, err := s.boardRequestView(r, id)
	if s.lookupFailed(w, r, err) {
		return
	}
	ctx := r.Context()
	s.sendPDF(w, r, decisionRecordDoc(ctx, entityFrom(ctx), p, time.Now()),
		fmt.Sprintf("%s-%d-%s.pdf", i18n.T(ctx, "approval.record.file"), req.ID, req.SnapshotHash[:min(12, len(req.SnapshotHash))]))
}

// decisionRecordDoc words a request as its page does, without the forms:
// made is when the record was printed (its standing is as of then).
func decisionRecordDoc(ctx context.Context, e entity.Entity, p board.DetailProps, made time.Time) *pdfdoc.Document {
	t := func(key string, args ...any) string { return i18n.T(ctx, key, args...) }
	title := t("approval.record.heading", p.Title)
	doc := pdfdoc.New(pdfMeta(ctx, e, title, p.KindLabel, made))
	doc.Heading(1, title)
	outcome := t("approval.state." + p.State)
	if p.DecidedAt != "" {
		outcome += " · " + p.DecidedAt
	}
	doc.Facts([]pdfdoc.Fact{{Label: t("pdf.fact.entity"), Value: e.Name}, {Label: t("approval.col.kind"), Value: p.KindLabel},
		{Label: t("approval.record.number"), Value: strconv.FormatInt(p.ID, 10)},
		{Label: t("approval.col.submitted"), Value: strings.Join(nonEmpty(p.SubmittedBy, p.SubmittedAt), " · ")},
		{Label: t("approval.record.outcome"), Value: outcome},
		{Label: t("approval.quorum.title"), Value: p.QuorumText + " · " + p.Progress}})
	doc.Code(t("approval.hash"), p.Hash)
	doc.Note(t("approval.hash_help"))
	if p.HashVerified {
		doc.Paragraph("✓ " + t("approval.hash_verified"))
	} else {
		doc.Paragraph("✕ " + t("approval.hash_mismatch"))
	}

	doc.Heading(2, t("approval.detail.what"))
	doc.Paragraph(p.Summary)
	if p.CoverNote != "" {
		doc.Heading(3, t("approval.new.cover_note"))
		doc.Paragraph(p.CoverNote)
	}

	doc.Heading(2, t("approval.record.standing"))
	doc.Paragraph(p.Standing)

	doc.Heading(2, t("approval.detail.decisions"))
	if len(p.Awaiting) > 0 && p.State == string(approval.StatePending) {
		doc.Paragraph(t("approval.detail.awaiting") + " " + strings.Join(p.Awaiting, ", "))
	}
	if len(p.Decisions) == 0 {
		doc.Paragraph(t("approval.record.none"))
	}
	// One block per board member: a record holds a handful of votes, each
	// with a comment, how it was confirmed, where from and what was seen.
	for _, d := range p.Decisions {
		doc.Heading(3, d.Who+": "+d.Decision)
		facts := []pdfdoc.Fact{{Label: t("approval.col.when"), Value: d.When}, {Label: t("approval.col.reauth"), Value: d.Reauth}}
		if origin := nonEmpty(d.IP, d.UserAgent); len(origin) > 0 {
			facts = append(facts, pdfdoc.Fact{Label: t("approval.col.origin"), Value: strings.Join(origin, " · ")})
		}
		if d.Comment != "" {
			facts = append(facts, pdfdoc.Fact{Label: t("approval.col.comment"), Value: d.Comment})
		}
		doc.Facts(facts)
		doc.Code(t("approval.hash"), d.Hash)
	}
	return doc
}
