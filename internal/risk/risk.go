// Package risk is the risk analysis of an entity, as the NCSC plan lays it
// out (art. 21 lid 2 onder a NIS2; Annex 2.1 of Regulation 2024/2690): the
// entity's method (risk matrix and tolerance), analyses in cycles, crown
// jewels with their BIV requirements and dependencies, suppliers, the threat
// catalogue and entity threats, and scenarios (jewel × threat) with their
// inherent likelihood and impact. Scoring is pure (scoring.go); the threat
// catalogue is reference data kept in memory (threats.go). It knows nothing
// of HTTP or HTML.
package risk

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/weerbaar/weerbaar/internal/audit"
	"github.com/weerbaar/weerbaar/internal/authz"
	"github.com/weerbaar/weerbaar/internal/db"
	"github.com/weerbaar/weerbaar/internal/validate"
)

// Conflict is returned when a record changed after the form was opened;
// Current holds the other person's saved version.
type Conflict struct {
	Current any
}

func (e *Conflict) Error() string { return "changed by someone else meanwhile" }

// Unwrap lets callers test for db.ErrConflict.
func (e *Conflict) Unwrap() error { return db.ErrConflict }

// IsConflict returns the conflict in err, if any.
func IsConflict(err error) (*Conflict, bool) {
	var c *Conflict
	return c, errors.As(err, &c)
}

// ErrLocked is returned for a change to an analysis that is adopted or
// archived: its content is what was adopted.
var ErrLocked = errors.New("the analysis is adopted or archived and can no longer be changed")

// ErrTransition is returned for a status change the workflow does not allow.
var ErrTransition = errors.New("status change not allowed")

// Method is one version of the entity's risk method: its scales, matrix
// and tolerance.
type Method struct {
	Version   int
	Matrix    Matrix
	Tolerance Level
	Scales    Scales
	// Set is false while the entity uses the default (no row stored yet).
	Set bool
}

// DefaultMethod is the method an entity starts with.
func DefaultMethod() Method {
	return Method{Matrix: DefaultMatrix(), Tolerance: DefaultTolerance, Scales: DefaultScales()}
}

// CurrentMethod returns the entity's newest method version, or the default
// (Version 0) when none was stored.
func CurrentMethod(ctx context.Context, q db.Querier, entityID int64) (Method, error) {
	return methodWhere(ctx, q, entityID, 0)
}

// MethodVersion returns one stored version of the entity's method.
func MethodVersion(ctx context.Context, q db.Querier, entityID int64, version int) (Method, error) {
	return methodWhere(ctx, q, entityID, version)
}

func methodWhere(ctx context.Context, q db.Querier, entityID int64, version int) (Method, error) {
	var raw string
	var scales []byte
	var m Method
	var tol int16
	err := q.QueryRow(ctx, `SELECT method_version, matrix, tolerance, scales FROM risk_methods
		WHERE entity_id = @entity AND (@version = 0 OR method_version = @version)
		ORDER BY method_version DESC LIMIT 1`, pgx.StrictNamedArgs{"entity": entityID, "version": version}).Scan(&m.Version, &raw, &tol, &scales)
	if errors.Is(err, pgx.ErrNoRows) && version == 0 {
		return DefaultMethod(), nil
	}
	if err != nil {
		return Method{}, fmt.Errorf("risk method of entity %d: %w", entityID, db.MapError(err))
	}
	if m.Matrix, err = ParseMatrix(raw); err != nil {
		return Method{}, err
	}
	if m.Scales, err = decodeScales(scales); err != nil {
		return Method{}, err
	}
	m.Tolerance, m.Set = Level(tol), true
	return m, nil
}

// MethodRecord is one stored version of the method with who saved it and
// what changed from the version before.
type MethodRecord struct {
	Method
	CreatedAt time.Time
	CreatedBy string
	Changes   []ScaleChange
}

