// Package report builds the auditor's evidence package: one Dataset read
// from every module in a fixed number of queries, rendered as CSV, XLSX and
// JSON through one table definition each, zipped with the evidence files,
// the audit chain and a signed manifest, and verified offline by Verify.
package report

import (
	"context"
	"fmt"
	"path"
	"runtime/debug"
	"slices"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/weerbaar/weerbaar/internal/approval"
	"github.com/weerbaar/weerbaar/internal/audit"
	"github.com/weerbaar/weerbaar/internal/db"
	"github.com/weerbaar/weerbaar/internal/entity"
	"github.com/weerbaar/weerbaar/internal/evidence"
	"github.com/weerbaar/weerbaar/internal/i18n"
	"github.com/weerbaar/weerbaar/internal/incident"
	"github.com/weerbaar/weerbaar/internal/measure"
	"github.com/weerbaar/weerbaar/internal/risk"
	"github.com/weerbaar/weerbaar/internal/training"
)

// Version names the generator in every manifest; release builds set it with
// -ldflags "-X github.com/weerbaar/weerbaar/internal/report.Version=v1.2.3".
// Empty, GeneratorVersion falls back to the module's build information.
var Version = ""

// GeneratorVersion is "weerbaar <version>" as the manifest records it, so an
// auditor can tell which build produced a package.
func GeneratorVersion() string {
	v := Version
	if v == "" {
		v = "devel"
		if bi, ok := debug.ReadBuildInfo(); ok {
			if bi.Main.Version != "" && bi.Main.Version != "(devel)" {
				v = bi.Main.Version
			}
			for _, s := range bi.Settings {
				if s.Key == "vcs.revision" && len(s.Value) >= 12 {
					v += "+" + s.Value[:12]
				}
			}
		}
	}
	return "weerbaar " + v
}

// Period is the reporting period, From and To as calendar days (UTC
// midnight), both included. Time-bound records (decisions, incidents, the
// audit summary) are those in the period; state (SoA, risks, suppliers,
// training, evidence) is as it is at generation.
type Period struct {
	From time.Time `json:"from"`
	To   time.Time `json:"to"`
}

// LastYear is the default period: the twelve months up to and including
// day.
func LastYear(day time.Time) Period {
	to := time.Date(day.Year(), day.Month(), day.Day(), 0, 0, 0, 0, time.UTC)
	return Period{From: to.AddDate(-1, 0, 1), To: to}
}

// end is the first instant after the period.
func (p Period) end() time.Time { return p.To.AddDate(0, 0, 1) }

// contains reports whether t falls in the period.
func (p Period) contains(t time.Time) bool { return !t.Before(p.From) && t.Before(p.end()) }

// String is the period as "YYYY-MM-DD – YYYY-MM-DD".
func (p Period) String() string {
	return p.From.Format(time.DateOnly) + " – " + p.To.Format(time.DateOnly)
}

// Dataset is everything the package shows, read once: plain values already
// worded in the package language (labels) or typed (numbers, times), so CSV,
// XLSX, JSON and the PDF render the same facts without querying again.
type Dataset struct {
	Meta         Meta                `json:"meta"`
	Registration entity.Registration `json:"registration"`
	// Measures are the ten measures with their proportionality result.
	Measures []MeasureRow `json:"measures"`
	// SoA is the Statement of Applicability: one row per requirement.
	SoA         []SoARow      `json:"soa"`
	RiskSummary RiskSummary   `json:"risk_summary"`
	Risks       []RiskRow     `json:"risks"`
	Suppliers   []SupplierRow `json:"suppliers"`
	Decisions   []DecisionRow `json:"decisions"`
	Training    []TrainingRow `json:"training"`
	// Incidents has one row per reporting stage of each incident in the period.
	Incidents []IncidentRow `json:"incidents"`
	Evidence  []EvidenceRow `json:"evidence"`
	Audit     AuditSummary  `json:"audit"`
}

