package incident

import (
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/weerbaar/weerbaar/internal/entity"
	"github.com/weerbaar/weerbaar/internal/i18n"
	"github.com/weerbaar/weerbaar/internal/validate"
)

// checkFieldErrors fails unless err is a validation error whose fields are
// among fields (a prefix ending in "_" allows any suffix) and whose
// messages are catalogue keys.
func checkFieldErrors(t *testing.T, err error, fields ...string) {
	t.Helper()
	errs := validate.Fields(err)
	if len(errs) == 0 {
		t.Fatalf("error %v is not a field error", err)
	}
	for field, key := range errs {
		if !slices.ContainsFunc(fields, func(f string) bool {
			return f == field || strings.HasSuffix(f, "_") && strings.HasPrefix(field, f)
		}) {
			t.Fatalf("error on unknown field %q (%s)", field, key)
		}
		if i18n.Translate(i18n.NL, key) == key {
			t.Fatalf("field %q: message %q is not in the catalogue", field, key)
		}
	}
}

// FuzzParseLocal: a datetime-local value is refused or read as a UTC
// instant in 2000–2200 that the form shows again as the same minute.
func FuzzParseLocal(f *testing.F) {
	for _, s := range []string{"2026-03-29T02:30", "2026-10-25T02:30", "2026-10-25 02:30", "2026-01-01T10:00:59",
		" 2200-12-31T23:59 ", "1999-12-31T23:59", "2026-02-30T10:00", "2026-01-01T24:00"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		tm, ok := ParseLocal(s)
		if !ok {
			if !tm.IsZero() {
				t.Fatalf("%q: refused with a value %v", s, tm)
			}
			return
		}
		if tm.Location() != time.UTC || tm.In(i18n.Amsterdam).Year() < 2000 || tm.In(i18n.Amsterdam).Year() > 2200 {
			t.Fatalf("%q: read as %v", s, tm)
		}
		again, ok := ParseLocal(LocalValue(tm))
		if !ok || !again.Equal(tm.Truncate(time.Minute)) {
			t.Fatalf("%q: %v shows as %q, which reads as %v", s, tm, LocalValue(tm), again)
		}
	})
}

// FuzzParseEUR: an amount is refused or a whole number of euros in
// [0, 10^12) that reads back the same from its plain and Dutch forms.
func FuzzParseEUR(f *testing.F) {
	for _, s := range []string{"€ 1.250.000", "1 250 000", "0", "-1", "999999999999", "1000000000000", "1,5", "+7", "1\u00a0000"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		n, ok := ParseEUR(s)
		if !ok {
			return
		}
		if n < 0 || n >= 1_000_000_000_000 {
			t.Fatalf("%q: accepted %d", s, n)
		}
		nl := i18n.Int(i18n.WithLang(t.Context(), i18n.NL), n)
		for _, form := range []string{strconv.FormatInt(n, 10), nl, "€ " + nl} {
			if m, ok := ParseEUR(form); !ok || m != n {
				t.Fatalf("%q: %d reads back from %q as %d, %v", s, n, form, m, ok)
			}
		}
	})
}

