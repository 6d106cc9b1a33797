package risk

import (
	"reflect"
	"testing"
)

func TestCompareCycles(t *testing.T) {
	t.Parallel()
	c := func(code string) ThreatRef { return ThreatRef{Code: code} }
	e := func(id int64) ThreatRef { return ThreatRef{ID: id} }
	for _, tc := range []struct {
		name     string
		from, to Cycle
		want     CycleDiff
	}{
		{name: "both empty"},
		{
			name: "identical cycles",
			from: Cycle{Jewels: []string{"A"}, Scenarios: []CycleScenario{{"A", c("ddos"), High}}},
			to:   Cycle{Jewels: []string{"A"}, Scenarios: []CycleScenario{{"A", c("ddos"), High}}},
		},
		{
			name: "jewels added and removed by name",
			from: Cycle{Jewels: []string{"SCADA", "Billing", "Lab"}},
			to:   Cycle{Jewels: []string{"Lab", "Telemetry", "Billing SaaS", "SCADA"}},
			want: CycleDiff{JewelsAdded: []string{"Billing SaaS", "Telemetry"}, JewelsRemoved: []string{"Billing"}},
		},
		{
			name: "levels changed, matched by jewel and threat, largest change first",
			from: Cycle{Jewels: []string{"A", "B"}, Scenarios: []CycleScenario{
				{"A", c("ddos"), Low}, {"A", c("ransomware"), Critical}, {"B", c("ddos"), Medium}, {"B", e(7), High}}},
			to: Cycle{Jewels: []string{"A", "B"}, Scenarios: []CycleScenario{
				{"A", c("ddos"), Medium}, {"A", c("ransomware"), Low}, {"B", c("ddos"), Medium}, {"B", e(7), Critical}}},
			want: CycleDiff{LevelsChanged: []LevelChange{
				{"A", c("ransomware"), Critical, Low}, {"B", e(7), High, Critical}, {"A", c("ddos"), Low, Medium}}},
		},
		{
			name: "same threat on another jewel is another scenario",
			from: Cycle{Jewels: []string{"A", "B"}, Scenarios: []CycleScenario{{"A", c("ddos"), High}}},
			to:   Cycle{Jewels: []string{"A", "B"}, Scenarios: []CycleScenario{{"B", c("ddos"), High}}},
			want: CycleDiff{ScenariosAdded: []CycleScenario{{"B", c("ddos"), High}}, ScenariosRemoved: []CycleScenario{{"A", c("ddos"), High}}},
		},
		{
			name: "catalogue and entity threat never match",
			from: Cycle{Jewels: []string{"A"}, Scenarios: []CycleScenario{{"A", e(1), High}}},
			to:   Cycle{Jewels: []string{"A"}, Scenarios: []CycleScenario{{"A", c("ddos"), High}}},
			want: CycleDiff{ScenariosAdded: []CycleScenario{{"A", c("ddos"), High}}, ScenariosRemoved: []CycleScenario{{"A", e(1), High}}},
		},
		{
			name: "a renamed jewel is removed and added, with its scenarios",
			from: Cycle{Jewels: []string{"Old"}, Scenarios: []CycleScenario{{"Old", c("fire"), Low}}},
			to:   Cycle{Jewels: []string{"New"}, Scenarios: []CycleScenario{{"New", c("fire"), Low}}},
			want: CycleDiff{JewelsAdded: []string{"New"}, JewelsRemoved: []string{"Old"},
				ScenariosAdded: []CycleScenario{{"New", c("fire"), Low}}, ScenariosRemoved: []CycleScenario{{"Old", c("fire"), Low}}},
		},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got := CompareCycles(tc.from, tc.to)
			if !reflect.DeepEqual(got, tc.want) {
				t.Errorf("CompareCycles:\n got %+v\nwant %+v", got, tc.want)
			}
			if got.Empty() != reflect.DeepEqual(tc.want, CycleDiff{}) {
				t.Errorf("Empty() = %v", got.Empty())
			}
			// Reversed, added and removed swap.
			back := CompareCycles(tc.to, tc.from)
			if len(back.JewelsAdded) != len(got.JewelsRemoved) || len(back.ScenariosRemoved) != len(got.ScenariosAdded) ||
				len(back.LevelsChanged) != len(got.LevelsChanged) {
				t.Errorf("reversed diff does not mirror: %+v", back)
			}
		})
	}
}
