package proportion

import (
	"errors"
	"github.com/weerbaar/weerbaar/internal/i18n"
	"slices"
	"strings"
	"testing"
)

// TestComputeHandTable checks cases whose numbers were worked out by hand.
// Notation: n = normalised factor (1..5 → 0, .25, .5, .75, 1; micro..large →
// 0, 1/3, 2/3, 1), s = sensitivity, base = Σ s·n / Σ s over the four Art. 21(1)
// factors, bonus = s_class/8 for essential entities, weight = min(1, base +
// bonus) rounded half up to 0.001, target = 1 + round-half-up(4·weight).
func TestComputeHandTable(t *testing.T) {
	one := Sensitivity{Exposure: 1, Size: 1, Likelihood: 1, Impact: 1, Class: 1}
	tests := []struct {
		name    string
		f       Factors
		s       Sensitivity
		current float64
		weight  float64
		target  int
		gap     float64
		points  [5]float64 // exposure, size, likelihood, impact, class
	}{
		{
			// every n = 0 → base 0; important → no bonus; weight 0;
			// target 1 + round(0) = 1; gap 1 − 0 = 1.
			name: "all lowest, important", f: Factors{1, 1, 1, SizeMicro, ClassImportant, false, false}, s: one,
			current: 0, weight: 0, target: 1, gap: 1,
		},
		{
			// every n = 1 → base (1+1+1+1)/4 = 1; target 1 + round(4) = 5;
			// current 5 → gap 0.
			name: "all highest, important", f: Factors{5, 5, 5, SizeLarge, ClassImportant, false, false}, s: one,
			current: 5, weight: 1, target: 5, gap: 0,
			points: [5]float64{.25, .25, .25, .25, 0},
		},
		{
			// base 1; bonus 1/8 = .125 but capped at 1 − 1 = 0 → weight 1.
			name: "all highest, essential: bonus capped", f: Factors{5, 5, 5, SizeLarge, ClassEssential, false, false}, s: one,
			current: 4.5, weight: 1, target: 5, gap: .5,
			points: [5]float64{.25, .25, .25, .25, 0},
		},
		{
			// only exposure counts: n = .75 (level 4) → weight .75 · 1 / 1 = .75;
			// 4 × .75 = 3 → target 4; gap 4 − 2.5 = 1.5.
			name: "exposure only", f: Factors{4, 2, 3, SizeSmall, ClassImportant, false, false}, s: Sensitivity{Exposure: 1},
			current: 2.5, weight: .75, target: 4, gap: 1.5,
			points: [5]float64{.75, 0, 0, 0, 0},
		},
		{
			// (.5·.5 + .5·.75) / (.5 + .5) = (.25 + .375) / 1 = .625;
			// 4 × .625 = 2.5 → half up → 3 → target 4 (half-even or truncation would say 3).
			name: "half up at 2.5", f: Factors{3, 1, 4, SizeMedium, ClassImportant, false, false}, s: Sensitivity{Exposure: .5, Impact: .5},
			current: 3, weight: .625, target: 4, gap: 1,
			points: [5]float64{.25, 0, 0, .375, 0},
		},
		{
			// (.1·.25 + .1·0) / (.1 + .1) = .025 / .2 = .125 exactly (in floats
			// .1·.25/.2 need not be); 4 × .125 = .5 → half up → 1 → target 2.
			name: "boundary .125 with .1 sensitivities", f: Factors{2, 1, 1, SizeMicro, ClassImportant, false, false},
			s:       Sensitivity{Exposure: .1, Likelihood: .1},
			current: 1.25, weight: .125, target: 2, gap: .75,
			points: [5]float64{.125, 0, 0, 0, 0},
		},
		{
			// base = 1·.5 / 1 = .5; important → weight .5; 4 × .5 = 2 → target 3.
			name: "exposure 3, important", f: Factors{3, 1, 1, SizeMicro, ClassImportant, false, false}, s: Sensitivity{Exposure: 1, Class: 1},
			current: 1, weight: .5, target: 3, gap: 2,
			points: [5]float64{.5, 0, 0, 0, 0},
		},
		{
			// same, essential: bonus 1/8 = .125 → weight .625; 4 × .625 = 2.5 →
			// 3 → target 4: one level above the important entity.
			name: "exposure 3, essential", f: Factors{3, 1, 1, SizeMicro, ClassEssential, false, false}, s: Sensitivity{Exposure: 1, Class: 1},
			current: 1, weight: .625, target: 4, gap: 3,
			points: [5]float64{.5, 0, 0, 0, .125},
		},
		{
			// medium → n = 2/3 = .6667 → .667; 4 × .667 = 2.668 → 3 → target 4.
			name: "size in thirds", f: Factors{1, 1, 1, SizeMedium, ClassImportant, false, false}, s: Sensitivity{Size: 1},
			current: 4.2, weight: .667, target: 4, gap: -0.20000000000000018, // 4 − 4.2 in float64
			points: [5]float64{0, .667, 0, 0, 0},
		},
		{
			// no Art. 21(1) sensitivity → base 0; bonus .8/8 = .1 → weight .1;
			// 4 × .1 = .4 → 0 → target 1.
			name: "class sensitivity only", f: Factors{5, 5, 5, SizeLarge, ClassEssential, false, false}, s: Sensitivity{Class: .8},
			current: 0, weight: .1, target: 1, gap: 1,
			points: [5]float64{0, 0, 0, 0, .1},
		},
		{
			// default a (s = .6, .7, .6, .7; class .5), exposure 3, medium,
			// likelihood 3, impact 4, essential:
			// Σs = 2.6; exposure .6·.5 = .3 → .3/2.6 = .11538; size .7·2/3 =
			// .46667 → .17949; likelihood .3 → .11538; impact .7·.75 = .525 →
			// .20192; base = .61218; bonus .5/8 = .0625; weight .67468 → .675;
			// 4 × .675 = 2.7 → 3 → target 4. Points in thousandths, floors
			// 115+179+115+201+62 = 672, three more go to the largest remainders
			// (impact .923, class .5, size .487) → 115, 180, 115, 202, 63.
			name: "default a, water board", f: Factors{3, 3, 4, SizeMedium, ClassEssential, false, false},
			s:       Sensitivity{Exposure: .6, Size: .7, Likelihood: .6, Impact: .7, Class: .5},
			current: 2.5, weight: .675, target: 4, gap: 1.5,
			points: [5]float64{.115, .180, .115, .202, .063},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ms := []MeasureInput{{Code: "a", Current: tt.current, Sensitivity: tt.s}}
			rs, err := Compute(CurrentVersion, tt.f, ms)
			if err != nil {
				t.Fatal(err)
			}
			checkResults(t, tt.f, ms, rs)
			r := rs[0]
			if r.Weight != tt.weight || r.Target != tt.target || r.Gap != tt.gap || r.Rank != 1 {
				t.Errorf("got weight %v target %d gap %v rank %d, want %v %d %v 1", r.Weight, r.Target, r.Gap, r.Rank, tt.weight, tt.target, tt.gap)
			}
			for k, c := range r.Contributions {
				if c.Points != tt.points[k] {
					t.Errorf("%s points %v, want %v", c.Factor, c.Points, tt.points[k])
				}
			}
		})
	}
}

