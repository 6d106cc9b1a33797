package oversight

import (
	"reflect"
	"strconv"
	"testing"
)

func measures(currents ...float64) []MeasureLine {
	codes := "abcdefghij"
	out := make([]MeasureLine, len(currents))
	for i, c := range currents {
		out[i] = MeasureLine{Code: codes[i : i+1], Applicable: true, Current: c, Target: 3}
	}
	return out
}

func risks(keys ...string) []RiskLine {
	out := make([]RiskLine, len(keys))
	for i, k := range keys {
		out[i] = RiskLine{Key: k, Jewel: k}
	}
	return out
}

func actions(ids ...int64) []ActionLine {
	out := make([]ActionLine, len(ids))
	for i, id := range ids {
		out[i] = ActionLine{ID: id}
	}
	return out
}

func keysOf[T any](items []T, key func(T) string) []string {
	out := []string{}
	for _, it := range items {
		out = append(out, key(it))
	}
	return out
}

func TestDiff(t *testing.T) {
	base := Content{Readiness: Readiness{Percent: 40}, Measures: measures(2, 3, 1.5),
		Risks:       Risks{Analysis: true, Above: 2, Items: risks("scada|c:ransomware", "lims|e:x")},
		Acceptances: []AcceptanceLine{{Key: "klant|c:phishing", Expires: "2027-01-01"}},
		Overdue:     actions(7, 9),
		Training:    []MemberLine{{UserID: 1, Name: "Pieter", State: "valid"}, {UserID: 2, Name: "Marieke", State: "due"}}}
	type want struct {
		none                   bool
		readiness, above       Delta
		measures               []string
		newRisks, closedRisks  []string
		newOverdue, closedOver []string
		newDue, closedDue      []string
		training               []TrainingChange
	}
	empty := []string{}
	for _, tc := range []struct {
		name string
		edit func(c *Content)
		want want
	}{
		{"the same content: nothing changed", func(*Content) {},
			want{none: true, readiness: Delta{40, 40}, above: Delta{2, 2}, measures: empty, newRisks: empty, closedRisks: empty,
				newOverdue: empty, closedOver: empty, newDue: empty, closedDue: empty}},
		{"readiness up and one measure matured", func(c *Content) {
			c.Readiness.Percent = 55
			c.Measures = measures(2, 3.4, 1.5)
		}, want{readiness: Delta{40, 55}, above: Delta{2, 2}, measures: []string{"b"}, newRisks: empty, closedRisks: empty,
			newOverdue: empty, closedOver: empty, newDue: empty, closedDue: empty}},
		{"a maturity moving less than the shown decimal is no change", func(c *Content) {
			c.Measures = measures(2.04, 3, 1.5)
		}, want{none: true, readiness: Delta{40, 40}, above: Delta{2, 2}, measures: empty, newRisks: empty, closedRisks: empty,
			newOverdue: empty, closedOver: empty, newDue: empty, closedDue: empty}},
		{"a changed target is a change", func(c *Content) {
			c.Measures = measures(2, 3, 1.5)
			c.Measures[2].Target = 4
		}, want{readiness: Delta{40, 40}, above: Delta{2, 2}, measures: []string{"c"}, newRisks: empty, closedRisks: empty,
			newOverdue: empty, closedOver: empty, newDue: empty, closedDue: empty}},
		{"a measure the previous report lacked", func(c *Content) {
			c.Measures = measures(2, 3, 1.5, 1)
		}, want{readiness: Delta{40, 40}, above: Delta{2, 2}, measures: []string{"d"}, newRisks: empty, closedRisks: empty,
			newOverdue: empty, closedOver: empty, newDue: empty, closedDue: empty}},
		{"one risk went below tolerance, another came above", func(c *Content) {
			c.Risks.Items = risks("lims|e:x", "telemetrie|c:exploited_vulnerability", "pomp|c:sabotage")
			c.Risks.Above = 3
		}, want{readiness: Delta{40, 40}, above: Delta{2, 3}, measures: empty,
			newRisks: []string{"telemetrie|c:exploited_vulnerability", "pomp|c:sabotage"}, closedRisks: []string{"scada|c:ransomware"},
			newOverdue: empty, closedOver: empty, newDue: empty, closedDue: empty}},
		{"the same risk in a new cycle (new scenario id) is not new", func(c *Content) {
			c.Risks.Items = risks("scada|c:ransomware", "lims|e:x")
			c.Risks.Items[0].ScenarioID = 99
		}, want{none: true, readiness: Delta{40, 40}, above: Delta{2, 2}, measures: empty, newRisks: empty, closedRisks: empty,
			newOverdue: empty, closedOver: empty, newDue: empty, closedDue: empty}},
		{"an action became overdue, another was done", func(c *Content) {
			c.Overdue = actions(9, 12)
		}, want{readiness: Delta{40, 40}, above: Delta{2, 2}, measures: empty, newRisks: empty, closedRisks: empty,
			newOverdue: []string{"12"}, closedOver: []string{"7"}, newDue: empty, closedDue: empty}},
		{"an acceptance renewed, another comes due", func(c *Content) {
			c.Acceptances = []AcceptanceLine{{Key: "lims|c:information_manipulation", Expired: true}}
		}, want{readiness: Delta{40, 40}, above: Delta{2, 2}, measures: empty, newRisks: empty, closedRisks: empty,
			newOverdue: empty, closedOver: empty, newDue: []string{"lims|c:information_manipulation"}, closedDue: []string{"klant|c:phishing"}}},
		{"training: a state moved, a member joined, a member left", func(c *Content) {
			c.Training = []MemberLine{{UserID: 1, Name: "Pieter", State: "expiring"}, {UserID: 3, Name: "Joost", State: "due"}}
		}, want{readiness: Delta{40, 40}, above: Delta{2, 2}, measures: empty, newRisks: empty, closedRisks: empty,
			newOverdue: empty, closedOver: empty, newDue: empty, closedDue: empty,
			training: []TrainingChange{{Name: "Pieter", From: "valid", To: "expiring"}, {Name: "Joost", To: "due"}, {Name: "Marieke", From: "due"}}}},
		{"fewer risks above tolerance", func(c *Content) {
			c.Risks = Risks{Analysis: true, Above: 1, Items: risks("scada|c:ransomware")}
		}, want{readiness: Delta{40, 40}, above: Delta{2, 1}, measures: empty, newRisks: empty, closedRisks: []string{"lims|e:x"},
			newOverdue: empty, closedOver: empty, newDue: empty, closedDue: empty}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			cur := base
			cur.Measures = append([]MeasureLine(nil), base.Measures...)
			tc.edit(&cur)
			got := Diff(base, cur)
			if got.None() != tc.want.none {
				t.Errorf("None() = %v, want %v", got.None(), tc.want.none)
			}
			if got.Readiness != tc.want.readiness || got.Above != tc.want.above {
				t.Errorf("readiness %v above %v, want %v %v", got.Readiness, got.Above, tc.want.readiness, tc.want.above)
			}
			rk := func(r RiskLine) string { return r.Key }
			ak := func(a ActionLine) string { return itoa(a.ID) }
			dk := func(a AcceptanceLine) string { return a.Key }
			for _, c := range []struct {
				what      string
				got, want []string
			}{
				{"measures", keysOf(got.Measures, func(m MeasureChange) string { return m.Code }), tc.want.measures},
				{"new risks", keysOf(got.NewRisks, rk), tc.want.newRisks},
				{"closed risks", keysOf(got.ClosedRisks, rk), tc.want.closedRisks},
				{"new overdue", keysOf(got.NewOverdue, ak), tc.want.newOverdue},
				{"closed overdue", keysOf(got.ClosedOverdue, ak), tc.want.closedOver},
				{"new due acceptances", keysOf(got.NewDue, dk), tc.want.newDue},
				{"closed due acceptances", keysOf(got.ClosedDue, dk), tc.want.closedDue},
			} {
				if !reflect.DeepEqual(c.got, c.want) {
					t.Errorf("%s: %v, want %v", c.what, c.got, c.want)
				}
			}
			if !reflect.DeepEqual(got.Training, tc.want.training) {
				t.Errorf("training: %+v, want %+v", got.Training, tc.want.training)
			}
		})
	}
}

