package server_test

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"github.com/weerbaar/weerbaar/internal/apptest"
	"github.com/weerbaar/weerbaar/internal/authz"
	"github.com/weerbaar/weerbaar/internal/i18n"
)

var hiddenImpact = regexp.MustCompile(`name="impact" value="([^"]*)"`)

// deleteForm reads the version and impact key of a deletion's confirmation
// page.
func deleteForm(t *testing.T, body string) url.Values {
	t.Helper()
	v, im := hiddenVersion.FindStringSubmatch(body), hiddenImpact.FindStringSubmatch(body)
	if v == nil || im == nil {
		t.Fatalf("no deletion form: %s", body)
	}
	return url.Values{"version": {v[1]}, "impact": {im[1]}}
}

func count(t *testing.T, a *apptest.App, sql string, args ...any) int {
	t.Helper()
	var n int
	if err := a.Pool.QueryRow(context.Background(), sql, args...).Scan(&n); err != nil {
		t.Fatalf("%s: %v", sql, err)
	}
	return n
}

func TestRiskDeleteJewelWithItsScenarios(t *testing.T) {
	t.Parallel()
	a, id := startWithDemo(t, apptest.Options{})
	base := "/e/" + strconv.FormatInt(id, 10)
	adopted, draft := demoRisk(t, a, id)
	jewel := firstID(t, a, `SELECT id FROM risk_jewels WHERE analysis_id = $1 AND name = 'SCADA zuiveringsinstallaties'`, draft)
	page := fmt.Sprintf("%s/risks/jewels/%d", base, jewel)
	officer := a.LoginDemo(t, authz.SecurityOfficer)

	scenarios := count(t, a, `SELECT count(*) FROM risk_scenarios WHERE jewel_id = $1`, jewel)
	controls := count(t, a, `SELECT count(*) FROM risk_scenario_controls c JOIN risk_scenarios s ON s.id = c.scenario_id WHERE s.jewel_id = $1`, jewel)
	mitigations := count(t, a, `SELECT count(*) FROM risk_mitigations m JOIN risk_scenarios s ON s.id = m.scenario_id WHERE s.jewel_id = $1`, jewel)
	if scenarios != 4 || controls < 2 || mitigations != 4 {
		t.Fatalf("demo SCADA jewel: %d scenarios, %d controls, %d mitigations", scenarios, controls, mitigations)
	}
	// The jewel's page links to the confirmation page, which says what goes.
	if jp := officer.Get(t, page); !strings.Contains(jp.Body, `href="`+page+`/delete"`) {
		t.Errorf("jewel page has no delete link")
	}
	conf := officer.Get(t, page+"/delete")
	for _, want := range []string{
		tr(t, "risk.delete.goes.scenarios.other", scenarios), tr(t, "risk.delete.goes.controls.other", controls),
		tr(t, "risk.delete.goes.mitigations.other", mitigations), tr(t, "risk.delete.goes.dependents.one", 1, "Drinkwaterzuivering"),
		tr(t, "risk.delete.goes.supplier_links.one", 1), tr(t, "risk.delete.confirm"), `name="confirm"`,
	} {
		if !strings.Contains(conf.Body, want) {
			t.Errorf("confirmation page lacks %q: %s", want, conf.Body)
		}
	}
	if n := strings.Count(conf.Body[strings.Index(conf.Body, `data-deleted="scenarios"`):], "/risks/scenarios/"); conf.StatusCode != http.StatusOK || n != scenarios {
		t.Errorf("confirmation page: %d, %d scenarios listed", conf.StatusCode, n)
	}
	form := deleteForm(t, conf.Body)

	// Not confirmed explicitly: 422 with the field error, nothing deleted.
	if r := officer.PostForm(t, page+"/delete", form); r.StatusCode != http.StatusUnprocessableEntity ||
		!strings.Contains(r.Body, tr(t, "risk.delete.error.confirm")) {
		t.Errorf("unconfirmed deletion: %d", r.StatusCode)
	}
	form.Set("confirm", "yes")
	// Auditors and board members may not delete.
	for _, role := range []authz.Role{authz.Auditor, authz.BoardMember} {
		if r := a.LoginDemo(t, role).PostForm(t, page+"/delete", form); r.StatusCode != http.StatusForbidden {
			t.Errorf("%s deletes: %d", role, r.StatusCode)
		}
	}
	// A stale version: 409 with the saved version, nothing deleted.
	stale := url.Values{"version": {strconv.Itoa(mustAtoi(form.Get("version")) + 1)}, "impact": form["impact"], "confirm": {"yes"}}
	if r := officer.PostForm(t, page+"/delete", stale); r.StatusCode != http.StatusConflict || !strings.Contains(r.Body, tr(t, "conflict.saved_by")) {
		t.Errorf("stale version: %d", r.StatusCode)
	}
	// A scenario added after the page was shown: the counts confirmed are
	// no longer what would go, so 409 and the page with the new counts.
	analysisPage := fmt.Sprintf("%s/risks/%d", base, draft)
	if r := officer.PostForm(t, analysisPage+"/scenarios", url.Values{"jewel": {strconv.FormatInt(jewel, 10)}, "threat": {"c:ddos"},
		"aspects": {"availability"}, "likelihood": {"2"}, "impact": {"2"}}); r.StatusCode != http.StatusSeeOther {
		t.Fatalf("new scenario: %d %s", r.StatusCode, r.Body)
	}
	r := officer.PostForm(t, page+"/delete", form)
	if r.StatusCode != http.StatusConflict || !strings.Contains(r.Body, tr(t, "risk.delete.goes.scenarios.other", scenarios+1)) {
		t.Errorf("deletion confirmed for other counts: %d", r.StatusCode)
	}
	if n := count(t, a, `SELECT count(*) FROM risk_jewels WHERE id = $1`, jewel); n != 1 {
		t.Fatalf("a refused deletion deleted the jewel")
	}
	// Confirmed with the current counts: deleted with its scenarios, their
	// controls and mitigation actions and the links; the jewel that
	// depended on it stays.
	form = deleteForm(t, r.Body)
	form.Set("confirm", "yes")
	mitigationsBefore := count(t, a, `SELECT count(*) FROM risk_mitigations WHERE analysis_id = $1`, draft)
	ownMitigations := count(t, a, `SELECT count(*) FROM risk_mitigations m JOIN risk_scenarios s ON s.id = m.scenario_id WHERE s.jewel_id = $1`, jewel)
	if ownMitigations == 0 {
		t.Fatalf("the jewel's scenarios should have mitigation actions for this test")
	}
	r = officer.PostForm(t, page+"/delete", form)
	if r.StatusCode != http.StatusSeeOther || r.Header.Get("Location") != analysisPage+"#jewels" {
		t.Fatalf("confirmed deletion: %d %q %s", r.StatusCode, r.Header.Get("Location"), r.Body)
	}
	for _, sql := range []string{
		`SELECT count(*) FROM risk_jewels WHERE id = $1`,
		`SELECT count(*) FROM risk_scenarios WHERE jewel_id = $1`,
		`SELECT count(*) FROM risk_jewel_dependencies WHERE depends_on_id = $1 OR jewel_id = $1`,
		`SELECT count(*) FROM risk_jewel_suppliers WHERE jewel_id = $1`,
	} {
		if n := count(t, a, sql, jewel); n != 0 {
			t.Errorf("%s: %d after the deletion", sql, n)
		}
	}
	if n := count(t, a, `SELECT count(*) FROM risk_jewels WHERE analysis_id = $1 AND name = 'Drinkwaterzuivering'`, draft); n != 1 {
		t.Errorf("the jewel that depended on it: %d", n)
	}
	if n := count(t, a, `SELECT count(*) FROM risk_mitigations WHERE analysis_id = $1`, draft); n != mitigationsBefore-ownMitigations {
		t.Errorf("mitigation actions after the deletion: %d, want %d (the deleted scenarios' %d gone, the others kept)", n, mitigationsBefore-ownMitigations, ownMitigations)
	}
	if after := officer.Get(t, analysisPage); !strings.Contains(after.Body, tr(t, "risk.deleted.jewel")) || strings.Contains(after.Body, "SCADA zuiveringsinstallaties") {
		t.Errorf("analysis after deletion")
	}
	// One audit row with what went, readable in the audit log.
	var before string
	if err := a.Pool.QueryRow(context.Background(), `SELECT (changes->'before')::text FROM audit_log WHERE entity_id = $1 AND action = 'risk_jewel.deleted'
		AND object_id = $2`, id, strconv.FormatInt(jewel, 10)).Scan(&before); err != nil {
		t.Fatalf("audit row: %v", err)
	}
	if !strings.Contains(before, fmt.Sprintf(`"scenarios": %d`, scenarios+1)) || !strings.Contains(before, fmt.Sprintf(`"mitigations": %d`, mitigations)) ||
		!strings.Contains(before, "Drinkwaterzuivering") || !strings.Contains(before, "AquaControl Automatisering B.V.") {
		t.Errorf("audit before: %s", before)
	}
	log := a.LoginDemo(t, authz.Auditor).Get(t, base+"/audit?action=risk_jewel.deleted")
	if !strings.Contains(log.Body, tr(t, "audit.action.risk_jewel.deleted")) || !strings.Contains(log.Body, "SCADA zuiveringsinstallaties") ||
		!strings.Contains(log.Body, tr(t, "audit.field.mitigations")) {
		t.Errorf("audit log does not read the deletion: %s", log.Body)
	}

	// In the adopted cycle nothing can be deleted: 409, no link.
	old := firstID(t, a, `SELECT id FROM risk_jewels WHERE analysis_id = $1 AND name = 'SCADA zuiveringsinstallaties'`, adopted)
	oldPage := fmt.Sprintf("%s/risks/jewels/%d", base, old)
	if r := officer.Get(t, oldPage); strings.Contains(r.Body, oldPage+"/delete") {
		t.Errorf("adopted jewel offers deletion")
	}
	if r := officer.Get(t, oldPage+"/delete"); r.StatusCode != http.StatusConflict || !strings.Contains(r.Body, tr(t, "risk.error.locked")) {
		t.Errorf("confirmation page in an adopted analysis: %d", r.StatusCode)
	}
	if r := officer.PostForm(t, oldPage+"/delete", url.Values{"version": {"1"}, "impact": {"x"}, "confirm": {"yes"}}); r.StatusCode != http.StatusConflict {
		t.Errorf("deletion in an adopted analysis: %d", r.StatusCode)
	}
	if n := count(t, a, `SELECT count(*) FROM risk_scenarios WHERE jewel_id = $1`, old); n != 4 {
		t.Errorf("adopted jewel's scenarios: %d", n)
	}
}

