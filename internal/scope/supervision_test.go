package scope

import (
	"os"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/weerbaar/weerbaar/internal/i18n"
)

// TestSupervisionPerSubsector pins the three roles of every subsector: the
// competent authority (a minister), the supervisor(s) and the CSIRT, with
// the known corrections (DNB/AFM for finance, Z-CERT for healthcare, RDI on
// behalf of EZ for research).
func TestSupervisionPerSubsector(t *testing.T) {
	t.Parallel()
	tests := []struct {
		code, authority string
		supervisors     []string // empty: not known yet
		csirt           string
	}{
		{"energy.electricity", "KGG", []string{"RDI"}, "NCSC"},
		{"energy.district_heating", "KGG", []string{"RDI"}, "NCSC"},
		{"energy.oil", "KGG", []string{"RDI"}, "NCSC"},
		{"energy.gas", "KGG", []string{"RDI"}, "NCSC"},
		{"energy.hydrogen", "KGG", []string{"RDI"}, "NCSC"},
		{"transport.air", "IENW", []string{"ILT"}, "NCSC"},
		{"transport.rail", "IENW", []string{"ILT"}, "NCSC"},
		{"transport.water", "IENW", []string{"ILT"}, "NCSC"},
		{"transport.road", "IENW", []string{"ILT"}, "NCSC"},
		{"banking", "FIN", []string{"DNB"}, "NCSC"},
		{"financial_market_infrastructure", "FIN", []string{"DNB", "AFM"}, "NCSC"},
		{"health.healthcare_provider", "VWS", []string{"IGJ"}, "Z-CERT"},
		{"health.eu_reference_lab", "VWS", []string{"IGJ"}, "Z-CERT"},
		{"health.pharma_research", "VWS", []string{"IGJ"}, "Z-CERT"},
		{"health.pharma_manufacturing", "VWS", []string{"IGJ"}, "Z-CERT"},
		{"health.critical_medical_devices", "VWS", []string{"IGJ"}, "Z-CERT"},
		{"drinking_water", "IENW", []string{"ILT"}, "NCSC"},
		{"waste_water", "IENW", []string{"ILT"}, "NCSC"},
		{"digital.ixp", "EZ", []string{"RDI"}, "NCSC"},
		{"digital.dns", "EZ", []string{"RDI"}, "NCSC"},
		{"digital.tld", "EZ", []string{"RDI"}, "NCSC"},
		{"digital.cloud", "EZ", []string{"RDI"}, "NCSC"},
		{"digital.data_centre", "EZ", []string{"RDI"}, "NCSC"},
		{"digital.cdn", "EZ", []string{"RDI"}, "NCSC"},
		{"digital.trust_service", "EZ", []string{"RDI"}, "NCSC"},
		{"digital.public_electronic_communications", "EZ", []string{"RDI"}, "NCSC"},
		{"digital.domain_registration", "EZ", []string{"RDI"}, "NCSC"},
		{"ict.msp", "EZ", []string{"RDI"}, "NCSC"},
		{"ict.mssp", "EZ", []string{"RDI"}, "NCSC"},
		{"public_administration.central", "BZK", nil, "NCSC"},
		{"public_administration.province", "BZK", nil, "NCSC"},
		{"public_administration.municipality", "BZK", nil, "NCSC"},
		{"public_administration.water_board", "IENW", nil, "NCSC"},
		{"space", "EZ", nil, "NCSC"},
		{"postal", "EZ", nil, "NCSC"},
		{"waste_management", "IENW", []string{"ILT"}, "NCSC"},
		{"chemicals", "IENW", nil, "NCSC"},
		{"food", "LVVN", []string{"NVWA"}, "NCSC"},
		{"manufacturing.medical_devices", "VWS", []string{"IGJ"}, "NCSC"},
		{"manufacturing.electronics", "EZ", []string{"RDI"}, "NCSC"},
		{"manufacturing.electrical_equipment", "EZ", []string{"RDI"}, "NCSC"},
		{"manufacturing.machinery", "EZ", []string{"RDI"}, "NCSC"},
		{"manufacturing.motor_vehicles", "EZ", []string{"RDI"}, "NCSC"},
		{"manufacturing.other_transport", "EZ", []string{"RDI"}, "NCSC"},
		{"digital_providers.marketplace", "EZ", nil, "NCSC"},
		{"digital_providers.search_engine", "EZ", nil, "NCSC"},
		{"digital_providers.social_network", "EZ", nil, "NCSC"},
		{"research", "EZ", []string{"RDI"}, "NCSC"},
	}
	if len(tests) != len(Subsectors()) {
		t.Fatalf("%d rows tested, %d subsectors: test every row", len(tests), len(Subsectors()))
	}
	for _, tt := range tests {
		t.Run(tt.code, func(t *testing.T) {
			t.Parallel()
			s, ok := SupervisionOf(tt.code)
			if !ok {
				t.Fatal("no supervision data")
			}
			if s.Authority.Code != tt.authority || s.CSIRT.Code != tt.csirt {
				t.Errorf("authority %s, CSIRT %s; want %s, %s", s.Authority.Code, s.CSIRT.Code, tt.authority, tt.csirt)
			}
			var sup []string
			for _, a := range s.Supervisors {
				sup = append(sup, a.Code)
			}
			if !slices.Equal(sup, tt.supervisors) {
				t.Errorf("supervisors %v, want %v", sup, tt.supervisors)
			}
			if len(sup) == 0 && !s.SupervisorNote.Complete() {
				t.Error("unknown supervisor without a note saying so")
			}
			if _, ok := LookupAuthority(s.CSIRT.Code); ok || slices.Contains(sup, "NCSC") || slices.Contains(sup, "Z-CERT") {
				t.Error("a CSIRT is used as authority or supervisor")
			}
			if len(s.Sources) == 0 {
				t.Error("no source cited")
			}
			for _, a := range append([]Assignment{s.Authority, s.CSIRT}, s.Supervisors...) {
				if !a.Name.Complete() || (!a.Verified && !a.Note.Complete()) {
					t.Errorf("%s: name %v, verified %v, note %v", a.Code, a.Name, a.Verified, a.Note)
				}
			}
		})
	}
}

