package training

import (
	"context"
	"fmt"
	"strconv"

	"github.com/jackc/pgx/v5"

	"github.com/weerbaar/weerbaar/internal/authz"
	"github.com/weerbaar/weerbaar/internal/db"
	"github.com/weerbaar/weerbaar/internal/evidence"
)

// SubjectRecord is the evidence subject type of a training record: the
// certificate (Cbw art. 24) is evidence attached to it.
const SubjectRecord = "training_record"

func init() {
	evidence.Register(evidence.SubjectType{Name: SubjectRecord, Label: "evidence.subject.training_record",
		Permission: authz.BoardRecord,
		URL: func(entityID int64, ref string) string {
			return fmt.Sprintf("/e/%d/board/training/%s", entityID, ref)
		},
		Exists: func(ctx context.Context, q db.Querier, entityID int64, ref string) (bool, error) {
			id, err := strconv.ParseInt(ref, 10, 64)
			if err != nil || id <= 0 || strconv.FormatInt(id, 10) != ref {
				return false, nil
			}
			var ok bool
			err = q.QueryRow(ctx, `SELECT EXISTS (SELECT 1 FROM training_records WHERE entity_id = @entity AND id = @id)`,
				pgx.StrictNamedArgs{"entity": entityID, "id": id}).Scan(&ok)
			return ok, err
		}})
}
