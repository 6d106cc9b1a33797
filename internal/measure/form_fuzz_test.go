package measure

import (
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/weerbaar/weerbaar/internal/i18n"
	"github.com/weerbaar/weerbaar/internal/validate"
)

func checkFieldErrors(t *testing.T, err error, fields ...string) {
	t.Helper()
	errs := validate.Fields(err)
	if len(errs) == 0 {
		t.Fatalf("error %v is not a field error", err)
	}
	for field, key := range errs {
		if !slices.Contains(fields, field) || i18n.Translate(i18n.NL, key) == key {
			t.Fatalf("error %q on field %q", key, field)
		}
	}
}

// FuzzStateInput: the state form of a requirement or a measure. Accepted:
// a listed status (or, for a measure, none to derive it, else one with a
// reason), an owner among the members, a real due date, maturity 0–5.
func FuzzStateInput(f *testing.F) {
	f.Add(true, "", "implemented", "4", "2026-12-31", "3", "", true)
	f.Add(false, "n.v.t.", "", "", "", "", "2", false)
	f.Add(true, "", "done", "x", "2026-02-30", "6", "-1", false)
	f.Add(true, "", "verified", "+4", "31-12-2026", " 3", "5", true)
	members := map[int64]bool{4: true}
	f.Fuzz(func(t *testing.T, applicable bool, justification, status, owner, due, maturity, override string, requirement bool) {
		in := StateInput{Applicable: applicable, Justification: justification, Status: status, OwnerID: owner, DueDate: due,
			Maturity: maturity, MaturityOverride: override, OverrideReason: "reden", StatusReason: "reden"}
		p, err := in.parse(members, requirement)
		if err != nil {
			checkFieldErrors(t, err, "justification", "notes", "status", "status_reason", "owner", "due_date", "maturity",
				"maturity_override", "override_reason")
			return
		}
		if !p.applicable && p.justification == "" {
			t.Fatal("not applicable without a justification")
		}
		if requirement && !slices.Contains(Statuses, p.status) || !requirement && (status == "") != (p.statusOverride == nil) {
			t.Fatalf("status %q read as %q, %v", status, p.status, p.statusOverride)
		}
		if (owner == "") != (p.owner == nil) || p.owner != nil && !members[*p.owner] {
			t.Fatalf("owner %q read as %v", owner, p.owner)
		}
		if (due == "") != (p.due == nil) || p.due != nil && p.due.Format(time.DateOnly) != due {
			t.Fatalf("due %q read as %v", due, p.due)
		}
		if p.maturity < 0 || p.maturity > 5 || p.override != nil && (*p.override < 0 || *p.override > 5) {
			t.Fatalf("maturity %d, override %v", p.maturity, p.override)
		}
		if requirement && p.override != nil || !requirement && (override == "") != (p.override == nil) {
			t.Fatalf("override %q read as %v", override, p.override)
		}
	})
}

// FuzzConsiderationInput: the proportionality considerations. Accepted:
// a listed cost level (or none), an adopted target 1–5 not below the legal
// floor, below the advice only with a reason.
func FuzzConsiderationInput(f *testing.F) {
	f.Add("medium", "3", "", 3, 2)
	f.Add("cheap", "0", "", 3, 2)
	f.Add("", "2", "te duur", 4, 2)
	f.Add("high", "+5", " ", 5, 6)
	f.Fuzz(func(t *testing.T, cost, target, reason string, proposal, floor int) {
		c, err := ConsiderationInput{Cost: cost, AdoptedTarget: target, TargetReason: reason}.parse(proposal, floor)
		if err != nil {
			checkFieldErrors(t, err, "state_of_art", "cost_level", "target_reason", "adopted_target")
			return
		}
		if c.Cost != "" && !slices.Contains(CostLevels, c.Cost) {
			t.Fatalf("cost %q accepted", c.Cost)
		}
		if target == "" {
			if c.AdoptedTarget != 0 {
				t.Fatalf("no target read as %d", c.AdoptedTarget)
			}
			return
		}
		if c.AdoptedTarget < 1 || c.AdoptedTarget > 5 || c.AdoptedTarget < floor ||
			c.AdoptedTarget < proposal && strings.TrimSpace(c.TargetReason) == "" {
			t.Fatalf("target %q accepted as %d (advice %d, floor %d)", target, c.AdoptedTarget, proposal, floor)
		}
	})
}