// Meta describes the package: whose, which period, which language, when and
// by which generator, against which catalogue edition.
type Meta struct {
	EntityID         int64     `json:"entity_id"`
	EntityName       string    `json:"entity_name"`
	EntitySlug       string    `json:"entity_slug"`
	LegalName        string    `json:"legal_name"`
	Class            string    `json:"nis2_class"`       // code, "" when never assessed
	ClassLabel       string    `json:"nis2_class_label"` // in the package language
	ClassReasons     []string  `json:"nis2_class_reasons"`
	Period           Period    `json:"period"`
	Lang             i18n.Lang `json:"lang"`
	GeneratedAt      time.Time `json:"generated_at"`
	Generator        string    `json:"generator"`
	CatalogueEdition string    `json:"catalogue_edition"`
	EngineVersion    string    `json:"proportion_engine_version"`
}

// MeasureRow is one of the ten measures: applicability, current vs target
// maturity, status, owner and why the target is what it is.
type MeasureRow struct {
	Code          string   `json:"code"`
	Title         string   `json:"title"`
	Applicable    bool     `json:"applicable"`
	Justification string   `json:"justification"`
	Current       float64  `json:"current_maturity"`
	Target        int      `json:"target_maturity"`
	Proposal      int      `json:"proposed_maturity"`
	Floor         int      `json:"floor"`
	Adopted       int      `json:"adopted_target"`
	Status        string   `json:"status"`
	Owner         string   `json:"owner"`
	Done          int      `json:"requirements_done"`
	Total         int      `json:"requirements_applicable"`
	Explanation   string   `json:"explanation"`
	Reasons       []string `json:"reasons"`
}

// SoARow is one requirement of the Statement of Applicability.
type SoARow struct {
	Code             string     `json:"code"`
	Title            string     `json:"title"`
	Measures         string     `json:"measures"`
	Applicable       bool       `json:"applicable"`
	Justification    string     `json:"justification"`
	Maturity         int        `json:"maturity"`
	Status           string     `json:"status"`
	Owner            string     `json:"owner"`
	Due              *time.Time `json:"due"`
	ISOControls      string     `json:"iso_controls"`
	AnnexPoints      string     `json:"annex_points"`
	PointsDone       int        `json:"points_done"`
	PointsApplicable int        `json:"points_applicable"`
	EvidenceCount    int        `json:"evidence_count"`
}

// RiskSummary is the counting risk analysis and its two 5×5 heat maps,
// indexed [likelihood-1][impact-1].
type RiskSummary struct {
	Present    bool       `json:"present"`
	AnalysisID int64      `json:"analysis_id"`
	Period     string     `json:"period"`
	Status     string     `json:"status"`
	ReviewDate *time.Time `json:"review_date"`
	AdoptedBy  string     `json:"adopted_by"`
	AdoptedAt  *time.Time `json:"adopted_at"`
	Tolerance  int        `json:"tolerance"`
	Jewels     int        `json:"jewels"`
	Scenarios  int        `json:"scenarios"`
	Inherent   [5][5]int  `json:"inherent_heat_map"`
	Residual   [5][5]int  `json:"residual_heat_map"`
	Above      int        `json:"above_tolerance"`
	// Levels is the analysis's matrix, the level (1 low … 4 critical) of
	// each cell, [likelihood-1][impact-1]: the PDF colours the heat maps
	// with it.
	Levels [5][5]int `json:"-"`
}

// RiskRow is one risk scenario of the register.
type RiskRow struct {
	ID                 int64      `json:"id"`
	Jewel              string     `json:"jewel"`
	Threat             string     `json:"threat"`
	Likelihood         int        `json:"inherent_likelihood"`
	Impact             int        `json:"inherent_impact"`
	Level              string     `json:"inherent_level"`
	ResidualLikelihood int        `json:"residual_likelihood"`
	ResidualImpact     int        `json:"residual_impact"`
	ResidualLevel      string     `json:"residual_level"`
	Treatment          string     `json:"treatment"`
	Justification      string     `json:"treatment_justification"`
	Acceptance         string     `json:"acceptance"`
	AcceptedBy         string     `json:"accepted_by"`
	AcceptanceExpires  *time.Time `json:"acceptance_expires"`
}

