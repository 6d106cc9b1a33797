package risk

import (
	"encoding/json"
	"fmt"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/weerbaar/weerbaar/internal/i18n"
	"github.com/weerbaar/weerbaar/internal/validate"
)

// Axis is one of the method's two scales.
type Axis string

// The two scales: likelihood (scored before existing controls for the
// inherent risk) and impact.
const (
	AxisLikelihood Axis = "likelihood"
	AxisImpact     Axis = "impact"
)

// Axes lists the scales in the order the method shows them.
var Axes = []Axis{AxisLikelihood, AxisImpact}

// The parts of a scale point in the method form.
const (
	PartLabel      = "label"
	PartDefinition = "def"
)

// Bounds of a scale point's texts (runes, per language).
const (
	MaxScaleLabel      = 60
	MaxScaleDefinition = 600
)

// ScalePoint is one point of a scale: a short label ("mogelijk") and its
// definition ("Eens per één tot vijf jaar."), both in NL and EN.
type ScalePoint struct {
	Label      i18n.Text `json:"label"`
	Definition i18n.Text `json:"definition"`
}

// Scales are the method's 5-point likelihood and impact scales. Index 0 is
// point 1.
type Scales struct {
	Likelihood [ScaleMax]ScalePoint `json:"likelihood"`
	Impact     [ScaleMax]ScalePoint `json:"impact"`
}

// Axis returns the points of one scale.
func (s Scales) Axis(a Axis) [ScaleMax]ScalePoint {
	if a == AxisImpact {
		return s.Impact
	}
	return s.Likelihood
}

// Point returns point n (1..ScaleMax) of a scale; the zero point outside
// the scale.
func (s Scales) Point(a Axis, n int) ScalePoint {
	if n < 1 || n > ScaleMax {
		return ScalePoint{}
	}
	return s.Axis(a)[n-1]
}

func (s *Scales) set(a Axis, n int, p ScalePoint) {
	if a == AxisImpact {
		s.Impact[n-1] = p
	} else {
		s.Likelihood[n-1] = p
	}
}

// DefaultScales are the scales an entity starts with: the catalogue's texts,
// so an entity that never edited its scales sees the standard definitions.
// They describe impact on society and economy and on the entity's own
// operations, finances and reputation.
func DefaultScales() Scales {
	var s Scales
	for _, a := range Axes {
		for n := 1; n <= ScaleMax; n++ {
			key := "risk." + string(a) + "." + strconv.Itoa(n)
			s.set(a, n, ScalePoint{
				Label:      i18n.Text{NL: i18n.Translate(i18n.NL, key), EN: i18n.Translate(i18n.EN, key)},
				Definition: i18n.Text{NL: i18n.Translate(i18n.NL, key+".desc"), EN: i18n.Translate(i18n.EN, key+".desc")},
			})
		}
	}
	return s
}

// decodeScales reads the stored scales; NULL (nil) is the default.
func decodeScales(raw []byte) (Scales, error) {
	if raw == nil {
		return DefaultScales(), nil
	}
	var s Scales
	if err := json.Unmarshal(raw, &s); err != nil {
		return Scales{}, fmt.Errorf("risk scales: %w", err)
	}
	return s, nil
}

// ScaleField is the method-form field of one text of a scale point, e.g.
// "likelihood_3_label_nl".
func ScaleField(a Axis, n int, part string, l i18n.Lang) string {
	return string(a) + "_" + strconv.Itoa(n) + "_" + part + "_" + string(l)
}

// ScaleFields lists every scale field of the method form with its value in
// s, in form order.
func ScaleFields(s Scales) map[string]string {
	out := map[string]string{}
	for _, a := range Axes {
		for n := 1; n <= ScaleMax; n++ {
			p := s.Point(a, n)
			for _, l := range i18n.Langs {
				out[ScaleField(a, n, PartLabel, l)] = p.Label.Lang(l)
				out[ScaleField(a, n, PartDefinition, l)] = p.Definition.Lang(l)
			}
		}
	}
	return out
}

// parseScales validates the submitted scale fields: every label and
// definition present in both languages and within its bound.
func parseScales(fields map[string]string) (Scales, validate.Errors) {
	errs := validate.Errors{}
	var s Scales
	text := func(a Axis, n int, part string, max int) i18n.Text {
		var t i18n.Text
		for _, l := range i18n.Langs {
			f := ScaleField(a, n, part, l)
			v := strings.TrimSpace(fields[f])
			switch {
			case v == "":
				errs.Add(f, "validate.required")
			case utf8.RuneCountInString(v) > max:
				errs.Add(f, "validate.too_long")
			}
			if l == i18n.EN {
				t.EN = v
			} else {
				t.NL = v
			}
		}
		return t
	}
	for _, a := range Axes {
		for n := 1; n <= ScaleMax; n++ {
			s.set(a, n, ScalePoint{Label: text(a, n, PartLabel, MaxScaleLabel), Definition: text(a, n, PartDefinition, MaxScaleDefinition)})
		}
	}
	return s, errs
}

// auditScales is the scales as readable audit fields: one per point
// ("likelihood_3"), its label and definition in both languages.
func auditScales(s Scales, into map[string]any) {
	for _, a := range Axes {
		for n := 1; n <= ScaleMax; n++ {
			p := s.Point(a, n)
			into[string(a)+"_"+strconv.Itoa(n)] = p.Label.NL + ": " + p.Definition.NL + " | " + p.Label.EN + ": " + p.Definition.EN
		}
	}
}

// ScaleChange names what changed between two versions of a method: "matrix",
// "tolerance", or a scale point ("likelihood", 3).
type ScaleChange struct {
	Field string
	Point int
}

// MethodChanges lists what changed from prev to cur, in form order.
func MethodChanges(prev, cur Method) []ScaleChange {
	var out []ScaleChange
	if prev.Matrix != cur.Matrix {
		out = append(out, ScaleChange{Field: "matrix"})
	}
	if prev.Tolerance != cur.Tolerance {
		out = append(out, ScaleChange{Field: "tolerance"})
	}
	for _, a := range Axes {
		for n := 1; n <= ScaleMax; n++ {
			if prev.Scales.Point(a, n) != cur.Scales.Point(a, n) {
				out = append(out, ScaleChange{Field: string(a), Point: n})
			}
		}
	}
	return out
}
