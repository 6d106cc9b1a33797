package measure

import (
	"testing"
	"time"
)

func intp(n int) *int { return &n }

func TestCurrentMaturity(t *testing.T) {
	reqs := []Requirement{
		{Code: "1.1", Measures: []string{"a"}, Applicable: true, Maturity: 4},
		{Code: "1.2", Measures: []string{"a"}, Applicable: true, Maturity: 1},
		{Code: "2.1", Measures: []string{"a"}, Applicable: true, Maturity: 2},
		{Code: "2.2", Measures: []string{"a"}, Applicable: false, Maturity: 0, Justification: "n.v.t."},
		{Code: "3.1", Measures: []string{"b"}, Applicable: true, Maturity: 5},
	}
	cases := []struct {
		name string
		m    Measure
		want Maturity
	}{
		// (4 + 1 + 2) / 3 = 2.333… → 2.3; the not-applicable 2.2 does not count.
		{"mean of applicable", Measure{Code: "a"}, Maturity{Value: 2.3, Applicable: 3}},
		{"one requirement", Measure{Code: "b"}, Maturity{Value: 5, Applicable: 1}},
		{"no requirements", Measure{Code: "c"}, Maturity{}},
		{"override wins", Measure{Code: "a", MaturityOverride: intp(4), OverrideReason: "audit"}, Maturity{Value: 4, Overridden: true, Reason: "audit"}},
	}
	for _, c := range cases {
		if got := CurrentMaturity(c.m, reqs); got != c.want {
			t.Errorf("%s: got %+v, want %+v", c.name, got, c.want)
		}
	}
}

func TestOverdue(t *testing.T) {
	today := time.Date(2026, 11, 27, 0, 0, 0, 0, time.UTC)
	yesterday, tomorrow := today.AddDate(0, 0, -1), today.AddDate(0, 0, 1)
	cases := []struct {
		r    Requirement
		want bool
	}{
		{Requirement{Applicable: true, DueDate: &yesterday, Status: InProgress}, true},
		{Requirement{Applicable: true, DueDate: &today, Status: InProgress}, false},
		{Requirement{Applicable: true, DueDate: &tomorrow, Status: NotStarted}, false},
		{Requirement{Applicable: true, DueDate: &yesterday, Status: Implemented}, false},
		{Requirement{Applicable: false, DueDate: &yesterday, Status: NotStarted}, false},
		{Requirement{Applicable: true, Status: NotStarted}, false},
	}
	for i, c := range cases {
		if got := c.r.Overdue(today); got != c.want {
			t.Errorf("case %d: overdue %v, want %v", i, got, c.want)
		}
	}
}
