package measure

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"sort"
	"strconv"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/weerbaar/weerbaar/internal/audit"
	"github.com/weerbaar/weerbaar/internal/authz"
	"github.com/weerbaar/weerbaar/internal/db"
	"github.com/weerbaar/weerbaar/internal/i18n"
	"github.com/weerbaar/weerbaar/internal/measure/catalogue"
	"github.com/weerbaar/weerbaar/internal/proportion"
	"github.com/weerbaar/weerbaar/internal/scope"
	"github.com/weerbaar/weerbaar/internal/validate"
)

// Factors are the entity's scores for exposure, likelihood and impact
// (1..5). Set is false until someone saved them; the defaults (3) are used
// until then and the page says so.
type Factors struct {
	Exposure, Likelihood, Impact int
	Set                          bool
	Version                      int
	UpdatedAt                    *time.Time
	UpdatedBy                    string
	// Source is set while the likelihood and impact are the ones adopted
	// from a risk analysis's proposal (until they are saved by hand).
	Source *FactorsSource
}

// FactorsSource is the risk analysis the likelihood and impact were adopted
// from, with the explanation as it was shown.
type FactorsSource struct {
	AnalysisID     int64
	AnalysisPeriod string
	Explanation    SourceExplanation
}

// SourceExplanation is the proposal's explanation, stored as messages so it
// reads in either language later.
type SourceExplanation struct {
	Likelihood i18n.Msg `json:"likelihood"`
	Impact     i18n.Msg `json:"impact"`
}

// LoadFactors returns the entity's factors, or the middle scores when unset.
func LoadFactors(ctx context.Context, q db.Querier, entityID int64) (Factors, error) {
	f := Factors{Exposure: 3, Likelihood: 3, Impact: 3}
	var srcID *int64
	var srcPeriod *string
	var srcWhy []byte
	err := q.QueryRow(ctx, `SELECT p.exposure, p.likelihood, p.impact, p.version, p.updated_at, coalesce(u.name, ''),
			p.source_analysis_id, a.period, p.source_explanation
		FROM proportion_factors p LEFT JOIN users u ON u.id = p.updated_by
		LEFT JOIN risk_analyses a ON a.entity_id = p.entity_id AND a.id = p.source_analysis_id
		WHERE p.entity_id = $1`,
		entityID).Scan(&f.Exposure, &f.Likelihood, &f.Impact, &f.Version, &f.UpdatedAt, &f.UpdatedBy, &srcID, &srcPeriod, &srcWhy)
	if errors.Is(db.MapError(err), db.ErrNotFound) {
		return f, nil
	}
	if err != nil {
		return f, fmt.Errorf("factors of entity %d: %w", entityID, err)
	}
	f.Set = true
	if f.Source, err = factorsSource(srcID, srcPeriod, srcWhy); err != nil {
		return f, fmt.Errorf("factors of entity %d: %w", entityID, err)
	}
	return f, nil
}

// factorsSource reads the source columns of proportion_factors (nil when the
// factors were saved by hand).
func factorsSource(id *int64, period *string, why []byte) (*FactorsSource, error) {
	if id == nil {
		return nil, nil
	}
	src := &FactorsSource{AnalysisID: *id}
	if period != nil {
		src.AnalysisPeriod = *period
	}
	if err := json.Unmarshal(why, &src.Explanation); err != nil {
		return nil, fmt.Errorf("source explanation: %w", err)
	}
	return src, nil
}

// FactorsInput is the factors form.
type FactorsInput struct {
	Exposure, Likelihood, Impact string
	Version                      int
}

// SaveFactors stores the factors after a version check, audit-logged, and
// saves the resulting proportionality computation.
func SaveFactors(ctx context.Context, pool *pgxpool.Pool, actor authz.Actor, in FactorsInput) error {
	errs := validate.Errors{}
	score := func(field, v string) int {
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 || n > 5 {
			errs.Add(field, "proportion.error.score")
		}
		return n
	}
	f := Factors{Exposure: score("exposure", in.Exposure), Likelihood: score("likelihood", in.Likelihood), Impact: score("impact", in.Impact)}
	if err := errs.Err(); err != nil {
		return err
	}
	return db.InTx(ctx, pool, func(tx pgx.Tx) error {
		cur, err := LoadFactors(ctx, tx, actor.EntityID)
		if err != nil {
			return err
		}
		tag, err := tx.Exec(ctx, `INSERT INTO proportion_factors AS p (entity_id, exposure, likelihood, impact, updated_by)
			VALUES ($1, $2, $3, $4, $5)
			ON CONFLICT (entity_id) DO UPDATE SET exposure = excluded.exposure, likelihood = excluded.likelihood,
				impact = excluded.impact, updated_by = excluded.updated_by, updated_at = now(), version = p.version + 1,
				source_analysis_id = NULL, source_explanation = NULL
			WHERE p.version = $6`, actor.EntityID, f.Exposure, f.Likelihood, f.Impact, actor.UserID, in.Version)
		if err != nil {
			return fmt.Errorf("save factors: %w", err)
		}
		if tag.RowsAffected() == 0 || cur.Set != (in.Version > 0) {
			return &Conflict{Current: cur}
		}
		before, after := audit.Diff(
			map[string]any{"exposure": cur.Exposure, "likelihood": cur.Likelihood, "impact": cur.Impact, "set": cur.Set,
				"source_analysis": cur.Source.label()},
			map[string]any{"exposure": f.Exposure, "likelihood": f.Likelihood, "impact": f.Impact, "set": true, "source_analysis": ""})
		if err := audit.Record(ctx, tx, audit.Event{EntityID: actor.EntityID, Action: "proportion.factors_changed",
			ObjectType: "proportion_factors", ObjectID: strconv.FormatInt(actor.EntityID, 10), Before: before, After: after}); err != nil {
			return err
		}
		_, err = SaveSnapshot(ctx, tx, actor.EntityID)
		return err
	})
}

