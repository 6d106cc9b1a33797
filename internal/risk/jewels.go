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

// JewelLevels are the three levels of crown jewels, from the
// organisation's goals down to its network and information systems.
var JewelLevels = []string{"goal", "process", "system"}

// Jewel is a crown jewel (te beschermen belang) of an analysis, with its
// BIV requirements on 1 (laag) to 4 (zeer hoog) and, for processes, a BIA.
type Jewel struct {
	ID              int64     `db:"id"`
	AnalysisID      int64     `db:"analysis_id"`
	Name            string    `db:"name"`
	Level           string    `db:"level"`
	Description     string    `db:"description"`
	OwnerID         *int64    `db:"owner_id"`
	OwnerName       string    `db:"owner_name"`
	Availability    int       `db:"availability"`
	Integrity       int       `db:"integrity"`
	Confidentiality int       `db:"confidentiality"`
	RTOHours        *int      `db:"rto_hours"`
	RPOHours        *int      `db:"rpo_hours"`
	SupplierIDs     []int64   `db:"supplier_ids"`
	DependsOn       []int64   `db:"depends_on"`
	UpdatedBy       string    `db:"updated_by"`
	UpdatedAt       time.Time `db:"updated_at"`
	Version         int       `db:"version"`
}

const jewelColumns = `j.id, j.analysis_id, j.name, j.level, j.description, j.owner_id, coalesce(o.name, '') AS owner_name,
	j.availability, j.integrity, j.confidentiality, j.rto_hours, j.rpo_hours,
	ARRAY(SELECT l.supplier_id FROM risk_jewel_suppliers l WHERE l.jewel_id = j.id ORDER BY l.supplier_id) AS supplier_ids,
	ARRAY(SELECT d.depends_on_id FROM risk_jewel_dependencies d WHERE d.jewel_id = j.id ORDER BY d.depends_on_id) AS depends_on,
	coalesce(u.name, '') AS updated_by, j.updated_at, j.version
	FROM risk_jewels j LEFT JOIN users o ON o.id = j.owner_id LEFT JOIN users u ON u.id = j.updated_by`

// Jewels lists an analysis's jewels by level and name.
func Jewels(ctx context.Context, q db.Querier, entityID, analysisID int64) ([]Jewel, error) {
	rows, err := q.Query(ctx, `SELECT `+jewelColumns+` WHERE j.entity_id = @entity AND j.analysis_id = @analysis
		ORDER BY array_position(ARRAY['goal','process','system'], j.level), j.name`,
		pgx.StrictNamedArgs{"entity": entityID, "analysis": analysisID})
	if err != nil {
		return nil, fmt.Errorf("jewels of analysis %d: %w", analysisID, err)
	}
	return pgx.CollectRows(rows, pgx.RowToStructByName[Jewel])
}

// GetJewel returns one jewel of the entity.
func GetJewel(ctx context.Context, q db.Querier, entityID, id int64) (Jewel, error) {
	return db.GetOne[Jewel](ctx, q, fmt.Sprintf("load jewel %d", id), `SELECT `+jewelColumns+` WHERE j.entity_id = @entity AND j.id = @id`,
		pgx.StrictNamedArgs{"entity": entityID, "id": id})
}

// JewelInput is the jewel form as submitted.
type JewelInput struct {
	Name, Level, Description, OwnerID        string
	Availability, Integrity, Confidentiality string
	RTOHours, RPOHours                       string
	Suppliers, DependsOn                     []string
	Version                                  int
}

type parsedJewel struct {
	name, level, description string
	owner                    *int64
	a, i, c                  int
	rto, rpo                 *int
	suppliers, dependsOn     []int64
}

