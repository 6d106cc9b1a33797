package proportion

import (
	"cmp"
	"math"
	"slices"
	"strconv"
	"strings"

	"github.com/weerbaar/weerbaar/internal/i18n"
)

// Engine version prop-2026.1. FROZEN: results of this version are stored in
// databases; any change in the numbers it produces must become a new version
// (copy this file, register it, move CurrentVersion). The pinned tests in
// version_test.go fail when this is forgotten. Wording of the texts may be
// improved without a new version; numbers may not.
//
// The model, in exact integer arithmetic:
//
//	n_k    = factor k normalised to [0,1]: levels 1..5 → 0, ¼, ½, ¾, 1;
//	         micro/small/medium/large → 0, ⅓, ⅔, 1 (kept in twelfths)
//	base   = Σ s_k·n_k / Σ s_k over exposure, size, likelihood, impact
//	         (0 when all four sensitivities are 0)
//	bonus  = ⅛ · s_class for essential entities, 0 for important ones
//	weight = min(1, base + bonus), rounded half up to 0.001
//	target = 1 + round-half-up(4 · weight)
//	rank   by shortfall·(0.5 + weight) descending, then weight descending,
//	       then code ascending

const (
	v1ClassBonusDen = 8 // essential bonus = s_class / 8: at most half a maturity level
)

// sizeTwelfths is the normalised size in twelfths, so that both the quarter
// steps of the 1..5 scales and the third steps of size are exact integers.
var sizeTwelfths = map[Size]int64{SizeMicro: 0, SizeSmall: 4, SizeMedium: 8, SizeLarge: 12}

// levelTwelfths normalises a 1..5 score to twelfths: 0, 3, 6, 9, 12.
func levelTwelfths(v int) int64 { return int64(v-1) * 3 }

// milli converts a value to integer thousandths, rounding half away from zero.
func milli(x float64) int64 { return int64(math.Round(x * 1000)) }

func computeV2026_1(f Factors, measures []MeasureInput) []Result {
	n := [4]int64{levelTwelfths(f.Exposure), sizeTwelfths[f.Size], levelTwelfths(f.Likelihood), levelTwelfths(f.Impact)}
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
		// Every share is a fraction over den = 12·Σs·8000: twelfths for n,
		// thousandths for s, and 8000 for the essential bonus s_class/1000/8.
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
			num[4] = min(bonusUncapped, den-base) // base ≤ den, so this is ≥ 0
		}
		wnum := base + num[4]
		weightMilli := (2000*wnum + den) / (2 * den) // round half up of 1000·wnum/den
		target := 1 + (4*weightMilli+500)/1000       // round half up of 4·weight

		curMilli := milli(m.Current)
		shortMilli := max(0, int64(target)*1000-curMilli)

		results[i] = Result{
			Code:   m.Code,
			Weight: float64(weightMilli) / 1000,
			Target: int(target),
			// prop-2026.1 has no floors and no adoption: the proposal is
			// the proportional target.
			Proportional: int(target),
			Proposal:     int(target),
			Current:      m.Current,
			Gap:          float64(target) - m.Current,
			Version:      "prop-2026.1",
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
		v1Explain(&results[i], f, details[i], len(results))
	}
	return results
}

// v1Detail keeps the intermediate numbers of one measure for its explanation.
type v1Detail struct {
	s           [5]int64 // sensitivities in thousandths
	s4          int64    // Σ of the four Art. 21(1) sensitivities
	n           [4]int64 // normalised factors in twelfths
	points      [5]int64 // apportioned points in thousandths
	weightMilli int64
	capped      bool // the essential bonus was cut to keep weight ≤ 1
}

// apportionMilli turns the exact shares num[k]/den into thousandths that add
// up to weightMilli exactly (largest remainder; ties go to the earlier
// factor), so the explanation's sum is the weight that is shown.
func apportionMilli(num [5]int64, den, weightMilli int64) [5]int64 {
	var pts [5]int64
	var rem [5]int64
	var sum int64
	for k, v := range num {
		pts[k] = v * 1000 / den
		rem[k] = v * 1000 % den
		sum += pts[k]
	}
	// 0 ≤ extra ≤ number of non-zero remainders (see docs/proportionality.md).
	for extra := weightMilli - sum; extra > 0; extra-- {
		best := -1
		for k := range rem {
			if rem[k] > 0 && (best < 0 || rem[k] > rem[best]) {
				best = k
			}
		}
		if best < 0 {
			break
		}
		pts[best]++
		rem[best] = 0
	}
	return pts
}

// factorOrder is the order of the contributions: exposure, size,
// likelihood, impact, class.
var factorOrder = [5]string{FactorExposure, FactorSize, FactorLikelihood, FactorImpact, FactorClass}

// milliText is v thousandths with three decimals in both languages (0.625/0,625).
func milliText(v int64) i18n.Text { return i18n.Text{NL: fmtMilli(v, nl), EN: fmtMilli(v, en)} }

