package report

import (
	"encoding/csv"
	"fmt"
	"io"
	"path"
	"strconv"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/weerbaar/weerbaar/internal/i18n"
)

// ColType is how a column's values are typed in XLSX and JSON and written in
// CSV.
type ColType string

// The column types.
const (
	TypeText     ColType = "text"
	TypeInt      ColType = "int"
	TypeDate     ColType = "date"     // time.Time or *time.Time, a calendar day
	TypeDateTime ColType = "datetime" // time.Time or *time.Time, UTC
	TypeDecimal  ColType = "decimal"  // float64
	TypeBool     ColType = "bool"
	TypeHash     ColType = "hash" // lower-case hex SHA-256
)

// Column is one column of a table: a stable key (JSON member, catalogue key
// report.col.<key> for the header) and a type.
type Column struct {
	Key  string
	Type ColType
}

// Header is the column's header in lang.
func (c Column) Header(lang i18n.Lang) string { return i18n.Translate(lang, "report.col."+c.Key) }

// Table is one table of the package: the ONE definition from which CSV,
// XLSX and JSON are written, so their rows and columns cannot drift apart.
type Table struct {
	// Name is the stable file and JSON name ("soa" → csv/soa.csv).
	Name    string
	Columns []Column
	Rows    int
	// Cell returns the typed value of row r, column c: string, int, int64,
	// float64, bool, time.Time or *time.Time (nil: empty).
	Cell func(r, c int) any
}

// Title is the table's name in lang (the XLSX sheet name).
func (t Table) Title(lang i18n.Lang) string { return i18n.Translate(lang, "report.table."+t.Name) }

type col[T any] struct {
	key string
	typ ColType
	get func(T) any
}

func table[T any](name string, rows []T, cols ...col[T]) Table {
	t := Table{Name: name, Rows: len(rows)}
	for _, c := range cols {
		t.Columns = append(t.Columns, Column{Key: c.key, Type: c.typ})
	}
	t.Cell = func(r, c int) any { return cols[c].get(rows[r]) }
	return t
}