// SupplierRow is one supplier of the supplier register.
type SupplierRow struct {
	ID                  int64      `json:"id"`
	Name                string     `json:"name"`
	Service             string     `json:"service"`
	Jewels              string     `json:"jewels"`
	ClauseIncident      bool       `json:"clause_incident"`
	ClauseAudit         bool       `json:"clause_audit"`
	ClauseVulnerability bool       `json:"clause_vulnerability"`
	ClauseSubcontract   bool       `json:"clause_subcontracting"`
	ClauseExit          bool       `json:"clause_exit"`
	Certifications      string     `json:"certifications"`
	CertificationExpiry *time.Time `json:"certification_expiry"`
	LastAssessed        *time.Time `json:"last_assessed"`
	AssessmentResult    string     `json:"assessment_result"`
}

// DecisionRow is one approval request put to the board, with its quorum and
// the hash of the snapshot decided on.
type DecisionRow struct {
	ID           int64      `json:"id"`
	Kind         string     `json:"kind"`
	Subject      string     `json:"subject"`
	Title        string     `json:"title"`
	SubmittedBy  string     `json:"submitted_by"`
	SubmittedAt  time.Time  `json:"submitted_at"`
	State        string     `json:"state"`
	Quorum       string     `json:"quorum"`
	Required     int        `json:"required"`
	Approvals    int        `json:"approvals"`
	Rejections   int        `json:"rejections"`
	DecidedAt    *time.Time `json:"decided_at"`
	SnapshotHash string     `json:"snapshot_hash"`
	// Outdated is true for an approval that no longer holds today
	// ("verouderd"): a later approval replaced it, the record's content
	// changed since, or the record is gone. OutdatedReason says which.
	Outdated       bool   `json:"outdated"`
	OutdatedReason string `json:"outdated_reason"`
}

// TrainingRow is one member's training status with the certificate that
// counts (Art. 20(2) NIS2).
type TrainingRow struct {
	Member     string     `json:"member"`
	Board      bool       `json:"board_member"`
	State      string     `json:"state"`
	Deadline   *time.Time `json:"deadline"`
	Course     string     `json:"course"`
	Provider   string     `json:"provider"`
	Completed  *time.Time `json:"completed_on"`
	Certified  bool       `json:"certified"`
	ValidUntil *time.Time `json:"valid_until"`
}

// IncidentRow is one reporting stage of an incident: due and submitted
// times, recipients, reference and whether it was on time.
type IncidentRow struct {
	IncidentID   int64      `json:"incident_id"`
	Title        string     `json:"title"`
	Status       string     `json:"status"`
	Significance string     `json:"significance"`
	AwareAt      time.Time  `json:"aware_at"`
	Stage        string     `json:"stage"`
	DueAt        *time.Time `json:"due_at"`
	SubmittedAt  *time.Time `json:"submitted_at"`
	Recipients   string     `json:"recipients"`
	Reference    string     `json:"reference"`
	Timeliness   string     `json:"timeliness"` // on time, late, overdue or open, in the package language
}

// EvidenceRow is one version of one evidence file (or one link), with the
// path of its bytes in the package.
type EvidenceRow struct {
	ItemID      int64     `json:"item_id"`
	VersionID   int64     `json:"version_id"` // 0 for links
	SubjectType string    `json:"subject_type"`
	SubjectRef  string    `json:"subject_ref"`
	Title       string    `json:"title"`
	Kind        string    `json:"kind"`
	FileName    string    `json:"file_name"`
	Version     int       `json:"version"`
	Size        int64     `json:"size"`
	SHA256      string    `json:"sha256"`
	UploadedAt  time.Time `json:"uploaded_at"`
	UploadedBy  string    `json:"uploaded_by"`
	URL         string    `json:"url"`
	Path        string    `json:"path"` // in the package; "" for links
	// The item's review in the evidence register: state (in the package
	// language), validity, reviewer, when and the comment.
	ReviewState   string     `json:"review_state"`
	ValidUntil    *time.Time `json:"valid_until"`
	ReviewedBy    string     `json:"reviewed_by"`
	ReviewedAt    *time.Time `json:"reviewed_at"`
	ReviewComment string     `json:"review_comment"`
}

