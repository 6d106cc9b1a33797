package risk

// Effectiveness is how well an existing control works against a scenario,
// as assessed in step 3: it lowers the likelihood or the impact by that
// many steps of the 5-point scale.
type Effectiveness int

// The four effectiveness grades.
const (
	EffNone     Effectiveness = 0
	EffLimited  Effectiveness = 1
	EffModerate Effectiveness = 2
	EffStrong   Effectiveness = 3
)

// Effectivenesses lists the grades from none to strong.
var Effectivenesses = []Effectiveness{EffNone, EffLimited, EffModerate, EffStrong}

// Valid reports whether e is one of the four grades.
func (e Effectiveness) Valid() bool { return e >= EffNone && e <= EffStrong }

// Key is the grade's stable name ("risk.effectiveness.moderate").
func (e Effectiveness) Key() string {
	switch e {
	case EffNone:
		return "none"
	case EffLimited:
		return "limited"
	case EffModerate:
		return "moderate"
	case EffStrong:
		return "strong"
	}
	return "unknown"
}

// Reduces says what a control lowers: preventive controls the likelihood,
// detective and recovery controls (backups, continuity) the impact.
type Reduces string

// What a control reduces.
const (
	ReducesLikelihood Reduces = "likelihood"
	ReducesImpact     Reduces = "impact"
)

// Valid reports whether r is likelihood or impact.
func (r Reduces) Valid() bool { return r == ReducesLikelihood || r == ReducesImpact }

// ControlEffect is one control's assessed effect on a scenario.
type ControlEffect struct {
	Effectiveness Effectiveness
	Reduces       Reduces
}

// Residual returns the residual likelihood, impact and level of a scenario
// with inherent likelihood l and impact i under matrix m, given its existing
// controls. The strongest control on each axis counts (controls on one axis
// overlap rather than add up, so stacking weak controls cannot talk a risk
// down), and a second control of at least moderate effectiveness on the
// same axis adds one more step, for defence in depth. Neither axis drops
// below 1. Because m is monotone and both axes only go down, the residual
// level is never above the inherent one.
func Residual(m Matrix, l, i int, controls []ControlEffect) (rl, ri int, level Level, err error) {
	if _, err := m.Score(l, i); err != nil {
		return 0, 0, 0, err
	}
	step := func(axis Reduces) int {
		best, solid := 0, 0
		for _, c := range controls {
			if c.Reduces != axis || !c.Effectiveness.Valid() {
				continue
			}
			e := int(c.Effectiveness)
			best = max(best, e)
			if c.Effectiveness >= EffModerate {
				solid++
			}
		}
		if solid >= 2 {
			best++
		}
		return best
	}
	rl, ri = max(1, l-step(ReducesLikelihood)), max(1, i-step(ReducesImpact))
	level, err = m.Score(rl, ri)
	return rl, ri, level, err
}