// Tables are the package's tables in file order: SoA with Annex points,
// measures, risks, suppliers, decisions, incidents, training, evidence.
func Tables(d *Dataset) []Table {
	return []Table{
		table("soa", d.SoA,
			col[SoARow]{"requirement", TypeText, func(r SoARow) any { return r.Code }},
			col[SoARow]{"title", TypeText, func(r SoARow) any { return r.Title }},
			col[SoARow]{"measures", TypeText, func(r SoARow) any { return r.Measures }},
			col[SoARow]{"applicable", TypeBool, func(r SoARow) any { return r.Applicable }},
			col[SoARow]{"justification", TypeText, func(r SoARow) any { return r.Justification }},
			col[SoARow]{"maturity", TypeInt, func(r SoARow) any { return r.Maturity }},
			col[SoARow]{"status", TypeText, func(r SoARow) any { return r.Status }},
			col[SoARow]{"owner", TypeText, func(r SoARow) any { return r.Owner }},
			col[SoARow]{"due", TypeDate, func(r SoARow) any { return r.Due }},
			col[SoARow]{"iso_controls", TypeText, func(r SoARow) any { return r.ISOControls }},
			col[SoARow]{"annex_points", TypeText, func(r SoARow) any { return r.AnnexPoints }},
			col[SoARow]{"points_done", TypeInt, func(r SoARow) any { return r.PointsDone }},
			col[SoARow]{"points_applicable", TypeInt, func(r SoARow) any { return r.PointsApplicable }},
			col[SoARow]{"evidence_count", TypeInt, func(r SoARow) any { return r.EvidenceCount }},
		),
		table("measures", d.Measures,
			col[MeasureRow]{"measure", TypeText, func(r MeasureRow) any { return r.Code }},
			col[MeasureRow]{"title", TypeText, func(r MeasureRow) any { return r.Title }},
			col[MeasureRow]{"applicable", TypeBool, func(r MeasureRow) any { return r.Applicable }},
			col[MeasureRow]{"justification", TypeText, func(r MeasureRow) any { return r.Justification }},
			col[MeasureRow]{"current_maturity", TypeDecimal, func(r MeasureRow) any { return r.Current }},
			col[MeasureRow]{"target_maturity", TypeInt, func(r MeasureRow) any { return r.Target }},
			col[MeasureRow]{"floor", TypeInt, func(r MeasureRow) any { return r.Floor }},
			col[MeasureRow]{"status", TypeText, func(r MeasureRow) any { return r.Status }},
			col[MeasureRow]{"owner", TypeText, func(r MeasureRow) any { return r.Owner }},
			col[MeasureRow]{"requirements_done", TypeInt, func(r MeasureRow) any { return r.Done }},
			col[MeasureRow]{"requirements_applicable", TypeInt, func(r MeasureRow) any { return r.Total }},
			col[MeasureRow]{"why_target", TypeText, func(r MeasureRow) any { return r.Explanation }},
		),
		table("risks", d.Risks,
			col[RiskRow]{"id", TypeInt, func(r RiskRow) any { return r.ID }},
			col[RiskRow]{"jewel", TypeText, func(r RiskRow) any { return r.Jewel }},
			col[RiskRow]{"threat", TypeText, func(r RiskRow) any { return r.Threat }},
			col[RiskRow]{"likelihood", TypeInt, func(r RiskRow) any { return r.Likelihood }},
			col[RiskRow]{"impact", TypeInt, func(r RiskRow) any { return r.Impact }},
			col[RiskRow]{"level", TypeText, func(r RiskRow) any { return r.Level }},
			col[RiskRow]{"residual_likelihood", TypeInt, func(r RiskRow) any { return r.ResidualLikelihood }},
			col[RiskRow]{"residual_impact", TypeInt, func(r RiskRow) any { return r.ResidualImpact }},
			col[RiskRow]{"residual_level", TypeText, func(r RiskRow) any { return r.ResidualLevel }},
			col[RiskRow]{"treatment", TypeText, func(r RiskRow) any { return r.Treatment }},
			col[RiskRow]{"justification", TypeText, func(r RiskRow) any { return r.Justification }},
			col[RiskRow]{"acceptance", TypeText, func(r RiskRow) any { return r.Acceptance }},
			col[RiskRow]{"accepted_by", TypeText, func(r RiskRow) any { return r.AcceptedBy }},
			col[RiskRow]{"acceptance_expires", TypeDate, func(r RiskRow) any { return r.AcceptanceExpires }},
		),
		table("suppliers", d.Suppliers,
			col[SupplierRow]{"id", TypeInt, func(r SupplierRow) any { return r.ID }},
			col[SupplierRow]{"supplier", TypeText, func(r SupplierRow) any { return r.Name }},
			col[SupplierRow]{"service", TypeText, func(r SupplierRow) any { return r.Service }},
			col[SupplierRow]{"jewels", TypeText, func(r SupplierRow) any { return r.Jewels }},
			col[SupplierRow]{"clause_incident", TypeBool, func(r SupplierRow) any { return r.ClauseIncident }},
			col[SupplierRow]{"clause_audit", TypeBool, func(r SupplierRow) any { return r.ClauseAudit }},
			col[SupplierRow]{"clause_vulnerability", TypeBool, func(r SupplierRow) any { return r.ClauseVulnerability }},
			col[SupplierRow]{"clause_subcontracting", TypeBool, func(r SupplierRow) any { return r.ClauseSubcontract }},
			col[SupplierRow]{"clause_exit", TypeBool, func(r SupplierRow) any { return r.ClauseExit }},
			col[SupplierRow]{"certifications", TypeText, func(r SupplierRow) any { return r.Certifications }},
			col[SupplierRow]{"certification_expiry", TypeDate, func(r SupplierRow) any { return r.CertificationExpiry }},
			col[SupplierRow]{"last_assessed", TypeDate, func(r SupplierRow) any { return r.LastAssessed }},
			col[SupplierRow]{"assessment_result", TypeText, func(r SupplierRow) any { return r.AssessmentResult }},
		),
		table("decisions", d.Decisions,
			col[DecisionRow]{"id", TypeInt, func(r DecisionRow) any { return r.ID }},
			col[DecisionRow]{"kind", TypeText, func(r DecisionRow) any { return r.Kind }},
			col[DecisionRow]{"title", TypeText, func(r DecisionRow) any { return r.Title }},
			col[DecisionRow]{"submitted_by", TypeText, func(r DecisionRow) any { return r.SubmittedBy }},
			col[DecisionRow]{"submitted_at", TypeDateTime, func(r DecisionRow) any { return r.SubmittedAt }},
			col[DecisionRow]{"state", TypeText, func(r DecisionRow) any { return r.State }},
			col[DecisionRow]{"quorum", TypeText, func(r DecisionRow) any { return r.Quorum }},
			col[DecisionRow]{"required", TypeInt, func(r DecisionRow) any { return r.Required }},
			col[DecisionRow]{"approvals", TypeInt, func(r DecisionRow) any { return r.Approvals }},
			col[DecisionRow]{"rejections", TypeInt, func(r DecisionRow) any { return r.Rejections }},
			col[DecisionRow]{"decided_at", TypeDateTime, func(r DecisionRow) any { return r.DecidedAt }},
			col[DecisionRow]{"outdated", TypeBool, func(r DecisionRow) any { return r.Outdated }},
			col[DecisionRow]{"outdated_reason", TypeText, func(r DecisionRow) any { return r.OutdatedReason }},
			col[DecisionRow]{"snapshot_sha256", TypeHash, func(r DecisionRow) any { return r.SnapshotHash }},
		),
		table("incidents", d.Incidents,
			col[IncidentRow]{"incident", TypeInt, func(r IncidentRow) any { return r.IncidentID }},
			col[IncidentRow]{"title", TypeText, func(r IncidentRow) any { return r.Title }},
			col[IncidentRow]{"status", TypeText, func(r IncidentRow) any { return r.Status }},
			col[IncidentRow]{"significance", TypeText, func(r IncidentRow) any { return r.Significance }},
			col[IncidentRow]{"aware_at", TypeDateTime, func(r IncidentRow) any { return r.AwareAt }},
			col[IncidentRow]{"stage", TypeText, func(r IncidentRow) any { return r.Stage }},
			col[IncidentRow]{"due_at", TypeDateTime, func(r IncidentRow) any { return r.DueAt }},
			col[IncidentRow]{"submitted_at", TypeDateTime, func(r IncidentRow) any { return r.SubmittedAt }},
			col[IncidentRow]{"recipients", TypeText, func(r IncidentRow) any { return r.Recipients }},
			col[IncidentRow]{"reference", TypeText, func(r IncidentRow) any { return r.Reference }},
			col[IncidentRow]{"timeliness", TypeText, func(r IncidentRow) any { return r.Timeliness }},
		),
		table("training", d.Training,
			col[TrainingRow]{"member", TypeText, func(r TrainingRow) any { return r.Member }},
			col[TrainingRow]{"board_member", TypeBool, func(r TrainingRow) any { return r.Board }},
			col[TrainingRow]{"training_state", TypeText, func(r TrainingRow) any { return r.State }},
			col[TrainingRow]{"deadline", TypeDate, func(r TrainingRow) any { return r.Deadline }},
			col[TrainingRow]{"course", TypeText, func(r TrainingRow) any { return r.Course }},
			col[TrainingRow]{"provider", TypeText, func(r TrainingRow) any { return r.Provider }},
			col[TrainingRow]{"completed_on", TypeDate, func(r TrainingRow) any { return r.Completed }},
			col[TrainingRow]{"certified", TypeBool, func(r TrainingRow) any { return r.Certified }},
			col[TrainingRow]{"valid_until", TypeDate, func(r TrainingRow) any { return r.ValidUntil }},
		),
		table("evidence", d.Evidence,
			col[EvidenceRow]{"subject_type", TypeText, func(r EvidenceRow) any { return r.SubjectType }},
			col[EvidenceRow]{"subject", TypeText, func(r EvidenceRow) any { return r.SubjectRef }},
			col[EvidenceRow]{"title", TypeText, func(r EvidenceRow) any { return r.Title }},
			col[EvidenceRow]{"file_name", TypeText, func(r EvidenceRow) any { return r.FileName }},
			col[EvidenceRow]{"version", TypeInt, func(r EvidenceRow) any { return r.Version }},
			col[EvidenceRow]{"size", TypeInt, func(r EvidenceRow) any { return r.Size }},
			col[EvidenceRow]{"sha256", TypeHash, func(r EvidenceRow) any { return r.SHA256 }},
			col[EvidenceRow]{"uploaded_at", TypeDateTime, func(r EvidenceRow) any { return r.UploadedAt }},
			col[EvidenceRow]{"uploaded_by", TypeText, func(r EvidenceRow) any { return r.UploadedBy }},
			col[EvidenceRow]{"url", TypeText, func(r EvidenceRow) any { return r.URL }},
			col[EvidenceRow]{"path", TypeText, func(r EvidenceRow) any { return r.Path }},
			col[EvidenceRow]{"review_state", TypeText, func(r EvidenceRow) any { return r.ReviewState }},
			col[EvidenceRow]{"valid_until", TypeDate, func(r EvidenceRow) any { return r.ValidUntil }},
			col[EvidenceRow]{"reviewed_by", TypeText, func(r EvidenceRow) any { return r.ReviewedBy }},
			col[EvidenceRow]{"reviewed_at", TypeDateTime, func(r EvidenceRow) any { return r.ReviewedAt }},
			col[EvidenceRow]{"review_comment", TypeText, func(r EvidenceRow) any { return r.ReviewComment }},
		),
	}
}

