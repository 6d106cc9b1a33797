package proportion

import (
	"cmp"
	"slices"
	"strconv"
	"strings"

	"github.com/weerbaar/weerbaar/internal/i18n"
)

// Engine version prop-2026.2. FROZEN once released, like prop-2026.1: a
// change in the numbers it produces must become a new version.
//
// It computes the weight exactly as prop-2026.1 and adds what proportionality
// may never argue away, plus the management body's decision:
//
//	n_size       = 1 (large) when the entity is of an any-size type
//	               (Factors.AnySize): size never lowers its target
//	proportional = 1 + round-half-up(4 · weight)            (prop-2026.1's target)
//	floor        = 3 when an applicable requirement of the measure is worded
//	               as a documented policy, procedure or plan, or when the
//	               entity is bound by Reg. 2024/2690 and the measure has an
//	               applicable requirement; else 0
//	proposal     = max(proportional, floor)                  the advice
//	target       = proposal, or max(adopted, floor) when the management body
//	               adopted a target (Art. 20(1) NIS2)
//	rank         by shortfall(target)·(0.5 + weight) descending, then weight
//	             descending, then code ascending
//
// Every step is non-decreasing in every factor and in the flags, so raising
// an input (or adding a duty) never lowers a target.

// floorLevel is the maturity a legal floor guarantees: 3, "defined" — laid
// down in policy or procedures, with an owner, and carried out that way.
const floorLevel = 3

func computeV2026_2(f Factors, measures []MeasureInput) []Result {
	n := [4]int64{levelTwelfths(f.Exposure), sizeTwelfths[f.Size], levelTwelfths(f.Likelihood), levelTwelfths(f.Impact)}
	if f.AnySize {
		n[1] = sizeTwelfths[SizeLarge]
	}
	essential := f.Class == ClassEssential

	type work struct {
		weightMilli, score int64
		code               string
		idx                int
	}
	results := make([]Result, len(measures))
	order := make([]work, len(measures))
	details := make([]v1Detail, len(measures))

	for i, m := range measures {
		s := [5]int64{
			milli(m.Sensitivity.Exposure), milli(m.Sensitivity.Size),
			milli(m.Sensitivity.Likelihood), milli(m.Sensitivity.Impact),
			milli(m.Sensitivity.Class),
		}
		s4 := s[0] + s[1] + s[2] + s[3]
		d4 := int64(1)
		if s4 > 0 {
			d4 = 12 * s4
		}
		den := d4 * 1000 * v1ClassBonusDen
		var num [5]int64
		var base int64
		for k := range 4 {
			num[k] = s[k] * n[k] * 1000 * v1ClassBonusDen
			base += num[k]
		}
		var bonusUncapped int64
		if essential {
			bonusUncapped = s[4] * d4
			num[4] = min(bonusUncapped, den-base)
		}
		wnum := base + num[4]
		weightMilli := (2000*wnum + den) / (2 * den)
		proportional := int(1 + (4*weightMilli+500)/1000)

		floors := v2Floors(f, m)
		floor := 0
		for _, fl := range floors {
			floor = max(floor, fl.Level)
		}
		proposal := max(proportional, floor)
		target := proposal
		if m.Adopted > 0 {
			target = max(m.Adopted, floor)
		}

		curMilli := milli(m.Current)
		shortMilli := max(0, int64(target)*1000-curMilli)

		results[i] = Result{
			Code:         m.Code,
			Weight:       float64(weightMilli) / 1000,
			Target:       target,
			Proportional: proportional,
			Floor:        floor,
			Floors:       floors,
			Proposal:     proposal,
			Adopted:      m.Adopted,
			Current:      m.Current,
			Gap:          float64(target) - m.Current,
			Version:      "prop-2026.2",
		}
		details[i] = v1Detail{
			s: s, s4: s4, n: n, points: apportionMilli(num, den, weightMilli),
			weightMilli: weightMilli, capped: essential && num[4] < bonusUncapped,
		}
		order[i] = work{weightMilli: weightMilli, score: shortMilli * (500 + weightMilli), code: m.Code, idx: i}
	}

	slices.SortStableFunc(order, func(a, b work) int {
		return cmp.Or(
			cmp.Compare(b.score, a.score),
			cmp.Compare(b.weightMilli, a.weightMilli),
			strings.Compare(a.code, b.code),
			cmp.Compare(a.idx, b.idx),
		)
	})
	for r, w := range order {
		results[w.idx].Rank = r + 1
	}
	for i := range results {
		v2Explain(&results[i], f, details[i], len(results))
	}
	return results
}

