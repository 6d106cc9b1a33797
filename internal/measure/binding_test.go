package measure

import (
	"slices"
	"testing"

	"github.com/weerbaar/weerbaar/internal/scope"
)

// TestRegulationSubsectorsExist: every entity type of Art. 1 of Regulation
// 2024/2690 is a subsector code of the scope data, and none is missing.
func TestRegulationSubsectorsExist(t *testing.T) {
	t.Parallel()
	for _, code := range RegulationSubsectors() {
		if _, ok := scope.LookupSubsector(code); !ok {
			t.Errorf("%s is not a subsector of internal/scope", code)
		}
	}
	if n := len(RegulationSubsectors()); n != 11 {
		t.Errorf("%d subsectors, want the 11 entity types of Art. 1", n)
	}
	for _, notBound := range []string{"drinking_water", "digital.ixp", "digital.public_electronic_communications", "digital.domain_registration",
		"energy.electricity", "public_administration.municipality"} {
		if slices.Contains(RegulationSubsectors(), notBound) {
			t.Errorf("%s is not an entity type of Art. 1 of the Regulation", notBound)
		}
	}
}

func TestRegulationBinds(t *testing.T) {
	t.Parallel()
	for _, tt := range []struct {
		name       string
		assessed   bool
		class      string
		subsectors []string
		bound      bool
	}{
		{"not assessed", false, "", nil, false},
		{"important cloud provider", true, "important", []string{"digital.cloud"}, true},
		{"essential TLD registry", true, "essential", []string{"digital.tld"}, true},
		{"drinking water only", true, "essential", []string{"drinking_water"}, false},
		{"water company that also runs a data centre", true, "essential", []string{"drinking_water", "digital.data_centre"}, true},
		{"cloud provider out of scope", true, "out_of_scope", []string{"digital.cloud"}, false},
		{"domain registration only", true, "registration_only", []string{"digital.domain_registration"}, false},
		{"IXP (Annex I, not in Art. 1)", true, "essential", []string{"digital.ixp"}, false},
	} {
		b := RegulationBinds(tt.assessed, tt.class, tt.subsectors)
		if b.Bound != tt.bound || b.Assessed != tt.assessed {
			t.Errorf("%s: %+v, want bound %v", tt.name, b, tt.bound)
		}
	}
}

func TestCheckNotApplicable(t *testing.T) {
	t.Parallel()
	bound, free := Binding{Assessed: true, Bound: true}, Binding{Assessed: true}
	for _, tt := range []struct {
		b         Binding
		qualified bool
		want      NotApplicable
	}{
		{bound, true, NAAllowed}, {bound, false, NARefused},
		{free, true, NAAllowed}, {free, false, NAWarn},
		{Binding{}, false, NAWarn},
	} {
		if got := CheckNotApplicable(tt.b, tt.qualified); got != tt.want {
			t.Errorf("CheckNotApplicable(%+v, %v) = %v, want %v", tt.b, tt.qualified, got, tt.want)
		}
	}
}
