package risk

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/weerbaar/weerbaar/internal/db"
)

// TopRisk is a residual risk above the entity's tolerance, as the board
// sees it.
type TopRisk struct {
	ID         int64   `json:"id"`
	JewelName  string  `json:"jewel"`
	ThreatCode *string `json:"threat_code"`
	ThreatName string  `json:"threat_name"` // entity threats only
	Level      Level   `json:"level"`
	Likelihood int     `json:"likelihood"`
	Impact     int     `json:"impact"`
	Treatment  string  `json:"treatment"`  // "" until decided
	Acceptance string  `json:"acceptance"` // "", "requested", "accepted"
}

// ThreatLabel names the risk's threat: the catalogue's name or the
// entity's own.
func (t TopRisk) ThreatLabel() (catalogue CatalogueThreat, own string, ok bool) {
	if t.ThreatCode != nil {
		c, ok := Threats().Threat(*t.ThreatCode)
		return c, "", ok
	}
	return CatalogueThreat{}, t.ThreatName, t.ThreatName != ""
}

// BoardRisks is what the management body sees of the risk analysis: the
// analysis that counts (the adopted one, else the newest still being
// worked on), its tolerance, and the residual risks above it.
type BoardRisks struct {
	AnalysisID int64
	Period     string
	Status     Status
	ReviewDate time.Time
	Tolerance  Level
	// Above counts every residual risk above tolerance; Top holds the
	// highest of them (at most the limit asked for).
	Above int
	Top   []TopRisk
}

// CurrentForBoard returns the board's view of the risk analysis in one
// query, with at most limit risks; ok is false when the entity has no
// analysis yet.
func CurrentForBoard(ctx context.Context, q db.Querier, entityID int64, limit int) (b BoardRisks, ok bool, err error) {
	var top []TopRisk
	err = q.QueryRow(ctx, `WITH a AS (
			SELECT a.id, a.period, a.status, a.review_date, m.tolerance FROM risk_analyses a
			JOIN risk_methods m ON m.entity_id = a.entity_id AND m.method_version = a.method_version
			WHERE `+countingAnalysis+`)
		SELECT a.id, a.period, a.status, a.review_date, a.tolerance,
			(SELECT count(*) FROM risk_scenarios s WHERE s.entity_id = @entity AND s.analysis_id = a.id AND s.residual_level > a.tolerance)::int,
			(SELECT coalesce(json_agg(t), '[]') FROM (
				SELECT s.id, j.name AS jewel, s.threat_code, coalesce(th.name, '') AS threat_name, s.residual_level AS level,
					s.residual_likelihood AS likelihood, s.residual_impact AS impact, coalesce(s.treatment, '') AS treatment,
					coalesce(s.acceptance, '') AS acceptance
				-- the top scenarios are chosen before they are joined
				FROM (SELECT s.* FROM risk_scenarios s
					WHERE s.entity_id = @entity AND s.analysis_id = a.id AND s.residual_level > a.tolerance
					ORDER BY s.residual_level DESC, s.residual_likelihood * s.residual_impact DESC, s.id
					LIMIT @limit) s
				JOIN risk_jewels j ON j.id = s.jewel_id LEFT JOIN risk_threats th ON th.id = s.threat_id
				ORDER BY s.residual_level DESC, s.residual_likelihood * s.residual_impact DESC, s.id) t)
		FROM a`, pgx.StrictNamedArgs{"entity": entityID, "limit": limit}).
		Scan(&b.AnalysisID, &b.Period, &b.Status, &b.ReviewDate, &b.Tolerance, &b.Above, &top)
	if errors.Is(err, pgx.ErrNoRows) {
		return b, false, nil
	}
	if err != nil {
		return b, false, fmt.Errorf("board risks of entity %d: %w", entityID, err)
	}
	b.Top = top
	return b, true, nil
}
