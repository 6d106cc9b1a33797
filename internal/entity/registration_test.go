package entity

import (
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/weerbaar/weerbaar/internal/i18n"
	"github.com/weerbaar/weerbaar/internal/validate"
)

func TestProposeSupervision(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name          string
		in            Registration
		authority, cs string
	}{
		{"no subsectors: nothing proposed", Registration{}, "", ""},
		{"first subsector decides the authority", Registration{Subsectors: []string{"drinking_water", "banking"}}, "IENW", "NCSC"},
		{"a chosen authority is kept", Registration{Subsectors: []string{"banking"}, Authority: "EZ"}, "EZ", "NCSC"},
		{"a chosen CSIRT is kept", Registration{Subsectors: []string{"banking"}, CSIRT: "Z-CERT"}, "FIN", "Z-CERT"},
		{"unknown subsector: nothing proposed", Registration{Subsectors: []string{"nope"}}, "", ""},
		{"healthcare: Z-CERT, not the NCSC", Registration{Subsectors: []string{"health.healthcare_provider"}}, "VWS", "Z-CERT"},
		{"hospital with a data centre: both CSIRTs", Registration{Subsectors: []string{"health.healthcare_provider", "digital.data_centre"}}, "VWS", "Z-CERT, NCSC"},
		{"research: Economic Affairs, not Education", Registration{Subsectors: []string{"research"}}, "EZ", "NCSC"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			r := tt.in
			r.ProposeSupervision()
			if r.Authority != tt.authority || r.CSIRT != tt.cs {
				t.Errorf("got %q/%q, want %q/%q", r.Authority, r.CSIRT, tt.authority, tt.cs)
			}
		})
	}
}

func TestReportDueDependsOnSubsectors(t *testing.T) {
	t.Parallel()
	changed := time.Date(2026, 11, 30, 13, 0, 0, 0, time.UTC) // 14:00 in Amsterdam
	tests := []struct {
		name       string
		subsectors []string
		pending    bool
		rule, due  string
	}{
		{"nothing pending", []string{"digital.cloud"}, false, "", ""},
		{"drinking water: two weeks", []string{"drinking_water"}, true, "two_weeks", "2026-12-14"},
		{"cloud: three months", []string{"digital.cloud"}, true, "three_months", "2027-02-28"},
		{"online marketplace: three months", []string{"digital_providers.marketplace"}, true, "three_months", "2027-02-28"},
		{"qualified trust service: two weeks (not Art. 27)", []string{"digital.trust_service"}, true, "two_weeks", "2026-12-14"},
		{"MSP that is also a municipality: two weeks", []string{"ict.msp", "public_administration.municipality"}, true, "mixed", "2026-12-14"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			r := Registration{Subsectors: tt.subsectors}
			if tt.pending {
				r.UnreportedSince = &changed
			}
			d, ok := r.ReportDue()
			if ok != tt.pending {
				t.Fatalf("pending %v, want %v", ok, tt.pending)
			}
			if !ok {
				return
			}
			if d.Period.Rule != tt.rule || !strings.Contains(d.Period.Article, "NIS2") {
				t.Errorf("rule %q (%s), want %q", d.Period.Rule, d.Period.Article, tt.rule)
			}
			if got := d.Due.In(i18n.Amsterdam).Format("2006-01-02"); got != tt.due {
				t.Errorf("due %s, want %s", got, tt.due)
			}
		})
	}
}

func TestNormaliseArt27Fields(t *testing.T) {
	t.Parallel()
	base := RegistrationInput{LegalName: "Wolk B.V.", Country: "NL"}
	tests := []struct {
		name       string
		subsectors []string
		main, rep  string
		others     string
		errField   string // "" for valid
		wantMain   string
		wantOthers []string
	}{
		{"cloud without establishment or representative", []string{"digital.cloud"}, "", "", "", "main_establishment", "", nil},
		{"cloud with its main establishment", []string{"digital.cloud"}, "  Wolkweg 1, Utrecht, NL ", "", "Kade 2, Antwerpen, BE\r\n\nKade 2, Antwerpen, BE\nRing 3, Keulen, DE",
			"", "Wolkweg 1, Utrecht, NL", []string{"Kade 2, Antwerpen, BE", "Ring 3, Keulen, DE"}},
		{"provider outside the EU names its representative", []string{"digital_providers.search_engine"}, "", "Rep B.V., Amsterdam", "", "", "", []string{}},
		{"too long", []string{"ict.mssp"}, strings.Repeat("x", 301), "", "", "main_establishment", strings.Repeat("x", 301), []string{}},
		{"one of the others too long", []string{"ict.mssp"}, "Hoofd 1", "", strings.Repeat("y", 301), "other_establishments", "Hoofd 1", nil},
		{"not an Art. 27 type: fields cleared, nothing required", []string{"drinking_water"}, "Waterweg 1", "Rep", "Elders 1", "", "", []string{}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			in := base
			in.Subsectors, in.MainEstablishment, in.EURepresentative, in.OtherEstablishments = tt.subsectors, tt.main, tt.rep, tt.others
			r, _, err := in.Normalise()
			fields := validate.Fields(err)
			if tt.errField == "" && err != nil {
				t.Fatalf("unexpected error %v", err)
			}
			if tt.errField != "" && fields[tt.errField] == "" {
				t.Fatalf("no error on %s: %v", tt.errField, err)
			}
			if r.MainEstablishment != tt.wantMain {
				t.Errorf("main %q, want %q", r.MainEstablishment, tt.wantMain)
			}
			if tt.wantOthers != nil && !slices.Equal(r.OtherEstablishments, tt.wantOthers) {
				t.Errorf("others %q, want %q", r.OtherEstablishments, tt.wantOthers)
			}
			if !r.NeedsArt27Data() && (r.EURepresentative != "" || len(r.OtherEstablishments) != 0) {
				t.Errorf("Art. 27 data kept for a non-Art. 27 entity: %+v", r)
			}
		})
	}
}

func TestSupervisionDiffers(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		in   Registration
		want bool
	}{
		{"nothing recorded", Registration{Subsectors: []string{"research"}}, false},
		{"no subsectors", Registration{Authority: "OCW", CSIRT: "NCSC"}, false},
		{"research still with Education", Registration{Subsectors: []string{"research"}, Authority: "OCW", CSIRT: "NCSC"}, true},
		{"research with Economic Affairs", Registration{Subsectors: []string{"research"}, Authority: "EZ", CSIRT: "NCSC"}, false},
		{"hospital with the NCSC only", Registration{Subsectors: []string{"health.healthcare_provider"}, Authority: "VWS", CSIRT: "NCSC"}, true},
		{"hospital with Z-CERT", Registration{Subsectors: []string{"health.healthcare_provider"}, Authority: "VWS", CSIRT: "z-cert"}, false},
		{"hospital with a data centre, both CSIRTs", Registration{Subsectors: []string{"health.healthcare_provider", "digital.data_centre"}, Authority: "EZ", CSIRT: "Z-CERT, NCSC"}, false},
		{"bank with the Minister of Finance", Registration{Subsectors: []string{"banking"}, Authority: "FIN", CSIRT: "NCSC"}, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			if got := tt.in.SupervisionDiffers(); got != tt.want {
				t.Errorf("got %v, want %v", got, tt.want)
			}
		})
	}
}