// TestRanking: score = shortfall × (0.5 + weight), descending; ties by
// weight descending, then code. Factors: exposure 3 (.5), likelihood 1 (0),
// impact 5 (1), micro, important.
func TestRanking(t *testing.T) {
	f := Factors{Exposure: 3, Likelihood: 1, Impact: 5, Size: SizeMicro, Class: ClassImportant}
	ms := []MeasureInput{
		{Code: "e", Current: 1}, // w 0, target 1, shortfall 0 → 0
		{Code: "c", Current: 3, Sensitivity: Sensitivity{Likelihood: 1}}, // w 0, target 1, gap −2 → 0
		{Code: "f", Current: 5, Sensitivity: Sensitivity{Impact: 1}},     // w 1, target 5, shortfall 0 → 0
		{Code: "d", Current: 0, Sensitivity: Sensitivity{Likelihood: 1}}, // w 0, target 1, shortfall 1 → 1 × .5 = .5
		{Code: "b", Current: 4, Sensitivity: Sensitivity{Impact: 1}},     // w 1, target 5, shortfall 1 → 1 × 1.5 = 1.5
		{Code: "a", Current: 1, Sensitivity: Sensitivity{Exposure: 1}},   // w .5, target 3, shortfall 2 → 2 × 1 = 2
	}
	rs, err := Compute(CurrentVersion, f, ms)
	if err != nil {
		t.Fatal(err)
	}
	checkResults(t, f, ms, rs)
	// a 2 > b 1.5 > d .5 > the zeros: f (weight 1), then c and e (weight 0) by code.
	want := map[string]int{"a": 1, "b": 2, "d": 3, "f": 4, "c": 5, "e": 6}
	for _, r := range rs {
		if r.Rank != want[r.Code] {
			t.Errorf("%s: rank %d, want %d", r.Code, r.Rank, want[r.Code])
		}
	}
	if rs[1].Gap != -2 || rs[1].Shortfall() != 0 {
		t.Errorf("c above target: gap %v shortfall %v, want −2 and 0", rs[1].Gap, rs[1].Shortfall())
	}
	if !strings.Contains(rs[1].Explanation.Render(i18n.EN), "2.00 above target") || !strings.Contains(rs[1].Explanation.Render(i18n.NL), "2,00 boven het doel") {
		t.Errorf("explanation does not say c is above target:\n%s\n%s", rs[1].Explanation.Render(i18n.EN), rs[1].Explanation.Render(i18n.NL))
	}
}

