package risk

import (
	"context"
	"errors"
	"fmt"
	"strconv"

	"github.com/jackc/pgx/v5"

	"github.com/weerbaar/weerbaar/internal/authz"
	"github.com/weerbaar/weerbaar/internal/db"
	"github.com/weerbaar/weerbaar/internal/evidence"
)

// The subject types under which evidence attaches to this module's records;
// the reference is the record's id (unique across entities, and checked to
// belong to the entity).
const (
	SubjectJewel    = "risk_jewel"
	SubjectSupplier = "risk_supplier"
	SubjectScenario = "risk_scenario"
	// SubjectMitigation is a mitigation action of a scenario's treatment
	// (e.g. proof that it was carried out).
	SubjectMitigation = "risk_mitigation"
)

// The module declares its subject types when it is linked into a program
// (see internal/measure/evidence.go). Attaching evidence to the risk
// analysis's records needs RiskEdit besides EvidenceEdit.
func init() {
	evidence.Register(evidence.SubjectType{Name: SubjectJewel, Label: "evidence.subject.risk_jewel",
		Permission: authz.RiskEdit, URL: recordURL("jewels"), Exists: rowExists("risk_jewels")})
	evidence.Register(evidence.SubjectType{Name: SubjectSupplier, Label: "evidence.subject.risk_supplier",
		Permission: authz.RiskEdit, URL: recordURL("suppliers"), Exists: rowExists("risk_suppliers")})
	evidence.Register(evidence.SubjectType{Name: SubjectScenario, Label: "evidence.subject.risk_scenario",
		Permission: authz.RiskEdit, URL: recordURL("scenarios"), Exists: rowExists("risk_scenarios")})
	evidence.Register(evidence.SubjectType{Name: SubjectMitigation, Label: "evidence.subject.risk_mitigation",
		Permission: authz.RiskEdit, URL: recordURL("mitigations"), Exists: rowExists("risk_mitigations")})
}

func recordURL(collection string) func(entityID int64, ref string) string {
	return func(entityID int64, ref string) string {
		return fmt.Sprintf("/e/%d/risks/%s/%s", entityID, collection, ref)
	}
}

// rowExists checks that ref is the id of a row of table in the entity, and
// keeps the row from being deleted until the transaction ends.
// table is one of the constants above, never input.
func rowExists(table string) func(ctx context.Context, q db.Querier, entityID int64, ref string) (bool, error) {
	return func(ctx context.Context, q db.Querier, entityID int64, ref string) (bool, error) {
		id, err := strconv.ParseInt(ref, 10, 64)
		if err != nil || id <= 0 || strconv.FormatInt(id, 10) != ref {
			return false, nil
		}
		// FOR KEY SHARE: a deletion of the record (which locks it FOR
		// UPDATE, see lockRows) waits for this attachment to commit and then
		// sees its evidence, or this attachment waits for the deletion and
		// finds no record.
		var one int
		err = q.QueryRow(ctx, `SELECT 1 FROM `+table+` WHERE entity_id = @entity AND id = @id FOR KEY SHARE`,
			pgx.StrictNamedArgs{"entity": entityID, "id": id}).Scan(&one)
		if errors.Is(err, pgx.ErrNoRows) {
			return false, nil
		}
		return err == nil, err
	}
}
