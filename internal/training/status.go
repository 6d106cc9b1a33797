package training

import "time"

// LawInForce is the day the Cyberbeveiligingswet entered into force; a board
// member appointed before it has two years from this day to be trained
// (Cbw art. 24). Source: the project's domain reference
// (shared/domain/NIS2.md, "reported in force 15 Aug 2026") — reported, not
// yet checked against the Staatsblad; docs/sources.md (`cbw-24`) says so and
// the training page shows it as unverified. The one place the date lives.
var LawInForce = time.Date(2026, time.August, 15, 0, 0, 0, 0, time.UTC)

// LawInForceVerified is false until the date is checked against the act.
const LawInForceVerified = false

// TrainingPeriod is how long a board member has to obtain the knowledge
// (Cbw art. 24): two years after the law's entry into force or after the
// appointment, whichever is later.
const TrainingPeriod = 2

// ExpiringWithin is how far ahead a certificate's end is announced.
const ExpiringWithin = 90 * 24 * time.Hour

// State is where a member stands.
type State string

// The states, from best to worst.
const (
	// StateValid: a certificate valid today.
	StateValid State = "valid"
	// StateExpiring: valid today, ending within ExpiringWithin.
	StateExpiring State = "expiring"
	// StateDue: no valid certificate yet, the deadline is still ahead.
	StateDue State = "due"
	// StateExpired: the last certificate has ended and the deadline has passed.
	StateExpired State = "expired"
	// StateOverdue: never certified and the deadline has passed.
	StateOverdue State = "overdue"
)

// Attention reports whether the state needs action.
func (s State) Attention() bool { return s != StateValid }

// Deadline is the day by which a member appointed on appointed must hold a
// certificate: two years after the later of the appointment and the law's
// entry into force. Without an appointment date the law's date counts (the
// earliest possible deadline; the page asks for the date).
func Deadline(appointed *time.Time) time.Time {
	start := LawInForce
	if appointed != nil && appointed.After(start) {
		start = *appointed
	}
	return start.AddDate(TrainingPeriod, 0, 0)
}

// Certificate is what Assess needs of a training record.
type Certificate struct {
	Completed  time.Time
	Certified  bool
	ValidUntil *time.Time // nil: no end date stated
}

// Assessment is a member's training status on a day.
type Assessment struct {
	State    State
	Deadline time.Time
	// Best is the index (in the records given) of the certificate that
	// counts: the valid one lasting longest, else the most recently ended;
	// -1 when there is none.
	Best int
}

// Assess is a member's status on day (a calendar day, UTC midnight) from
// the appointment date and the member's training records. Only records
// with a certificate count; one without an end date stays valid (the page
// shows it has none). Pure.
func Assess(appointed *time.Time, records []Certificate, day time.Time) Assessment {
	a := Assessment{Deadline: Deadline(appointed), Best: -1}
	bestEnded := -1
	for i, r := range records {
		if !r.Certified || r.Completed.After(day) {
			continue
		}
		if r.ValidUntil != nil && r.ValidUntil.Before(day) {
			if bestEnded < 0 || r.ValidUntil.After(*records[bestEnded].ValidUntil) {
				bestEnded = i
			}
			continue
		}
		if a.Best < 0 || lastsLonger(r, records[a.Best]) {
			a.Best = i
		}
	}
	switch {
	case a.Best >= 0 && records[a.Best].ValidUntil != nil && records[a.Best].ValidUntil.Before(day.Add(ExpiringWithin)):
		a.State = StateExpiring
	case a.Best >= 0:
		a.State = StateValid
	case !day.After(a.Deadline):
		a.State, a.Best = StateDue, bestEnded
	case bestEnded >= 0:
		a.State, a.Best = StateExpired, bestEnded
	default:
		a.State = StateOverdue
	}
	return a
}

// lastsLonger reports whether certificate a ends later than b (no end date
// is the latest).
func lastsLonger(a, b Certificate) bool {
	switch {
	case a.ValidUntil == nil:
		return b.ValidUntil != nil
	case b.ValidUntil == nil:
		return false
	}
	return a.ValidUntil.After(*b.ValidUntil)
}