// MethodHistory lists the entity's stored method versions, newest first,
// each with what changed from the version before (nothing for the first).
func MethodHistory(ctx context.Context, q db.Querier, entityID int64) ([]MethodRecord, error) {
	rows, err := q.Query(ctx, `SELECT m.method_version, m.matrix, m.tolerance, m.scales, m.created_at, coalesce(u.name, '')
		FROM risk_methods m LEFT JOIN users u ON u.id = m.created_by
		WHERE m.entity_id = @entity ORDER BY m.method_version`, pgx.StrictNamedArgs{"entity": entityID})
	if err != nil {
		return nil, fmt.Errorf("risk method history of entity %d: %w", entityID, err)
	}
	defer rows.Close()
	var asc []MethodRecord
	for rows.Next() {
		var r MethodRecord
		var raw string
		var scales []byte
		var tol int16
		if err := rows.Scan(&r.Version, &raw, &tol, &scales, &r.CreatedAt, &r.CreatedBy); err != nil {
			return nil, err
		}
		if r.Matrix, err = ParseMatrix(raw); err != nil {
			return nil, err
		}
		if r.Scales, err = decodeScales(scales); err != nil {
			return nil, err
		}
		r.Tolerance, r.Set = Level(tol), true
		if len(asc) > 0 {
			r.Changes = MethodChanges(asc[len(asc)-1].Method, r.Method)
		}
		asc = append(asc, r)
	}
	if err := rows.Err(); err != nil {
		return nil, err
	}
	out := make([]MethodRecord, len(asc))
	for k, r := range asc {
		out[len(asc)-1-k] = r
	}
	return out, nil
}

// MethodInput is the method form: a level per cell (field "m{l}{i}"), the
// tolerance and the scales' labels and definitions in both languages
// (fields ScaleField), with the version the form was based on.
type MethodInput struct {
	Cells     map[string]string // "m35" → "3"
	Tolerance string
	Scales    map[string]string // "likelihood_3_label_nl" → "mogelijk"
	Version   int
}

// MethodForm is the form of method m as stored: the input that saves it
// unchanged.
func MethodForm(m Method) MethodInput {
	in := MethodInput{Cells: map[string]string{}, Tolerance: strconv.Itoa(int(m.Tolerance)), Scales: ScaleFields(m.Scales), Version: m.Version}
	for l := 1; l <= ScaleMax; l++ {
		for i := 1; i <= ScaleMax; i++ {
			in.Cells[CellField(l, i)] = strconv.Itoa(int(m.Matrix[l-1][i-1]))
		}
	}
	return in
}

// CellField is the form field of cell (likelihood, impact).
func CellField(likelihood, impact int) string {
	return "m" + strconv.Itoa(likelihood) + strconv.Itoa(impact)
}

func (in MethodInput) parse() (Matrix, Level, Scales, error) {
	scales, errs := parseScales(in.Scales)
	var m Matrix
	for l := 1; l <= ScaleMax; l++ {
		for i := 1; i <= ScaleMax; i++ {
			v, err := strconv.Atoi(in.Cells[CellField(l, i)])
			if err != nil || !Level(v).Valid() {
				errs.Add(CellField(l, i), "validate.choice")
				continue
			}
			m[l-1][i-1] = Level(v)
		}
	}
	if !m.Monotone() && !cellErrors(errs) {
		errs.Add("matrix", "risk.error.monotone")
	}
	tol, err := strconv.Atoi(in.Tolerance)
	if err != nil || !Level(tol).Valid() {
		errs.Add("tolerance", "validate.choice")
	}
	return m, Level(tol), scales, errs.Err()
}

// cellErrors reports whether a matrix cell has an error (then monotonicity
// is not checked).
func cellErrors(errs validate.Errors) bool {
	for f := range errs {
		if len(f) == 3 && f[0] == 'm' {
			return true
		}
	}
	return false
}

