package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"maps"
	"slices"
	"strings"
	"testing"
)

func TestScopeCmdDrinkingWater(t *testing.T) {
	t.Parallel()
	var stdout, stderr bytes.Buffer
	args := strings.Fields("--subsector drinking_water --employees 300 --turnover 40000000 --balance 30000000")
	if err := scopeCmd(args, &stdout, &stderr); err != nil {
		t.Fatalf("scopeCmd: %v (stderr %s)", err, stderr.String())
	}
	if stderr.Len() != 0 {
		t.Errorf("stderr not empty: %s", stderr.String())
	}
	if !strings.HasPrefix(stdout.String(), "{\n  \"class\": \"essential\",\n") {
		t.Errorf("not indented JSON starting with the class:\n%s", stdout.String())
	}
	var raw map[string]json.RawMessage
	if err := json.Unmarshal(stdout.Bytes(), &raw); err != nil {
		t.Fatalf("not JSON: %v\n%s", err, stdout.String())
	}
	if got := slices.Sorted(maps.Keys(raw)); !slices.Equal(got, []string{"class", "engine_version", "reasons", "size"}) {
		t.Errorf("top-level keys %v", got)
	}
	var out struct {
		Class         string              `json:"class"`
		Size          string              `json:"size"`
		EngineVersion string              `json:"engine_version"`
		Reasons       []map[string]string `json:"reasons"`
	}
	if err := json.Unmarshal(stdout.Bytes(), &out); err != nil {
		t.Fatal(err)
	}
	if out.Class != "essential" || out.Size != "large" || out.EngineVersion != "scope-2026.2" {
		t.Errorf("got class %q size %q version %q", out.Class, out.Size, out.EngineVersion)
	}
	var rules []string
	for _, r := range out.Reasons {
		rules = append(rules, r["rule"])
		if got := slices.Sorted(maps.Keys(r)); !slices.Equal(got, []string{"article", "rule", "text_en", "text_nl"}) {
			t.Errorf("reason keys %v", got)
		}
		for k, v := range r {
			if v == "" {
				t.Errorf("reason %s: empty %s", r["rule"], k)
			}
		}
	}
	if want := []string{"size_class", "annex1_large", "guidance"}; !slices.Equal(rules, want) {
		t.Errorf("rules %v, want %v", rules, want)
	}
	if !strings.Contains(out.Reasons[0]["text_nl"], "€ 40.000.000") || !strings.Contains(out.Reasons[0]["text_en"], "€30,000,000") {
		t.Errorf("amounts not formatted per language: %v", out.Reasons[0])
	}
}

// TestScopeCmdPublicControlAndPartners: a publicly owned drinking-water
// company that is medium on its own figures gets the stricter class with
// the open point marked, and a partner is added pro rata.
func TestScopeCmdPublicControlAndPartners(t *testing.T) {
	t.Parallel()
	var stdout, stderr bytes.Buffer
	args := strings.Fields("--subsector drinking_water --employees 150 --turnover 20000000 --balance 30000000 --public-control --partner 40:100:1:1")
	if err := scopeCmd(args, &stdout, &stderr); err != nil {
		t.Fatalf("scopeCmd: %v (%s)", err, stderr.String())
	}
	var out struct {
		Class   string `json:"class"`
		Size    string `json:"size"`
		Reasons []struct {
			Rule   string `json:"rule"`
			TextNL string `json:"text_nl"`
			Open   bool   `json:"open"`
		} `json:"reasons"`
	}
	if err := json.Unmarshal(stdout.Bytes(), &out); err != nil {
		t.Fatal(err)
	}
	if out.Class != "essential" || out.Size != "medium" || len(out.Reasons) < 4 {
		t.Fatalf("class %q size %q", out.Class, out.Size)
	}
	if !strings.Contains(out.Reasons[0].TextNL, "190 medewerkers") {
		t.Errorf("partner not added pro rata: %s", out.Reasons[0].TextNL)
	}
	if r := out.Reasons[1]; r.Rule != "size_aggregated" || !strings.Contains(r.TextNL, "1 partneronderneming") {
		t.Errorf("aggregation reason %+v", r)
	}
	if r := out.Reasons[2]; r.Rule != "public_control_open" || !r.Open || !strings.Contains(r.TextNL, "belangrijke entiteit") {
		t.Errorf("open reason %+v", r)
	}
}