// FuzzIncidentInput: the incident form. Accepted input is within the
// rules (title, times in order and not in the future, a listed category,
// handler and links among the options, member states known, sorted and
// distinct); refused input names only the form's fields.
func FuzzIncidentInput(f *testing.F) {
	f.Add("Ransomware", "2026-03-01T10:00", "2026-03-01T11:00", "ransomware", "7", "NL,BE,NL", "11,11,12", "21", true)
	f.Add(" ", "2026-03-01T10:00", "2026-02-01T10:00", "x", "8", "XX", "x", "", false)
	f.Add("t", "2099-01-01T00:00", "2099-01-01T00:00", "phishing", "", "", "", "99", false)
	f.Add("t", "2026-03-01T10:00", "2026-03-01T10:00", "other", "+7", "nl", "011", "-21", true)
	now := time.Date(2026, 6, 1, 12, 0, 0, 0, time.UTC)
	opts := Options{Members: []Option{{ID: 7}}, Jewels: []Option{{ID: 11}, {ID: 12}}, Suppliers: []Option{{ID: 21}}}
	cur := Incident{JewelIDs: []int64{13}}
	f.Fuzz(func(t *testing.T, title, detected, aware, category, handler, states, jewels, suppliers string, flag bool) {
		split := func(s string) []string {
			if s == "" {
				return nil
			}
			return strings.Split(s, ",")
		}
		in := Input{Title: title, DetectedAt: detected, AwareAt: aware, Category: category, HandlerID: handler,
			MemberStates: split(states), JewelIDs: split(jewels), SupplierIDs: split(suppliers), CrossBorder: flag, TrustService: flag}
		p, err := in.parse(opts, cur, now)
		if err != nil {
			checkFieldErrors(t, err, "title", "description", "root_cause", "detected_at", "aware_at", "category", "handler_id",
				"member_states", "jewels", "suppliers")
			return
		}
		if p.Title == "" || p.Title != strings.TrimSpace(p.Title) || len([]rune(p.Title)) > 200 {
			t.Fatalf("title %q accepted", p.Title)
		}
		if p.AwareAt.Before(p.DetectedAt) || p.AwareAt.After(now.Add(futureSlack)) || !slices.Contains(Categories, p.Category) {
			t.Fatalf("detected %v aware %v category %q accepted", p.DetectedAt, p.AwareAt, p.Category)
		}
		if p.HandlerID != nil && *p.HandlerID != 7 || p.HandlerID == nil && strings.TrimSpace(handler) != "" {
			t.Fatalf("handler %q read as %v", handler, p.HandlerID)
		}
		if !slices.IsSorted(p.MemberStates) || len(slices.Compact(slices.Clone(p.MemberStates))) != len(p.MemberStates) {
			t.Fatalf("member states %v", p.MemberStates)
		}
		for _, c := range p.MemberStates {
			if _, ok := entity.LookupMemberState(c); !ok {
				t.Fatalf("member state %q accepted", c)
			}
		}
		for _, ids := range [][]int64{p.JewelIDs, p.SupplierIDs} {
			if ids == nil || !slices.IsSorted(ids) || len(slices.Compact(slices.Clone(ids))) != len(ids) {
				t.Fatalf("links %v", ids)
			}
		}
		for _, id := range p.JewelIDs {
			if !has(opts.Jewels, id) && !slices.Contains(cur.JewelIDs, id) {
				t.Fatalf("jewel %d accepted", id)
			}
		}
		for _, id := range p.SupplierIDs {
			if !has(opts.Suppliers, id) {
				t.Fatalf("supplier %d accepted", id)
			}
		}
	})
}

// FuzzSignificanceInput: the significance checklist form (fields as the
// handler decodes them, "type_<code>" for the entity-type criteria).
// Accepted input has a loss in range, one valid answer per criterion, an
// override only with its judgement; the entity-type answers are exactly
// the criteria that apply to the incident.
func FuzzSignificanceInput(f *testing.F) {
	dns := TypeGroupsFor([]string{"digital.dns"})[0].Criteria[0].Code
	f.Add("€ 150.000", "yes", "no", "", "unknown", "yes", dns, "yes", "significant", "Besproken met de CISO")
	f.Add("-5", "ja", "", "", "", "", "nope", "maybe", "significant", " ")
	f.Add("", "", "", "", "", "", dns, "", "", "ignored")
	f.Add("1.000.000.000.000", "no", "no", "no", "no", "no", "", "", "not_significant", strings.Repeat("é", 2001))
	scope := "essential"
	cur := Incident{ScopeClass: &scope, Subsectors: []string{"digital.dns", "digital.cloud"}}
	applicable := map[string]bool{}
	for _, c := range CriteriaOf(cur.TypeGroups()) {
		applicable[c.Code] = true
	}
	f.Fuzz(func(t *testing.T, loss, a1, a2, a3, a4, a5, typeCode, typeAnswer, override, judgement string) {
		in := SignificanceInput{LossEUR: loss, Answers: map[Criterion]string{}, TypeAnswers: map[string]string{typeCode: typeAnswer},
			Override: override, OverrideJudgement: judgement}
		for i, a := range []string{a1, a2, a3, a4, a5} {
			in.Answers[Criteria[i]] = a
		}
		v, err := in.parse()
		if err != nil {
			fields := []string{"loss_eur", "type_", "override", "override_judgement"}
			for _, c := range Criteria {
				fields = append(fields, string(c))
			}
			checkFieldErrors(t, err, fields...)
			return
		}
		if (v.loss == nil) != (strings.TrimSpace(loss) == "") || v.loss != nil && (*v.loss < 0 || *v.loss >= 1_000_000_000_000) {
			t.Fatalf("loss %q read as %v", loss, v.loss)
		}
		for _, c := range Criteria {
			if a := v.answers[c]; a != Yes && a != No && a != Unknown {
				t.Fatalf("criterion %s: answer %q accepted", c, a)
			}
		}
		if v.override == nil && (override != "" || v.judgement != "") ||
			v.override != nil && (*v.override != override || v.judgement == "" || len([]rune(v.judgement)) > 2000) {
			t.Fatalf("override %q with judgement %q read as %v, %q", override, judgement, v.override, v.judgement)
		}
		types, err := typeAnswers(cur, in.TypeAnswers)
		if err != nil {
			if applicable[typeCode] {
				t.Fatalf("applicable criterion %q refused: %v", typeCode, err)
			}
			checkFieldErrors(t, err, "type_answers")
			return
		}
		if len(types) != len(applicable) {
			t.Fatalf("type answers %v, applicable %v", types, applicable)
		}
		for code, a := range types {
			if !applicable[code] || a != Yes && a != No && a != Unknown {
				t.Fatalf("type criterion %s: answer %q", code, a)
			}
		}
	})
}

