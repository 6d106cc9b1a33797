package scope

import (
	"encoding/json"
	"errors"
	"github.com/weerbaar/weerbaar/internal/i18n"
	"math/rand/v2"
	"reflect"
	"slices"
	"strings"
	"testing"
)

// scopeTestCodes is the brief's list of subsector codes, in order; the data
// must match it exactly because codes are stored with assessments.
var scopeTestCodes = []string{
	"energy.electricity", "energy.district_heating", "energy.oil", "energy.gas", "energy.hydrogen",
	"transport.air", "transport.rail", "transport.water", "transport.road",
	"banking", "financial_market_infrastructure",
	"health.healthcare_provider", "health.eu_reference_lab", "health.pharma_research", "health.pharma_manufacturing", "health.critical_medical_devices",
	"drinking_water", "waste_water",
	"digital.ixp", "digital.dns", "digital.tld", "digital.cloud", "digital.data_centre", "digital.cdn", "digital.trust_service", "digital.public_electronic_communications", "digital.domain_registration",
	"ict.msp", "ict.mssp",
	"public_administration.central", "public_administration.province", "public_administration.municipality", "public_administration.water_board",
	"space", "postal", "waste_management", "chemicals", "food",
	"manufacturing.medical_devices", "manufacturing.electronics", "manufacturing.electrical_equipment", "manufacturing.machinery", "manufacturing.motor_vehicles", "manufacturing.other_transport",
	"digital_providers.marketplace", "digital_providers.search_engine", "digital_providers.social_network",
	"research",
}

func TestSubsectorsData(t *testing.T) {
	t.Parallel()
	subs := Subsectors()
	codes := make([]string, len(subs))
	for i, s := range subs {
		codes[i] = s.Code
	}
	if len(scopeTestCodes) != 48 || !slices.Equal(codes, scopeTestCodes) {
		t.Fatalf("subsector codes differ from the fixed list:\n got %v\nwant %v", codes, scopeTestCodes)
	}

	annex2 := map[string]bool{"postal": true, "waste_management": true, "chemicals": true, "food": true, "research": true}
	wantAuthority := func(code string) string {
		switch {
		case strings.HasPrefix(code, "energy."):
			return "KGG"
		case strings.HasPrefix(code, "transport."), code == "drinking_water", code == "waste_water",
			code == "waste_management", code == "chemicals", code == "public_administration.water_board":
			return "IENW"
		case code == "banking", code == "financial_market_infrastructure":
			return "FIN"
		case strings.HasPrefix(code, "health."), code == "manufacturing.medical_devices":
			return "VWS"
		case strings.HasPrefix(code, "public_administration."):
			return "BZK"
		case code == "food":
			return "LVVN"
		}
		return "EZ" // digital infrastructure, ICT, space, post, C26–C30, digital providers, research (RDI on behalf of EZ)
	}
	for _, s := range subs {
		if !s.Name.Complete() || !s.SectorName.Complete() || s.SectorCode == "" || s.CSIRT == "" {
			t.Errorf("%s: missing names, sector or CSIRT: %+v", s.Code, s)
		}
		if s.Code != s.SectorCode && !strings.HasPrefix(s.Code, s.SectorCode+".") {
			t.Errorf("%s: code not under sector %q", s.Code, s.SectorCode)
		}
		wantAnnex := 1
		switch {
		case s.Code == "digital.domain_registration":
			wantAnnex = 0 // in no annex: NIS2 art. 2(4)
		case annex2[s.Code], strings.HasPrefix(s.Code, "manufacturing."), strings.HasPrefix(s.Code, "digital_providers."):
			wantAnnex = 2
		}
		if s.Annex != wantAnnex {
			t.Errorf("%s: annex %d, want %d", s.Code, s.Annex, wantAnnex)
		}
		if _, ok := LookupAuthority(s.Authority); !ok {
			t.Errorf("%s: unknown authority %q", s.Code, s.Authority)
		}
		if want := wantAuthority(s.Code); s.Authority != want {
			t.Errorf("%s: authority %s, want %s", s.Code, s.Authority, want)
		}
		wantLex := ""
		if s.Code == "banking" || s.Code == "financial_market_infrastructure" {
			wantLex = "DORA"
		}
		if s.LexSpecialis != wantLex {
			t.Errorf("%s: lex specialis %q, want %q", s.Code, s.LexSpecialis, wantLex)
		}
		if s.Unverified {
			if r := refData.records[s.Code]; !r.Note.Complete() {
				t.Errorf("%s: unverified without a note saying what", s.Code)
			}
		}
		got, ok := LookupSubsector(s.Code)
		if !ok || got != s {
			t.Errorf("LookupSubsector(%q) = %+v, %v", s.Code, got, ok)
		}
	}
	if _, ok := LookupSubsector("energy"); ok {
		t.Error("LookupSubsector accepted a sector code")
	}

	var authCodes []string
	for _, a := range Authorities() {
		authCodes = append(authCodes, a.Code)
		if !a.Name.Complete() {
			t.Errorf("authority %s without names", a.Code)
		}
	}
	if want := []string{"BZK", "EZ", "FIN", "IENW", "KGG", "LVVN", "VWS", "OCW"}; !slices.Equal(authCodes, want) {
		t.Errorf("authorities %v, want %v", authCodes, want)
	}
	if _, ok := LookupAuthority("NCSC"); ok {
		t.Error("LookupAuthority accepted a CSIRT")
	}

	// Callers get copies; the reference data cannot be changed through them.
	subs[0].Code = "changed"
	if Subsectors()[0].Code != "energy.electricity" {
		t.Error("Subsectors returned the shared slice")
	}
}