func TestExplanationTexts(t *testing.T) {
	f := Factors{Exposure: 3, Likelihood: 3, Impact: 4, Size: SizeMedium, Class: ClassEssential}
	ms := []MeasureInput{{Code: "a", Current: 2.5, Sensitivity: Sensitivity{Exposure: .6, Size: .7, Likelihood: .6, Impact: .7, Class: .5}}}
	// prop-2026.1 keeps its wording of the calculation.
	rs, err := Compute("prop-2026.1", f, ms)
	if err != nil {
		t.Fatal(err)
	}
	r := rs[0]
	wantEN := "Weight 0.675 = exposure 0.115 + size 0.180 + likelihood 0.115 + impact 0.202 + class 0.063. " +
		"Target = 1 + round(4 × 0.675 = 2.700) = 4 (managed and measured). Current 2.50: shortfall 1.50. Priority 1 of 1."
	wantNL := "Gewicht 0,675 = blootstelling 0,115 + omvang 0,180 + waarschijnlijkheid 0,115 + impact 0,202 + klasse 0,063. " +
		"Doel = 1 + afronding(4 × 0,675 = 2,700) = 4 (beheerst en gemeten). Huidig 2,50: achterstand 1,50. Prioriteit 1 van 1."
	if r.Explanation.Render(i18n.EN) != wantEN {
		t.Errorf("EN:\n got %s\nwant %s", r.Explanation.Render(i18n.EN), wantEN)
	}
	if r.Explanation.Render(i18n.NL) != wantNL {
		t.Errorf("NL:\n got %s\nwant %s", r.Explanation.Render(i18n.NL), wantNL)
	}
	// prop-2026.2 presents the target as advice to the management body.
	v2, err := Compute("prop-2026.2", f, ms)
	if err != nil {
		t.Fatal(err)
	}
	wantEN2 := "Weight 0.675 = exposure 0.115 + size 0.180 + likelihood 0.115 + impact 0.202 + class 0.063. " +
		"Proportional target = 1 + round(4 × 0.675 = 2.700) = 4 (managed and measured). " +
		"Advice to the management body: level 4 (managed and measured). Target 4. Current 2.50: shortfall 1.50. Priority 1 of 1."
	wantNL2 := "Gewicht 0,675 = blootstelling 0,115 + omvang 0,180 + waarschijnlijkheid 0,115 + impact 0,202 + klasse 0,063. " +
		"Proportioneel doel = 1 + afronding(4 × 0,675 = 2,700) = 4 (beheerst en gemeten). " +
		"Advies aan het bestuur: niveau 4 (beheerst en gemeten). Doel 4. Huidig 2,50: achterstand 1,50. Prioriteit 1 van 1."
	if got := v2[0].Explanation.Render(i18n.EN); got != wantEN2 {
		t.Errorf("prop-2026.2 EN:\n got %s\nwant %s", got, wantEN2)
	}
	if got := v2[0].Explanation.Render(i18n.NL); got != wantNL2 {
		t.Errorf("prop-2026.2 NL:\n got %s\nwant %s", got, wantNL2)
	}
	if c := v2[0].Contributions[4].Text; !strings.Contains(c.Render(i18n.EN), "Art. 32") || !strings.Contains(c.Render(i18n.EN), "not a stricter legal standard") ||
		!strings.Contains(c.Render(i18n.NL), "geen strengere wettelijke norm") {
		t.Errorf("class bonus does not say it reflects supervision, not the legal standard:\n%s\n%s", c.Render(i18n.EN), c.Render(i18n.NL))
	}
	for _, want := range []struct {
		k             int
		input, en, nl string
	}{
		{0, "3", "Exposure 3 (moderate): normalised 0.5 × sensitivity 0.6 ÷ total sensitivity 2.6 ≈ 0.115", "Blootstelling 3 (gemiddeld): genormaliseerd 0,5 × gevoeligheid 0,6 ÷ totale gevoeligheid 2,6 ≈ 0,115"},
		{1, "medium", "Size medium: normalised 0.667 × sensitivity 0.7", "Omvang middelgroot: genormaliseerd 0,667 × gevoeligheid 0,7"},
		{4, "essential", "Essential entity: class bonus ⅛ × class sensitivity 0.5 ≈ 0.063", "Essentiële entiteit: klassetoeslag ⅛ × klassegevoeligheid 0,5 ≈ 0,063"},
	} {
		c := r.Contributions[want.k]
		if c.Input != want.input || !strings.HasPrefix(c.Text.Render(i18n.EN), want.en) || !strings.HasPrefix(c.Text.Render(i18n.NL), want.nl) {
			t.Errorf("contribution %s: input %q\n%s\n%s", c.Factor, c.Input, c.Text.Render(i18n.EN), c.Text.Render(i18n.NL))
		}
	}

	// Capped bonus and zero sensitivity have their own wording.
	rs, err = Compute(CurrentVersion, Factors{5, 5, 5, SizeLarge, ClassEssential, false, false}, []MeasureInput{{Code: "j", Sensitivity: Sensitivity{Exposure: 1, Class: 1}}})
	if err != nil {
		t.Fatal(err)
	}
	if c := rs[0].Contributions[4]; !strings.Contains(c.Text.Render(i18n.EN), "capped at 0.000") || !strings.Contains(c.Text.Render(i18n.NL), "begrensd op 0,000") {
		t.Errorf("capped bonus text: %s / %s", c.Text.Render(i18n.EN), c.Text.Render(i18n.NL))
	}
	if c := rs[0].Contributions[1]; !strings.Contains(c.Text.Render(i18n.EN), "not sensitive to size") || !strings.Contains(c.Text.Render(i18n.NL), "niet gevoelig voor omvang") {
		t.Errorf("zero sensitivity text: %s / %s", c.Text.Render(i18n.EN), c.Text.Render(i18n.NL))
	}
}

