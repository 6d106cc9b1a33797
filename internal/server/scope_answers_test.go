package server

import (
	"reflect"
	"testing"

	nis2 "github.com/weerbaar/weerbaar/internal/scope"
)

// TestAnswersOfRoundTrip: a stored input turned back into the wizard's
// answers reads as the same input, so re-running the wizard starts where
// the last assessment left off.
func TestAnswersOfRoundTrip(t *testing.T) {
	t.Parallel()
	for _, in := range []nis2.Input{
		{Subsectors: []string{"drinking_water"}, Employees: 420, TurnoverEUR: 95_000_000, BalanceEUR: 310_000_000, PublicControl: true,
			Previous: &nis2.Figures{Employees: 410, TurnoverEUR: 92_000_000, BalanceEUR: 305_000_000}},
		{Subsectors: []string{"banking", "digital.cloud"}, Employees: 60, TurnoverEUR: 1, BalanceEUR: 2, DORA: true, MainEstablishmentElsewhere: true,
			Exclusion: nis2.ExclusionJudiciary, Designated: "important", Qualified: true, CriticalEntity: true,
			Others: []nis2.Holding{{Figures: nis2.Figures{Employees: 3, TurnoverEUR: 4, BalanceEUR: 5}, SharePct: 30}, {Figures: nis2.Figures{}, SharePct: 100}}},
	} {
		_, back, errs := wizardInput(answersOf(in), 4)
		if len(errs) > 0 || !reflect.DeepEqual(back, in) {
			t.Errorf("round trip of %+v gave %+v (%v)", in, back, errs)
		}
	}
}
