package measure

import (
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/weerbaar/weerbaar/internal/i18n"
	"github.com/weerbaar/weerbaar/internal/proportion"
)

// engineInputs are the entity's own inputs of the proportionality engine.
type engineInputs struct {
	Factors       Factors
	Sensitivities []Sensitivity // a to j, the entity's own where set
	// Assessed is true when the entity has a scope assessment; Class and
	// Size are its latest one's, Subsectors its subsector codes and Rules
	// the rules of its reasons (e.g. "any_size_dns").
	Assessed    bool
	Class, Size string
	Subsectors  []string
	Rules       []string
	// Points are the entity's answers to checklist points (reference and
	// state only), for the point counts the measure pages show.
	Points []pointRow
	// Considerations are the recorded Art. 21(1) considerations and adopted
	// targets, by measure code.
	Considerations map[string]Consideration
}

// queueEngineInputs adds the query of the factors, the entity's own
// sensitivities and considerations, its checklist answers and the class and
// size of its latest scope assessment to b (one statement; every page that
// shows the overview needs them all, which LoadFactors, LoadSensitivities and
// entity.LatestAssessment would read in three); *in holds them once b's
// results are closed. The checklist answers come as two arrays (reference,
// state) rather than JSON objects: an entity answers hundreds of points.
func queueEngineInputs(b *pgx.Batch, entityID int64, in *engineInputs) {
	type customSensitivity struct {
		Code      string     `json:"code"`
		Values    [5]float64 `json:"values"` // exposure, size, likelihood, impact, class
		Rationale string     `json:"rationale"`
		Version   int        `json:"version"`
	}
	var (
		exposure, likelihood, impact *int
		factorsVersion               *int
		factorsUpdated               *time.Time
		factorsBy                    string
		srcID                        *int64
		srcPeriod                    *string
		srcWhy                       []byte
		class, size                  *string
		custom                       []customSensitivity
		considerations               []Consideration
		pointRefs, pointStates       []string
	)
	b.Queue(`SELECT f.exposure::int, f.likelihood::int, f.impact::int, f.version, f.updated_at,
			coalesce(fu.name, ''), f.source_analysis_id, ra.period, f.source_explanation, a.class::text, a.size::text,
			coalesce(a.subsectors, '[]'), coalesce(a.rules, '[]'),
			(SELECT coalesce(json_agg(json_build_object('code', s.measure_code::text,
				'values', json_build_array(s.exposure::float8, s.size::float8, s.likelihood::float8, s.impact::float8, s.class::float8),
				'rationale', s.rationale, 'version', s.version)), '[]')
			 FROM measure_sensitivities s WHERE s.entity_id = e.id),
			(SELECT coalesce(json_agg(json_build_object('Code', c.measure_code::text, 'StateOfArt', c.state_of_art,
				'Cost', coalesce(c.cost_level, ''), 'AdoptedTarget', coalesce(c.adopted_target, 0),
				'ProposalAtAdoption', coalesce(c.proposal_at_adoption, 0), 'TargetReason', c.target_reason,
				'UpdatedAt', c.updated_at, 'UpdatedBy', coalesce(u.name, ''), 'Version', c.version)), '[]')
			 FROM measure_considerations c LEFT JOIN users u ON u.id = c.updated_by WHERE c.entity_id = e.id),
			p.refs, p.states
		FROM (SELECT @entity::bigint AS id) e
		LEFT JOIN proportion_factors f ON f.entity_id = e.id
		LEFT JOIN users fu ON fu.id = f.updated_by
		LEFT JOIN risk_analyses ra ON ra.entity_id = f.entity_id AND ra.id = f.source_analysis_id
		LEFT JOIN LATERAL (SELECT class, size,
				CASE WHEN jsonb_typeof(coalesce(inputs->'Subsectors', inputs->'subsectors')) = 'array'
					THEN coalesce(inputs->'Subsectors', inputs->'subsectors') END AS subsectors,
				(SELECT jsonb_agg(r->>'rule') FROM jsonb_array_elements(reasons) r) AS rules
			FROM scope_assessments WHERE entity_id = e.id
			ORDER BY created_at DESC, id DESC LIMIT 1) a ON true
		CROSS JOIN LATERAL (SELECT coalesce(array_agg(p.point_ref), '{}') AS refs, coalesce(array_agg(p.state), '{}') AS states
			FROM entity_points p WHERE p.entity_id = e.id) p`, pgx.StrictNamedArgs{"entity": entityID}).QueryRow(func(row pgx.Row) error {
		err := row.Scan(&exposure, &likelihood, &impact, &factorsVersion, &factorsUpdated, &factorsBy, &srcID, &srcPeriod, &srcWhy,
			&class, &size, &in.Subsectors, &in.Rules, &custom, &considerations, &pointRefs, &pointStates)
		if err != nil {
			return fmt.Errorf("proportionality inputs of entity %d: %w", entityID, err)
		}
		in.Factors = Factors{Exposure: 3, Likelihood: 3, Impact: 3}
		if factorsVersion != nil {
			in.Factors = Factors{Exposure: *exposure, Likelihood: *likelihood, Impact: *impact, Set: true,
				Version: *factorsVersion, UpdatedAt: factorsUpdated, UpdatedBy: factorsBy}
			if in.Factors.Source, err = factorsSource(srcID, srcPeriod, srcWhy); err != nil {
				return fmt.Errorf("proportionality inputs of entity %d: %w", entityID, err)
			}
		}
		if class != nil {
			in.Assessed, in.Class, in.Size = true, *class, *size
		}
		own := map[string]Sensitivity{}
		for _, c := range custom {
			v := c.Values
			own[c.Code] = Sensitivity{Code: c.Code, Value: proportion.Sensitivity{Exposure: v[0], Size: v[1], Likelihood: v[2], Impact: v[3], Class: v[4]},
				Rationale: i18n.Text{NL: c.Rationale, EN: c.Rationale}, Custom: true, Version: c.Version}
		}
		in.Sensitivities = withDefaults(own)
		if len(pointRefs) != len(pointStates) {
			return fmt.Errorf("proportionality inputs of entity %d: %d point references, %d states", entityID, len(pointRefs), len(pointStates))
		}
		in.Points = make([]pointRow, len(pointRefs))
		for i, ref := range pointRefs {
			in.Points[i] = pointRow{Ref: ref, State: PointState(pointStates[i])}
		}
		in.Considerations = make(map[string]Consideration, len(considerations))
		for _, c := range considerations {
			in.Considerations[c.Code] = c
		}
		return nil
	})
}