// TestRiskDeletionKeepsEvidence: a record with live evidence (for a jewel,
// also on its scenarios) cannot be deleted; the page names the evidence.
// Once the user deletes the evidence itself (kept for the audit trail), the
// record can go.
func TestRiskDeletionKeepsEvidence(t *testing.T) {
	t.Parallel()
	a, id := startWithDemo(t, apptest.Options{})
	base := "/e/" + strconv.FormatInt(id, 10)
	_, draft := demoRisk(t, a, id)
	officer := a.LoginDemo(t, authz.SecurityOfficer)
	supplier := firstID(t, a, `SELECT id FROM risk_suppliers WHERE analysis_id = $1 AND name = 'AquaControl Automatisering B.V.'`, draft)
	page := fmt.Sprintf("%s/risks/suppliers/%d", base, supplier)

	conf := officer.Get(t, page+"/delete")
	if conf.StatusCode != http.StatusOK ||
		!strings.Contains(conf.Body, tr(t, "risk.delete.goes.jewels.other", 2, "SCADA zuiveringsinstallaties, Telemetrie distributienet")) {
		t.Fatalf("supplier confirmation: %d %s", conf.StatusCode, conf.Body)
	}
	form := deleteForm(t, conf.Body)
	form.Set("confirm", "yes")
	if r := officer.PostForm(t, fmt.Sprintf("%s/evidence/attach/risk_supplier/%d/link", base, supplier),
		url.Values{"link_title": {"Verwerkersovereenkomst AquaControl"}, "url": {"https://intranet.example/contracten/aquacontrol"}}); r.StatusCode != http.StatusSeeOther {
		t.Fatalf("evidence on the supplier: %d %s", r.StatusCode, r.Body)
	}
	blocked := officer.Get(t, page+"/delete")
	if blocked.StatusCode != http.StatusOK || !strings.Contains(blocked.Body, "data-blocked") ||
		!strings.Contains(blocked.Body, "Verwerkersovereenkomst AquaControl") || strings.Contains(blocked.Body, `name="impact"`) {
		t.Errorf("blocked confirmation page: %d %s", blocked.StatusCode, blocked.Body)
	}
	// The page confirmed before the evidence was attached: a conflict.
	if r := officer.PostForm(t, page+"/delete", form); r.StatusCode != http.StatusConflict || !strings.Contains(r.Body, "data-blocked") {
		t.Errorf("deletion confirmed before the evidence came: %d", r.StatusCode)
	}
	// Even for the current counts, the evidence stops it.
	form.Set("impact", strings.Replace(form.Get("impact"), "-e0", "-e1", 1))
	if r := officer.PostForm(t, page+"/delete", form); r.StatusCode != http.StatusConflict || !strings.Contains(r.Body, "Verwerkersovereenkomst AquaControl") {
		t.Errorf("deletion with evidence attached: %d", r.StatusCode)
	}
	if n := count(t, a, `SELECT count(*) FROM risk_suppliers WHERE id = $1`, supplier); n != 1 {
		t.Fatalf("supplier with evidence deleted")
	}
	// Evidence on a jewel's scenario stops the jewel's deletion too.
	jewel := firstID(t, a, `SELECT id FROM risk_jewels WHERE analysis_id = $1 AND name = 'Klant- en facturatiesysteem'`, draft)
	scenario := firstID(t, a, `SELECT min(id) FROM risk_scenarios WHERE jewel_id = $1`, jewel)
	if r := officer.PostForm(t, fmt.Sprintf("%s/evidence/attach/risk_scenario/%d/link", base, scenario),
		url.Values{"link_title": {"Pentestrapport portaal"}, "url": {"https://intranet.example/pentest"}}); r.StatusCode != http.StatusSeeOther {
		t.Fatalf("evidence on the scenario: %d", r.StatusCode)
	}
	jb := officer.Get(t, fmt.Sprintf("%s/risks/jewels/%d/delete", base, jewel))
	if !strings.Contains(jb.Body, "data-blocked") || !strings.Contains(jb.Body, "Pentestrapport portaal") ||
		!strings.Contains(jb.Body, fmt.Sprintf("/risks/scenarios/%d#evidence", scenario)) {
		t.Errorf("jewel with evidence on a scenario: %s", jb.Body)
	}

	// The user deletes the evidence (it stays, marked deleted); then the
	// supplier can go, and the jewels lose their link to it, nothing else.
	item := firstID(t, a, `SELECT id FROM evidence_items WHERE subject_type = 'risk_supplier' AND subject_ref = $1`, strconv.FormatInt(supplier, 10))
	if r := officer.PostForm(t, fmt.Sprintf("%s/evidence/%d/delete", base, item), url.Values{}); r.StatusCode != http.StatusSeeOther {
		t.Fatalf("delete evidence: %d %s", r.StatusCode, r.Body)
	}
	conf = officer.Get(t, page+"/delete")
	form = deleteForm(t, conf.Body)
	form.Set("confirm", "yes")
	if r := officer.PostForm(t, page+"/delete", form); r.StatusCode != http.StatusSeeOther ||
		r.Header.Get("Location") != fmt.Sprintf("%s/risks/%d#suppliers", base, draft) {
		t.Fatalf("supplier deletion: %d %s", r.StatusCode, r.Body)
	}
	if n := count(t, a, `SELECT count(*) FROM risk_jewel_suppliers WHERE supplier_id = $1`, supplier); n != 0 {
		t.Errorf("links to the deleted supplier: %d", n)
	}
	if n := count(t, a, `SELECT count(*) FROM risk_jewels WHERE analysis_id = $1 AND name IN ('SCADA zuiveringsinstallaties', 'Telemetrie distributienet')`, draft); n != 2 {
		t.Errorf("dependent jewels: %d", n)
	}
	if n := count(t, a, `SELECT count(*) FROM evidence_items WHERE id = $1 AND deleted_at IS NOT NULL`, item); n != 1 {
		t.Errorf("the evidence's record is gone")
	}
	if n := count(t, a, `SELECT count(*) FROM audit_log WHERE entity_id = $1 AND action = 'risk_supplier.deleted' AND changes->'before'->>'name' = 'AquaControl Automatisering B.V.'`, id); n != 1 {
		t.Errorf("supplier deletion audited %d times", n)
	}
}

