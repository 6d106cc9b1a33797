package server_test

import (
	"bytes"
	"context"
	"fmt"
	"html"
	"mime/multipart"
	"net/http"
	"net/url"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/weerbaar/weerbaar/internal/apptest"
	"github.com/weerbaar/weerbaar/internal/audit"
	"github.com/weerbaar/weerbaar/internal/authz"
	"github.com/weerbaar/weerbaar/internal/demo"
	"github.com/weerbaar/weerbaar/internal/i18n"
	"github.com/weerbaar/weerbaar/internal/risk"
)

// demoRisk returns the demo's analyses: the adopted 2026 and the 2027 draft.
func demoRisk(t *testing.T, a *apptest.App, entityID int64) (adopted, draft int64) {
	t.Helper()
	if err := a.Pool.QueryRow(context.Background(), `SELECT min(id), max(id) FROM risk_analyses WHERE entity_id = $1`,
		entityID).Scan(&adopted, &draft); err != nil {
		t.Fatal(err)
	}
	return adopted, draft
}

func firstID(t *testing.T, a *apptest.App, sql string, args ...any) int64 {
	t.Helper()
	var id int64
	if err := a.Pool.QueryRow(context.Background(), sql, args...).Scan(&id); err != nil {
		t.Fatalf("%s: %v", sql, err)
	}
	return id
}

var hiddenVersion = regexp.MustCompile(`name="version" value="(\d+)"`)

func TestRiskAnalysisPagesOfTheDemo(t *testing.T) {
	t.Parallel()
	a, id := startWithDemo(t, apptest.Options{})
	base := "/e/" + strconv.FormatInt(id, 10)
	adopted, draft := demoRisk(t, a, id)
	c := a.LoginDemo(t, authz.SecurityOfficer)

	list := c.Get(t, base+"/risks")
	if list.StatusCode != http.StatusOK || !strings.Contains(list.Body, ">2026<") || !strings.Contains(list.Body, ">2027<") ||
		!strings.Contains(list.Body, tr(t, "risk.status.adopted")) || strings.Contains(list.Body, tr(t, "module.unavailable.title")) {
		t.Fatalf("risk list: %d %s", list.StatusCode, list.Body)
	}
	// The adopted cycle records who adopted it (the board, through an
	// approval request); the draft is its copy.
	old := c.Get(t, fmt.Sprintf("%s/risks/%d", base, adopted))
	if !strings.Contains(old.Body, "Pieter Jansen") || !strings.Contains(old.Body, "Bestuursbesluit #") ||
		strings.Contains(old.Body, "/jewels/new") {
		t.Errorf("adopted analysis: %s", old.Body)
	}
	page := c.Get(t, fmt.Sprintf("%s/risks/%d", base, draft))
	for _, want := range []string{"SCADA zuiveringsinstallaties", "AquaControl Automatisering B.V.", `data-concentration`,
		tr(t, "risk.supplier.cert_expired"), "<svg", tr(t, "risk.heat.inherent"), "/jewels/new", tr(t, "risk.step.resilience")} {
		if !strings.Contains(page.Body, want) {
			t.Errorf("analysis page lacks %q", want)
		}
	}
	// The heat map's critical corner: two SCADA scenarios at (4, 5), linked
	// to the filtered list, which shows exactly those two.
	cell := fmt.Sprintf("%s/risks/%d/scenarios?likelihood=4&amp;impact=5", base, draft)
	if !strings.Contains(page.Body, `href="`+cell+`"`) || !regexp.MustCompile(`data-cell="4-5">\s*<a [^>]*>2</a>`).MatchString(page.Body) {
		t.Errorf("heat map cell (4,5) missing or wrong: %s", page.Body)
	}
	filtered := c.Get(t, html.UnescapeString(cell))
	if n := strings.Count(filtered.Body, "data-scenario="); filtered.StatusCode != http.StatusOK || n != 2 ||
		!strings.Contains(filtered.Body, "Ransomware") || strings.Contains(filtered.Body, "Diefstal") {
		t.Errorf("filtered scenarios: %d rows, status %d", n, filtered.StatusCode)
	}
	if all := c.Get(t, fmt.Sprintf("%s/risks/%d/scenarios", base, draft)); strings.Count(all.Body, "data-scenario=") != 12 {
		t.Errorf("all scenarios: %d rows", strings.Count(all.Body, "data-scenario="))
	}
	// English.
	c.PostForm(t, "/lang", url.Values{"lang": {"en"}})
	if en := c.Get(t, fmt.Sprintf("%s/risks/%d", base, draft)); !strings.Contains(en.Body, trEN(t, "risk.heat.inherent")) ||
		!strings.Contains(en.Body, trEN(t, "risk.supplier.concentration")) {
		t.Errorf("English analysis page")
	}
}