// timeOf unwraps a date or datetime cell; ok is false when it is empty.
func timeOf(v any) (time.Time, bool) {
	switch t := v.(type) {
	case time.Time:
		return t.UTC(), !t.IsZero()
	case *time.Time:
		if t == nil {
			return time.Time{}, false
		}
		return t.UTC(), true
	}
	return time.Time{}, false
}

// jsonValue is a cell as data.json holds it: dates as "YYYY-MM-DD",
// datetimes as RFC 3339 UTC, empty dates as null, the rest as is.
func jsonValue(c Column, v any) any {
	switch c.Type {
	case TypeDate, TypeDateTime:
		t, ok := timeOf(v)
		if !ok {
			return nil
		}
		if c.Type == TypeDate {
			return t.Format(time.DateOnly)
		}
		return t.Format(time.RFC3339)
	}
	return v
}

// csvValue is a cell as text in lang: dates ISO, decimals with the
// language's decimal separator, booleans as words, text made formula-safe.
func csvValue(lang i18n.Lang, c Column, v any) string {
	switch c.Type {
	case TypeDate, TypeDateTime:
		t, ok := timeOf(v)
		if !ok {
			return ""
		}
		if c.Type == TypeDate {
			return t.Format(time.DateOnly)
		}
		return t.Format(time.RFC3339)
	case TypeDecimal:
		return i18n.FormatDecimal(lang, v.(float64), 1, false)
	case TypeBool:
		if v.(bool) {
			return i18n.Translate(lang, "audit.value.yes")
		}
		return i18n.Translate(lang, "audit.value.no")
	case TypeInt:
		return fmt.Sprint(v)
	}
	return csvSafe(fmt.Sprint(v))
}