// Sensitivity is a measure's sensitivity to each factor with its rationale;
// Custom is true when the entity admin changed the reference value.
type Sensitivity struct {
	Code      string
	Value     proportion.Sensitivity
	Rationale i18n.Text
	Custom    bool
	Version   int
}

// LoadSensitivities returns the ten sensitivities: the entity's own where
// set, else the reference defaults.
func LoadSensitivities(ctx context.Context, q db.Querier, entityID int64) ([]Sensitivity, error) {
	rows, err := q.Query(ctx, `SELECT measure_code::text, exposure::float8, size::float8, likelihood::float8, impact::float8,
			class::float8, rationale, version
		FROM measure_sensitivities WHERE entity_id = $1`, entityID)
	if err != nil {
		return nil, fmt.Errorf("sensitivities of entity %d: %w", entityID, err)
	}
	defer rows.Close()
	custom := map[string]Sensitivity{}
	for rows.Next() {
		var s Sensitivity
		var rationale string
		if err := rows.Scan(&s.Code, &s.Value.Exposure, &s.Value.Size, &s.Value.Likelihood, &s.Value.Impact, &s.Value.Class, &rationale, &s.Version); err != nil {
			return nil, err
		}
		s.Rationale, s.Custom = i18n.Text{NL: rationale, EN: rationale}, true
		custom[s.Code] = s
	}
	if err := rows.Err(); err != nil {
		return nil, err
	}
	return withDefaults(custom), nil
}

// withDefaults lists the ten sensitivities, a to j: the entity's own (by
// measure code) where set, else the reference defaults.
func withDefaults(custom map[string]Sensitivity) []Sensitivity {
	var out []Sensitivity
	for _, d := range proportion.Defaults() {
		if s, ok := custom[d.Code]; ok {
			out = append(out, s)
			continue
		}
		out = append(out, Sensitivity{Code: d.Code, Value: d.Sensitivity, Rationale: d.Rationale})
	}
	return out
}

// SensitivityInput is the admin's change of one measure's sensitivities.
type SensitivityInput struct {
	Exposure, Size, Likelihood, Impact, Class string
	Rationale                                 string
	Version                                   int
}

// SaveSensitivity stores an adjusted sensitivity with its rationale (entity
// admins only, checked by the caller's permission), audit-logged.
func SaveSensitivity(ctx context.Context, pool *pgxpool.Pool, actor authz.Actor, code string, in SensitivityInput) error {
	errs := validate.Errors{}
	val := func(field, v string) float64 {
		f, err := strconv.ParseFloat(v, 64)
		if err != nil || !(f >= 0 && f <= 1) {
			errs.Add(field, "proportion.error.sensitivity")
		}
		return f
	}
	s := proportion.Sensitivity{Exposure: val("exposure", in.Exposure), Size: val("size", in.Size),
		Likelihood: val("likelihood", in.Likelihood), Impact: val("impact", in.Impact), Class: val("class", in.Class)}
	if len(in.Rationale) < 10 || len(in.Rationale) > 2000 {
		errs.Add("rationale", "proportion.error.rationale")
	}
	if err := errs.Err(); err != nil {
		return err
	}
	return db.InTx(ctx, pool, func(tx pgx.Tx) error {
		all, err := LoadSensitivities(ctx, tx, actor.EntityID)
		if err != nil {
			return err
		}
		var cur *Sensitivity
		for i := range all {
			if all[i].Code == code {
				cur = &all[i]
			}
		}
		if cur == nil {
			return db.ErrNotFound
		}
		tag, err := tx.Exec(ctx, `INSERT INTO measure_sensitivities AS m (entity_id, measure_code, exposure, size, likelihood,
				impact, class, rationale, updated_by)
			VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)
			ON CONFLICT (entity_id, measure_code) DO UPDATE SET exposure = excluded.exposure, size = excluded.size,
				likelihood = excluded.likelihood, impact = excluded.impact, class = excluded.class,
				rationale = excluded.rationale, updated_by = excluded.updated_by, updated_at = now(), version = m.version + 1
			WHERE m.version = $10`,
			actor.EntityID, code, s.Exposure, s.Size, s.Likelihood, s.Impact, s.Class, in.Rationale, actor.UserID, in.Version)
		if err != nil {
			return fmt.Errorf("save sensitivity %s: %w", code, err)
		}
		if tag.RowsAffected() == 0 || cur.Version != in.Version {
			return &Conflict{Current: *cur}
		}
		before, after := audit.Diff(sensitivityFields(cur.Value, cur.Rationale.NL), sensitivityFields(s, in.Rationale))
		if err := audit.Record(ctx, tx, audit.Event{EntityID: actor.EntityID, Action: "proportion.sensitivity_changed",
			ObjectType: "measure", ObjectID: code, Before: before, After: after}); err != nil {
			return err
		}
		_, err = SaveSnapshot(ctx, tx, actor.EntityID)
		return err
	})
}

