package server

import (
	"bytes"
	"context"
	"encoding/csv"
	"encoding/json"
	"io"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/weerbaar/weerbaar/internal/audit"
	"github.com/weerbaar/weerbaar/internal/authz"
	"github.com/weerbaar/weerbaar/internal/entity"
	"github.com/weerbaar/weerbaar/internal/evidence"
	"github.com/weerbaar/weerbaar/internal/i18n"
	"github.com/weerbaar/weerbaar/internal/measure"
	"github.com/weerbaar/weerbaar/web/pages/scope"
)

// registrationExport is the registration record as exported: the data, the
// entity and its latest NIS2 class.
type registrationExport struct {
	Entity       string              `json:"entity"`
	ExportedAt   time.Time           `json:"exported_at"`
	Class        string              `json:"nis2_class,omitempty"`
	Registration entity.Registration `json:"registration"`
}

func (s *Server) loadRegistrationExport(r *http.Request) (registrationExport, error) {
	ctx := r.Context()
	actor := authz.ActorFrom(ctx)
	reg, err := entity.GetRegistration(ctx, s.Pool, actor.EntityID)
	if err != nil {
		return registrationExport{}, err
	}
	latest, ok, err := entity.LatestAssessment(ctx, s.Pool, actor.EntityID)
	if err != nil {
		return registrationExport{}, err
	}
	out := registrationExport{Entity: entityFrom(ctx).Name, ExportedAt: time.Now().UTC(), Registration: reg}
	if ok {
		out.Class = string(latest.Result.Class)
	}
	return out, nil
}

func (s *Server) registrationJSON(w http.ResponseWriter, r *http.Request) {
	exp, err := s.loadRegistrationExport(r)
	if err != nil {
		s.serverError(w, r, err)
		return
	}
	b, err := json.MarshalIndent(exp, "", "  ")
	if err != nil {
		s.serverError(w, r, err)
		return
	}
	attachment(w, "application/json", exportName(r.Context(), "registration.export.file", entityFrom(r.Context()).Slug, "json"))
	_, _ = w.Write(append(b, '\n'))
}

// registrationCSV writes one field per row (its label in the reader's
// language), so the file reads well in a spreadsheet and diffs well between
// exports.
func (s *Server) registrationCSV(w http.ResponseWriter, r *http.Request) {
	exp, err := s.loadRegistrationExport(r)
	if err != nil {
		s.serverError(w, r, err)
		return
	}
	reg := exp.Registration
	submitted := ""
	if reg.SubmittedOn != nil {
		submitted = reg.SubmittedOn.Format("2006-01-02")
	}
	ctx := r.Context()
	class := ""
	if exp.Class != "" {
		class = i18n.T(ctx, "scope.class."+exp.Class)
	}
	f := func(key string) string { return i18n.T(ctx, "registration.field."+key) }
	rows := [][2]string{
		{i18n.T(ctx, "registration.export.entity"), exp.Entity}, {i18n.T(ctx, "dashboard.class"), class},
		{f("legal_name"), reg.LegalName}, {f("kvk"), reg.KvK},
		{f("street"), reg.Street}, {f("postcode"), reg.Postcode}, {f("city"), reg.City}, {f("country"), reg.Country},
		{f("postal_address"), reg.PostalAddress}, {f("contact_name"), reg.ContactName}, {f("contact_email"), reg.ContactEmail},
		{f("contact_phone"), reg.ContactPhone}, {f("ip_ranges"), strings.Join(reg.IPRanges, " ")},
		{f("subsectors"), subsectorNames(ctx, strings.Join(reg.Subsectors, ","))}, {f("member_states"), strings.Join(reg.MemberStates, " ")},
		{f("authority"), reg.Authority}, {f("csirt"), reg.CSIRT}, {f("info_sharing"), yesNo(ctx, reg.InfoSharing)},
		{f("info_sharing_details"), reg.InfoSharingDetails}, {i18n.T(ctx, "submission.on"), submitted},
		{i18n.T(ctx, "submission.ref"), reg.SubmissionRef},
	}
	attachment(w, "text/csv; charset=utf-8", exportName(ctx, "registration.export.file", entityFrom(ctx).Slug, "csv"))
	cw := newCSV(w, i18n.LangFrom(ctx))
	cw.row(i18n.T(ctx, "registration.export.field"), i18n.T(ctx, "registration.export.value"))
	for _, row := range rows {
		cw.row(row[0], row[1])
	}
	cw.flush()
}