func TestRiskStepsThroughHTTP(t *testing.T) {
	t.Parallel()
	a, id := startWithDemo(t, apptest.Options{})
	base := "/e/" + strconv.FormatInt(id, 10)
	c := a.LoginDemo(t, authz.SecurityOfficer)

	// A new cycle starts as a copy of the newest.
	r := c.PostForm(t, base+"/risks", url.Values{"period": {"2028"}, "review_date": {testToday().AddDate(0, 6, 0).Format("2006-01-02")}})
	if r.StatusCode != http.StatusSeeOther {
		t.Fatalf("new cycle: %d %s", r.StatusCode, r.Body)
	}
	analysis := r.Header.Get("Location")
	if got := c.Get(t, analysis); strings.Count(got.Body, "data-jewel=") != 9 || strings.Count(got.Body, "data-supplier=") != 4 {
		t.Errorf("copied cycle: %d jewels, %d suppliers", strings.Count(got.Body, "data-jewel="), strings.Count(got.Body, "data-supplier="))
	}
	// A review date more than twelve months ahead: 422, input kept.
	r = c.PostForm(t, base+"/risks", url.Values{"period": {"2029"}, "review_date": {testToday().AddDate(1, 1, 0).Format("2006-01-02")}})
	if r.StatusCode != http.StatusUnprocessableEntity || !strings.Contains(r.Body, tr(t, "risk.error.review_ahead")) || !strings.Contains(r.Body, `value="2029"`) {
		t.Errorf("review too far ahead: %d", r.StatusCode)
	}

	// Step 1: a supplier and a jewel that depends on it.
	r = c.PostForm(t, analysis+"/suppliers", url.Values{"name": {"Waterlab Extern"}, "service": {"Contra-analyses"}, "clauses": {"incident", "audit"}})
	if r.StatusCode != http.StatusSeeOther {
		t.Fatalf("new supplier: %d %s", r.StatusCode, r.Body)
	}
	supplierID := strings.TrimPrefix(r.Header.Get("Location"), base+"/risks/suppliers/")
	r = c.PostForm(t, analysis+"/jewels", url.Values{"name": {"Meetgegevens bronnen"}, "level": {"system"}, "availability": {"2"},
		"integrity": {"4"}, "confidentiality": {"2"}, "suppliers": {supplierID}})
	if r.StatusCode != http.StatusSeeOther {
		t.Fatalf("new jewel: %d %s", r.StatusCode, r.Body)
	}
	jewelPage := r.Header.Get("Location")
	jewelID := strings.TrimPrefix(jewelPage, base+"/risks/jewels/")
	if sp := c.Get(t, base+"/risks/suppliers/"+supplierID); !strings.Contains(sp.Body, "Meetgegevens bronnen") || !strings.Contains(sp.Body, tr(t, "risk.biv.4")) {
		t.Errorf("supplier criticality from its jewel: %s", sp.Body)
	}
	// A bad BIV value: 422 with the field error and the input kept.
	r = c.PostForm(t, analysis+"/jewels", url.Values{"name": {"Half ingevuld"}, "level": {"system"}, "availability": {"9"}, "integrity": {"1"}, "confidentiality": {"1"}})
	if r.StatusCode != http.StatusUnprocessableEntity || !strings.Contains(r.Body, tr(t, "risk.error.biv")) || !strings.Contains(r.Body, `value="Half ingevuld"`) {
		t.Errorf("bad jewel: %d", r.StatusCode)
	}

	// Step 2: an entity threat and a scenario with it; the level follows the matrix.
	r = c.PostForm(t, base+"/risks/threats", url.Values{"name": {"Vervuiling bron"}, "aspects": {"integrity"}})
	if r.StatusCode != http.StatusSeeOther {
		t.Fatalf("new threat: %d %s", r.StatusCode, r.Body)
	}
	threatID := firstID(t, a, `SELECT id FROM risk_threats WHERE entity_id = $1 AND name = 'Vervuiling bron'`, id)
	r = c.PostForm(t, analysis+"/scenarios", url.Values{"jewel": {jewelID}, "threat": {"e:" + strconv.FormatInt(threatID, 10)},
		"aspects": {"integrity"}, "likelihood": {"5"}, "impact": {"5"}})
	if r.StatusCode != http.StatusSeeOther {
		t.Fatalf("new scenario: %d %s", r.StatusCode, r.Body)
	}
	list := c.Get(t, analysis+"/scenarios?likelihood=5&impact=5")
	if strings.Count(list.Body, "data-scenario=") != 1 || !strings.Contains(list.Body, "Vervuiling bron") || !strings.Contains(list.Body, `data-level="critical"`) {
		t.Errorf("scenario at (5,5): %s", list.Body)
	}
	// A scenario without aspects: 422.
	r = c.PostForm(t, analysis+"/scenarios", url.Values{"jewel": {jewelID}, "threat": {"c:ddos"}, "likelihood": {"2"}, "impact": {"2"}})
	if r.StatusCode != http.StatusUnprocessableEntity || !strings.Contains(r.Body, tr(t, "risk.error.aspects")) {
		t.Errorf("scenario without aspects: %d", r.StatusCode)
	}
	// Filters outside the scale are refused.
	if r := c.Get(t, analysis+"/scenarios?likelihood=9"); r.StatusCode != http.StatusBadRequest {
		t.Errorf("likelihood=9: %d", r.StatusCode)
	}
	var n int
	if err := a.Pool.QueryRow(context.Background(), `SELECT count(*) FROM audit_log WHERE entity_id = $1 AND action IN
		('risk_analysis.created', 'risk_supplier.created', 'risk_jewel.created', 'risk_threat.created', 'risk_scenario.created')
		AND actor_email = 'officer@demo.weerbaar.test'`, id).Scan(&n); err != nil || n < 5 {
		t.Errorf("audited changes by the officer: %d %v", n, err)
	}
}

