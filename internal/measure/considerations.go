package measure

import (
	"context"
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

// CostLevel is the cost of implementing a measure as the entity judges it
// (Art. 21(1) NIS2 names the cost of implementation).
type CostLevel string

// The cost levels, lowest first; "" means not recorded.
const (
	CostLow    CostLevel = "low"
	CostMedium CostLevel = "medium"
	CostHigh   CostLevel = "high"
)

// CostLevels lists the cost levels, lowest first.
var CostLevels = []CostLevel{CostLow, CostMedium, CostHigh}

// Consideration is what an entity recorded for one measure beside the
// engine's factors: the state of the art and relevant standards it took into
// account, the cost of implementation, and the target its management body
// adopted where that does not follow the advice (Art. 20(1) NIS2), with the
// reason. The zero value means nothing recorded (version 0).
type Consideration struct {
	Code string
	// StateOfArt is a short note on the state of the art and the standards
	// considered (e.g. "ISO 27001 A.8.8; NCSC ICT-beveiligingsrichtlijnen").
	StateOfArt string
	Cost       CostLevel
	// AdoptedTarget is 1..5, or 0 when the entity follows the advice.
	AdoptedTarget int
	// ProposalAtAdoption is the advice when the target was adopted.
	ProposalAtAdoption int
	TargetReason       string
	UpdatedAt          *time.Time
	UpdatedBy          string
	Version            int
}

// RegulationBound reports whether an entity in class class with these
// subsectors is bound by Reg. 2024/2690 (see RegulationBinds).
func RegulationBound(class string, subsectors []string) bool {
	return RegulationBinds(true, class, subsectors).Bound
}

// AnySize reports whether a scope assessment with these rules found an
// entity type NIS2 covers whatever its size; the scope engine marks those
// rules "any_size_…" (DNS, TLD, trust services, public electronic
// communications, public administration).
func AnySize(rules []string) bool {
	return slices.ContainsFunc(rules, func(r string) bool { return strings.HasPrefix(r, "any_size_") })
}

// ConsiderationInput is the considerations form of one measure, as typed.
type ConsiderationInput struct {
	StateOfArt    string
	Cost          string // "", "low", "medium" or "high"
	AdoptedTarget string // "" follows the advice; else 1..5
	TargetReason  string
	Version       int
}

// SaveConsideration records a measure's considerations and adopted target
// after a version check, audit-logged, and saves the recomputed
// proportionality. A target below the engine's advice needs a reason; one
// below the legal floor is refused, since no reason can argue a legal duty
// away.
func SaveConsideration(ctx context.Context, pool *pgxpool.Pool, actor authz.Actor, code string, in ConsiderationInput) (Consideration, error) {
	var saved Consideration
	err := db.InTx(ctx, pool, func(tx pgx.Tx) error {
		ed, err := EntityEdition(ctx, tx, actor.EntityID)
		if err != nil {
			return err
		}
		if _, ok := ed.Measure(code); !ok {
			return fmt.Errorf("measure %s: %w", code, db.ErrNotFound)
		}
		o, err := BuildOverview(ctx, tx, ed, actor.EntityID, time.Now())
		if err != nil {
			return err
		}
		var ms MeasureStatus
		for _, m := range o.Measures {
			if m.Measure.Code == code {
				ms = m
			}
		}
		cur := ms.Consideration
		next, err := in.parse(ms.Result.Proposal, ms.Result.Floor)
		if err != nil {
			return err
		}
		var cost, adopted, proposal any
		if next.Cost != "" {
			cost = string(next.Cost)
		}
		if next.AdoptedTarget > 0 {
			adopted, proposal = next.AdoptedTarget, ms.Result.Proposal
			next.ProposalAtAdoption = ms.Result.Proposal
		}
		tag, err := tx.Exec(ctx, `INSERT INTO measure_considerations AS c (entity_id, measure_code, state_of_art, cost_level,
				adopted_target, proposal_at_adoption, target_reason, updated_by)
			VALUES (@entity, @code, @note, @cost, @adopted, @proposal, @reason, @actor)
			ON CONFLICT (entity_id, measure_code) DO UPDATE SET state_of_art = excluded.state_of_art,
				cost_level = excluded.cost_level, adopted_target = excluded.adopted_target,
				proposal_at_adoption = excluded.proposal_at_adoption, target_reason = excluded.target_reason,
				updated_by = excluded.updated_by, updated_at = now(), version = c.version + 1
			WHERE c.version = @version`,
			pgx.StrictNamedArgs{"entity": actor.EntityID, "code": code, "note": next.StateOfArt, "cost": cost,
				"adopted": adopted, "proposal": proposal, "reason": next.TargetReason, "actor": actor.UserID, "version": in.Version})
		if err != nil {
			return fmt.Errorf("save considerations of measure %s: %w", code, err)
		}
		if tag.RowsAffected() == 0 || cur.Version != in.Version {
			return &Conflict{Current: cur}
		}
		before, after := audit.Diff(cur.fields(), next.fields())
		if err := audit.Record(ctx, tx, audit.Event{EntityID: actor.EntityID, Action: "measure.considerations_changed",
			ObjectType: "measure", ObjectID: code, Before: before, After: after}); err != nil {
			return err
		}
		next.Code, next.Version = code, cur.Version+1
		saved = next
		_, err = SaveSnapshot(ctx, tx, actor.EntityID)
		return err
	})
	return saved, err
}

// parse validates the form against the measure's current advice and legal
// floor.
func (in ConsiderationInput) parse(proposal, floor int) (Consideration, error) {
	errs := validate.Errors{}
	c := Consideration{StateOfArt: strings.TrimSpace(in.StateOfArt), Cost: CostLevel(in.Cost), TargetReason: strings.TrimSpace(in.TargetReason)}
	if len(c.StateOfArt) > 2000 {
		errs.Add("state_of_art", "validate.too_long")
	}
	if c.Cost != "" && !slices.Contains(CostLevels, c.Cost) {
		errs.Add("cost_level", "validate.choice")
	}
	if len(c.TargetReason) > 2000 {
		errs.Add("target_reason", "validate.too_long")
	}
	if in.AdoptedTarget != "" {
		t, err := strconv.Atoi(in.AdoptedTarget)
		switch {
		case err != nil || t < 1 || t > 5:
			errs.Add("adopted_target", "validate.choice")
		case t < floor:
			errs.Add("adopted_target", "proportion.error.below_floor")
		case t < proposal && c.TargetReason == "":
			errs.Add("target_reason", "proportion.error.target_reason")
		default:
			c.AdoptedTarget = t
		}
	}
	return c, errs.Err()
}

func (c Consideration) fields() map[string]any {
	adopted := ""
	if c.AdoptedTarget > 0 {
		adopted = strconv.Itoa(c.AdoptedTarget)
	}
	return map[string]any{"state_of_art": c.StateOfArt, "cost_level": string(c.Cost), "adopted_target": adopted,
		"target_reason": c.TargetReason}
}