// SaveMethod stores a new version of the entity's method. in.Version is the
// version the form showed (0 for the default); a newer stored version is a
// conflict. Analyses keep the version they were made with.
func SaveMethod(ctx context.Context, pool *pgxpool.Pool, actor authz.Actor, in MethodInput) (Method, error) {
	m, tol, scales, err := in.parse()
	if err != nil {
		return Method{}, err
	}
	raw, err := json.Marshal(scales)
	if err != nil {
		return Method{}, err
	}
	var saved Method
	err = db.InTx(ctx, pool, func(tx pgx.Tx) error {
		if _, err := tx.Exec(ctx, `SELECT pg_advisory_xact_lock(hashtextextended('risk_method', @entity))`,
			pgx.StrictNamedArgs{"entity": actor.EntityID}); err != nil {
			return err
		}
		cur, err := CurrentMethod(ctx, tx, actor.EntityID)
		if err != nil {
			return err
		}
		if cur.Version != in.Version {
			return &Conflict{Current: cur}
		}
		saved = Method{Version: cur.Version + 1, Matrix: m, Tolerance: tol, Scales: scales, Set: true}
		if _, err := tx.Exec(ctx, `INSERT INTO risk_methods (entity_id, method_version, matrix, tolerance, scales, created_by)
			VALUES (@entity, @version, @matrix, @tolerance, @scales, @actor)`, pgx.StrictNamedArgs{"entity": actor.EntityID,
			"version": saved.Version, "matrix": m.String(), "tolerance": int(tol), "scales": string(raw), "actor": actor.UserID}); err != nil {
			return fmt.Errorf("save risk method: %w", err)
		}
		before := map[string]any{"matrix": cur.Matrix.String(), "tolerance": int(cur.Tolerance)}
		after := map[string]any{"matrix": m.String(), "tolerance": int(tol)}
		auditScales(cur.Scales, before)
		auditScales(scales, after)
		b, a := audit.Diff(before, after)
		// The new version is recorded even when nothing changed.
		a["method_version"] = saved.Version
		return audit.Record(ctx, tx, audit.Event{EntityID: actor.EntityID, Action: "risk_method.saved", ObjectType: "risk_method",
			ObjectID: strconv.Itoa(saved.Version), Before: b, After: a})
	})
	return saved, err
}

// ensureMethod stores the default method as version 1 when the entity has
// none, so an analysis can record the version it uses.
func ensureMethod(ctx context.Context, tx pgx.Tx, actor authz.Actor) (Method, error) {
	if _, err := tx.Exec(ctx, `SELECT pg_advisory_xact_lock(hashtextextended('risk_method', @entity))`,
		pgx.StrictNamedArgs{"entity": actor.EntityID}); err != nil {
		return Method{}, err
	}
	m, err := CurrentMethod(ctx, tx, actor.EntityID)
	if err != nil || m.Set {
		return m, err
	}
	m.Version, m.Set = 1, true
	_, err = tx.Exec(ctx, `INSERT INTO risk_methods (entity_id, method_version, matrix, tolerance, created_by)
		VALUES (@entity, 1, @matrix, @tolerance, @actor)`, pgx.StrictNamedArgs{"entity": actor.EntityID,
		"matrix": m.Matrix.String(), "tolerance": int(m.Tolerance), "actor": actor.UserID})
	return m, err
}

// Status is where an analysis is in its cycle.
type Status string

// The statuses of an analysis, in order.
const (
	StatusConcept  Status = "concept"
	StatusReview   Status = "review"
	StatusAdopted  Status = "adopted"
	StatusArchived Status = "archived"
)

// Editable reports whether the analysis's content may still change.
func (s Status) Editable() bool { return s == StatusConcept || s == StatusReview }