// TestRiskAdoptionByTheBoard: with board members, an admin no longer
// records the adoption; the analysis is submitted to the board, and its
// approval adopts it.
func TestRiskAdoptionByTheBoard(t *testing.T) {
	t.Parallel()
	a, id := startWithDemo(t, apptest.Options{})
	base := "/e/" + strconv.FormatInt(id, 10)
	_, draft := demoRisk(t, a, id)
	page := fmt.Sprintf("%s/risks/%d", base, draft)
	officer := a.LoginDemo(t, authz.SecurityOfficer)
	if r := officer.PostForm(t, page+"/status", url.Values{"status": {"review"}, "version": {"1"}}); r.StatusCode != http.StatusSeeOther {
		t.Fatalf("to review: %d %s", r.StatusCode, r.Body)
	}
	if r := officer.PostForm(t, page+"/status", url.Values{"status": {"adopted"}, "version": {"2"}, "note": {"x"}}); r.StatusCode != http.StatusForbidden {
		t.Errorf("officer adopts: %d", r.StatusCode)
	}
	admin := a.LoginDemo(t, authz.Admin)
	if r := admin.PostForm(t, page+"/status", url.Values{"status": {"adopted"}, "version": {"2"}}); r.StatusCode != http.StatusUnprocessableEntity ||
		!strings.Contains(r.Body, tr(t, "risk.error.adoption_note")) {
		t.Errorf("adopt without decision: %d", r.StatusCode)
	}
	if r := admin.PostForm(t, page+"/status", url.Values{"status": {"adopted"}, "version": {"2"}, "note": {"Besluit RvB 2027-03"}}); r.StatusCode != http.StatusUnprocessableEntity ||
		!strings.Contains(r.Body, tr(t, "risk.error.board_adopts")) {
		t.Fatalf("admin adopts beside the board: %d", r.StatusCode)
	}
	// The demo already submitted the draft: the board member approves it.
	req := firstID(t, a, `SELECT id FROM approval_requests WHERE entity_id = $1 AND kind = 'risk_analysis' AND subject_ref = $2 AND state = 'pending'`,
		id, strconv.FormatInt(draft, 10))
	board := a.LoginDemo(t, authz.BoardMember)
	reqPage := fmt.Sprintf("%s/board/requests/%d", base, req)
	if r := board.PostForm(t, reqPage+"/decide", url.Values{"decision": {"approve"}, "secret": {demo.Password},
		"hash": {hashOf(t, a, req)}}); r.StatusCode != http.StatusSeeOther {
		t.Fatalf("board approves: %d %s", r.StatusCode, r.Body)
	}
	if r := officer.Get(t, page); !strings.Contains(r.Body, "Pieter Jansen") || !strings.Contains(r.Body, `data-status="adopted"`) {
		t.Errorf("approved analysis not adopted: %d", r.StatusCode)
	}
	// Adopted: the content is locked.
	jewel := firstID(t, a, `SELECT max(id) FROM risk_jewels WHERE entity_id = $1`, id)
	r := officer.PostForm(t, fmt.Sprintf("%s/risks/jewels/%d", base, jewel), url.Values{"name": {"x"}, "level": {"goal"},
		"availability": {"1"}, "integrity": {"1"}, "confidentiality": {"1"}, "version": {"1"}})
	if r.StatusCode != http.StatusConflict || !strings.Contains(r.Body, tr(t, "risk.error.locked")) {
		t.Errorf("change to an adopted analysis: %d", r.StatusCode)
	}
}

