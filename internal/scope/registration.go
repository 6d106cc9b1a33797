package scope

import (
	"time"

	"github.com/weerbaar/weerbaar/internal/i18n"
)

// ChangePeriod is how long an entity has to pass a change of its
// registration data on, and the rule that sets it.
type ChangePeriod struct {
	// Rule is "two_weeks" (Art. 3(4) NIS2), "three_months" (Art. 27(3) NIS2,
	// only Art. 27 entity types) or "mixed" (Art. 27 types next to others:
	// the two weeks of Art. 3(4) still apply to the rest).
	Rule string
	// Months and Days: exactly one is set.
	Months, Days int
	// Article cites the rule; the Cbw numbers follow the bill (36 764).
	Article string
}

// The periods. The Cbw article numbers are those of bill 36 764 and may
// change in the act as published; the UI says so.
var (
	periodTwoWeeks    = ChangePeriod{Rule: "two_weeks", Days: 14, Article: "art. 3 lid 4 NIS2 · art. 44 Cbw (wetsvoorstel 36 764)"}
	periodThreeMonths = ChangePeriod{Rule: "three_months", Months: 3, Article: "art. 27 lid 3 NIS2 · art. 47 Cbw (wetsvoorstel 36 764)"}
	periodMixed       = ChangePeriod{Rule: "mixed", Days: 14, Article: "art. 3 lid 4 en art. 27 lid 3 NIS2 · art. 44 en 47 Cbw (wetsvoorstel 36 764)"}
)

// ChangePeriodFor returns the period for an entity with these subsectors:
// three months when every (known) subsector is an Art. 27 type, two weeks
// otherwise — also when Art. 27 types sit next to others, since the stricter
// Art. 3(4) period then applies to the entity's registration. Unknown codes
// are ignored; no subsectors gives the general two weeks.
func ChangePeriodFor(subsectors []string) ChangePeriod {
	art27, other := false, false
	for _, code := range subsectors {
		s, ok := LookupSubsector(code)
		switch {
		case !ok:
		case s.Art27:
			art27 = true
		default:
			other = true
		}
	}
	switch {
	case art27 && other:
		return periodMixed
	case art27:
		return periodThreeMonths
	}
	return periodTwoWeeks
}

// NeedsArt27Data reports whether an entity with these subsectors must also
// register its main establishment, other EU establishments and, where
// applicable, its EU representative (Art. 27(2)(b) NIS2).
func NeedsArt27Data(subsectors []string) bool {
	for _, code := range subsectors {
		if s, ok := LookupSubsector(code); ok && s.Art27 {
			return true
		}
	}
	return false
}

// Due returns the last day to report a change made at changed, at the same
// clock time in Europe/Amsterdam. Days are calendar days there, so a DST
// switch does not move the date; a period in months ends on the same day of
// the month, or on the month's last day when that day does not exist (31
// January + 3 months = 30 April), as Regulation 1182/71 art. 3(2)(c) counts.
func (p ChangePeriod) Due(changed time.Time) time.Time {
	t := changed.In(i18n.Amsterdam)
	if p.Months == 0 {
		return t.AddDate(0, 0, p.Days).UTC()
	}
	y, m, d := t.Date()
	first := time.Date(y, m+time.Month(p.Months), 1, t.Hour(), t.Minute(), t.Second(), t.Nanosecond(), i18n.Amsterdam)
	last := first.AddDate(0, 1, -1).Day()
	return time.Date(first.Year(), first.Month(), min(d, last), t.Hour(), t.Minute(), t.Second(), t.Nanosecond(), i18n.Amsterdam).UTC()
}