// csvOut writes CSV with every cell made formula-safe.
type csvOut struct{ w *csv.Writer }

// newCSV writes CSV that opens in the reader's spreadsheet: for Dutch a UTF-8
// byte-order mark and ';' between cells (Dutch Excel uses the comma as the
// decimal separator, so it splits on ';' and needs the BOM to read UTF-8);
// for English plain ','.
func newCSV(w io.Writer, lang i18n.Lang) csvOut {
	cw := csv.NewWriter(w)
	if lang == i18n.NL {
		_, _ = io.WriteString(w, "\uFEFF")
		cw.Comma = ';'
	}
	return csvOut{w: cw}
}

// exportName is a download's file name in the reader's language, e.g.
// "verklaring-van-toepasselijkheid-demo.csv" / "statement-of-applicability-demo.csv".
func exportName(ctx context.Context, key, slug, ext string) string {
	return i18n.T(ctx, key) + "-" + slug + "." + ext
}

func (c csvOut) row(cells ...string) {
	for i := range cells {
		cells[i] = csvSafe(cells[i])
	}
	_ = c.w.Write(cells)
}

func (c csvOut) flush() { c.w.Flush() }

// csvSafe stops a spreadsheet from running a cell as a formula (CSV
// injection): values starting with = + - @ or a control character get a
// leading apostrophe.
func csvSafe(v string) string {
	if v != "" && strings.ContainsRune("=+-@\t\r", rune(v[0])) {
		return "'" + v
	}
	return v
}

// yesNo is a boolean as a word in the reader's language.
func yesNo(ctx context.Context, b bool) string {
	if b {
		return i18n.T(ctx, "audit.value.yes")
	}
	return i18n.T(ctx, "audit.value.no")
}

// auditCSV exports the entity's whole audit chain as the page shows it
// (names, labels, sentences) plus each row's previous hash and hash.
func (s *Server) auditCSV(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	actor := authz.ActorFrom(ctx)
	var rows []audit.Row
	if err := audit.Each(ctx, s.Pool, actor.EntityID, func(row audit.Row) error {
		rows = append(rows, row)
		return nil
	}); err != nil {
		s.serverError(w, r, err)
		return
	}
	names, err := audit.UserNames(ctx, s.Pool, auditUserIDs(rows))
	if err != nil {
		s.serverError(w, r, err)
		return
	}
	t := auditText{ctx: ctx, names: names}
	lines := make([][]string, 0, len(rows))
	for _, row := range rows {
		before, after, err := row.BeforeAfter()
		if err != nil {
			s.serverError(w, r, err)
			return
		}
		what := t.sentence(row, before, after)
		if ch := t.changes(row, before, after); len(ch) > 0 {
			what += ": " + strings.Join(ch, "; ")
		}
		lines = append(lines, []string{strconv.FormatInt(row.Seq, 10), row.At.Format("2006-01-02T15:04:05.000000Z"), t.actor(row),
			row.ActorEmail, t.actionLabel(row.Action), what, row.IP, row.PrevHash, row.Hash})
	}
	attachment(w, "text/csv; charset=utf-8", exportName(ctx, "audit.export.file", entityFrom(ctx).Slug, "csv"))
	cw := newCSV(w, i18n.LangFrom(ctx))
	cw.row("#", i18n.T(ctx, "audit.export.at"), i18n.T(ctx, "audit.actor"), i18n.T(ctx, "users.email"), i18n.T(ctx, "audit.action"),
		i18n.T(ctx, "audit.what"), i18n.T(ctx, "audit.export.ip"), "prev_hash", "hash")
	for _, l := range lines {
		cw.row(l...)
	}
	cw.flush()
}

// auditJSONL exports the entity's whole audit chain, oldest first, one
// canonical row per line with prev_hash and hash, so an auditor can re-verify
// every hash with the recipe in the audit package's documentation.
func (s *Server) auditJSONL(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	actor := authz.ActorFrom(ctx)
	var buf bytes.Buffer
	err := audit.Each(ctx, s.Pool, actor.EntityID, func(row audit.Row) error {
		line, err := audit.ExportLine(row)
		if err != nil {
			return err
		}
		buf.Write(line)
		return nil
	})
	if err != nil {
		s.serverError(w, r, err)
		return
	}
	attachment(w, "application/jsonl; charset=utf-8", exportName(ctx, "audit.export.file", entityFrom(ctx).Slug, "jsonl"))
	_, _ = w.Write(buf.Bytes())
}

