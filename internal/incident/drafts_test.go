package incident

import (
	"encoding/json"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/weerbaar/weerbaar/internal/i18n"
)

func draftIncident() Incident {
	return Incident{ID: 7, Title: "Ransomware op SCADA", Description: "Versleutelde HMI's in de zuivering.",
		DetectedAt: ams("2026-03-01 08:00"), AwareAt: ams("2026-03-01 09:30"), Category: "ransomware", Status: StatusContained,
		MemberStates: []string{"BE"}, SuspectedMalicious: true, RootCause: "Gelekt VPN-wachtwoord leverancier",
		TradeSecrets: No, Death: No, HealthDamage: No, MaliciousAccess: Yes, OperationalDisruption: Yes,
		Significance: Significant}
}

func keys(d Draft) []string {
	var out []string
	for _, s := range d.Sections {
		out = append(out, s.Key)
	}
	return out
}

// TestDraftSectionsPerStage: each stage's draft has exactly the content
// Art. 23(4) NIS2 asks at that stage, in a stable order; an incident that
// is not significant gets a voluntary report (Art. 30) first.
func TestDraftSectionsPerStage(t *testing.T) {
	notSig := draftIncident()
	notSig.Significance = NotSignificant
	override := draftIncident()
	s := string(NotSignificant)
	override.Override = &s
	for _, tt := range []struct {
		name      string
		kind      string
		inc       Incident
		want      []string
		voluntary bool
	}{
		{"early warning", "early_warning", draftIncident(), []string{"incident", "aware_at", "category", "suspected_malicious", "cross_border"}, false},
		{"notification", "notification", draftIncident(), []string{"incident", "aware_at", "category", "early_warning", "suspected_malicious",
			"cross_border", "severity", "impact", "ioc"}, false},
		{"intermediate", "intermediate", draftIncident(), []string{"incident", "aware_at", "status", "status_updates"}, false},
		{"progress", "progress", draftIncident(), []string{"incident", "aware_at", "progress_note", "description", "final_severity", "impact",
			"threat", "mitigation", "final_cross_border"}, false},
		{"final", "final", draftIncident(), []string{"incident", "aware_at", "description", "final_severity", "impact", "threat", "mitigation",
			"final_cross_border"}, false},
		{"service recipients", "service_recipients", draftIncident(), []string{"subject", "message", "measures"}, false},
		{"voluntary early warning", "early_warning", notSig, []string{"voluntary", "incident", "aware_at", "category", "suspected_malicious",
			"cross_border"}, true},
		{"overridden to not significant", "notification", override, []string{"voluntary", "incident", "aware_at", "category", "early_warning",
			"suspected_malicious", "cross_border", "severity", "impact", "ioc"}, true},
		{"undetermined is voluntary too", "final", func() Incident { i := draftIncident(); i.Significance = Undetermined; return i }(),
			[]string{"voluntary", "incident", "aware_at", "description", "final_severity", "impact", "threat", "mitigation", "final_cross_border"}, true},
	} {
		t.Run(tt.name, func(t *testing.T) {
			d, ok := BuildDraft(tt.kind, tt.inc, DraftFacts{})
			if !ok {
				t.Fatalf("kind %s unknown", tt.kind)
			}
			if got := keys(d); !slices.Equal(got, tt.want) {
				t.Errorf("sections %v, want %v", got, tt.want)
			}
			if d.Voluntary != tt.voluntary {
				t.Errorf("voluntary %v, want %v", d.Voluntary, tt.voluntary)
			}
			for _, s := range d.Sections {
				if !s.Label.Complete() {
					t.Errorf("section %s has no label in both languages: %+v", s.Key, s.Label)
				}
				for _, l := range []i18n.Lang{i18n.NL, i18n.EN} {
					if txt := s.Render(l); txt == "" || strings.Contains(txt, "incident.") || strings.Contains(txt, "%!") {
						t.Errorf("section %s in %s renders %q", s.Key, l, txt)
					}
				}
			}
		})
	}
	if _, ok := BuildDraft("summary", draftIncident(), DraftFacts{}); ok {
		t.Errorf("an unknown kind gives a draft")
	}
}

