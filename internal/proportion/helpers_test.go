package proportion

import (
	"github.com/weerbaar/weerbaar/internal/i18n"
	"math"
	"math/rand/v2"
	"slices"
	"strings"
	"testing"
)

// checkResults asserts the invariants every valid computation must satisfy.
func checkResults(t testing.TB, f Factors, ms []MeasureInput, rs []Result) {
	t.Helper()
	if len(rs) != len(ms) {
		t.Fatalf("got %d results for %d measures", len(rs), len(ms))
	}
	ranks := make([]int, 0, len(rs))
	for i, r := range rs {
		m := ms[i]
		if r.Code != m.Code {
			t.Fatalf("result %d has code %q, want %q (input order)", i, r.Code, m.Code)
		}
		if r.Version != CurrentVersion {
			t.Errorf("%s: version %q", r.Code, r.Version)
		}
		if !(r.Weight >= 0 && r.Weight <= 1) {
			t.Errorf("%s: weight %v outside [0,1]", r.Code, r.Weight)
		}
		wm := math.Round(r.Weight * 1000)
		if r.Weight != wm/1000 {
			t.Errorf("%s: weight %v is not a multiple of 0.001", r.Code, r.Weight)
		}
		if r.Target < 1 || r.Target > 5 {
			t.Errorf("%s: target %d outside 1..5", r.Code, r.Target)
		}
		// The displayed weight decides the proportional target:
		// 1 + round-half-up(4·weight); the legal floor and the adopted target
		// (prop-2026.2) decide the rest.
		prop := 1 + (4*int(wm)+500)/1000
		if r.Proportional != prop {
			t.Errorf("%s: proportional target %d, but 1+round(4×%v) = %d", r.Code, r.Proportional, r.Weight, prop)
		}
		floor := wantFloor(f, m)
		if r.Floor != floor || r.Proposal != max(prop, floor) {
			t.Errorf("%s: floor %d proposal %d, want %d and %d", r.Code, r.Floor, r.Proposal, floor, max(prop, floor))
		}
		wantTarget := max(prop, floor)
		if m.Adopted > 0 {
			wantTarget = max(m.Adopted, floor)
		}
		if r.Target != wantTarget || r.Adopted != m.Adopted {
			t.Errorf("%s: target %d (adopted %d), want %d", r.Code, r.Target, m.Adopted, wantTarget)
		}
		for _, fl := range r.Floors {
			if fl.Level != 3 || !strings.Contains(r.Explanation.Render(i18n.EN), fl.Text.Render(i18n.EN)) || fl.Text.Key != "prop.floor."+fl.Rule {
				t.Errorf("%s: floor %+v not named in the explanation", r.Code, fl)
			}
		}
		if r.Current != m.Current || r.Gap != float64(r.Target)-m.Current {
			t.Errorf("%s: current %v gap %v, want %v and %v", r.Code, r.Current, r.Gap, m.Current, float64(r.Target)-m.Current)
		}
		if r.Shortfall() != math.Max(0, r.Gap) {
			t.Errorf("%s: shortfall %v for gap %v", r.Code, r.Shortfall(), r.Gap)
		}
		if len(r.Contributions) != 5 {
			t.Fatalf("%s: %d contributions", r.Code, len(r.Contributions))
		}
		var sum float64
		for k, c := range r.Contributions {
			if c.Factor != factorOrder[k] {
				t.Errorf("%s: contribution %d is %q, want %q", r.Code, k, c.Factor, factorOrder[k])
			}
			if c.Points < 0 || c.Points != math.Round(c.Points*1000)/1000 {
				t.Errorf("%s: %s points %v not a non-negative multiple of 0.001", r.Code, c.Factor, c.Points)
			}
			if !strings.HasPrefix(c.Text.Key, "prop.") || c.Input == "" {
				t.Errorf("%s: %s contribution lacks input or text", r.Code, c.Factor)
			}
			sum += c.Points * 1000
		}
		if math.Round(sum) != wm {
			t.Errorf("%s: points add up to %v thousandths, weight is %v", r.Code, sum, wm)
		}
		if f.Class == ClassImportant && r.Contributions[4].Points != 0 {
			t.Errorf("%s: important entity got class points %v", r.Code, r.Contributions[4].Points)
		}
		if !strings.Contains(r.Explanation.Render(i18n.EN), fmtMilli(int64(wm), en)) || !strings.Contains(r.Explanation.Render(i18n.NL), fmtMilli(int64(wm), nl)) {
			t.Errorf("%s: explanations do not show the weight:\n%s\n%s", r.Code, r.Explanation.Render(i18n.EN), r.Explanation.Render(i18n.NL))
		}
		ranks = append(ranks, r.Rank)
	}
	slices.Sort(ranks)
	for i, r := range ranks {
		if r != i+1 {
			t.Fatalf("ranks %v are not a permutation of 1..%d", ranks, len(rs))
		}
	}
	// Ranking order: score = shortfall·(0.5+weight) descending, then weight
	// descending, then code.
	byRank := slices.Clone(rs)
	slices.SortFunc(byRank, func(a, b Result) int { return a.Rank - b.Rank })
	for i := 1; i < len(byRank); i++ {
		a, b := byRank[i-1], byRank[i]
		sa := max(0, int64(a.Target)*1000-milli(a.Current)) * (500 + milli(a.Weight))
		sb := max(0, int64(b.Target)*1000-milli(b.Current)) * (500 + milli(b.Weight))
		if sa < sb || sa == sb && (a.Weight < b.Weight || a.Weight == b.Weight && a.Code > b.Code) {
			t.Errorf("rank %d (%s, score %d) before rank %d (%s, score %d) breaks the ordering", a.Rank, a.Code, sa, b.Rank, b.Code, sb)
		}
	}
}