func TestRiskDeleteScenarioAndThreat(t *testing.T) {
	t.Parallel()
	a, id := startWithDemo(t, apptest.Options{})
	base := "/e/" + strconv.FormatInt(id, 10)
	_, draft := demoRisk(t, a, id)
	officer := a.LoginDemo(t, authz.SecurityOfficer)
	threat := firstID(t, a, `SELECT id FROM risk_threats WHERE entity_id = $1 AND name = 'Manipulatie van doseringsinstellingen'`, id)
	threatPage := fmt.Sprintf("%s/risks/threats/%d", base, threat)

	// The entity threat is used by a scenario in both cycles: it cannot go,
	// and the page says which scenarios.
	if tp := officer.Get(t, threatPage); !strings.Contains(tp.Body, threatPage+"/delete") {
		t.Errorf("threat page has no delete link")
	}
	tb := officer.Get(t, threatPage+"/delete")
	if tb.StatusCode != http.StatusOK || !strings.Contains(tb.Body, `data-blocking="scenarios"`) ||
		!strings.Contains(tb.Body, tr(t, "risk.analysis.title", "2026")) || !strings.Contains(tb.Body, tr(t, "risk.analysis.title", "2027")) ||
		strings.Count(tb.Body, "SCADA zuiveringsinstallaties × Manipulatie van doseringsinstellingen") != 2 {
		t.Errorf("threat in use: %d %s", tb.StatusCode, tb.Body)
	}
	if r := officer.PostForm(t, threatPage+"/delete", url.Values{"version": {"1"}, "impact": {"s2-c0-m0-t0-d0-o0-l0-j0-e0"}}); r.StatusCode != http.StatusConflict {
		t.Errorf("deleting a threat in use: %d", r.StatusCode)
	}

	// The draft's scenario with that threat: its controls, treatment and
	// mitigation action go with it.
	scenario := firstID(t, a, `SELECT id FROM risk_scenarios WHERE analysis_id = $1 AND threat_id = $2`, draft, threat)
	page := fmt.Sprintf("%s/risks/scenarios/%d", base, scenario)
	if sp := officer.Get(t, page); !strings.Contains(sp.Body, page+"/delete") {
		t.Errorf("scenario page has no delete link")
	}
	conf := officer.Get(t, page+"/delete")
	for _, want := range []string{tr(t, "risk.delete.goes.controls.one", 1), tr(t, "risk.delete.goes.treatments.one", 1),
		tr(t, "risk.delete.goes.mitigations.one", 1)} {
		if !strings.Contains(conf.Body, want) {
			t.Errorf("scenario confirmation lacks %q", want)
		}
	}
	form := deleteForm(t, conf.Body)
	form.Set("confirm", "yes")
	if r := a.LoginDemo(t, authz.Auditor).PostForm(t, page+"/delete", form); r.StatusCode != http.StatusForbidden {
		t.Errorf("auditor deletes a scenario: %d", r.StatusCode)
	}
	if r := officer.PostForm(t, page+"/delete", form); r.StatusCode != http.StatusSeeOther ||
		r.Header.Get("Location") != fmt.Sprintf("%s/risks/%d/scenarios", base, draft) {
		t.Fatalf("scenario deletion: %d %s", r.StatusCode, r.Body)
	}
	if n := count(t, a, `SELECT count(*) FROM risk_mitigations WHERE scenario_id = $1`, scenario); n != 0 {
		t.Errorf("mitigations of the deleted scenario: %d", n)
	}
	if n := count(t, a, `SELECT count(*) FROM audit_log WHERE entity_id = $1 AND action = 'risk_scenario.deleted' AND object_id = $2
		AND (changes->'before'->>'controls')::int = 1 AND (changes->'before'->>'mitigations')::int = 1`, id, strconv.FormatInt(scenario, 10)); n != 1 {
		t.Errorf("scenario deletion audited %d times", n)
	}
	// Still used by the adopted cycle's scenario, which stays.
	if tb := officer.Get(t, threatPage+"/delete"); strings.Count(tb.Body, "SCADA zuiveringsinstallaties × Manipulatie van doseringsinstellingen") != 1 {
		t.Errorf("threat after the draft's scenario went: %s", tb.Body)
	}

	// An unused threat: nothing goes with it, no extra confirmation needed.
	if r := officer.PostForm(t, base+"/risks/threats", url.Values{"name": {"Vervuiling bron"}, "aspects": {"integrity"}}); r.StatusCode != http.StatusSeeOther {
		t.Fatalf("new threat: %d", r.StatusCode)
	}
	unused := firstID(t, a, `SELECT id FROM risk_threats WHERE entity_id = $1 AND name = 'Vervuiling bron'`, id)
	up := fmt.Sprintf("%s/risks/threats/%d", base, unused)
	conf = officer.Get(t, up+"/delete")
	if !strings.Contains(conf.Body, `data-goes="nothing"`) || strings.Contains(conf.Body, `name="confirm"`) {
		t.Errorf("unused threat confirmation: %s", conf.Body)
	}
	form = deleteForm(t, conf.Body)
	stale := url.Values{"version": {"7"}, "impact": form["impact"]}
	if r := officer.PostForm(t, up+"/delete", stale); r.StatusCode != http.StatusConflict {
		t.Errorf("stale threat deletion: %d", r.StatusCode)
	}
	if r := a.LoginDemo(t, authz.BoardMember).Get(t, up+"/delete"); r.StatusCode != http.StatusForbidden {
		t.Errorf("board member sees the threat's deletion page: %d", r.StatusCode)
	}
	if r := officer.PostForm(t, up+"/delete", form); r.StatusCode != http.StatusSeeOther || r.Header.Get("Location") != base+"/risks/threats" {
		t.Fatalf("threat deletion: %d %s", r.StatusCode, r.Body)
	}
	if n := count(t, a, `SELECT count(*) FROM risk_threats WHERE id = $1`, unused); n != 0 {
		t.Errorf("threat not deleted")
	}
	if n := count(t, a, `SELECT count(*) FROM audit_log WHERE entity_id = $1 AND action = 'risk_threat.deleted' AND changes->'before'->>'name' = 'Vervuiling bron'`, id); n != 1 {
		t.Errorf("threat deletion audited %d times", n)
	}
}