// transitions are the allowed status changes and the permission each needs.
// Adopting is the management body's decision (art. 20 NIS2); until the board
// module exists an admin records it (EntityManage).
var transitions = map[[2]Status]authz.Permission{
	{StatusConcept, StatusReview}:   authz.RiskEdit,
	{StatusReview, StatusConcept}:   authz.RiskEdit,
	{StatusReview, StatusAdopted}:   authz.EntityManage,
	{StatusAdopted, StatusArchived}: authz.RiskEdit,
}

// CanTransition reports whether actor may move an analysis from one status
// to another.
func CanTransition(actor authz.Actor, from, to Status) bool {
	p, ok := transitions[[2]Status{from, to}]
	return ok && actor.Can(p)
}

// NextStatuses are the statuses actor may move an analysis in from to.
func NextStatuses(actor authz.Actor, from Status) []Status {
	var out []Status
	for _, to := range []Status{StatusConcept, StatusReview, StatusAdopted, StatusArchived} {
		if CanTransition(actor, from, to) {
			out = append(out, to)
		}
	}
	return out
}

// MaxReviewAhead is how far ahead a review date may lie: the analysis is
// reviewed at least annually (Annex 2.1.4 of Regulation 2024/2690).
const MaxReviewAhead = 12

// Analysis is one cycle of the entity's risk analysis.
type Analysis struct {
	ID            int64      `db:"id"`
	EntityID      int64      `db:"entity_id"`
	Period        string     `db:"period"`
	Status        Status     `db:"status"`
	ReviewDate    time.Time  `db:"review_date"`
	MethodVersion int        `db:"method_version"`
	CopiedFrom    *int64     `db:"copied_from"`
	AdoptedBy     string     `db:"adopted_by"`
	AdoptedAt     *time.Time `db:"adopted_at"`
	AdoptionNote  string     `db:"adoption_note"`
	UpdatedBy     string     `db:"updated_by"`
	UpdatedAt     time.Time  `db:"updated_at"`
	Version       int        `db:"version"`
	// ContentVersion changes with every change to the analysis's jewels and
	// scenarios (the database counts them): with Version it names one
	// state of what the board approves (AnalysisStanding).
	ContentVersion int64 `db:"content_version"`
	Jewels         int   `db:"jewels"`
	Scenarios      int   `db:"scenarios"`
	// The method version the analysis uses, loaded with it (Method).
	MatrixText    string `db:"matrix"`
	ToleranceCode int    `db:"tolerance"`
	ScalesJSON    []byte `db:"scales"`
}

// Method returns the method the analysis was made with.
func (a Analysis) Method() (Method, error) {
	m, err := ParseMatrix(a.MatrixText)
	if err != nil {
		return Method{}, fmt.Errorf("method of analysis %d: %w", a.ID, err)
	}
	scales, err := decodeScales(a.ScalesJSON)
	if err != nil {
		return Method{}, fmt.Errorf("method of analysis %d: %w", a.ID, err)
	}
	return Method{Version: a.MethodVersion, Matrix: m, Tolerance: Level(a.ToleranceCode), Scales: scales, Set: true}, nil
}

// ReviewOverdue reports whether the review date has passed on day.
func (a Analysis) ReviewOverdue(day time.Time) bool {
	return a.Status != StatusArchived && a.ReviewDate.Before(day)
}

// countingAnalysis picks, from risk_analyses aliased a, the analysis that
// counts for the board and for the proportionality proposal: the newest
// adopted one, else the newest still being worked on.
const countingAnalysis = `a.entity_id = @entity AND a.status <> 'archived'
	ORDER BY (a.status = 'adopted') DESC, a.created_at DESC, a.id DESC LIMIT 1`

