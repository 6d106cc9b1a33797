package report

import (
	"context"
	"io"
	"strconv"
	"strings"
	"time"

	"github.com/weerbaar/weerbaar/internal/i18n"
	"github.com/weerbaar/weerbaar/internal/pdfdoc"
)

// PDFName is the report's file name in a package of language lang:
// rapport.pdf in Dutch, report.pdf in English.
func PDFName(lang i18n.Lang) string { return i18n.Translate(lang, "report.pdf.file") }

// WritePDF renders d as the package's report (rapport.pdf / report.pdf),
// worded in lang: a cover with the NIS2 class and the audit chain's head,
// contents, then proportionality, measures and requirements, risk analysis
// with both heat maps, board decisions, training, incidents, registration,
// evidence and the audit-log summary. Its creation date is the dataset's
// generation time, so the same dataset always gives the same bytes.
func WritePDF(w io.Writer, d *Dataset, lang i18n.Lang) error {
	return pdfDoc(d, lang).Write(w)
}

// pdfDoc words the report; the tables reuse the package's column headers
// (report.col.*) so the PDF and the spreadsheets name things alike.
func pdfDoc(d *Dataset, lang i18n.Lang) *pdfdoc.Document {
	ctx := i18n.WithLang(context.Background(), lang)
	t := func(key string, args ...any) string { return i18n.Translate(lang, key, args...) }
	col := func(key string) string { return t("report.col." + key) }
	yesNo := func(b bool) string {
		if b {
			return t("audit.value.yes")
		}
		return t("audit.value.no")
	}
	date := func(p *time.Time) string {
		if p == nil || p.IsZero() {
			return ""
		}
		return i18n.Date(ctx, *p)
	}
	dateTime := func(p *time.Time) string {
		if p == nil || p.IsZero() {
			return ""
		}
		return i18n.DateTime(ctx, *p)
	}
	dec := func(v float64) string { return i18n.FormatDecimal(lang, v, 1, false) }
	left := func(title string, width float64) pdfdoc.Column { return pdfdoc.Column{Title: title, Width: width} }
	right := func(title string, width float64) pdfdoc.Column {
		return pdfdoc.Column{Title: title, Width: width, Align: pdfdoc.AlignRight}
	}
	empty := t("report.pdf.empty")
	m := d.Meta
	title := t("report.pdf.title")
	generated := i18n.DateTime(ctx, m.GeneratedAt)
	doc := pdfdoc.New(pdfdoc.Meta{Title: title + " — " + m.EntityName, Subject: t("report.pdf.subtitle", m.Period.String()),
		Author: m.EntityName, Lang: string(lang), Created: m.GeneratedAt,
		Footer: t("pdf.footer", title, m.EntityName, generated)})

	// Cover.
	class := m.ClassLabel
	if class == "" {
		class = t("report.pdf.class_none")
	}
	facts := []pdfdoc.Fact{{Label: t("pdf.fact.entity"), Value: m.EntityName}}
	if m.LegalName != "" {
		facts = append(facts, pdfdoc.Fact{Label: t("report.pdf.legal_name"), Value: m.LegalName})
	}
	facts = append(facts, pdfdoc.Fact{Label: t("pdf.fact.class"), Value: class})
	if len(m.ClassReasons) > 0 {
		facts = append(facts, pdfdoc.Fact{Label: t("report.pdf.class_reasons"), Value: strings.Join(m.ClassReasons, "\n")})
	}
	facts = append(facts, pdfdoc.Fact{Label: t("report.pdf.period"), Value: m.Period.String()},
		pdfdoc.Fact{Label: t("report.pdf.generated_at"), Value: generated},
		pdfdoc.Fact{Label: t("report.pdf.generator"), Value: m.Generator},
		pdfdoc.Fact{Label: t("report.pdf.catalogue"), Value: m.CatalogueEdition})
	doc.Cover(title, t("report.pdf.subtitle", m.Period.String()), facts)
	doc.Code(t("report.pdf.chain_head", d.Audit.HeadSeq), d.Audit.HeadHash)
	doc.Note(t("report.pdf.verify"))
	doc.TOC(t("pdf.contents"))

	// 1 Proportionality profile.
	doc.Heading(1, t("report.pdf.s1"))
	doc.Paragraph(t("report.pdf.s1.intro"))
	for _, ms := range d.Measures {
		doc.Heading(3, ms.Code+") "+ms.Title)
		if !ms.Applicable {
			doc.Paragraph(t("report.pdf.na") + ": " + ms.Justification)
			continue
		}
		doc.Paragraph(t("report.pdf.s1.target", ms.Target, ms.Floor, ms.Proposal, dec(ms.Current)))
		if ms.Explanation != "" {
			doc.Paragraph(ms.Explanation)
		}
		if len(ms.Reasons) > 0 {
			doc.Bullets(ms.Reasons)
		}
	}

	// 2 The ten measures and their requirements.
	doc.Heading(1, t("report.pdf.s2"))
	chart := pdfdoc.Bars{Title: t("report.pdf.s2.chart"), Max: 5, CurrentLabel: col("current_maturity"),
		TargetLabel: col("target_maturity"), Alt: t("report.pdf.s2.alt")}
	rows := make([][]string, 0, len(d.Measures))
	for _, ms := range d.Measures {
		bar := pdfdoc.Bar{Label: ms.Code + ") " + ms.Title, Current: ms.Current, Value: t("report.pdf.na")}
		target := t("report.pdf.na")
		if ms.Applicable {
			bar.Target, bar.Value = ms.Target, dec(ms.Current)+" / "+strconv.Itoa(ms.Target)
			target = strconv.Itoa(ms.Target)
		}
		chart.Bars = append(chart.Bars, bar)
		rows = append(rows, []string{ms.Code + ") " + ms.Title, dec(ms.Current), target, ms.Status, ms.Owner,
			strconv.Itoa(ms.Done) + "/" + strconv.Itoa(ms.Total)})
	}
	doc.Bars(chart)
	doc.Table(pdfdoc.Table{Caption: t("report.table.measures"), Rows: rows, Empty: empty, Columns: []pdfdoc.Column{
		left(col("measure"), 4.2), right(t("report.pdf.s2.current"), 1.1), right(t("report.pdf.s2.target"), 1),
		left(col("status"), 2.4), left(col("owner"), 1.8), right(t("report.pdf.s2.done"), 1.1)}})
	doc.Note(t("report.pdf.s2.legend"))
	for _, ms := range d.Measures {
		doc.Heading(2, t("report.pdf.s2.measure", ms.Code, ms.Title))
		var reqs [][]string
		for _, r := range d.SoA {
			if !hasMeasure(r.Measures, ms.Code) {
				continue
			}
			applicable := yesNo(r.Applicable)
			if r.Justification != "" {
				applicable += "\n" + r.Justification
			}
			reqs = append(reqs, []string{r.Code + "\n" + r.Title, applicable,
				strconv.Itoa(r.Maturity) + " / " + targetText(ms), r.Status, r.Owner,
				strconv.Itoa(r.PointsDone) + "/" + strconv.Itoa(r.PointsApplicable), strconv.Itoa(r.EvidenceCount)})
		}
		doc.Table(pdfdoc.Table{Rows: reqs, Empty: t("report.pdf.s2.none"), Columns: []pdfdoc.Column{
			left(col("requirement"), 3), left(t("report.pdf.s2.applicability"), 2.4), right(t("report.pdf.s2.maturity"), 1.2),
			left(col("status"), 2.5), left(col("owner"), 1.6), right(t("report.pdf.s2.points"), 1.2),
			right(t("report.pdf.s2.evidence"), 1.1)}})
	}

	// 3 Risk analysis.
	doc.Heading(1, t("report.pdf.s3"))
	rs := d.RiskSummary
	if !rs.Present {
		doc.Paragraph(t("report.pdf.s3.none"))
	} else {
		doc.Paragraph(t("report.pdf.s3.summary", rs.Period, rs.Status, rs.Jewels, rs.Scenarios, rs.Above))
		if rs.AdoptedAt != nil {
			doc.Paragraph(t("report.pdf.s3.adopted", rs.AdoptedBy, date(rs.AdoptedAt), date(rs.ReviewDate)))
		}
		doc.HeatMap(heatMap(lang, t("report.pdf.s3.inherent"), rs.Inherent, rs.Levels))
		doc.HeatMap(heatMap(lang, t("report.pdf.s3.residual"), rs.Residual, rs.Levels))
	}
	doc.Heading(2, t("report.pdf.s3.risks"))
	rows = make([][]string, 0, len(d.Risks))
	for _, r := range d.Risks {
		residual := ""
		if r.ResidualLikelihood > 0 {
			residual = strconv.Itoa(r.ResidualLikelihood) + "×" + strconv.Itoa(r.ResidualImpact) + " " + r.ResidualLevel
		}
		treatment := r.Treatment
		if r.Acceptance != "" {
			treatment += "\n" + r.Acceptance
			if r.AcceptedBy != "" {
				treatment += " · " + r.AcceptedBy
			}
			if r.AcceptanceExpires != nil {
				treatment += " · " + date(r.AcceptanceExpires)
			}
		}
		rows = append(rows, []string{strconv.FormatInt(r.ID, 10), r.Jewel, r.Threat,
			strconv.Itoa(r.Likelihood) + "×" + strconv.Itoa(r.Impact) + " " + r.Level, residual, treatment})
	}
	doc.Table(pdfdoc.Table{Rows: rows, Empty: empty, Columns: []pdfdoc.Column{right(col("id"), 0.8), left(col("jewel"), 2.2),
		left(col("threat"), 2.8), left(t("report.pdf.s3.inherent_short"), 1.6), left(t("report.pdf.s3.residual_short"), 1.6),
		left(col("treatment"), 2.4)}})
	doc.Heading(2, t("report.pdf.s3.suppliers"))
	rows = make([][]string, 0, len(d.Suppliers))
	for _, s := range d.Suppliers {
		var clauses []string
		for _, c := range []struct {
			key string
			ok  bool
		}{{"clause_incident", s.ClauseIncident}, {"clause_audit", s.ClauseAudit}, {"clause_vulnerability", s.ClauseVulnerability},
			{"clause_subcontracting", s.ClauseSubcontract}, {"clause_exit", s.ClauseExit}} {
			clauses = append(clauses, col(c.key)+": "+yesNo(c.ok))
		}
		cert := s.Certifications
		if s.CertificationExpiry != nil {
			cert += " (" + date(s.CertificationExpiry) + ")"
		}
		assessed := date(s.LastAssessed)
		if s.AssessmentResult != "" {
			assessed = strings.TrimSpace(assessed + "\n" + s.AssessmentResult)
		}
		rows = append(rows, []string{s.Name + "\n" + s.Service, s.Jewels, strings.Join(clauses, "\n"), cert, assessed})
	}
	doc.Table(pdfdoc.Table{Rows: rows, Empty: empty, Columns: []pdfdoc.Column{left(col("supplier"), 2.4), left(col("jewels"), 1.8),
		left(t("report.pdf.s3.clauses"), 3), left(col("certifications"), 2), left(col("last_assessed"), 2)}})

	// 4 Board decisions.
	doc.Heading(1, t("report.pdf.s4"))
	rows = make([][]string, 0, len(d.Decisions))
	for _, r := range d.Decisions {
		state := r.State
		if r.Outdated {
			state += " · " + t("report.pdf.s4.superseded")
		}
		rows = append(rows, []string{r.Kind, r.Title, state, r.Quorum,
			strconv.Itoa(r.Approvals) + "/" + strconv.Itoa(r.Required), dateTime(r.DecidedAt), r.SnapshotHash})
	}
	doc.Table(pdfdoc.Table{Rows: rows, Empty: empty, Columns: []pdfdoc.Column{left(col("kind"), 1.6), left(col("title"), 2.6),
		left(col("state"), 1.5), left(col("quorum"), 1.4), right(col("approvals"), 1.2), left(col("decided_at"), 1.6),
		left(col("snapshot_sha256"), 3.2)}})
	doc.Note(t("report.pdf.s4.note"))

	// 5 Training.
	doc.Heading(1, t("report.pdf.s5"))
	rows = make([][]string, 0, len(d.Training))
	for _, r := range d.Training {
		member := r.Member
		if r.Board {
			member += " (" + col("board_member") + ")"
		}
		course := strings.TrimSpace(r.Course + "\n" + r.Provider)
		rows = append(rows, []string{member, r.State, date(r.Deadline), course, date(r.Completed), yesNo(r.Certified), date(r.ValidUntil)})
	}
	doc.Table(pdfdoc.Table{Rows: rows, Empty: empty, Columns: []pdfdoc.Column{left(col("member"), 2.2), left(col("training_state"), 1.6),
		left(col("deadline"), 1.4), left(col("course"), 2.6), left(col("completed_on"), 1.4), left(col("certified"), 1.1),
		left(col("valid_until"), 1.4)}})

	// 6 Incidents.
	doc.Heading(1, t("report.pdf.s6"))
	rows = make([][]string, 0, len(d.Incidents))
	for _, r := range d.Incidents {
		rows = append(rows, []string{"#" + strconv.FormatInt(r.IncidentID, 10) + " " + r.Title + "\n" + r.Status + " · " + r.Significance,
			r.Stage, dateTime(r.DueAt), dateTime(r.SubmittedAt), r.Timeliness, strings.TrimSpace(r.Recipients + "\n" + r.Reference)})
	}
	doc.Table(pdfdoc.Table{Rows: rows, Empty: empty, Columns: []pdfdoc.Column{left(col("incident"), 3), left(col("stage"), 1.6),
		left(col("due_at"), 1.6), left(col("submitted_at"), 1.6), left(col("timeliness"), 1.3), left(col("recipients"), 2)}})
	doc.Note(t("report.pdf.s6.note"))

	// 7 Registration data.
	doc.Heading(1, t("report.pdf.s7"))
	reg := d.Registration
	rf := func(key, value string) pdfdoc.Fact {
		if value == "" {
			value = t("registration.empty")
		}
		return pdfdoc.Fact{Label: t("registration.field." + key), Value: value}
	}
	doc.Facts([]pdfdoc.Fact{rf("legal_name", reg.LegalName), rf("kvk", reg.KvK), rf("street", reg.Street), rf("postcode", reg.Postcode),
		rf("city", reg.City), rf("country", reg.Country), rf("postal_address", reg.PostalAddress), rf("contact_name", reg.ContactName),
		rf("contact_email", reg.ContactEmail), rf("contact_phone", reg.ContactPhone), rf("ip_ranges", strings.Join(reg.IPRanges, "\n")),
		rf("subsectors", strings.Join(reg.Subsectors, ", ")), rf("member_states", strings.Join(reg.MemberStates, ", ")),
		rf("authority", reg.Authority), rf("csirt", reg.CSIRT), rf("info_sharing", yesNo(reg.InfoSharing)),
		rf("info_sharing_details", reg.InfoSharingDetails)})

	// 8 Evidence.
	doc.Heading(1, t("report.pdf.s8"))
	rows = make([][]string, 0, len(d.Evidence))
	for _, e := range d.Evidence {
		file, version, hash := e.URL, "", e.SHA256
		if e.FileName != "" {
			file, version = e.FileName, strconv.Itoa(e.Version)
		}
		if len(hash) > 16 {
			hash = hash[:16] + "…"
		}
		review := e.ReviewState
		if e.ValidUntil != nil {
			review += "\n" + col("valid_until") + " " + date(e.ValidUntil)
		}
		rows = append(rows, []string{e.SubjectType + " " + e.SubjectRef, e.Title + "\n" + file, version, hash,
			i18n.DateTime(ctx, e.UploadedAt), review})
	}
	doc.Table(pdfdoc.Table{Rows: rows, Empty: empty, Columns: []pdfdoc.Column{left(col("subject"), 1.7), left(col("file_name"), 3.1),
		right(col("version"), 0.7), left(col("sha256"), 2.1), left(col("uploaded_at"), 1.7), left(col("review_state"), 1.9)}})
	doc.Note(t("report.pdf.s8.note"))

	// 9 Audit-log summary.
	doc.Heading(1, t("report.pdf.s9"))
	auditFacts := []pdfdoc.Fact{{Label: t("report.pdf.s9.rows"), Value: i18n.Int(ctx, int64(d.Audit.Rows))},
		{Label: t("report.pdf.s9.intact"), Value: yesNo(d.Audit.Intact)}}
	if d.Audit.Broken != "" {
		auditFacts = append(auditFacts, pdfdoc.Fact{Label: t("report.pdf.s9.broken"), Value: d.Audit.Broken})
	}
	auditFacts = append(auditFacts, pdfdoc.Fact{Label: t("report.pdf.s9.head"), Value: strconv.FormatInt(d.Audit.HeadSeq, 10)})
	doc.Facts(auditFacts)
	doc.Code(t("report.pdf.chain_head", d.Audit.HeadSeq), d.Audit.HeadHash)
	rows = make([][]string, 0, len(d.Audit.Actions))
	for _, a := range d.Audit.Actions {
		rows = append(rows, []string{a.Label, i18n.Int(ctx, int64(a.Count))})
	}
	doc.Table(pdfdoc.Table{Rows: rows, Empty: empty, Columns: []pdfdoc.Column{left(t("report.pdf.s9.action"), 5),
		right(t("report.pdf.s9.count"), 1.5)}})
	return doc
}

