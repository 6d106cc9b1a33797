package risk

import (
	"strings"
	"testing"
)

func TestThreatCatalogue(t *testing.T) {
	t.Parallel()
	c, err := ParseThreats(threatsFile)
	if err != nil {
		t.Fatal(err)
	}
	// The six CSBN categories and the all-hazards threats the issue names.
	for _, code := range []string{"disruption", "sabotage", "information_manipulation", "information_theft", "espionage",
		"system_manipulation", "ransomware", "phishing_bec", "ddos", "supplier_compromise", "exploited_vulnerability",
		"insider", "utility_outage", "fire_flood", "hardware_failure", "human_error"} {
		if _, ok := c.Threat(code); !ok {
			t.Errorf("threat %s missing", code)
		}
	}
	if th, _ := c.Threat("information_theft"); th.Availability || th.Integrity || !th.Confidentiality {
		t.Errorf("information theft aspects %+v, want confidentiality only", th.Aspects)
	}
	if Threats().Version == "" {
		t.Error("catalogue without version")
	}
}

func TestParseThreatsRejects(t *testing.T) {
	t.Parallel()
	cases := map[string]string{
		"bad code":   `{"threats":[{"code":"Bad","group":"csbn","a":true,"name":{"nl":"x","en":"x"},"description":{"nl":"x","en":"x"}}]}`,
		"no english": `{"threats":[{"code":"x","group":"csbn","a":true,"name":{"nl":"x"},"description":{"nl":"x","en":"x"}}]}`,
		"no aspect":  `{"threats":[{"code":"x","group":"csbn","name":{"nl":"x","en":"x"},"description":{"nl":"x","en":"x"}}]}`,
		"group":      `{"threats":[{"code":"x","group":"other","a":true,"name":{"nl":"x","en":"x"},"description":{"nl":"x","en":"x"}}]}`,
		"duplicate": `{"threats":[{"code":"x","group":"csbn","a":true,"name":{"nl":"x","en":"x"},"description":{"nl":"x","en":"x"}},` +
			`{"code":"x","group":"csbn","a":true,"name":{"nl":"x","en":"x"},"description":{"nl":"x","en":"x"}}]}`,
	}
	for name, raw := range cases {
		if _, err := ParseThreats([]byte(raw)); err == nil || strings.Contains(err.Error(), "panic") {
			t.Errorf("%s: accepted", name)
		}
	}
}