const analysisColumns = `a.id, a.entity_id, a.period, a.status, a.review_date, a.method_version, a.copied_from,
	coalesce(ab.name, '') AS adopted_by, a.adopted_at, a.adoption_note, coalesce(ub.name, '') AS updated_by, a.updated_at, a.version, a.content_version,
	(SELECT count(*) FROM risk_jewels j WHERE j.entity_id = a.entity_id AND j.analysis_id = a.id)::int AS jewels,
	(SELECT count(*) FROM risk_scenarios s WHERE s.entity_id = a.entity_id AND s.analysis_id = a.id)::int AS scenarios,
	m.matrix, m.tolerance::int AS tolerance, m.scales
	FROM risk_analyses a JOIN risk_methods m ON m.entity_id = a.entity_id AND m.method_version = a.method_version
	LEFT JOIN users ab ON ab.id = a.adopted_by LEFT JOIN users ub ON ub.id = a.updated_by`

// Analyses lists the entity's analyses, newest first.
func Analyses(ctx context.Context, q db.Querier, entityID int64) ([]Analysis, error) {
	rows, err := q.Query(ctx, `SELECT `+analysisColumns+` WHERE a.entity_id = @entity ORDER BY a.created_at DESC, a.id DESC`,
		pgx.StrictNamedArgs{"entity": entityID})
	if err != nil {
		return nil, fmt.Errorf("analyses of entity %d: %w", entityID, err)
	}
	return pgx.CollectRows(rows, pgx.RowToStructByName[Analysis])
}

// GetAnalysis returns one analysis of the entity; another entity's id is
// db.ErrNotFound.
func GetAnalysis(ctx context.Context, q db.Querier, entityID, id int64) (Analysis, error) {
	return db.GetOne[Analysis](ctx, q, fmt.Sprintf("load analysis %d", id), `SELECT `+analysisColumns+` WHERE a.entity_id = @entity AND a.id = @id`,
		pgx.StrictNamedArgs{"entity": entityID, "id": id})
}

// AnalysisInput is the form of a new cycle or of an analysis's details.
type AnalysisInput struct {
	Period     string
	ReviewDate string // yyyy-mm-dd
	Version    int
}

func (in AnalysisInput) parse(today time.Time) (string, time.Time, error) {
	errs := validate.Errors{}
	period := strings.TrimSpace(in.Period)
	if period == "" || len([]rune(period)) > 40 {
		errs.Add("period", "risk.error.period")
	}
	d, err := time.Parse("2006-01-02", in.ReviewDate)
	switch {
	case err != nil:
		errs.Add("review_date", "validate.date")
	case d.Before(today):
		errs.Add("review_date", "risk.error.review_past")
	case d.After(today.AddDate(0, MaxReviewAhead, 0)):
		errs.Add("review_date", "risk.error.review_ahead")
	}
	return period, d, errs.Err()
}

// CreateAnalysis starts a new cycle. When the entity has an analysis
// already, the new one starts as a copy of the newest (its suppliers,
// jewels with their dependencies, and scenarios), scored with the current
// method. today is the calendar day for the review-date check.
func CreateAnalysis(ctx context.Context, pool *pgxpool.Pool, actor authz.Actor, in AnalysisInput, today time.Time) (Analysis, error) {
	period, review, err := in.parse(today)
	if err != nil {
		return Analysis{}, err
	}
	var out Analysis
	err = db.InTx(ctx, pool, func(tx pgx.Tx) error {
		m, err := ensureMethod(ctx, tx, actor)
		if err != nil {
			return err
		}
		var prev *int64
		var p int64
		switch err := tx.QueryRow(ctx, `SELECT id FROM risk_analyses WHERE entity_id = @entity ORDER BY created_at DESC, id DESC LIMIT 1`,
			pgx.StrictNamedArgs{"entity": actor.EntityID}).Scan(&p); {
		case err == nil:
			prev = &p
		case !errors.Is(err, pgx.ErrNoRows):
			return err
		}
		var id int64
		err = tx.QueryRow(ctx, `INSERT INTO risk_analyses (entity_id, period, review_date, method_version, copied_from, created_by, updated_by)
			VALUES (@entity, @period, @review, @method, @prev, @actor, @actor) RETURNING id`,
			pgx.StrictNamedArgs{"entity": actor.EntityID, "period": period, "review": review, "method": m.Version,
				"prev": prev, "actor": actor.UserID}).Scan(&id)
		if err != nil {
			if errors.Is(db.MapError(err), db.ErrConflict) {
				return validate.Field("period", "risk.error.period_taken")
			}
			return fmt.Errorf("create analysis: %w", err)
		}
		if prev != nil {
			if err := copyAnalysis(ctx, tx, actor, *prev, id, m); err != nil {
				return err
			}
		}
		if out, err = GetAnalysis(ctx, tx, actor.EntityID, id); err != nil {
			return err
		}
		after := map[string]any{"period": period, "review_date": review.Format("2006-01-02"), "method_version": m.Version,
			"jewels": out.Jewels, "scenarios": out.Scenarios}
		if prev != nil {
			after["copied_from"] = *prev
		}
		return audit.Record(ctx, tx, audit.Event{EntityID: actor.EntityID, Action: "risk_analysis.created",
			ObjectType: "risk_analysis", ObjectID: strconv.FormatInt(id, 10), After: after})
	})
	return out, err
}

