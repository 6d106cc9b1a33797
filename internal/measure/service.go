package measure

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

// Conflict is returned when the record changed after the form was opened;
// Current holds the other person's version (a Requirement or a Measure).
type Conflict struct {
	Current any
}

func (e *Conflict) Error() string { return "changed by someone else meanwhile" }

// Unwrap lets callers test for db.ErrConflict.
func (e *Conflict) Unwrap() error { return db.ErrConflict }

// StateInput is the form shared by requirements and measures.
type StateInput struct {
	Applicable    bool
	Justification string
	Status        string
	OwnerID       string // user id as submitted; "" = none
	DueDate       string // yyyy-mm-dd; "" = none
	Notes         string
	Version       int
	// Requirements only.
	Maturity string
	// Measures only: an explicit maturity ("" = derive) and why; the
	// status is "" to derive it from the requirements, else set by hand
	// with StatusReason.
	MaturityOverride string
	OverrideReason   string
	StatusReason     string
}

type parsedState struct {
	applicable           bool
	justification, notes string
	status               Status
	owner                *int64
	due                  *time.Time
	maturity             int
	override             *int
	overrideReason       string
	statusOverride       *string
	statusReason         string
}

// parse validates the shared fields; the owner must be a member of the
// entity (checked against members).
func (in StateInput) parse(members map[int64]bool, requirement bool) (parsedState, error) {
	errs := validate.Errors{}
	p := parsedState{applicable: in.Applicable, justification: strings.TrimSpace(in.Justification), notes: strings.TrimSpace(in.Notes)}
	if !p.applicable && p.justification == "" {
		errs.Add("justification", "measure.error.justification")
	}
	if len(p.justification) > 2000 || len(p.notes) > 5000 {
		errs.Add("notes", "validate.too_long")
	}
	p.status = Status(in.Status)
	switch {
	case !requirement && in.Status == "":
		// Derived from the requirements.
	case !slices.Contains(Statuses, p.status):
		errs.Add("status", "validate.choice")
	case !requirement:
		p.statusOverride = &in.Status
		p.statusReason = strings.TrimSpace(in.StatusReason)
		if p.statusReason == "" {
			errs.Add("status_reason", "measure.error.status_reason")
		}
	}
	if in.OwnerID != "" {
		id, err := strconv.ParseInt(in.OwnerID, 10, 64)
		if err != nil || !members[id] {
			errs.Add("owner", "measure.error.owner")
		} else {
			p.owner = &id
		}
	}
	if in.DueDate != "" {
		d, err := time.Parse("2006-01-02", in.DueDate)
		if err != nil {
			errs.Add("due_date", "validate.date")
		} else {
			p.due = &d
		}
	}
	if requirement {
		m, err := strconv.Atoi(in.Maturity)
		if err != nil || m < 0 || m > 5 {
			errs.Add("maturity", "measure.error.maturity")
		}
		p.maturity = m
	} else if in.MaturityOverride != "" {
		m, err := strconv.Atoi(in.MaturityOverride)
		if err != nil || m < 0 || m > 5 {
			errs.Add("maturity_override", "measure.error.maturity")
		} else {
			p.override = &m
		}
		p.overrideReason = strings.TrimSpace(in.OverrideReason)
		if p.overrideReason == "" {
			errs.Add("override_reason", "measure.error.override_reason")
		}
	}
	return p, errs.Err()
}

// memberSet returns the ids of the entity's members, for owner checks.
func memberSet(ctx context.Context, q db.Querier, entityID int64) (map[int64]bool, error) {
	rows, err := q.Query(ctx, `SELECT user_id FROM memberships WHERE entity_id = $1 AND accepted_at IS NOT NULL`, entityID)
	if err != nil {
		return nil, err
	}
	ids, err := pgx.CollectRows(rows, pgx.RowTo[int64])
	out := map[int64]bool{}
	for _, id := range ids {
		out[id] = true
	}
	return out, err
}

// UpdateRequirement saves the entity's state of a requirement after a
// version check, audit-logged with the changed fields.
func UpdateRequirement(ctx context.Context, pool *pgxpool.Pool, actor authz.Actor, code string, in StateInput) (Requirement, error) {
	var saved Requirement
	err := db.InTx(ctx, pool, func(tx pgx.Tx) error {
		ed, err := EntityEdition(ctx, tx, actor.EntityID)
		if err != nil {
			return err
		}
		cur, err := GetRequirement(ctx, tx, ed, actor.EntityID, code)
		if err != nil {
			return err
		}
		members, err := memberSet(ctx, tx, actor.EntityID)
		if err != nil {
			return err
		}
		p, err := in.parse(members, true)
		if !in.Applicable {
			// Reg. 2024/2690 art. 2(2): a bound entity may leave out only
			// what the Annex qualifies.
			cl, lerr := LoadChecklist(ctx, tx, actor.EntityID, code)
			if lerr != nil {
				return lerr
			}
			c, _ := ed.Requirement(code)
			errs := validate.Fields(err)
			if errs == nil {
				errs = validate.Errors{}
			}
			checkNotApplicable(errs, "applicable", cl.Binding, requirementQualified(c))
			err = errs.Err()
		}
		if err != nil {
			return err
		}
		tag, err := tx.Exec(ctx, `INSERT INTO entity_requirements AS s (entity_id, requirement_code, applicable, justification,
				maturity, status, owner_id, due_date, notes, catalogue_version, updated_by, version)
			VALUES (@entity, @code, @applicable, @justification, @maturity, @status, @owner, @due, @notes, @catalogue, @actor, 1)
			ON CONFLICT (entity_id, requirement_code) DO UPDATE SET applicable = excluded.applicable,
				justification = excluded.justification, maturity = excluded.maturity, status = excluded.status,
				owner_id = excluded.owner_id, due_date = excluded.due_date, notes = excluded.notes,
				catalogue_version = excluded.catalogue_version, updated_by = excluded.updated_by, updated_at = now(),
				version = s.version + 1
			WHERE s.version = @version`,
			pgx.StrictNamedArgs{"entity": actor.EntityID, "code": code, "applicable": p.applicable, "justification": p.justification,
				"maturity": p.maturity, "status": string(p.status), "owner": p.owner, "due": p.due, "notes": p.notes,
				"catalogue": ed.Version, "actor": actor.UserID, "version": in.Version})
		if err != nil {
			return fmt.Errorf("save requirement %s: %w", code, err)
		}
		if tag.RowsAffected() == 0 || (cur.Version == 0) != (in.Version == 0) {
			return &Conflict{Current: cur}
		}
		if saved, err = GetRequirement(ctx, tx, ed, actor.EntityID, code); err != nil {
			return err
		}
		before, after := audit.Diff(cur.fields(), saved.fields())
		return audit.Record(ctx, tx, audit.Event{EntityID: actor.EntityID, Action: "requirement.updated",
			ObjectType: "requirement", ObjectID: code, Before: before, After: after})
	})
	return saved, err
}

