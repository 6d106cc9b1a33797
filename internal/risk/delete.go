package risk

import (
	"context"
	"errors"
	"fmt"
	"strconv"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/weerbaar/weerbaar/internal/audit"
	"github.com/weerbaar/weerbaar/internal/authz"
	"github.com/weerbaar/weerbaar/internal/db"
	"github.com/weerbaar/weerbaar/internal/validate"
)

// ErrInUse is returned for a deletion that Impact.Blocked refuses: live
// evidence is attached to the record (or, for a jewel, to its scenarios), or
// scenarios use the entity threat. Evidence is never destroyed or orphaned
// with the record it proves: the user deletes it first (kept for the audit
// trail, see evidence.Store.Delete) or keeps the record.
var ErrInUse = errors.New("the record is still in use and cannot be deleted")

// ScenarioRef names a scenario on a deletion page.
type ScenarioRef struct {
	ID         int64   `db:"id"`
	AnalysisID int64   `db:"analysis_id"`
	Period     string  `db:"period"`
	JewelName  string  `db:"jewel_name"`
	ThreatCode *string `db:"threat_code"`
	ThreatName string  `db:"threat_name"` // entity threats; catalogue names come from Threats()
}

// EvidenceRef is a live evidence item that stops a deletion.
type EvidenceRef struct {
	ID          int64  `db:"id"`
	Title       string `db:"title"`
	SubjectType string `db:"subject_type"`
	SubjectRef  string `db:"subject_ref"`
}

// Impact is what a deletion takes with it, and what stops it.
type Impact struct {
	// Scenarios are deleted with a jewel; for an entity threat they are the
	// scenarios that use it (and stop the deletion).
	Scenarios []ScenarioRef
	// Controls, Mitigations and Treatments count the existing controls,
	// mitigation actions and treatment decisions of the deleted scenarios
	// (of the one scenario, for a scenario).
	Controls, Mitigations, Treatments int
	// Dependents are the jewels that depend on a deleted jewel (their link
	// goes); DependsOn and SupplierLinks count the jewel's own links.
	Dependents               []string
	DependsOn, SupplierLinks int
	// Jewels are the jewels that lose their dependency on a deleted supplier.
	Jewels []string
	// Evidence is the live evidence attached to the record or its scenarios.
	Evidence []EvidenceRef
	// threat is set for an entity threat, where scenarios stop the deletion.
	threat bool
}

// Blocked reports whether the record cannot be deleted as it stands.
func (im Impact) Blocked() bool {
	return len(im.Evidence) > 0 || im.threat && len(im.Scenarios) > 0
}

// Cascades reports whether other records go with the deleted one, so the
// user must confirm explicitly.
func (im Impact) Cascades() bool {
	return !im.threat && len(im.Scenarios) > 0 || im.Controls > 0 || im.Mitigations > 0 || im.Treatments > 0 ||
		len(im.Dependents) > 0 || im.DependsOn > 0 || im.SupplierLinks > 0 || len(im.Jewels) > 0
}

// Key fingerprints the impact for the confirmation form: a deletion
// confirmed for other counts than the current ones is a conflict, so nobody
// deletes more than they were shown.
func (im Impact) Key() string {
	return fmt.Sprintf("s%d-c%d-m%d-t%d-d%d-o%d-l%d-j%d-e%d", len(im.Scenarios), im.Controls, im.Mitigations, im.Treatments,
		len(im.Dependents), im.DependsOn, im.SupplierLinks, len(im.Jewels), len(im.Evidence))
}

// DeleteInput is a confirmed deletion as submitted: the record's version and
// the impact's key the page showed, and the explicit confirmation (needed
// when the deletion cascades).
type DeleteInput struct {
	Version   int
	Impact    string
	Confirmed bool
}

const scenarioRefColumns = `s.id, s.analysis_id, a.period, j.name AS jewel_name, s.threat_code, coalesce(t.name, '') AS threat_name
	FROM risk_scenarios s JOIN risk_analyses a ON a.id = s.analysis_id JOIN risk_jewels j ON j.id = s.jewel_id
	LEFT JOIN risk_threats t ON t.id = s.threat_id`

func scenarioRefs(ctx context.Context, q db.Querier, where string, args pgx.StrictNamedArgs) ([]ScenarioRef, error) {
	rows, err := q.Query(ctx, `SELECT `+scenarioRefColumns+` WHERE s.entity_id = @entity AND `+where+` ORDER BY a.period, j.name, s.id`, args)
	if err != nil {
		return nil, fmt.Errorf("scenarios to delete: %w", err)
	}
	return pgx.CollectRows(rows, pgx.RowToStructByName[ScenarioRef])
}