// TestDiffMeasureChangeCarriesBothSides: a changed measure says where it
// was and where it is.
func TestDiffMeasureChangeCarriesBothSides(t *testing.T) {
	prev := Content{Measures: []MeasureLine{{Code: "c", Applicable: true, Current: 2.5, Target: 4}}}
	cur := Content{Measures: []MeasureLine{{Code: "c", Applicable: true, Current: 3.2, Target: 4}}}
	got := Diff(prev, cur).Measures
	want := []MeasureChange{{Code: "c", Was: true, FromCurrent: 2.5, ToCurrent: 3.2, FromTarget: 4, ToTarget: 4}}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("%+v, want %+v", got, want)
	}
}

// TestDiffIsSymmetricInItems: what is new from a to b is closed from b to
// a (property over generated item sets).
func TestDiffIsSymmetricInItems(t *testing.T) {
	for seed := int64(0); seed < 200; seed++ {
		var a, b []int64
		for k := int64(0); k < 8; k++ {
			if (seed>>k)&1 == 1 {
				a = append(a, k)
			}
			if ((seed*7+3)>>k)&1 == 1 {
				b = append(b, k)
			}
		}
		ab := Diff(Content{Overdue: actions(a...)}, Content{Overdue: actions(b...)})
		ba := Diff(Content{Overdue: actions(b...)}, Content{Overdue: actions(a...)})
		if !reflect.DeepEqual(ab.NewOverdue, ba.ClosedOverdue) || !reflect.DeepEqual(ab.ClosedOverdue, ba.NewOverdue) {
			t.Fatalf("seed %d: a→b new %v closed %v; b→a new %v closed %v", seed, ab.NewOverdue, ab.ClosedOverdue, ba.NewOverdue, ba.ClosedOverdue)
		}
	}
}

func itoa(n int64) string { return strconv.FormatInt(n, 10) }