func TestScopeCmdBadInput(t *testing.T) {
	t.Parallel()
	ok := "--employees 1 --turnover 1 --balance 1"
	tests := []struct {
		name, args, stderrHas string
	}{
		{"unknown code", "--subsector energy.coal " + ok, `unknown subsector code "energy.coal"`},
		{"missing subsector", ok, "--subsector is required"},
		{"negative", "--subsector food --employees -3 --turnover 1 --balance 1", "employees: must not be negative"},
		{"non-numeric", "--subsector food --employees 1 --turnover lots --balance 1", "not a whole number"},
		{"missing figure", "--subsector food --employees 1 --turnover 1", "--balance is required"},
		{"unknown flag", "--subsector food " + ok + " --essential", "flag provided but not defined"},
		{"bad designation", "--subsector food " + ok + " --designated yes", "designated"},
		{"list with other flags", "--list --subsector food", "flag provided but not defined"},
		{"bad exclusion", "--subsector food " + ok + " --exclusion defence", "exclusion"},
		{"half a previous year", "--subsector food " + ok + " --prev-employees 3", "--prev-turnover is required"},
		{"bad partner", "--subsector food " + ok + " --partner 30:1", "PCT:STAFF:TURNOVER:BALANCE"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			var stdout, stderr bytes.Buffer
			err := scopeCmd(strings.Fields(tt.args), &stdout, &stderr)
			var u usageError
			if !errors.As(err, &u) || exitCode(err) != 2 {
				t.Fatalf("err %v (%T), want a usageError (exit 2)", err, err)
			}
			if !strings.Contains(stderr.String(), tt.stderrHas) || !strings.Contains(stderr.String(), "usage: weerbaar scope") {
				t.Errorf("stderr lacks %q and the usage:\n%s", tt.stderrHas, stderr.String())
			}
			if stdout.Len() != 0 {
				t.Errorf("stdout not empty: %s", stdout.String())
			}
		})
	}
}

func TestScopeCmdList(t *testing.T) {
	t.Parallel()
	var stdout, stderr bytes.Buffer
	if err := scopeCmd([]string{"--list"}, &stdout, &stderr); err != nil {
		t.Fatal(err)
	}
	var list []map[string]any
	if err := json.Unmarshal(stdout.Bytes(), &list); err != nil {
		t.Fatalf("not a JSON array: %v", err)
	}
	want := []string{
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
	if len(list) != 48 {
		t.Fatalf("%d entries, want 48", len(list))
	}
	for i, e := range list {
		if e["code"] != want[i] {
			t.Errorf("entry %d: code %v, want %s", i, e["code"], want[i])
		}
		for _, k := range []string{"code", "sector", "sector_nl", "sector_en", "name_nl", "name_en", "annex", "authority", "csirt", "lex_specialis"} {
			if _, ok := e[k]; !ok {
				t.Errorf("%v lacks %s", e["code"], k)
			}
		}
	}
	if list[9]["lex_specialis"] != "DORA" || list[9]["authority"] != "FIN" || list[16]["authority"] != "IENW" {
		t.Errorf("banking / drinking water data: %v / %v", list[9], list[16])
	}
}

// TestScopeViaRun: the scope command works without any configuration (no
// database URL, no secret key) and is in the usage text.
func TestScopeViaRun(t *testing.T) {
	t.Parallel()
	noEnv := func(string) string { return "" }
	var stdout, stderr bytes.Buffer
	args := []string{"scope", "--subsector", "digital.dns", "--employees", "3", "--turnover", "100000", "--balance", "50000"}
	if err := run(context.Background(), args, noEnv, &stdout, &stderr); err != nil {
		t.Fatalf("run scope: %v (%s)", err, stderr.String())
	}
	if !strings.Contains(stdout.String(), `"class": "essential"`) || !strings.Contains(stdout.String(), `"any_size_dns"`) {
		t.Errorf("output:\n%s", stdout.String())
	}
	err := run(context.Background(), []string{"scope", "--subsector", "nope"}, noEnv, &stdout, &stderr)
	if exitCode(err) != 2 {
		t.Errorf("bad scope input via run: %v, exit %d", err, exitCode(err))
	}
	stdout.Reset()
	if err := run(context.Background(), []string{"help"}, noEnv, &stdout, &stderr); err != nil || !strings.Contains(stdout.String(), "scope --subsector") {
		t.Errorf("usage lacks the scope command: %v\n%s", err, stdout.String())
	}
	stdout.Reset()
	if err := run(context.Background(), []string{"scope", "--help"}, noEnv, &stdout, &stderr); err != nil || !strings.Contains(stdout.String(), "--critical-entity") {
		t.Errorf("scope --help: %v\n%s", err, stdout.String())
	}
}
