package server_test

import (
	"context"
	"encoding/json"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/weerbaar/weerbaar/internal/apptest"
	"github.com/weerbaar/weerbaar/internal/authz"
	"github.com/weerbaar/weerbaar/internal/i18n"
)

func auditCount(t *testing.T, a *apptest.App, action string) int {
	t.Helper()
	var n int
	if err := a.Pool.QueryRow(context.Background(), `SELECT count(*) FROM audit_log WHERE action = $1`, action).Scan(&n); err != nil {
		t.Fatal(err)
	}
	return n
}

func TestScopeWizardForTheEntity(t *testing.T) {
	t.Parallel()
	a := apptest.Start(t, apptest.Options{})
	id := a.SeedDemo(t)
	base := "/e/" + strconv.FormatInt(id, 10)
	off := a.LoginDemo(t, authz.SecurityOfficer)

	step1 := off.Get(t, base+"/scope/wizard")
	if step1.StatusCode != http.StatusOK || !strings.Contains(step1.Body, `value="drinking_water"`) || !strings.Contains(step1.Body, `aria-current="step"`) {
		t.Fatalf("step 1: %d", step1.StatusCode)
	}
	if r := off.Get(t, base+"/scope/wizard?step=2"); r.StatusCode != http.StatusUnprocessableEntity || !strings.Contains(r.Body, tr(t, "scope.error.subsector")) {
		t.Fatalf("no sector: %d", r.StatusCode)
	}
	bad := off.Get(t, base+"/scope/wizard?step=3&subsector=drinking_water&employees=veel&turnover=-5&balance=1000")
	if bad.StatusCode != http.StatusUnprocessableEntity || !strings.Contains(bad.Body, `value="veel"`) || !strings.Contains(bad.Body, `id="f-employees-error"`) || !strings.Contains(bad.Body, `id="f-turnover-error"`) {
		t.Fatalf("bad numbers: %d", bad.StatusCode)
	}
	q := "subsector=drinking_water&employees=300&turnover=60.000.000&balance=50000000&designated="
	result := off.Get(t, base+"/scope/wizard?step=4&"+q)
	for _, want := range []string{tr(t, "scope.class.essential"), tr(t, "scope.size.large"), "NIS2", `data-testid="save-outcome"`, tr(t, "scope.save")} {
		if !strings.Contains(result.Body, want) {
			t.Errorf("result lacks %q", want)
		}
	}
	before := auditCount(t, a, "scope.assessed")
	form, _ := url.ParseQuery(q)
	if r := off.PostForm(t, base+"/scope/assessments", form); r.StatusCode != http.StatusSeeOther {
		t.Fatalf("save: %d", r.StatusCode)
	}
	if got := auditCount(t, a, "scope.assessed"); got != before+1 {
		t.Errorf("audit rows: %d, want %d", got, before+1)
	}
	over := off.Get(t, base+"/scope")
	if !strings.Contains(over.Body, tr(t, "scope.class.essential")) || !strings.Contains(over.Body, trStem(t, "scope.assessed_on")) || !strings.Contains(over.Body, "Sanne Visser") {
		t.Fatalf("overview after saving: %s", over.Body)
	}
	// A second assessment with other answers keeps the first in the history.
	form.Set("employees", "20")
	form.Set("turnover", "3000000")
	form.Set("balance", "3000000")
	off.PostForm(t, base+"/scope/assessments", form)
	over = off.Get(t, base+"/scope")
	if !strings.Contains(over.Body, tr(t, "scope.history")) || !strings.Contains(over.Body, tr(t, "scope.class.out_of_scope")) {
		t.Fatalf("history: %s", over.Body)
	}
	var n int
	_ = a.Pool.QueryRow(context.Background(), `SELECT count(*) FROM scope_assessments WHERE entity_id = $1 AND engine_version <> '' AND inputs ? 'Subsectors'`, id).Scan(&n)
	if n != 3 { // the demo's own and the two above
		t.Errorf("stored assessments with inputs and engine version: %d, want 3", n)
	}
	// The board may look but not save.
	board := a.LoginDemo(t, authz.BoardMember)
	if r := board.Get(t, base+"/scope/wizard?step=4&"+q); r.StatusCode != http.StatusOK || strings.Contains(r.Body, `data-testid="save-outcome"`) {
		t.Errorf("board member sees a save button")
	}
	if r := board.PostForm(t, base+"/scope/assessments", form); r.StatusCode != http.StatusForbidden {
		t.Errorf("board member saved: %d", r.StatusCode)
	}
}

