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

func TestCurrentStatus(t *testing.T) {
	req := func(code, measure string, s Status, applicable bool) Requirement {
		return Requirement{Code: code, Measures: []string{measure}, Status: s, Applicable: applicable}
	}
	reqs := []Requirement{
		// a: 3 of 5 implemented (one verified), like the demo's measure a.
		req("1.1", "a", Implemented, true), req("1.2", "a", Implemented, true), req("2.1", "a", Verified, true),
		req("2.2", "a", InProgress, true), req("2.3", "a", NotStarted, true),
		// b: all not started; the not-applicable one does not count.
		req("3.1", "b", NotStarted, true), req("3.2", "b", Verified, false),
		// c: implemented or verified, or not applicable.
		req("4.1", "c", Implemented, true), req("4.2", "c", Verified, true), req("4.3", "c", NotStarted, false),
		// d: all verified.
		req("5.1", "d", Verified, true),
		// e: nothing started but one in progress.
		req("6.1", "e", NotStarted, true), req("6.2", "e", InProgress, true),
		// f: no applicable requirement at all.
		req("7", "f", Implemented, false),
	}
	verified := Verified
	cases := []struct {
		m    Measure
		want Progress
	}{
		{Measure{Code: "a"}, Progress{Value: InProgress, Done: 3, Applicable: 5}},
		{Measure{Code: "b"}, Progress{Value: NotStarted, Applicable: 1}},
		{Measure{Code: "c"}, Progress{Value: Implemented, Done: 2, Applicable: 2}},
		{Measure{Code: "d"}, Progress{Value: Verified, Done: 1, Applicable: 1}},
		{Measure{Code: "e"}, Progress{Value: InProgress, Applicable: 2}},
		{Measure{Code: "f"}, Progress{Value: NotStarted}},
		{Measure{Code: "z"}, Progress{Value: NotStarted}},
		// Set by hand with a reason: the value wins, the counts still tell.
		{Measure{Code: "b", StatusOverride: &verified, StatusReason: "extern"},
			Progress{Value: Verified, Overridden: true, Reason: "extern", Applicable: 1}},
	}
	for _, c := range cases {
		if got := CurrentStatus(c.m, reqs); got != c.want {
			t.Errorf("measure %s: got %+v, want %+v", c.m.Code, got, c.want)
		}
	}
}