// TestUnverifiedRowsAreMarked pins what we could and could not confirm, so a
// change in verification is a deliberate change in data.
func TestUnverifiedRowsAreMarked(t *testing.T) {
	t.Parallel()
	for _, s := range Subsectors() {
		sup, _ := SupervisionOf(s.Code)
		wantAuthority := s.Code != "research" && s.Code != "digital.domain_registration"
		if sup.Authority.Verified != wantAuthority {
			t.Errorf("%s: authority verified %v, want %v", s.Code, sup.Authority.Verified, wantAuthority)
		}
		if s.Unverified == wantAuthority {
			t.Errorf("%s: row flag unverified %v does not follow the authority", s.Code, s.Unverified)
		}
		wantCSIRT := !strings.HasPrefix(s.Code, "health.") || s.Code == "health.healthcare_provider"
		if sup.CSIRT.Verified != wantCSIRT {
			t.Errorf("%s: CSIRT verified %v, want %v", s.Code, sup.CSIRT.Verified, wantCSIRT)
		}
		// No supervisor designation could be checked against the Cbw text.
		if sup.Verified() {
			t.Errorf("%s: marked fully verified", s.Code)
		}
	}
}

func TestRecipientsDeduplicated(t *testing.T) {
	t.Parallel()
	type rc struct {
		role Role
		code string
		subs string
	}
	tests := []struct {
		name       string
		subsectors []string
		want       []rc
	}{
		{"none", nil, nil},
		{"unknown code skipped", []string{"nope"}, nil},
		{"drinking water", []string{"drinking_water"}, []rc{
			{RoleCSIRT, "NCSC", "drinking_water"}, {RoleAuthority, "IENW", "drinking_water"}, {RoleSupervisor, "ILT", "drinking_water"}}},
		{"hospital: Z-CERT, VWS, IGJ", []string{"health.healthcare_provider"}, []rc{
			{RoleCSIRT, "Z-CERT", "health.healthcare_provider"}, {RoleAuthority, "VWS", "health.healthcare_provider"}, {RoleSupervisor, "IGJ", "health.healthcare_provider"}}},
		{"bank: Finance and DNB, not the minister as supervisor", []string{"banking"}, []rc{
			{RoleCSIRT, "NCSC", "banking"}, {RoleAuthority, "FIN", "banking"}, {RoleSupervisor, "DNB", "banking"}}},
		{"trading venue: DNB and AFM", []string{"financial_market_infrastructure"}, []rc{
			{RoleCSIRT, "NCSC", "financial_market_infrastructure"}, {RoleAuthority, "FIN", "financial_market_infrastructure"},
			{RoleSupervisor, "DNB", "financial_market_infrastructure"}, {RoleSupervisor, "AFM", "financial_market_infrastructure"}}},
		{"research: EZ and RDI, not OCW", []string{"research"}, []rc{
			{RoleCSIRT, "NCSC", "research"}, {RoleAuthority, "EZ", "research"}, {RoleSupervisor, "RDI", "research"}}},
		{"cloud and MSP share everything once", []string{"digital.cloud", "ict.msp", "digital.cloud"}, []rc{
			{RoleCSIRT, "NCSC", "digital.cloud ict.msp"}, {RoleAuthority, "EZ", "digital.cloud ict.msp"}, {RoleSupervisor, "RDI", "digital.cloud ict.msp"}}},
		{"hospital with a data centre: both CSIRTs", []string{"health.healthcare_provider", "digital.data_centre"}, []rc{
			{RoleCSIRT, "Z-CERT", "health.healthcare_provider"}, {RoleCSIRT, "NCSC", "digital.data_centre"},
			{RoleAuthority, "VWS", "health.healthcare_provider"}, {RoleAuthority, "EZ", "digital.data_centre"},
			{RoleSupervisor, "IGJ", "health.healthcare_provider"}, {RoleSupervisor, "RDI", "digital.data_centre"}}},
		{"municipality: supervisor not known", []string{"public_administration.municipality"}, []rc{
			{RoleCSIRT, "NCSC", "public_administration.municipality"}, {RoleAuthority, "BZK", "public_administration.municipality"},
			{RoleSupervisor, "", "public_administration.municipality"}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			var got []rc
			for _, r := range Recipients(tt.subsectors) {
				got = append(got, rc{r.Role, r.Code, strings.Join(r.Subsectors, " ")})
				if !r.Name.Complete() {
					t.Errorf("%s without a name", r.Code)
				}
			}
			if !slices.Equal(got, tt.want) {
				t.Errorf("got  %v\nwant %v", got, tt.want)
			}
		})
	}
	// Each recipient cites the sources of its own role, not the whole row's.
	ids := func(r Recipient) (out []string) {
		for _, ref := range r.Sources {
			out = append(out, ref.ID)
		}
		return out
	}
	cloud := Recipients([]string{"digital.cloud"})
	if got := ids(cloud[0]); !slices.Equal(got, []string{"cbw-csirt"}) {
		t.Errorf("NCSC for cloud cites %v", got)
	}
	if got := ids(cloud[2]); cloud[2].Code != "RDI" || !slices.Equal(got, []string{"rdi-press"}) {
		t.Errorf("RDI for cloud cites %v", got)
	}
	water := Recipients([]string{"drinking_water"})
	if got := ids(water[1]); !slices.Equal(got, []string{"cbw-15"}) {
		t.Errorf("IENW for drinking water cites %v", got)
	}
	if got := ids(water[2]); !slices.Equal(got, []string{"ilt-cyber"}) {
		t.Errorf("ILT for drinking water cites %v", got)
	}

	// Verification follows the weakest assignment: Z-CERT is confirmed for
	// healthcare providers but not for pharmaceutical manufacturers.
	rs := Recipients([]string{"health.healthcare_provider"})
	if !rs[0].Verified || len(rs[0].Notes) != 0 {
		t.Errorf("Z-CERT for a healthcare provider: %+v", rs[0])
	}
	rs = Recipients([]string{"health.healthcare_provider", "health.pharma_manufacturing"})
	if rs[0].Code != "Z-CERT" || rs[0].Verified || len(rs[0].Notes) != 1 {
		t.Errorf("Z-CERT for a provider and a manufacturer: %+v", rs[0])
	}
}