func TestPublicScopeWizardStoresNothing(t *testing.T) {
	t.Parallel()
	a := apptest.Start(t, apptest.Options{})
	c := a.Client()
	r := c.Get(t, "/zelfevaluatie?step=4&subsector=digital.dns&employees=3&turnover=100000&balance=100000")
	if r.StatusCode != http.StatusOK || !strings.Contains(r.Body, tr(t, "scope.class.essential")) || strings.Contains(r.Body, `data-testid="save-outcome"`) ||
		!strings.Contains(r.Body, tr(t, "scope.public.nothing_stored")) {
		t.Fatalf("public result: %d %s", r.StatusCode, r.Body)
	}
	en := a.Client()
	en.PostForm(t, "/lang", url.Values{"lang": {"en"}, "next": {"/"}})
	if r := en.Get(t, "/zelfevaluatie?step=4&subsector=digital.dns&employees=3&turnover=100000&balance=100000"); !strings.Contains(r.Body, trEN(t, "scope.class.essential")) {
		t.Fatalf("English result missing")
	}
	var n int
	if err := a.Pool.QueryRow(context.Background(), `SELECT (SELECT count(*) FROM scope_assessments) + (SELECT count(*) FROM audit_log)`).Scan(&n); err != nil || n != 0 {
		t.Fatalf("public wizard stored %d rows (%v)", n, err)
	}
}

// freshEntity creates an entity without demo data, with an admin and an
// officer signed in.
func freshEntity(t *testing.T, a *apptest.App) (id int64, base string, admin, officer *apptest.Client) {
	t.Helper()
	id, _ = createEntityWithAdmin(t, a, "vers", "Verse Organisatie", "admin@vers.test")
	addMember(t, a, id, "officer@vers.test", authz.SecurityOfficer)
	return id, "/e/" + strconv.FormatInt(id, 10), a.Login(t, "admin@vers.test", testPassword), a.Login(t, "officer@vers.test", testPassword)
}

// registrationForm is a valid registration as the form posts it.
func registrationForm(version int) url.Values {
	return url.Values{
		"version": {strconv.Itoa(version)}, "legal_name": {"Drinkwaterbedrijf Demo B.V."}, "kvk": {"12345678"},
		"street": {"Waterweg 1"}, "postcode": {"3511ab"}, "city": {"Utrecht"}, "country": {"nl"},
		"contact_name": {"Sanne Visser"}, "contact_email": {"CISO@Drinkwater-Demo.nl"}, "contact_phone": {"+31 30 123 4567"},
		"ip_ranges": {"192.0.2.77/24\n2001:db8::1/32\n198.51.100.7"}, "subsectors": {"drinking_water"},
		"member_states": {"NL", "BE"}, "authority": {"IENW"}, "csirt": {"NCSC"},
	}
}

func TestRegistrationValidationKeepsInput(t *testing.T) {
	t.Parallel()
	a := apptest.Start(t, apptest.Options{})
	_, base, _, off := freshEntity(t, a)
	form := registrationForm(0)
	form.Set("kvk", "1234567")
	form.Set("contact_email", "geen e-mail")
	form.Set("ip_ranges", "192.0.2.0/24\n10.0.0.300/8")
	r := off.PostForm(t, base+"/registration", form)
	if r.StatusCode != http.StatusUnprocessableEntity {
		t.Fatalf("status %d", r.StatusCode)
	}
	for _, want := range []string{`id="f-kvk-error"`, tr(t, "registration.error.kvk"), `value="1234567"`, `id="f-contact_email-error"`, `value="geen e-mail"`,
		`id="f-ip_ranges-error"`, "10.0.0.300/8", `value="Waterweg 1"`} {
		if !strings.Contains(r.Body, want) {
			t.Errorf("response lacks %s", want)
		}
	}
	if n := auditCount(t, a, "registration.updated"); n != 0 {
		t.Errorf("invalid input was saved (%d audit rows)", n)
	}
}

