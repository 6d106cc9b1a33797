package server_test

import (
	"context"
	"html"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/weerbaar/weerbaar/internal/apptest"
	"github.com/weerbaar/weerbaar/internal/i18n"
)

// cloudForm is a valid registration of a cloud provider (an Art. 27 type)
// with its establishments.
func cloudForm(version string) url.Values {
	f := registrationForm(0)
	f.Set("version", version)
	f.Set("legal_name", "Wolk Diensten B.V.")
	f["subsectors"] = []string{"digital.cloud"}
	f.Set("authority", "EZ")
	f.Set("main_establishment", "Wolkweg 1, 3511 AB Utrecht, NL")
	f.Set("other_establishments", "Kade 2, Antwerpen, BE\nRing 3, Keulen, DE")
	return f
}

func TestRegistrationArt27Fields(t *testing.T) {
	t.Parallel()
	a := apptest.Start(t, apptest.Options{})
	id, base, _, off := freshEntity(t, a)

	// A drinking-water company does not see the Art. 27 fields.
	if r := off.PostForm(t, base+"/registration", registrationForm(0)); r.StatusCode != http.StatusSeeOther {
		t.Fatalf("save drinking water: %d", r.StatusCode)
	}
	edit := off.Get(t, base+"/registration/edit")
	if edit.StatusCode != http.StatusOK || strings.Contains(edit.Body, `data-testid="art27-fields"`) || strings.Contains(edit.Body, `name="main_establishment"`) {
		t.Fatalf("Art. 27 fields shown to a non-Art. 27 entity: %d", edit.StatusCode)
	}
	if !strings.Contains(edit.Body, tr(t, "registration.period.two_weeks")) {
		t.Error("edit page does not state the two-week period")
	}

	// Ticking cloud without an establishment: 422, the fields appear with the
	// error, and everything typed is kept; nothing is saved or logged.
	before := auditCount(t, a, "registration.updated")
	bad := cloudForm("1")
	bad.Set("main_establishment", "")
	r := off.PostForm(t, base+"/registration", bad)
	if r.StatusCode != http.StatusUnprocessableEntity {
		t.Fatalf("missing main establishment: %d", r.StatusCode)
	}
	for _, want := range []string{`data-testid="art27-fields"`, `id="f-main_establishment-error"`, tr(t, "registration.error.main_establishment"),
		html.EscapeString("Kade 2, Antwerpen, BE\nRing 3, Keulen, DE"), `value="Wolk Diensten B.V."`, tr(t, "registration.period.three_months"),
		tr(t, "registration.field.main_establishment")} {
		if !strings.Contains(r.Body, want) {
			t.Errorf("422 page lacks %q", want)
		}
	}
	tooLong := cloudForm("1")
	tooLong.Set("eu_representative", strings.Repeat("x", 301))
	if r := off.PostForm(t, base+"/registration", tooLong); r.StatusCode != http.StatusUnprocessableEntity || !strings.Contains(r.Body, `id="f-eu_representative-error"`) {
		t.Errorf("too long a representative: %d", r.StatusCode)
	}
	if n := auditCount(t, a, "registration.updated"); n != before {
		t.Errorf("invalid input logged: %d rows, want %d", n, before)
	}

	// Valid: saved, audit-logged with the new fields, shown again on the form.
	if r := off.PostForm(t, base+"/registration", cloudForm("1")); r.StatusCode != http.StatusSeeOther {
		t.Fatalf("save cloud: %d %s", r.StatusCode, r.Body)
	}
	var main string
	var others []string
	if err := a.Pool.QueryRow(context.Background(), `SELECT main_establishment, other_establishments FROM registrations WHERE entity_id = $1`, id).Scan(&main, &others); err != nil {
		t.Fatal(err)
	}
	if main != "Wolkweg 1, 3511 AB Utrecht, NL" || len(others) != 2 || others[1] != "Ring 3, Keulen, DE" {
		t.Fatalf("stored %q %q", main, others)
	}
	var logged int
	if err := a.Pool.QueryRow(context.Background(), `SELECT count(*) FROM audit_log WHERE entity_id = $1 AND action = 'registration.updated'
			AND changes->'after'->>'main_establishment' = 'Wolkweg 1, 3511 AB Utrecht, NL'
			AND changes->'after'->>'other_establishments' = 'Kade 2, Antwerpen, BE; Ring 3, Keulen, DE'`, id).Scan(&logged); err != nil || logged != 1 {
		t.Fatalf("audit rows with the establishments: %d (%v)", logged, err)
	}
	edit = off.Get(t, base+"/registration/edit")
	if !strings.Contains(edit.Body, `data-testid="art27-fields"`) || !strings.Contains(edit.Body, `value="Wolkweg 1, 3511 AB Utrecht, NL"`) {
		t.Error("saved establishment not shown on the form")
	}

	// Exports and the print page carry them.
	csv := off.Get(t, base+"/registration.csv")
	js := off.Get(t, base+"/registration.json")
	print := off.Get(t, base+"/registration/print")
	if !strings.Contains(csv.Body, apptest.Text(t, i18n.NL, "registration.field.main_establishment")) || !strings.Contains(csv.Body, "Ring 3, Keulen, DE") {
		t.Errorf("CSV lacks the establishments: %s", csv.Body)
	}
	if !strings.Contains(js.Body, `"main_establishment": "Wolkweg 1, 3511 AB Utrecht, NL"`) || !strings.Contains(js.Body, `"other_establishments_eu"`) {
		t.Errorf("JSON lacks the establishments: %s", js.Body)
	}
	if !strings.Contains(print.Body, tr(t, "registration.field.main_establishment")) || !strings.Contains(print.Body, "Wolkweg 1, 3511 AB Utrecht, NL") {
		t.Error("print page lacks the establishments")
	}

	// Back to drinking water only: the fields go (logged) and leave the exports.
	if r := off.PostForm(t, base+"/registration", registrationForm(2)); r.StatusCode != http.StatusSeeOther {
		t.Fatalf("back to drinking water: %d", r.StatusCode)
	}
	if err := a.Pool.QueryRow(context.Background(), `SELECT main_establishment FROM registrations WHERE entity_id = $1`, id).Scan(&main); err != nil || main != "" {
		t.Errorf("main establishment kept for a non-Art. 27 entity: %q (%v)", main, err)
	}
	if csv := off.Get(t, base+"/registration.csv"); csv.StatusCode != http.StatusOK || strings.Contains(csv.Body, apptest.Text(t, i18n.NL, "registration.field.main_establishment")) {
		t.Error("CSV lists Art. 27 fields for a non-Art. 27 entity")
	}
	if js := off.Get(t, base+"/registration.json"); strings.Contains(js.Body, "main_establishment") {
		t.Error("JSON lists Art. 27 fields for a non-Art. 27 entity")
	}
}

