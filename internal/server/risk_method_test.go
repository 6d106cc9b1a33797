package server_test

import (
	"context"
	"fmt"
	"html"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"testing"

	"github.com/weerbaar/weerbaar/internal/apptest"
	"github.com/weerbaar/weerbaar/internal/authz"
	"github.com/weerbaar/weerbaar/internal/i18n"
	"github.com/weerbaar/weerbaar/internal/risk"
)

// TestRiskMethodScalesThroughHTTP: an admin edits a scale definition in
// both languages; the method page, its history and the audit log show it, a
// new analysis's scenario form explains it, and the analysis made with the
// older method version keeps the older text.
func TestRiskMethodScalesThroughHTTP(t *testing.T) {
	t.Parallel()
	a, id := startWithDemo(t, apptest.Options{})
	base := "/e/" + strconv.FormatInt(id, 10)
	adopted, draft := demoRisk(t, a, id)
	ctx := context.Background()
	cur, err := risk.CurrentMethod(ctx, a.Pool, id)
	if err != nil || !cur.Set {
		t.Fatalf("demo method: %+v %v", cur, err)
	}
	oldDef := cur.Scales.Point(risk.AxisImpact, 4).Definition.NL
	defNL := risk.ScaleField(risk.AxisImpact, 4, risk.PartDefinition, i18n.NL)
	defEN := risk.ScaleField(risk.AxisImpact, 4, risk.PartDefinition, i18n.EN)
	labelNL := risk.ScaleField(risk.AxisImpact, 4, risk.PartLabel, i18n.NL)
	labelEN := risk.ScaleField(risk.AxisImpact, 4, risk.PartLabel, i18n.EN)
	const newNL, newEN = "Testdefinitie: een wijk langer dan een dag zonder veilig drinkwater.", "Test definition: a district without safe drinking water for more than a day."

	admin := a.LoginDemo(t, authz.Admin)
	page := admin.Get(t, base+"/risks/method")
	if page.StatusCode != http.StatusOK || !strings.Contains(page.Body, `name="`+defEN+`"`) ||
		!strings.Contains(page.Body, html.EscapeString(oldDef)) || !strings.Contains(page.Body, tr(t, "risk.likelihood.inherent")) {
		t.Fatalf("method form: %d", page.StatusCode)
	}
	form := risk.MethodForm(cur)
	form.Scales[defNL], form.Scales[defEN] = newNL, newEN
	form.Scales[labelNL], form.Scales[labelEN] = "zeer ernstig", "very severe"

	// Only an admin (EntityManage) saves the method.
	for _, role := range []authz.Role{authz.SecurityOfficer, authz.Auditor, authz.BoardMember} {
		if r := a.LoginDemo(t, role).PostForm(t, base+"/risks/method", methodValues(form)); r.StatusCode != http.StatusForbidden {
			t.Errorf("%s saves the method: %d", role, r.StatusCode)
		}
	}
	// Bad input: 422 with the message next to the field, input kept.
	bad := risk.MethodForm(cur)
	bad.Scales[defNL] = newNL
	bad.Scales[risk.ScaleField(risk.AxisLikelihood, 2, risk.PartLabel, i18n.EN)] = " "
	bad.Scales[risk.ScaleField(risk.AxisImpact, 1, risk.PartDefinition, i18n.NL)] = strings.Repeat("x", risk.MaxScaleDefinition+1)
	r := admin.PostForm(t, base+"/risks/method", methodValues(bad))
	if r.StatusCode != http.StatusUnprocessableEntity || !strings.Contains(r.Body, newNL) ||
		!strings.Contains(r.Body, `id="f-likelihood_2_label_en-error"`) || !strings.Contains(r.Body, `id="f-impact_1_def_nl-error"`) ||
		!strings.Contains(r.Body, tr(t, "validate.required")) || !strings.Contains(r.Body, tr(t, "validate.too_long")) ||
		!strings.Contains(r.Body, `href="#f-likelihood_2_label_en"`) {
		t.Errorf("bad scales: %d", r.StatusCode)
	}
	if got, _ := risk.CurrentMethod(ctx, a.Pool, id); got.Version != cur.Version {
		t.Fatalf("a refused save stored version %d", got.Version)
	}
	// The save: one new version with the matrix, tolerance and scales.
	if r := admin.PostForm(t, base+"/risks/method", methodValues(form)); r.StatusCode != http.StatusSeeOther {
		t.Fatalf("save: %d %s", r.StatusCode, r.Body)
	}
	// The same form again is stale: 409, the new input kept.
	stale := risk.MethodForm(cur)
	stale.Scales[defNL] = "Tweede poging van een andere beheerder."
	r = admin.PostForm(t, base+"/risks/method", methodValues(stale))
	if r.StatusCode != http.StatusConflict || !strings.Contains(r.Body, tr(t, "conflict.title")) ||
		!strings.Contains(r.Body, "Tweede poging van een andere beheerder.") ||
		!strings.Contains(r.Body, `name="version" value="`+strconv.Itoa(cur.Version+1)+`"`) {
		t.Errorf("stale save: %d", r.StatusCode)
	}
	saved, err := risk.CurrentMethod(ctx, a.Pool, id)
	if err != nil || saved.Version != cur.Version+1 || saved.Scales.Point(risk.AxisImpact, 4).Definition != (i18n.Text{NL: newNL, EN: newEN}) {
		t.Fatalf("saved method: %+v %v", saved.Scales.Impact[3], err)
	}
	// The method page shows the new text and the history says what changed.
	page = admin.Get(t, base+"/risks/method")
	row := fmt.Sprintf(`data-method-history="%d"`, saved.Version)
	if !strings.Contains(page.Body, newNL) || !strings.Contains(page.Body, row) ||
		!strings.Contains(page.Body[strings.Index(page.Body, row):], tr(t, "risk.scale.point", tr(t, "risk.impact"), 4)) {
		t.Errorf("method page after save")
	}
	// An older version is shown read-only; an unknown one is not found.
	older := admin.Get(t, fmt.Sprintf("%s/risks/method?version=%d", base, cur.Version))
	if older.StatusCode != http.StatusOK || !strings.Contains(older.Body, html.EscapeString(oldDef)) || strings.Contains(older.Body, newNL) ||
		strings.Contains(older.Body, `name="`+defEN+`"`) || !strings.Contains(older.Body, fmt.Sprintf(`data-viewing="%d"`, cur.Version)) {
		t.Errorf("older version: %d", older.StatusCode)
	}
	if r := admin.Get(t, base+"/risks/method?version=999"); r.StatusCode != http.StatusNotFound {
		t.Errorf("unknown version: %d", r.StatusCode)
	}
	// The audit log records the change readably.
	log := admin.Get(t, base+"/audit")
	if !strings.Contains(log.Body, tr(t, "audit.field.impact_4")) || !strings.Contains(log.Body, newNL) || !strings.Contains(log.Body, html.EscapeString(oldDef)) {
		t.Errorf("audit log lacks the scale change")
	}
	var audited int
	if err := a.Pool.QueryRow(ctx, `SELECT count(*) FROM audit_log WHERE entity_id = $1 AND action = 'risk_method.saved' AND object_id = $2
		AND changes::text LIKE '%' || $3 || '%'`, id, strconv.Itoa(saved.Version), newEN).Scan(&audited); err != nil || audited != 1 {
		t.Errorf("audit rows: %d %v", audited, err)
	}

	// The draft analysis keeps its method version and its definitions.
	officer := a.LoginDemo(t, authz.SecurityOfficer)
	old := officer.Get(t, fmt.Sprintf("%s/risks/%d/scenarios", base, draft))
	if !strings.Contains(old.Body, html.EscapeString(oldDef)) || strings.Contains(old.Body, newNL) ||
		!strings.Contains(old.Body, fmt.Sprintf(`data-scale-guide="%d"`, cur.Version)) {
		t.Errorf("draft analysis's scenario form")
	}
	// The demo's story: 2026 was made with the standard definitions,
	// 2027 with the company's own (method version 2).
	std := html.EscapeString(i18n.Translate(i18n.NL, "risk.impact.4.desc"))
	if first := officer.Get(t, fmt.Sprintf("%s/risks/%d/scenarios", base, adopted)); !strings.Contains(first.Body, std) || std == html.EscapeString(oldDef) {
		t.Errorf("adopted 2026 analysis should show the standard impact definition, the 2027 draft its own")
	}
	// A new cycle uses the new version: its scenario form, a scenario's
	// page, its resilience page and its heat map show the new texts.
	r = officer.PostForm(t, base+"/risks", url.Values{"period": {"2028"}, "review_date": {testToday().AddDate(0, 6, 0).Format("2006-01-02")}})
	if r.StatusCode != http.StatusSeeOther {
		t.Fatalf("new cycle: %d %s", r.StatusCode, r.Body)
	}
	analysis := r.Header.Get("Location")
	an := officer.Get(t, analysis)
	if !strings.Contains(an.Body, fmt.Sprintf(`data-analysis-method="%d"`, saved.Version)) ||
		!strings.Contains(an.Body, `data-impact-label="4">4 – zeer ernstig<`) {
		t.Errorf("new analysis: method version or heat map axis")
	}
	sc := officer.Get(t, analysis+"/scenarios")
	if !strings.Contains(sc.Body, newNL) || strings.Contains(sc.Body, html.EscapeString(oldDef)) ||
		!strings.Contains(sc.Body, `>4 – zeer ernstig</option>`) {
		t.Errorf("new analysis's scenario form")
	}
	newID := strings.TrimPrefix(analysis, base+"/risks/")
	scID := firstID(t, a, `SELECT id FROM risk_scenarios WHERE entity_id = $1 AND analysis_id = $2 AND inherent_impact = 4 ORDER BY id LIMIT 1`, id, mustAtoi(newID))
	one := officer.Get(t, fmt.Sprintf("%s/risks/scenarios/%d", base, scID))
	res := officer.Get(t, fmt.Sprintf("%s/risks/scenarios/%d/resilience", base, scID))
	if !strings.Contains(one.Body, newNL) || !strings.Contains(res.Body, newNL) || !strings.Contains(res.Body, "(zeer ernstig)") {
		t.Errorf("scenario or resilience page of the new cycle")
	}
	// In English the English definition.
	officer.PostForm(t, "/lang", url.Values{"lang": {"en"}})
	if en := officer.Get(t, analysis+"/scenarios"); !strings.Contains(en.Body, newEN) || !strings.Contains(en.Body, ">4 – very severe</option>") {
		t.Errorf("English scenario form")
	}
}