// sens is v thousandths without trailing zeros in both languages.
func sens(v int64) i18n.Text { return i18n.Text{NL: fmtSens(v, nl), EN: fmtSens(v, en)} }

// twelfths is a normalised factor in both languages: 3 → 0.25, 4 → 0.333.
func twelfths(v int64) i18n.Text { return i18n.Text{NL: fmtTwelfths(v, nl), EN: fmtTwelfths(v, en)} }

// float2 is x with two decimals in both languages.
func float2(x float64) i18n.Text { return i18n.Text{NL: fmtFloat2(x, nl), EN: fmtFloat2(x, en)} }

// v1Explain fills the contributions and the explanation with catalogue
// messages ("prop.*"); the numbers are pre-formatted for both languages, so
// the rendered sentences of this version never change with the UI's number
// formatting.
func v1Explain(r *Result, f Factors, d v1Detail, total int) {
	inputs := [5]string{strconv.Itoa(f.Exposure), string(f.Size), strconv.Itoa(f.Likelihood), strconv.Itoa(f.Impact), string(f.Class)}
	r.Contributions = make([]Contribution, 5)
	for k := range 5 {
		c := Contribution{Factor: factorOrder[k], Input: inputs[k], Points: float64(d.points[k]) / 1000}
		label := levelLabel(factorOrder[k], inputs[k])
		factor := i18n.M("prop.factor." + factorOrder[k])
		if k < 4 {
			name := i18n.M("prop.factor_level", i18n.M("prop.factor_title."+factorOrder[k]), inputs[k], label)
			if factorOrder[k] == FactorSize { // the size is its own label
				name = i18n.M("prop.factor_size", label)
			}
			if d.s[k] == 0 {
				c.Text = i18n.M("prop.contribution.insensitive", name, factor, milliText(d.points[k]))
			} else {
				c.Text = i18n.M("prop.contribution.share", name, twelfths(d.n[k]), sens(d.s[k]), sens(d.s4), milliText(d.points[k]))
			}
		} else {
			switch {
			case f.Class != ClassEssential:
				c.Text = i18n.M("prop.contribution.class_important", milliText(0))
			case d.capped:
				c.Text = i18n.M("prop.contribution.class_capped", sens(d.s[4]), milliText(d.points[4]))
			default:
				c.Text = i18n.M("prop.contribution.class_bonus", sens(d.s[4]), milliText(d.points[4]))
			}
		}
		r.Contributions[k] = c
	}

	sum := make([]i18n.Msg, 5)
	for k := range 5 {
		sum[k] = i18n.M("prop.sum_term", i18n.M("prop.factor."+factorOrder[k]), milliText(d.points[k]))
	}
	four := 4 * d.weightMilli
	var gap i18n.Msg
	switch {
	case r.Gap > 0:
		gap = i18n.M("prop.gap.shortfall", float2(r.Gap))
	case r.Gap < 0:
		gap = i18n.M("prop.gap.above", float2(-r.Gap))
	default:
		gap = i18n.M("prop.gap.on_target")
	}
	r.Explanation = i18n.M("prop.explanation", milliText(d.weightMilli), i18n.Join(" + ", sum...), milliText(d.weightMilli), milliText(four),
		r.Target, i18n.M("prop.maturity."+strconv.Itoa(r.Target)), float2(r.Current), gap, r.Rank, total)
}

type lang bool

const (
	en lang = false
	nl lang = true
)

func localise(s string, l lang) string {
	if l == nl {
		return strings.ReplaceAll(s, ".", ",")
	}
	return s
}

// fmtMilli prints non-negative thousandths with three decimals: 625 → 0.625.
func fmtMilli(v int64, l lang) string {
	return string(appendMilli(nil, v, l, false))
}

// fmtSens prints thousandths without trailing zeros: 900 → 0.9, 2800 → 2.8.
func fmtSens(v int64, l lang) string {
	return string(appendMilli(nil, v, l, true))
}

func appendMilli(b []byte, v int64, l lang, trim bool) []byte {
	b = strconv.AppendInt(b, v/1000, 10)
	frac := v % 1000
	if trim && frac == 0 {
		return b
	}
	if l == nl {
		b = append(b, ',')
	} else {
		b = append(b, '.')
	}
	digits := []byte{byte('0' + frac/100), byte('0' + frac/10%10), byte('0' + frac%10)}
	if trim {
		for digits[len(digits)-1] == '0' {
			digits = digits[:len(digits)-1]
		}
	}
	return append(b, digits...)
}

// fmtTwelfths prints a normalised factor: 3 → 0.25, 4 → 0.333.
func fmtTwelfths(v int64, l lang) string {
	return fmtSens((v*1000*2+12)/24, l)
}

func fmtFloat2(x float64, l lang) string {
	return localise(strconv.FormatFloat(x, 'f', 2, 64), l)
}
