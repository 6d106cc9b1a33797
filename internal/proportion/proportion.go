// Package proportion is Weerbaar's proportionality engine: it turns the
// Art. 21(1) NIS2 factors of one entity (exposure to risk, size, likelihood and
// severity of incidents) plus its class (essential or important) into a target
// maturity per measure a–j, the gap to the current maturity, a priority rank
// and an explanation that a board member can check by hand.
//
// The package is pure: no database, no HTTP, no other internal package. Every
// saved result carries the engine version that produced it, and Compute keeps
// every released version available so an old result can be reproduced exactly
// after the model has moved on. See docs/proportionality.md for the model, the
// proofs of its properties and a worked example.
package proportion

import (
	"errors"
	"fmt"
	"math"
	"slices"

	"github.com/weerbaar/weerbaar/internal/i18n"
)

// CurrentVersion is the engine version new computations should use. Store it
// with every saved result; to change the model, add a new version next to it
// instead of editing an existing one (the pinned tests enforce this).
const CurrentVersion = "prop-2026.2"

// Size is the enterprise size class from the NIS2 scope assessment
// (Commission Recommendation 2003/361/EC, linked enterprises aggregated).
type Size string

// The four size classes, smallest first.
const (
	SizeMicro  Size = "micro"
	SizeSmall  Size = "small"
	SizeMedium Size = "medium"
	SizeLarge  Size = "large"
)

// Class is the NIS2 entity class. It is not an Art. 21(1) factor, but
// essential entities are supervised ex ante and face higher fines, so the
// engine gives them a bounded bonus and never a lower target.
type Class string

// The two entity classes.
const (
	ClassEssential Class = "essential"
	ClassImportant Class = "important"
)

// Factor names as used in Contribution.Factor and Guidance.Factor; the UI and
// the catalogue key on them, so they are part of the API.
const (
	FactorExposure   = "exposure"
	FactorSize       = "size"
	FactorLikelihood = "likelihood"
	FactorImpact     = "impact"
	FactorClass      = "class"
)

// Factors are the entity-wide inputs. Exposure, Likelihood and Impact are
// scored 1 (lowest) to 5 (highest) with the texts of FactorGuidance so that two
// officers score alike; Impact includes societal and economic impact.
type Factors struct {
	Exposure, Likelihood, Impact int // 1..5
	Size                         Size
	Class                        Class
	// AnySize marks an entity of a type NIS2 covers whatever its size (the
	// scope engine's any_size_* rules: DNS, TLD, trust services, public
	// electronic communications, public administration). From prop-2026.2
	// its size never lowers a target: the size factor counts as large.
	// Earlier versions ignore it.
	AnySize bool
	// RegulationBound marks an entity bound by Implementing Regulation (EU)
	// 2024/2690 (its Art. 1 types). From prop-2026.2 every measure with an
	// applicable requirement has a target of at least 3. Earlier versions
	// ignore it.
	RegulationBound bool
}

// ErrInvalid is wrapped by every validation error of this package, so callers
// can tell bad input (show it to the user) from a programming error.
var ErrInvalid = errors.New("invalid proportionality input")

// ErrUnknownVersion is returned by Compute for a version this build does not
// know; a saved result with such a version cannot be reproduced here.
var ErrUnknownVersion = errors.New("unknown proportionality engine version")

// FieldError names the input that is wrong, so a service can put the message
// next to the right form field. It wraps ErrInvalid.
type FieldError struct {
	// Field is a path such as "exposure" or "measures[2].sensitivity.size".
	Field string
	// Problem says what is wrong, in English, for logs and developers.
	Problem string
}

func (e *FieldError) Error() string { return e.Field + ": " + e.Problem }

// Unwrap makes errors.Is(err, ErrInvalid) true.
func (e *FieldError) Unwrap() error { return ErrInvalid }

func fieldErr(field, format string, args ...any) error {
	return &FieldError{Field: field, Problem: fmt.Sprintf(format, args...)}
}

