package risk

import (
	"math/rand/v2"
	"testing"
)

func TestResidual(t *testing.T) {
	m := DefaultMatrix()
	lk := func(e Effectiveness) ControlEffect {
		return ControlEffect{Effectiveness: e, Reduces: ReducesLikelihood}
	}
	im := func(e Effectiveness) ControlEffect { return ControlEffect{Effectiveness: e, Reduces: ReducesImpact} }
	for _, tc := range []struct {
		name      string
		l, i      int
		controls  []ControlEffect
		wantL     int
		wantI     int
		wantLevel Level
	}{
		{"no controls keeps the inherent risk", 5, 5, nil, 5, 5, Critical},
		{"an ineffective control changes nothing", 5, 5, []ControlEffect{lk(EffNone)}, 5, 5, Critical},
		{"limited lowers one step", 5, 4, []ControlEffect{lk(EffLimited)}, 4, 4, Critical},
		{"moderate lowers two steps", 5, 4, []ControlEffect{lk(EffModerate)}, 3, 4, High},
		{"strong lowers three steps", 5, 4, []ControlEffect{lk(EffStrong)}, 2, 4, Medium},
		{"weak controls do not add up", 5, 5, []ControlEffect{lk(EffLimited), lk(EffLimited), lk(EffLimited)}, 4, 5, Critical},
		{"two solid controls add one step", 5, 5, []ControlEffect{lk(EffModerate), lk(EffModerate)}, 2, 5, High},
		{"impact controls lower the impact", 4, 5, []ControlEffect{im(EffStrong)}, 4, 2, Medium},
		{"both axes", 5, 5, []ControlEffect{lk(EffStrong), im(EffModerate)}, 2, 3, Medium},
		{"never below 1", 2, 2, []ControlEffect{lk(EffStrong), lk(EffStrong), im(EffStrong)}, 1, 1, Low},
		{"invalid grades are ignored", 3, 3, []ControlEffect{{Effectiveness: 7, Reduces: ReducesLikelihood}, {Effectiveness: EffStrong, Reduces: "x"}}, 3, 3, Medium},
	} {
		t.Run(tc.name, func(t *testing.T) {
			l, i, lv, err := Residual(m, tc.l, tc.i, tc.controls)
			if err != nil || l != tc.wantL || i != tc.wantI || lv != tc.wantLevel {
				t.Errorf("Residual(%d, %d) = %d, %d, %v, %v; want %d, %d, %v", tc.l, tc.i, l, i, lv, err, tc.wantL, tc.wantI, tc.wantLevel)
			}
		})
	}
	if _, _, _, err := Residual(m, 0, 3, nil); err == nil {
		t.Error("Residual accepted likelihood 0")
	}
	if _, _, _, err := Residual(m, 3, 6, nil); err == nil {
		t.Error("Residual accepted impact 6")
	}
}

// randomMonotone is a random monotone matrix: each cell the max of its
// lower neighbours and a random level.
func randomMonotoneMatrix(r *rand.Rand) Matrix {
	var m Matrix
	for l := 0; l < ScaleMax; l++ {
		for i := 0; i < ScaleMax; i++ {
			v := Level(1 + r.IntN(4))
			if l > 0 {
				v = max(v, m[l-1][i])
			}
			if i > 0 {
				v = max(v, m[l][i-1])
			}
			m[l][i] = v
		}
	}
	return m
}

// TestResidualProperties checks, over random monotone matrices and random
// controls: the residual is never above the inherent risk on either axis or
// in level, stays on the scale, and adding a control or improving one never
// raises it (monotonicity in the controls).
func TestResidualProperties(t *testing.T) {
	r := rand.New(rand.NewPCG(17, 2026))
	axes := []Reduces{ReducesLikelihood, ReducesImpact}
	for n := 0; n < 5000; n++ {
		m := randomMonotoneMatrix(r)
		if !m.Monotone() {
			t.Fatalf("generator made a non-monotone matrix %s", m)
		}
		l, i := 1+r.IntN(5), 1+r.IntN(5)
		var cs []ControlEffect
		for k := r.IntN(5); k > 0; k-- {
			cs = append(cs, ControlEffect{Effectiveness: Effectiveness(r.IntN(4)), Reduces: axes[r.IntN(2)]})
		}
		rl, ri, lv, err := Residual(m, l, i, cs)
		if err != nil {
			t.Fatal(err)
		}
		inherent, _ := m.Score(l, i)
		if rl < 1 || ri < 1 || rl > l || ri > i || lv > inherent || !lv.Valid() {
			t.Fatalf("matrix %s (%d, %d) %v: residual (%d, %d) %v above inherent %v or off the scale", m, l, i, cs, rl, ri, lv, inherent)
		}
		more := append(append([]ControlEffect(nil), cs...), ControlEffect{Effectiveness: Effectiveness(r.IntN(4)), Reduces: axes[r.IntN(2)]})
		ml, mi, mlv, _ := Residual(m, l, i, more)
		if ml > rl || mi > ri || mlv > lv {
			t.Fatalf("matrix %s (%d, %d): adding a control raised the residual from (%d, %d) %v to (%d, %d) %v", m, l, i, rl, ri, lv, ml, mi, mlv)
		}
		if len(cs) > 0 {
			better := append([]ControlEffect(nil), cs...)
			k := r.IntN(len(better))
			if better[k].Effectiveness < EffStrong {
				better[k].Effectiveness++
			}
			bl, bi, blv, _ := Residual(m, l, i, better)
			if bl > rl || bi > ri || blv > lv {
				t.Fatalf("matrix %s (%d, %d): a better control raised the residual", m, l, i)
			}
		}
		// A higher inherent risk never gets a lower residual with the same controls.
		if l < ScaleMax {
			hl, hi, hlv, _ := Residual(m, l+1, i, cs)
			if hl < rl || hi < ri || hlv < lv {
				t.Fatalf("matrix %s: a higher inherent likelihood lowered the residual", m)
			}
		}
	}
}