func TestRiskSuppliersCSV(t *testing.T) {
	t.Parallel()
	a, id := startWithDemo(t, apptest.Options{})
	base := "/e/" + strconv.FormatInt(id, 10)
	_, draft := demoRisk(t, a, id)
	page := fmt.Sprintf("%s/risks/%d", base, draft)
	c := a.LoginDemo(t, authz.Auditor) // reading is enough

	if p := c.Get(t, page); !strings.Contains(p.Body, `href="`+page+`/suppliers.csv"`) {
		t.Errorf("analysis page does not link the supplier export")
	}
	for _, lang := range []struct {
		code, bom, sep string
		lang           i18n.Lang
	}{{"nl", "\ufeff", ";", i18n.NL}, {"en", "", ",", i18n.EN}} {
		c.PostForm(t, "/lang", url.Values{"lang": {lang.code}})
		r := c.Get(t, page+"/suppliers.csv")
		if r.StatusCode != http.StatusOK || !strings.Contains(r.Header.Get("Content-Disposition"), i18n.Translate(lang.lang, "risk.suppliers.file")+"-") {
			t.Fatalf("%s export: %d %q", lang.code, r.StatusCode, r.Header.Get("Content-Disposition"))
		}
		header := strings.Join([]string{i18n.Translate(lang.lang, "risk.name"), i18n.Translate(lang.lang, "risk.supplier.service"), i18n.Translate(lang.lang, "risk.supplier.criticality"),
			i18n.Translate(lang.lang, "risk.supplier.jewels"), i18n.Translate(lang.lang, "risk.clause.incident")}, lang.sep)
		if !strings.HasPrefix(r.Body, lang.bom+header+lang.sep) {
			t.Errorf("%s header: %q", lang.code, strings.SplitN(r.Body, "\n", 2)[0])
		}
		if lang.bom == "" && strings.HasPrefix(r.Body, "\ufeff") {
			t.Errorf("%s export starts with a BOM", lang.code)
		}
		var row string
		for _, line := range strings.Split(r.Body, "\n") {
			if strings.HasPrefix(line, "AquaControl") {
				row = line
			}
		}
		yes, no := i18n.Translate(lang.lang, "audit.value.yes"), i18n.Translate(lang.lang, "audit.value.no")
		// Criticality 4 from its jewels, both jewels, incident yes and
		// audit no, the expired certification, the assessment's result and
		// the concentration warning.
		for _, want := range []string{"AquaControl Automatisering B.V." + lang.sep, lang.sep + "4 – " + i18n.Translate(lang.lang, "risk.biv.4") + lang.sep,
			"SCADA zuiveringsinstallaties | Telemetrie distributienet" + lang.sep + yes + lang.sep + no + lang.sep + yes + lang.sep,
			"IEC 62443-2-4" + lang.sep, lang.sep + i18n.Translate(lang.lang, "risk.assessment.improvements") + lang.sep + yes} {
			if !strings.Contains(row, want) {
				t.Errorf("%s row lacks %q: %q", lang.code, want, row)
			}
		}
		if n := strings.Count(strings.TrimSpace(r.Body), "\n"); n != 4 {
			t.Errorf("%s export: %d suppliers", lang.code, n)
		}
	}
}

