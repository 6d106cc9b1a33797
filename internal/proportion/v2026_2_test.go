package proportion

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"math/rand/v2"
	"strings"
	"testing"

	"github.com/weerbaar/weerbaar/internal/i18n"
)

// These tests pin the numbers of engine version prop-2026.2, next to the
// prop-2026.1 pins (which must keep passing unchanged). As there: if one
// fails because the model was changed on purpose, add a new version.

// pinLine2 is pinLine plus what prop-2026.2 adds: the proportional target,
// the floor with its rules, the proposal and the adopted target.
func pinLine2(r Result) string {
	var rules []string
	for _, f := range r.Floors {
		rules = append(rules, f.Rule)
	}
	return fmt.Sprintf("%s prop=%d floor=%d[%s] proposal=%d adopted=%d", pinLine(r), r.Proportional, r.Floor,
		strings.Join(rules, ","), r.Proposal, r.Adopted)
}

// v2026_2Requirements is a fixed set of requirements per measure for the
// pins: some documented, some not applicable, f without any.
var v2026_2Requirements = map[string][]RequirementInput{
	"a": {{"1.1", true, true}, {"1.2", true, false}, {"2.1", true, true}},
	"b": {{"3.2", true, false}, {"3.3", true, false}},
	"c": {{"4.2", false, false}},
	"d": {{"5.2", true, false}},
	"e": {{"6.5", true, true}, {"6.7", true, false}},
	"g": {{"8.1", true, false}},
	"h": {{"9", true, true}},
	"i": {{"10.1", true, false}, {"10.2", false, false}},
	"j": {{"11.7", false, false}},
}

