package incident

import (
	"context"
	"fmt"
	"strconv"
	"strings"

	"github.com/jackc/pgx/v5"

	"github.com/weerbaar/weerbaar/internal/authz"
	"github.com/weerbaar/weerbaar/internal/db"
	"github.com/weerbaar/weerbaar/internal/evidence"
)

// The subject types under which evidence attaches to incidents (logs,
// screenshots, the portal's confirmation) and to timeline entries. An
// incident's reference is its id; an entry's is "incidentID-entryID", so
// its page can be found from the reference alone.
const (
	SubjectIncident = "incident"
	SubjectEntry    = "incident_entry"
)

// EntryRef is the evidence reference of a timeline entry.
func EntryRef(incidentID, entryID int64) string {
	return strconv.FormatInt(incidentID, 10) + "-" + strconv.FormatInt(entryID, 10)
}

func parseEntryRef(ref string) (incidentID, entryID int64, ok bool) {
	a, b, found := strings.Cut(ref, "-")
	if !found {
		return 0, 0, false
	}
	i, err1 := strconv.ParseInt(a, 10, 64)
	e, err2 := strconv.ParseInt(b, 10, 64)
	if err1 != nil || err2 != nil || i <= 0 || e <= 0 || EntryRef(i, e) != ref {
		return 0, 0, false
	}
	return i, e, true
}

func init() {
	evidence.Register(evidence.SubjectType{Name: SubjectIncident, Label: "evidence.subject.incident",
		Permission: authz.IncidentEdit,
		URL: func(entityID int64, ref string) string {
			return fmt.Sprintf("/e/%d/incidents/%s", entityID, ref)
		},
		Exists:   evidence.RowExists("incidents"),
		TitleSQL: evidence.RowTitleSQL("incidents", "title")})
	evidence.Register(evidence.SubjectType{Name: SubjectEntry, Label: "evidence.subject.incident_entry",
		Permission: authz.IncidentEdit,
		URL: func(entityID int64, ref string) string {
			// The incident's page, which lists the entries' evidence (the
			// evidence routes add their own #evidence).
			incidentID, _, _ := parseEntryRef(ref)
			return fmt.Sprintf("/e/%d/incidents/%d", entityID, incidentID)
		},
		Exists: func(ctx context.Context, q db.Querier, entityID int64, ref string) (bool, error) {
			incidentID, entryID, ok := parseEntryRef(ref)
			if !ok {
				return false, nil
			}
			err := q.QueryRow(ctx, `SELECT EXISTS (SELECT 1 FROM incident_timeline WHERE entity_id = @entity
				AND incident_id = @incident AND id = @id)`,
				pgx.StrictNamedArgs{"entity": entityID, "incident": incidentID, "id": entryID}).Scan(&ok)
			return ok, err
		},
		// The entry's incident.
		TitleSQL: `SELECT x.title FROM incidents x WHERE x.entity_id = i.entity_id
			AND x.id = (SELECT CASE WHEN i.subject_ref ~ '^[1-9][0-9]{0,17}-[1-9][0-9]{0,17}$' THEN split_part(i.subject_ref, '-', 1)::bigint END)`})
}