func (s *Server) registrationPrint(w http.ResponseWriter, r *http.Request) {
	exp, err := s.loadRegistrationExport(r)
	if err != nil {
		s.serverError(w, r, err)
		return
	}
	ctx := r.Context()
	fields := registrationFields(ctx, exp.Registration)
	if exp.Registration.SubmittedOn != nil {
		fields = append(fields, scope.Field{Label: i18n.T(ctx, "submission.title"),
			Value: i18n.Date(ctx, *exp.Registration.SubmittedOn) + " · " + exp.Registration.SubmissionRef})
	}
	s.render(w, r, http.StatusOK, scope.Print(scope.PrintProps{
		Shell: s.shell(r, "registration.print", "scope"), EntityName: exp.Entity, Fields: fields, Class: exp.Class,
		Printed: i18n.T(ctx, "registration.print.date", i18n.DateTime(ctx, exp.ExportedAt)),
	}))
}

// requirementEvidence lists the entity's evidence per requirement code, for
// all requirements in one call (a constant number of queries).
func (s *Server) requirementEvidence(ctx context.Context, entityID int64) (map[string][]evidence.Item, error) {
	return s.evidence().ListBySubjectType(ctx, entityID, measure.SubjectRequirement)
}

// evidenceCell describes a requirement's evidence for a spreadsheet cell, one
// item per line: the title, the newest version and its SHA-256 (files), or
// the address (links), so an auditor can match each file with the package.
func evidenceCell(ctx context.Context, items []evidence.Item) string {
	lines := make([]string, 0, len(items))
	for _, it := range items {
		switch {
		case len(it.Versions) > 0:
			v := it.Versions[0] // newest first
			lines = append(lines, it.Title+" ("+i18n.T(ctx, "soa.export.version", v.No)+", SHA-256 "+v.SHA256+")")
		case it.URL != "":
			lines = append(lines, it.Title+" ("+it.URL+")")
		default:
			lines = append(lines, it.Title)
		}
	}
	return strings.Join(lines, "\n")
}

// soaCSV exports the Statement of Applicability as the page filters it, in
// the reader's language (headers, values, separator, file name), with each
// requirement's ISO/IEC 27001 controls and its evidence.
func (s *Server) soaCSV(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	actor := authz.ActorFrom(ctx)
	ed, err := s.edition(r)
	if err != nil {
		s.serverError(w, r, err)
		return
	}
	reqs, err := measure.Requirements(ctx, s.Pool, ed, actor.EntityID)
	if err != nil {
		s.serverError(w, r, err)
		return
	}
	ev, err := s.requirementEvidence(ctx, actor.EntityID)
	if err != nil {
		s.serverError(w, r, err)
		return
	}
	counts := make(map[string]int, len(ev))
	for code, items := range ev {
		counts[code] = len(items)
	}
	iso := make(map[string]string, len(reqs))
	for _, req := range reqs {
		iso[req.Code] = strings.Join(req.ISOControls, ", ")
	}
	q := r.URL.Query()
	entries, _ := measure.StatementOfApplicability(reqs, counts, measure.SoAQuery{Measure: q.Get("measure"), Status: q.Get("status")})
	rows := soaRows(ctx, entries)
	attachment(w, "text/csv; charset=utf-8", exportName(ctx, "soa.export.file", entityFrom(ctx).Slug, "csv"))
	cw := newCSV(w, i18n.LangFrom(ctx))
	cw.row(i18n.T(ctx, "soa.requirement"), i18n.T(ctx, "evidence.item_title"), i18n.T(ctx, "soa.measures"),
		i18n.T(ctx, "soa.applicability"), i18n.T(ctx, "soa.justification"), i18n.T(ctx, "soa.maturity"), i18n.T(ctx, "soa.status"),
		i18n.T(ctx, "soa.owner"), i18n.T(ctx, "soa.due"), i18n.T(ctx, "soa.export.iso"), i18n.T(ctx, "soa.export.evidence_count"),
		i18n.T(ctx, "soa.export.evidence"))
	for _, row := range rows {
		applicable := i18n.T(ctx, "soa.applicable")
		if !row.Applicable {
			applicable = i18n.T(ctx, "soa.not_applicable")
		}
		cw.row(row.Code, row.Title, row.Measures, applicable, row.Justification, strconv.Itoa(row.Maturity),
			i18n.T(ctx, "status."+row.Status), row.Owner, row.DueISO, iso[row.Code], strconv.Itoa(row.Evidence),
			evidenceCell(ctx, ev[row.Code]))
	}
	cw.flush()
}