func TestPinnedV2026_2(t *testing.T) {
	currents := []float64{2.5, 2, 1.5, 1, 2, 1, 3, 2, 2.4, 1.8}
	tests := []struct {
		name    string
		f       Factors
		adopted map[string]int
		want    []string
	}{
		{"water board (medium essential, any size: 3, 3, 4)", Factors{Exposure: 3, Likelihood: 3, Impact: 4, Size: "medium", Class: "essential", AnySize: true}, nil, []string{
			"a w=0.764 t=4 gap=1.500 r=9 p=115/269/115/202/63 prop=4 floor=3[documented] proposal=4 adopted=0",
			"b w=0.696 t=4 gap=2.000 r=6 p=143/143/161/187/62 prop=4 floor=0[] proposal=4 adopted=0",
			"c w=0.771 t=4 gap=2.500 r=3 p=63/208/125/313/62 prop=4 floor=0[] proposal=4 adopted=0",
			"d w=0.752 t=4 gap=3.000 r=2 p=173/308/77/144/50 prop=4 floor=0[] proposal=4 adopted=0",
			"e w=0.700 t=4 gap=2.000 r=5 p=180/200/120/150/50 prop=4 floor=3[documented] proposal=4 adopted=0",
			"f w=0.931 t=5 gap=4.000 r=1 p=56/500/83/167/125 prop=5 floor=0[] proposal=5 adopted=0",
			"g w=0.650 t=4 gap=1.000 r=10 p=175/150/175/113/37 prop=4 floor=0[] proposal=4 adopted=0",
			"h w=0.680 t=4 gap=2.000 r=7 p=190/95/71/286/38 prop=4 floor=3[documented] proposal=4 adopted=0",
			"i w=0.779 t=4 gap=1.600 r=8 p=104/333/104/188/50 prop=4 floor=0[] proposal=4 adopted=0",
			"j w=0.642 t=4 gap=2.200 r=4 p=208/83/125/188/38 prop=4 floor=0[] proposal=4 adopted=0",
		}},
		{"small supplier (small important: 2, 2, 2), two adopted targets", Factors{Exposure: 2, Likelihood: 2, Impact: 2, Size: "small", Class: "important"},
			map[string]int{"a": 2, "j": 1, "g": 4}, []string{
				"a w=0.272 t=3 gap=0.500 r=6 p=58/90/57/67/0 prop=2 floor=3[documented] proposal=3 adopted=2",
				"b w=0.262 t=2 gap=0.000 r=9 p=71/48/80/63/0 prop=2 floor=0[] proposal=2 adopted=0",
				"c w=0.267 t=2 gap=0.500 r=7 p=31/69/63/104/0 prop=2 floor=0[] proposal=2 adopted=0",
				"d w=0.276 t=2 gap=1.000 r=2 p=87/103/38/48/0 prop=2 floor=0[] proposal=2 adopted=0",
				"e w=0.267 t=3 gap=1.000 r=3 p=90/67/60/50/0 prop=2 floor=3[documented] proposal=3 adopted=0",
				"f w=0.292 t=2 gap=1.000 r=1 p=28/167/42/55/0 prop=2 floor=0[] proposal=2 adopted=0",
				"g w=0.263 t=4 gap=1.000 r=4 p=88/50/88/37/0 prop=2 floor=0[] proposal=2 adopted=4",
				"h w=0.258 t=3 gap=1.000 r=5 p=95/32/36/95/0 prop=2 floor=3[documented] proposal=3 adopted=0",
				"i w=0.278 t=2 gap=-0.400 r=8 p=52/111/52/63/0 prop=2 floor=0[] proposal=2 adopted=0",
				"j w=0.257 t=1 gap=-0.800 r=10 p=104/28/63/62/0 prop=2 floor=0[] proposal=2 adopted=1",
			}},
		{"hospital (large essential: 5, 4, 5)", Factors{Exposure: 5, Likelihood: 4, Impact: 5, Size: "large", Class: "essential"}, nil, []string{
			"a w=1.000 t=5 gap=2.500 r=9 p=231/269/173/269/58 prop=5 floor=3[documented] proposal=5 adopted=0",
			"b w=0.982 t=5 gap=3.000 r=7 p=286/143/241/250/62 prop=5 floor=0[] proposal=5 adopted=0",
			"c w=1.000 t=5 gap=3.500 r=3 p=125/208/188/417/62 prop=5 floor=0[] proposal=5 adopted=0",
			"d w=1.000 t=5 gap=4.000 r=1 p=346/308/115/192/39 prop=5 floor=0[] proposal=5 adopted=0",
			"e w=0.990 t=5 gap=3.000 r=6 p=360/200/180/200/50 prop=5 floor=3[documented] proposal=5 adopted=0",
			"f w=1.000 t=5 gap=4.000 r=2 p=111/500/125/222/42 prop=5 floor=0[] proposal=5 adopted=0",
			"g w=0.950 t=5 gap=2.000 r=10 p=350/150/263/150/37 prop=5 floor=0[] proposal=5 adopted=0",
			"h w=1.000 t=5 gap=3.000 r=5 p=381/95/107/381/36 prop=5 floor=3[documented] proposal=5 adopted=0",
			"i w=0.998 t=5 gap=2.600 r=8 p=209/333/156/250/50 prop=5 floor=0[] proposal=5 adopted=0",
			"j w=0.975 t=5 gap=3.200 r=4 p=417/83/188/250/37 prop=5 floor=0[] proposal=5 adopted=0",
		}},
		{"micro DNS provider (micro essential, any size, bound: 4, 2, 3)", Factors{Exposure: 4, Likelihood: 2, Impact: 3, Size: "micro", Class: "essential", AnySize: true, RegulationBound: true}, nil, []string{
			"a w=0.697 t=4 gap=1.500 r=8 p=173/269/58/135/62 prop=4 floor=3[documented,regulation_bound] proposal=4 adopted=0",
			"b w=0.625 t=4 gap=2.000 r=6 p=214/143/80/125/63 prop=4 floor=3[regulation_bound] proposal=4 adopted=0",
			"c w=0.635 t=4 gap=2.500 r=3 p=94/208/63/208/62 prop=4 floor=0[] proposal=4 adopted=0",
			"d w=0.752 t=4 gap=3.000 r=2 p=260/308/38/96/50 prop=4 floor=3[regulation_bound] proposal=4 adopted=0",
			"e w=0.680 t=4 gap=2.000 r=4 p=270/200/60/100/50 prop=4 floor=3[documented,regulation_bound] proposal=4 adopted=0",
			"f w=0.861 t=4 gap=3.000 r=1 p=83/500/42/111/125 prop=4 floor=0[] proposal=4 adopted=0",
			"g w=0.613 t=3 gap=0.000 r=10 p=263/150/88/75/37 prop=3 floor=3[regulation_bound] proposal=3 adopted=0",
			"h w=0.645 t=4 gap=2.000 r=5 p=286/95/36/190/38 prop=4 floor=3[documented,regulation_bound] proposal=4 adopted=0",
			"i w=0.717 t=4 gap=1.600 r=7 p=156/334/52/125/50 prop=4 floor=3[regulation_bound] proposal=4 adopted=0",
			"j w=0.621 t=3 gap=1.200 r=9 p=313/83/63/125/37 prop=3 floor=0[] proposal=3 adopted=0",
		}},
		{"medium cloud provider (medium important, bound: 3, 3, 3)", Factors{Exposure: 3, Likelihood: 3, Impact: 3, Size: "medium", Class: "important", RegulationBound: true},
			map[string]int{"f": 2}, []string{
				"a w=0.545 t=3 gap=0.500 r=9 p=115/180/115/135/0 prop=3 floor=3[documented,regulation_bound] proposal=3 adopted=0",
				"b w=0.524 t=3 gap=1.000 r=6 p=143/95/161/125/0 prop=3 floor=3[regulation_bound] proposal=3 adopted=0",
				"c w=0.535 t=3 gap=1.500 r=2 p=63/139/125/208/0 prop=3 floor=0[] proposal=3 adopted=0",
				"d w=0.551 t=3 gap=2.000 r=1 p=173/205/77/96/0 prop=3 floor=3[regulation_bound] proposal=3 adopted=0",
				"e w=0.533 t=3 gap=1.000 r=5 p=180/133/120/100/0 prop=3 floor=3[documented,regulation_bound] proposal=3 adopted=0",
				"f w=0.583 t=2 gap=1.000 r=4 p=56/333/83/111/0 prop=3 floor=0[] proposal=3 adopted=2",
				"g w=0.525 t=3 gap=0.000 r=10 p=175/100/175/75/0 prop=3 floor=3[regulation_bound] proposal=3 adopted=0",
				"h w=0.516 t=3 gap=1.000 r=7 p=191/64/71/190/0 prop=3 floor=3[documented,regulation_bound] proposal=3 adopted=0",
				"i w=0.556 t=3 gap=0.600 r=8 p=104/223/104/125/0 prop=3 floor=3[regulation_bound] proposal=3 adopted=0",
				"j w=0.514 t=3 gap=1.200 r=3 p=208/56/125/125/0 prop=3 floor=0[] proposal=3 adopted=0",
			}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ms := make([]MeasureInput, len(v2026_1Sensitivities))
			for i, m := range v2026_1Sensitivities {
				m.Current = currents[i]
				m.Requirements = v2026_2Requirements[m.Code]
				m.Adopted = tt.adopted[m.Code]
				ms[i] = m
			}
			rs, err := Compute("prop-2026.2", tt.f, ms)
			if err != nil {
				t.Fatal(err)
			}
			for i, r := range rs {
				if r.Version != "prop-2026.2" {
					t.Errorf("%s: version %q", r.Code, r.Version)
				}
				got := pinLine2(r)
				if i >= len(tt.want) {
					t.Errorf("no pin for %s", got)
					continue
				}
				if got != tt.want[i] {
					t.Errorf("prop-2026.2 changed:\n got %s\nwant %s", got, tt.want[i])
				}
			}
		})
	}
}