// AuditSummary is the state of the entity's audit chain and what was
// recorded in the period.
type AuditSummary struct {
	Rows     int                `json:"rows"`
	Intact   bool               `json:"intact"`
	Broken   string             `json:"broken"`
	HeadSeq  int64              `json:"head_seq"`
	HeadHash string             `json:"head_hash"`
	Actions  []AuditActionCount `json:"actions"`
}

// AuditActionCount is one action's count with its label.
type AuditActionCount struct {
	Action string `json:"action"`
	Label  string `json:"label"`
	Count  int    `json:"count"`
}

// Collect reads the Dataset of one entity in a fixed number of queries
// (about twenty, whatever the number of rows) plus, per record the board
// approved, the few that read its content today to tell whether the
// approval still holds. Run it in a read-only repeatable
// read transaction to get one snapshot (Build does).
func Collect(ctx context.Context, q db.Querier, entityID int64, period Period, lang i18n.Lang, now time.Time) (*Dataset, error) {
	tr := func(key string, args ...any) string { return i18n.Translate(lang, key, args...) }
	label := func(prefix, code string) string {
		if code == "" {
			return ""
		}
		if s := tr(prefix + code); s != prefix+code {
			return s
		}
		return code
	}
	ent, err := entity.Get(ctx, q, entityID)
	if err != nil {
		return nil, err
	}
	d := &Dataset{Meta: Meta{EntityID: ent.ID, EntityName: ent.Name, EntitySlug: ent.Slug, LegalName: ent.LegalName,
		Period: period, Lang: lang, GeneratedAt: now.UTC().Truncate(time.Second), Generator: GeneratorVersion(),
		CatalogueEdition: ent.CatalogueEdition, ClassReasons: []string{}}}
	if a, ok, err := entity.LatestAssessment(ctx, q, entityID); err != nil {
		return nil, err
	} else if ok {
		d.Meta.Class = string(a.Result.Class)
		d.Meta.ClassLabel = label("scope.class.", d.Meta.Class)
		for _, r := range a.Result.Reasons {
			d.Meta.ClassReasons = append(d.Meta.ClassReasons, r.Msg.Render(lang)+" ("+r.Article+")")
		}
	}
	if d.Registration, err = entity.GetRegistration(ctx, q, entityID); err != nil {
		return nil, err
	}

	// Measures, requirements, proportionality, Annex points.
	ed, err := measure.EntityEdition(ctx, q, entityID)
	if err != nil {
		return nil, err
	}
	today := time.Date(now.Year(), now.Month(), now.Day(), 0, 0, 0, 0, time.UTC)
	o, err := measure.BuildOverview(ctx, q, ed, entityID, today)
	if err != nil {
		return nil, err
	}
	d.Meta.EngineVersion, d.Meta.CatalogueEdition = o.EngineVersion, ed.Version
	for _, ms := range o.Measures {
		m := ms.Measure
		row := MeasureRow{Code: m.Code, Title: m.Label.Lang(lang), Applicable: m.Applicable, Justification: m.Justification,
			Current: ms.Maturity.Value, Target: ms.Result.Target, Proposal: ms.Result.Proposal, Floor: ms.Result.Floor,
			Adopted: ms.Result.Adopted, Status: label("status.", string(ms.Progress.Value)), Owner: m.OwnerName,
			Done: ms.Done, Total: ms.Total, Explanation: ms.Result.Explanation.Render(lang), Reasons: []string{}}
		for _, c := range ms.Result.Contributions {
			row.Reasons = append(row.Reasons, c.Text.Render(lang))
		}
		d.Measures = append(d.Measures, row)
	}
	items, err := evidence.All(ctx, q, entityID)
	if err != nil {
		return nil, err
	}
	reqEvidence := map[string]int{}
	for _, it := range items {
		if it.SubjectType == measure.SubjectRequirement {
			reqEvidence[it.SubjectRef]++
		}
	}
	points := o.Checklist.Counts(ed)
	annex := map[string]string{}
	for _, r := range ed.Requirements {
		refs := make([]string, 0, len(r.Points))
		for _, p := range r.Points {
			refs = append(refs, p.Ref)
		}
		annex[r.Code] = strings.Join(refs, ", ")
	}
	entries, _ := measure.StatementOfApplicability(o.Requirements, reqEvidence, measure.SoAQuery{})
	for _, e := range entries {
		pc := points[e.Code]
		d.SoA = append(d.SoA, SoARow{Code: e.Code, Title: e.Title.Lang(lang), Measures: strings.Join(e.Measures, ", "),
			Applicable: e.Applicable, Justification: e.Justification, Maturity: e.Maturity, Status: label("status.", string(e.Status)),
			Owner: e.OwnerName, Due: e.DueDate, ISOControls: strings.Join(e.ISOControls, ", "), AnnexPoints: annex[e.Code],
			PointsDone: pc.Done, PointsApplicable: pc.Total - pc.NotApplicable, EvidenceCount: e.Evidence})
	}

	// Risks and suppliers of the analysis that counts.
	if err := collectRisks(ctx, q, d, entityID, lang, label); err != nil {
		return nil, err
	}

	// Board decisions submitted in the period, each approval checked
	// against the record's content today.
	records, err := approval.Records(ctx, q, entityID, period.From, period.end())
	if err != nil {
		return nil, err
	}
	for _, r := range records {
		row := DecisionRow{ID: r.ID, Kind: label("approval.kind.", r.Kind), Subject: r.SubjectRef,
			Title: r.Title.Lang(lang), SubmittedBy: r.SubmitterName, SubmittedAt: r.SubmittedAt.UTC(),
			State: label("approval.state.", string(r.State)), Quorum: label("approval.quorum.", string(r.Quorum)),
			Required: r.Required, Approvals: r.Approvals, Rejections: r.Rejections, DecidedAt: utcp(r.DecidedAt),
			SnapshotHash: r.SnapshotHash}
		if row.Outdated, row.OutdatedReason, err = decisionCurrency(ctx, q, r, tr); err != nil {
			return nil, err
		}
		d.Decisions = append(d.Decisions, row)
	}

	// Training.
	members, err := training.Overview(ctx, q, entityID, today)
	if err != nil {
		return nil, err
	}
	for _, m := range members {
		row := TrainingRow{Member: m.Name, Board: m.Board, State: label("training.state.", string(m.Assessment.State))}
		if !m.Assessment.Deadline.IsZero() {
			dl := m.Assessment.Deadline
			row.Deadline = &dl
		}
		if rec := m.Current(); rec != nil {
			c := rec.CompletedOn
			row.Course, row.Provider, row.Completed, row.Certified, row.ValidUntil = rec.Course, rec.Provider, &c, rec.Certified, rec.ValidUntil
		}
		d.Training = append(d.Training, row)
	}

	// Incidents aware in the period, one row per reporting stage.
	all, err := incident.List(ctx, q, entityID, incident.ListQuery{All: true}, now)
	if err != nil {
		return nil, err
	}
	incs := all.Rows
	reports, err := incident.EntityReports(ctx, q, entityID)
	if err != nil {
		return nil, err
	}
	byIncident := map[int64][]incident.IncidentReport{}
	for _, r := range reports {
		byIncident[r.IncidentID] = append(byIncident[r.IncidentID], r)
	}
	slices.SortFunc(incs, func(a, b incident.Summary) int { return a.AwareAt.Compare(b.AwareAt) })
	for _, inc := range incs {
		if !period.contains(inc.AwareAt) {
			continue
		}
		for _, r := range byIncident[inc.ID] {
			row := IncidentRow{IncidentID: inc.ID, Title: inc.Title, Status: label("incident.status.", string(inc.Status)),
				Significance: label("incident.outcome.", string(inc.Significance)), AwareAt: inc.AwareAt.UTC(),
				Stage: label("incident.stage.", string(r.Stage)), DueAt: utcp(r.DueAt), SubmittedAt: utcp(r.SubmittedAt),
				Recipients: strings.Join(r.Recipients, ", "), Reference: r.ProofRef}
			switch {
			case r.SubmittedAt != nil && (r.DueAt == nil || !r.SubmittedAt.After(*r.DueAt)):
				row.Timeliness = "on_time"
			case r.SubmittedAt != nil:
				row.Timeliness = "late"
			case r.DueAt != nil && r.DueAt.Before(now):
				row.Timeliness = "overdue"
			default:
				row.Timeliness = "open"
			}
			row.Timeliness = tr("report.timeliness." + row.Timeliness)
			d.Incidents = append(d.Incidents, row)
		}
	}

	// Evidence: every version of every file, and every link.
	for _, it := range items {
		row := EvidenceRow{ItemID: it.ID, SubjectType: it.SubjectType, SubjectRef: it.SubjectRef, Title: it.Title, Kind: it.Kind,
			ReviewState: label("evidence.badge.", it.ReviewState), ValidUntil: utcp(it.ValidUntil),
			ReviewedBy: it.ReviewedBy, ReviewedAt: utcp(it.ReviewedAt), ReviewComment: it.ReviewComment}
		if len(it.Versions) == 0 {
			row.URL, row.UploadedAt, row.UploadedBy = it.URL, it.CreatedAt.UTC(), it.CreatedBy
			d.Evidence = append(d.Evidence, row)
			continue
		}
		for _, v := range slices.Backward(it.Versions) { // oldest first
			row.VersionID, row.FileName, row.Version, row.Size, row.SHA256 = v.ID, v.Filename, v.No, v.Size, v.SHA256
			row.UploadedAt, row.UploadedBy = v.UploadedAt.UTC(), v.UploadedBy
			row.Path = EvidencePath(it.SubjectType, it.SubjectRef, v.No, v.Filename)
			d.Evidence = append(d.Evidence, row)
		}
	}
	slices.SortStableFunc(d.Evidence, func(a, b EvidenceRow) int {
		return strings.Compare(a.SubjectType+"/"+a.SubjectRef, b.SubjectType+"/"+b.SubjectRef)
	})
	// Two items of one subject may hold files of the same name: the later
	// one's path gets its item id, so every path is unique.
	seen := map[string]bool{}
	for i := range d.Evidence {
		e := &d.Evidence[i]
		if e.Path == "" {
			continue
		}
		if seen[e.Path] {
			e.Path = path.Join(path.Dir(e.Path), fmt.Sprintf("item%d-%s", e.ItemID, path.Base(e.Path)))
		}
		seen[e.Path] = true
	}

	// The audit chain: verified from its verified point (the rows before it
	// at the last full verification), and summarised for the period. The
	// package verifies the whole chain once more as it writes
	// audit-log.jsonl (Build).
	res, err := audit.VerifyFrom(ctx, q, entityID, nil)
	if err != nil {
		return nil, err
	}
	d.Audit.Rows, d.Audit.Intact = int(res.Length()), res.Broken == nil
	if res.Broken != nil {
		d.Audit.Broken = fmt.Sprintf("seq %d: %s", res.Broken.Seq, res.Broken.Reason)
	}
	if err := q.QueryRow(ctx, `SELECT coalesce(max(seq), 0), coalesce((SELECT hash FROM audit_log WHERE entity_id = @e ORDER BY seq DESC LIMIT 1), '')
		FROM audit_log WHERE entity_id = @e`, pgx.StrictNamedArgs{"e": entityID}).Scan(&d.Audit.HeadSeq, &d.Audit.HeadHash); err != nil {
		return nil, fmt.Errorf("audit head of entity %d: %w", entityID, err)
	}
	counts, err := audit.CountByAction(ctx, q, entityID, period.From, period.end())
	if err != nil {
		return nil, err
	}
	d.Audit.Actions = []AuditActionCount{}
	for _, c := range counts {
		d.Audit.Actions = append(d.Audit.Actions, AuditActionCount{Action: c.Action, Label: label("audit.action.", c.Action), Count: c.Count})
	}
	return d, nil
}