// FuzzCleanPlan: the response plan form (one contact and one escalation
// row here). Accepted rows have a listed role, a name or organisation, a
// written phone number and a normalised e-mail address, a supplier only on
// a supplier contact; the saved plan's form cleans to the same plan.
func FuzzCleanPlan(f *testing.F) {
	f.Add("supplier", "Hoster", "+31 (0)20-1234567", " SOC@Hoster.NL ", "12", "ransomware", "directie")
	f.Add("ciso", "", "12345", "not-an-address", "x", "", "bestuur")
	f.Add("legal", "An", "", "", "+3", "  ", "")
	f.Fuzz(func(t *testing.T, role, name, phone, email, supplier, criteria, decides string) {
		in := PlanInput{Contacts: []ContactInput{{Role: role, Name: name, Phone: phone, Email: email, SupplierID: supplier}},
			Escalation: []EscalationLevel{{Criteria: criteria, Decides: decides}}}
		out, suppliers, errs := cleanPlan(in)
		if len(errs) > 0 {
			for field, key := range errs {
				if !strings.HasPrefix(field, "contact-0-") && !strings.HasPrefix(field, "escalation-0-") || i18n.Translate(i18n.NL, key) == key {
					t.Fatalf("error %q on field %q", key, field)
				}
			}
			return
		}
		for i, c := range out.Contacts {
			if !slices.Contains(ContactRoles, c.Role) || c.Name == "" && c.Organisation == "" || c.Phone != "" && !validPhone(c.Phone) {
				t.Fatalf("contact %+v accepted", c)
			}
			if norm, ok := validate.Email(c.Email); c.Email != "" && (!ok || norm != c.Email) {
				t.Fatalf("e-mail %q accepted", c.Email)
			}
			if (c.SupplierID != nil) != (suppliers[i] != 0) || c.SupplierID != nil && (c.Role != "supplier" || *c.SupplierID <= 0) {
				t.Fatalf("supplier %v on %+v", c.SupplierID, c)
			}
		}
		again, _, errs := cleanPlan(PlanForm(out))
		if len(errs) > 0 || len(again.Contacts) != len(out.Contacts) || len(again.Escalation) != len(out.Escalation) {
			t.Fatalf("saved plan does not clean to itself: %v", errs)
		}
		for i := range out.Contacts {
			a, b := again.Contacts[i], out.Contacts[i]
			if a.Role != b.Role || a.Name != b.Name || a.Phone != b.Phone || a.Email != b.Email || (a.SupplierID == nil) != (b.SupplierID == nil) {
				t.Fatalf("contact %+v cleans to %+v", b, a)
			}
		}
	})
}
