package measure

import (
	"context"
	"fmt"
	"net/url"

	"github.com/jackc/pgx/v5"

	"github.com/weerbaar/weerbaar/internal/authz"
	"github.com/weerbaar/weerbaar/internal/db"
	"github.com/weerbaar/weerbaar/internal/evidence"
)

// The subject types under which evidence attaches to this module's records;
// the reference is the requirement's or the measure's catalogue code.
const (
	SubjectRequirement = "requirement"
	SubjectMeasure     = "measure"
)

// The module declares its subject types when it is linked into a program,
// so the server, the demo seeder and any later exporter all know them, and
// the evidence package does not import this one.
func init() {
	evidence.Register(evidence.SubjectType{Name: SubjectRequirement, Label: "evidence.subject.requirement",
		Permission: authz.EvidenceEdit, URL: recordURL("requirements"), Exists: requirementExists})
	evidence.Register(evidence.SubjectType{Name: SubjectMeasure, Label: "evidence.subject.measure",
		Permission: authz.EvidenceEdit, URL: recordURL("measures"), Exists: measureExists})
}

func recordURL(collection string) func(entityID int64, ref string) string {
	return func(entityID int64, ref string) string {
		return fmt.Sprintf("/e/%d/%s/%s", entityID, collection, url.PathEscape(ref))
	}
}

// requirementExists reports whether code is a requirement of the catalogue;
// every entity has every requirement of it.
func requirementExists(ctx context.Context, q db.Querier, _ int64, code string) (bool, error) {
	var ok bool
	err := q.QueryRow(ctx, `SELECT EXISTS (SELECT 1 FROM requirements WHERE code = @code)`,
		pgx.StrictNamedArgs{"code": code}).Scan(&ok)
	return ok, err
}

// measureExists reports whether code is one of the ten measures.
func measureExists(ctx context.Context, q db.Querier, _ int64, code string) (bool, error) {
	var ok bool
	err := q.QueryRow(ctx, `SELECT EXISTS (SELECT 1 FROM measures WHERE code::text = @code)`,
		pgx.StrictNamedArgs{"code": code}).Scan(&ok)
	return ok, err
}