// copyAnalysis copies suppliers, jewels, their dependencies and the
// scenarios of analysis from into analysis to (all in the entity), matching
// rows by their names, which are unique per analysis. Scenario levels are
// recomputed with the new analysis's matrix.
func copyAnalysis(ctx context.Context, tx pgx.Tx, actor authz.Actor, from, to int64, m Method) error {
	args := pgx.StrictNamedArgs{"entity": actor.EntityID, "from": from, "to": to, "actor": actor.UserID, "matrix": m.Matrix.String()}
	steps := []string{
		`INSERT INTO risk_suppliers (entity_id, analysis_id, name, service, clause_incident, clause_audit, clause_vulnerability,
			clause_subcontracting, clause_exit, certifications, certification_expiry, last_assessed, assessment_result, notes, updated_by)
		SELECT entity_id, @to, name, service, clause_incident, clause_audit, clause_vulnerability, clause_subcontracting, clause_exit,
			certifications, certification_expiry, last_assessed, assessment_result, notes, @actor
		FROM risk_suppliers WHERE entity_id = @entity AND analysis_id = @from`,
		`INSERT INTO risk_jewels (entity_id, analysis_id, name, level, description, owner_id, availability, integrity,
			confidentiality, rto_hours, rpo_hours, updated_by)
		SELECT entity_id, @to, name, level, description, owner_id, availability, integrity, confidentiality, rto_hours, rpo_hours, @actor
		FROM risk_jewels WHERE entity_id = @entity AND analysis_id = @from`,
		`INSERT INTO risk_jewel_suppliers (entity_id, analysis_id, jewel_id, supplier_id)
		SELECT @entity, @to, nj.id, ns.id
		FROM risk_jewel_suppliers l
		JOIN risk_jewels oj ON oj.id = l.jewel_id JOIN risk_suppliers os ON os.id = l.supplier_id
		JOIN risk_jewels nj ON nj.entity_id = @entity AND nj.analysis_id = @to AND nj.name = oj.name
		JOIN risk_suppliers ns ON ns.entity_id = @entity AND ns.analysis_id = @to AND ns.name = os.name
		WHERE l.entity_id = @entity AND l.analysis_id = @from`,
		`INSERT INTO risk_jewel_dependencies (entity_id, analysis_id, jewel_id, depends_on_id)
		SELECT @entity, @to, nj.id, nd.id
		FROM risk_jewel_dependencies d
		JOIN risk_jewels oj ON oj.id = d.jewel_id JOIN risk_jewels od ON od.id = d.depends_on_id
		JOIN risk_jewels nj ON nj.entity_id = @entity AND nj.analysis_id = @to AND nj.name = oj.name
		JOIN risk_jewels nd ON nd.entity_id = @entity AND nd.analysis_id = @to AND nd.name = od.name
		WHERE d.entity_id = @entity AND d.analysis_id = @from`,
		`INSERT INTO risk_scenarios (entity_id, analysis_id, jewel_id, threat_code, threat_id, availability, integrity,
			confidentiality, inherent_likelihood, inherent_impact, inherent_level, residual_likelihood, residual_impact,
			residual_level, treatment, treatment_justification, acceptance, accepted_by, accepted_at, acceptance_expires,
			description, updated_by)
		SELECT @entity, @to, nj.id, s.threat_code, s.threat_id, s.availability, s.integrity, s.confidentiality,
			s.inherent_likelihood, s.inherent_impact,
			substr(@matrix, (s.inherent_likelihood - 1) * 5 + s.inherent_impact, 1)::smallint,
			s.residual_likelihood, s.residual_impact,
			substr(@matrix, (s.residual_likelihood - 1) * 5 + s.residual_impact, 1)::smallint,
			s.treatment, s.treatment_justification, s.acceptance, s.accepted_by, s.accepted_at, s.acceptance_expires,
			s.description, @actor
		FROM risk_scenarios s
		JOIN risk_jewels oj ON oj.id = s.jewel_id
		JOIN risk_jewels nj ON nj.entity_id = @entity AND nj.analysis_id = @to AND nj.name = oj.name
		WHERE s.entity_id = @entity AND s.analysis_id = @from`,
		// Step 3 carries over: the controls of each scenario (the same jewel
		// name and threat in the new cycle). Mitigation actions do not: they
		// are work with their own dates, planned per cycle.
		`INSERT INTO risk_scenario_controls (entity_id, analysis_id, scenario_id, requirement_code, effectiveness, reduces)
		SELECT @entity, @to, ns.id, c.requirement_code, c.effectiveness, c.reduces
		FROM risk_scenario_controls c
		JOIN risk_scenarios os ON os.id = c.scenario_id JOIN risk_jewels oj ON oj.id = os.jewel_id
		JOIN risk_jewels nj ON nj.entity_id = @entity AND nj.analysis_id = @to AND nj.name = oj.name
		JOIN risk_scenarios ns ON ns.entity_id = @entity AND ns.analysis_id = @to AND ns.jewel_id = nj.id
			AND ns.threat_code IS NOT DISTINCT FROM os.threat_code AND ns.threat_id IS NOT DISTINCT FROM os.threat_id
		WHERE c.entity_id = @entity AND c.analysis_id = @from`,
	}
	for _, sql := range steps {
		used := pgx.StrictNamedArgs{}
		for k, v := range args {
			if strings.Contains(sql, "@"+k) {
				used[k] = v
			}
		}
		if _, err := tx.Exec(ctx, sql, used); err != nil {
			return fmt.Errorf("copy analysis %d: %w", from, err)
		}
	}
	return nil
}