func TestSubsectorDataRejectsBrokenFiles(t *testing.T) {
	t.Parallel()
	auth := `"references":[{"id":"r","cite":"c","url":"u"}],"notes":{"supervisor_unknown":{"nl":"a","en":"b"}},` +
		`"csirts":[{"code":"NCSC","name":{"nl":"a","en":"b"}}],"authorities":[{"code":"EZ","name":{"nl":"a","en":"b"}}]`
	sub := func(code, authority string, annex string) string {
		return `{"code":"` + code + `","sector":"x","sector_name":{"nl":"X","en":"X"},"name":{"nl":"n","en":"n"},"annex":` + annex + `,"authority":"` + authority + `","csirt":"NCSC",` +
			`"roles":{"authority":{"verified":true,"sources":["r"]},"csirt":{"verified":true,"sources":["r"]},"sources":["r"]}}`
	}
	for name, doc := range map[string]string{
		"not json":          `{`,
		"unknown authority": `{` + auth + `,"subsectors":[` + sub("x.a", "BZK", "1") + `]}`,
		"annex 3":           `{` + auth + `,"subsectors":[` + sub("x.a", "EZ", "3") + `]}`,
		"duplicate code":    `{` + auth + `,"subsectors":[` + sub("x.a", "EZ", "1") + `,` + sub("x.a", "EZ", "2") + `]}`,
		"missing names":     `{` + auth + `,"subsectors":[{"code":"x.a","annex":1,"authority":"EZ"}]}`,
	} {
		if _, err := loadSectors([]byte(doc)); err == nil {
			t.Errorf("%s: loaded without error", name)
		}
	}
	if _, err := loadSectors([]byte(`{` + auth + `,"subsectors":[` + sub("x.a", "EZ", "2") + `]}`)); err != nil {
		t.Errorf("valid minimal file: %v", err)
	}
}

func TestSizeClass(t *testing.T) {
	t.Parallel()
	const (
		m2  = 2_000_000
		m10 = 10_000_000
		m43 = 43_000_000
		m50 = 50_000_000
	)
	tests := []struct {
		name     string
		staff    int
		turnover int64
		balance  int64
		want     Size
	}{
		// Staff ceilings: "fewer than" 10, 50, 250.
		{"0 staff", 0, 0, 0, SizeMicro},
		{"9 staff", 9, 0, 0, SizeMicro},
		{"10 staff", 10, 0, 0, SizeSmall},
		{"49 staff", 49, 0, 0, SizeSmall},
		{"50 staff", 50, 0, 0, SizeMedium},
		{"249 staff", 249, 0, 0, SizeMedium},
		{"250 staff", 250, 0, 0, SizeLarge},
		{"250 staff whatever the money", 250, 1, 1, SizeLarge},

		// Micro: turnover OR balance at most €2M.
		{"micro both at €2M", 5, m2, m2, SizeMicro},
		{"micro turnover €1 over, balance at", 5, m2 + 1, m2, SizeMicro},
		{"micro balance €1 over, turnover at", 5, m2, m2 + 1, SizeMicro},
		{"micro turnover over, balance zero", 5, m2 + 1, 0, SizeMicro},
		{"micro balance over, turnover zero", 5, 0, m2 + 1, SizeMicro},
		{"micro both €1 over → small", 5, m2 + 1, m2 + 1, SizeSmall},
		{"9 staff at €2M", 9, m2, m2, SizeMicro},

		// Small: turnover OR balance at most €10M.
		{"small both at €10M", 40, m10, m10, SizeSmall},
		{"small turnover €1 over, balance at", 40, m10 + 1, m10, SizeSmall},
		{"small balance €1 over, turnover at", 40, m10, m10 + 1, SizeSmall},
		{"small turnover over, balance zero", 40, m10 + 1, 0, SizeSmall},
		{"small both €1 over → medium", 40, m10 + 1, m10 + 1, SizeMedium},
		{"brief: 40 staff, €12M, €8M", 40, 12_000_000, 8_000_000, SizeSmall},
		{"brief: 40 staff, €12M, €11M", 40, 12_000_000, 11_000_000, SizeMedium},
		{"5 staff but both over €10M → medium", 5, m10 + 1, m10 + 1, SizeMedium},

		// Medium: turnover at most €50M OR balance at most €43M.
		{"medium both at ceiling", 200, m50, m43, SizeMedium},
		{"medium turnover €1 over, balance at €43M", 200, m50 + 1, m43, SizeMedium},
		{"medium balance €1 over, turnover at €50M", 200, m50, m43 + 1, SizeMedium},
		{"medium turnover over, balance zero", 200, m50 + 1, 0, SizeMedium},
		{"medium balance over, turnover zero", 200, 0, m43 + 1, SizeMedium},
		{"medium turnover €60M, balance €43M", 200, 60_000_000, m43, SizeMedium},
		{"both €1 over → large", 200, m50 + 1, m43 + 1, SizeLarge},
		{"5 staff but both over medium ceilings → large", 5, m50 + 1, m43 + 1, SizeLarge},
		// The balance ceiling of medium is €43M, not €50M.
		{"balance between €43M and €50M counts as over", 200, m50 + 1, 45_000_000, SizeLarge},
	}
	for _, tt := range tests {
		if got := SizeClass(tt.staff, tt.turnover, tt.balance); got != tt.want {
			t.Errorf("%s: SizeClass(%d, %d, %d) = %s, want %s", tt.name, tt.staff, tt.turnover, tt.balance, got, tt.want)
		}
	}
}

// scopeRules returns the rule ids of a result, in order.
func scopeRules(res Result) []string {
	rules := make([]string, len(res.Reasons))
	for i, r := range res.Reasons {
		rules[i] = r.Rule
	}
	return rules
}