func TestComputeEmpty(t *testing.T) {
	rs, err := Compute(CurrentVersion, Factors{1, 1, 1, SizeMicro, ClassImportant, false, false}, nil)
	if err != nil || rs == nil || len(rs) != 0 {
		t.Fatalf("got %v, %v; want empty results", rs, err)
	}
	if _, err := Compute(CurrentVersion, Factors{}, nil); !errors.Is(err, ErrInvalid) {
		t.Fatalf("factors must be validated even without measures, got %v", err)
	}
}

func TestValidation(t *testing.T) {
	good := Factors{Exposure: 3, Likelihood: 3, Impact: 3, Size: SizeSmall, Class: ClassImportant}
	gm := MeasureInput{Code: "a", Current: 2, Sensitivity: Sensitivity{Exposure: .5}}
	tests := []struct {
		name  string
		f     Factors
		ms    []MeasureInput
		field string
	}{
		{"exposure 0", Factors{0, 3, 3, SizeSmall, ClassImportant, false, false}, nil, "exposure"},
		{"exposure 6", Factors{6, 3, 3, SizeSmall, ClassImportant, false, false}, nil, "exposure"},
		{"likelihood 0", Factors{3, 0, 3, SizeSmall, ClassImportant, false, false}, nil, "likelihood"},
		{"likelihood -1", Factors{3, -1, 3, SizeSmall, ClassImportant, false, false}, nil, "likelihood"},
		{"impact 6", Factors{3, 3, 6, SizeSmall, ClassImportant, false, false}, nil, "impact"},
		{"unknown size", Factors{3, 3, 3, "huge", ClassImportant, false, false}, nil, "size"},
		{"empty size", Factors{3, 3, 3, "", ClassImportant, false, false}, nil, "size"},
		{"size wrong case", Factors{3, 3, 3, "Medium", ClassImportant, false, false}, nil, "size"},
		{"unknown class", Factors{3, 3, 3, SizeSmall, "critical", false, false}, nil, "class"},
		{"empty class", Factors{3, 3, 3, SizeSmall, "", false, false}, nil, "class"},
		{"sensitivity > 1", good, []MeasureInput{gm, {Code: "b", Sensitivity: Sensitivity{Impact: 1.01}}}, "measures[1].sensitivity.impact"},
		{"sensitivity < 0", good, []MeasureInput{{Code: "b", Sensitivity: Sensitivity{Size: -0.1}}}, "measures[0].sensitivity.size"},
		{"sensitivity NaN", good, []MeasureInput{{Code: "b", Sensitivity: Sensitivity{Exposure: nan()}}}, "measures[0].sensitivity.exposure"},
		{"class sensitivity > 1", good, []MeasureInput{{Code: "b", Sensitivity: Sensitivity{Class: 2}}}, "measures[0].sensitivity.class"},
		{"likelihood sensitivity Inf", good, []MeasureInput{{Code: "b", Sensitivity: Sensitivity{Likelihood: inf()}}}, "measures[0].sensitivity.likelihood"},
		{"current > 5", good, []MeasureInput{{Code: "a", Current: 5.001}}, "measures[0].current"},
		{"current < 0", good, []MeasureInput{{Code: "a", Current: -0.5}}, "measures[0].current"},
		{"current NaN", good, []MeasureInput{{Code: "a", Current: nan()}}, "measures[0].current"},
		{"unknown code", good, []MeasureInput{{Code: "k"}}, "measures[0].code"},
		{"empty code", good, []MeasureInput{{Code: ""}}, "measures[0].code"},
		{"upper-case code", good, []MeasureInput{{Code: "A"}}, "measures[0].code"},
		{"duplicate code", good, []MeasureInput{gm, gm}, "measures[1].code"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := Compute(CurrentVersion, tt.f, tt.ms)
			if !errors.Is(err, ErrInvalid) {
				t.Fatalf("got %v, want an ErrInvalid", err)
			}
			var fe *FieldError
			if !errors.As(err, &fe) || fe.Field != tt.field {
				t.Fatalf("got %v, want a FieldError for %q", err, tt.field)
			}
		})
	}

	// All problems are reported at once, so a form can mark every field.
	err := Factors{0, 9, 0, "x", "y", false, false}.Validate()
	for _, field := range []string{"exposure", "likelihood", "impact", "size", "class"} {
		if !strings.Contains(err.Error(), field+":") {
			t.Errorf("joined error %q lacks %s", err, field)
		}
	}
	if err := good.Validate(); err != nil {
		t.Errorf("valid factors: %v", err)
	}
	// Boundaries are valid.
	for _, m := range []MeasureInput{
		{Code: "a", Current: 0, Sensitivity: Sensitivity{}},
		{Code: "b", Current: 5, Sensitivity: Sensitivity{Exposure: 1, Size: 1, Likelihood: 1, Impact: 1, Class: 1}},
	} {
		if _, err := Compute(CurrentVersion, good, []MeasureInput{m}); err != nil {
			t.Errorf("boundary %+v: %v", m, err)
		}
	}
}