// liveEvidence lists the live evidence items attached to subjects of one
// type (refs are record ids) and, optionally, to scenarios.
func liveEvidence(ctx context.Context, q db.Querier, entityID int64, subjectType string, ids, scenarioIDs []int64) ([]EvidenceRef, error) {
	refs := func(ids []int64) []string {
		out := []string{}
		for _, id := range ids {
			out = append(out, strconv.FormatInt(id, 10))
		}
		return out
	}
	rows, err := q.Query(ctx, `SELECT id, title, subject_type, subject_ref FROM evidence_items
		WHERE entity_id = @entity AND deleted_at IS NULL
			AND (subject_type = @type AND subject_ref = ANY(@refs) OR subject_type = @scenario AND subject_ref = ANY(@scenarios))
		ORDER BY subject_type, subject_ref, title, id`,
		pgx.StrictNamedArgs{"entity": entityID, "type": subjectType, "refs": refs(ids), "scenario": SubjectScenario, "scenarios": refs(scenarioIDs)})
	if err != nil {
		return nil, fmt.Errorf("evidence of records to delete: %w", err)
	}
	return pgx.CollectRows(rows, pgx.RowToStructByName[EvidenceRef])
}

func scenarioIDs(refs []ScenarioRef) []int64 {
	out := make([]int64, 0, len(refs))
	for _, r := range refs {
		out = append(out, r.ID)
	}
	return out
}

// scenarioCounts counts the controls, mitigation actions and treatment
// decisions of scenarios, and (jewel != 0) the jewel's links.
func scenarioCounts(ctx context.Context, q db.Querier, entityID int64, ids []int64, jewelID int64, im *Impact) error {
	return q.QueryRow(ctx, `SELECT
			(SELECT count(*) FROM risk_scenario_controls WHERE entity_id = @entity AND scenario_id = ANY(@ids))::int,
			(SELECT count(*) FROM risk_mitigations WHERE entity_id = @entity AND scenario_id = ANY(@ids))::int,
			(SELECT count(*) FROM risk_scenarios WHERE entity_id = @entity AND id = ANY(@ids) AND treatment IS NOT NULL)::int,
			ARRAY(SELECT j.name FROM risk_jewel_dependencies d JOIN risk_jewels j ON j.id = d.jewel_id
				WHERE d.entity_id = @entity AND d.depends_on_id = @jewel ORDER BY j.name),
			(SELECT count(*) FROM risk_jewel_dependencies WHERE entity_id = @entity AND jewel_id = @jewel)::int,
			(SELECT count(*) FROM risk_jewel_suppliers WHERE entity_id = @entity AND jewel_id = @jewel)::int`,
		pgx.StrictNamedArgs{"entity": entityID, "ids": ids, "jewel": jewelID}).
		Scan(&im.Controls, &im.Mitigations, &im.Treatments, &im.Dependents, &im.DependsOn, &im.SupplierLinks)
}

// JewelImpact is what deleting the jewel takes with it: its scenarios (with
// their controls, treatments and mitigation actions) and its dependency
// links; evidence on the jewel or its scenarios stops it.
func JewelImpact(ctx context.Context, q db.Querier, entityID int64, j Jewel) (Impact, error) {
	var im Impact
	var err error
	if im.Scenarios, err = scenarioRefs(ctx, q, `s.jewel_id = @jewel`, pgx.StrictNamedArgs{"entity": entityID, "jewel": j.ID}); err != nil {
		return im, err
	}
	ids := scenarioIDs(im.Scenarios)
	if err := scenarioCounts(ctx, q, entityID, ids, j.ID, &im); err != nil {
		return im, fmt.Errorf("impact of deleting jewel %d: %w", j.ID, err)
	}
	im.Evidence, err = liveEvidence(ctx, q, entityID, SubjectJewel, []int64{j.ID}, ids)
	return im, err
}

// SupplierImpact is what deleting the supplier takes with it: the
// dependency links of the jewels on it; evidence on it stops it.
func SupplierImpact(ctx context.Context, q db.Querier, entityID int64, sp Supplier) (Impact, error) {
	im := Impact{Jewels: sp.Jewels}
	var err error
	im.Evidence, err = liveEvidence(ctx, q, entityID, SubjectSupplier, []int64{sp.ID}, nil)
	return im, err
}

// ScenarioImpact is what deleting the scenario takes with it: its controls,
// treatment and mitigation actions; evidence on it stops it.
func ScenarioImpact(ctx context.Context, q db.Querier, entityID int64, sc Scenario) (Impact, error) {
	var im Impact
	if err := scenarioCounts(ctx, q, entityID, []int64{sc.ID}, 0, &im); err != nil {
		return im, fmt.Errorf("impact of deleting scenario %d: %w", sc.ID, err)
	}
	var err error
	im.Evidence, err = liveEvidence(ctx, q, entityID, SubjectScenario, []int64{sc.ID}, nil)
	return im, err
}

