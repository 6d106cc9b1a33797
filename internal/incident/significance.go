package incident

import (
	"context"
	"strings"
	"time"

	"github.com/weerbaar/weerbaar/internal/i18n"
)

// Significance per Implementing Regulation (EU) 2024/2690: the Art. 3
// criteria as a checklist, the Art. 4 recurrence rule, planned maintenance
// excluded (Art. 3(2)). For entities the Regulation does not bind it is
// guidance; Art. 23(3) NIS2 then decides. Pure: the store supplies the
// facts and the other incidents.

// Answer is a checklist answer: yes, no or not known yet.
type Answer string

// The answers; the zero value is unknown.
const (
	Yes     Answer = "yes"
	No      Answer = "no"
	Unknown Answer = "unknown"
)

// Outcome is the result of the assessment.
type Outcome string

// The outcomes.
const (
	Significant    Outcome = "significant"
	NotSignificant Outcome = "not_significant"
	Undetermined   Outcome = "undetermined"
)

// MaxLossThresholdEUR is the Art. 3(1)(a) ceiling of the loss threshold.
const MaxLossThresholdEUR = 500_000

// Criterion names one Art. 3(1) criterion other than the financial loss.
type Criterion string

// The criteria of Art. 3(1)(b)–(e) besides the loss, in the Regulation's
// order.
const (
	CritTradeSecrets    Criterion = "trade_secrets"
	CritDeath           Criterion = "death"
	CritHealth          Criterion = "health_damage"
	CritMaliciousAccess Criterion = "malicious_access"
	CritDisruption      Criterion = "operational_disruption"
)

// Criteria lists the yes/no criteria in order.
var Criteria = []Criterion{CritTradeSecrets, CritDeath, CritHealth, CritMaliciousAccess, CritDisruption}

// Checklist is the officer's answers for one incident.
type Checklist struct {
	// LossEUR is the direct financial loss caused or able to be caused;
	// nil when not known yet.
	LossEUR *int64
	Answers map[Criterion]Answer
	// TypeAnswers are the answers to the entity-type criteria of
	// Art. 5–14 by code ("art7_a"); only the applicable ones count.
	TypeAnswers map[string]Answer
	// PlannedMaintenance: the disruption was planned maintenance, which
	// does not count (Art. 3(2)).
	PlannedMaintenance bool
}

// Other is another incident of the entity, for the recurrence rule.
type Other struct {
	ID        int64     `json:"id"`
	Title     string    `json:"title"`
	AwareAt   time.Time `json:"aware_at"`
	RootCause string    `json:"root_cause"`
	LossEUR   *int64    `json:"loss_eur"`
}

// SignificanceFacts are what the assessment needs besides the checklist.
type SignificanceFacts struct {
	// TurnoverEUR is last year's total annual turnover; nil when unknown.
	TurnoverEUR *int64
	AwareAt     time.Time
	RootCause   string
	Others      []Other
	// TypeCriteria are the Art. 5–14 criteria that apply to the entity
	// (Art. 3(1)(g)); none for entities of other types.
	TypeCriteria []TypeCriterion
}

// Reason explains one step of the result; Key is an i18n key, EUR and N its
// arguments where the key takes them.
type Reason struct {
	Key string
	EUR int64
	N   int
}

// In words the reason in the context's language (the page and the
// `weerbaar significance` command use the same words).
func (r Reason) In(ctx context.Context) string {
	money := func(eur int64) string { return i18n.Money(ctx, eur*100) }
	// The entity-type criteria share one sentence per kind with the
	// criterion's citation and label.
	if code, ok := strings.CutPrefix(r.Key, "incident.sig.reason.met."); ok {
		if c, ok := TypeCriterionByCode(code); ok {
			return i18n.T(ctx, "incident.sig.reason.type_met", c.Cite(), i18n.T(ctx, c.LabelKey()))
		}
	}
	if code, ok := strings.CutPrefix(r.Key, "incident.sig.reason.unknown."); ok {
		if c, ok := TypeCriterionByCode(code); ok {
			return i18n.T(ctx, "incident.sig.reason.type_unknown", c.Cite(), i18n.T(ctx, c.LabelKey()))
		}
	}
	switch {
	case strings.HasPrefix(r.Key, "incident.sig.reason.recurrence"):
		return i18n.T(ctx, r.Key, r.N, money(r.EUR))
	case r.Key == "incident.sig.reason.loss_exceeds", r.Key == "incident.sig.reason.loss_below", r.Key == "incident.sig.reason.turnover_unknown":
		return i18n.T(ctx, r.Key, money(r.EUR))
	}
	return i18n.T(ctx, r.Key)
}

