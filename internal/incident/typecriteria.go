package incident

import (
	"fmt"
	"slices"
)

// Art. 3(1)(g) of Implementing Regulation (EU) 2024/2690: an incident is
// also significant when it meets a criterion of Articles 5 to 14 for the
// entity's type. The criteria are data here; the page shows them only for
// the types the entity is (its scope subsectors that the Regulation binds,
// see measure.RegulationBinds) and Assess counts them like the Art. 3(1)
// checklist. Sources: docs/sources.md.

// EntityType is one entity type with criteria of its own in Articles 5 to
// 14; managed service and managed security service providers share
// Article 10.
type EntityType string

// The entity types in the Regulation's order.
const (
	TypeDNS           EntityType = "dns"
	TypeTLD           EntityType = "tld"
	TypeCloud         EntityType = "cloud"
	TypeDataCentre    EntityType = "data_centre"
	TypeCDN           EntityType = "cdn"
	TypeManaged       EntityType = "managed"
	TypeMarketplace   EntityType = "marketplace"
	TypeSearchEngine  EntityType = "search_engine"
	TypeSocialNetwork EntityType = "social_network"
	TypeTrustService  EntityType = "trust_service"
)

// TypeCriterion is one point of Articles 5 to 14. Code ("art7_b") is what
// the form, the stored answers and the reasons use.
type TypeCriterion struct {
	Code    string
	Article int
	Point   string
}

// LabelKey is the i18n key of the criterion's short label.
func (c TypeCriterion) LabelKey() string { return "incident.sig.type." + c.Code }

// Cite is the article and point, e.g. "art. 7(b)" (the same in Dutch and
// English).
func (c TypeCriterion) Cite() string { return fmt.Sprintf("art. %d(%s)", c.Article, c.Point) }

// TypeGroup is the criteria of one entity type: one fieldset on the page.
type TypeGroup struct {
	Type     EntityType
	Article  int
	Criteria []TypeCriterion
}

// TitleKey is the i18n key of the group's fieldset legend.
func (g TypeGroup) TitleKey() string { return "incident.sig.types." + string(g.Type) }

func points(article int, pts ...string) []TypeCriterion {
	out := make([]TypeCriterion, len(pts))
	for k, p := range pts {
		out[k] = TypeCriterion{Code: fmt.Sprintf("art%d_%s", article, p), Article: article, Point: p}
	}
	return out
}

// typeGroups are Articles 5 to 14 in order, with the points each has.
var typeGroups = []TypeGroup{
	{TypeDNS, 5, points(5, "a", "b", "c")},
	{TypeTLD, 6, points(6, "a", "b", "c")},
	{TypeCloud, 7, points(7, "a", "b", "c", "d")},
	{TypeDataCentre, 8, points(8, "a", "b", "c", "d")},
	{TypeCDN, 9, points(9, "a", "b", "c", "d")},
	{TypeManaged, 10, points(10, "a", "b", "c", "d")},
	{TypeMarketplace, 11, points(11, "a", "b", "c", "d")},
	{TypeSearchEngine, 12, points(12, "a", "b", "c", "d")},
	{TypeSocialNetwork, 13, points(13, "a", "b", "c", "d")},
	{TypeTrustService, 14, points(14, "a", "b", "c", "d", "e")},
}

// subsectorTypes maps the scope subsector codes of the Regulation's Art. 1
// entities (measure.RegulationSubsectors; a test keeps the two equal) to
// their entity type.
var subsectorTypes = map[string]EntityType{
	"digital.dns":                      TypeDNS,
	"digital.tld":                      TypeTLD,
	"digital.cloud":                    TypeCloud,
	"digital.data_centre":              TypeDataCentre,
	"digital.cdn":                      TypeCDN,
	"ict.msp":                          TypeManaged,
	"ict.mssp":                         TypeManaged,
	"digital_providers.marketplace":    TypeMarketplace,
	"digital_providers.search_engine":  TypeSearchEngine,
	"digital_providers.social_network": TypeSocialNetwork,
	"digital.trust_service":            TypeTrustService,
}

// TypeSubsectors returns the subsector codes that have entity-type criteria
// (for the test that keeps them in step with measure).
func TypeSubsectors() []string {
	out := make([]string, 0, len(subsectorTypes))
	for s := range subsectorTypes {
		out = append(out, s)
	}
	slices.Sort(out)
	return out
}

// AllTypeGroups returns every entity type's criteria in article order (a
// copy).
func AllTypeGroups() []TypeGroup { return slices.Clone(typeGroups) }

// TypeGroupsFor returns the criteria groups for an entity with these bound
// subsectors, in article order and each type once (an MSP that is also an
// MSSP gets Article 10 once). Unknown subsectors have none.
func TypeGroupsFor(subsectors []string) []TypeGroup {
	var out []TypeGroup
	for _, g := range typeGroups {
		for _, s := range subsectors {
			if subsectorTypes[s] == g.Type {
				out = append(out, g)
				break
			}
		}
	}
	return out
}

// CriteriaOf flattens groups into their criteria, in order.
func CriteriaOf(groups []TypeGroup) []TypeCriterion {
	var out []TypeCriterion
	for _, g := range groups {
		out = append(out, g.Criteria...)
	}
	return out
}

// TypeCriterionByCode finds a criterion of any type by its code.
func TypeCriterionByCode(code string) (TypeCriterion, bool) {
	for _, g := range typeGroups {
		for _, c := range g.Criteria {
			if c.Code == code {
				return c, true
			}
		}
	}
	return TypeCriterion{}, false
}