// targetText is a measure's target maturity as text ("n.v.t." when it does not
// apply).
func targetText(ms MeasureRow) string {
	if !ms.Applicable {
		return "–"
	}
	return strconv.Itoa(ms.Target)
}

// hasMeasure reports whether a requirement's measure list ("a, c") holds
// code.
func hasMeasure(list, code string) bool {
	for _, c := range strings.Split(list, ",") {
		if strings.TrimSpace(c) == code {
			return true
		}
	}
	return false
}

// heatMap draws counts on the analysis's matrix: each cell's tone is its
// level (1 low … 4 critical), the ticks are the scale points.
func heatMap(lang i18n.Lang, title string, counts, levels [5][5]int) pdfdoc.HeatMap {
	t := func(key string) string { return i18n.Translate(lang, key) }
	h := pdfdoc.HeatMap{Title: title, RowAxis: t("risk.likelihood"), ColAxis: t("risk.impact"), Counts: counts,
		Alt: i18n.Translate(lang, "report.pdf.s3.heat_alt")}
	for l := range 5 {
		for i := range 5 {
			if lv := levels[l][i]; lv >= 1 && lv <= 4 {
				h.Tones[l][i] = pdfdoc.Tone(lv)
			}
		}
	}
	for lv, key := range []string{"low", "medium", "high", "critical"} {
		h.Legend = append(h.Legend, pdfdoc.LegendItem{Tone: pdfdoc.Tone(lv + 1), Label: t("risk.level." + key)})
	}
	return h
}
