package risk

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/weerbaar/weerbaar/internal/audit"
	"github.com/weerbaar/weerbaar/internal/authz"
	"github.com/weerbaar/weerbaar/internal/db"
	"github.com/weerbaar/weerbaar/internal/validate"
)

// Clauses are the contract clauses of Annex 5.1.2 of Regulation 2024/2690,
// in checklist order; each is a column clause_<name>.
var Clauses = []string{"incident", "audit", "vulnerability", "subcontracting", "exit"}

// AssessmentResults are the outcomes of a supplier assessment ("" = none).
var AssessmentResults = []string{"", "sufficient", "improvements", "insufficient"}

// Supplier is an entry of the supplier register (Annex 5.2) in an
// analysis. Criticality is derived from the jewels that depend on it.
type Supplier struct {
	ID                  int64      `db:"id"`
	AnalysisID          int64      `db:"analysis_id"`
	Name                string     `db:"name"`
	Service             string     `db:"service"`
	ClauseIncident      bool       `db:"clause_incident"`
	ClauseAudit         bool       `db:"clause_audit"`
	ClauseVulnerability bool       `db:"clause_vulnerability"`
	ClauseSubcontract   bool       `db:"clause_subcontracting"`
	ClauseExit          bool       `db:"clause_exit"`
	Certifications      string     `db:"certifications"`
	CertificationExpiry *time.Time `db:"certification_expiry"`
	LastAssessed        *time.Time `db:"last_assessed"`
	AssessmentResult    string     `db:"assessment_result"`
	Notes               string     `db:"notes"`
	UpdatedBy           string     `db:"updated_by"`
	UpdatedAt           time.Time  `db:"updated_at"`
	Version             int        `db:"version"`
	// Jewels are the names of the jewels that depend on the supplier.
	Jewels []string `db:"jewels"`
	// MaxBIV is the highest BIV requirement among those jewels (0 = none):
	// the supplier's derived criticality.
	MaxBIV int `db:"max_biv"`
	// CriticalJewels counts dependent jewels with a BIV requirement of 4.
	CriticalJewels int `db:"critical_jewels"`
}

// Clause reports whether the contract has the named clause.
func (s Supplier) Clause(name string) bool {
	switch name {
	case "incident":
		return s.ClauseIncident
	case "audit":
		return s.ClauseAudit
	case "vulnerability":
		return s.ClauseVulnerability
	case "subcontracting":
		return s.ClauseSubcontract
	case "exit":
		return s.ClauseExit
	}
	return false
}

// ClausesMissing counts the checklist clauses the contract lacks.
func (s Supplier) ClausesMissing() int {
	n := 0
	for _, c := range Clauses {
		if !s.Clause(c) {
			n++
		}
	}
	return n
}

// ConcentrationThreshold is how many jewels with the highest BIV
// requirement may depend on one supplier before the register warns of
// concentration risk.
const ConcentrationThreshold = 2

// Concentrated reports whether several critical jewels depend on this one
// supplier.
func (s Supplier) Concentrated() bool { return s.CriticalJewels >= ConcentrationThreshold }

// CertificationExpired reports whether the certification has expired on day.
func (s Supplier) CertificationExpired(day time.Time) bool {
	return s.CertificationExpiry != nil && s.CertificationExpiry.Before(day)
}

const supplierColumns = `s.id, s.analysis_id, s.name, s.service, s.clause_incident, s.clause_audit, s.clause_vulnerability,
	s.clause_subcontracting, s.clause_exit, s.certifications, s.certification_expiry, s.last_assessed, s.assessment_result,
	s.notes, coalesce(u.name, '') AS updated_by, s.updated_at, s.version,
	ARRAY(SELECT j.name FROM risk_jewel_suppliers l JOIN risk_jewels j ON j.id = l.jewel_id WHERE l.supplier_id = s.id ORDER BY j.name) AS jewels,
	coalesce((SELECT max(greatest(j.availability, j.integrity, j.confidentiality)) FROM risk_jewel_suppliers l
		JOIN risk_jewels j ON j.id = l.jewel_id WHERE l.supplier_id = s.id), 0)::int AS max_biv,
	(SELECT count(*) FROM risk_jewel_suppliers l JOIN risk_jewels j ON j.id = l.jewel_id
		WHERE l.supplier_id = s.id AND greatest(j.availability, j.integrity, j.confidentiality) = 4)::int AS critical_jewels
	FROM risk_suppliers s LEFT JOIN users u ON u.id = s.updated_by`

// Suppliers lists an analysis's suppliers by name.
func Suppliers(ctx context.Context, q db.Querier, entityID, analysisID int64) ([]Supplier, error) {
	rows, err := q.Query(ctx, `SELECT `+supplierColumns+` WHERE s.entity_id = @entity AND s.analysis_id = @analysis ORDER BY s.name`,
		pgx.StrictNamedArgs{"entity": entityID, "analysis": analysisID})
	if err != nil {
		return nil, fmt.Errorf("suppliers of analysis %d: %w", analysisID, err)
	}
	return pgx.CollectRows(rows, pgx.RowToStructByName[Supplier])
}

// GetSupplier returns one supplier of the entity.
func GetSupplier(ctx context.Context, q db.Querier, entityID, id int64) (Supplier, error) {
	return db.GetOne[Supplier](ctx, q, fmt.Sprintf("load supplier %d", id), `SELECT `+supplierColumns+` WHERE s.entity_id = @entity AND s.id = @id`,
		pgx.StrictNamedArgs{"entity": entityID, "id": id})
}