// UpdateMeasure saves the entity's state of a measure after a version check.
func UpdateMeasure(ctx context.Context, pool *pgxpool.Pool, actor authz.Actor, code string, in StateInput) (Measure, error) {
	var saved Measure
	err := db.InTx(ctx, pool, func(tx pgx.Tx) error {
		ed, err := EntityEdition(ctx, tx, actor.EntityID)
		if err != nil {
			return err
		}
		cur, err := GetMeasure(ctx, tx, ed, actor.EntityID, code)
		if err != nil {
			return err
		}
		members, err := memberSet(ctx, tx, actor.EntityID)
		if err != nil {
			return err
		}
		p, err := in.parse(members, false)
		if err != nil {
			return err
		}
		tag, err := tx.Exec(ctx, `INSERT INTO entity_measures AS s (entity_id, measure_code, applicable, justification,
				maturity_override, override_reason, status_override, status_reason, owner_id, due_date, notes, catalogue_version,
				updated_by, version)
			VALUES (@entity, @code, @applicable, @justification, @override, @reason, @status, @statusReason, @owner, @due, @notes,
				@catalogue, @actor, 1)
			ON CONFLICT (entity_id, measure_code) DO UPDATE SET applicable = excluded.applicable,
				justification = excluded.justification, maturity_override = excluded.maturity_override,
				override_reason = excluded.override_reason, status_override = excluded.status_override,
				status_reason = excluded.status_reason, owner_id = excluded.owner_id,
				due_date = excluded.due_date, notes = excluded.notes, catalogue_version = excluded.catalogue_version,
				updated_by = excluded.updated_by, updated_at = now(), version = s.version + 1
			WHERE s.version = @version`,
			pgx.StrictNamedArgs{"entity": actor.EntityID, "code": code, "applicable": p.applicable, "justification": p.justification,
				"override": p.override, "reason": p.overrideReason, "status": p.statusOverride, "statusReason": p.statusReason,
				"owner": p.owner, "due": p.due, "notes": p.notes, "catalogue": ed.Version, "actor": actor.UserID, "version": in.Version})
		if err != nil {
			return fmt.Errorf("save measure %s: %w", code, err)
		}
		if tag.RowsAffected() == 0 || (cur.Version == 0) != (in.Version == 0) {
			return &Conflict{Current: cur}
		}
		if saved, err = GetMeasure(ctx, tx, ed, actor.EntityID, code); err != nil {
			return err
		}
		before, after := audit.Diff(cur.fields(), saved.fields())
		return audit.Record(ctx, tx, audit.Event{EntityID: actor.EntityID, Action: "measure.updated",
			ObjectType: "measure", ObjectID: code, Before: before, After: after})
	})
	return saved, err
}

// IsConflict reports whether err is an edit conflict, and returns it.
func IsConflict(err error) (*Conflict, bool) {
	var c *Conflict
	return c, errors.As(err, &c)
}

func dateString(t *time.Time) string {
	if t == nil {
		return ""
	}
	return t.Format("2006-01-02")
}

func ownerString(id *int64) string {
	if id == nil {
		return ""
	}
	return strconv.FormatInt(*id, 10)
}

func (r Requirement) fields() map[string]any {
	return map[string]any{"applicable": r.Applicable, "justification": r.Justification, "maturity": r.Maturity,
		"status": string(r.Status), "owner_id": ownerString(r.OwnerID), "due_date": dateString(r.DueDate), "notes": r.Notes}
}

func (m Measure) fields() map[string]any {
	override := ""
	if m.MaturityOverride != nil {
		override = strconv.Itoa(*m.MaturityOverride)
	}
	status := ""
	if m.StatusOverride != nil {
		status = string(*m.StatusOverride)
	}
	return map[string]any{"applicable": m.Applicable, "justification": m.Justification, "maturity_override": override,
		"override_reason": m.OverrideReason, "status_override": status, "status_reason": m.StatusReason,
		"owner_id": ownerString(m.OwnerID),
		"due_date": dateString(m.DueDate), "notes": m.Notes}
}
