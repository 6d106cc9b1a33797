package approval

import (
	"errors"
	"testing"
)

func TestRuleRequired(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name     string
		rule     Rule
		eligible int
		want     int
		err      error
	}{
		{"all of 3", Rule{Quorum: QuorumAll}, 3, 3, nil},
		{"all of 1", Rule{Quorum: QuorumAll}, 1, 1, nil},
		{"majority of 1", Rule{Quorum: QuorumMajority}, 1, 1, nil},
		{"majority of 2", Rule{Quorum: QuorumMajority}, 2, 2, nil},
		{"majority of 3", Rule{Quorum: QuorumMajority}, 3, 2, nil},
		{"majority of 4", Rule{Quorum: QuorumMajority}, 4, 3, nil},
		{"majority of 5", Rule{Quorum: QuorumMajority}, 5, 3, nil},
		{"at least 2 of 5", Rule{Quorum: QuorumAtLeast, MinApprovals: 2}, 5, 2, nil},
		{"at least 3 of 3", Rule{Quorum: QuorumAtLeast, MinApprovals: 3}, 3, 3, nil},
		{"at least 3 of 2", Rule{Quorum: QuorumAtLeast, MinApprovals: 3}, 2, 0, ErrQuorumUnreachable},
		{"no board", Rule{Quorum: QuorumAll}, 0, 0, ErrNoBoard},
	} {
		got, err := tc.rule.Required(tc.eligible)
		if got != tc.want || !errors.Is(err, tc.err) {
			t.Errorf("%s: Required = %d, %v; want %d, %v", tc.name, got, err, tc.want, tc.err)
		}
	}
}

func TestTallyOutcome(t *testing.T) {
	t.Parallel()
	board := []int64{1, 2, 3}
	votes := func(pairs ...any) map[int64]Decision {
		m := map[int64]Decision{}
		for i := 0; i < len(pairs); i += 2 {
			m[int64(pairs[i].(int))] = pairs[i+1].(Decision)
		}
		return m
	}
	for _, tc := range []struct {
		name          string
		eligible      []int64
		required      int
		rejectAtFirst bool
		votes         map[int64]Decision
		want          State
	}{
		{"no votes", board, 3, false, votes(), StatePending},
		{"all: two of three approved", board, 3, false, votes(1, Approve, 2, Approve), StatePending},
		{"all: three approved", board, 3, false, votes(1, Approve, 2, Approve, 3, Approve), StateApproved},
		{"all: one rejection makes approval impossible", board, 3, false, votes(1, Approve, 2, Reject), StateRejected},
		{"majority: two of three", board, 2, false, votes(1, Approve, 3, Approve), StateApproved},
		{"majority: one approval, one rejection, one open", board, 2, false, votes(1, Approve, 2, Reject), StatePending},
		{"majority: reject at first ends it", board, 2, true, votes(1, Approve, 2, Reject), StateRejected},
		{"majority: two rejections make approval impossible", board, 2, false, votes(1, Reject, 2, Reject), StateRejected},
		{"at least 1 of 3: first approval decides", board, 1, false, votes(2, Approve), StateApproved},
		{"at least 1 of 3: rejection without reject-at-first waits", board, 1, false, votes(2, Reject), StatePending},
		{"at least 1 of 3: rejection with reject-at-first", board, 1, true, votes(2, Reject), StateRejected},
		{"at least 2 of 3: rejections until impossible", board, 2, false, votes(1, Reject, 2, Reject, 3, Approve), StateRejected},
		// A member who joined the board after submission (4) is not in the
		// frozen set: the vote counts neither way.
		{"member joining later does not count", board, 2, false, votes(1, Approve, 4, Approve), StatePending},
		{"member joining later cannot reject", board, 2, true, votes(1, Approve, 4, Reject), StatePending},
		// A member who left (3) without deciding still counts in the frozen
		// set; approval stays possible through the others.
		{"member left undecided", board, 2, false, votes(1, Approve, 2, Approve), StateApproved},
	} {
		tl := Tally{Eligible: tc.eligible, Required: tc.required, RejectAtFirst: tc.rejectAtFirst, Votes: tc.votes}
		if got := tl.Outcome(); got != tc.want {
			a, r := tl.Counts()
			t.Errorf("%s: Outcome = %s (approvals %d, rejections %d), want %s", tc.name, got, a, r, tc.want)
		}
	}
}

// TestTallyMonotone: from a pending request (decided ones are frozen by
// Decide), one more approval never rejects it and one more rejection never
// approves it; once every eligible member decided, it is no longer pending.
func TestTallyMonotone(t *testing.T) {
	t.Parallel()
	eligible := []int64{1, 2, 3, 4, 5}
	for required := 1; required <= 5; required++ {
		for _, first := range []bool{false, true} {
			for mask := 0; mask < 243; mask++ { // 3^5: none / approve / reject per member
				votes := map[int64]Decision{}
				m := mask
				for _, id := range eligible {
					switch m % 3 {
					case 1:
						votes[id] = Approve
					case 2:
						votes[id] = Reject
					}
					m /= 3
				}
				base := Tally{Eligible: eligible, Required: required, RejectAtFirst: first, Votes: votes}.Outcome()
				for _, id := range eligible {
					if _, voted := votes[id]; voted {
						continue
					}
					for _, d := range []Decision{Approve, Reject} {
						next := map[int64]Decision{id: d}
						for k, v := range votes {
							next[k] = v
						}
						got := Tally{Eligible: eligible, Required: required, RejectAtFirst: first, Votes: next}.Outcome()
						if base == StatePending && ((d == Approve && got == StateRejected) || (d == Reject && got == StateApproved)) {
							t.Fatalf("required %d first %v votes %v: %s became %s after %d %s", required, first, votes, base, got, id, d)
						}
					}
				}
				if a, r := (Tally{Eligible: eligible, Votes: votes}).Counts(); a+r == len(eligible) && base == StatePending {
					t.Fatalf("required %d first %v votes %v: everyone voted but still pending", required, first, votes)
				}
			}
		}
	}
}