func TestUnknownVersion(t *testing.T) {
	f := Factors{3, 3, 3, SizeSmall, ClassImportant, false, false}
	for _, v := range []string{"", "prop-2025.9", "prop-2026.3", "PROP-2026.1", " prop-2026.1"} {
		if _, err := Compute(v, f, nil); !errors.Is(err, ErrUnknownVersion) {
			t.Errorf("version %q: got %v, want ErrUnknownVersion", v, err)
		}
	}
	// The version is checked before the input, so a caller can tell "cannot
	// reproduce" from "bad data".
	if _, err := Compute("nope", Factors{}, nil); !errors.Is(err, ErrUnknownVersion) || errors.Is(err, ErrInvalid) {
		t.Errorf("got %v, want only ErrUnknownVersion", err)
	}
	if !slices.Contains(Versions(), CurrentVersion) {
		t.Errorf("Versions() = %v lacks %s", Versions(), CurrentVersion)
	}
}

func TestDefaults(t *testing.T) {
	ds := Defaults()
	if len(ds) != 10 {
		t.Fatalf("%d defaults, want 10", len(ds))
	}
	seen := map[string]bool{}
	for i, d := range ds {
		if d.Code != allCodes[i] {
			t.Errorf("default %d has code %q, want %q", i, d.Code, allCodes[i])
		}
		if err := d.Sensitivity.Validate(); err != nil {
			t.Errorf("%s: %v", d.Code, err)
		}
		if d.Sensitivity.Exposure+d.Sensitivity.Size+d.Sensitivity.Likelihood+d.Sensitivity.Impact == 0 {
			t.Errorf("%s: no Art. 21(1) sensitivity at all", d.Code)
		}
		if len(d.Rationale.NL) < 80 || len(d.Rationale.EN) < 80 || seen[d.Rationale.NL] || seen[d.Rationale.EN] {
			t.Errorf("%s: rationale missing, too short or copied", d.Code)
		}
		seen[d.Rationale.NL], seen[d.Rationale.EN] = true, true
	}
	// The examples: j most sensitive to exposure, c to impact, d to
	// exposure and size, f to size and class.
	top := func(s Sensitivity) []string {
		m := map[string]float64{"exposure": s.Exposure, "size": s.Size, "likelihood": s.Likelihood, "impact": s.Impact, "class": s.Class}
		var best float64
		for _, v := range m {
			best = max(best, v)
		}
		var out []string
		for k, v := range m {
			if v >= best-0.15 {
				out = append(out, k)
			}
		}
		slices.Sort(out)
		return out
	}
	for code, want := range map[string][]string{"j": {"exposure"}, "c": {"impact"}, "d": {"exposure", "size"}, "f": {"class", "size"}} {
		if got := top(ds[code[0]-'a'].Sensitivity); !slices.Equal(got, want) {
			t.Errorf("%s: most sensitive to %v, want %v", code, got, want)
		}
	}
	// Defaults returns a copy.
	ds[0].Sensitivity.Exposure = 0
	if Defaults()[0].Sensitivity.Exposure == 0 {
		t.Error("Defaults() exposes its backing array")
	}
}