// wantFloor states the legal floors of prop-2026.2 independently of the
// engine: 3 when an applicable requirement is documented, or when the entity
// is bound by Reg. 2024/2690 and any requirement applies; else 0.
func wantFloor(f Factors, m MeasureInput) int {
	for _, r := range m.Requirements {
		if r.Applicable && (r.Documented || f.RegulationBound) {
			return 3
		}
	}
	return 0
}

// raisedVariants returns f with each single factor raised by one step, where
// possible, named for failure messages.
func raisedVariants(f Factors) map[string]Factors {
	out := map[string]Factors{}
	if !f.AnySize {
		g := f
		g.AnySize = true
		out["any-size type"] = g
	}
	if !f.RegulationBound {
		g := f
		g.RegulationBound = true
		out["bound by Reg. 2024/2690"] = g
	}
	if f.Exposure < 5 {
		g := f
		g.Exposure++
		out["exposure+1"] = g
	}
	if f.Likelihood < 5 {
		g := f
		g.Likelihood++
		out["likelihood+1"] = g
	}
	if f.Impact < 5 {
		g := f
		g.Impact++
		out["impact+1"] = g
	}
	sizes := []Size{SizeMicro, SizeSmall, SizeMedium, SizeLarge}
	if i := slices.Index(sizes, f.Size); i >= 0 && i < 3 {
		g := f
		g.Size = sizes[i+1]
		out["size+1"] = g
	}
	if f.Class == ClassImportant {
		g := f
		g.Class = ClassEssential
		out["important→essential"] = g
	}
	return out
}

// checkMonotone asserts that raising any single factor never lowers any
// target (nor any weight), which by induction covers any raise.
func checkMonotone(t testing.TB, f Factors, ms []MeasureInput, base []Result) {
	t.Helper()
	for name, g := range raisedVariants(f) {
		raised, err := Compute(CurrentVersion, g, ms)
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		for i := range base {
			if raised[i].Target < base[i].Target || raised[i].Weight < base[i].Weight {
				t.Errorf("%s lowered measure %s: target %d→%d, weight %v→%v (factors %+v, sensitivity %+v)",
					name, base[i].Code, base[i].Target, raised[i].Target, base[i].Weight, raised[i].Weight, f, ms[i].Sensitivity)
			}
		}
	}
	// More duties never lower a target either: every requirement applicable
	// and documented.
	duties := make([]MeasureInput, len(ms))
	for i, m := range ms {
		m.Requirements = slices.Clone(m.Requirements)
		for j := range m.Requirements {
			m.Requirements[j].Applicable, m.Requirements[j].Documented = true, true
		}
		duties[i] = m
	}
	raised, err := Compute(CurrentVersion, f, duties)
	if err != nil {
		t.Fatal(err)
	}
	for i := range base {
		if raised[i].Target < base[i].Target {
			t.Errorf("documenting requirements lowered measure %s: target %d→%d", base[i].Code, base[i].Target, raised[i].Target)
		}
	}
}

var allCodes = []string{"a", "b", "c", "d", "e", "f", "g", "h", "i", "j"}

// randomInput draws valid factors and 1..10 measures. Sensitivities and
// current values are often on "round" values (0, 0.5, 1, .1 steps) because
// those are where rounding boundaries hide.
func randomInput(r *rand.Rand) (Factors, []MeasureInput) {
	sizes := []Size{SizeMicro, SizeSmall, SizeMedium, SizeLarge}
	classes := []Class{ClassImportant, ClassEssential}
	f := Factors{
		Exposure: 1 + r.IntN(5), Likelihood: 1 + r.IntN(5), Impact: 1 + r.IntN(5),
		Size: sizes[r.IntN(4)], Class: classes[r.IntN(2)],
		AnySize: r.IntN(4) == 0, RegulationBound: r.IntN(4) == 0,
	}
	sens := func() float64 {
		switch r.IntN(4) {
		case 0:
			return float64(r.IntN(3)) / 2 // 0, 0.5, 1
		case 1:
			return float64(r.IntN(11)) / 10
		case 2:
			return 0
		default:
			return r.Float64()
		}
	}
	codes := slices.Clone(allCodes)
	r.Shuffle(len(codes), func(i, j int) { codes[i], codes[j] = codes[j], codes[i] })
	ms := make([]MeasureInput, 1+r.IntN(10))
	for i := range ms {
		cur := float64(r.IntN(21)) / 4 // 0, 0.25, …, 5
		if r.IntN(3) == 0 {
			cur = r.Float64() * 5
		}
		ms[i] = MeasureInput{
			Code: codes[i], Current: cur,
			Sensitivity: Sensitivity{Exposure: sens(), Size: sens(), Likelihood: sens(), Impact: sens(), Class: sens()},
		}
		for j := range r.IntN(4) {
			ms[i].Requirements = append(ms[i].Requirements, RequirementInput{Code: codes[i] + "." + string(rune('1'+j)),
				Applicable: r.IntN(4) > 0, Documented: r.IntN(3) == 0})
		}
		if r.IntN(3) == 0 {
			ms[i].Adopted = 1 + r.IntN(5)
		}
	}
	return f, ms
}

func nan() float64 { return math.NaN() }
func inf() float64 { return math.Inf(1) }