func TestAssessScopeRules(t *testing.T) {
	t.Parallel()
	micro := func(codes ...string) Input {
		return Input{Subsectors: codes, Employees: 5, TurnoverEUR: 1_000_000, BalanceEUR: 1_000_000}
	}
	sized := func(staff int, codes ...string) Input {
		return Input{Subsectors: codes, Employees: staff, TurnoverEUR: 1_000_000, BalanceEUR: 1_000_000}
	}
	with := func(in Input, f func(*Input)) Input { f(&in); return in }

	tests := []struct {
		name      string
		in        Input
		wantClass Class
		wantSize  Size
		// wantRules is the full list between size_class and guidance.
		wantRules []string
	}{
		// Any-size rules at micro size (5 staff, €1M / €1M).
		{"qualified trust service", with(micro("digital.trust_service"), func(in *Input) { in.Qualified = true }),
			ClassEssential, SizeMicro, []string{"any_size_qualified_trust_service"}},
		{"non-qualified trust service, micro", micro("digital.trust_service"),
			ClassImportant, SizeMicro, []string{"any_size_trust_service"}},
		{"TLD registry", micro("digital.tld"), ClassEssential, SizeMicro, []string{"any_size_tld"}},
		{"DNS provider", micro("digital.dns"), ClassEssential, SizeMicro, []string{"any_size_dns"}},
		{"central government", micro("public_administration.central"), ClassEssential, SizeMicro, []string{"any_size_central_government"}},
		{"province", micro("public_administration.province"), ClassEssential, SizeMicro, []string{"any_size_province"}},
		{"municipality", micro("public_administration.municipality"), ClassEssential, SizeMicro, []string{"any_size_municipality"}},
		{"water board", micro("public_administration.water_board"), ClassEssential, SizeMicro, []string{"any_size_water_board"}},
		{"public e-comms, micro", micro("digital.public_electronic_communications"), ClassImportant, SizeMicro, []string{"any_size_public_ecomms"}},
		{"CER critical entity", with(micro("food"), func(in *Input) { in.CriticalEntity = true }),
			ClassEssential, SizeMicro, []string{"critical_entity_cer", "annex2_below_threshold"}},
		{"domain registration", micro("digital.domain_registration"),
			ClassRegistrationOnly, SizeMicro, []string{"domain_registration", "unverified_reference_data"}},
		{"annex I micro", micro("energy.electricity"), ClassOutOfScope, SizeMicro, []string{"annex1_below_threshold"}},
		{"annex II micro", micro("food"), ClassOutOfScope, SizeMicro, []string{"annex2_below_threshold"}},
		{"designated essential raises micro", with(micro("food"), func(in *Input) { in.Designated = "essential" }),
			ClassEssential, SizeMicro, []string{"designated_essential", "annex2_below_threshold"}},
		{"designated important raises micro", with(micro("food"), func(in *Input) { in.Designated = "important" }),
			ClassImportant, SizeMicro, []string{"designated_important", "annex2_below_threshold"}},

		// Size rules.
		{"annex I large", sized(300, "energy.gas"), ClassEssential, SizeLarge, []string{"annex1_large"}},
		{"annex I medium", sized(60, "energy.gas"), ClassImportant, SizeMedium, []string{"annex1_medium"}},
		{"annex I small", Input{Subsectors: []string{"energy.gas"}, Employees: 40, TurnoverEUR: 12_000_000, BalanceEUR: 8_000_000},
			ClassOutOfScope, SizeSmall, []string{"annex1_below_threshold"}},
		{"annex II large", sized(300, "chemicals"), ClassImportant, SizeLarge, []string{"annex2_medium_or_large"}},
		{"annex II medium", sized(60, "chemicals"), ClassImportant, SizeMedium, []string{"annex2_medium_or_large"}},
		{"annex II small", sized(20, "chemicals"), ClassOutOfScope, SizeSmall, []string{"annex2_below_threshold"}},
		{"research medium (unverified authority)", sized(60, "research"), ClassImportant, SizeMedium,
			[]string{"annex2_medium_or_large", "unverified_reference_data"}},
		{"public e-comms, small", sized(20, "digital.public_electronic_communications"), ClassImportant, SizeSmall, []string{"any_size_public_ecomms"}},
		{"public e-comms, medium", sized(60, "digital.public_electronic_communications"), ClassEssential, SizeMedium, []string{"public_ecomms_medium_or_larger"}},
		{"public e-comms, large", sized(300, "digital.public_electronic_communications"), ClassEssential, SizeLarge, []string{"public_ecomms_medium_or_larger"}},
		{"non-qualified trust service, small", sized(20, "digital.trust_service"), ClassImportant, SizeSmall, []string{"any_size_trust_service"}},
		{"non-qualified trust service, medium follows annex I", sized(60, "digital.trust_service"), ClassImportant, SizeMedium, []string{"annex1_medium"}},
		{"non-qualified trust service, large follows annex I", sized(300, "digital.trust_service"), ClassEssential, SizeLarge, []string{"annex1_large"}},
		{"qualified trust service, large", with(sized(300, "digital.trust_service"), func(in *Input) { in.Qualified = true }),
			ClassEssential, SizeLarge, []string{"any_size_qualified_trust_service"}},
		{"municipality, large", sized(3000, "public_administration.municipality"), ClassEssential, SizeLarge, []string{"any_size_municipality"}},
		{"qualified flag without trust service has no effect", with(micro("food"), func(in *Input) { in.Qualified = true }),
			ClassOutOfScope, SizeMicro, []string{"annex2_below_threshold"}},

		// Several subsectors: strictest wins, deciding reason first, all listed.
		{"dns beats small food and banking", micro("food", "digital.dns", "banking"), ClassEssential, SizeMicro,
			[]string{"any_size_dns", "annex2_below_threshold", "annex1_below_threshold", "lex_specialis_dora"}},
		{"registration only beats out of scope", micro("food", "digital.domain_registration"), ClassRegistrationOnly, SizeMicro,
			[]string{"domain_registration", "annex2_below_threshold", "unverified_reference_data"}},
		{"important beats registration only", sized(60, "digital.domain_registration", "postal"), ClassImportant, SizeMedium,
			[]string{"annex2_medium_or_large", "domain_registration", "unverified_reference_data"}},
		{"equal classes keep input order", sized(60, "ict.msp", "postal"), ClassImportant, SizeMedium,
			[]string{"annex1_medium", "annex2_medium_or_large"}},
		{"duplicate code counted once", sized(60, "postal", "postal"), ClassImportant, SizeMedium,
			[]string{"annex2_medium_or_large"}},

		// Designation never lowers.
		{"designated important does not lower annex I large", with(sized(300, "energy.oil"), func(in *Input) { in.Designated = "important" }),
			ClassEssential, SizeLarge, []string{"annex1_large", "designated_important"}},
		{"designated important does not lower DNS", with(micro("digital.dns"), func(in *Input) { in.Designated = "important" }),
			ClassEssential, SizeMicro, []string{"any_size_dns", "designated_important"}},
		{"designated essential raises annex II large", with(sized(300, "food"), func(in *Input) { in.Designated = "essential" }),
			ClassEssential, SizeLarge, []string{"designated_essential", "annex2_medium_or_large"}},

		// Designation applies to Annex I/II types only (Art. 2(2)(b)–(e), 3(1)(e)).
		{"domain registration designated essential stays registration-only", with(micro("digital.domain_registration"), func(in *Input) { in.Designated = "essential" }),
			ClassRegistrationOnly, SizeMicro, []string{"domain_registration", "unverified_reference_data", "designation_not_applicable"}},
		{"domain registration designated important stays registration-only", with(sized(300, "digital.domain_registration"), func(in *Input) { in.Designated = "important" }),
			ClassRegistrationOnly, SizeLarge, []string{"domain_registration", "unverified_reference_data", "designation_not_applicable"}},
		{"designation counts once an annex type is chosen too", with(micro("digital.domain_registration", "food"), func(in *Input) { in.Designated = "essential" }),
			ClassEssential, SizeMicro, []string{"designated_essential", "domain_registration", "annex2_below_threshold", "unverified_reference_data"}},
		{"CER still applies to domain registration", with(micro("digital.domain_registration"), func(in *Input) { in.CriticalEntity = true }),
			ClassEssential, SizeMicro, []string{"critical_entity_cer", "domain_registration", "unverified_reference_data"}},

		// Exclusions: Art. 2(7)–(8), Art. 6 (judiciary).
		{"security public administration excluded", with(micro("public_administration.municipality"), func(in *Input) { in.Exclusion = ExclusionSecurity }),
			ClassOutOfScope, SizeMicro, []string{"excluded_security", "any_size_municipality"}},
		{"exempted by decision: open, out of scope", with(micro("digital.dns"), func(in *Input) { in.Exclusion = ExclusionExempted }),
			ClassOutOfScope, SizeMicro, []string{"exempted_security_open", "any_size_dns"}},
		{"judiciary: no public administration", with(micro("public_administration.central"), func(in *Input) { in.Exclusion = ExclusionJudiciary }),
			ClassOutOfScope, SizeMicro, []string{"excluded_judiciary"}},
		{"judiciary keeps other subsectors", with(micro("public_administration.central", "digital.dns"), func(in *Input) { in.Exclusion = ExclusionJudiciary }),
			ClassEssential, SizeMicro, []string{"any_size_dns", "excluded_judiciary"}},
		{"judiciary without public administration changes nothing", with(sized(60, "food"), func(in *Input) { in.Exclusion = ExclusionJudiciary }),
			ClassImportant, SizeMedium, []string{"annex2_medium_or_large", "excluded_judiciary_no_effect"}},

		// Jurisdiction: Art. 26(1)(b) types follow the main establishment.
		{"cloud with main establishment elsewhere", with(sized(300, "digital.cloud"), func(in *Input) { in.MainEstablishmentElsewhere = true }),
			ClassOutOfScope, SizeLarge, []string{"jurisdiction_main_establishment"}},
		{"cloud in NL", sized(300, "digital.cloud"), ClassEssential, SizeLarge, []string{"annex1_large"}},
		{"DNS elsewhere", with(micro("digital.dns"), func(in *Input) { in.MainEstablishmentElsewhere = true }),
			ClassOutOfScope, SizeMicro, []string{"jurisdiction_main_establishment"}},
		{"domain registration elsewhere", with(micro("digital.domain_registration"), func(in *Input) { in.MainEstablishmentElsewhere = true }),
			ClassOutOfScope, SizeMicro, []string{"jurisdiction_main_establishment", "unverified_reference_data"}},
		{"cloud elsewhere, electricity established here", with(sized(300, "digital.cloud", "energy.electricity"), func(in *Input) { in.MainEstablishmentElsewhere = true }),
			ClassEssential, SizeLarge, []string{"annex1_large", "jurisdiction_main_establishment"}},
		{"trust service is no art. 26(1)(b) type", with(micro("digital.trust_service"), func(in *Input) { in.Qualified, in.MainEstablishmentElsewhere = true, true }),
			ClassEssential, SizeMicro, []string{"any_size_qualified_trust_service", "jurisdiction_establishment"}},

		// DORA: with the input, banking and FMI leave NIS2's duties (Art. 4).
		{"banking large under DORA", with(sized(300, "banking"), func(in *Input) { in.DORA = true }),
			ClassOutOfScope, SizeLarge, []string{"dora_lex_specialis_open"}},
		{"FMI medium under DORA", with(sized(60, "financial_market_infrastructure"), func(in *Input) { in.DORA = true }),
			ClassOutOfScope, SizeMedium, []string{"dora_lex_specialis_open"}},
		{"DORA bank that also runs a cloud", with(sized(300, "banking", "digital.cloud"), func(in *Input) { in.DORA = true }),
			ClassEssential, SizeLarge, []string{"annex1_large", "dora_lex_specialis_open"}},
		{"DORA without a financial subsector", with(sized(60, "food"), func(in *Input) { in.DORA = true }),
			ClassImportant, SizeMedium, []string{"annex2_medium_or_large", "dora_no_financial_subsector"}},

		// Public control (Annex art. 3(4) Rec. 2003/361): not settled, the
		// stricter outcome is the class and both are in the reason.
		{"publicly controlled medium drinking water", with(sized(60, "drinking_water"), func(in *Input) { in.PublicControl = true }),
			ClassEssential, SizeMedium, []string{"public_control_open", "annex1_large"}},
		{"publicly controlled small drinking water", with(sized(20, "drinking_water"), func(in *Input) { in.PublicControl = true }),
			ClassEssential, SizeSmall, []string{"public_control_open", "annex1_large"}},
		{"publicly controlled large drinking water", with(sized(250, "drinking_water"), func(in *Input) { in.PublicControl = true }),
			ClassEssential, SizeLarge, []string{"public_control_large", "annex1_large"}},
		{"publicly controlled 249 staff grid operator", with(sized(249, "energy.electricity"), func(in *Input) { in.PublicControl = true }),
			ClassEssential, SizeMedium, []string{"public_control_open", "annex1_large"}},
		{"publicly controlled micro annex II", with(micro("waste_management"), func(in *Input) { in.PublicControl = true }),
			ClassImportant, SizeMicro, []string{"public_control_open", "annex2_medium_or_large"}},
		{"publicly controlled municipality: same either way", with(micro("public_administration.municipality"), func(in *Input) { in.PublicControl = true }),
			ClassEssential, SizeMicro, []string{"public_control_open", "any_size_municipality"}},

		// Two consecutive years (Annex art. 4(2)).
		{"grew to large this year only", with(sized(250, "drinking_water"), func(in *Input) { in.Previous = &Figures{249, 1_000_000, 1_000_000} }),
			ClassImportant, SizeMedium, []string{"size_two_years", "annex1_medium"}},
		{"large two years running", with(sized(250, "drinking_water"), func(in *Input) { in.Previous = &Figures{250, 1_000_000, 1_000_000} }),
			ClassEssential, SizeLarge, []string{"annex1_large"}},
		{"fell below large this year only", with(sized(249, "drinking_water"), func(in *Input) { in.Previous = &Figures{250, 1_000_000, 1_000_000} }),
			ClassEssential, SizeLarge, []string{"size_two_years", "annex1_large"}},
		{"grew to medium this year only", with(sized(50, "food"), func(in *Input) { in.Previous = &Figures{49, 1_000_000, 1_000_000} }),
			ClassOutOfScope, SizeSmall, []string{"size_two_years", "annex2_below_threshold"}},
		{"partner at 25 % makes medium", with(sized(40, "drinking_water"), func(in *Input) { in.Others = []Holding{{Figures{40, 0, 0}, 25}} }),
			ClassImportant, SizeMedium, []string{"size_aggregated", "annex1_medium"}},
		{"partner at 24 % is not counted", with(sized(40, "drinking_water"), func(in *Input) { in.Others = []Holding{{Figures{40, 0, 0}, 24}} }),
			ClassOutOfScope, SizeSmall, []string{"size_aggregated", "annex1_below_threshold"}},
		{"linked at 51 % in full makes large", with(sized(200, "drinking_water"), func(in *Input) { in.Others = []Holding{{Figures{50, 0, 0}, 51}} }),
			ClassEssential, SizeLarge, []string{"size_aggregated", "annex1_large"}},
		{"two years and public control", with(sized(60, "drinking_water"), func(in *Input) {
			in.Previous, in.PublicControl = &Figures{40, 1_000_000, 1_000_000}, true
		}), ClassEssential, SizeSmall, []string{"size_two_years", "public_control_open", "annex1_large"}},

		// DORA: shown with the NIS2 class, not instead of it.
		{"banking large", sized(300, "banking"), ClassEssential, SizeLarge, []string{"annex1_large", "lex_specialis_dora"}},
		{"FMI medium", sized(60, "financial_market_infrastructure"), ClassImportant, SizeMedium, []string{"annex1_medium", "lex_specialis_dora"}},
		{"banking critical entity", with(sized(300, "banking"), func(in *Input) { in.CriticalEntity = true }),
			ClassEssential, SizeLarge, []string{"annex1_large", "critical_entity_cer", "lex_specialis_dora"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			res, err := Assess(tt.in)
			if err != nil {
				t.Fatal(err)
			}
			if res.Class != tt.wantClass || res.Size != tt.wantSize {
				t.Errorf("class %s size %s, want %s %s", res.Class, res.Size, tt.wantClass, tt.wantSize)
			}
			want := append(append([]string{"size_class"}, tt.wantRules...), "guidance")
			if got := scopeRules(res); !slices.Equal(got, want) {
				t.Errorf("rules %v\nwant %v", got, want)
			}
			if res.EngineVersion != EngineVersion {
				t.Errorf("engine version %q", res.EngineVersion)
			}
			for _, r := range res.Reasons {
				if r.Rule == "" || r.Article == "" || !strings.HasPrefix(r.Msg.Key, "scope.reason.") || r.Lang(i18n.NL) == r.Msg.Key || r.Lang(i18n.EN) == r.Msg.Key ||
					strings.Contains(r.Lang(i18n.NL)+r.Lang(i18n.EN), "%!") {
					t.Errorf("incomplete reason %+v", r)
				}
				if strings.Contains(r.Rule, "any_size") || strings.HasPrefix(r.Rule, "annex") || strings.HasPrefix(r.Rule, "designated") {
					if !strings.Contains(r.Article, "NIS2") || !strings.Contains(r.Article, "Cbw") {
						t.Errorf("%s: article %q should cite NIS2 and Cbw", r.Rule, r.Article)
					}
				}
			}
		})
	}
}

