package entity

import (
	"context"
	"encoding/json"
	"fmt"
	"slices"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/weerbaar/weerbaar/internal/audit"
	"github.com/weerbaar/weerbaar/internal/authz"
	"github.com/weerbaar/weerbaar/internal/db"
	"github.com/weerbaar/weerbaar/internal/scope"
)

// Assessment is a saved scope self-assessment: the inputs, the engine version
// and the explained result, so it can be shown and reproduced later.
type Assessment struct {
	ID            int64
	EntityID      int64
	CreatedAt     time.Time
	CreatedBy     string
	Inputs        scope.Input
	Result        scope.Result
	EngineVersion string
}

// SaveAssessment runs the scope engine on in and stores the result for the
// actor's entity, audit-logged.
func SaveAssessment(ctx context.Context, pool *pgxpool.Pool, actor authz.Actor, in scope.Input) (Assessment, error) {
	res, err := scope.Assess(in)
	if err != nil {
		return Assessment{}, err
	}
	inputs, err := json.Marshal(in)
	if err != nil {
		return Assessment{}, err
	}
	reasons, err := json.Marshal(res.Reasons)
	if err != nil {
		return Assessment{}, err
	}
	a := Assessment{EntityID: actor.EntityID, Inputs: in, Result: res, EngineVersion: res.EngineVersion, CreatedBy: actor.Name}
	err = db.InTx(ctx, pool, func(tx pgx.Tx) error {
		err := tx.QueryRow(ctx, `INSERT INTO scope_assessments (entity_id, created_by, engine_version, inputs, class, size, reasons)
			VALUES ($1, $2, $3, $4, $5, $6, $7) RETURNING id, created_at`,
			actor.EntityID, actor.UserID, res.EngineVersion, inputs, string(res.Class), string(res.Size), reasons).Scan(&a.ID, &a.CreatedAt)
		if err != nil {
			return fmt.Errorf("save scope assessment: %w", err)
		}
		return audit.Record(ctx, tx, audit.Event{EntityID: actor.EntityID, Action: "scope.assessed", ObjectType: "scope_assessment",
			ObjectID: fmt.Sprint(a.ID), After: map[string]any{"class": string(res.Class), "size": string(res.Size),
				"subsectors": in.Subsectors, "employees": in.Employees, "turnover_eur": in.TurnoverEUR, "balance_eur": in.BalanceEUR,
				"public_control": in.PublicControl, "exclusion": in.Exclusion, "main_establishment_elsewhere": in.MainEstablishmentElsewhere,
				"dora": in.DORA, "previous": in.Previous, "others": in.Others, "engine_version": res.EngineVersion}})
	})
	return a, err
}

// Assessments lists an entity's saved assessments, newest first.
func Assessments(ctx context.Context, q db.Querier, entityID int64) ([]Assessment, error) {
	return assessments(ctx, q, entityID, "ALL")
}

// LatestAssessment returns the entity's current NIS2 assessment, and false
// when it has none.
func LatestAssessment(ctx context.Context, q db.Querier, entityID int64) (Assessment, bool, error) {
	list, err := assessments(ctx, q, entityID, "1")
	if err != nil || len(list) == 0 {
		return Assessment{}, false, err
	}
	return list[0], true, nil
}

// assessments reads up to limit ("ALL" or a number; never user input).
func assessments(ctx context.Context, q db.Querier, entityID int64, limit string) ([]Assessment, error) {
	rows, err := q.Query(ctx, `SELECT a.id, a.entity_id, a.created_at, coalesce(u.name, ''), a.inputs, a.engine_version,
			a.class, a.size, a.reasons
		FROM scope_assessments a LEFT JOIN users u ON u.id = a.created_by
		WHERE a.entity_id = $1 ORDER BY a.created_at DESC, a.id DESC LIMIT `+limit, entityID)
	if err != nil {
		return nil, fmt.Errorf("scope assessments of entity %d: %w", entityID, err)
	}
	defer rows.Close()
	var out []Assessment
	for rows.Next() {
		var a Assessment
		var inputs, reasons []byte
		var class, size string
		if err := rows.Scan(&a.ID, &a.EntityID, &a.CreatedAt, &a.CreatedBy, &inputs, &a.EngineVersion, &class, &size, &reasons); err != nil {
			return nil, err
		}
		if err := json.Unmarshal(inputs, &a.Inputs); err != nil {
			return nil, fmt.Errorf("assessment %d inputs: %w", a.ID, err)
		}
		if err := json.Unmarshal(reasons, &a.Result.Reasons); err != nil {
			return nil, fmt.Errorf("assessment %d reasons: %w", a.ID, err)
		}
		a.Result.Class, a.Result.Size, a.Result.EngineVersion = scope.Class(class), scope.Size(size), a.EngineVersion
		out = append(out, a)
	}
	return out, rows.Err()
}

// InputsDiffer reports whether the registration's subsectors no longer match
// the assessment's, so the page can ask for a new self-assessment.
func (a Assessment) InputsDiffer(r Registration) bool {
	if len(r.Subsectors) == 0 {
		return false
	}
	x, y := slices.Clone(a.Inputs.Subsectors), slices.Clone(r.Subsectors)
	slices.Sort(x)
	slices.Sort(y)
	return !slices.Equal(x, y)
}