func TestRegistrationSaveNormalisesAndFlagsOverlaps(t *testing.T) {
	t.Parallel()
	a := apptest.Start(t, apptest.Options{})
	id, base, _, off := freshEntity(t, a)
	form := registrationForm(0)
	form.Set("ip_ranges", "192.0.2.77/24\n192.0.2.128/25\n2001:DB8::1/32\n198.51.100.7")
	if r := off.PostForm(t, base+"/registration", form); r.StatusCode != http.StatusSeeOther {
		t.Fatalf("save: %d %s", r.StatusCode, r.Body)
	}
	var ranges []string
	var postcode, email string
	if err := a.Pool.QueryRow(context.Background(), `SELECT ip_ranges, postcode, contact_email FROM registrations WHERE entity_id = $1`, id).Scan(&ranges, &postcode, &email); err != nil {
		t.Fatal(err)
	}
	if strings.Join(ranges, " ") != "192.0.2.0/24 192.0.2.128/25 2001:db8::/32 198.51.100.7/32" || postcode != "3511 AB" || email != "ciso@drinkwater-demo.nl" {
		t.Fatalf("normalised: %v %q %q", ranges, postcode, email)
	}
	page := off.Get(t, base+"/scope")
	if !strings.Contains(page.Body, "192.0.2.0/24 ∩ 192.0.2.128/25") {
		t.Errorf("overlap not flagged")
	}
	if n := auditCount(t, a, "registration.updated"); n != 1 {
		t.Errorf("audit rows: %d", n)
	}
}

func TestRegistrationConflictKeepsBothVersions(t *testing.T) {
	t.Parallel()
	a := apptest.Start(t, apptest.Options{})
	id, base, admin, off := freshEntity(t, a)
	if r := off.PostForm(t, base+"/registration", registrationForm(0)); r.StatusCode != http.StatusSeeOther {
		t.Fatalf("first save: %d", r.StatusCode)
	}
	// Both open the form at version 1; the admin saves first.
	theirs := registrationForm(1)
	theirs.Set("contact_name", "Anne de Beheerder")
	theirs.Set("contact_phone", "+31 30 123 4567")
	if r := admin.PostForm(t, base+"/registration", theirs); r.StatusCode != http.StatusSeeOther {
		t.Fatalf("admin save: %d", r.StatusCode)
	}
	mine := registrationForm(1)
	mine.Set("contact_phone", "+31 30 999 0000")
	r := off.PostForm(t, base+"/registration", mine)
	if r.StatusCode != http.StatusConflict || !strings.Contains(r.Body, tr(t, "conflict.title")) ||
		!strings.Contains(r.Body, "Anne de Beheerder") || !strings.Contains(r.Body, `value="+31 30 999 0000"`) {
		t.Fatalf("conflict: %d %s", r.StatusCode, r.Body)
	}
	var name, phone string
	_ = a.Pool.QueryRow(context.Background(), `SELECT contact_name, contact_phone FROM registrations WHERE entity_id = $1`, id).Scan(&name, &phone)
	if name != "Anne de Beheerder" || phone != "+31 30 123 4567" {
		t.Fatalf("overwritten: %q %q", name, phone)
	}
}