func collectRisks(ctx context.Context, q db.Querier, d *Dataset, entityID int64, lang i18n.Lang, label func(string, string) string) error {
	d.Risks, d.Suppliers = []RiskRow{}, []SupplierRow{}
	b, ok, err := risk.CurrentForBoard(ctx, q, entityID, 0)
	if err != nil || !ok {
		return err
	}
	a, err := risk.GetAnalysis(ctx, q, entityID, b.AnalysisID)
	if err != nil {
		return err
	}
	rs := &d.RiskSummary
	rs.Present, rs.AnalysisID, rs.Period, rs.Status = true, a.ID, a.Period, label("risk.status.", string(a.Status))
	rd := a.ReviewDate
	rs.ReviewDate, rs.AdoptedBy, rs.AdoptedAt, rs.Tolerance = &rd, a.AdoptedBy, utcp(a.AdoptedAt), a.ToleranceCode
	rs.Jewels, rs.Scenarios, rs.Above = a.Jewels, a.Scenarios, b.Above
	method, err := a.Method()
	if err != nil {
		return err
	}
	for l := range 5 {
		for i := range 5 {
			rs.Levels[l][i] = int(method.Matrix[l][i])
		}
	}
	scenarios, err := risk.AllScenarios(ctx, q, entityID, a.ID)
	if err != nil {
		return err
	}
	for _, s := range scenarios {
		if in(s.Likelihood) && in(s.Impact) {
			rs.Inherent[s.Likelihood-1][s.Impact-1]++
		}
		if in(s.ResidualLikelihood) && in(s.ResidualImpact) {
			rs.Residual[s.ResidualLikelihood-1][s.ResidualImpact-1]++
		}
		threat := s.ThreatName
		if s.ThreatCode != nil {
			if t, ok := risk.Threats().Threat(*s.ThreatCode); ok {
				threat = t.Name.Lang(lang)
			} else {
				threat = *s.ThreatCode
			}
		}
		d.Risks = append(d.Risks, RiskRow{ID: s.ID, Jewel: s.JewelName, Threat: threat, Likelihood: s.Likelihood, Impact: s.Impact,
			Level: label("risk.level.", s.Level.Key()), ResidualLikelihood: s.ResidualLikelihood, ResidualImpact: s.ResidualImpact,
			ResidualLevel: residualLevel(s, label), Treatment: label("risk.treatment.", deref(s.Treatment)),
			Justification: s.Justification, Acceptance: label("risk.acceptance.", deref(s.Acceptance)), AcceptedBy: s.AcceptedBy,
			AcceptanceExpires: s.AcceptanceExpires})
	}
	suppliers, err := risk.Suppliers(ctx, q, entityID, a.ID)
	if err != nil {
		return err
	}
	for _, s := range suppliers {
		d.Suppliers = append(d.Suppliers, SupplierRow{ID: s.ID, Name: s.Name, Service: s.Service, Jewels: strings.Join(s.Jewels, ", "),
			ClauseIncident: s.ClauseIncident, ClauseAudit: s.ClauseAudit, ClauseVulnerability: s.ClauseVulnerability,
			ClauseSubcontract: s.ClauseSubcontract, ClauseExit: s.ClauseExit, Certifications: s.Certifications,
			CertificationExpiry: s.CertificationExpiry, LastAssessed: s.LastAssessed, AssessmentResult: label("risk.assessment.", s.AssessmentResult)})
	}
	return nil
}

// decisionCurrency tells whether an approval still holds today and, when it
// does not, why — the same judgement as the decision record's page. Only the
// newest approval of a record reads that record's content (a few queries);
// the count grows with the records approved, not with the rows exported.
func decisionCurrency(ctx context.Context, q db.Querier, r approval.Record, tr func(string, ...any) string) (bool, string, error) {
	cur, err := approval.CurrencyOf(ctx, q, r)
	if err != nil || cur.Standing != approval.Outdated {
		return false, "", err
	}
	key, args := cur.Wording()
	return true, tr(key, args...), nil
}

func residualLevel(s risk.Scenario, label func(string, string) string) string {
	if s.ResidualLevel == 0 {
		return ""
	}
	return label("risk.level.", s.ResidualLevel.Key())
}

func in(n int) bool { return n >= 1 && n <= 5 }

func deref(s *string) string {
	if s == nil {
		return ""
	}
	return *s
}

func utcp(t *time.Time) *time.Time {
	if t == nil {
		return nil
	}
	u := t.UTC()
	return &u
}