// TestPinnedV2026_2Digest pins a SHA-256 over 3000 random computations with
// floors, any-size and bound entities and adopted targets.
func TestPinnedV2026_2Digest(t *testing.T) {
	t.Parallel()
	h := sha256.New()
	r := rand.New(rand.NewPCG(20262, 1))
	for range 3000 {
		f, ms := digestInputV2(r)
		rs, err := Compute("prop-2026.2", f, ms)
		if err != nil {
			t.Fatal(err)
		}
		for _, res := range rs {
			fmt.Fprintln(h, pinLine2(res))
		}
	}
	const want = "999c44cd29d5be57834971c54d354468f80a0bdaef699672b00e0886f8c3d61f"
	if got := hex.EncodeToString(h.Sum(nil)); got != want {
		t.Errorf("prop-2026.2 results digest changed: got %s, want %s", got, want)
	}
}

// digestInputV2 draws the inputs of the prop-2026.2 digest; frozen with it.
func digestInputV2(r *rand.Rand) (Factors, []MeasureInput) {
	f, ms := digestInput(r)
	f.AnySize, f.RegulationBound = r.IntN(3) == 0, r.IntN(3) == 0
	for i := range ms {
		for j := range r.IntN(4) {
			ms[i].Requirements = append(ms[i].Requirements, RequirementInput{Code: fmt.Sprintf("%d.%d", i+1, j+1),
				Applicable: r.IntN(4) > 0, Documented: r.IntN(3) == 0})
		}
		if r.IntN(4) == 0 {
			ms[i].Adopted = 1 + r.IntN(5)
		}
	}
	return f, ms
}

