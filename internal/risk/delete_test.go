package risk

import "testing"

// The rules of a deletion's confirmation: what blocks it, when the user
// must confirm explicitly, and that the fingerprint changes with every
// count the page shows.
func TestDeletionRules(t *testing.T) {
	sc := []ScenarioRef{{ID: 1}}
	ev := []EvidenceRef{{ID: 9}}
	for _, c := range []struct {
		name              string
		im                Impact
		blocked, cascades bool
	}{
		{"nothing with it", Impact{}, false, false},
		{"jewel with scenarios", Impact{Scenarios: sc}, false, true},
		{"scenario with controls", Impact{Controls: 2}, false, true},
		{"scenario with a treatment only", Impact{Treatments: 1}, false, true},
		{"jewel others depend on", Impact{Dependents: []string{"x"}}, false, true},
		{"jewel with its own links", Impact{DependsOn: 1, SupplierLinks: 1}, false, true},
		{"supplier jewels depend on", Impact{Jewels: []string{"x"}}, false, true},
		{"evidence attached", Impact{Evidence: ev}, true, false},
		{"evidence on a jewel with scenarios", Impact{Scenarios: sc, Evidence: ev}, true, true},
		{"threat in use", Impact{Scenarios: sc, threat: true}, true, false},
		{"threat unused", Impact{threat: true}, false, false},
	} {
		if got := c.im.Blocked(); got != c.blocked {
			t.Errorf("%s: blocked %v, want %v", c.name, got, c.blocked)
		}
		if got := c.im.Cascades(); got != c.cascades {
			t.Errorf("%s: cascades %v, want %v", c.name, got, c.cascades)
		}
	}
	base := Impact{}.Key()
	for _, im := range []Impact{{Scenarios: sc}, {Controls: 1}, {Mitigations: 1}, {Treatments: 1}, {Dependents: []string{"x"}},
		{DependsOn: 1}, {SupplierLinks: 1}, {Jewels: []string{"x"}}, {Evidence: ev}} {
		if im.Key() == base {
			t.Errorf("%+v has the key of no impact", im)
		}
	}
}

func TestCheckDeletion(t *testing.T) {
	im := Impact{Controls: 1}
	ok := DeleteInput{Version: 3, Impact: im.Key(), Confirmed: true}
	if err := checkDeletion(im, 3, nil, ok); err != nil {
		t.Errorf("confirmed, current: %v", err)
	}
	if _, c := IsConflict(checkDeletion(im, 4, nil, ok)); !c {
		t.Errorf("stale version is not a conflict")
	}
	if _, c := IsConflict(checkDeletion(Impact{Controls: 2}, 3, nil, ok)); !c {
		t.Errorf("other counts are not a conflict")
	}
	if err := checkDeletion(im, 3, nil, DeleteInput{Version: 3, Impact: im.Key()}); err == nil {
		t.Errorf("unconfirmed cascade accepted")
	}
	blocked := Impact{Evidence: []EvidenceRef{{ID: 1}}}
	if err := checkDeletion(blocked, 3, nil, DeleteInput{Version: 3, Impact: blocked.Key(), Confirmed: true}); err != ErrInUse {
		t.Errorf("evidence: %v", err)
	}
}
