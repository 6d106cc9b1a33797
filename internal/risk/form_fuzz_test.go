package risk

import (
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/weerbaar/weerbaar/internal/i18n"
	"github.com/weerbaar/weerbaar/internal/validate"
)

// checkFieldErrors fails unless errs holds only fields that ok accepts,
// each with a catalogue key.
func checkFieldErrors(t *testing.T, errs validate.Errors, ok func(field string) bool) {
	t.Helper()
	if len(errs) == 0 {
		t.Fatal("refused without a field error")
	}
	for field, key := range errs {
		if !ok(field) || i18n.Translate(i18n.NL, key) == key {
			t.Fatalf("error %q on field %q", key, field)
		}
	}
}

func oneOf(fields ...string) func(string) bool {
	return func(f string) bool { return slices.Contains(fields, f) }
}

// FuzzMethodInput: the method form (25 cells, comma separated here, the
// tolerance and one scale label). Accepted input is a monotone matrix of
// valid levels with a valid tolerance, and the form of what is saved
// parses back to it.
func FuzzMethodInput(f *testing.F) {
	def := MethodForm(Method{Matrix: DefaultMatrix(), Tolerance: Medium, Scales: DefaultScales()})
	var cells []string
	for l := 1; l <= ScaleMax; l++ {
		for i := 1; i <= ScaleMax; i++ {
			cells = append(cells, def.Cells[CellField(l, i)])
		}
	}
	f.Add(strings.Join(cells, ","), "2", "mogelijk")
	f.Add(strings.Repeat("4,", 25), "+4", " ")
	f.Add(strings.Repeat("1,", 24)+"0", "5", "x")
	f.Add(strings.Repeat("4,", 5)+strings.Repeat("1,", 20), "1", strings.Repeat("w", 200))
	f.Fuzz(func(t *testing.T, cellList, tolerance, label string) {
		in := MethodInput{Cells: map[string]string{}, Tolerance: tolerance, Scales: ScaleFields(DefaultScales())}
		values := strings.Split(cellList, ",")
		for k := range ScaleMax * ScaleMax {
			if k < len(values) {
				in.Cells[CellField(k/ScaleMax+1, k%ScaleMax+1)] = values[k]
			}
		}
		in.Scales[ScaleField(AxisLikelihood, 3, PartLabel, i18n.NL)] = label
		m, tol, scales, err := in.parse()
		if err != nil {
			checkFieldErrors(t, validate.Fields(err), func(f string) bool {
				_, isScale := in.Scales[f]
				return f == "matrix" || f == "tolerance" || isScale || len(f) == 3 && f[0] == 'm'
			})
			return
		}
		if !tol.Valid() || !m.Monotone() {
			t.Fatalf("tolerance %v, matrix %v accepted", tol, m)
		}
		for _, row := range m {
			for _, v := range row {
				if !v.Valid() {
					t.Fatalf("level %d accepted", v)
				}
			}
		}
		m2, tol2, scales2, err := MethodForm(Method{Matrix: m, Tolerance: tol, Scales: scales}).parse()
		if err != nil || m2 != m || tol2 != tol || scales2 != scales {
			t.Fatalf("saved method does not parse back: %v", err)
		}
	})
}

// FuzzAnalysisInput: a cycle's period and review date. Accepted: a trimmed
// period of 1–40 characters and a review date from today to twelve months
// ahead.
func FuzzAnalysisInput(f *testing.F) {
	f.Add("2026", "2026-12-31")
	f.Add(" ", "2026-02-29")
	f.Add("Q1", "2027-06-02")
	f.Add(strings.Repeat("é", 41), "0000-01-01")
	today := time.Date(2026, 6, 1, 0, 0, 0, 0, time.UTC)
	f.Fuzz(func(t *testing.T, period, review string) {
		p, d, err := AnalysisInput{Period: period, ReviewDate: review}.parse(today)
		if err != nil {
			checkFieldErrors(t, validate.Fields(err), oneOf("period", "review_date"))
			return
		}
		if p == "" || p != strings.TrimSpace(p) || len([]rune(p)) > 40 || d.Before(today) || d.After(today.AddDate(0, MaxReviewAhead, 0)) ||
			d.Format(time.DateOnly) != review {
			t.Fatalf("%q %q accepted as %q %v", period, review, p, d)
		}
	})
}