// TestFloors checks every legal floor and the adopted target by hand.
// With sensitivity 1 on exposure only and exposure 1, the weight is 0 and the
// proportional target 1, so any higher target comes from a floor.
func TestFloors(t *testing.T) {
	low := Factors{Exposure: 1, Likelihood: 1, Impact: 1, Size: SizeMicro, Class: ClassImportant}
	bound := low
	bound.RegulationBound = true
	onlyExposure := Sensitivity{Exposure: 1}
	doc := RequirementInput{Code: "1.1", Applicable: true, Documented: true}
	docNA := RequirementInput{Code: "1.1", Applicable: false, Documented: true}
	plain := RequirementInput{Code: "1.2", Applicable: true}
	plainNA := RequirementInput{Code: "1.2", Applicable: false}
	tests := []struct {
		name         string
		f            Factors
		reqs         []RequirementInput
		adopted      int
		proportional int
		floor        int
		rules        string
		proposal     int
		target       int
	}{
		{"no requirements, no floor", low, nil, 0, 1, 0, "", 1, 1},
		{"plain applicable requirement, no floor", low, []RequirementInput{plain}, 0, 1, 0, "", 1, 1},
		// A documented policy cannot be met below 3 (defined).
		{"documented requirement → 3", low, []RequirementInput{plain, doc}, 0, 1, 3, "documented", 3, 3},
		// Not applicable (justified, Reg. Art. 2(2)): no floor from it.
		{"documented but not applicable → none", low, []RequirementInput{docNA, plain}, 0, 1, 0, "", 1, 1},
		// Bound by Reg. 2024/2690: 3 on every applicable requirement.
		{"bound, plain applicable requirement → 3", bound, []RequirementInput{plain}, 0, 1, 3, "regulation_bound", 3, 3},
		{"bound, documented too: both rules", bound, []RequirementInput{doc}, 0, 1, 3, "documented,regulation_bound", 3, 3},
		{"bound, nothing applicable → none", bound, []RequirementInput{plainNA, docNA}, 0, 1, 0, "", 1, 1},
		{"bound, no requirements → none", bound, nil, 0, 1, 0, "", 1, 1},
		// The management body may adopt a lower target than the advice, but
		// never below the floor.
		{"adopted below the floor → floor", low, []RequirementInput{doc}, 2, 1, 3, "documented", 3, 3},
		{"adopted above the advice", low, []RequirementInput{doc}, 5, 1, 3, "documented", 3, 5},
		{"adopted below the advice, no floor", Factors{Exposure: 5, Likelihood: 1, Impact: 1, Size: SizeMicro, Class: ClassImportant},
			[]RequirementInput{plain}, 2, 5, 0, "", 5, 2},
		// A floor never caps: exposure 5 gives weight 1, target 5.
		{"proportional above the floor", Factors{Exposure: 5, Likelihood: 1, Impact: 1, Size: SizeMicro, Class: ClassImportant, RegulationBound: true},
			[]RequirementInput{doc}, 0, 5, 3, "documented,regulation_bound", 5, 5},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			rs, err := Compute("prop-2026.2", tt.f, []MeasureInput{{Code: "a", Current: 1, Sensitivity: onlyExposure, Requirements: tt.reqs, Adopted: tt.adopted}})
			if err != nil {
				t.Fatal(err)
			}
			r := rs[0]
			var rules []string
			for _, f := range r.Floors {
				rules = append(rules, f.Rule)
				if !strings.Contains(r.Explanation.Render(i18n.EN), f.Text.Render(i18n.EN)) || !strings.Contains(r.Explanation.Render(i18n.NL), f.Text.Render(i18n.NL)) {
					t.Errorf("explanation does not name floor %s:\n%s", f.Rule, r.Explanation.Render(i18n.EN))
				}
			}
			if r.Proportional != tt.proportional || r.Floor != tt.floor || strings.Join(rules, ",") != tt.rules || r.Proposal != tt.proposal || r.Target != tt.target {
				t.Errorf("got proportional %d floor %d [%s] proposal %d target %d; want %d %d [%s] %d %d",
					r.Proportional, r.Floor, strings.Join(rules, ","), r.Proposal, r.Target, tt.proportional, tt.floor, tt.rules, tt.proposal, tt.target)
			}
		})
	}

	// The documented floor names the requirements in the reader's language.
	rs, _ := Compute("prop-2026.2", low, []MeasureInput{{Code: "a", Sensitivity: onlyExposure, Requirements: []RequirementInput{doc, {Code: "2.1", Applicable: true, Documented: true}}}})
	if en := rs[0].Floors[0].Text.Render(i18n.EN); !strings.Contains(en, "requirement 1.1, 2.1 asks for a documented policy, procedure or plan") || !strings.Contains(en, "level 3 (defined)") {
		t.Errorf("documented floor text: %s", en)
	}
	if nl := rs[0].Floors[0].Text.Render(i18n.NL); !strings.Contains(nl, "regel ‘gedocumenteerd’") || !strings.Contains(nl, "niveau 3 (gedefinieerd)") {
		t.Errorf("documented floor text (nl): %s", nl)
	}

	// prop-2026.1 knows no floors: the same input keeps its old target.
	old, _ := Compute("prop-2026.1", bound, []MeasureInput{{Code: "a", Sensitivity: onlyExposure, Requirements: []RequirementInput{doc}, Adopted: 5}})
	if old[0].Target != 1 || old[0].Floor != 0 || old[0].Proposal != 1 {
		t.Errorf("prop-2026.1 applied a floor or adoption: %+v", old[0])
	}
}

