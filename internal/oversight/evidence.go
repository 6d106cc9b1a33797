package oversight

import (
	"context"
	"fmt"
	"strconv"

	"github.com/jackc/pgx/v5"

	"github.com/weerbaar/weerbaar/internal/authz"
	"github.com/weerbaar/weerbaar/internal/db"
	"github.com/weerbaar/weerbaar/internal/evidence"
)

// SubjectReport is the evidence subject type of a board report: the minutes
// of the meeting that discussed it (oversight evidence) attach to it.
const SubjectReport = "board_report"

// Attaching the minutes needs what recording the discussion needs
// (authz.BoardRecord, see the route table) besides EvidenceEdit.
func init() {
	evidence.Register(evidence.SubjectType{Name: SubjectReport, Label: "evidence.subject.board_report",
		Permission: authz.BoardRecord,
		URL: func(entityID int64, ref string) string {
			return fmt.Sprintf("/e/%d/board/reports/%s", entityID, ref)
		},
		Exists: func(ctx context.Context, q db.Querier, entityID int64, ref string) (bool, error) {
			id, err := strconv.ParseInt(ref, 10, 64)
			if err != nil || id <= 0 || strconv.FormatInt(id, 10) != ref {
				return false, nil
			}
			var ok bool
			err = q.QueryRow(ctx, `SELECT EXISTS (SELECT 1 FROM board_reports WHERE entity_id = @entity AND id = @id)`,
				pgx.StrictNamedArgs{"entity": entityID, "id": id}).Scan(&ok)
			return ok, err
		}})
}
