package training

import (
	"testing"
	"time"
)

func day(s string) time.Time {
	d, err := time.Parse("2006-01-02", s)
	if err != nil {
		panic(err)
	}
	return d
}

func dayp(s string) *time.Time { d := day(s); return &d }

func TestDeadline(t *testing.T) {
	for _, tc := range []struct {
		name      string
		appointed *time.Time
		want      string
	}{
		{"appointed before the law: two years after the law", dayp("2020-03-01"), "2028-08-15"},
		{"appointed on the day the law entered into force", dayp("2026-08-15"), "2028-08-15"},
		{"appointed after the law: two years after the appointment", dayp("2027-01-10"), "2029-01-10"},
		{"appointed on 29 February: 1 March two years on", dayp("2028-02-29"), "2030-03-01"},
		{"no appointment date: the earliest deadline", nil, "2028-08-15"},
	} {
		if got := Deadline(tc.appointed).Format("2006-01-02"); got != tc.want {
			t.Errorf("%s: deadline %s, want %s", tc.name, got, tc.want)
		}
	}
}

func TestAssess(t *testing.T) {
	cert := func(completed string, until *time.Time) Certificate {
		return Certificate{Completed: day(completed), Certified: true, ValidUntil: until}
	}
	for _, tc := range []struct {
		name      string
		appointed *time.Time
		records   []Certificate
		on        string
		want      State
		best      int
	}{
		{"nothing yet, deadline ahead", dayp("2027-01-10"), nil, "2027-06-01", StateDue, -1},
		{"nothing, deadline passed", dayp("2020-01-01"), nil, "2028-08-16", StateOverdue, -1},
		{"nothing, on the deadline itself still due", dayp("2020-01-01"), nil, "2028-08-15", StateDue, -1},
		{"a course without certificate does not count", nil,
			[]Certificate{{Completed: day("2027-01-01"), Certified: false}}, "2028-09-01", StateOverdue, -1},
		{"valid certificate", nil, []Certificate{cert("2027-01-01", dayp("2029-01-01"))}, "2027-06-01", StateValid, 0},
		{"valid on its last day, expiring", nil, []Certificate{cert("2027-01-01", dayp("2027-06-01"))}, "2027-06-01", StateExpiring, 0},
		{"ends within 90 days", nil, []Certificate{cert("2026-01-01", dayp("2027-03-01"))}, "2027-01-15", StateExpiring, 0},
		{"ends in 91 days", nil, []Certificate{cert("2026-01-01", dayp("2027-04-16"))}, "2027-01-15", StateValid, 0},
		{"no end date stays valid", nil, []Certificate{cert("2027-01-01", nil)}, "2035-01-01", StateValid, 0},
		{"ended after the deadline", nil, []Certificate{cert("2027-01-01", dayp("2028-12-31"))}, "2029-01-01", StateExpired, 0},
		{"ended before the deadline: due again", dayp("2028-01-01"), []Certificate{cert("2028-02-01", dayp("2028-06-30"))}, "2028-07-01", StateDue, 0},
		{"completed in the future does not count yet", nil, []Certificate{cert("2030-01-01", nil)}, "2029-01-01", StateOverdue, -1},
		{"the longest-lasting valid certificate counts", nil,
			[]Certificate{cert("2027-01-01", dayp("2027-03-01")), cert("2027-02-01", dayp("2029-02-01")), cert("2026-12-01", dayp("2028-01-01"))},
			"2027-02-15", StateValid, 1},
		{"a renewed certificate beats the ended one", nil,
			[]Certificate{cert("2025-01-01", dayp("2026-01-01")), cert("2027-01-01", dayp("2030-01-01"))}, "2029-01-01", StateValid, 1},
		{"of two ended certificates the later end is shown", nil,
			[]Certificate{cert("2025-01-01", dayp("2028-09-01")), cert("2024-01-01", dayp("2027-01-01"))}, "2029-01-01", StateExpired, 0},
	} {
		got := Assess(tc.appointed, tc.records, day(tc.on))
		if got.State != tc.want || got.Best != tc.best {
			t.Errorf("%s: %s (best %d), want %s (best %d)", tc.name, got.State, got.Best, tc.want, tc.best)
		}
	}
}

// TestAssessMoreCertificatesNeverWorse: adding a certificate never makes a
// member's state worse (property over generated records and days).
func TestAssessMoreCertificatesNeverWorse(t *testing.T) {
	rank := map[State]int{StateValid: 0, StateExpiring: 1, StateDue: 2, StateExpired: 3, StateOverdue: 4}
	base := day("2026-01-01")
	gen := func(n int) Certificate {
		c := Certificate{Completed: base.AddDate(0, 0, (n*37)%1500), Certified: n%5 != 0}
		if n%3 != 0 {
			u := c.Completed.AddDate(0, 0, 30+(n*53)%900)
			c.ValidUntil = &u
		}
		return c
	}
	for seed := 0; seed < 400; seed++ {
		var recs []Certificate
		for k := 0; k < seed%4; k++ {
			recs = append(recs, gen(seed*7+k))
		}
		on := base.AddDate(0, 0, (seed*91)%2200)
		before := Assess(nil, recs, on)
		after := Assess(nil, append(recs, gen(seed*11+3)), on)
		// Expired and due differ only by the deadline, which is the same.
		if rank[after.State] > rank[before.State] && !(before.State == StateDue && after.State == StateDue) {
			t.Fatalf("seed %d: adding a certificate turned %s into %s", seed, before.State, after.State)
		}
	}
}