// TestAnySize: for an any-size type (micro DNS, TLD, qualified trust
// service provider) size never lowers the target: a micro entity of such a
// type gets exactly the targets of a large one, and the explanation says why.
func TestAnySize(t *testing.T) {
	var ms []MeasureInput
	for _, d := range Defaults() {
		ms = append(ms, MeasureInput{Code: d.Code, Current: 2, Sensitivity: d.Sensitivity})
	}
	for _, size := range []Size{SizeMicro, SizeSmall, SizeMedium, SizeLarge} {
		f := Factors{Exposure: 4, Likelihood: 2, Impact: 3, Size: size, Class: ClassEssential, AnySize: true}
		large := f
		large.Size, large.AnySize = SizeLarge, false
		got, err := Compute("prop-2026.2", f, ms)
		if err != nil {
			t.Fatal(err)
		}
		want, _ := Compute("prop-2026.2", large, ms)
		for i := range got {
			if got[i].Target != want[i].Target || got[i].Weight != want[i].Weight {
				t.Errorf("%s %s: target %d weight %v, a large entity gets %d %v", size, got[i].Code, got[i].Target, got[i].Weight, want[i].Target, want[i].Weight)
			}
			if got[i].Contributions[1].Input != string(size) {
				t.Errorf("%s: size input shown as %q", got[i].Code, got[i].Contributions[1].Input)
			}
			if !strings.Contains(got[i].Explanation.Render(i18n.EN), "Rule ‘any size’") || !strings.Contains(got[i].Contributions[1].Text.Render(i18n.NL), "ongeacht de omvang") {
				t.Errorf("%s: any-size rule not explained:\n%s", got[i].Code, got[i].Explanation.Render(i18n.EN))
			}
		}
	}
	// Hand check, measure f (sensitivities .2/.9/.3/.4, class 1; Σs = 1.8),
	// micro DNS provider, exposure 4, likelihood 2, impact 3: size counts as
	// 1, so weight = (.2·.75 + .9·1 + .3·.25 + .4·.5)/1.8 + 1/8 = 1.325/1.8 +
	// .125 = .861; target 1 + round(3.444) = 4 (prop-2026.1 gave 2).
	rs, _ := Compute("prop-2026.2", Factors{Exposure: 4, Likelihood: 2, Impact: 3, Size: SizeMicro, Class: ClassEssential, AnySize: true},
		[]MeasureInput{{Code: "f", Sensitivity: Sensitivity{Exposure: .2, Size: .9, Likelihood: .3, Impact: .4, Class: 1}}})
	if rs[0].Weight != .861 || rs[0].Target != 4 {
		t.Errorf("micro DNS f: weight %v target %d, want 0.861 and 4", rs[0].Weight, rs[0].Target)
	}
}
