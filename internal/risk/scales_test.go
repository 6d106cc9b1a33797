package risk

import (
	"strings"
	"testing"

	"github.com/weerbaar/weerbaar/internal/i18n"
)

func TestDefaultScalesAreTheCatalogueTexts(t *testing.T) {
	t.Parallel()
	s := DefaultScales()
	for _, a := range Axes {
		for n := 1; n <= ScaleMax; n++ {
			p := s.Point(a, n)
			key := "risk." + string(a) + "." + string(rune('0'+n))
			if p.Label.NL != i18n.Translate(i18n.NL, key) || p.Label.EN != i18n.Translate(i18n.EN, key) ||
				p.Definition.NL != i18n.Translate(i18n.NL, key+".desc") || p.Definition.EN != i18n.Translate(i18n.EN, key+".desc") {
				t.Errorf("%s %d: %+v", a, n, p)
			}
			if !p.Label.Complete() || !p.Definition.Complete() || p.Label.NL == key {
				t.Errorf("%s %d incomplete: %+v", a, n, p)
			}
		}
	}
	// The defaults pass the method's own validation.
	if _, errs := parseScales(ScaleFields(s)); len(errs) != 0 {
		t.Errorf("default scales invalid: %v", errs)
	}
	if s.Point(AxisImpact, 0) != (ScalePoint{}) || s.Point(AxisLikelihood, ScaleMax+1) != (ScalePoint{}) {
		t.Error("points outside the scale must be empty")
	}
}

func TestParseScalesTable(t *testing.T) {
	t.Parallel()
	f := func(a Axis, n int, part string, l i18n.Lang) string { return ScaleField(a, n, part, l) }
	cases := []struct {
		name  string
		edit  func(map[string]string)
		field string
		want  string // error key on field; "" for valid
	}{
		{"defaults", func(map[string]string) {}, "", ""},
		{"edited definition", func(m map[string]string) {
			m[f(AxisImpact, 4, PartDefinition, i18n.EN)] = "Water unsafe for a district"
		}, "", ""},
		{"empty NL label", func(m map[string]string) { m[f(AxisLikelihood, 3, PartLabel, i18n.NL)] = "" }, f(AxisLikelihood, 3, PartLabel, i18n.NL), "validate.required"},
		{"blank EN definition", func(m map[string]string) { m[f(AxisImpact, 1, PartDefinition, i18n.EN)] = "   " }, f(AxisImpact, 1, PartDefinition, i18n.EN), "validate.required"},
		{"missing field", func(m map[string]string) { delete(m, f(AxisImpact, 5, PartLabel, i18n.EN)) }, f(AxisImpact, 5, PartLabel, i18n.EN), "validate.required"},
		{"label at bound", func(m map[string]string) {
			m[f(AxisImpact, 2, PartLabel, i18n.NL)] = strings.Repeat("é", MaxScaleLabel)
		}, "", ""},
		{"label too long", func(m map[string]string) {
			m[f(AxisImpact, 2, PartLabel, i18n.NL)] = strings.Repeat("é", MaxScaleLabel+1)
		}, f(AxisImpact, 2, PartLabel, i18n.NL), "validate.too_long"},
		{"definition too long", func(m map[string]string) {
			m[f(AxisLikelihood, 5, PartDefinition, i18n.EN)] = strings.Repeat("x", MaxScaleDefinition+1)
		}, f(AxisLikelihood, 5, PartDefinition, i18n.EN), "validate.too_long"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			m := ScaleFields(DefaultScales())
			c.edit(m)
			s, errs := parseScales(m)
			if c.want == "" {
				if len(errs) != 0 {
					t.Fatalf("errors %v", errs)
				}
				// Round trip: the parsed scales give back the (trimmed) fields.
				for k, v := range ScaleFields(s) {
					if strings.TrimSpace(m[k]) != v {
						t.Errorf("%s: %q, want %q", k, v, m[k])
					}
				}
				return
			}
			if len(errs) != 1 || errs[c.field] != c.want {
				t.Errorf("errors %v, want %s on %s", errs, c.want, c.field)
			}
		})
	}
}

func TestMethodChanges(t *testing.T) {
	t.Parallel()
	a := DefaultMethod()
	if got := MethodChanges(a, a); len(got) != 0 {
		t.Errorf("no change: %v", got)
	}
	b := a
	b.Tolerance = High
	b.Matrix[0][0] = Medium
	b.Scales.Impact[3].Definition.EN = "other"
	b.Scales.Likelihood[0].Label.NL = "anders"
	want := []ScaleChange{{Field: "matrix"}, {Field: "tolerance"}, {Field: "likelihood", Point: 1}, {Field: "impact", Point: 4}}
	got := MethodChanges(a, b)
	if len(got) != len(want) {
		t.Fatalf("changes %v, want %v", got, want)
	}
	for k := range want {
		if got[k] != want[k] {
			t.Errorf("change %d: %v, want %v", k, got[k], want[k])
		}
	}
}

func TestMethodFormRoundTrips(t *testing.T) {
	t.Parallel()
	m := DefaultMethod()
	m.Version = 4
	m.Scales.Likelihood[2].Definition.NL = "Eens in de drie jaar."
	in := MethodForm(m)
	matrix, tol, scales, err := in.parse()
	if err != nil || matrix != m.Matrix || tol != m.Tolerance || scales != m.Scales || in.Version != 4 {
		t.Errorf("round trip: %v %v %v", err, tol, scales.Likelihood[2])
	}
}
