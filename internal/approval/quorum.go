package approval

import (
	"errors"
	"slices"
)

// Quorum is how many of the board members must approve.
type Quorum string

// The quorum rules an entity can choose.
const (
	// QuorumAll needs every board member's approval.
	QuorumAll Quorum = "all"
	// QuorumMajority needs more than half of the board members.
	QuorumMajority Quorum = "majority"
	// QuorumAtLeast needs at least Rule.MinApprovals board members.
	QuorumAtLeast Quorum = "at_least"
)

// Quorums lists the rules in the order the settings form offers them.
var Quorums = []Quorum{QuorumAll, QuorumMajority, QuorumAtLeast}

// Rule is an entity's quorum setting; a request freezes it at submission.
type Rule struct {
	Quorum        Quorum
	MinApprovals  int
	RejectAtFirst bool
}

// DefaultRule is the rule of an entity that never set one: a simple
// majority, and the first rejection ends the request (a board member's
// objection is then discussed before the plan is submitted again).
var DefaultRule = Rule{Quorum: QuorumMajority, MinApprovals: 1, RejectAtFirst: true}

// ErrQuorumUnreachable is returned when the rule needs more approvals than
// there are board members (e.g. at least 3 of 2).
var ErrQuorumUnreachable = errors.New("the quorum needs more approvals than there are board members")

// ErrNoBoard is returned when the entity has no active board member to
// decide.
var ErrNoBoard = errors.New("the entity has no board members")

// Required is how many approvals rule needs out of eligible board members.
func (r Rule) Required(eligible int) (int, error) {
	if eligible <= 0 {
		return 0, ErrNoBoard
	}
	var n int
	switch r.Quorum {
	case QuorumAll:
		n = eligible
	case QuorumMajority:
		n = eligible/2 + 1
	case QuorumAtLeast:
		n = r.MinApprovals
		if n < 1 {
			n = 1
		}
	default:
		return 0, errors.New("unknown quorum rule")
	}
	if n > eligible {
		return 0, ErrQuorumUnreachable
	}
	return n, nil
}

// State is where a request stands.
type State string

// The states of a request.
const (
	StatePending   State = "pending"
	StateApproved  State = "approved"
	StateRejected  State = "rejected"
	StateWithdrawn State = "withdrawn"
)

// States lists the states for the inbox filter.
var States = []State{StatePending, StateApproved, StateRejected, StateWithdrawn}

// Decision is one board member's vote.
type Decision string

// The two decisions.
const (
	Approve Decision = "approve"
	Reject  Decision = "reject"
)

// Tally is the frozen quorum of a request and the decisions so far.
type Tally struct {
	// Eligible are the board members at submission; only their decisions count.
	Eligible []int64
	// Required is the number of approvals needed (Rule.Required at submission).
	Required      int
	RejectAtFirst bool
	// Votes are the decisions by user id.
	Votes map[int64]Decision
}

// Counts returns the approvals and rejections of eligible members; a vote of
// anyone else (who joined the board later) does not count.
func (t Tally) Counts() (approvals, rejections int) {
	for id, d := range t.Votes {
		if !slices.Contains(t.Eligible, id) {
			continue
		}
		switch d {
		case Approve:
			approvals++
		case Reject:
			rejections++
		}
	}
	return approvals, rejections
}

// Outcome is the state the votes give: approved once Required eligible
// members approved; rejected at the first rejection when RejectAtFirst, or
// as soon as approval has become impossible (too few members left who have
// not decided); otherwise still pending.
func (t Tally) Outcome() State {
	approvals, rejections := t.Counts()
	switch {
	case t.RejectAtFirst && rejections > 0:
		return StateRejected
	case approvals >= t.Required:
		return StateApproved
	case approvals+(len(t.Eligible)-approvals-rejections) < t.Required:
		return StateRejected
	default:
		return StatePending
	}
}

// Remaining is how many more approvals are needed (0 when reached).
func (t Tally) Remaining() int {
	a, _ := t.Counts()
	return max(0, t.Required-a)
}