// FuzzJewelInput: the jewel form. Accepted: a listed level, BIV scores
// 1–4, RTO/RPO absent or 0–100000 hours, owner and links among the
// allowed ids (a jewel never depends on itself), links sorted and distinct.
func FuzzJewelInput(f *testing.F) {
	f.Add("ERP", "system", "5", "2", "3", "4", "24", "", "31,31", "41,42")
	f.Add(" ", "machine", "x", "0", "5", "-1", "-1", "100001", "9", "40")
	f.Add("A", "goal", "", " 1 ", "1", "1", " ", "0", "", "")
	members, suppliers, jewels := map[int64]bool{5: true}, map[int64]bool{31: true}, map[int64]bool{40: true, 41: true, 42: true}
	f.Fuzz(func(t *testing.T, name, level, owner, a, i, c, rto, rpo, sup, deps string) {
		split := func(s string) []string {
			if s == "" {
				return nil
			}
			return strings.Split(s, ",")
		}
		in := JewelInput{Name: name, Level: level, OwnerID: owner, Availability: a, Integrity: i, Confidentiality: c,
			RTOHours: rto, RPOHours: rpo, Suppliers: split(sup), DependsOn: split(deps)}
		p, errs := in.parse(members, suppliers, jewels, 40)
		if len(errs) > 0 {
			checkFieldErrors(t, errs, oneOf("name", "level", "description", "owner", "availability", "integrity",
				"confidentiality", "rto_hours", "rpo_hours", "suppliers", "depends_on"))
			return
		}
		if p.name == "" || !slices.Contains(JewelLevels, p.level) || p.owner != nil && !members[*p.owner] ||
			(p.owner == nil) != (owner == "") {
			t.Fatalf("accepted %+v", p)
		}
		for _, v := range []int{p.a, p.i, p.c} {
			if v < 1 || v > 4 {
				t.Fatalf("BIV %d accepted", v)
			}
		}
		for _, h := range []*int{p.rto, p.rpo} {
			if h != nil && (*h < 0 || *h > 100000) {
				t.Fatalf("hours %d accepted", *h)
			}
		}
		for _, ids := range [][]int64{p.suppliers, p.dependsOn} {
			if !slices.IsSorted(ids) || len(slices.Compact(slices.Clone(ids))) != len(ids) {
				t.Fatalf("links %v", ids)
			}
		}
		if slices.Contains(p.dependsOn, 40) || slices.ContainsFunc(p.suppliers, func(id int64) bool { return !suppliers[id] }) {
			t.Fatalf("links %v %v accepted", p.suppliers, p.dependsOn)
		}
	})
}

// FuzzSupplierInput: the supplier form. Accepted: a name, dates that are
// real calendar days, a listed assessment result, listed clauses only.
func FuzzSupplierInput(f *testing.F) {
	f.Add("Hoster B.V.", "2027-01-31", " 2026-02-28 ", "sufficient", "incident,exit")
	f.Add(" ", "2026-02-30", "31-12-2026", "good", "incident,nda")
	f.Add("x", "", "", "", "")
	f.Fuzz(func(t *testing.T, name, expiry, assessed, result, clauses string) {
		in := SupplierInput{Name: name, CertificationExpiry: expiry, LastAssessed: assessed, AssessmentResult: result}
		if clauses != "" {
			in.Clauses = strings.Split(clauses, ",")
		}
		out, err := in.parse()
		if err != nil {
			checkFieldErrors(t, validate.Fields(err), oneOf("name", "certification_expiry", "last_assessed", "assessment_result",
				"notes", "clauses"))
			return
		}
		for field, raw := range map[string]string{"expiry": expiry, "assessed": assessed} {
			d := out[field].(*time.Time)
			if (d == nil) != (strings.TrimSpace(raw) == "") || d != nil && d.Format(time.DateOnly) != strings.TrimSpace(raw) {
				t.Fatalf("%s %q read as %v", field, raw, d)
			}
		}
		if out["name"] == "" || !slices.Contains(AssessmentResults, result) {
			t.Fatalf("accepted %v", out)
		}
		for _, c := range in.Clauses {
			if !slices.Contains(Clauses, c) || out["clause_"+c] != true {
				t.Fatalf("clause %q accepted as %v", c, out["clause_"+c])
			}
		}
	})
}

// FuzzMitigationInput: a mitigation action's own fields. Without field
// errors the due date is that calendar day and the owner id parsed; with
// them, only the form's fields are named.
func FuzzMitigationInput(f *testing.F) {
	f.Add("Back-ups testen", "1.1", "7", "2026-09-30")
	f.Add("", "9.9", "x", "2026-13-01")
	f.Add("a", "1.1", "+7", "2026-9-30")
	known := func(code string) bool { return code == "1.1" }
	f.Fuzz(func(t *testing.T, title, code, owner, due string) {
		errs := validate.Errors{}
		v := MitigationInput{Title: title, RequirementCode: code, OwnerID: owner, DueDate: due}.check(errs, known)
		if len(errs) > 0 {
			checkFieldErrors(t, errs, oneOf("title", "description", "requirement", "due_date"))
			return
		}
		if v.title == "" || !known(v.code) || v.due.Format(time.DateOnly) != due {
			t.Fatalf("accepted %+v", v)
		}
		if id, err := strconv.ParseInt(owner, 10, 64); v.ownerOK != (err == nil) || v.ownerOK && v.owner != id {
			t.Fatalf("owner %q read as %d, %v", owner, v.owner, v.ownerOK)
		}
	})
}

// FuzzParseThreatRef: a scenario's threat field. Accepted: a catalogue
// threat or a positive entity-threat id, whose form value reads back the
// same.
func FuzzParseThreatRef(f *testing.F) {
	for _, s := range []string{"c:ransomware", "c:", "c:nope", "e:12", "e:0", "e:-3", "e:+3", "x:1", ""} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		r, ok := ParseThreatRef(s)
		if !ok {
			return
		}
		if _, known := Threats().Threat(r.Code); r.Code != "" && !known || r.Code == "" && r.ID <= 0 || r.Code != "" && r.ID != 0 {
			t.Fatalf("%q accepted as %+v", s, r)
		}
		if back, ok := ParseThreatRef(r.String()); !ok || back != r {
			t.Fatalf("%q: %+v → %q → %+v", s, r, r.String(), back)
		}
	})
}
