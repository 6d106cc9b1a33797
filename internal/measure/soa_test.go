package measure

import (
	"slices"
	"testing"
	"time"
)

func soaCodes(entries []SoAEntry) []string {
	var out []string
	for _, e := range entries {
		out = append(out, e.Code)
	}
	return out
}

func TestStatementOfApplicabilityFilters(t *testing.T) {
	t.Parallel()
	reqs := []Requirement{
		{Code: "1.1", Measures: []string{"a"}, Applicable: true, Status: Implemented},
		{Code: "1.2", Measures: []string{"a", "b"}, Applicable: true, Status: NotStarted},
		{Code: "2.1", Measures: []string{"b"}, Applicable: false, Status: Implemented, Justification: "n.v.t."},
		{Code: "3.1", Measures: []string{"c"}, Applicable: true, Status: InProgress},
	}
	tests := []struct {
		q    SoAQuery
		want []string
	}{
		{SoAQuery{}, []string{"1.1", "1.2", "2.1", "3.1"}},
		{SoAQuery{Measure: "b"}, []string{"1.2", "2.1"}},
		{SoAQuery{Status: "implemented"}, []string{"1.1"}}, // 2.1 is implemented but does not apply
		{SoAQuery{Status: "not_applicable"}, []string{"2.1"}},
		{SoAQuery{Measure: "a", Status: "not_started"}, []string{"1.2"}},
		{SoAQuery{Measure: "z"}, nil},
	}
	for _, tt := range tests {
		got, _ := StatementOfApplicability(reqs, nil, tt.q)
		if !slices.Equal(soaCodes(got), tt.want) {
			t.Errorf("%+v: got %v, want %v", tt.q, soaCodes(got), tt.want)
		}
	}
}

func TestStatementOfApplicabilitySorts(t *testing.T) {
	t.Parallel()
	day := func(d int) *time.Time { t := time.Date(2026, 12, d, 0, 0, 0, 0, time.UTC); return &t }
	reqs := []Requirement{
		{Code: "1.1", Applicable: true, Status: Verified, Maturity: 2, OwnerName: "Piet", DueDate: day(3)},
		{Code: "1.2", Applicable: true, Status: NotStarted, Maturity: 4, OwnerName: "Anna"},
		{Code: "2.1", Applicable: false, Status: Verified, Maturity: 2, OwnerName: "", DueDate: day(1)},
		{Code: "3.1", Applicable: true, Status: InProgress, Maturity: 0, OwnerName: "Anna", DueDate: day(2)},
	}
	evidence := map[string]int{"1.1": 2, "3.1": 5}
	tests := []struct {
		sort string
		desc bool
		want []string
	}{
		{"code", false, []string{"1.1", "1.2", "2.1", "3.1"}},
		{"code", true, []string{"3.1", "2.1", "1.2", "1.1"}},
		{"maturity", false, []string{"3.1", "1.1", "2.1", "1.2"}}, // ties keep catalogue order
		{"maturity", true, []string{"1.2", "1.1", "2.1", "3.1"}},
		{"status", false, []string{"2.1", "1.2", "3.1", "1.1"}}, // not applicable first
		{"owner", false, []string{"2.1", "1.2", "3.1", "1.1"}},
		{"due", false, []string{"1.2", "2.1", "3.1", "1.1"}}, // no date first
		{"evidence", true, []string{"3.1", "1.1", "1.2", "2.1"}},
	}
	for _, tt := range tests {
		got, in := StatementOfApplicability(reqs, evidence, SoAQuery{Sort: tt.sort, Desc: tt.desc})
		if !slices.Equal(soaCodes(got), tt.want) || in.Sort != tt.sort || in.Desc != tt.desc {
			t.Errorf("%s desc=%v: got %v (%s %v), want %v", tt.sort, tt.desc, soaCodes(got), in.Sort, in.Desc, tt.want)
		}
	}
	got, in := StatementOfApplicability(reqs, evidence, SoAQuery{Sort: "title; DROP TABLE", Desc: true})
	if in.Sort != "code" || in.Desc || got[0].Code != "1.1" {
		t.Errorf("unknown key: %v in effect %+v", soaCodes(got), in)
	}
	if got[0].Evidence != 2 {
		t.Errorf("evidence count not carried: %+v", got[0])
	}
}