// csvSafe stops a spreadsheet from running a cell as a formula (CSV
// injection), as the app's own CSV exports do.
func csvSafe(v string) string {
	if v != "" && strings.ContainsRune("=+-@\t\r", rune(v[0])) {
		return "'" + v
	}
	return v
}

// WriteCSV writes t as CSV in lang: UTF-8 with a byte-order mark, ';'
// between cells in Dutch (Dutch Excel reads ',' as the decimal separator)
// and ',' in English, one header row in lang.
func WriteCSV(w io.Writer, t Table, lang i18n.Lang) error {
	if _, err := io.WriteString(w, "\uFEFF"); err != nil {
		return err
	}
	cw := csv.NewWriter(w)
	if lang == i18n.NL {
		cw.Comma = ';'
	}
	rec := make([]string, len(t.Columns))
	for i, c := range t.Columns {
		rec[i] = c.Header(lang)
	}
	if err := cw.Write(rec); err != nil {
		return err
	}
	for r := range t.Rows {
		for i, c := range t.Columns {
			rec[i] = csvValue(lang, c, t.Cell(r, i))
		}
		if err := cw.Write(rec); err != nil {
			return err
		}
	}
	cw.Flush()
	return cw.Error()
}

// EvidencePath is where a file version's bytes sit in the package:
// evidence/<subject type>/<subject ref>/<version>-<file name>, each part
// made safe for every unzip tool (no separators, no dot-dot, no control
// characters).
func EvidencePath(subjectType, subjectRef string, version int, filename string) string {
	return path.Join("evidence", safeName(subjectType), safeName(subjectRef), strconv.Itoa(version)+"-"+safeName(filename))
}

// safeName keeps letters, digits and ". - _ ( )"; anything else becomes
// '_'; leading dots are dropped so no part is "." or "..".
func safeName(s string) string {
	var b strings.Builder
	for _, r := range s {
		switch {
		case unicode.IsLetter(r) || unicode.IsDigit(r) || strings.ContainsRune(".-_()", r):
			b.WriteRune(r)
		default:
			b.WriteByte('_')
		}
	}
	out := strings.TrimLeft(b.String(), ".")
	if len(out) > 120 {
		// Cut at a rune boundary: half a rune is invalid UTF-8, which the
		// manifest's JSON would store as U+FFFD, so the path it lists would
		// not be the ZIP entry's and the package would not verify.
		out = out[:120]
		for !utf8.ValidString(out) {
			out = out[:len(out)-1]
		}
	}
	if out == "" {
		out = "_"
	}
	return out
}
