package incident

import (
	"testing"
	"time"

	"github.com/weerbaar/weerbaar/internal/approval"
)

// TestPlanSnapshotIsStable: the same plan has the same hash whoever reads
// it and whenever (editor, time, last exercise are no part of it); a change
// to a contact or a playbook gives another hash.
func TestPlanSnapshotIsStable(t *testing.T) {
	build := func() ResponsePlan {
		return ResponsePlan{Contacts: []Contact{{Role: "csirt", Organisation: "NCSC"}, {Role: "manager", Name: "J. de Vries", Email: "j@x.nl"}},
			Escalation: []EscalationLevel{{Criteria: "Aanval", Decides: "Incidentmanager"}}, CommPress: "Woordvoerder",
			Playbooks: effectivePlaybooks(nil)}
	}
	hash := func(p ResponsePlan) string {
		t.Helper()
		_, h, err := approval.Canonical(PlanContent(p).Data)
		if err != nil {
			t.Fatal(err)
		}
		return h
	}
	base := hash(build())
	same := build()
	now := time.Now()
	same.UpdatedAt, same.UpdatedBy, same.Version, same.LastExercise = &now, "Iemand", 7, &now
	if got := hash(same); got != base {
		t.Errorf("who saved it and when changed the hash: %s != %s", got, base)
	}
	contact := build()
	contact.Contacts[1].Phone = "+31 6 1234 5678"
	if hash(contact) == base {
		t.Errorf("a new phone number kept the hash")
	}
	playbook := build()
	playbook.Playbooks[0].Sections[0].Text.EN += " More."
	if hash(playbook) == base {
		t.Errorf("a changed playbook kept the hash")
	}
	order := build()
	order.Contacts[0], order.Contacts[1] = order.Contacts[1], order.Contacts[0]
	if hash(order) == base {
		t.Errorf("the contacts' order is part of the plan")
	}
	if hash(build()) != base {
		t.Errorf("the same plan twice gave two hashes")
	}
}

// TestCleanPlanKeepsRowIndexes: errors are keyed by the row the form
// showed, blank rows are skipped, e-mail addresses normalised.
func TestCleanPlanKeepsRowIndexes(t *testing.T) {
	in := PlanInput{Contacts: []ContactInput{{}, {Role: "manager", Name: "A", Email: " A@B.NL "}, {Role: "dpo", Phone: "abc"},
		{Role: "nope", Name: "X"}}, Escalation: []EscalationLevel{{}, {Criteria: "x"}}}
	out, _, errs := cleanPlan(in)
	want := map[string]string{"contact-2-name": "plan.error.contact_name", "contact-2-phone": "plan.error.phone",
		"contact-3-role": "validate.choice", "escalation-1-decides": "plan.error.decides"}
	for k, v := range want {
		if errs[k] != v {
			t.Errorf("%s: %q, want %q (all: %v)", k, errs[k], v, errs)
		}
	}
	if len(errs) != len(want) {
		t.Errorf("errors %v", errs)
	}
	if len(out.Contacts) != 3 || out.Contacts[0].Email != "a@b.nl" {
		t.Errorf("contacts %+v", out.Contacts)
	}
	if _, ok := PlaybookForCategory("ransomware"); !ok {
		t.Errorf("ransomware has no playbook")
	}
	if _, ok := PlaybookForCategory("phishing"); ok {
		t.Errorf("phishing has a playbook")
	}
}

// TestExerciseDue: a plan is due for an exercise when none was held, or the
// last lies more than twelve months before the day.
func TestExerciseDue(t *testing.T) {
	day := time.Date(2026, 11, 30, 0, 0, 0, 0, time.UTC)
	at := func(y int, m time.Month, d int) *time.Time { v := time.Date(y, m, d, 0, 0, 0, 0, time.UTC); return &v }
	for _, c := range []struct {
		last *time.Time
		due  bool
	}{{nil, true}, {at(2026, 7, 30), false}, {at(2025, 11, 30), false}, {at(2025, 11, 29), true}} {
		if got := (ResponsePlan{LastExercise: c.last}).ExerciseDue(day); got != c.due {
			t.Errorf("last %v: due %v, want %v", c.last, got, c.due)
		}
	}
}
