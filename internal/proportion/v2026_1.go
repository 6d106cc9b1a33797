package proportion

import (
	"cmp"
	"fmt"
	"math"
	"slices"
	"strconv"
	"strings"
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
			Code:    m.Code,
			Weight:  float64(weightMilli) / 1000,
			Target:  int(target),
			Current: m.Current,
			Gap:     float64(target) - m.Current,
			Version: "prop-2026.1",
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

// maturity names, index 0..5.
var (
	maturityNL = [6]string{"afwezig", "initieel", "herhaalbaar", "gedefinieerd", "beheerst en gemeten", "optimaliserend"}
	maturityEN = [6]string{"absent", "initial", "repeatable", "defined", "managed and measured", "optimising"}
)

// factor display names, in the order exposure, size, likelihood, impact, class.
var (
	factorOrder  = [5]string{FactorExposure, FactorSize, FactorLikelihood, FactorImpact, FactorClass}
	factorNameNL = [5]string{"blootstelling", "omvang", "waarschijnlijkheid", "impact", "klasse"}
	factorNameEN = [5]string{"exposure", "size", "likelihood", "impact", "class"}
)

func v1Explain(r *Result, f Factors, d v1Detail, total int) {
	inputs := [5]string{strconv.Itoa(f.Exposure), string(f.Size), strconv.Itoa(f.Likelihood), strconv.Itoa(f.Impact), string(f.Class)}
	r.Contributions = make([]Contribution, 5)
	for k := range 5 {
		c := Contribution{Factor: factorOrder[k], Input: inputs[k], Points: float64(d.points[k]) / 1000}
		lblNL, lblEN := levelLabel(factorOrder[k], inputs[k])
		if k < 4 {
			name := fmt.Sprintf("%s %s (%s)", capitalise(factorNameEN[k]), inputs[k], lblEN)
			naam := fmt.Sprintf("%s %s (%s)", capitalise(factorNameNL[k]), inputs[k], lblNL)
			if factorOrder[k] == FactorSize { // the size is its own label
				name = capitalise(factorNameEN[k]) + " " + lblEN
				naam = capitalise(factorNameNL[k]) + " " + lblNL
			}
			if d.s[k] == 0 {
				c.TextEN = fmt.Sprintf("%s: this measure is not sensitive to %s (sensitivity 0), so it adds %s.", name, factorNameEN[k], fmtMilli(d.points[k], en))
				c.TextNL = fmt.Sprintf("%s: deze maatregel is niet gevoelig voor %s (gevoeligheid 0), dus dit voegt %s toe.", naam, factorNameNL[k], fmtMilli(d.points[k], nl))
			} else {
				c.TextEN = fmt.Sprintf("%s: normalised %s × sensitivity %s ÷ total sensitivity %s ≈ %s of the weight.",
					name, fmtTwelfths(d.n[k], en), fmtSens(d.s[k], en), fmtSens(d.s4, en), fmtMilli(d.points[k], en))
				c.TextNL = fmt.Sprintf("%s: genormaliseerd %s × gevoeligheid %s ÷ totale gevoeligheid %s ≈ %s van het gewicht.",
					naam, fmtTwelfths(d.n[k], nl), fmtSens(d.s[k], nl), fmtSens(d.s4, nl), fmtMilli(d.points[k], nl))
			}
		} else {
			switch {
			case f.Class != ClassEssential:
				c.TextEN = fmt.Sprintf("Important entity: no class bonus (%s).", fmtMilli(0, en))
				c.TextNL = fmt.Sprintf("Belangrijke entiteit: geen klassetoeslag (%s).", fmtMilli(0, nl))
			case d.capped:
				c.TextEN = fmt.Sprintf("Essential entity: class bonus ⅛ × class sensitivity %s, capped at %s because the weight cannot exceed 1.",
					fmtSens(d.s[4], en), fmtMilli(d.points[4], en))
				c.TextNL = fmt.Sprintf("Essentiële entiteit: klassetoeslag ⅛ × klassegevoeligheid %s, begrensd op %s omdat het gewicht niet boven 1 kan.",
					fmtSens(d.s[4], nl), fmtMilli(d.points[4], nl))
			default:
				c.TextEN = fmt.Sprintf("Essential entity: class bonus ⅛ × class sensitivity %s ≈ %s added to the weight.",
					fmtSens(d.s[4], en), fmtMilli(d.points[4], en))
				c.TextNL = fmt.Sprintf("Essentiële entiteit: klassetoeslag ⅛ × klassegevoeligheid %s ≈ %s bij het gewicht.",
					fmtSens(d.s[4], nl), fmtMilli(d.points[4], nl))
			}
		}
		r.Contributions[k] = c
	}

	var sumEN, sumNL []string
	for k := range 5 {
		sumEN = append(sumEN, factorNameEN[k]+" "+fmtMilli(d.points[k], en))
		sumNL = append(sumNL, factorNameNL[k]+" "+fmtMilli(d.points[k], nl))
	}
	four := 4 * d.weightMilli
	var gapEN, gapNL string
	switch {
	case r.Gap > 0:
		gapEN = "shortfall " + fmtFloat2(r.Gap, en)
		gapNL = "achterstand " + fmtFloat2(r.Gap, nl)
	case r.Gap < 0:
		gapEN = fmtFloat2(-r.Gap, en) + " above target"
		gapNL = fmtFloat2(-r.Gap, nl) + " boven het doel"
	default:
		gapEN, gapNL = "on target", "op doel"
	}
	r.ExplanationEN = fmt.Sprintf("Weight %s = %s. Target = 1 + round(4 × %s = %s) = %d (%s). Current %s: %s. Priority %d of %d.",
		fmtMilli(d.weightMilli, en), strings.Join(sumEN, " + "), fmtMilli(d.weightMilli, en), fmtMilli(four, en),
		r.Target, maturityEN[r.Target], fmtFloat2(r.Current, en), gapEN, r.Rank, total)
	r.ExplanationNL = fmt.Sprintf("Gewicht %s = %s. Doel = 1 + afronding(4 × %s = %s) = %d (%s). Huidig %s: %s. Prioriteit %d van %d.",
		fmtMilli(d.weightMilli, nl), strings.Join(sumNL, " + "), fmtMilli(d.weightMilli, nl), fmtMilli(four, nl),
		r.Target, maturityNL[r.Target], fmtFloat2(r.Current, nl), gapNL, r.Rank, total)
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

func capitalise(s string) string {
	if s == "" {
		return s
	}
	return strings.ToUpper(s[:1]) + s[1:]
}
