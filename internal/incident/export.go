package incident

import (
	"context"
	"fmt"

	"github.com/jackc/pgx/v5"

	"github.com/weerbaar/weerbaar/internal/db"
)

// IncidentReport is one reporting stage of one incident, as the evidence
// package lists them: every incident's reports in one query.
type IncidentReport struct {
	IncidentID int64 `db:"incident_id"`
	Report
}

// EntityReports lists the reports of all the entity's incidents, by
// incident then in stage order, in one query whatever the number of
// incidents (Reports does one incident).
func EntityReports(ctx context.Context, q db.Querier, entityID int64) ([]IncidentReport, error) {
	rows, err := q.Query(ctx, `SELECT r.incident_id, r.id, r.stage, r.due_at, r.requested_at, r.requested_by, r.submitted_at, r.recipients,
			r.summary, r.proof_ref, coalesce(u.name, '') AS submitted_by, r.version,
			(SELECT count(*)::int FROM incident_reminders x WHERE x.report_id = r.id AND x.state = 'sent') AS reminders,
			(SELECT max(x.sent_at) FROM incident_reminders x WHERE x.report_id = r.id) AS last_reminder
		FROM incident_reports r LEFT JOIN users u ON u.id = r.submitted_by
		WHERE r.entity_id = @entity
		ORDER BY r.incident_id, array_position(ARRAY['early_warning', 'notification', 'intermediate', 'progress', 'final'], r.stage),
			r.requested_at, r.id`, pgx.StrictNamedArgs{"entity": entityID})
	if err != nil {
		return nil, fmt.Errorf("reports of entity %d: %w", entityID, err)
	}
	return pgx.CollectRows(rows, pgx.RowToStructByName[IncidentReport])
}