func TestAssessScopeReasonTexts(t *testing.T) {
	t.Parallel()
	res, err := Assess(Input{Subsectors: []string{"banking"}, Employees: 40, TurnoverEUR: 12_000_000, BalanceEUR: 11_000_000})
	if err != nil {
		t.Fatal(err)
	}
	size := res.Reasons[0]
	for _, want := range []string{"middelgroot", "40 medewerkers", "€ 12.000.000", "€ 11.000.000", "€ 50.000.000", "€ 43.000.000", "niet klein", "€ 10.000.000"} {
		if !strings.Contains(size.Lang(i18n.NL), want) {
			t.Errorf("size text nl lacks %q: %s", want, size.Lang(i18n.NL))
		}
	}
	for _, want := range []string{"medium-sized", "40 staff", "€12,000,000", "€11,000,000", "€50,000,000", "€43,000,000", "not small"} {
		if !strings.Contains(size.Lang(i18n.EN), want) {
			t.Errorf("size text en lacks %q: %s", want, size.Lang(i18n.EN))
		}
	}
	if !strings.Contains(size.Article, "2003/361") {
		t.Errorf("size article %q", size.Article)
	}
	dora := res.Reasons[2]
	if dora.Rule != "lex_specialis_dora" || !strings.Contains(dora.Article, "art. 4 NIS2") || !strings.Contains(dora.Article, "2022/2554") ||
		!strings.Contains(dora.Lang(i18n.NL), "DORA") || !strings.Contains(dora.Lang(i18n.EN), "incident reporting") {
		t.Errorf("DORA reason %+v", dora)
	}

	// Large by staff alone says so; large by money alone says so.
	res, _ = Assess(Input{Subsectors: []string{"food"}, Employees: 300, TurnoverEUR: 1, BalanceEUR: 1})
	if !strings.Contains(res.Reasons[0].Lang(i18n.NL), "250 of meer medewerkers") || strings.Contains(res.Reasons[0].Lang(i18n.NL), "zowel uw omzet") {
		t.Errorf("large by staff: %s", res.Reasons[0].Lang(i18n.NL))
	}
	res, _ = Assess(Input{Subsectors: []string{"food"}, Employees: 3, TurnoverEUR: 60_000_000, BalanceEUR: 44_000_000})
	if res.Size != SizeLarge || !strings.Contains(res.Reasons[0].Lang(i18n.EN), "both your turnover is above €50,000,000 and your balance sheet total is above €43,000,000") {
		t.Errorf("large by money: %s", res.Reasons[0].Lang(i18n.EN))
	}
}

