package demo

import (
	"context"
	"fmt"
	"strconv"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/weerbaar/weerbaar/internal/approval"
	"github.com/weerbaar/weerbaar/internal/audit"
	"github.com/weerbaar/weerbaar/internal/auth"
	"github.com/weerbaar/weerbaar/internal/authz"
	"github.com/weerbaar/weerbaar/internal/measure"
	"github.com/weerbaar/weerbaar/internal/risk"
)

// boardApproves submits a record as the officer and has the demo board
// member approve it, re-entering the demo password as on the page.
func boardApproves(ctx context.Context, pool *pgxpool.Pool, officer authz.Actor, kind, ref, note string) (approval.Request, error) {
	req, err := approval.Submit(ctx, pool, officer, approval.SubmitInput{Kind: kind, Ref: ref, CoverNote: note})
	if err != nil {
		return req, fmt.Errorf("demo submission %s %s: %w", kind, ref, err)
	}
	u, err := auth.GetUserByEmail(ctx, pool, Accounts[2].Email)
	if err != nil {
		return req, err
	}
	member := authz.Actor{UserID: u.ID, Email: u.Email, Name: u.Name, EntityID: officer.EntityID, Role: authz.BoardMember}
	bctx := audit.WithMeta(ctx, audit.Meta{ActorID: u.ID, ActorEmail: u.Email})
	accounts := &auth.Service{Pool: pool, Throttle: auth.NewThrottle(auth.ThrottleConfig{}, time.Now), Now: time.Now}
	state, err := approval.Decide(bctx, pool, accounts, member, req.ID, approval.DecideInput{Decision: string(approval.Approve),
		Comment: "Akkoord, besproken in de vergadering van de raad van bestuur.", Secret: Password, Hash: req.SnapshotHash})
	if err != nil {
		return req, fmt.Errorf("demo decision on %s %s: %w", kind, ref, err)
	}
	if state != approval.StateApproved {
		return req, fmt.Errorf("demo decision on %s %s: %s", kind, ref, state)
	}
	return req, nil
}

// seedApprovals tells the board's part of the story: the measure plan was
// approved, but the officer raised a measure's target since, so the
// approval is "verouderd"; the officer has submitted the 2027 risk analysis, which waits
// for the board. (The 2026 analysis was adopted by the board in seedRisk.)
func seedApprovals(ctx context.Context, pool *pgxpool.Pool, officer authz.Actor) error {
	if _, err := boardApproves(ctx, pool, officer, measure.KindPlan, measure.PlanRef,
		"Het maatregelenplan met de streefniveaus per maatregel, na de zelfevaluatie en de proportionaliteitsafweging."); err != nil {
		return err
	}
	// After the approval the officer raised the target of measure h: the
	// plan the board approved is no longer current.
	changed := false
	ed, err := measure.EntityEdition(ctx, pool, officer.EntityID)
	if err != nil {
		return err
	}
	o, err := measure.BuildOverview(ctx, pool, ed, officer.EntityID, time.Now())
	if err != nil {
		return err
	}
	for _, ms := range o.Measures {
		// Measure h (access control): the others' considerations tell
		// stories of their own.
		if ms.Measure.Code != "h" || !ms.Measure.Applicable || ms.Result.Target >= 5 {
			continue
		}
		c := ms.Consideration
		if _, err := measure.SaveConsideration(ctx, pool, officer, ms.Measure.Code, measure.ConsiderationInput{StateOfArt: c.StateOfArt,
			Cost: string(c.Cost), AdoptedTarget: strconv.Itoa(ms.Result.Target + 1),
			TargetReason: "Hoger doel na de oefening met de veiligheidsregio.", Version: c.Version}); err != nil {
			return fmt.Errorf("demo change after approval: %w", err)
		}
		changed = true
	}
	if !changed {
		return fmt.Errorf("demo change after approval: measure h cannot take a higher target")
	}
	list, err := risk.Analyses(ctx, pool, officer.EntityID)
	if err != nil {
		return err
	}
	for _, a := range list {
		if a.Period != "2027" {
			continue
		}
		if _, err := approval.Submit(ctx, pool, officer, approval.SubmitInput{Kind: risk.KindAnalysis, Ref: strconv.FormatInt(a.ID, 10),
			CoverNote: "De risicoanalyse 2027: de kroonjuwelen en scenario's van 2026 herzien, met de restrisico's na de nieuwe maatregelen."}); err != nil {
			return fmt.Errorf("demo pending request: %w", err)
		}
	}
	return nil
}