// Validate reports every factor that is out of range or unknown, joined, so a
// form can show all problems at once; nil when the factors are usable.
func (f Factors) Validate() error {
	var errs []error
	check := func(name string, v int) {
		if v < 1 || v > 5 {
			errs = append(errs, fieldErr(name, "%d is not in 1..5", v))
		}
	}
	check(FactorExposure, f.Exposure)
	check(FactorLikelihood, f.Likelihood)
	check(FactorImpact, f.Impact)
	if _, ok := sizeTwelfths[f.Size]; !ok {
		errs = append(errs, fieldErr(FactorSize, "unknown size %q (want micro, small, medium or large)", f.Size))
	}
	if f.Class != ClassEssential && f.Class != ClassImportant {
		errs = append(errs, fieldErr(FactorClass, "unknown class %q (want essential or important)", f.Class))
	}
	return errors.Join(errs...)
}

// Sensitivity says how strongly one measure's target follows each factor, each
// in [0,1]: 0 means the factor does not matter for this measure, 1 means it
// matters as much as anything can. Values are used at a resolution of 0.001.
//
// Class is an addition to the four Art. 21(1) factors: it scales the
// bonus an essential entity gets on this measure (0 = none). Start from
// Defaults so it is not left at zero by accident.
type Sensitivity struct {
	Exposure, Size, Likelihood, Impact float64
	Class                              float64
}

// Validate reports every sensitivity outside [0,1] (NaN included).
func (s Sensitivity) Validate() error {
	var errs []error
	for _, c := range []struct {
		name string
		v    float64
	}{{FactorExposure, s.Exposure}, {FactorSize, s.Size}, {FactorLikelihood, s.Likelihood}, {FactorImpact, s.Impact}, {FactorClass, s.Class}} {
		if !(c.v >= 0 && c.v <= 1) { // also catches NaN
			errs = append(errs, fieldErr(c.name, "%v is not in [0,1]", c.v))
		}
	}
	return errors.Join(errs...)
}

// MeasureInput is one measure of Art. 21(2) as the engine needs it.
type MeasureInput struct {
	// Code is the measure letter "a".."j"; codes must be unique in one call.
	Code string
	// Current is the current maturity 0..5, fractional when it is derived from
	// the requirements under the measure. Used at a resolution of 0.001 for
	// ranking.
	Current float64
	// Sensitivity is the measure's reference data, possibly adjusted by the
	// entity admin.
	Sensitivity Sensitivity
	// Requirements are the requirements serving the measure, for the legal
	// floors of prop-2026.2 (earlier versions ignore them). Without them no
	// requirement-based floor applies.
	Requirements []RequirementInput
	// Adopted is the target the management body adopted instead of the
	// proposal (Art. 20(1) NIS2), 1..5; 0 when it follows the proposal. From
	// prop-2026.2 it is the target, but never below the legal floor.
	// Earlier versions ignore it.
	Adopted int
}

// RequirementInput is what the legal floors need to know of one requirement.
type RequirementInput struct {
	Code string
	// Applicable is false when the entity justified not applying it.
	Applicable bool
	// Documented marks a requirement worded as a documented policy,
	// procedure or plan: it cannot be met below maturity 3 ("defined").
	Documented bool
}

// Floor is one legal floor that holds for a measure: a rule code (the
// catalogue key is "prop.floor." + Rule), the level it guarantees and the
// explanation as a catalogue message.
type Floor struct {
	Rule  string
	Level int
	Text  i18n.Msg
}

// The floor rules of prop-2026.2.
const (
	// FloorDocumented: an applicable requirement worded as a documented
	// policy, procedure or plan.
	FloorDocumented = "documented"
	// FloorRegulationBound: the entity is bound by Reg. 2024/2690 and the
	// measure has an applicable requirement.
	FloorRegulationBound = "regulation_bound"
)

// Contribution is one factor's share of a measure's weight, in numbers and as
// a catalogue message, so the UI can answer "waarom dit doel?".
type Contribution struct {
	Factor string // "exposure", "size", "likelihood", "impact", "class"
	Input  string // the entity's value, e.g. "4", "medium", "essential"
	// Points is the part of the weight this factor adds, a multiple of 0.001;
	// the points of one result add up to its Weight exactly.
	Points float64
	// Text explains the share; render it in the reader's language.
	Text i18n.Msg
}