func TestRiskJewelBIVProfile(t *testing.T) {
	t.Parallel()
	a, id := startWithDemo(t, apptest.Options{})
	base := "/e/" + strconv.FormatInt(id, 10)
	_, draft := demoRisk(t, a, id)
	c := a.LoginDemo(t, authz.BoardMember)
	jewels := count(t, a, `SELECT count(*) FROM risk_jewels WHERE analysis_id = $1`, draft)
	label := tr(t, "risk.biv.profile", 2, 3, 4) // Klant- en facturatiesysteem
	svg := regexp.MustCompile(`<svg class="biv-profile"[^>]*role="img" aria-label="` + regexp.QuoteMeta(label) + `" data-biv="2-3-4">`)
	page := c.Get(t, fmt.Sprintf("%s/risks/%d", base, draft))
	if n := strings.Count(page.Body, `class="biv-profile"`); n != jewels || !svg.MatchString(page.Body) {
		t.Errorf("analysis page: %d profiles for %d jewels, labelled: %v", n, jewels, svg.MatchString(page.Body))
	}
	jewel := firstID(t, a, `SELECT id FROM risk_jewels WHERE analysis_id = $1 AND name = 'Klant- en facturatiesysteem'`, draft)
	jp := c.Get(t, fmt.Sprintf("%s/risks/jewels/%d", base, jewel))
	if !svg.MatchString(jp.Body) || !strings.Contains(jp.Body, "<title>"+label+"</title>") || !strings.Contains(jp.Body, `font-weight="bold" fill="#1b1f24">4</text>`) {
		t.Errorf("jewel page profile: %s", jp.Body)
	}
	if strings.Contains(jp.Body, "/delete") {
		t.Errorf("board member is offered a deletion")
	}
	c.PostForm(t, "/lang", url.Values{"lang": {"en"}})
	if en := c.Get(t, fmt.Sprintf("%s/risks/jewels/%d", base, jewel)); !strings.Contains(en.Body, trEN(t, "risk.biv.profile", 2, 3, 4)) {
		t.Errorf("English profile label")
	}
}
