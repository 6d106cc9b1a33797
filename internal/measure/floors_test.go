package measure_test

import (
	"context"
	"encoding/json"
	"slices"
	"testing"
	"time"

	"github.com/weerbaar/weerbaar/internal/dbtest"
	"github.com/weerbaar/weerbaar/internal/i18n"
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
			// Edition 2026.1, where 11.7 is measure j's only requirement
			// (2026.2 adds j.1, secured communications).
			ed, err := catalogue.Get(ctx, pool, "2026.1")
			if err != nil {
				t.Fatal(err)
			}
			o, err := measure.BuildOverview(ctx, pool, ed, id, today)
			if err != nil {
				t.Fatal(err)
			}
			if o.Binding.Bound != tc.bound || o.AnySize != tc.anySize || o.EngineInput.RegulationBound != tc.bound || o.EngineInput.AnySize != tc.anySize {
				t.Fatalf("bound %v any size %v (engine %+v), want %v %v", o.Binding.Bound, o.AnySize, o.EngineInput, tc.bound, tc.anySize)
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

// TestSnapshotReproduces: a saved computation keeps every input of
// prop-2026.2 (the entity's type flags, each measure's requirements and the
// adopted target), so proportion.Compute on the stored inputs gives the
// stored results.
func TestSnapshotReproduces(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	pool := dbtest.New(t)
	var id int64
	if err := pool.QueryRow(ctx, `INSERT INTO entities (slug, name) VALUES ('cloud', 'Cloud') RETURNING id`).Scan(&id); err != nil {
		t.Fatal(err)
	}
	in := scope.Input{Subsectors: []string{"digital.cloud"}, Employees: 80, TurnoverEUR: 12_000_000, BalanceEUR: 11_000_000}
	res, err := scope.Assess(in)
	if err != nil {
		t.Fatal(err)
	}
	inputs, _ := json.Marshal(in)
	reasons, _ := json.Marshal(res.Reasons)
	if _, err := pool.Exec(ctx, `INSERT INTO scope_assessments (entity_id, engine_version, inputs, class, size, reasons)
		VALUES ($1, $2, $3, $4, $5, $6)`, id, res.EngineVersion, inputs, string(res.Class), string(res.Size), reasons); err != nil {
		t.Fatal(err)
	}
	if _, err := pool.Exec(ctx, `INSERT INTO measure_considerations (entity_id, measure_code, adopted_target, proposal_at_adoption, target_reason)
		VALUES ($1, 'g', 5, 3, '')`, id); err != nil {
		t.Fatal(err)
	}
	snap, err := measure.SaveSnapshot(ctx, pool, id)
	if err != nil {
		t.Fatal(err)
	}
	var version string
	var rawIn, rawOut []byte
	if err := pool.QueryRow(ctx, `SELECT engine_version, inputs, results FROM proportion_results WHERE id = $1`, snap).Scan(&version, &rawIn, &rawOut); err != nil {
		t.Fatal(err)
	}
	var stored struct {
		Factors  proportion.Factors `json:"factors"`
		Measures []struct {
			Code         string                        `json:"code"`
			Current      float64                       `json:"current"`
			Sensitivity  proportion.Sensitivity        `json:"sensitivity"`
			Requirements []proportion.RequirementInput `json:"requirements"`
			Adopted      int                           `json:"adopted"`
		} `json:"measures"`
	}
	if err := json.Unmarshal(rawIn, &stored); err != nil {
		t.Fatal(err)
	}
	if !stored.Factors.RegulationBound || stored.Factors.AnySize {
		t.Errorf("stored factors %+v: a medium cloud provider is bound and not any-size", stored.Factors)
	}
	var ms []proportion.MeasureInput
	for _, m := range stored.Measures {
		ms = append(ms, proportion.MeasureInput{Code: m.Code, Current: m.Current, Sensitivity: m.Sensitivity, Requirements: m.Requirements, Adopted: m.Adopted})
	}
	again, err := proportion.Compute(version, stored.Factors, ms)
	if err != nil {
		t.Fatal(err)
	}
	var saved []proportion.Result
	if err := json.Unmarshal(rawOut, &saved); err != nil {
		t.Fatal(err)
	}
	for i := range again {
		a, s := again[i], saved[i]
		if a.Target != s.Target || a.Proposal != s.Proposal || a.Floor != s.Floor || a.Weight != s.Weight || a.Rank != s.Rank ||
			a.Explanation.Render(i18n.NL) != s.Explanation.Render(i18n.NL) {
			t.Errorf("%s does not reproduce: %+v\nvs %+v", a.Code, a, s)
		}
	}
	if g := again[6]; g.Code != "g" || g.Target != 5 || g.Adopted != 5 || len(stored.Measures[6].Requirements) == 0 {
		t.Errorf("measure g: %+v (requirements %v)", g, stored.Measures[6].Requirements)
	}
}