// lockAnalysis loads the analysis for update within tx and checks that its
// content may change.
func lockAnalysis(ctx context.Context, tx pgx.Tx, entityID, id int64) (Analysis, error) {
	var st Status
	if err := tx.QueryRow(ctx, `SELECT status FROM risk_analyses WHERE entity_id = @entity AND id = @id FOR UPDATE`,
		pgx.StrictNamedArgs{"entity": entityID, "id": id}).Scan(&st); err != nil {
		return Analysis{}, fmt.Errorf("lock analysis %d: %w", id, db.MapError(err))
	}
	a, err := GetAnalysis(ctx, tx, entityID, id)
	if err != nil {
		return a, err
	}
	if !a.Status.Editable() {
		return a, ErrLocked
	}
	return a, nil
}

// UpdateAnalysis changes an analysis's period and review date after a
// version check.
func UpdateAnalysis(ctx context.Context, pool *pgxpool.Pool, actor authz.Actor, id int64, in AnalysisInput, today time.Time) error {
	return db.InTx(ctx, pool, func(tx pgx.Tx) error {
		cur, err := lockAnalysis(ctx, tx, actor.EntityID, id)
		if err != nil {
			return err
		}
		period, review, err := in.parse(today)
		if err != nil {
			return err
		}
		if cur.Version != in.Version {
			return &Conflict{Current: cur}
		}
		if _, err := tx.Exec(ctx, `UPDATE risk_analyses SET period = @period, review_date = @review, updated_by = @actor,
			updated_at = now(), version = version + 1 WHERE entity_id = @entity AND id = @id`,
			pgx.StrictNamedArgs{"period": period, "review": review, "actor": actor.UserID, "entity": actor.EntityID, "id": id}); err != nil {
			if errors.Is(db.MapError(err), db.ErrConflict) {
				return validate.Field("period", "risk.error.period_taken")
			}
			return err
		}
		before, after := audit.Diff(map[string]any{"period": cur.Period, "review_date": cur.ReviewDate.Format("2006-01-02")},
			map[string]any{"period": period, "review_date": review.Format("2006-01-02")})
		return audit.Record(ctx, tx, audit.Event{EntityID: actor.EntityID, Action: "risk_analysis.updated",
			ObjectType: "risk_analysis", ObjectID: strconv.FormatInt(id, 10), Before: before, After: after})
	})
}