func TestChangePeriod(t *testing.T) {
	t.Parallel()
	ams := func(s string) time.Time {
		tm, err := time.ParseInLocation("2006-01-02 15:04", s, i18n.Amsterdam)
		if err != nil {
			t.Fatal(err)
		}
		return tm
	}
	tests := []struct {
		name       string
		subsectors []string
		changed    string
		rule       string
		due        string
	}{
		{"no subsectors: two weeks", nil, "2026-11-02 10:00", "two_weeks", "2026-11-16 10:00"},
		{"drinking water: two weeks", []string{"drinking_water"}, "2026-11-02 10:00", "two_weeks", "2026-11-16 10:00"},
		{"two weeks across the end of DST keep the date and clock time", []string{"energy.gas"}, "2026-10-20 23:30", "two_weeks", "2026-11-03 23:30"},
		{"trust services are not Art. 27: two weeks", []string{"digital.trust_service"}, "2026-11-02 10:00", "two_weeks", "2026-11-16 10:00"},
		{"IXP is not Art. 27: two weeks", []string{"digital.ixp"}, "2026-11-02 10:00", "two_weeks", "2026-11-16 10:00"},
		{"cloud: three months", []string{"digital.cloud"}, "2026-11-02 10:00", "three_months", "2027-02-02 10:00"},
		{"every Art. 27 type: three months", []string{"digital.dns", "digital.tld", "digital.domain_registration", "digital.cloud", "digital.data_centre",
			"digital.cdn", "ict.msp", "ict.mssp", "digital_providers.marketplace", "digital_providers.search_engine", "digital_providers.social_network"},
			"2026-11-02 10:00", "three_months", "2027-02-02 10:00"},
		{"three months from 30 November end on 28 February", []string{"ict.msp"}, "2026-11-30 09:00", "three_months", "2027-02-28 09:00"},
		{"three months from 31 January end on 30 April", []string{"ict.mssp"}, "2027-01-31 09:00", "three_months", "2027-04-30 09:00"},
		{"three months across DST keep the clock time", []string{"digital.dns"}, "2027-01-15 08:00", "three_months", "2027-04-15 08:00"},
		{"Art. 27 type next to another: the stricter two weeks", []string{"digital.cloud", "health.healthcare_provider"}, "2026-11-02 10:00", "mixed", "2026-11-16 10:00"},
		{"unknown codes ignored", []string{"nope", "digital.cdn"}, "2026-11-02 10:00", "three_months", "2027-02-02 10:00"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			p := ChangePeriodFor(tt.subsectors)
			if p.Rule != tt.rule || p.Article == "" {
				t.Errorf("rule %q (%q), want %q", p.Rule, p.Article, tt.rule)
			}
			due := p.Due(ams(tt.changed).UTC())
			if got := due.In(i18n.Amsterdam).Format("2006-01-02 15:04"); got != tt.due {
				t.Errorf("due %s, want %s", got, tt.due)
			}
			if due.Location() != time.UTC {
				t.Errorf("due not in UTC: %v", due.Location())
			}
			if NeedsArt27Data(tt.subsectors) != (tt.rule != "two_weeks") {
				t.Errorf("NeedsArt27Data = %v", NeedsArt27Data(tt.subsectors))
			}
		})
	}
}

