package oversight

import (
	"fmt"

	"github.com/weerbaar/weerbaar/internal/authz"
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
		Exists:   evidence.RowExists("board_reports"),
		TitleSQL: evidence.RowTitleSQL("board_reports", "title")})
}