// Result is the engine's verdict on one measure.
type Result struct {
	Code string
	// Weight in [0,1], a multiple of 0.001: how demanding this entity's
	// situation is for this measure. Target is derived from this rounded value,
	// so the displayed number is the one that decides.
	Weight float64
	// Target maturity 1..5: the proposal, or the adopted target where the
	// management body adopted one (never below Floor).
	Target int
	// Proportional is 1 + round(4 · Weight): the target the factors alone
	// give. Equal to Target in prop-2026.1.
	Proportional int
	// Floor is the highest legal floor (0 when none) and Floors the rules
	// behind it (prop-2026.2 on).
	Floor  int
	Floors []Floor
	// Proposal is the engine's advice: max(Proportional, Floor).
	Proposal int
	// Adopted is the adopted target as given (0: none).
	Adopted int
	// Current maturity as given.
	Current float64
	// Gap is Target − Current, sign kept: negative means above target. Use
	// Shortfall for "how much is missing".
	Gap float64
	// Rank is the priority, 1 = address first; ranks form 1..n.
	Rank          int
	Contributions []Contribution
	// Explanation is the whole calculation as a catalogue message.
	Explanation i18n.Msg
	// Version is the engine version that produced this result; store it.
	Version string
}

// Shortfall is the part of the gap still to close: max(0, Gap).
func (r Result) Shortfall() float64 { return math.Max(0, r.Gap) }

// engine computes results for one version. Each version's function and the
// helpers it calls must never change behaviour once released.
type engine func(f Factors, measures []MeasureInput) []Result

// engines is the registry of released versions.
var engines = map[string]engine{
	"prop-2026.1": computeV2026_1,
	"prop-2026.2": computeV2026_2,
}

// Versions lists the engine versions this build can compute, sorted, so an
// admin screen or a migration can check that saved results are reproducible.
func Versions() []string {
	vs := make([]string, 0, len(engines))
	for v := range engines {
		vs = append(vs, v)
	}
	slices.Sort(vs)
	return vs
}

// Compute returns one Result per measure, in input order, computed by the
// given engine version. It is deterministic: the same version and inputs give
// identical results on every machine. An unknown version gives
// ErrUnknownVersion; invalid input gives errors wrapping ErrInvalid. Results
// are remembered (memo.go): the returned slice is the caller's, the slices
// inside the results are shared and must not be changed.
func Compute(version string, f Factors, measures []MeasureInput) ([]Result, error) {
	eng, ok := engines[version]
	if !ok {
		return nil, fmt.Errorf("compute %q: %w", version, ErrUnknownVersion)
	}
	if err := validateInputs(f, measures); err != nil {
		return nil, fmt.Errorf("compute %s: %w", version, err)
	}
	key := appendMemoKey(make([]byte, 0, 2048), version, f, measures)
	if rs, ok := memoized(key); ok {
		return rs, nil
	}
	rs := eng(f, measures)
	remember(key, rs)
	return rs, nil
}

// validMeasureCodes are the letters of Art. 21(2).
var validMeasureCodes = map[string]bool{
	"a": true, "b": true, "c": true, "d": true, "e": true,
	"f": true, "g": true, "h": true, "i": true, "j": true,
}

func validateInputs(f Factors, measures []MeasureInput) error {
	errs := []error{f.Validate()}
	seen := make(map[string]bool, len(measures))
	for i, m := range measures {
		p := fmt.Sprintf("measures[%d]", i)
		switch {
		case !validMeasureCodes[m.Code]:
			errs = append(errs, fieldErr(p+".code", "%q is not a measure code a..j", m.Code))
		case seen[m.Code]:
			errs = append(errs, fieldErr(p+".code", "duplicate measure code %q", m.Code))
		}
		seen[m.Code] = true
		if m.Adopted < 0 || m.Adopted > 5 {
			errs = append(errs, fieldErr(p+".adopted", "%d is not 0 (none) or 1..5", m.Adopted))
		}
		for j, r := range m.Requirements {
			if r.Code == "" {
				errs = append(errs, fieldErr(fmt.Sprintf("%s.requirements[%d].code", p, j), "empty requirement code"))
			}
		}
		if !(m.Current >= 0 && m.Current <= 5) {
			errs = append(errs, fieldErr(p+".current", "%v is not in 0..5", m.Current))
		}
		if err := m.Sensitivity.Validate(); err != nil {
			var fe *FieldError
			for _, e := range unwrapAll(err) {
				if errors.As(e, &fe) {
					errs = append(errs, &FieldError{Field: p + ".sensitivity." + fe.Field, Problem: fe.Problem})
				}
			}
		}
	}
	return errors.Join(errs...)
}

// unwrapAll flattens an errors.Join result.
func unwrapAll(err error) []error {
	if j, ok := err.(interface{ Unwrap() []error }); ok {
		return j.Unwrap()
	}
	return []error{err}
}