// TestSourcesDocumented keeps docs/sources.md and the data's references in
// step: every reference id the data cites is listed there with its address.
func TestSourcesDocumented(t *testing.T) {
	t.Parallel()
	b, err := os.ReadFile("../../docs/sources.md")
	if err != nil {
		t.Fatal(err)
	}
	doc := string(b)
	for _, r := range References() {
		if !strings.Contains(doc, "`"+r.ID+"`") || !strings.Contains(doc, r.URL) {
			t.Errorf("docs/sources.md lacks %s (%s)", r.ID, r.URL)
		}
	}
}

func TestSupervisionDataRejectsBrokenRoles(t *testing.T) {
	t.Parallel()
	head := `{"references":[{"id":"x","cite":"c","url":"u"}],"notes":{"supervisor_unknown":{"nl":"a","en":"b"},"n":{"nl":"a","en":"b"}},
		"authorities":[{"code":"EZ","name":{"nl":"a","en":"b"}}],"supervisors":[{"code":"RDI","name":{"nl":"a","en":"b"}}],
		"csirts":[{"code":"NCSC","name":{"nl":"a","en":"b"}}],"subsectors":[`
	row := func(csirt, roles string) string {
		return head + `{"code":"a","sector":"a","name":{"nl":"a","en":"b"},"sector_name":{"nl":"a","en":"b"},"annex":1,"authority":"EZ","csirt":"` + csirt + `","roles":` + roles + `}]}`
	}
	good := `{"authority":{"verified":true,"sources":["x"]},"supervisors":[{"code":"RDI","verified":true}],"csirt":{"verified":true,"sources":["x"]},"sources":["x"]}`
	if _, err := loadSectors([]byte(row("NCSC", good))); err != nil {
		t.Fatalf("good data rejected: %v", err)
	}
	for name, data := range map[string]string{
		"unknown CSIRT":           row("CERT", good),
		"supervisor as CSIRT":     row("RDI", good),
		"CSIRT as supervisor":     row("NCSC", `{"authority":{"verified":true,"sources":["x"]},"supervisors":[{"code":"NCSC","verified":true}],"csirt":{"verified":true,"sources":["x"]},"sources":["x"]}`),
		"unverified without note": row("NCSC", `{"authority":{"verified":false},"supervisors":[],"csirt":{"verified":true,"sources":["x"]},"sources":["x"]}`),
		"unknown note":            row("NCSC", `{"authority":{"verified":false,"note":"zz"},"supervisors":[],"csirt":{"verified":true,"sources":["x"]},"sources":["x"]}`),
		"no source":               row("NCSC", `{"authority":{"verified":true,"sources":["x"]},"supervisors":[],"csirt":{"verified":true,"sources":["x"]},"sources":[]}`),
		"unknown source":          row("NCSC", `{"authority":{"verified":true,"sources":["x"]},"supervisors":[],"csirt":{"verified":true,"sources":["x"]},"sources":["y"]}`),
	} {
		if _, err := loadSectors([]byte(data)); err == nil {
			t.Errorf("%s: accepted", name)
		}
	}
}