// ThreatImpact lists the scenarios, in any cycle, that use the entity
// threat: while there are any it cannot be deleted, since an adopted
// analysis must keep saying which threat its scenarios were about, and a
// draft's scenarios are deleted or changed on purpose, one by one.
func ThreatImpact(ctx context.Context, q db.Querier, entityID int64, t EntityThreat) (Impact, error) {
	im := Impact{threat: true}
	var err error
	im.Scenarios, err = scenarioRefs(ctx, q, `s.threat_id = @threat`, pgx.StrictNamedArgs{"entity": entityID, "threat": t.ID})
	return im, err
}

// checkDeletion applies the rules every deletion shares, in order: the
// version and impact the user confirmed, what blocks it, and the explicit
// confirmation when other records go with it.
func checkDeletion(im Impact, version int, current any, in DeleteInput) error {
	if version != in.Version || im.Key() != in.Impact {
		return &Conflict{Current: current}
	}
	if im.Blocked() {
		return ErrInUse
	}
	if im.Cascades() && !in.Confirmed {
		return validate.Field("confirm", "risk.delete.error.confirm")
	}
	return nil
}

// lockRows takes the rows that evidence may attach to for update, so an
// upload that starts meanwhile (it locks its subject FOR KEY SHARE, see
// rowExists) waits and then finds the record gone, or is seen by the
// evidence check. table is a constant of this package.
func lockRows(ctx context.Context, tx pgx.Tx, table, where string, args pgx.StrictNamedArgs) error {
	rows, err := tx.Query(ctx, `SELECT id FROM `+table+` WHERE entity_id = @entity AND `+where+` FOR UPDATE`, args)
	if err != nil {
		return fmt.Errorf("lock %s: %w", table, err)
	}
	rows.Close()
	return rows.Err()
}

func deleteRow(ctx context.Context, tx pgx.Tx, table string, entityID, id int64) error {
	if _, err := tx.Exec(ctx, `DELETE FROM `+table+` WHERE entity_id = @entity AND id = @id`,
		pgx.StrictNamedArgs{"entity": entityID, "id": id}); err != nil {
		return fmt.Errorf("delete from %s: %w", table, db.MapError(err))
	}
	return nil
}

// DeleteJewel deletes a jewel of an editable analysis with its scenarios
// (their controls, treatment and mitigation actions go with them) and its
// dependency links, after a version check, in one audited transaction.
func DeleteJewel(ctx context.Context, pool *pgxpool.Pool, actor authz.Actor, id int64, in DeleteInput) error {
	return db.InTx(ctx, pool, func(tx pgx.Tx) error {
		j, err := GetJewel(ctx, tx, actor.EntityID, id)
		if err != nil {
			return err
		}
		if _, err := lockAnalysis(ctx, tx, actor.EntityID, j.AnalysisID); err != nil {
			return err
		}
		args := pgx.StrictNamedArgs{"entity": actor.EntityID, "id": id}
		if err := lockRows(ctx, tx, "risk_jewels", "id = @id", args); err != nil {
			return err
		}
		if err := lockRows(ctx, tx, "risk_scenarios", "jewel_id = @id", args); err != nil {
			return err
		}
		if j, err = GetJewel(ctx, tx, actor.EntityID, id); err != nil {
			return err
		}
		im, err := JewelImpact(ctx, tx, actor.EntityID, j)
		if err != nil {
			return err
		}
		if err := checkDeletion(im, j.Version, j, in); err != nil {
			return err
		}
		// The audit row names the links (ids of deleted rows read nowhere).
		var supplierNames, dependsOn []string
		if err := tx.QueryRow(ctx, `SELECT
				ARRAY(SELECT name FROM risk_suppliers WHERE entity_id = @entity AND id = ANY(@suppliers) ORDER BY name),
				ARRAY(SELECT name FROM risk_jewels WHERE entity_id = @entity AND id = ANY(@jewels) ORDER BY name)`,
			pgx.StrictNamedArgs{"entity": actor.EntityID, "suppliers": j.SupplierIDs, "jewels": j.DependsOn}).Scan(&supplierNames, &dependsOn); err != nil {
			return fmt.Errorf("names of jewel %d's links: %w", id, err)
		}
		if err := deleteRow(ctx, tx, "risk_jewels", actor.EntityID, id); err != nil {
			return err
		}
		before := j.fields()
		before["suppliers"], before["depends_on"] = supplierNames, dependsOn
		before["scenarios"], before["controls"], before["mitigations"] = len(im.Scenarios), im.Controls, im.Mitigations
		before["dependents"] = im.Dependents
		return audit.Record(ctx, tx, audit.Event{EntityID: actor.EntityID, Action: "risk_jewel.deleted", ObjectType: "risk_jewel",
			ObjectID: strconv.FormatInt(id, 10), Before: before})
	})
}