func TestScopeInputValidate(t *testing.T) {
	t.Parallel()
	ok := Input{Subsectors: []string{"food"}, Employees: 1, TurnoverEUR: 1, BalanceEUR: 1}
	with := func(f func(*Input)) Input { in := ok; f(&in); return in }
	tests := []struct {
		name  string
		in    Input
		field string
	}{
		{"no subsector", with(func(in *Input) { in.Subsectors = nil }), "subsector"},
		{"unknown subsector", with(func(in *Input) { in.Subsectors = []string{"food", "energy"} }), "subsector"},
		{"negative employees", with(func(in *Input) { in.Employees = -1 }), "employees"},
		{"negative turnover", with(func(in *Input) { in.TurnoverEUR = -1 }), "turnover"},
		{"negative balance", with(func(in *Input) { in.BalanceEUR = -1 }), "balance"},
		{"bad designation", with(func(in *Input) { in.Designated = "Essential" }), "designated"},
		{"bad exclusion", with(func(in *Input) { in.Exclusion = "defence" }), "exclusion"},
		{"negative previous staff", with(func(in *Input) { in.Previous = &Figures{-1, 0, 0} }), "prev_employees"},
		{"negative previous turnover", with(func(in *Input) { in.Previous = &Figures{0, -1, 0} }), "prev_turnover"},
		{"negative previous balance", with(func(in *Input) { in.Previous = &Figures{0, 0, -1} }), "prev_balance"},
		{"share above 100", with(func(in *Input) { in.Others = []Holding{{Figures{1, 1, 1}, 101}} }), "others"},
		{"negative other figure", with(func(in *Input) { in.Others = []Holding{{Figures{0, -1, 1}, 30}} }), "others"},
	}
	for _, tt := range tests {
		err := tt.in.Validate()
		var ie *InputError
		if !errors.As(err, &ie) || ie.Field != tt.field || ie.Msg == "" {
			t.Errorf("%s: Validate() = %v, want an *InputError for %s", tt.name, err, tt.field)
			continue
		}
		if _, err2 := Assess(tt.in); !errors.As(err2, &ie) {
			t.Errorf("%s: Assess accepted invalid input", tt.name)
		}
	}
	if err := ok.Validate(); err != nil {
		t.Errorf("valid input: %v", err)
	}
	for _, d := range []string{"", "essential", "important"} {
		if err := with(func(in *Input) { in.Designated = d }).Validate(); err != nil {
			t.Errorf("designated %q: %v", d, err)
		}
	}
}