func TestRiskVersionConflictKeepsInput(t *testing.T) {
	t.Parallel()
	a, id := startWithDemo(t, apptest.Options{})
	base := "/e/" + strconv.FormatInt(id, 10)
	jewel := firstID(t, a, `SELECT max(id) FROM risk_jewels WHERE entity_id = $1`, id)
	page := fmt.Sprintf("%s/risks/jewels/%d", base, jewel)
	c := a.LoginDemo(t, authz.SecurityOfficer)
	form := c.Get(t, page)
	m := hiddenVersion.FindStringSubmatch(form.Body)
	if m == nil {
		t.Fatalf("no version on the jewel form: %s", form.Body)
	}
	values := url.Values{"name": {"Eerste wijziging"}, "level": {"system"}, "availability": {"4"}, "integrity": {"4"},
		"confidentiality": {"3"}, "version": {m[1]}}
	if r := c.PostForm(t, page, values); r.StatusCode != http.StatusSeeOther {
		t.Fatalf("first save: %d %s", r.StatusCode, r.Body)
	}
	values.Set("name", "Mijn tweede wijziging")
	r := c.PostForm(t, page, values)
	if r.StatusCode != http.StatusConflict || !strings.Contains(r.Body, tr(t, "conflict.title")) ||
		!strings.Contains(r.Body, `value="Mijn tweede wijziging"`) || !strings.Contains(r.Body, "Eerste wijziging") {
		t.Errorf("conflict: %d %s", r.StatusCode, r.Body)
	}
	// The form now carries the current version, so saving again works.
	m = hiddenVersion.FindStringSubmatch(r.Body)
	values.Set("version", m[1])
	if r := c.PostForm(t, page, values); r.StatusCode != http.StatusSeeOther {
		t.Errorf("save after conflict: %d", r.StatusCode)
	}
	// The method too: two admins saving from the same version.
	admin := a.LoginDemo(t, authz.Admin)
	method := admin.Get(t, base+"/risks/method")
	mv := hiddenVersion.FindStringSubmatch(method.Body)
	mf := risk.MethodForm(risk.DefaultMethod())
	mf.Tolerance, mf.Version = "3", mustAtoi(mv[1])
	in := methodValues(mf)
	if r := admin.PostForm(t, base+"/risks/method", in); r.StatusCode != http.StatusSeeOther {
		t.Fatalf("method save: %d %s", r.StatusCode, r.Body)
	}
	if r := admin.PostForm(t, base+"/risks/method", in); r.StatusCode != http.StatusConflict {
		t.Errorf("stale method save: %d", r.StatusCode)
	}
	in.Set("version", strconv.Itoa(mustAtoi(mv[1])+1))
	in.Set("m55", "1")
	if r := admin.PostForm(t, base+"/risks/method", in); r.StatusCode != http.StatusUnprocessableEntity || !strings.Contains(r.Body, tr(t, "risk.error.monotone")) {
		t.Errorf("non-monotone matrix: %d", r.StatusCode)
	}
}

