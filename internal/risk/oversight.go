package risk

import (
	"context"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/weerbaar/weerbaar/internal/db"
)

// DueAcceptance is an accepted residual risk whose acceptance has ended or
// ends soon: it comes back to the management body for review.
type DueAcceptance struct {
	ScenarioID int64     `db:"id"`
	JewelName  string    `db:"jewel"`
	ThreatCode *string   `db:"threat_code"`
	ThreatName string    `db:"threat_name"` // entity threats only
	Level      Level     `db:"level"`
	Expires    time.Time `db:"acceptance_expires"`
}

// ThreatLabel names the risk's threat as TopRisk.ThreatLabel does.
func (d DueAcceptance) ThreatLabel() (CatalogueThreat, string, bool) {
	return TopRisk{ThreatCode: d.ThreatCode, ThreatName: d.ThreatName}.ThreatLabel()
}

// DueAcceptances lists the accepted risks of an analysis whose acceptance
// expires on or before until (expired ones included), soonest first; one
// query.
func DueAcceptances(ctx context.Context, q db.Querier, entityID, analysisID int64, until time.Time) ([]DueAcceptance, error) {
	rows, err := q.Query(ctx, `SELECT s.id, j.name AS jewel, s.threat_code, coalesce(th.name, '') AS threat_name,
			s.residual_level AS level, s.acceptance_expires
		FROM risk_scenarios s JOIN risk_jewels j ON j.id = s.jewel_id LEFT JOIN risk_threats th ON th.id = s.threat_id
		WHERE s.entity_id = @entity AND s.analysis_id = @analysis AND s.acceptance = 'accepted'
			AND s.acceptance_expires <= @until
		ORDER BY s.acceptance_expires, s.id`,
		pgx.StrictNamedArgs{"entity": entityID, "analysis": analysisID, "until": until.Format(time.DateOnly)})
	if err != nil {
		return nil, fmt.Errorf("due acceptances of analysis %d: %w", analysisID, err)
	}
	return pgx.CollectRows(rows, pgx.RowToStructByName[DueAcceptance])
}

// OverdueAction is an open mitigation action past its due date.
type OverdueAction struct {
	ID              int64     `db:"id"`
	Title           string    `db:"title"`
	RequirementCode string    `db:"requirement_code"`
	OwnerName       string    `db:"owner_name"`
	DueDate         time.Time `db:"due_date"`
	Period          string    `db:"period"`
	JewelName       string    `db:"jewel"`
	ThreatCode      *string   `db:"threat_code"`
	ThreatName      string    `db:"threat_name"`
}

// ThreatLabel names the action's scenario's threat.
func (o OverdueAction) ThreatLabel() (CatalogueThreat, string, bool) {
	return TopRisk{ThreatCode: o.ThreatCode, ThreatName: o.ThreatName}.ThreatLabel()
}

// OverdueActions lists the open mitigation actions past their due date on
// day in every analysis that is not archived (actions are planned per
// cycle and do not carry over), longest overdue first; one query.
func OverdueActions(ctx context.Context, q db.Querier, entityID int64, day time.Time) ([]OverdueAction, error) {
	rows, err := q.Query(ctx, `SELECT m.id, m.title, m.requirement_code, coalesce(mo.invited_name, u.name, '') AS owner_name,
			m.due_date, a.period, j.name AS jewel, s.threat_code, coalesce(th.name, '') AS threat_name
		FROM risk_mitigations m
		JOIN risk_analyses a ON a.id = m.analysis_id AND a.entity_id = m.entity_id
		JOIN risk_scenarios s ON s.id = m.scenario_id JOIN risk_jewels j ON j.id = s.jewel_id
		LEFT JOIN risk_threats th ON th.id = s.threat_id
		LEFT JOIN users u ON u.id = m.owner_id
		LEFT JOIN memberships mo ON mo.entity_id = m.entity_id AND mo.user_id = m.owner_id
		WHERE m.entity_id = @entity AND NOT m.done AND m.due_date < @day AND a.status <> 'archived'
		ORDER BY m.due_date, m.id`,
		pgx.StrictNamedArgs{"entity": entityID, "day": day.Format(time.DateOnly)})
	if err != nil {
		return nil, fmt.Errorf("overdue actions of entity %d: %w", entityID, err)
	}
	return pgx.CollectRows(rows, pgx.RowToStructByName[OverdueAction])
}
