package incident

import (
	"slices"
	"testing"
	"time"
)

func eur(n int64) *int64 { return &n }

func allNo() map[Criterion]Answer {
	m := map[Criterion]Answer{}
	for _, c := range Criteria {
		m[c] = No
	}
	return m
}

func TestLossThresholdAndLoss(t *testing.T) {
	for _, tt := range []struct {
		turnover  *int64
		loss      int64
		threshold int64
		want      Outcome
	}{
		{eur(4_000_000), 200_000, 200_000, NotSignificant}, // exactly at it: does not exceed
		{eur(4_000_000), 200_001, 200_000, Significant},
		{eur(10_000_000), 500_000, 500_000, NotSignificant},
		{eur(10_000_000), 500_001, 500_000, Significant},
		{eur(20_000_000), 500_000, 500_000, NotSignificant}, // the lower of €500,000 and €1M
		{eur(20_000_000), 500_001, 500_000, Significant},
		{nil, 500_001, 500_000, Significant},
		{nil, 400_000, 500_000, NotSignificant},
	} {
		a := Assess(Checklist{LossEUR: eur(tt.loss), Answers: allNo()}, SignificanceFacts{TurnoverEUR: tt.turnover})
		if a.ThresholdEUR != tt.threshold || a.Outcome != tt.want {
			t.Errorf("turnover %v loss %d: threshold %d outcome %s, want %d %s", tt.turnover, tt.loss, a.ThresholdEUR, a.Outcome, tt.threshold, tt.want)
		}
	}
}

func TestSignificanceChecklist(t *testing.T) {
	with := func(c Criterion, v Answer) map[Criterion]Answer {
		m := allNo()
		m[c] = v
		return m
	}
	for _, tt := range []struct {
		name   string
		c      Checklist
		want   Outcome
		reason string
	}{
		{"nothing met", Checklist{LossEUR: eur(0), Answers: allNo()}, NotSignificant, "incident.sig.reason.none_met"},
		{"trade secrets", Checklist{LossEUR: eur(0), Answers: with(CritTradeSecrets, Yes)}, Significant, "incident.sig.reason.met.trade_secrets"},
		{"death", Checklist{LossEUR: eur(0), Answers: with(CritDeath, Yes)}, Significant, "incident.sig.reason.met.death"},
		{"health", Checklist{LossEUR: eur(0), Answers: with(CritHealth, Yes)}, Significant, "incident.sig.reason.met.health_damage"},
		{"malicious access", Checklist{LossEUR: eur(0), Answers: with(CritMaliciousAccess, Yes)}, Significant, "incident.sig.reason.met.malicious_access"},
		{"disruption", Checklist{LossEUR: eur(0), Answers: with(CritDisruption, Yes)}, Significant, "incident.sig.reason.met.operational_disruption"},
		{"loss unknown", Checklist{Answers: allNo()}, Undetermined, "incident.sig.reason.loss_unknown"},
		{"a criterion unknown", Checklist{LossEUR: eur(0), Answers: with(CritDeath, Unknown)}, Undetermined, "incident.sig.reason.unknown.death"},
		{"unanswered counts as unknown", Checklist{LossEUR: eur(0)}, Undetermined, "incident.sig.reason.unknown.trade_secrets"},
		{"met beats unknown", Checklist{Answers: with(CritDisruption, Yes)}, Significant, "incident.sig.reason.met.operational_disruption"},
		{"planned maintenance excluded", Checklist{LossEUR: eur(9_000_000), Answers: with(CritDisruption, Yes), PlannedMaintenance: true},
			NotSignificant, "incident.sig.reason.planned_maintenance"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			a := Assess(tt.c, SignificanceFacts{TurnoverEUR: eur(50_000_000)})
			if a.Outcome != tt.want {
				t.Errorf("outcome %s, want %s", a.Outcome, tt.want)
			}
			if !slices.ContainsFunc(a.Reasons, func(r Reason) bool { return r.Key == tt.reason }) {
				t.Errorf("reasons %v lack %s", a.Reasons, tt.reason)
			}
		})
	}
}

func TestRecurrenceRule(t *testing.T) {
	aware := time.Date(2026, 11, 20, 10, 0, 0, 0, time.UTC)
	turnover := eur(8_000_000) // threshold €400,000
	other := func(id int64, days int, cause string, loss int64) Other {
		return Other{ID: id, AwareAt: aware.AddDate(0, 0, -days), RootCause: cause, LossEUR: eur(loss)}
	}
	for _, tt := range []struct {
		name      string
		cause     string
		others    []Other
		want      Outcome
		recurring []int64
		total     int64
	}{
		{"two within six months together above", "Phishing via gedeelde mailbox", []Other{other(1, 40, "phishing via  gedeelde MAILBOX", 250_000)},
			Significant, []int64{1}, 450_000},
		{"together exactly at the threshold", "phishing", []Other{other(1, 40, "phishing", 200_000)}, NotSignificant, []int64{1}, 400_000},
		{"three adding up", "phishing", []Other{other(1, 20, "phishing", 100_000), other(2, 150, "phishing", 100_000)},
			Significant, []int64{1, 2}, 400_001},
		{"outside the six-month window", "phishing", []Other{other(1, 190, "phishing", 900_000)}, NotSignificant, nil, 0},
		{"different root cause", "phishing", []Other{other(1, 10, "stroomstoring", 900_000)}, NotSignificant, nil, 0},
		{"no root cause recorded", "", []Other{other(1, 10, "", 900_000)}, NotSignificant, nil, 0},
		{"later incidents do not count back", "phishing", []Other{other(1, -10, "phishing", 900_000)}, NotSignificant, nil, 0},
	} {
		t.Run(tt.name, func(t *testing.T) {
			loss := int64(200_000)
			if tt.name == "three adding up" {
				loss = 200_001
			}
			a := Assess(Checklist{LossEUR: eur(loss), Answers: allNo()},
				SignificanceFacts{TurnoverEUR: turnover, AwareAt: aware, RootCause: tt.cause, Others: tt.others})
			var ids []int64
			for _, o := range a.Recurring {
				ids = append(ids, o.ID)
			}
			if a.Outcome != tt.want || !slices.Equal(ids, tt.recurring) || a.RecurringLossEUR != tt.total {
				t.Errorf("outcome %s recurring %v total %d; want %s %v %d", a.Outcome, ids, a.RecurringLossEUR, tt.want, tt.recurring, tt.total)
			}
		})
	}
}