var scopeClassRank = map[Class]int{ClassOutOfScope: 0, ClassRegistrationOnly: 1, ClassImportant: 2, ClassEssential: 3}

// randomScopeInput draws figures clustered around the size ceilings, where
// mistakes would hide, plus the occasional very large number.
func randomScopeInput(r *rand.Rand) Input {
	codes := Subsectors()
	in := Input{}
	for n := 1 + r.IntN(3); n > 0; n-- {
		in.Subsectors = append(in.Subsectors, codes[r.IntN(len(codes))].Code)
	}
	staffPoints := []int{0, 9, 10, 49, 50, 249, 250, 10_000}
	in.Employees = max(0, staffPoints[r.IntN(len(staffPoints))]+r.IntN(5)-2)
	moneyPoints := []int64{0, 2_000_000, 10_000_000, 43_000_000, 50_000_000, 1 << 40}
	money := func() int64 { return max(0, moneyPoints[r.IntN(len(moneyPoints))]+r.Int64N(5)-2) }
	in.TurnoverEUR, in.BalanceEUR = money(), money()
	in.Qualified = r.IntN(4) == 0
	in.CriticalEntity = r.IntN(10) == 0
	in.Designated = []string{"", "", "", "essential", "important"}[r.IntN(5)]
	in.Exclusion = []string{"", "", "", "", "", "", ExclusionSecurity, ExclusionExempted, ExclusionJudiciary}[r.IntN(9)]
	in.MainEstablishmentElsewhere = r.IntN(6) == 0
	in.DORA = r.IntN(6) == 0
	in.PublicControl = r.IntN(4) == 0
	for n := r.IntN(3); n > 0 && r.IntN(2) == 0; n-- {
		in.Others = append(in.Others, Holding{Figures{r.IntN(300), money() % (1 << 45), money() % (1 << 45)}, r.IntN(101)})
	}
	if r.IntN(3) == 0 {
		in.Previous = &Figures{max(0, staffPoints[r.IntN(len(staffPoints))]+r.IntN(5)-2), money(), money()}
	}
	return in
}

