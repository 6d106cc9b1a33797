package measure

import (
	"context"
	"fmt"
	"net/url"

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
		Permission: authz.EvidenceEdit, URL: recordURL("requirements"), Exists: requirementExists,
		TitleSQL: `SELECT r.code || ' ' || CASE WHEN @lang = 'en' THEN r.title_en ELSE r.title_nl END FROM requirements r
			WHERE r.code = i.subject_ref`})
	evidence.Register(evidence.SubjectType{Name: SubjectMeasure, Label: "evidence.subject.measure",
		Permission: authz.EvidenceEdit, URL: recordURL("measures"), Exists: measureExists,
		TitleSQL: `SELECT m.code::text || ') ' || CASE WHEN @lang = 'en' THEN m.label_en ELSE m.label_nl END FROM measures m
			WHERE m.code::text = i.subject_ref`})
}

func recordURL(collection string) func(entityID int64, ref string) string {
	return func(entityID int64, ref string) string {
		return fmt.Sprintf("/e/%d/%s/%s", entityID, collection, url.PathEscape(ref))
	}
}

// requirementExists reports whether code is a requirement of the edition
// the entity assesses against.
func requirementExists(ctx context.Context, q db.Querier, entityID int64, code string) (bool, error) {
	ed, err := EntityEdition(ctx, q, entityID)
	if err != nil {
		return false, err
	}
	_, ok := ed.Requirement(code)
	return ok, nil
}

// measureExists reports whether code is one of the ten measures of the
// entity's edition.
func measureExists(ctx context.Context, q db.Querier, entityID int64, code string) (bool, error) {
	ed, err := EntityEdition(ctx, q, entityID)
	if err != nil {
		return false, err
	}
	_, ok := ed.Measure(code)
	return ok, nil
}