func sensitivityFields(s proportion.Sensitivity, rationale string) map[string]any {
	return map[string]any{"exposure": s.Exposure, "size": s.Size, "likelihood": s.Likelihood, "impact": s.Impact,
		"class": s.Class, "rationale": rationale}
}

// Overview is everything the measures pages and the dashboard show: each
// measure's current and target maturity with the engine's explanation, the
// readiness, the top gaps and what is overdue.
type Overview struct {
	Measures     []MeasureStatus
	Requirements []Requirement
	Factors      Factors
	EngineInput  proportion.Factors
	// ScopeAssessed is false when no scope assessment exists; size and class
	// then default to medium and important, and the page says so.
	ScopeAssessed bool
	ScopeClass    string
	// Binding says whether the Annex of Regulation 2024/2690 binds the
	// entity or is guidance for it.
	Binding Binding
	// Checklist holds the entity's answers to the checklist points (states
	// only, for counts) and Binding.
	Checklist Checklist
	// AnySize is true when the entity's type is covered whatever its size
	// (from the latest scope assessment's rules).
	AnySize bool
	// Readiness is the share of applicable requirements at or above the
	// target of their measure(s).
	Readiness         float64
	Ready, Applicable int
	TopGaps           []MeasureStatus
	Overdue           []Requirement
	OverdueMeasures   []Measure
	EngineVersion     string
	CatalogueVersion  string
	// Sensitivities are the ones the results were computed with, a to j.
	Sensitivities []Sensitivity
}

// MeasureStatus is one measure with its maturity and proportionality result.
type MeasureStatus struct {
	Measure  Measure
	Maturity Maturity
	// Progress is the measure's status, derived from its requirements
	// unless set by hand.
	Progress Progress
	Result   proportion.Result
	// Done and Total count the measure's applicable requirements implemented
	// or verified, and all applicable ones.
	Done, Total int
	// Consideration is what the entity recorded for the measure under
	// Art. 21(1) and the target its management body adopted.
	Consideration Consideration
}