func TestThreeMonthReportingWarningForArt27Types(t *testing.T) {
	t.Parallel()
	a := apptest.Start(t, apptest.Options{})
	_, base, _, off := freshEntity(t, a)
	off.PostForm(t, base+"/registration", cloudForm("0"))
	today := time.Now().In(i18n.Amsterdam).Format("2006-01-02")
	if r := off.PostForm(t, base+"/registration/submission", url.Values{"submitted_on": {today}, "submission_ref": {"NCSC-2026-0100"}}); r.StatusCode != http.StatusSeeOther {
		t.Fatalf("submission: %d", r.StatusCode)
	}
	changed := cloudForm("2")
	changed.Set("contact_phone", "+31 30 765 4321")
	if r := off.PostForm(t, base+"/registration", changed); r.StatusCode != http.StatusSeeOther {
		t.Fatalf("change: %d", r.StatusCode)
	}
	// Three calendar months, clamped to the month's end (Reg. 1182/71).
	now := time.Now().In(i18n.Amsterdam)
	first := time.Date(now.Year(), now.Month()+3, 1, 12, 0, 0, 0, i18n.Amsterdam)
	dueDay := min(now.Day(), first.AddDate(0, 1, -1).Day())
	due := i18n.Date(i18n.WithLang(context.Background(), i18n.NL), time.Date(first.Year(), first.Month(), dueDay, 12, 0, 0, 0, i18n.Amsterdam))
	twoWeeks := i18n.Date(i18n.WithLang(context.Background(), i18n.NL), now.AddDate(0, 0, 14))
	for _, page := range []string{base + "/", base + "/scope"} {
		body := off.Get(t, page).Body
		for _, want := range []string{tr(t, "registration.report_due", due), tr(t, "registration.period.three_months"), "art. 27 lid 3 NIS2", tr(t, "registration.cbw_not_final")} {
			if !strings.Contains(body, want) {
				t.Errorf("%s lacks %q", page, want)
			}
		}
		if strings.Contains(body, tr(t, "registration.report_due", twoWeeks)) {
			t.Errorf("%s shows the two-week deadline for a cloud provider", page)
		}
	}
}