// methodValues is the method form as a browser posts it.
func methodValues(in risk.MethodInput) url.Values {
	v := url.Values{"version": {strconv.Itoa(in.Version)}, "tolerance": {in.Tolerance}}
	for k, x := range in.Cells {
		v.Set(k, x)
	}
	for k, x := range in.Scales {
		v.Set(k, x)
	}
	return v
}

func mustAtoi(s string) int {
	n, _ := strconv.Atoi(s)
	return n
}

func TestRiskIDsOfAnotherEntityAreNotFound(t *testing.T) {
	t.Parallel()
	a, idA := startWithDemo(t, apptest.Options{})
	entityB, adminB := createEntityWithAdmin(t, a, "ander-waterbedrijf", "Ander Waterbedrijf", "admin@ander.test")
	actorB := authz.Actor{UserID: adminB, EntityID: entityB, Role: authz.Admin}
	ctx := audit.WithMeta(context.Background(), audit.Meta{ActorID: adminB, ActorEmail: "admin@ander.test"})
	an, err := risk.CreateAnalysis(ctx, a.Pool, actorB, risk.AnalysisInput{Period: "2027", ReviewDate: testToday().AddDate(0, 6, 0).Format("2006-01-02")}, testToday())
	if err != nil {
		t.Fatal(err)
	}
	sup, err := risk.SaveSupplier(ctx, a.Pool, actorB, an.ID, 0, risk.SupplierInput{Name: "Geheim"})
	if err != nil {
		t.Fatal(err)
	}
	jw, err := risk.SaveJewel(ctx, a.Pool, actorB, an.ID, 0, risk.JewelInput{Name: "Geheim", Level: "goal", Availability: "1", Integrity: "1", Confidentiality: "1"})
	if err != nil {
		t.Fatal(err)
	}
	th, err := risk.SaveEntityThreat(ctx, a.Pool, actorB, 0, risk.ThreatInput{Name: "Geheim", Aspects: risk.Aspects{Availability: true}})
	if err != nil {
		t.Fatal(err)
	}
	sc, err := risk.SaveScenario(ctx, a.Pool, actorB, an.ID, 0, risk.ScenarioInput{JewelID: strconv.FormatInt(jw.ID, 10), Threat: "c:ddos",
		Aspects: risk.Aspects{Availability: true}, Likelihood: "1", Impact: "1"})
	if err != nil {
		t.Fatal(err)
	}
	mt, err := risk.AddMitigation(ctx, a.Pool, actorB, sc.ID, risk.MitigationInput{Title: "Geheim", RequirementCode: "1.1",
		OwnerID: strconv.FormatInt(adminB, 10), DueDate: testToday().Format("2006-01-02")}, func(string) bool { return true })
	if err != nil {
		t.Fatal(err)
	}
	c := a.LoginDemo(t, authz.Admin) // admin of the demo (A): every permission there
	base := "/e/" + strconv.FormatInt(idA, 10) + "/risks"
	ids := map[string]int64{"{analysisID}": an.ID, "{jewelID}": jw.ID, "{supplierID}": sup.ID, "{scenarioID}": sc.ID, "{threatID}": th.ID,
		"{mitigationID}": mt.ID}
	checked := 0
	for _, rt := range a.Server.Routes() {
		if !strings.HasPrefix(rt.Pattern, "/e/{entityID}/risks/") || strings.Count(rt.Pattern, "ID}") < 2 {
			continue
		}
		path := strings.Replace(rt.Pattern, "/e/{entityID}/risks", base, 1)
		for k, v := range ids {
			path = strings.ReplaceAll(path, k, strconv.FormatInt(v, 10))
		}
		if strings.Contains(path, "ID}") {
			t.Errorf("%s: no id of B for its parameter", rt.Pattern)
			continue
		}
		values := url.Values{"name": {"x"}, "level": {"goal"}, "availability": {"1"}, "integrity": {"1"}, "confidentiality": {"1"},
			"version": {"1"}, "status": {"review"}, "period": {"x"}, "review_date": {testToday().Format("2006-01-02")}, "aspects": {"availability"},
			"jewel": {strconv.FormatInt(jw.ID, 10)}, "threat": {"c:ddos"}, "likelihood": {"1"}, "impact": {"1"},
			"title": {"x"}, "requirement": {"1.1"}, "owner": {strconv.FormatInt(adminB, 10)}, "due_date": {testToday().Format("2006-01-02")}, "done": {"true"}}
		var r apptest.Response
		if rt.Method == http.MethodGet {
			r = c.Get(t, path)
		} else if strings.HasSuffix(rt.Pattern, "/import") {
			r = postFile(t, a, c, path, "name,level,availability,integrity,confidentiality\nX,goal,1,1,1\n")
		} else {
			r = c.PostForm(t, path, values)
		}
		if r.StatusCode != http.StatusNotFound {
			t.Errorf("%s %s with B's ids as admin of A: %d, want 404", rt.Method, rt.Pattern, r.StatusCode)
		}
		checked++
	}
	if checked < 15 {
		t.Errorf("checked only %d routes", checked)
	}
	var names int
	if err := a.Pool.QueryRow(context.Background(), `SELECT count(*) FROM risk_jewels WHERE entity_id = $1 AND name <> 'Geheim'`, entityB).Scan(&names); err != nil || names != 0 {
		t.Errorf("B's jewels changed through A: %d %v", names, err)
	}
	var actions int
	if err := a.Pool.QueryRow(context.Background(), `SELECT count(*) FROM risk_mitigations WHERE entity_id = $1 AND title = 'Geheim' AND NOT done`,
		entityB).Scan(&actions); err != nil || actions != 1 {
		t.Errorf("B's mitigation action changed through A: %d %v", actions, err)
	}
}

