package training

import (
	"fmt"

	"github.com/weerbaar/weerbaar/internal/authz"
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
		Exists: evidence.RowExists("training_records"),
		// The course and whose record it is.
		TitleSQL: `SELECT t.course || ' — ' || u.name FROM training_records t JOIN users u ON u.id = t.user_id
			WHERE t.entity_id = i.entity_id AND t.id = ` + evidence.RefIDSQL})
}
