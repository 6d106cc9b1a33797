package server_test

import (
	"context"
	"fmt"
	"net/http"
	"regexp"
	"strings"
	"testing"

	"github.com/weerbaar/weerbaar/internal/apptest"
	"github.com/weerbaar/weerbaar/internal/authz"
)

// compareSection returns the text of the element marked data-compare=key.
func compareSection(body, key string) string {
	m := regexp.MustCompile(`(?s)data-compare="` + key + `">(.*?)</(ul|tbody)>`).FindStringSubmatch(body)
	if m == nil {
		return ""
	}
	return m[1]
}

// TestRiskCompareCycles compares the demo's adopted 2026 cycle with the
// 2027 draft after the draft gained a jewel, lost one, had a scenario's
// level raised and a treatment changed; the reverse comparison mirrors it;
// another entity's analysis is a 404.
func TestRiskCompareCycles(t *testing.T) {
	t.Parallel()
	a, id := startWithDemo(t, apptest.Options{})
	adopted, draft := demoRisk(t, a, id)
	ctx := context.Background()
	c := a.LoginDemo(t, authz.Auditor)
	base := fmt.Sprintf("/e/%d/risks/compare", id)

	// Untouched, the copy matches its origin wherever names match.
	plain := c.Get(t, base)
	if plain.StatusCode != http.StatusOK || !strings.Contains(plain.Body, ">2026<") {
		t.Fatalf("compare page: %d %s", plain.StatusCode, plain.Body)
	}
	// The demo's 2027 draft decided the pumping stations' sabotage, left
	// open in 2026: the only treatment change.
	if got := compareSection(plain.Body, "treatments-changed"); strings.Count(got, "<tr ") != 1 ||
		!strings.Contains(got, `data-treatment-from="none" data-treatment-to="mitigate"`) || !strings.Contains(got, "Distributie en drukbeheer") ||
		!strings.Contains(got, tr(t, "risk.treatment.none")) || !strings.Contains(got, tr(t, "risk.treatment.mitigate")) {
		t.Errorf("demo treatments changed: %q", got)
	}

	var removed, raised, raisedThreat string
	if err := a.Pool.QueryRow(ctx, `SELECT j.name FROM risk_jewels j WHERE j.analysis_id = $1
		AND EXISTS (SELECT 1 FROM risk_jewels o WHERE o.analysis_id = $2 AND o.name = j.name) ORDER BY j.name LIMIT 1`, draft, adopted).Scan(&removed); err != nil {
		t.Fatal(err)
	}
	if _, err := a.Pool.Exec(ctx, `DELETE FROM risk_jewels WHERE analysis_id = $1 AND name = $2`, draft, removed); err != nil {
		t.Fatal(err)
	}
	if _, err := a.Pool.Exec(ctx, `INSERT INTO risk_jewels (entity_id, analysis_id, name, level, availability, integrity, confidentiality)
		VALUES ($1, $2, 'Nieuw meetnet', 'system', 3, 3, 1)`, id, draft); err != nil {
		t.Fatal(err)
	}
	// Raise a scenario that exists in both cycles (same jewel name and threat) to kritiek.
	if err := a.Pool.QueryRow(ctx, `UPDATE risk_scenarios s SET inherent_level = 4, inherent_likelihood = 5, inherent_impact = 5
		FROM risk_jewels j WHERE j.id = s.jewel_id AND s.analysis_id = $1 AND s.threat_code IS NOT NULL AND s.inherent_level < 4
		AND s.id = (SELECT s2.id FROM risk_scenarios s2 JOIN risk_jewels j2 ON j2.id = s2.jewel_id
			JOIN risk_jewels o ON o.analysis_id = $2 AND o.name = j2.name
			JOIN risk_scenarios os ON os.jewel_id = o.id AND os.threat_code = s2.threat_code AND os.inherent_level = s2.inherent_level
			WHERE s2.analysis_id = $1 AND s2.inherent_level < 4 ORDER BY s2.id LIMIT 1)
		RETURNING j.name, s.threat_code`, draft, adopted).Scan(&raised, &raisedThreat); err != nil {
		t.Fatal(err)
	}

	// SCADA × ransomware: mitigate in 2026, transferred in the draft.
	var moved string
	if err := a.Pool.QueryRow(ctx, `UPDATE risk_scenarios s SET treatment = 'transfer' FROM risk_jewels j
		WHERE j.id = s.jewel_id AND s.analysis_id = $1 AND s.threat_code = 'ransomware' AND s.treatment = 'mitigate' RETURNING j.name`,
		draft).Scan(&moved); err != nil {
		t.Fatal(err)
	}

	page := c.Get(t, fmt.Sprintf("%s?from=%d&to=%d", base, adopted, draft))
	if page.StatusCode != http.StatusOK {
		t.Fatalf("compare: %d", page.StatusCode)
	}
	if got := compareSection(page.Body, "jewels-added"); !strings.Contains(got, "Nieuw meetnet") || strings.Count(got, "<li>") != 1 {
		t.Errorf("jewels added: %q", got)
	}
	if got := compareSection(page.Body, "jewels-removed"); !strings.Contains(got, removed) || strings.Count(got, "<li>") != 1 {
		t.Errorf("jewels removed: %q", got)
	}
	levels := compareSection(page.Body, "levels-changed")
	if strings.Count(levels, "<tr>") != 1 || !strings.Contains(levels, raised) || !strings.Contains(levels, `data-level="critical"`) {
		t.Errorf("levels changed: %q (want %s / %s)", levels, raised, raisedThreat)
	}
	treatments := compareSection(page.Body, "treatments-changed")
	if !strings.Contains(treatments, `data-treatment-from="mitigate" data-treatment-to="transfer"`) || !strings.Contains(treatments, moved) ||
		!strings.Contains(treatments, tr(t, "risk.treatment.transfer")) {
		t.Errorf("treatments changed: %q (want %s mitigate → transfer)", treatments, moved)
	}
	if compareSection(page.Body, "scenarios-removed") == "" && strings.Contains(plain.Body, removed) {
		t.Errorf("the removed jewel's scenarios are not listed as removed")
	}
	if strings.Contains(page.Body, `data-compare="same"`) {
		t.Errorf("differences reported as none")
	}
	// Reversed: added and removed swap.
	back := c.Get(t, fmt.Sprintf("%s?from=%d&to=%d", base, draft, adopted))
	if !strings.Contains(compareSection(back.Body, "jewels-removed"), "Nieuw meetnet") ||
		!strings.Contains(compareSection(back.Body, "jewels-added"), removed) ||
		!strings.Contains(compareSection(back.Body, "treatments-changed"), `data-treatment-from="transfer" data-treatment-to="mitigate"`) {
		t.Errorf("reverse comparison does not mirror")
	}
	if same := c.Get(t, fmt.Sprintf("%s?from=%d&to=%d", base, draft, draft)); !strings.Contains(same.Body, `data-compare="same"`) {
		t.Errorf("a cycle against itself shows differences")
	}

	// Another entity's analysis, or no analysis at all, is a 404.
	entityB, _ := createEntityWithAdmin(t, a, "ander-waterbedrijf", "Ander Waterbedrijf", "admin@ander.test")
	var other int64
	if _, err := a.Pool.Exec(ctx, `INSERT INTO risk_methods (entity_id, method_version, matrix, tolerance) VALUES ($1, 1, repeat('1', 25), 2)`,
		entityB); err != nil {
		t.Fatal(err)
	}
	if err := a.Pool.QueryRow(ctx, `INSERT INTO risk_analyses (entity_id, period, review_date, method_version) VALUES ($1, '2027', current_date, 1) RETURNING id`,
		entityB).Scan(&other); err != nil {
		t.Fatal(err)
	}
	for _, q := range []string{fmt.Sprintf("from=%d&to=%d", other, draft), fmt.Sprintf("from=%d&to=%d", adopted, other), "from=x", "to=999999999"} {
		if r := c.Get(t, base+"?"+q); r.StatusCode != http.StatusNotFound {
			t.Errorf("?%s: %d, want 404", q, r.StatusCode)
		}
	}
}
