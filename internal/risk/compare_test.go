package risk

import (
	"reflect"
	"testing"
)

func TestCompareCycles(t *testing.T) {
	t.Parallel()
	c := func(code string) ThreatRef { return ThreatRef{Code: code} }
	e := func(id int64) ThreatRef { return ThreatRef{ID: id} }
	const none = TreatmentNone
	for _, tc := range []struct {
		name     string
		from, to Cycle
		want     CycleDiff
	}{
		{name: "both empty"},
		{
			name: "identical cycles",
			from: Cycle{Jewels: []string{"A"}, Scenarios: []CycleScenario{{"A", c("ddos"), High, none}}},
			to:   Cycle{Jewels: []string{"A"}, Scenarios: []CycleScenario{{"A", c("ddos"), High, none}}},
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
				{"A", c("ddos"), Low, none}, {"A", c("ransomware"), Critical, none}, {"B", c("ddos"), Medium, none}, {"B", e(7), High, none}}},
			to: Cycle{Jewels: []string{"A", "B"}, Scenarios: []CycleScenario{
				{"A", c("ddos"), Medium, none}, {"A", c("ransomware"), Low, none}, {"B", c("ddos"), Medium, none}, {"B", e(7), Critical, none}}},
			want: CycleDiff{LevelsChanged: []LevelChange{
				{"A", c("ransomware"), Critical, Low}, {"B", e(7), High, Critical}, {"A", c("ddos"), Low, Medium}}},
		},
		{
			name: "same threat on another jewel is another scenario",
			from: Cycle{Jewels: []string{"A", "B"}, Scenarios: []CycleScenario{{"A", c("ddos"), High, none}}},
			to:   Cycle{Jewels: []string{"A", "B"}, Scenarios: []CycleScenario{{"B", c("ddos"), High, none}}},
			want: CycleDiff{ScenariosAdded: []CycleScenario{{"B", c("ddos"), High, none}}, ScenariosRemoved: []CycleScenario{{"A", c("ddos"), High, none}}},
		},
		{
			name: "catalogue and entity threat never match",
			from: Cycle{Jewels: []string{"A"}, Scenarios: []CycleScenario{{"A", e(1), High, none}}},
			to:   Cycle{Jewels: []string{"A"}, Scenarios: []CycleScenario{{"A", c("ddos"), High, none}}},
			want: CycleDiff{ScenariosAdded: []CycleScenario{{"A", c("ddos"), High, none}}, ScenariosRemoved: []CycleScenario{{"A", e(1), High, none}}},
		},
		{
			name: "treatments changed, matched by jewel and threat, by name",
			from: Cycle{Jewels: []string{"A", "B"}, Scenarios: []CycleScenario{
				{"B", c("ddos"), High, none}, {"A", c("ransomware"), Critical, TreatMitigate}, {"A", c("fire"), Low, TreatAccept},
				{"A", c("phishing"), Medium, TreatAccept}, {"B", e(7), High, TreatTransfer}}},
			to: Cycle{Jewels: []string{"A", "B"}, Scenarios: []CycleScenario{
				{"B", c("ddos"), High, TreatMitigate}, {"A", c("ransomware"), Critical, TreatMitigate}, {"A", c("fire"), Low, TreatmentRequested},
				{"A", c("phishing"), Medium, TreatAccept}, {"B", e(7), High, TreatAvoid}}},
			want: CycleDiff{TreatmentsChanged: []TreatmentChange{
				{"A", c("fire"), TreatAccept, TreatmentRequested}, {"B", c("ddos"), none, TreatMitigate}, {"B", e(7), TreatTransfer, TreatAvoid}}},
		},
		{
			name: "level and treatment changed together: both listed",
			from: Cycle{Jewels: []string{"A"}, Scenarios: []CycleScenario{{"A", c("ddos"), High, none}}},
			to:   Cycle{Jewels: []string{"A"}, Scenarios: []CycleScenario{{"A", c("ddos"), Low, TreatAccept}}},
			want: CycleDiff{LevelsChanged: []LevelChange{{"A", c("ddos"), High, Low}},
				TreatmentsChanged: []TreatmentChange{{"A", c("ddos"), none, TreatAccept}}},
		},
		{
			name: "a scenario added or removed is no treatment change",
			from: Cycle{Jewels: []string{"A"}, Scenarios: []CycleScenario{{"A", c("fire"), Low, TreatAccept}}},
			to:   Cycle{Jewels: []string{"A"}, Scenarios: []CycleScenario{{"A", c("flood"), Low, TreatMitigate}}},
			want: CycleDiff{ScenariosAdded: []CycleScenario{{"A", c("flood"), Low, TreatMitigate}},
				ScenariosRemoved: []CycleScenario{{"A", c("fire"), Low, TreatAccept}}},
		},
		{
			name: "a renamed jewel is removed and added, with its scenarios",
			from: Cycle{Jewels: []string{"Old"}, Scenarios: []CycleScenario{{"Old", c("fire"), Low, none}}},
			to:   Cycle{Jewels: []string{"New"}, Scenarios: []CycleScenario{{"New", c("fire"), Low, none}}},
			want: CycleDiff{JewelsAdded: []string{"New"}, JewelsRemoved: []string{"Old"},
				ScenariosAdded: []CycleScenario{{"New", c("fire"), Low, none}}, ScenariosRemoved: []CycleScenario{{"Old", c("fire"), Low, none}}},
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
				len(back.LevelsChanged) != len(got.LevelsChanged) || len(back.TreatmentsChanged) != len(got.TreatmentsChanged) {
				t.Errorf("reversed diff does not mirror: %+v", back)
			}
			for k, c := range back.TreatmentsChanged {
				if g := got.TreatmentsChanged[k]; c.From != g.To || c.To != g.From {
					t.Errorf("reversed treatment change %+v does not mirror %+v", c, g)
				}
			}
		})
	}
}