// BuildOverview computes the overview for an entity at today.
func BuildOverview(ctx context.Context, q db.Querier, ed *catalogue.Catalogue, entityID int64, today time.Time) (Overview, error) {
	var o Overview
	var measures []Measure
	var own engineInputs
	// Three independent reads in one round trip (three statements of the
	// query budget).
	b := &pgx.Batch{}
	queueRequirements(b, ed, entityID, &o.Requirements)
	queueMeasures(b, ed, entityID, &measures)
	queueEngineInputs(b, entityID, &own)
	if err := q.SendBatch(ctx, b).Close(); err != nil {
		return o, fmt.Errorf("overview of entity %d: %w", entityID, err)
	}
	o.Factors, o.Sensitivities = own.Factors, own.Sensitivities
	o.Binding = RegulationBinds(own.Assessed, own.Class, own.Subsectors)
	o.Checklist = Checklist{Binding: o.Binding, rows: make(map[string]pointRow, len(own.Points))}
	for _, p := range own.Points {
		o.Checklist.rows[p.Ref] = p
	}
	sens := o.Sensitivities
	o.CatalogueVersion = ed.Version
	o.EngineInput = proportion.Factors{Exposure: o.Factors.Exposure, Likelihood: o.Factors.Likelihood, Impact: o.Factors.Impact,
		Size: proportion.SizeMedium, Class: proportion.ClassImportant}
	if own.Assessed {
		o.ScopeAssessed, o.ScopeClass = true, own.Class
		o.EngineInput.Size = proportion.Size(own.Size)
		if scope.Class(own.Class) == scope.ClassEssential {
			o.EngineInput.Class = proportion.ClassEssential
		}
		o.AnySize = AnySize(own.Rules)
		o.EngineInput.RegulationBound, o.EngineInput.AnySize = o.Binding.Bound, o.AnySize

	}
	var inputs []proportion.MeasureInput
	for i, m := range measures {
		mat := CurrentMaturity(m, o.Requirements)
		progress := CurrentStatus(m, o.Requirements)
		ms := MeasureStatus{Measure: m, Maturity: mat, Progress: progress, Done: progress.Done, Total: progress.Applicable,
			Consideration: own.Considerations[m.Code]}
		o.Measures = append(o.Measures, ms)
		in := proportion.MeasureInput{Code: m.Code, Current: mat.Value, Sensitivity: sens[i].Value, Adopted: ms.Consideration.AdoptedTarget}
		for _, r := range o.Requirements {
			if r.Serves(m.Code) {
				in.Requirements = append(in.Requirements, proportion.RequirementInput{Code: r.Code, Applicable: r.Applicable, Documented: r.Documented})
			}
		}
		inputs = append(inputs, in)
		if m.Applicable && m.DueDate != nil && m.DueDate.Before(today) && !progress.Value.Done() {
			o.OverdueMeasures = append(o.OverdueMeasures, m)
		}
	}
	results, err := proportion.Compute(proportion.CurrentVersion, o.EngineInput, inputs)
	if err != nil {
		return o, fmt.Errorf("proportionality: %w", err)
	}
	o.EngineVersion = proportion.CurrentVersion
	target := map[string]int{}
	for i := range o.Measures {
		o.Measures[i].Result = results[i]
		target[results[i].Code] = results[i].Target
	}
	for _, r := range o.Requirements {
		if !r.Applicable {
			continue
		}
		o.Applicable++
		need := 0
		for _, code := range r.Measures {
			need = max(need, target[code])
		}
		if r.Maturity >= need {
			o.Ready++
		}
		if r.Overdue(today) {
			o.Overdue = append(o.Overdue, r)
		}
	}
	if o.Applicable > 0 {
		o.Readiness = float64(o.Ready) / float64(o.Applicable)
	}
	for _, ms := range o.Measures {
		if ms.Measure.Applicable && ms.Result.Shortfall() > 0 {
			o.TopGaps = append(o.TopGaps, ms)
		}
	}
	sort.SliceStable(o.TopGaps, func(i, j int) bool { return o.TopGaps[i].Result.Rank < o.TopGaps[j].Result.Rank })
	if len(o.TopGaps) > 5 {
		o.TopGaps = o.TopGaps[:5]
	}
	return o, nil
}

// SaveSnapshot stores the current computation with its inputs and engine
// version, so the result can be reproduced later with proportion.Compute.
func SaveSnapshot(ctx context.Context, q db.Querier, entityID int64) (int64, error) {
	ed, err := EntityEdition(ctx, q, entityID)
	if err != nil {
		return 0, err
	}
	o, err := BuildOverview(ctx, q, ed, entityID, time.Now())
	if err != nil {
		return 0, err
	}
	type measureInput struct {
		Code         string                        `json:"code"`
		Current      float64                       `json:"current"`
		Sensitivity  proportion.Sensitivity        `json:"sensitivity"`
		Requirements []proportion.RequirementInput `json:"requirements,omitempty"`
		Adopted      int                           `json:"adopted,omitempty"`
	}
	in := struct {
		Factors  proportion.Factors `json:"factors"`
		Measures []measureInput     `json:"measures"`
	}{Factors: o.EngineInput}
	var results []proportion.Result
	for i, ms := range o.Measures {
		mi := measureInput{Code: ms.Measure.Code, Current: ms.Maturity.Value, Sensitivity: o.Sensitivities[i].Value,
			Adopted: ms.Consideration.AdoptedTarget}
		for _, r := range o.Requirements {
			if r.Serves(ms.Measure.Code) {
				mi.Requirements = append(mi.Requirements, proportion.RequirementInput{Code: r.Code, Applicable: r.Applicable, Documented: r.Documented})
			}
		}
		in.Measures = append(in.Measures, mi)
		results = append(results, ms.Result)
	}
	inputs, err := json.Marshal(in)
	if err != nil {
		return 0, err
	}
	out, err := json.Marshal(results)
	if err != nil {
		return 0, err
	}
	var id int64
	err = q.QueryRow(ctx, `INSERT INTO proportion_results (entity_id, engine_version, catalogue_version, inputs, results)
		VALUES ($1, $2, $3, $4, $5) RETURNING id`, entityID, o.EngineVersion, o.CatalogueVersion, inputs, out).Scan(&id)
	if err != nil {
		return 0, fmt.Errorf("save proportionality snapshot: %w", err)
	}
	return id, nil
}