// postFile uploads body as the "file" field of a multipart form.
func postFile(t *testing.T, a *apptest.App, c *apptest.Client, path, body string) apptest.Response {
	t.Helper()
	var buf bytes.Buffer
	mw := multipart.NewWriter(&buf)
	fw, err := mw.CreateFormFile("file", "kroonjuwelen.csv")
	if err != nil {
		t.Fatal(err)
	}
	_, _ = fw.Write([]byte(body))
	_ = mw.Close()
	req, err := http.NewRequest(http.MethodPost, a.URL(path), &buf)
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Content-Type", mw.FormDataContentType())
	req.Header.Set("Origin", a.HTTP.URL)
	req.Header.Set("Sec-Fetch-Site", "same-origin")
	return c.Do(t, req)
}

func TestRiskJewelsCSVImportAndExport(t *testing.T) {
	t.Parallel()
	a, id := startWithDemo(t, apptest.Options{})
	base := "/e/" + strconv.FormatInt(id, 10)
	_, draft := demoRisk(t, a, id)
	page := fmt.Sprintf("%s/risks/%d", base, draft)
	c := a.LoginDemo(t, authz.SecurityOfficer)

	// Export in Dutch: BOM, ";" and Dutch headers and levels.
	exp := c.Get(t, page+"/jewels.csv")
	if exp.StatusCode != http.StatusOK || !strings.HasPrefix(exp.Body, "\ufeffnaam;niveau;omschrijving;eigenaar;") ||
		!strings.Contains(exp.Body, "SCADA zuiveringsinstallaties;systeem;") || !strings.Contains(exp.Body, "AquaControl Automatisering B.V.|NetLink Telecom") ||
		!strings.Contains(exp.Header.Get("Content-Disposition"), "kroonjuwelen-") {
		t.Fatalf("export: %d %q %s", exp.StatusCode, exp.Header.Get("Content-Disposition"), exp.Body)
	}
	// A bad row: 422, nothing imported, the report names line and column.
	bad := "naam;niveau;beschikbaarheid;integriteit;vertrouwelijkheid\nNieuw A;proces;2;2;2\nNieuw B;proces;2;7;2\n"
	r := postFile(t, a, c, page+"/jewels/import", bad)
	if r.StatusCode != http.StatusUnprocessableEntity || !strings.Contains(r.Body, `data-line="3" data-column="integriteit"`) ||
		!strings.Contains(r.Body, tr(t, "risk.error.biv")) {
		t.Errorf("bad import: %d %s", r.StatusCode, r.Body)
	}
	if n := firstID(t, a, `SELECT count(*) FROM risk_jewels WHERE analysis_id = $1 AND name LIKE 'Nieuw%'`, draft); n != 0 {
		t.Errorf("a refused import added %d jewels", n)
	}
	// A good file imports every row.
	good := "naam;niveau;beschikbaarheid;integriteit;vertrouwelijkheid;leveranciers\nNieuw A;proces;2;2;2;\nNieuw B;systeem;3;3;3;LabSys Software\n"
	r = postFile(t, a, c, page+"/jewels/import", good)
	if r.StatusCode != http.StatusSeeOther {
		t.Fatalf("good import: %d %s", r.StatusCode, r.Body)
	}
	if after := c.Get(t, page); !strings.Contains(after.Body, tr(t, "risk.import.done", 2)) || !strings.Contains(after.Body, "Nieuw B") {
		t.Errorf("after import: %s", after.Body)
	}
	// The demo's own export does not import twice: every name exists.
	if r := postFile(t, a, c, page+"/jewels/import", exp.Body); r.StatusCode != http.StatusUnprocessableEntity ||
		!strings.Contains(r.Body, tr(t, "risk.error.name_taken")) {
		t.Errorf("re-import of the export: %d", r.StatusCode)
	}
}