// parse validates the form against the entity's members and the
// analysis's suppliers and jewels (self excluded).
func (in JewelInput) parse(members map[int64]bool, suppliers, jewels map[int64]bool, self int64) (parsedJewel, validate.Errors) {
	errs := validate.Errors{}
	p := parsedJewel{name: strings.TrimSpace(in.Name), level: in.Level, description: strings.TrimSpace(in.Description)}
	if p.name == "" || len([]rune(p.name)) > 200 {
		errs.Add("name", "risk.error.name")
	}
	if !slices.Contains(JewelLevels, p.level) {
		errs.Add("level", "validate.choice")
	}
	if len(p.description) > 5000 {
		errs.Add("description", "validate.too_long")
	}
	if in.OwnerID != "" {
		id, err := strconv.ParseInt(in.OwnerID, 10, 64)
		if err != nil || !members[id] {
			errs.Add("owner", "risk.error.owner")
		} else {
			p.owner = &id
		}
	}
	biv := func(field, v string) int {
		n, err := strconv.Atoi(strings.TrimSpace(v))
		if err != nil || n < 1 || n > 4 {
			errs.Add(field, "risk.error.biv")
		}
		return n
	}
	p.a, p.i, p.c = biv("availability", in.Availability), biv("integrity", in.Integrity), biv("confidentiality", in.Confidentiality)
	hours := func(field, v string) *int {
		v = strings.TrimSpace(v)
		if v == "" {
			return nil
		}
		n, err := strconv.Atoi(v)
		if err != nil || n < 0 || n > 100000 {
			errs.Add(field, "risk.error.hours")
			return nil
		}
		return &n
	}
	p.rto, p.rpo = hours("rto_hours", in.RTOHours), hours("rpo_hours", in.RPOHours)
	ids := func(field string, vals []string, allowed map[int64]bool) []int64 {
		var out []int64
		for _, v := range vals {
			id, err := strconv.ParseInt(v, 10, 64)
			if err != nil || !allowed[id] || id == self && field == "depends_on" {
				errs.Add(field, "validate.choice")
				continue
			}
			if !slices.Contains(out, id) {
				out = append(out, id)
			}
		}
		slices.Sort(out)
		return out
	}
	p.suppliers, p.dependsOn = ids("suppliers", in.Suppliers, suppliers), ids("depends_on", in.DependsOn, jewels)
	return p, errs
}

func (j Jewel) fields() map[string]any {
	return map[string]any{"name": j.Name, "level": j.Level, "description": j.Description, "owner_id": j.OwnerID,
		"availability": j.Availability, "integrity": j.Integrity, "confidentiality": j.Confidentiality,
		"rto_hours": j.RTOHours, "rpo_hours": j.RPOHours, "suppliers": j.SupplierIDs, "depends_on": j.DependsOn}
}

// idSet returns the ids a query yields as a set.
func idSet(ctx context.Context, q db.Querier, sql string, args pgx.StrictNamedArgs) (map[int64]bool, error) {
	rows, err := q.Query(ctx, sql, args)
	if err != nil {
		return nil, err
	}
	ids, err := pgx.CollectRows(rows, pgx.RowTo[int64])
	out := make(map[int64]bool, len(ids))
	for _, id := range ids {
		out[id] = true
	}
	return out, err
}

func memberSet(ctx context.Context, q db.Querier, entityID int64) (map[int64]bool, error) {
	return idSet(ctx, q, `SELECT user_id FROM memberships WHERE entity_id = @entity`, pgx.StrictNamedArgs{"entity": entityID})
}

// SaveJewel creates (id 0, within analysisID) or updates a jewel after a
// version check, with its supplier and jewel dependencies, audit-logged.
func SaveJewel(ctx context.Context, pool *pgxpool.Pool, actor authz.Actor, analysisID, id int64, in JewelInput) (Jewel, error) {
	var saved Jewel
	err := db.InTx(ctx, pool, func(tx pgx.Tx) error {
		var cur Jewel
		if id != 0 {
			var err error
			if cur, err = GetJewel(ctx, tx, actor.EntityID, id); err != nil {
				return err
			}
			analysisID = cur.AnalysisID
		}
		if _, err := lockAnalysis(ctx, tx, actor.EntityID, analysisID); err != nil {
			return err
		}
		args := pgx.StrictNamedArgs{"entity": actor.EntityID, "analysis": analysisID}
		members, err := memberSet(ctx, tx, actor.EntityID)
		if err != nil {
			return err
		}
		suppliers, err := idSet(ctx, tx, `SELECT id FROM risk_suppliers WHERE entity_id = @entity AND analysis_id = @analysis`, args)
		if err != nil {
			return err
		}
		jewels, err := idSet(ctx, tx, `SELECT id FROM risk_jewels WHERE entity_id = @entity AND analysis_id = @analysis`, args)
		if err != nil {
			return err
		}
		p, errs := in.parse(members, suppliers, jewels, id)
		if err := errs.Err(); err != nil {
			return err
		}
		if id != 0 && cur.Version != in.Version {
			return &Conflict{Current: cur}
		}
		newID, err := writeJewel(ctx, tx, actor, analysisID, id, p)
		if err != nil {
			return err
		}
		if saved, err = GetJewel(ctx, tx, actor.EntityID, newID); err != nil {
			return err
		}
		action, before, after := "risk_jewel.created", map[string]any(nil), saved.fields()
		if id != 0 {
			action = "risk_jewel.updated"
			before, after = audit.Diff(cur.fields(), saved.fields())
		}
		return audit.Record(ctx, tx, audit.Event{EntityID: actor.EntityID, Action: action, ObjectType: "risk_jewel",
			ObjectID: strconv.FormatInt(newID, 10), Before: before, After: after})
	})
	return saved, err
}

