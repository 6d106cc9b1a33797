package proportion

import (
	"errors"
	"math"
	"reflect"
	"testing"
)

// FuzzCompute feeds arbitrary factors and measures to Compute. It must never
// panic; invalid input must be rejected with ErrInvalid (and valid input
// accepted), and on valid input every property of the model must hold.
//
// Measures are decoded from raw, 7 bytes each: code (byte%12 → "a".."l", so
// some are unknown), five sensitivities (byte/250, so some exceed 1) and the
// current maturity (byte/50, so some exceed 5). Each measure gets one
// requirement whose applicability and documented flag are bits of the code
// byte. cur0 replaces the first measure's current value to reach NaN,
// infinities and negatives; adopted%7 is the first measure's adopted target
// (6 is invalid).
func FuzzCompute(f *testing.F) {
	f.Add(3, 3, 4, "medium", "essential", false, false, []byte{0, 150, 175, 150, 175, 125, 125, 1, 200, 100, 225, 175, 125, 100}, 2.5, byte(0))
	f.Add(1, 1, 1, "micro", "important", false, false, []byte{9, 0, 0, 0, 0, 0, 0}, 0.0, byte(0))
	f.Add(5, 5, 5, "large", "essential", false, false, []byte{5, 250, 250, 250, 250, 250, 250}, 5.0, byte(0))
	f.Add(0, 6, 3, "huge", "critical", false, false, []byte{11, 255, 1, 2, 3, 4, 255}, math.NaN(), byte(6))
	f.Add(2, 1, 1, "small", "important", false, false, []byte{2, 25, 0, 25, 0, 0, 62, 2, 25, 0, 25, 0, 0, 62}, -1.0, byte(0))
	f.Add(4, 2, 3, "micro", "essential", true, true, []byte{36, 150, 175, 150, 175, 125, 125, 13, 200, 100, 225, 175, 125, 100}, 1.0, byte(2))
	f.Add(1, 1, 1, "small", "important", false, false, []byte{36, 0, 0, 0, 0, 0, 0}, 0.0, byte(1))
	f.Fuzz(func(t *testing.T, exposure, likelihood, impact int, size, class string, anySize, bound bool, raw []byte, cur0 float64, adopted byte) {
		fs := Factors{Exposure: exposure, Likelihood: likelihood, Impact: impact, Size: Size(size), Class: Class(class),
			AnySize: anySize, RegulationBound: bound}
		var ms []MeasureInput
		for i := 0; i+7 <= len(raw) && len(ms) < 12; i += 7 {
			b := raw[i : i+7]
			ms = append(ms, MeasureInput{
				Code:    string(rune('a' + b[0]%12)),
				Current: float64(b[6]) / 50,
				Sensitivity: Sensitivity{
					Exposure: float64(b[1]) / 250, Size: float64(b[2]) / 250,
					Likelihood: float64(b[3]) / 250, Impact: float64(b[4]) / 250, Class: float64(b[5]) / 250,
				},
				Requirements: []RequirementInput{{Code: "1.1", Applicable: b[0]/12%2 == 1, Documented: b[0]/24%2 == 1}},
			})
		}
		if len(ms) > 0 {
			ms[0].Current = cur0
			ms[0].Adopted = int(adopted % 7)
		}

		rs, err := Compute(CurrentVersion, fs, ms)
		if valid := isValid(fs, ms); !valid {
			if !errors.Is(err, ErrInvalid) {
				t.Fatalf("invalid input accepted or wrongly rejected: %v (%+v %+v)", err, fs, ms)
			}
			return
		}
		if err != nil {
			t.Fatalf("valid input rejected: %v (%+v %+v)", err, fs, ms)
		}
		checkResults(t, fs, ms, rs)
		checkMonotone(t, fs, ms, rs)
		checkClassOrder(t, fs, ms, rs)
		again, _ := Compute(CurrentVersion, fs, ms)
		for i := range rs {
			if rs[i].Weight != again[i].Weight || rs[i].Target != again[i].Target || rs[i].Rank != again[i].Rank ||
				!reflect.DeepEqual(rs[i].Explanation, again[i].Explanation) {
				t.Fatalf("not deterministic for %s", rs[i].Code)
			}
		}
		// The remembered answer is the engine's own, and a caller changing
		// its copy changes no later answer.
		if fresh := engines[CurrentVersion](fs, ms); !reflect.DeepEqual(again, fresh) {
			t.Fatalf("remembered results differ from the engine's: %+v, want %+v", again, fresh)
		}
		for i := range again {
			again[i].Target, again[i].Code = -1, "changed"
		}
		if third, _ := Compute(CurrentVersion, fs, ms); !reflect.DeepEqual(third, rs) {
			t.Fatalf("a caller's change reached the remembered results: %+v", third)
		}
	})
}

// isValid is an independent statement of the input rules, to check Validate.
func isValid(f Factors, ms []MeasureInput) bool {
	in := func(v, lo, hi float64) bool { return v >= lo && v <= hi }
	if !in(float64(f.Exposure), 1, 5) || !in(float64(f.Likelihood), 1, 5) || !in(float64(f.Impact), 1, 5) {
		return false
	}
	switch f.Size {
	case "micro", "small", "medium", "large":
	default:
		return false
	}
	if f.Class != "essential" && f.Class != "important" {
		return false
	}
	seen := map[string]bool{}
	for _, m := range ms {
		if len(m.Code) != 1 || m.Code[0] < 'a' || m.Code[0] > 'j' || seen[m.Code] || !in(m.Current, 0, 5) || m.Adopted < 0 || m.Adopted > 5 {
			return false
		}
		seen[m.Code] = true
		s := m.Sensitivity
		for _, v := range []float64{s.Exposure, s.Size, s.Likelihood, s.Impact, s.Class} {
			if !in(v, 0, 1) {
				return false
			}
		}
	}
	return true
}