// wantSize is the size class of Annex art. 2 and 4(2): the previous
// period's class holds when the two periods differ.
func wantSize(in Input) Size {
	f, _ := Aggregate(Figures{in.Employees, in.TurnoverEUR, in.BalanceEUR}, in.Others)
	size := SizeClass(f.Employees, f.TurnoverEUR, f.BalanceEUR)
	if p := in.Previous; p != nil {
		if prev := SizeClass(p.Employees, p.TurnoverEUR, p.BalanceEUR); prev != size {
			return prev
		}
	}
	return size
}

func mustAssess(t *testing.T, in Input) Result {
	t.Helper()
	res, err := Assess(in)
	if err != nil {
		t.Fatalf("Assess(%+v): %v", in, err)
	}
	return res
}

func TestAssessScopeProperties(t *testing.T) {
	t.Parallel()
	r := rand.New(rand.NewPCG(2026, 1))
	for i := 0; i < 5000; i++ {
		in := randomScopeInput(r)
		res := mustAssess(t, in)

		if again := mustAssess(t, in); !reflect.DeepEqual(res, again) {
			t.Fatalf("not deterministic for %+v", in)
		}
		if res.Size != wantSize(in) || res.Reasons[0].Rule != "size_class" {
			t.Fatalf("size reason missing or wrong for %+v", in)
		}
		if i%10 == 0 {
			for _, reason := range res.Reasons {
				if txt := reason.Lang(i18n.NL) + reason.Lang(i18n.EN); strings.Contains(txt, "%!") || reason.Lang(i18n.EN) == reason.Msg.Key {
					t.Fatalf("%s renders badly: %s", reason.Rule, txt)
				}
			}
		}

		grow := []struct {
			what string
			f    func(*Input)
		}{
			{"staff", func(in *Input) { in.Employees += 1 + r.IntN(300) }},
			{"turnover", func(in *Input) { in.TurnoverEUR += 1 + r.Int64N(60_000_000) }},
			{"balance", func(in *Input) { in.BalanceEUR += 1 + r.Int64N(60_000_000) }},
			{"a subsector", func(in *Input) {
				in.Subsectors = append(slices.Clone(in.Subsectors), scopeTestCodes[r.IntN(len(scopeTestCodes))])
			}},
			{"public control", func(in *Input) { in.PublicControl = true }},
			{"no exclusion", func(in *Input) { in.Exclusion = "" }},
			{"main establishment here", func(in *Input) { in.MainEstablishmentElsewhere = false }},
			{"no DORA", func(in *Input) { in.DORA = false }},
			{"a linked enterprise", func(in *Input) {
				in.Others = append(slices.Clone(in.Others), Holding{Figures{r.IntN(100), 0, 0}, 100})
			}},
			{"previous staff", func(in *Input) {
				if in.Previous != nil {
					p := *in.Previous
					p.Employees += 1 + r.IntN(300)
					in.Previous = &p
				}
			}},
		}
		for _, g := range grow {
			more := in
			g.f(&more)
			bigger := mustAssess(t, more)
			if scopeClassRank[bigger.Class] < scopeClassRank[res.Class] {
				t.Fatalf("more %s lowered the class from %s to %s:\n%+v\n%+v", g.what, res.Class, bigger.Class, in, more)
			}
			if (g.what == "staff" || g.what == "turnover" || g.what == "balance" || g.what == "previous staff" || g.what == "a linked enterprise") && sizeRank(bigger.Size) < sizeRank(res.Size) {
				t.Fatalf("more %s lowered the size from %s to %s: %+v", g.what, res.Size, bigger.Size, in)
			}
		}
	}
}

// TestStoredReasonsRenderAfterReading covers both forms in scope_assessments:
// reasons stored as messages render the same after a JSON round trip, and
// reasons stored as sentences before (text_nl/text_en) still show.
func TestStoredReasonsRenderAfterReading(t *testing.T) {
	t.Parallel()
	res, err := Assess(Input{Subsectors: []string{"banking", "digital.domain_registration", "health.healthcare_provider"}, Employees: 60, TurnoverEUR: 9_000_000, BalanceEUR: 9_000_000})
	if err != nil {
		t.Fatal(err)
	}
	b, err := json.Marshal(res.Reasons)
	if err != nil {
		t.Fatal(err)
	}
	var back []Reason
	if err := json.Unmarshal(b, &back); err != nil {
		t.Fatal(err)
	}
	for i, r := range res.Reasons {
		for _, l := range i18n.Langs {
			if got, want := back[i].Lang(l), r.Lang(l); got != want || got == "" {
				t.Errorf("%s %s: %q after reading, %q before", r.Rule, l, got, want)
			}
		}
	}
	var legacy []Reason
	if err := json.Unmarshal([]byte(`[{"rule":"guidance","article":"x","text_nl":"Oude zin.","text_en":"Old sentence."}]`), &legacy); err != nil {
		t.Fatal(err)
	}
	if legacy[0].Lang(i18n.NL) != "Oude zin." || legacy[0].Lang(i18n.EN) != "Old sentence." || legacy[0].Rule != "guidance" {
		t.Errorf("legacy reason %+v", legacy[0])
	}
}