// SetStatus moves an analysis along its workflow after a version check.
// Adopting records who adopted it, when, and the note (the decision's
// reference). When the entity has board members, the board adopts through
// an approval request (approval.go) and the admin's recording is refused.
func SetStatus(ctx context.Context, pool *pgxpool.Pool, actor authz.Actor, id int64, to Status, note string, version int) error {
	note = strings.TrimSpace(note)
	return db.InTx(ctx, pool, func(tx pgx.Tx) error {
		cur, err := GetAnalysis(ctx, tx, actor.EntityID, id)
		if err != nil {
			return err
		}
		if cur.Version != version {
			return &Conflict{Current: cur}
		}
		if !CanTransition(actor, cur.Status, to) {
			if _, ok := transitions[[2]Status{cur.Status, to}]; ok {
				return ErrForbidden
			}
			return ErrTransition
		}
		if to == StatusAdopted && note == "" {
			return validate.Field("note", "risk.error.adoption_note")
		}
		if to == StatusAdopted {
			if err := boardAdopts(ctx, tx, actor.EntityID); err != nil {
				return err
			}
		}
		tag, err := tx.Exec(ctx, `UPDATE risk_analyses SET status = @to, updated_by = @actor, updated_at = now(), version = version + 1,
			adopted_by = CASE WHEN @to = 'adopted' THEN @actor ELSE adopted_by END,
			adopted_at = CASE WHEN @to = 'adopted' THEN now() ELSE adopted_at END,
			adoption_note = CASE WHEN @to = 'adopted' THEN @note ELSE adoption_note END
			WHERE entity_id = @entity AND id = @id AND version = @version`,
			pgx.StrictNamedArgs{"to": string(to), "actor": actor.UserID, "note": note, "entity": actor.EntityID, "id": id, "version": version})
		if err != nil {
			return fmt.Errorf("set status of analysis %d: %w", id, err)
		}
		if tag.RowsAffected() == 0 {
			return &Conflict{Current: cur}
		}
		after := map[string]any{"status": string(to)}
		if to == StatusAdopted {
			after["note"] = note
		}
		return audit.Record(ctx, tx, audit.Event{EntityID: actor.EntityID, Action: "risk_analysis.status_changed",
			ObjectType: "risk_analysis", ObjectID: strconv.FormatInt(id, 10), Before: map[string]any{"status": string(cur.Status)}, After: after})
	})
}

// ErrForbidden is returned when the actor lacks the permission a status
// change needs (adopting needs an admin until the board module exists).
var ErrForbidden = errors.New("not allowed for this role")