func TestTwoWeekReportingWarning(t *testing.T) {
	t.Parallel()
	a := apptest.Start(t, apptest.Options{})
	_, base, _, off := freshEntity(t, a)
	off.PostForm(t, base+"/registration", registrationForm(0))
	if r := off.Get(t, base+"/"); !strings.Contains(r.Body, tr(t, "dashboard.not_registered")) {
		t.Errorf("dashboard does not say the registration is not recorded")
	}
	bad := off.PostForm(t, base+"/registration/submission", url.Values{"submitted_on": {"2999-01-01"}, "submission_ref": {""}})
	if bad.StatusCode != http.StatusUnprocessableEntity || !strings.Contains(bad.Body, tr(t, "registration.error.future")) || !strings.Contains(bad.Body, `id="f-submission_ref-error"`) {
		t.Fatalf("bad submission: %d", bad.StatusCode)
	}
	today := time.Now().In(i18n.Amsterdam).Format("2006-01-02")
	if r := off.PostForm(t, base+"/registration/submission", url.Values{"submitted_on": {today}, "submission_ref": {"NCSC-2026-0042"}}); r.StatusCode != http.StatusSeeOther {
		t.Fatalf("submission: %d", r.StatusCode)
	}
	dash := off.Get(t, base+"/")
	if strings.Contains(dash.Body, trStem(t, "registration.report_due")) || strings.Contains(dash.Body, tr(t, "dashboard.not_registered")) {
		t.Fatalf("warning without a change")
	}
	changed := registrationForm(2)
	changed.Set("contact_phone", "+31 30 765 4321")
	if r := off.PostForm(t, base+"/registration", changed); r.StatusCode != http.StatusSeeOther {
		t.Fatalf("change: %d", r.StatusCode)
	}
	due := i18n.Date(i18n.WithLang(context.Background(), i18n.NL), time.Now().Add(14*24*time.Hour))
	dash = off.Get(t, base+"/")
	if !strings.Contains(dash.Body, tr(t, "registration.report_due", due)) {
		t.Fatalf("dashboard lacks the warning with due date %s", due)
	}
	// A second change does not move the deadline; a new submission ends it.
	changed.Set("version", "3")
	changed.Set("city", "Nieuwegein")
	off.PostForm(t, base+"/registration", changed)
	if r := off.Get(t, base+"/"); !strings.Contains(r.Body, due) {
		t.Errorf("deadline moved after a second change")
	}
	off.PostForm(t, base+"/registration/submission", url.Values{"submitted_on": {today}, "submission_ref": {"NCSC-2026-0043"}})
	if r := off.Get(t, base+"/"); strings.Contains(r.Body, trStem(t, "registration.report_due")) {
		t.Errorf("warning stays after a new submission")
	}
	if n := auditCount(t, a, "registration.submitted"); n != 2 { // no demo seeded in this test
		t.Errorf("submission audit rows: %d", n)
	}
}

func TestRegistrationExports(t *testing.T) {
	t.Parallel()
	a := apptest.Start(t, apptest.Options{})
	id := a.SeedDemo(t)
	base := "/e/" + strconv.FormatInt(id, 10)
	off := a.LoginDemo(t, authz.SecurityOfficer)
	form := registrationForm(2) // the demo saved and submitted once
	form.Set("contact_name", "=HYPERLINK(\"http://evil\")")
	off.PostForm(t, base+"/registration", form)
	auditor := a.LoginDemo(t, authz.Auditor)

	j := auditor.Get(t, base+"/registration.json")
	var doc struct {
		Entity       string `json:"entity"`
		Registration struct {
			KvK      string   `json:"kvk"`
			IPRanges []string `json:"ip_ranges"`
		} `json:"registration"`
	}
	if j.StatusCode != 200 || !strings.HasPrefix(j.Header.Get("Content-Type"), "application/json") ||
		!strings.HasPrefix(j.Header.Get("Content-Disposition"), "attachment") || json.Unmarshal([]byte(j.Body), &doc) != nil ||
		doc.Registration.KvK != "12345678" || len(doc.Registration.IPRanges) != 3 || doc.Entity != "Drinkwaterbedrijf Demo" {
		t.Fatalf("json: %d %s", j.StatusCode, j.Body)
	}
	c := auditor.Get(t, base+"/registration.csv")
	rows, err := readExportCSV(c.Body, i18n.NL)
	if err != nil || c.Header.Get("Content-Type") != "text/csv; charset=utf-8" {
		t.Fatalf("csv: %v %q", err, c.Header.Get("Content-Type"))
	}
	values := map[string]string{}
	for _, row := range rows {
		values[row[0]] = row[1]
	}
	field := func(key string) string { return values[i18n.Translate(i18n.NL, "registration.field."+key)] }
	if field("kvk") != "12345678" || field("member_states") != "BE NL" || field("contact_name") != `'=HYPERLINK("http://evil")` {
		t.Fatalf("csv values: %v", values)
	}
	p := auditor.Get(t, base+"/registration/print")
	if p.StatusCode != 200 || !strings.Contains(p.Body, trStem(t, "registration.print.title")) || !strings.Contains(p.Body, "12345678") {
		t.Fatalf("print: %d", p.StatusCode)
	}
	if r := auditor.Get(t, base+"/registration/edit"); r.StatusCode != http.StatusForbidden {
		t.Errorf("auditor may edit: %d", r.StatusCode)
	}
}