func TestAssessOpenReasonsShowBothOutcomes(t *testing.T) {
	t.Parallel()
	res := mustAssess(t, Input{Subsectors: []string{"drinking_water"}, Employees: 60, TurnoverEUR: 1, BalanceEUR: 1, PublicControl: true})
	r := res.Reasons[1]
	if r.Rule != "public_control_open" || !r.Open || !strings.Contains(r.Article, "art. 3 lid 4") {
		t.Fatalf("reason %+v", r)
	}
	for l, want := range map[i18n.Lang][]string{
		i18n.NL: {"essentiële entiteit", "belangrijke entiteit", "niet kunnen vaststellen", "25 % of meer"},
		i18n.EN: {"an essential entity", "an important entity", "could not establish"},
	} {
		for _, w := range want {
			if !strings.Contains(r.Lang(l), w) {
				t.Errorf("%s lacks %q: %s", l, w, r.Lang(l))
			}
		}
	}
	// Every other exclusion names the class it overrides.
	for _, tc := range []struct {
		in   Input
		rule string
		want string
	}{
		{Input{Subsectors: []string{"digital.cloud"}, Employees: 300, MainEstablishmentElsewhere: true}, "jurisdiction_main_establishment", "an essential entity"},
		{Input{Subsectors: []string{"banking"}, Employees: 60, DORA: true}, "dora_lex_specialis_open", "an important entity"},
		{Input{Subsectors: []string{"digital.dns"}, Exclusion: ExclusionSecurity}, "excluded_security", "an essential entity"},
		{Input{Subsectors: []string{"digital.dns"}, Exclusion: ExclusionExempted}, "exempted_security_open", "an essential entity"},
		{Input{Subsectors: []string{"public_administration.central"}, Exclusion: ExclusionJudiciary}, "excluded_judiciary", "an essential entity"},
	} {
		res := mustAssess(t, tc.in)
		var found bool
		for _, r := range res.Reasons {
			if r.Rule == tc.rule {
				found = true
				if !strings.Contains(r.Lang(i18n.EN), tc.want) || strings.HasSuffix(r.Rule, "_open") != r.Open {
					t.Errorf("%s: %q (open %v)", tc.rule, r.Lang(i18n.EN), r.Open)
				}
			}
		}
		if !found || res.Class != ClassOutOfScope {
			t.Errorf("%s: class %s, rules %v", tc.rule, res.Class, scopeRules(res))
		}
	}
	// The two-year reason gives both years.
	res = mustAssess(t, Input{Subsectors: []string{"food"}, Employees: 50, Previous: &Figures{49, 2_500_000, 3_000_000}})
	if r := res.Reasons[1]; r.Rule != "size_two_years" || !strings.Contains(r.Lang(i18n.NL), "middelgroot") ||
		!strings.Contains(r.Lang(i18n.NL), "klein (49 medewerkers, omzet € 2.500.000, balanstotaal € 3.000.000)") {
		t.Errorf("two-year reason %q", r.Lang(i18n.NL))
	}
	// Open survives storing.
	b, _ := json.Marshal(r)
	var back Reason
	if err := json.Unmarshal(b, &back); err != nil || !back.Open || back.Lang(i18n.EN) != r.Lang(i18n.EN) {
		t.Errorf("round trip %+v, %v", back, err)
	}
}

func TestAggregate(t *testing.T) {
	t.Parallel()
	own := Figures{40, 8_000_000, 6_000_000}
	other := Figures{100, 20_000_000, 10_000_000}
	tests := []struct {
		name   string
		others []Holding
		want   Figures
		ok     bool
	}{
		{"none", nil, own, true},
		{"24 % is independent", []Holding{{other, 24}}, own, true},
		{"25 % is a partner, pro rata", []Holding{{other, 25}}, Figures{65, 13_000_000, 8_500_000}, true},
		{"50 % is still a partner", []Holding{{other, 50}}, Figures{90, 18_000_000, 11_000_000}, true},
		{"51 % is linked, in full", []Holding{{other, 51}}, Figures{140, 28_000_000, 16_000_000}, true},
		{"100 % linked", []Holding{{other, 100}}, Figures{140, 28_000_000, 16_000_000}, true},
		{"partner rounds half up", []Holding{{Figures{3, 1, 3}, 50}}, Figures{42, 8_000_001, 6_000_002}, true},
		{"linked and partner together", []Holding{{other, 100}, {other, 30}}, Figures{170, 34_000_000, 19_000_000}, true},
		{"share above 100", []Holding{{other, 101}}, Figures{}, false},
		{"negative share", []Holding{{other, -1}}, Figures{}, false},
		{"negative figure", []Holding{{Figures{-1, 0, 0}, 100}}, Figures{}, false},
		{"total beyond 2^53", []Holding{{Figures{0, maxFigure - 1, 0}, 100}}, Figures{}, false},
	}
	for _, tt := range tests {
		got, ok := Aggregate(own, tt.others)
		if got != tt.want || ok != tt.ok {
			t.Errorf("%s: %+v %v, want %+v %v", tt.name, got, ok, tt.want, tt.ok)
		}
	}
	// A partner at 25–50 % never counts more than a linked enterprise, and
	// adding an enterprise never lowers the size.
	r := rand.New(rand.NewPCG(2026, 2))
	for i := 0; i < 2000; i++ {
		o := Figures{r.IntN(1000), r.Int64N(1 << 40), r.Int64N(1 << 40)}
		pct := r.IntN(101)
		part, _ := Aggregate(own, []Holding{{o, pct}})
		full, _ := Aggregate(own, []Holding{{o, 100}})
		if part.Employees > full.Employees || part.TurnoverEUR > full.TurnoverEUR || part.BalanceEUR > full.BalanceEUR ||
			sizeRank(SizeClass(part.Employees, part.TurnoverEUR, part.BalanceEUR)) < sizeRank(SizeClass(own.Employees, own.TurnoverEUR, own.BalanceEUR)) {
			t.Fatalf("%d %% of %+v: %+v, linked %+v", pct, o, part, full)
		}
	}
}
