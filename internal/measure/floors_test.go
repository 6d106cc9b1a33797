package measure_test

import (
	"context"
	"encoding/json"
	"slices"
	"testing"
	"time"

	"github.com/weerbaar/weerbaar/internal/dbtest"
	"github.com/weerbaar/weerbaar/internal/measure"
	"github.com/weerbaar/weerbaar/internal/measure/catalogue"
	"github.com/weerbaar/weerbaar/internal/proportion"
	"github.com/weerbaar/weerbaar/internal/scope"
)

// TestOverviewFloors: the overview passes the entity's type to the engine.
// A micro DNS service provider is bound by Reg. 2024/2690 and of an any-size
// type: every measure with an applicable requirement has a target of at
// least 3 and size counts as large. A large drinking-water company is
// neither: only its documented requirements carry a floor.
func TestOverviewFloors(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	pool := dbtest.New(t)
	today := time.Date(2026, 11, 27, 0, 0, 0, 0, time.UTC)
	for _, tc := range []struct {
		name, slug        string
		in                scope.Input
		bound, anySize    bool
		floorRule         string // the rule every applicable measure carries; "" none
		noFloor, docFloor string // a measure without any floor, one with the documented floor
	}{
		{"micro DNS provider", "dns", scope.Input{Subsectors: []string{"digital.dns"}, Employees: 4, TurnoverEUR: 600_000, BalanceEUR: 300_000},
			true, true, proportion.FloorRegulationBound, "j", "a"},
		{"large drinking-water company", "water", scope.Input{Subsectors: []string{"drinking_water"}, Employees: 420, TurnoverEUR: 95_000_000, BalanceEUR: 310_000_000},
			false, false, "", "g", "a"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var id int64
			if err := pool.QueryRow(ctx, `INSERT INTO entities (slug, name) VALUES ($1, $2) RETURNING id`, tc.slug, tc.name).Scan(&id); err != nil {
				t.Fatal(err)
			}
			res, err := scope.Assess(tc.in)
			if err != nil {
				t.Fatal(err)
			}
			inputs, _ := json.Marshal(tc.in)
			reasons, _ := json.Marshal(res.Reasons)
			if _, err := pool.Exec(ctx, `INSERT INTO scope_assessments (entity_id, engine_version, inputs, class, size, reasons)
				VALUES ($1, $2, $3, $4, $5, $6)`, id, res.EngineVersion, inputs, string(res.Class), string(res.Size), reasons); err != nil {
				t.Fatal(err)
			}
			// One requirement of measure j (11.7, MFA) does not apply.
			if _, err := pool.Exec(ctx, `INSERT INTO entity_requirements (entity_id, requirement_code, applicable, justification, catalogue_version)
				VALUES ($1, '11.7', false, 'Geen externe toegang.', '2026.1')`, id); err != nil {
				t.Fatal(err)
			}
			o, err := measure.BuildOverview(ctx, pool, catalogue.Latest(), id, today)
			if err != nil {
				t.Fatal(err)
			}
			if o.RegulationBound != tc.bound || o.AnySize != tc.anySize || o.EngineInput.RegulationBound != tc.bound || o.EngineInput.AnySize != tc.anySize {
				t.Fatalf("bound %v any size %v (engine %+v), want %v %v", o.RegulationBound, o.AnySize, o.EngineInput, tc.bound, tc.anySize)
			}
			for _, ms := range o.Measures {
				r := ms.Result
				var rules []string
				for _, f := range r.Floors {
					rules = append(rules, f.Rule)
				}
				// j's only requirement does not apply, so no floor holds for it.
				if tc.floorRule != "" && ms.Measure.Code != "j" && (r.Target < 3 || !slices.Contains(rules, tc.floorRule)) {
					t.Errorf("%s: target %d floors %v, want at least 3 by %s", ms.Measure.Code, r.Target, rules, tc.floorRule)
				}
				if ms.Measure.Code == tc.noFloor && len(rules) > 0 {
					t.Errorf("%s: floors %v, want none", ms.Measure.Code, rules)
				}
				if ms.Measure.Code == tc.docFloor && !slices.Contains(rules, proportion.FloorDocumented) {
					t.Errorf("%s: floors %v, want the documented floor (1.1, 2.1)", ms.Measure.Code, rules)
				}
				if r.Version != proportion.CurrentVersion {
					t.Errorf("%s: engine %s", ms.Measure.Code, r.Version)
				}
			}
			if tc.anySize && o.Measures[5].Result.Contributions[1].Points == 0 {
				t.Errorf("micro any-size entity: size adds nothing to f: %+v", o.Measures[5].Result.Contributions[1])
			}
		})
	}
}