// TestDraftValuesFromTheIncident: the values are the incident's own text
// and its answers, in the reader's language.
func TestDraftValuesFromTheIncident(t *testing.T) {
	inc := draftIncident()
	sent := ams("2026-03-02 08:00")
	loss := int64(250_000)
	inc.LossEUR = &loss
	facts := DraftFacts{
		Reports: []Report{{Stage: StageEarlyWarning, SubmittedAt: &sent, ProofRef: "NCSC-2026-0412"},
			{Stage: StageIntermediate, RequestedBy: "NCSC"}},
		Entries: []Entry{
			{OccurredAt: ams("2026-03-01 10:00"), Text: "HMI's geïsoleerd"},
			{OccurredAt: ams("2026-03-01 11:00"), Event: "status:open:contained"},
			{OccurredAt: ams("2026-03-01 12:00"), Text: "Verkeerde regel", CorrectedBy: []int64{9}},
			{OccurredAt: ams("2026-03-01 13:00"), Text: "Back-ups teruggezet"},
		},
	}
	value := func(kind, key string, l i18n.Lang) string {
		d, _ := BuildDraft(kind, inc, facts)
		for _, s := range d.Sections {
			if s.Key == key {
				return s.Render(l)
			}
		}
		t.Fatalf("%s has no section %s", kind, key)
		return ""
	}
	for _, tt := range []struct {
		kind, key string
		lang      i18n.Lang
		contains  []string
		excludes  []string
	}{
		{"early_warning", "incident", i18n.NL, []string{"Ransomware op SCADA"}, nil},
		{"early_warning", "aware_at", i18n.NL, []string{"2026-03-01 09:30"}, nil},
		{"early_warning", "suspected_malicious", i18n.NL, []string{"Ja"}, nil},
		{"early_warning", "suspected_malicious", i18n.EN, []string{"Yes"}, nil},
		{"early_warning", "cross_border", i18n.EN, []string{"Yes", "BE"}, nil},
		{"notification", "early_warning", i18n.NL, []string{"2026-03-02 08:00", "NCSC-2026-0412"}, nil},
		{"notification", "impact", i18n.NL, []string{"€ 250.000"}, nil},
		{"notification", "impact", i18n.EN, []string{"€ 250,000"}, nil},
		{"notification", "ioc", i18n.NL, []string{i18n.Translate(i18n.NL, "incident.draft.fill")}, nil},
		{"intermediate", "requested_by", i18n.NL, []string{"NCSC"}, nil},
		{"intermediate", "status_updates", i18n.NL, []string{"2026-03-01 10:00 — HMI's geïsoleerd", "Back-ups teruggezet"},
			[]string{"Verkeerde regel", "status:"}},
		{"final", "threat", i18n.NL, []string{"Gelekt VPN-wachtwoord leverancier"}, nil},
		{"final", "description", i18n.NL, []string{"Versleutelde HMI's"}, nil},
		{"final", "mitigation", i18n.NL, []string{"Back-ups teruggezet"}, nil},
		{"service_recipients", "message", i18n.EN, []string{"2026-03-01 09:30"}, nil},
	} {
		got := value(tt.kind, tt.key, tt.lang)
		for _, c := range tt.contains {
			if !strings.Contains(got, c) {
				t.Errorf("%s/%s (%s) = %q, want it to contain %q", tt.kind, tt.key, tt.lang, got, c)
			}
		}
		for _, c := range tt.excludes {
			if strings.Contains(got, c) {
				t.Errorf("%s/%s (%s) = %q, should not contain %q", tt.kind, tt.key, tt.lang, got, c)
			}
		}
	}
	// Only the Netherlands affected and not marked cross-border: no.
	home := draftIncident()
	home.MemberStates = []string{"NL"}
	d, _ := BuildDraft("early_warning", home, DraftFacts{})
	if got := d.Sections[4].Render(i18n.EN); d.Sections[4].Key != "cross_border" || got != "No" {
		t.Errorf("cross-border of an incident in NL only: %q", got)
	}
	home.CrossBorder = true
	d, _ = BuildDraft("final", home, DraftFacts{})
	if got := d.Sections[len(d.Sections)-1].Render(i18n.EN); got != "Yes\nNL" {
		t.Errorf("final cross-border of an incident marked cross-border: %q", got)
	}
	// Without an early warning submitted the notification says so.
	d, _ = BuildDraft("notification", inc, DraftFacts{})
	if got := d.Sections[3].Render(i18n.NL); got != i18n.Translate(i18n.NL, "incident.draft.early_warning_none") {
		t.Errorf("no early warning: %q", got)
	}
}

// TestDraftJSONKeySet: the JSON download has the documented key set.
func TestDraftJSONKeySet(t *testing.T) {
	d, _ := BuildDraft("early_warning", draftIncident(), DraftFacts{})
	raw, err := json.Marshal(d.JSON(7, i18n.EN))
	if err != nil {
		t.Fatal(err)
	}
	var m map[string]any
	if err := json.Unmarshal(raw, &m); err != nil {
		t.Fatal(err)
	}
	var top []string
	for k := range m {
		top = append(top, k)
	}
	slices.Sort(top)
	if want := []string{"incident_id", "kind", "language", "sections", "voluntary"}; !slices.Equal(top, want) {
		t.Errorf("keys %v, want %v", top, want)
	}
	first := m["sections"].([]any)[0].(map[string]any)
	if len(first) != 3 || first["key"] != "incident" || first["label"] != "Incident" || first["text"] != "Ransomware op SCADA" {
		t.Errorf("section %v", first)
	}
	if m["language"] != "en" || m["kind"] != "early_warning" || m["incident_id"] != float64(7) {
		t.Errorf("draft %v", m)
	}
}

// TestGDPRDue: 72 hours after becoming aware, an absolute instant even
// across the change to summer time.
func TestGDPRDue(t *testing.T) {
	for _, tt := range []struct{ aware, want string }{
		{"2026-03-01 09:30", "2026-03-04 09:30"},
		{"2026-03-28 12:00", "2026-03-31 13:00"}, // clocks go forward on 29 March
		{"2026-10-24 12:00", "2026-10-27 11:00"}, // and back on 25 October
	} {
		if got := GDPRDue(ams(tt.aware)).In(i18n.Amsterdam).Format("2006-01-02 15:04"); got != tt.want {
			t.Errorf("GDPRDue(%s) = %s, want %s", tt.aware, got, tt.want)
		}
		if d := GDPRDue(ams(tt.aware)).Sub(ams(tt.aware)); d != 72*time.Hour {
			t.Errorf("GDPRDue(%s) is %v after", tt.aware, d)
		}
	}
}