func TestRecipientsOnScopeAndRegistrationPages(t *testing.T) {
	t.Parallel()
	a := apptest.Start(t, apptest.Options{})
	_, base, _, off := freshEntity(t, a)
	hospital := registrationForm(0)
	hospital["subsectors"] = []string{"health.healthcare_provider"}
	hospital.Set("authority", "VWS")
	hospital.Set("csirt", "Z-CERT")
	if r := off.PostForm(t, base+"/registration", hospital); r.StatusCode != http.StatusSeeOther {
		t.Fatalf("save: %d", r.StatusCode)
	}
	for _, page := range []string{base + "/scope", base + "/registration/edit"} {
		body := off.Get(t, page).Body
		for _, want := range []string{`data-testid="recipients"`, "Z-CERT (CSIRT voor de zorg)", "Minister van Volksgezondheid, Welzijn en Sport",
			"Inspectie Gezondheidszorg en Jeugd (IGJ)", tr(t, "status.unverified"), tr(t, "recipients.role.supervisor"),
			"https://www.datavoorgezondheid.nl/weerbaarheid/veelgestelde-vragen-cyberbeveiligingswet"} {
			if !strings.Contains(body, want) {
				t.Errorf("%s lacks %q", page, want)
			}
		}
		if strings.Contains(body, "toezichthouder (NCSC)") || strings.Contains(body, "Nationaal Cyber Security Centrum (NCSC)") {
			t.Errorf("%s names the NCSC for a healthcare provider or calls it a supervisor", page)
		}
	}

	bank := registrationForm(1)
	bank["subsectors"] = []string{"financial_market_infrastructure"}
	bank.Set("authority", "FIN")
	if r := off.PostForm(t, base+"/registration", bank); r.StatusCode != http.StatusSeeOther {
		t.Fatalf("save: %d", r.StatusCode)
	}
	body := off.Get(t, base+"/scope").Body
	for _, want := range []string{"De Nederlandsche Bank (DNB)", "Autoriteit Financiële Markten (AFM)", "Minister van Financiën", tr(t, "recipients.dora")} {
		if !strings.Contains(body, html.EscapeString(want)) && !strings.Contains(body, want) {
			t.Errorf("scope page for a trading venue lacks %q", want)
		}
	}
}

func TestWizardResultNamesRecipients(t *testing.T) {
	t.Parallel()
	a := apptest.Start(t, apptest.Options{})
	c := a.Client()
	r := c.Get(t, "/zelfevaluatie?step=4&subsector=health.healthcare_provider&employees=300&turnover=60000000&balance=50000000")
	if r.StatusCode != http.StatusOK || !strings.Contains(r.Body, `data-testid="recipients"`) || !strings.Contains(r.Body, "Z-CERT (CSIRT voor de zorg)") ||
		!strings.Contains(r.Body, "Inspectie Gezondheidszorg en Jeugd (IGJ)") {
		t.Fatalf("hospital result without its recipients: %d", r.StatusCode)
	}
	research := c.Get(t, "/zelfevaluatie?step=4&subsector=research&employees=300&turnover=60000000&balance=50000000")
	if !strings.Contains(research.Body, "Rijksinspectie Digitale Infrastructuur (RDI)") || !strings.Contains(research.Body, "Minister van Economische Zaken") ||
		!strings.Contains(research.Body, tr(t, "status.unverified")) {
		t.Errorf("research result: want RDI on behalf of EZ, marked unverified")
	}
	out := c.Get(t, "/zelfevaluatie?step=4&subsector=food&employees=5&turnover=100000&balance=100000")
	if out.StatusCode != http.StatusOK || strings.Contains(out.Body, `data-testid="recipients"`) {
		t.Errorf("out-of-scope result lists recipients: %d", out.StatusCode)
	}
}

// An entity registered before the data was corrected (research with the
// Minister of Education) is told its record no longer matches.
func TestRegistrationWarnsWhenSupervisionDiffers(t *testing.T) {
	t.Parallel()
	a := apptest.Start(t, apptest.Options{})
	_, base, _, off := freshEntity(t, a)
	research := registrationForm(0)
	research["subsectors"] = []string{"research"}
	research.Set("authority", "OCW")
	if r := off.PostForm(t, base+"/registration", research); r.StatusCode != http.StatusSeeOther {
		t.Fatalf("save: %d", r.StatusCode)
	}
	for _, page := range []string{base + "/scope", base + "/registration/edit"} {
		if body := off.Get(t, page).Body; !strings.Contains(body, tr(t, "registration.supervision_differs")) {
			t.Errorf("%s does not warn about OCW for research", page)
		}
	}
	research.Set("version", "1")
	research.Set("authority", "EZ")
	if r := off.PostForm(t, base+"/registration", research); r.StatusCode != http.StatusSeeOther {
		t.Fatalf("save: %d", r.StatusCode)
	}
	if body := off.Get(t, base+"/scope").Body; strings.Contains(body, tr(t, "registration.supervision_differs")) {
		t.Error("warning stays after the correction")
	}
}

// The audit log names the Art. 27 fields by their labels.
func TestAuditLogLabelsArt27Fields(t *testing.T) {
	t.Parallel()
	a := apptest.Start(t, apptest.Options{})
	_, base, admin, off := freshEntity(t, a)
	if r := off.PostForm(t, base+"/registration", cloudForm("0")); r.StatusCode != http.StatusSeeOther {
		t.Fatalf("save: %d", r.StatusCode)
	}
	body := admin.Get(t, base+"/audit").Body
	for _, k := range []string{"audit.field.main_establishment", "audit.field.other_establishments"} {
		if !strings.Contains(body, tr(t, k)) {
			t.Errorf("audit log lacks %q", tr(t, k))
		}
	}
}