// Assessment is the result with its reasons.
type Assessment struct {
	Outcome      Outcome
	ThresholdEUR int64
	// ThresholdFromTurnover is false when the turnover is unknown and the
	// €500,000 ceiling is used.
	ThresholdFromTurnover bool
	Reasons               []Reason
	// Recurring are the other incidents that count with this one under
	// Art. 4, and RecurringLossEUR their losses added to this one's.
	Recurring        []Other
	RecurringLossEUR int64
}

// LossThreshold is the lower of €500,000 and 5 % of the turnover
// (Art. 3(1)(a)); without a turnover it is €500,000.
func LossThreshold(turnover *int64) (int64, bool) {
	if turnover == nil || *turnover < 0 {
		return MaxLossThresholdEUR, false
	}
	return min(MaxLossThresholdEUR, *turnover*5/100), true
}

// SameRootCause compares apparent root causes ignoring case and spacing;
// an empty root cause matches nothing.
func SameRootCause(a, b string) bool {
	na, nb := strings.Join(strings.Fields(strings.ToLower(a)), " "), strings.Join(strings.Fields(strings.ToLower(b)), " ")
	return na != "" && na == nb
}

// RecurrenceWindow is how far back Art. 4 looks: six months.
func RecurrenceWindow(aware time.Time) time.Time { return aware.AddDate(0, -6, 0) }

// Assess applies Art. 3 (with the entity-type criteria of Art. 5–14 in
// f.TypeCriteria) and Art. 4 to a checklist.
func Assess(c Checklist, f SignificanceFacts) Assessment {
	a := Assessment{}
	a.ThresholdEUR, a.ThresholdFromTurnover = LossThreshold(f.TurnoverEUR)
	if !a.ThresholdFromTurnover {
		a.Reasons = append(a.Reasons, Reason{Key: "incident.sig.reason.turnover_unknown", EUR: a.ThresholdEUR})
	}
	if c.PlannedMaintenance {
		a.Outcome = NotSignificant
		a.Reasons = append(a.Reasons, Reason{Key: "incident.sig.reason.planned_maintenance"})
		return a
	}
	var met, unknown bool
	switch {
	case c.LossEUR == nil:
		unknown = true
		a.Reasons = append(a.Reasons, Reason{Key: "incident.sig.reason.loss_unknown"})
	case *c.LossEUR > a.ThresholdEUR:
		met = true
		a.Reasons = append(a.Reasons, Reason{Key: "incident.sig.reason.loss_exceeds", EUR: *c.LossEUR})
	default:
		a.Reasons = append(a.Reasons, Reason{Key: "incident.sig.reason.loss_below", EUR: *c.LossEUR})
	}
	for _, crit := range Criteria {
		switch c.Answers[crit] {
		case Yes:
			met = true
			a.Reasons = append(a.Reasons, Reason{Key: "incident.sig.reason.met." + string(crit)})
		case No:
		default:
			unknown = true
			a.Reasons = append(a.Reasons, Reason{Key: "incident.sig.reason.unknown." + string(crit)})
		}
	}
	// Art. 3(1)(g): the criteria of Art. 5–14 for the entity's types.
	for _, tc := range f.TypeCriteria {
		switch c.TypeAnswers[tc.Code] {
		case Yes:
			met = true
			a.Reasons = append(a.Reasons, Reason{Key: "incident.sig.reason.met." + tc.Code})
		case No:
		default:
			unknown = true
			a.Reasons = append(a.Reasons, Reason{Key: "incident.sig.reason.unknown." + tc.Code})
		}
	}
	// Art. 4: with at least one other incident of the last six months with
	// the same apparent root cause, the losses together meet point (a).
	from := RecurrenceWindow(f.AwareAt)
	total := int64(0)
	if c.LossEUR != nil {
		total = *c.LossEUR
	}
	for _, o := range f.Others {
		if !SameRootCause(o.RootCause, f.RootCause) || o.AwareAt.Before(from) || o.AwareAt.After(f.AwareAt) {
			continue
		}
		a.Recurring = append(a.Recurring, o)
		if o.LossEUR != nil {
			total += *o.LossEUR
		}
	}
	if len(a.Recurring) > 0 {
		a.RecurringLossEUR = total
		if total > a.ThresholdEUR {
			met = true
			a.Reasons = append(a.Reasons, Reason{Key: "incident.sig.reason.recurrence_met", EUR: total, N: len(a.Recurring) + 1})
		} else {
			a.Reasons = append(a.Reasons, Reason{Key: "incident.sig.reason.recurrence_below", EUR: total, N: len(a.Recurring) + 1})
		}
	}
	switch {
	case met:
		a.Outcome = Significant
	case unknown:
		a.Outcome = Undetermined
	default:
		a.Outcome = NotSignificant
		a.Reasons = append(a.Reasons, Reason{Key: "incident.sig.reason.none_met"})
	}
	return a
}
