package measure

import (
	"slices"

	"github.com/weerbaar/weerbaar/internal/measure/catalogue"
	"github.com/weerbaar/weerbaar/internal/scope"
	"github.com/weerbaar/weerbaar/internal/validate"
)

// RegulationSource cites the article that says whom the Annex of
// Implementing Regulation (EU) 2024/2690 binds.
const RegulationSource = "art. 1 Uitvoeringsverordening (EU) 2024/2690"

// regulationSubsectors are the entity types of Art. 1 of Implementing
// Regulation (EU) 2024/2690, as subsector codes of internal/scope: DNS
// service providers, TLD name registries, cloud computing, data centre and
// content delivery network providers, managed (security) service providers,
// online marketplaces, online search engines, social networking platforms and
// trust service providers. For them the Annex is binding law; for every
// other entity it is guidance until Dutch sector regulations (ministeriële
// regelingen under the Cbw) set binding rules.
var regulationSubsectors = []string{
	"digital.dns", "digital.tld", "digital.cloud", "digital.data_centre", "digital.cdn", "digital.trust_service",
	"ict.msp", "ict.mssp",
	"digital_providers.marketplace", "digital_providers.search_engine", "digital_providers.social_network",
}

// RegulationSubsectors returns the subsector codes whose entities the Annex
// of Regulation 2024/2690 binds (a copy).
func RegulationSubsectors() []string { return slices.Clone(regulationSubsectors) }

// Binding says whether the Annex of Regulation 2024/2690 binds an entity,
// from its latest scope assessment.
type Binding struct {
	// Assessed is false when the entity has no scope assessment yet; the
	// Annex is then treated as guidance and the pages say why.
	Assessed bool
	// Bound is true when the entity is in scope (essential or important)
	// with at least one subsector of Art. 1 of the Regulation.
	Bound bool
	// Subsectors are the entity's subsectors that make it bound.
	Subsectors []string
}

// RegulationBinds decides Binding from the class and subsectors of the
// latest scope assessment (assessed false: none).
func RegulationBinds(assessed bool, class string, subsectors []string) Binding {
	b := Binding{Assessed: assessed}
	if !assessed || (scope.Class(class) != scope.ClassEssential && scope.Class(class) != scope.ClassImportant) {
		return b
	}
	for _, s := range subsectors {
		if slices.Contains(regulationSubsectors, s) {
			b.Subsectors = append(b.Subsectors, s)
		}
	}
	b.Bound = len(b.Subsectors) > 0
	return b
}

// NotApplicable is the outcome of marking a requirement or checklist point
// as not applicable.
type NotApplicable int

// The outcomes, from allowed to refused.
const (
	// NAAllowed: the Annex lets the entity deviate with a documented reason.
	NAAllowed NotApplicable = iota
	// NAWarn: allowed with a reason, but the Annex states the point without
	// a qualifier; the entity is not bound, so the page warns.
	NAWarn
	// NARefused: the entity is bound and the Annex states the point without
	// "where appropriate", "where applicable" or "to the extent feasible".
	NARefused
)

// CheckNotApplicable applies Art. 2(2) of Regulation 2024/2690: a bound
// entity may leave out only what the Annex qualifies; other entities may
// leave anything out with a reason, and are warned where the Annex does not
// qualify it.
func CheckNotApplicable(b Binding, qualified bool) NotApplicable {
	switch {
	case qualified:
		return NAAllowed
	case b.Bound:
		return NARefused
	}
	return NAWarn
}

// checkNotApplicable adds the field error for a refused "not applicable".
func checkNotApplicable(errs validate.Errors, field string, b Binding, qualified bool) {
	if CheckNotApplicable(b, qualified) == NARefused {
		errs.Add(field, "points.error.na_bound")
	}
}

// requirementQualified reports whether a requirement as a whole may be left
// out: the Annex qualifies it (where_appropriate in the catalogue).
func requirementQualified(r catalogue.Requirement) bool { return r.WhereAppropriate }
