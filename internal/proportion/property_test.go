package proportion

import (
	"math/rand/v2"
	"reflect"
	"slices"
	"testing"
)

// TestProperties draws many random valid inputs (fixed seeds, so a failure
// reproduces) and checks: weight ∈ [0,1], target ∈ [1,5] and the other result
// invariants; raising any single factor never lowers any target; essential ≥
// important for equal inputs; determinism and independence of input order;
// ranks a permutation of 1..n.
func TestProperties(t *testing.T) {
	t.Parallel()
	for seed := uint64(1); seed <= 4; seed++ {
		r := rand.New(rand.NewPCG(seed, 2026))
		for range 500 {
			f, ms := randomInput(r)
			rs, err := Compute(CurrentVersion, f, ms)
			if err != nil {
				t.Fatalf("seed %d: valid input rejected: %v (%+v %+v)", seed, err, f, ms)
			}
			checkResults(t, f, ms, rs)
			checkMonotone(t, f, ms, rs)
			checkClassOrder(t, f, ms, rs)
			checkDeterministic(t, f, ms, rs, r)
			if t.Failed() {
				t.Fatalf("seed %d: failing input %+v %+v", seed, f, ms)
			}
		}
	}
}

// checkClassOrder: for equal inputs an essential entity's targets (and
// weights) are never below an important one's.
func checkClassOrder(t testing.TB, f Factors, ms []MeasureInput, rs []Result) {
	t.Helper()
	other := f
	if f.Class == ClassEssential {
		other.Class = ClassImportant
	} else {
		other.Class = ClassEssential
	}
	os, err := Compute(CurrentVersion, other, ms)
	if err != nil {
		t.Fatal(err)
	}
	ess, imp := rs, os
	if f.Class == ClassImportant {
		ess, imp = os, rs
	}
	for i := range ess {
		if ess[i].Target < imp[i].Target || ess[i].Weight < imp[i].Weight {
			t.Errorf("measure %s: essential target %d (weight %v) below important %d (%v)",
				ess[i].Code, ess[i].Target, ess[i].Weight, imp[i].Target, imp[i].Weight)
		}
	}
}

// checkDeterministic: the same inputs give identical results, and shuffling
// the measures only shuffles the results (rank included).
func checkDeterministic(t testing.TB, f Factors, ms []MeasureInput, rs []Result, r *rand.Rand) {
	t.Helper()
	again, err := Compute(CurrentVersion, f, slices.Clone(ms))
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(rs, again) {
		t.Errorf("same input, different results:\n%+v\n%+v", rs, again)
	}
	perm := r.Perm(len(ms))
	shuffled := make([]MeasureInput, len(ms))
	for i, p := range perm {
		shuffled[i] = ms[p]
	}
	ss, err := Compute(CurrentVersion, f, shuffled)
	if err != nil {
		t.Fatal(err)
	}
	for i, p := range perm {
		if !reflect.DeepEqual(ss[i], rs[p]) {
			t.Errorf("measure %s changed when the input order changed:\n%+v\n%+v", rs[p].Code, rs[p], ss[i])
		}
	}
}

// TestMonotoneExhaustive walks every combination of factor values for the
// default sensitivities and checks monotonicity in each factor and the class
// order: 5·5·5·4·2 = 1000 entities × 10 measures.
func TestMonotoneExhaustive(t *testing.T) {
	t.Parallel()
	var ms []MeasureInput
	for _, d := range Defaults() {
		ms = append(ms, MeasureInput{Code: d.Code, Current: 2, Sensitivity: d.Sensitivity})
	}
	for e := 1; e <= 5; e++ {
		for l := 1; l <= 5; l++ {
			for i := 1; i <= 5; i++ {
				for _, s := range []Size{SizeMicro, SizeSmall, SizeMedium, SizeLarge} {
					for _, c := range []Class{ClassImportant, ClassEssential} {
						f := Factors{Exposure: e, Likelihood: l, Impact: i, Size: s, Class: c}
						rs, err := Compute(CurrentVersion, f, ms)
						if err != nil {
							t.Fatal(err)
						}
						checkResults(t, f, ms, rs)
						checkMonotone(t, f, ms, rs)
						checkClassOrder(t, f, ms, rs)
					}
				}
			}
		}
	}
	// The extremes span the whole scale with the defaults.
	lo, _ := Compute(CurrentVersion, Factors{1, 1, 1, SizeMicro, ClassImportant, false, false}, ms)
	hi, _ := Compute(CurrentVersion, Factors{5, 5, 5, SizeLarge, ClassEssential, false, false}, ms)
	for i := range ms {
		if lo[i].Target != 1 || hi[i].Target != 5 {
			t.Errorf("%s: targets %d..%d at the extremes, want 1..5", ms[i].Code, lo[i].Target, hi[i].Target)
		}
	}
}