// v2Floors lists the legal floors that hold for measure m, in a fixed order
// (documented, then regulation-bound). Only applicable requirements count:
// one the entity justified not applying (Reg. 2024/2690 Art. 2(2)) carries
// no floor.
func v2Floors(f Factors, m MeasureInput) []Floor {
	var documented []string
	applicable := false
	for _, r := range m.Requirements {
		if !r.Applicable {
			continue
		}
		applicable = true
		if r.Documented {
			documented = append(documented, r.Code)
		}
	}
	var out []Floor
	if len(documented) > 0 {
		out = append(out, Floor{Rule: FloorDocumented, Level: floorLevel,
			Text: i18n.M("prop.floor."+FloorDocumented, strings.Join(documented, ", "), floorLevel, i18n.M("prop.maturity."+strconv.Itoa(floorLevel)))})
	}
	if f.RegulationBound && applicable {
		out = append(out, Floor{Rule: FloorRegulationBound, Level: floorLevel,
			Text: i18n.M("prop.floor."+FloorRegulationBound, floorLevel, i18n.M("prop.maturity."+strconv.Itoa(floorLevel)))})
	}
	return out
}

// v2Explain writes the contributions (as prop-2026.1, with the any-size rule
// on the size line) and the explanation: weight, proportional target, each
// legal floor by its rule, the advice, the adopted target, current maturity
// and priority, as catalogue messages.
func v2Explain(r *Result, f Factors, d v1Detail, total int) {
	v1Explain(r, f, d, total) // the contributions are computed the same way
	if f.AnySize {
		c := &r.Contributions[1]
		c.Text = i18n.M("prop.contribution.any_size", i18n.M("prop.factor_size", levelLabel(FactorSize, string(f.Size))),
			sens(d.s[1]), sens(d.s4), milliText(d.points[1]))
	}

	sum := make([]i18n.Msg, 5)
	for k := range 5 {
		sum[k] = i18n.M("prop.sum_term", i18n.M("prop.factor."+factorOrder[k]), milliText(d.points[k]))
	}
	parts := []i18n.Msg{
		i18n.M("prop.v2.weight", milliText(d.weightMilli), i18n.Join(" + ", sum...)),
		i18n.M("prop.v2.proportional", milliText(d.weightMilli), milliText(4*d.weightMilli), r.Proportional,
			i18n.M("prop.maturity."+strconv.Itoa(r.Proportional))),
	}
	if f.AnySize {
		parts = append(parts, i18n.M("prop.rule.any_size"))
	}
	for _, fl := range r.Floors {
		parts = append(parts, fl.Text)
	}
	parts = append(parts, i18n.M("prop.v2.proposal", r.Proposal, i18n.M("prop.maturity."+strconv.Itoa(r.Proposal))))
	switch {
	case r.Adopted > 0 && r.Adopted < r.Floor:
		parts = append(parts, i18n.M("prop.v2.adopted_floored", r.Adopted, r.Floor))
	case r.Adopted > 0 && r.Adopted < r.Proposal:
		parts = append(parts, i18n.M("prop.v2.adopted_lower", r.Adopted, r.Proposal))
	case r.Adopted > 0 && r.Adopted > r.Proposal:
		parts = append(parts, i18n.M("prop.v2.adopted_higher", r.Adopted, r.Proposal))
	case r.Adopted > 0:
		parts = append(parts, i18n.M("prop.v2.adopted_same", r.Adopted))
	}
	var gap i18n.Msg
	switch {
	case r.Gap > 0:
		gap = i18n.M("prop.gap.shortfall", float2(r.Gap))
	case r.Gap < 0:
		gap = i18n.M("prop.gap.above", float2(-r.Gap))
	default:
		gap = i18n.M("prop.gap.on_target")
	}
	parts = append(parts, i18n.M("prop.v2.current", r.Target, float2(r.Current), gap, r.Rank, total))
	r.Explanation = i18n.Join(" ", parts...)
}