// writeJewel inserts or updates the jewel row and replaces its links.
func writeJewel(ctx context.Context, tx pgx.Tx, actor authz.Actor, analysisID, id int64, p parsedJewel) (int64, error) {
	args := pgx.StrictNamedArgs{"entity": actor.EntityID, "analysis": analysisID, "id": id, "name": p.name, "level": p.level,
		"description": p.description, "owner": p.owner, "a": p.a, "i": p.i, "c": p.c, "rto": p.rto, "rpo": p.rpo, "actor": actor.UserID}
	var err error
	if id == 0 {
		delete(args, "id")
		err = tx.QueryRow(ctx, `INSERT INTO risk_jewels (entity_id, analysis_id, name, level, description, owner_id,
				availability, integrity, confidentiality, rto_hours, rpo_hours, updated_by)
			VALUES (@entity, @analysis, @name, @level, @description, @owner, @a, @i, @c, @rto, @rpo, @actor) RETURNING id`, args).Scan(&id)
	} else {
		_, err = tx.Exec(ctx, `UPDATE risk_jewels SET name = @name, level = @level, description = @description, owner_id = @owner,
				availability = @a, integrity = @i, confidentiality = @c, rto_hours = @rto, rpo_hours = @rpo,
				updated_by = @actor, updated_at = now(), version = version + 1
			WHERE entity_id = @entity AND analysis_id = @analysis AND id = @id`, args)
	}
	if err != nil {
		if errors.Is(db.MapError(err), db.ErrConflict) {
			return 0, validate.Field("name", "risk.error.name_taken")
		}
		return 0, fmt.Errorf("save jewel: %w", err)
	}
	if err := replaceLinks(ctx, tx, actor.EntityID, analysisID, id, "risk_jewel_suppliers", "supplier_id", p.suppliers); err != nil {
		return 0, err
	}
	if err := replaceLinks(ctx, tx, actor.EntityID, analysisID, id, "risk_jewel_dependencies", "depends_on_id", p.dependsOn); err != nil {
		return 0, err
	}
	return id, nil
}

// replaceLinks makes the jewel's rows in a link table exactly ids. table
// and column are constants of this file, never user input.
func replaceLinks(ctx context.Context, tx pgx.Tx, entityID, analysisID, jewelID int64, table, column string, ids []int64) error {
	if ids == nil {
		ids = []int64{}
	}
	args := pgx.StrictNamedArgs{"entity": entityID, "analysis": analysisID, "jewel": jewelID, "ids": ids}
	if _, err := tx.Exec(ctx, `DELETE FROM `+table+` WHERE entity_id = @entity AND analysis_id = @analysis AND jewel_id = @jewel
		AND NOT (`+column+` = ANY(@ids))`, args); err != nil {
		return fmt.Errorf("replace %s: %w", table, err)
	}
	if _, err := tx.Exec(ctx, `INSERT INTO `+table+` (entity_id, analysis_id, jewel_id, `+column+`)
		SELECT @entity, @analysis, @jewel, unnest(@ids::bigint[]) ON CONFLICT DO NOTHING`, args); err != nil {
		return fmt.Errorf("replace %s: %w", table, err)
	}
	return nil
}
