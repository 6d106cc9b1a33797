package incident

import (
	"time"

	"github.com/weerbaar/weerbaar/internal/i18n"
)

// The reporting clock of Art. 23(4) NIS2 (Cbw art. 25–30). Every deadline is
// an absolute instant in UTC: hours are added to the instant the entity
// became aware, so a daylight-saving change can never move a deadline. Only
// the final report's "one month" is a calendar rule, and it is applied to
// the calendar of Europe/Amsterdam: 23:59 local time on the same date one
// month later (the month's last day when that date does not exist).

// Stage is a report the entity owes the CSIRT and the competent authority.
type Stage string

// The stages, in the order they fall due.
const (
	StageEarlyWarning Stage = "early_warning"
	StageNotification Stage = "notification"
	StageIntermediate Stage = "intermediate"
	StageProgress     Stage = "progress"
	StageFinal        Stage = "final"
)

// Stages lists every stage in order.
var Stages = []Stage{StageEarlyWarning, StageNotification, StageIntermediate, StageProgress, StageFinal}

// EarlyWarningDue is 24 hours after the entity became aware (Art. 23(4)(a)).
func EarlyWarningDue(aware time.Time) time.Time {
	return aware.UTC().Add(24 * time.Hour)
}

// NotificationDue is 72 hours after the entity became aware, 24 hours for
// a trust service provider's incident affecting its trust services
// (Art. 23(4)(b)).
func NotificationDue(aware time.Time, trustService bool) time.Time {
	if trustService {
		return aware.UTC().Add(24 * time.Hour)
	}
	return aware.UTC().Add(72 * time.Hour)
}

// OneMonthAfter is 23:59 Europe/Amsterdam on the same calendar date one
// month after t's date in Amsterdam — the last day of that month when the
// date does not exist (31 January → 28 or 29 February) — in UTC.
func OneMonthAfter(t time.Time) time.Time {
	local := t.In(i18n.Amsterdam)
	y, m, d := local.Date()
	first := time.Date(y, m+1, 1, 0, 0, 0, 0, i18n.Amsterdam)
	last := first.AddDate(0, 1, -1).Day()
	if d > last {
		d = last
	}
	return time.Date(first.Year(), first.Month(), d, 23, 59, 0, 0, i18n.Amsterdam).UTC()
}

// Plan is when each stage of a significant incident falls due. A nil time
// means the stage is not due (yet): the final report needs the
// notification's submission, the progress report an incident still being
// handled one month after it.
type Plan struct {
	EarlyWarning time.Time
	Notification time.Time
	// Progress is due instead of the final report when the incident is
	// still being handled one month after the notification (Art. 23(4)(e)).
	Progress *time.Time
	// Final is one month after the notification was submitted, or one
	// month after handling ended when a progress report was due first.
	Final *time.Time
	// FinalAfterHandling is true when the incident is still being handled
	// past the progress report, so the final report waits for its end.
	FinalAfterHandling bool
}

// Facts are what the clock depends on.
type Facts struct {
	Aware        time.Time
	TrustService bool
	// Notified is when the notification was submitted; nil: not yet.
	Notified *time.Time
	// HandlingEnded is when the incident was resolved; nil: still handled.
	HandlingEnded *time.Time
}

// Schedule computes the plan at now (now only decides whether an
// unresolved incident has reached the one-month point).
func Schedule(f Facts, now time.Time) Plan {
	p := Plan{EarlyWarning: EarlyWarningDue(f.Aware), Notification: NotificationDue(f.Aware, f.TrustService)}
	if f.Notified == nil {
		return p
	}
	month := OneMonthAfter(*f.Notified)
	switch {
	case f.HandlingEnded != nil && !f.HandlingEnded.After(month):
		p.Final = &month
	case f.HandlingEnded != nil:
		final := OneMonthAfter(*f.HandlingEnded)
		p.Progress, p.Final = &month, &final
	case now.Before(month):
		p.Final = &month
	default:
		p.Progress, p.FinalAfterHandling = &month, true
	}
	return p
}

// Remaining words the time left until due from now for a page without
// JavaScript: whole days, hours and minutes, and whether it is overdue
// (then the duration is how long ago it was due).
func Remaining(due, now time.Time) (d time.Duration, overdue bool) {
	d = due.Sub(now)
	if d < 0 {
		return -d, true
	}
	return d, false
}