// DeleteSupplier deletes a supplier of an editable analysis; the jewels'
// dependency links on it go with it.
func DeleteSupplier(ctx context.Context, pool *pgxpool.Pool, actor authz.Actor, id int64, in DeleteInput) error {
	return db.InTx(ctx, pool, func(tx pgx.Tx) error {
		sp, err := GetSupplier(ctx, tx, actor.EntityID, id)
		if err != nil {
			return err
		}
		if _, err := lockAnalysis(ctx, tx, actor.EntityID, sp.AnalysisID); err != nil {
			return err
		}
		if err := lockRows(ctx, tx, "risk_suppliers", "id = @id", pgx.StrictNamedArgs{"entity": actor.EntityID, "id": id}); err != nil {
			return err
		}
		if sp, err = GetSupplier(ctx, tx, actor.EntityID, id); err != nil {
			return err
		}
		im, err := SupplierImpact(ctx, tx, actor.EntityID, sp)
		if err != nil {
			return err
		}
		if err := checkDeletion(im, sp.Version, sp, in); err != nil {
			return err
		}
		if err := deleteRow(ctx, tx, "risk_suppliers", actor.EntityID, id); err != nil {
			return err
		}
		before := sp.fields()
		before["jewels"] = sp.Jewels
		return audit.Record(ctx, tx, audit.Event{EntityID: actor.EntityID, Action: "risk_supplier.deleted", ObjectType: "risk_supplier",
			ObjectID: strconv.FormatInt(id, 10), Before: before})
	})
}

// DeleteScenario deletes a scenario of an editable analysis with its
// controls, treatment and mitigation actions.
func DeleteScenario(ctx context.Context, pool *pgxpool.Pool, actor authz.Actor, id int64, in DeleteInput) error {
	return db.InTx(ctx, pool, func(tx pgx.Tx) error {
		sc, err := GetScenario(ctx, tx, actor.EntityID, id)
		if err != nil {
			return err
		}
		if _, err := lockAnalysis(ctx, tx, actor.EntityID, sc.AnalysisID); err != nil {
			return err
		}
		if err := lockRows(ctx, tx, "risk_scenarios", "id = @id", pgx.StrictNamedArgs{"entity": actor.EntityID, "id": id}); err != nil {
			return err
		}
		if sc, err = GetScenario(ctx, tx, actor.EntityID, id); err != nil {
			return err
		}
		im, err := ScenarioImpact(ctx, tx, actor.EntityID, sc)
		if err != nil {
			return err
		}
		if err := checkDeletion(im, sc.Version, sc, in); err != nil {
			return err
		}
		if err := deleteRow(ctx, tx, "risk_scenarios", actor.EntityID, id); err != nil {
			return err
		}
		before := sc.fields()
		before["jewel"], before["controls"], before["mitigations"] = sc.JewelName, im.Controls, im.Mitigations
		before["treatment"] = sc.Treatment
		if sc.ThreatID != nil {
			before["threat_name"] = sc.ThreatName
		}
		return audit.Record(ctx, tx, audit.Event{EntityID: actor.EntityID, Action: "risk_scenario.deleted", ObjectType: "risk_scenario",
			ObjectID: strconv.FormatInt(id, 10), Before: before})
	})
}

// DeleteEntityThreat deletes an entity threat that no scenario uses.
func DeleteEntityThreat(ctx context.Context, pool *pgxpool.Pool, actor authz.Actor, id int64, in DeleteInput) error {
	return db.InTx(ctx, pool, func(tx pgx.Tx) error {
		if err := lockRows(ctx, tx, "risk_threats", "id = @id", pgx.StrictNamedArgs{"entity": actor.EntityID, "id": id}); err != nil {
			return err
		}
		t, err := GetEntityThreat(ctx, tx, actor.EntityID, id)
		if err != nil {
			return err
		}
		im, err := ThreatImpact(ctx, tx, actor.EntityID, t)
		if err != nil {
			return err
		}
		if err := checkDeletion(im, t.Version, t, in); err != nil {
			return err
		}
		if err := deleteRow(ctx, tx, "risk_threats", actor.EntityID, id); err != nil {
			return err
		}
		return audit.Record(ctx, tx, audit.Event{EntityID: actor.EntityID, Action: "risk_threat.deleted", ObjectType: "risk_threat",
			ObjectID: strconv.FormatInt(id, 10), Before: map[string]any{"name": t.Name, "description": t.Description,
				"availability": t.Avail, "integrity": t.Integ, "confidentiality": t.Conf}})
	})
}