// testToday is the calendar day in Amsterdam, as the server counts dates.
func testToday() time.Time {
	now := time.Now().In(i18n.Amsterdam)
	return time.Date(now.Year(), now.Month(), now.Day(), 0, 0, 0, 0, time.UTC)
}

func TestEvidenceOnRiskRecords(t *testing.T) {
	t.Parallel()
	a, id := startWithDemo(t, apptest.Options{})
	base := "/e/" + strconv.FormatInt(id, 10)
	jewel := firstID(t, a, `SELECT id FROM risk_jewels WHERE entity_id = $1 AND name = 'SCADA zuiveringsinstallaties' ORDER BY id DESC LIMIT 1`, id)
	scenario := firstID(t, a, `SELECT max(id) FROM risk_scenarios WHERE entity_id = $1`, id)
	officer := a.LoginDemo(t, authz.SecurityOfficer)
	attach := fmt.Sprintf("%s/evidence/attach/risk_jewel/%d/link", base, jewel)
	// A bad link: the jewel's page again (422) with the error and the input.
	r := officer.PostForm(t, attach, url.Values{"link_title": {"Netwerktekening OT"}, "url": {"ftp://intranet/ot"}})
	if r.StatusCode != http.StatusUnprocessableEntity || !strings.Contains(r.Body, "SCADA zuiveringsinstallaties") ||
		!strings.Contains(r.Body, tr(t, "evidence.error.url")) || !strings.Contains(r.Body, `value="Netwerktekening OT"`) {
		t.Fatalf("bad link on a jewel: %d %s", r.StatusCode, r.Body)
	}
	r = officer.PostForm(t, attach, url.Values{"link_title": {"Netwerktekening OT"}, "url": {"https://intranet.example/ot"}})
	if r.StatusCode != http.StatusSeeOther || r.Header.Get("Location") != fmt.Sprintf("%s/risks/jewels/%d#evidence", base, jewel) {
		t.Fatalf("link on a jewel: %d %q", r.StatusCode, r.Header.Get("Location"))
	}
	if page := officer.Get(t, fmt.Sprintf("%s/risks/jewels/%d", base, jewel)); !strings.Contains(page.Body, "Netwerktekening OT") {
		t.Errorf("jewel page does not list its evidence")
	}
	sc := fmt.Sprintf("%s/evidence/attach/risk_scenario/%d/link", base, scenario)
	if r := officer.PostForm(t, sc, url.Values{"link_title": {""}, "url": {"https://x.example"}}); r.StatusCode != http.StatusUnprocessableEntity ||
		!strings.Contains(r.Body, " × ") || !strings.Contains(r.Body, tr(t, "validate.required")) {
		t.Errorf("bad link on a scenario: %d", r.StatusCode)
	}
	// Another entity's record, and a board member, may not.
	if r := officer.PostForm(t, fmt.Sprintf("%s/evidence/attach/risk_jewel/%d/link", base, jewel+100000),
		url.Values{"link_title": {"x"}, "url": {"https://x.example"}}); r.StatusCode != http.StatusNotFound {
		t.Errorf("unknown jewel: %d", r.StatusCode)
	}
	board := a.LoginDemo(t, authz.BoardMember)
	if r := board.PostForm(t, attach, url.Values{"link_title": {"x"}, "url": {"https://x.example"}}); r.StatusCode != http.StatusForbidden {
		t.Errorf("board member attaches: %d", r.StatusCode)
	}
}
