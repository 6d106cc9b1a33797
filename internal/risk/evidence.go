package risk

import (
	"fmt"

	"github.com/weerbaar/weerbaar/internal/authz"
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
		Permission: authz.RiskEdit, URL: recordURL("jewels"), Exists: evidence.RowExists("risk_jewels"),
		TitleSQL: evidence.RowTitleSQL("risk_jewels", "name")})
	evidence.Register(evidence.SubjectType{Name: SubjectSupplier, Label: "evidence.subject.risk_supplier",
		Permission: authz.RiskEdit, URL: recordURL("suppliers"), Exists: evidence.RowExists("risk_suppliers"),
		TitleSQL: evidence.RowTitleSQL("risk_suppliers", "name")})
	evidence.Register(evidence.SubjectType{Name: SubjectScenario, Label: "evidence.subject.risk_scenario",
		Permission: authz.RiskEdit, URL: recordURL("scenarios"), Exists: evidence.RowExists("risk_scenarios"),
		// The scenario's crown jewel and its threat (an entity threat's
		// name, else the catalogue threat's code).
		TitleSQL: `SELECT j.name || ' × ' || coalesce(th.name, s.threat_code, '') FROM risk_scenarios s
			JOIN risk_jewels j ON j.id = s.jewel_id LEFT JOIN risk_threats th ON th.id = s.threat_id
			WHERE s.entity_id = i.entity_id AND s.id = ` + evidence.RefIDSQL})
	evidence.Register(evidence.SubjectType{Name: SubjectMitigation, Label: "evidence.subject.risk_mitigation",
		Permission: authz.RiskEdit, URL: recordURL("mitigations"), Exists: evidence.RowExists("risk_mitigations"),
		TitleSQL: evidence.RowTitleSQL("risk_mitigations", "title")})
}

func recordURL(collection string) func(entityID int64, ref string) string {
	return func(entityID int64, ref string) string {
		return fmt.Sprintf("/e/%d/risks/%s/%s", entityID, collection, ref)
	}
}