// SupplierInput is the supplier form as submitted.
type SupplierInput struct {
	Name, Service, Certifications, CertificationExpiry string
	LastAssessed, AssessmentResult, Notes              string
	Clauses                                            []string
	Version                                            int
}

func (in SupplierInput) parse() (map[string]any, error) {
	errs := validate.Errors{}
	name := strings.TrimSpace(in.Name)
	if name == "" || len([]rune(name)) > 200 {
		errs.Add("name", "risk.error.name")
	}
	date := func(field, v string) *time.Time {
		if strings.TrimSpace(v) == "" {
			return nil
		}
		d, err := time.Parse("2006-01-02", strings.TrimSpace(v))
		if err != nil {
			errs.Add(field, "validate.date")
			return nil
		}
		return &d
	}
	if !slices.Contains(AssessmentResults, in.AssessmentResult) {
		errs.Add("assessment_result", "validate.choice")
	}
	if len(in.Service) > 2000 || len(in.Certifications) > 2000 || len(in.Notes) > 5000 {
		errs.Add("notes", "validate.too_long")
	}
	for _, c := range in.Clauses {
		if !slices.Contains(Clauses, c) {
			errs.Add("clauses", "validate.choice")
		}
	}
	out := map[string]any{"name": name, "service": strings.TrimSpace(in.Service), "certifications": strings.TrimSpace(in.Certifications),
		"expiry": date("certification_expiry", in.CertificationExpiry), "assessed": date("last_assessed", in.LastAssessed),
		"result": in.AssessmentResult, "notes": strings.TrimSpace(in.Notes)}
	for _, c := range Clauses {
		out["clause_"+c] = slices.Contains(in.Clauses, c)
	}
	return out, errs.Err()
}

func (s Supplier) fields() map[string]any {
	out := map[string]any{"name": s.Name, "service": s.Service, "certifications": s.Certifications,
		"certification_expiry": dateOrNil(s.CertificationExpiry), "last_assessed": dateOrNil(s.LastAssessed),
		"assessment_result": s.AssessmentResult, "notes": s.Notes}
	for _, c := range Clauses {
		out["clause_"+c] = s.Clause(c)
	}
	return out
}

func dateOrNil(t *time.Time) any {
	if t == nil {
		return nil
	}
	return t.Format("2006-01-02")
}

// SaveSupplier creates (id 0, within analysisID) or updates a supplier after
// a version check, audit-logged.
func SaveSupplier(ctx context.Context, pool *pgxpool.Pool, actor authz.Actor, analysisID, id int64, in SupplierInput) (Supplier, error) {
	var saved Supplier
	err := db.InTx(ctx, pool, func(tx pgx.Tx) error {
		var cur Supplier
		if id != 0 {
			var err error
			if cur, err = GetSupplier(ctx, tx, actor.EntityID, id); err != nil {
				return err
			}
			analysisID = cur.AnalysisID
		}
		if _, err := lockAnalysis(ctx, tx, actor.EntityID, analysisID); err != nil {
			return err
		}
		args, err := in.parse()
		if err != nil {
			return err
		}
		if id != 0 && cur.Version != in.Version {
			return &Conflict{Current: cur}
		}
		args["entity"], args["analysis"], args["actor"] = actor.EntityID, analysisID, actor.UserID
		if id == 0 {
			err = tx.QueryRow(ctx, `INSERT INTO risk_suppliers (entity_id, analysis_id, name, service, clause_incident, clause_audit,
					clause_vulnerability, clause_subcontracting, clause_exit, certifications, certification_expiry, last_assessed,
					assessment_result, notes, updated_by)
				VALUES (@entity, @analysis, @name, @service, @clause_incident, @clause_audit, @clause_vulnerability,
					@clause_subcontracting, @clause_exit, @certifications, @expiry, @assessed, @result, @notes, @actor) RETURNING id`,
				pgx.StrictNamedArgs(args)).Scan(&id)
		} else {
			args["id"] = id
			_, err = tx.Exec(ctx, `UPDATE risk_suppliers SET name = @name, service = @service, clause_incident = @clause_incident,
					clause_audit = @clause_audit, clause_vulnerability = @clause_vulnerability,
					clause_subcontracting = @clause_subcontracting, clause_exit = @clause_exit, certifications = @certifications,
					certification_expiry = @expiry, last_assessed = @assessed, assessment_result = @result, notes = @notes,
					updated_by = @actor, updated_at = now(), version = version + 1
				WHERE entity_id = @entity AND analysis_id = @analysis AND id = @id`, pgx.StrictNamedArgs(args))
		}
		if err != nil {
			if errors.Is(db.MapError(err), db.ErrConflict) {
				return validate.Field("name", "risk.error.name_taken")
			}
			return fmt.Errorf("save supplier: %w", err)
		}
		if saved, err = GetSupplier(ctx, tx, actor.EntityID, id); err != nil {
			return err
		}
		action, before, after := "risk_supplier.created", map[string]any(nil), saved.fields()
		if cur.ID != 0 {
			action = "risk_supplier.updated"
			before, after = audit.Diff(cur.fields(), saved.fields())
		}
		return audit.Record(ctx, tx, audit.Event{EntityID: actor.EntityID, Action: action, ObjectType: "risk_supplier",
			ObjectID: strconv.FormatInt(id, 10), Before: before, After: after})
	})
	return saved, err
}