func TestFactorGuidance(t *testing.T) {
	want := map[string][]string{
		FactorExposure:   {"1", "2", "3", "4", "5"},
		FactorLikelihood: {"1", "2", "3", "4", "5"},
		FactorImpact:     {"1", "2", "3", "4", "5"},
		FactorSize:       {"micro", "small", "medium", "large"},
		FactorClass:      {"important", "essential"},
	}
	got := map[string][]string{}
	texts := map[string]bool{}
	for _, g := range FactorGuidance() {
		got[g.Factor] = append(got[g.Factor], g.Level)
		if !g.Label.Complete() || len(g.Text.NL) < 60 || len(g.Text.EN) < 60 {
			t.Errorf("%s %s: label or text missing or too short", g.Factor, g.Level)
		}
		if texts[g.Text.NL] || texts[g.Text.EN] {
			t.Errorf("%s %s: text repeated", g.Factor, g.Level)
		}
		texts[g.Text.NL], texts[g.Text.EN] = true, true
	}
	for factor, levels := range want {
		if !slices.Equal(got[factor], levels) {
			t.Errorf("%s: guidance levels %v, want %v", factor, got[factor], levels)
		}
	}
	if len(got) != len(want) {
		t.Errorf("guidance for factors %v, want exactly %v", got, want)
	}
	// Every level a Factors value can take has guidance.
	for _, s := range []Size{SizeMicro, SizeSmall, SizeMedium, SizeLarge} {
		if _, ok := sizeTwelfths[s]; !ok || !slices.Contains(got[FactorSize], string(s)) {
			t.Errorf("size %s lacks guidance or a normalisation", s)
		}
	}
}
