package risk_test

import (
	"context"
	"errors"
	"fmt"
	"maps"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/weerbaar/weerbaar/internal/audit"
	"github.com/weerbaar/weerbaar/internal/authz"
	"github.com/weerbaar/weerbaar/internal/db"
	"github.com/weerbaar/weerbaar/internal/dbtest"
	"github.com/weerbaar/weerbaar/internal/i18n"
	"github.com/weerbaar/weerbaar/internal/risk"
	"github.com/weerbaar/weerbaar/internal/validate"
)

type fixture struct {
	ctx   context.Context
	pool  *pgxpool.Pool
	anna  authz.Actor // officer of entity A
	admin authz.Actor // admin of entity A
	bert  authz.Actor // officer of entity B
	day   time.Time
}

func setup(t *testing.T) fixture {
	t.Helper()
	pool := dbtest.New(t)
	ctx := context.Background()
	user := func(entity int64, email, name string, role authz.Role) authz.Actor {
		var id int64
		if err := pool.QueryRow(ctx, `INSERT INTO users (email, name) VALUES ($1, $2) RETURNING id`, email, name).Scan(&id); err != nil {
			t.Fatal(err)
		}
		if _, err := pool.Exec(ctx, `INSERT INTO memberships (entity_id, user_id, role) VALUES ($1, $2, $3)`, entity, id, string(role)); err != nil {
			t.Fatal(err)
		}
		return authz.Actor{UserID: id, Email: email, Name: name, EntityID: entity, Role: role}
	}
	entity := func(slug string) int64 {
		var id int64
		if err := pool.QueryRow(ctx, `INSERT INTO entities (slug, name) VALUES ($1, $1) RETURNING id`, slug).Scan(&id); err != nil {
			t.Fatal(err)
		}
		return id
	}
	a, b := entity("water-a"), entity("water-b")
	f := fixture{pool: pool, day: time.Date(2026, 11, 29, 0, 0, 0, 0, time.UTC)}
	f.anna = user(a, "anna@a.nl", "Anna", authz.SecurityOfficer)
	f.admin = user(a, "admin@a.nl", "Beheer", authz.Admin)
	f.bert = user(b, "bert@b.nl", "Bert", authz.SecurityOfficer)
	f.ctx = audit.WithMeta(ctx, audit.Meta{ActorID: f.anna.UserID, ActorEmail: f.anna.Email})
	return f
}

func (f fixture) analysis(t *testing.T, actor authz.Actor, period string) risk.Analysis {
	t.Helper()
	a, err := risk.CreateAnalysis(f.ctx, f.pool, actor, risk.AnalysisInput{Period: period, ReviewDate: "2027-06-30"}, f.day)
	if err != nil {
		t.Fatalf("create analysis %s: %v", period, err)
	}
	return a
}

func TestCreateAnalysisValidates(t *testing.T) {
	t.Parallel()
	f := setup(t)
	cases := []struct {
		in    risk.AnalysisInput
		field string
		key   string
	}{
		{risk.AnalysisInput{Period: "", ReviewDate: "2027-01-01"}, "period", "risk.error.period"},
		{risk.AnalysisInput{Period: "2027", ReviewDate: "2026-11-28"}, "review_date", "risk.error.review_past"},
		{risk.AnalysisInput{Period: "2027", ReviewDate: "2027-11-30"}, "review_date", "risk.error.review_ahead"},
		{risk.AnalysisInput{Period: "2027", ReviewDate: "morgen"}, "review_date", "validate.date"},
	}
	for _, c := range cases {
		_, err := risk.CreateAnalysis(f.ctx, f.pool, f.anna, c.in, f.day)
		if got := validate.Fields(err)[c.field]; got != c.key {
			t.Errorf("%+v: field %s = %q (err %v), want %q", c.in, c.field, got, err, c.key)
		}
	}
	// Exactly twelve months ahead is allowed; the same period twice is not.
	f.analysis(t, f.anna, "2027")
	if _, err := risk.CreateAnalysis(f.ctx, f.pool, f.anna, risk.AnalysisInput{Period: "2027", ReviewDate: "2027-11-29"}, f.day); validate.Fields(err)["period"] != "risk.error.period_taken" {
		t.Errorf("duplicate period: %v", err)
	}
}

// seed fills an analysis with two suppliers, three jewels (with links) and
// two scenarios.
func (f fixture) seed(t *testing.T, a risk.Analysis) (jewel int64) {
	t.Helper()
	s1, err := risk.SaveSupplier(f.ctx, f.pool, f.anna, a.ID, 0, risk.SupplierInput{Name: "OT-partner", Clauses: []string{"incident"}})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := risk.SaveSupplier(f.ctx, f.pool, f.anna, a.ID, 0, risk.SupplierInput{Name: "SaaS"}); err != nil {
		t.Fatal(err)
	}
	sid := strconv.FormatInt(s1.ID, 10)
	scada, err := risk.SaveJewel(f.ctx, f.pool, f.anna, a.ID, 0, risk.JewelInput{Name: "SCADA", Level: "system", Availability: "4",
		Integrity: "4", Confidentiality: "2", Suppliers: []string{sid}})
	if err != nil {
		t.Fatal(err)
	}
	telem, err := risk.SaveJewel(f.ctx, f.pool, f.anna, a.ID, 0, risk.JewelInput{Name: "Telemetrie", Level: "system", Availability: "4",
		Integrity: "3", Confidentiality: "1", Suppliers: []string{sid}})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := risk.SaveJewel(f.ctx, f.pool, f.anna, a.ID, 0, risk.JewelInput{Name: "Zuivering", Level: "process", Availability: "4",
		Integrity: "4", Confidentiality: "1", RTOHours: "4", DependsOn: []string{strconv.FormatInt(scada.ID, 10)}}); err != nil {
		t.Fatal(err)
	}
	for _, sc := range []risk.ScenarioInput{
		{JewelID: strconv.FormatInt(scada.ID, 10), Threat: "c:ransomware", Aspects: risk.Aspects{Availability: true}, Likelihood: "4", Impact: "5"},
		{JewelID: strconv.FormatInt(telem.ID, 10), Threat: "c:utility_outage", Aspects: risk.Aspects{Availability: true}, Likelihood: "2", Impact: "3"},
	} {
		if _, err := risk.SaveScenario(f.ctx, f.pool, f.anna, a.ID, 0, sc); err != nil {
			t.Fatal(err)
		}
	}
	return scada.ID
}

func TestSuppliersDeriveCriticalityAndConcentration(t *testing.T) {
	t.Parallel()
	f := setup(t)
	a := f.analysis(t, f.anna, "2027")
	f.seed(t, a)
	sup, err := risk.Suppliers(f.ctx, f.pool, f.anna.EntityID, a.ID)
	if err != nil || len(sup) != 2 {
		t.Fatalf("suppliers %v %v", sup, err)
	}
	ot := sup[0]
	if ot.Name != "OT-partner" || ot.MaxBIV != 4 || ot.CriticalJewels != 2 || !ot.Concentrated() || ot.ClausesMissing() != 4 {
		t.Errorf("OT-partner %+v", ot)
	}
	if saas := sup[1]; saas.MaxBIV != 0 || saas.Concentrated() || len(saas.Jewels) != 0 {
		t.Errorf("SaaS %+v", saas)
	}
}

func TestScenarioLevelAndHeatCounts(t *testing.T) {
	t.Parallel()
	f := setup(t)
	a := f.analysis(t, f.anna, "2027")
	f.seed(t, a)
	rows, err := risk.Scenarios(f.ctx, f.pool, f.anna.EntityID, a.ID, risk.ScenarioFilter{})
	if err != nil || len(rows) != 2 {
		t.Fatalf("scenarios %v %v", rows, err)
	}
	if rows[0].Level != risk.Critical || rows[1].Level != risk.Medium {
		t.Errorf("levels %v, %v; want critical (4×5) then medium (2×3)", rows[0].Level, rows[1].Level)
	}
	counts, err := risk.InherentCounts(f.ctx, f.pool, f.anna.EntityID, a.ID)
	if err != nil || counts[[2]int{4, 5}] != 1 || counts[[2]int{2, 3}] != 1 || len(counts) != 2 {
		t.Errorf("counts %v %v", counts, err)
	}
	// The analysis page's one pass counts the same inherent cells, and the
	// residual ones (untreated: the inherent risk).
	both, err := risk.HeatCounts(f.ctx, f.pool, f.anna.EntityID, a.ID)
	if err != nil || !maps.Equal(both.Inherent, counts) || !maps.Equal(both.Residual, counts) || both.Assessed != 0 || both.Treated != 0 {
		t.Errorf("heat counts %+v %v, want inherent and residual %v", both, err, counts)
	}
	cell, err := risk.Scenarios(f.ctx, f.pool, f.anna.EntityID, a.ID, risk.ScenarioFilter{Likelihood: 4, Impact: 5})
	if err != nil || len(cell) != 1 || cell[0].Threat().Code != "ransomware" {
		t.Errorf("cell (4,5): %v %v", cell, err)
	}
	// The same jewel × threat twice is refused with a field error.
	_, err = risk.SaveScenario(f.ctx, f.pool, f.anna, a.ID, 0, risk.ScenarioInput{JewelID: strconv.FormatInt(rows[0].JewelID, 10),
		Threat: "c:ransomware", Aspects: risk.Aspects{Integrity: true}, Likelihood: "1", Impact: "1"})
	if validate.Fields(err)["threat"] != "risk.error.scenario_taken" {
		t.Errorf("duplicate scenario: %v", err)
	}
}

func TestNewCycleCopiesTheLastOne(t *testing.T) {
	t.Parallel()
	f := setup(t)
	first := f.analysis(t, f.anna, "2026")
	f.seed(t, first)
	// A stricter matrix for the new cycle: everything at least high.
	in := risk.MethodForm(risk.DefaultMethod())
	in.Tolerance, in.Version = "2", 1
	for l := 1; l <= 5; l++ {
		for i := 1; i <= 5; i++ {
			in.Cells[risk.CellField(l, i)] = "3"
		}
	}
	if _, err := risk.SaveMethod(f.ctx, f.pool, f.admin, in); err != nil {
		t.Fatal(err)
	}
	second := f.analysis(t, f.anna, "2027")
	if second.Jewels != 3 || second.Scenarios != 2 || second.MethodVersion != 2 || second.CopiedFrom == nil || *second.CopiedFrom != first.ID {
		t.Fatalf("second cycle %+v", second)
	}
	jewels, err := risk.Jewels(f.ctx, f.pool, f.anna.EntityID, second.ID)
	if err != nil {
		t.Fatal(err)
	}
	byName := map[string]risk.Jewel{}
	for _, j := range jewels {
		byName[j.Name] = j
	}
	sup, _ := risk.Suppliers(f.ctx, f.pool, f.anna.EntityID, second.ID)
	if len(sup) != 2 || len(byName["SCADA"].SupplierIDs) != 1 || byName["SCADA"].SupplierIDs[0] != sup[0].ID {
		t.Errorf("supplier links not copied onto the new rows: %+v / %+v", byName["SCADA"], sup)
	}
	if deps := byName["Zuivering"].DependsOn; len(deps) != 1 || deps[0] != byName["SCADA"].ID {
		t.Errorf("dependency not copied onto the new rows: %v", deps)
	}
	rows, _ := risk.Scenarios(f.ctx, f.pool, f.anna.EntityID, second.ID, risk.ScenarioFilter{})
	for _, r := range rows {
		if r.Level != risk.High {
			t.Errorf("copied scenario %d scored %v with the new matrix, want high", r.ID, r.Level)
		}
		if r.AnalysisID != second.ID {
			t.Errorf("scenario %d points to analysis %d", r.ID, r.AnalysisID)
		}
	}
	// The first cycle keeps its own rows and levels.
	old, _ := risk.Scenarios(f.ctx, f.pool, f.anna.EntityID, first.ID, risk.ScenarioFilter{})
	if len(old) != 2 || old[0].Level != risk.Critical {
		t.Errorf("first cycle changed: %+v", old)
	}
}

func TestStatusWorkflow(t *testing.T) {
	t.Parallel()
	f := setup(t)
	a := f.analysis(t, f.anna, "2027")
	if err := risk.SetStatus(f.ctx, f.pool, f.anna, a.ID, risk.StatusAdopted, "besluit", a.Version); !errors.Is(err, risk.ErrTransition) {
		t.Errorf("concept → adopted: %v", err)
	}
	if err := risk.SetStatus(f.ctx, f.pool, f.anna, a.ID, risk.StatusReview, "", a.Version); err != nil {
		t.Fatal(err)
	}
	if err := risk.SetStatus(f.ctx, f.pool, f.anna, a.ID, risk.StatusReview, "", a.Version); !errors.Is(err, db.ErrConflict) {
		t.Errorf("stale version: %v", err)
	}
	if err := risk.SetStatus(f.ctx, f.pool, f.anna, a.ID, risk.StatusAdopted, "besluit", a.Version+1); !errors.Is(err, risk.ErrForbidden) {
		t.Errorf("officer adopts: %v", err)
	}
	if err := risk.SetStatus(f.ctx, f.pool, f.admin, a.ID, risk.StatusAdopted, " ", a.Version+1); validate.Fields(err)["note"] == "" {
		t.Errorf("adopt without decision: %v", err)
	}
	if err := risk.SetStatus(f.ctx, f.pool, f.admin, a.ID, risk.StatusAdopted, "Besluit RvB 2026-14", a.Version+1); err != nil {
		t.Fatal(err)
	}
	got, _ := risk.GetAnalysis(f.ctx, f.pool, f.anna.EntityID, a.ID)
	if got.Status != risk.StatusAdopted || got.AdoptedBy != "Beheer" || got.AdoptedAt == nil || got.AdoptionNote != "Besluit RvB 2026-14" {
		t.Errorf("adopted analysis %+v", got)
	}
	// An adopted analysis is locked.
	if _, err := risk.SaveJewel(f.ctx, f.pool, f.anna, a.ID, 0, risk.JewelInput{Name: "X", Level: "goal", Availability: "1", Integrity: "1",
		Confidentiality: "1"}); !errors.Is(err, risk.ErrLocked) {
		t.Errorf("jewel in adopted analysis: %v", err)
	}
	var n int
	if err := f.pool.QueryRow(f.ctx, `SELECT count(*) FROM audit_log WHERE entity_id = $1 AND action = 'risk_analysis.status_changed'`,
		f.anna.EntityID).Scan(&n); err != nil || n != 2 {
		t.Errorf("status changes audited: %d %v", n, err)
	}
}

func TestOtherEntityIsNotFound(t *testing.T) {
	t.Parallel()
	f := setup(t)
	a := f.analysis(t, f.anna, "2027")
	jewel := f.seed(t, a)
	if _, err := risk.GetAnalysis(f.ctx, f.pool, f.bert.EntityID, a.ID); !errors.Is(err, db.ErrNotFound) {
		t.Errorf("analysis of A read by B: %v", err)
	}
	if _, err := risk.GetJewel(f.ctx, f.pool, f.bert.EntityID, jewel); !errors.Is(err, db.ErrNotFound) {
		t.Errorf("jewel of A read by B: %v", err)
	}
	if _, err := risk.SaveJewel(f.ctx, f.pool, f.bert, 0, jewel, risk.JewelInput{Name: "x", Level: "goal", Availability: "1",
		Integrity: "1", Confidentiality: "1"}); !errors.Is(err, db.ErrNotFound) {
		t.Errorf("jewel of A saved by B: %v", err)
	}
	// B's own analysis cannot link A's supplier.
	b := f.analysis(t, f.bert, "2027")
	sup, _ := risk.Suppliers(f.ctx, f.pool, f.anna.EntityID, a.ID)
	_, err := risk.SaveJewel(f.ctx, f.pool, f.bert, b.ID, 0, risk.JewelInput{Name: "x", Level: "goal", Availability: "1",
		Integrity: "1", Confidentiality: "1", Suppliers: []string{strconv.FormatInt(sup[0].ID, 10)}})
	if validate.Fields(err)["suppliers"] == "" {
		t.Errorf("B links A's supplier: %v", err)
	}
}

func TestJewelVersionConflict(t *testing.T) {
	t.Parallel()
	f := setup(t)
	a := f.analysis(t, f.anna, "2027")
	id := f.seed(t, a)
	j, _ := risk.GetJewel(f.ctx, f.pool, f.anna.EntityID, id)
	in := risk.JewelInput{Name: "SCADA", Level: "system", Availability: "3", Integrity: "4", Confidentiality: "2", Version: j.Version}
	if _, err := risk.SaveJewel(f.ctx, f.pool, f.anna, 0, id, in); err != nil {
		t.Fatal(err)
	}
	if _, err := risk.SaveJewel(f.ctx, f.pool, f.anna, 0, id, in); !errors.Is(err, db.ErrConflict) {
		t.Errorf("second save with the same version: %v", err)
	}
}

func importCSV(t *testing.T, f fixture, a risk.Analysis, body string) (int, *risk.ImportReport) {
	t.Helper()
	n, err := risk.ImportJewels(f.ctx, f.pool, f.anna, a.ID, []byte(body))
	var rep *risk.ImportReport
	if err != nil && !errors.As(err, &rep) {
		t.Fatalf("import: %v", err)
	}
	return n, rep
}

func TestImportJewels(t *testing.T) {
	t.Parallel()
	f := setup(t)
	a := f.analysis(t, f.anna, "2027")
	f.seed(t, a)
	good := "\ufeffnaam;niveau;eigenaar;beschikbaarheid;integriteit;vertrouwelijkheid;rto_uren;leveranciers\n" +
		"Laboratorium;proces;anna@a.nl;3;4;2;24;SaaS\n" +
		"\"Klantdata; facturen\";systeem;;2;3;4;;OT-partner|SaaS\n"
	n, rep := importCSV(t, f, a, good)
	if rep != nil || n != 2 {
		t.Fatalf("good file: %d %+v", n, rep)
	}
	jewels, _ := risk.Jewels(f.ctx, f.pool, f.anna.EntityID, a.ID)
	found := 0
	for _, j := range jewels {
		if j.Name == "Klantdata; facturen" && j.Level == "system" && j.Confidentiality == 4 && len(j.SupplierIDs) == 2 {
			found++
		}
		if j.Name == "Laboratorium" && j.Level == "process" && j.OwnerID != nil && *j.OwnerID == f.anna.UserID && *j.RTOHours == 24 {
			found++
		}
	}
	if found != 2 {
		t.Errorf("imported jewels %+v", jewels)
	}

	// One bad row: nothing is imported and the report names line and column.
	bad := "name,level,availability,integrity,confidentiality\n" +
		"A,goal,1,1,1\n" +
		"B,system,5,1,1\n" +
		"C,nonsense,1,1,1\n" +
		"SCADA,system,1,1,1\n" +
		"A,goal,1,1,1\n"
	n, rep = importCSV(t, f, a, bad)
	if rep == nil || n != 0 {
		t.Fatalf("bad file imported %d", n)
	}
	want := []risk.ImportError{{3, "availability", "risk.error.biv"}, {4, "level", "validate.choice"},
		{5, "name", "risk.error.name_taken"}, {6, "name", "risk.import.duplicate"}}
	if fmt.Sprint(rep.Errors) != fmt.Sprint(want) {
		t.Errorf("report %v, want %v", rep.Errors, want)
	}
	after, _ := risk.Jewels(f.ctx, f.pool, f.anna.EntityID, a.ID)
	if len(after) != len(jewels) {
		t.Errorf("a refused import added jewels: %d → %d", len(jewels), len(after))
	}

	// Wrong encoding (Latin-1 "é") and a missing column are file-level.
	if _, rep = importCSV(t, f, a, "name,level,availability,integrity,confidentiality\nCaf\xe9,goal,1,1,1\n"); rep == nil || rep.Errors[0].Key != "risk.import.encoding" {
		t.Errorf("latin-1: %+v", rep)
	}
	if _, rep = importCSV(t, f, a, "name,level,availability,integrity,confidentiality\nA,goal,1,1,1\nB \"x,goal,1,1,1\n"); rep == nil || rep.Errors[0].Key != "risk.import.syntax" || rep.Errors[0].Line != 3 {
		t.Errorf("stray quote: %+v", rep)
	}
	if _, rep = importCSV(t, f, a, "name,level,availability\nA,goal,1\n"); rep == nil || rep.Errors[0].Column != "integrity" {
		t.Errorf("missing column: %+v", rep)
	}
}

func TestImportTenThousandJewels(t *testing.T) {
	t.Parallel()
	f := setup(t)
	a := f.analysis(t, f.anna, "2027")
	var b strings.Builder
	b.WriteString("name,level,availability,integrity,confidentiality\n")
	for i := range risk.MaxImportRows {
		fmt.Fprintf(&b, "Systeem %05d,system,%d,%d,%d\n", i, i%4+1, (i+1)%4+1, (i+2)%4+1)
	}
	n, rep := importCSV(t, f, a, b.String())
	if rep != nil || n != risk.MaxImportRows {
		t.Fatalf("10,000 rows: %d %+v", n, rep)
	}
	got, _ := risk.GetAnalysis(f.ctx, f.pool, f.anna.EntityID, a.ID)
	if got.Jewels != risk.MaxImportRows {
		t.Errorf("stored %d jewels", got.Jewels)
	}
	// One more row is over the limit, and nothing of it is imported.
	b.WriteString("Systeem extra,system,1,1,1\n")
	a2 := f.analysis(t, f.anna, "2028")
	if _, rep = importCSV(t, f, a2, b.String()); rep == nil || rep.Errors[0].Key != "risk.import.too_many" {
		t.Errorf("10,001 rows: %+v", rep)
	}
}

func TestMethodVersionsAndConflict(t *testing.T) {
	t.Parallel()
	f := setup(t)
	m, err := risk.CurrentMethod(f.ctx, f.pool, f.anna.EntityID)
	if err != nil || m.Set || m.Matrix != risk.DefaultMatrix() || m.Tolerance != risk.Medium {
		t.Fatalf("default method %+v %v", m, err)
	}
	in := risk.MethodForm(risk.DefaultMethod())
	in.Tolerance = "3"
	in.Cells["m55"] = "1"
	if _, err := risk.SaveMethod(f.ctx, f.pool, f.admin, in); validate.Fields(err)["matrix"] != "risk.error.monotone" {
		t.Errorf("non-monotone matrix: %v", err)
	}
	in.Cells["m55"] = "4"
	saved, err := risk.SaveMethod(f.ctx, f.pool, f.admin, in)
	if err != nil || saved.Version != 1 || saved.Tolerance != risk.High {
		t.Fatalf("save method: %+v %v", saved, err)
	}
	if _, err := risk.SaveMethod(f.ctx, f.pool, f.admin, in); !errors.Is(err, db.ErrConflict) {
		t.Errorf("stale method version: %v", err)
	}
}

func TestMethodScalesAreVersioned(t *testing.T) {
	t.Parallel()
	f := setup(t)
	// The first analysis stores the default method (NULL scales) as version 1.
	old := f.analysis(t, f.anna, "2026")
	m, err := old.Method()
	if err != nil || m.Version != 1 || m.Scales != risk.DefaultScales() {
		t.Fatalf("method of the first analysis: %+v %v", m, err)
	}
	in := risk.MethodForm(m)
	field := risk.ScaleField(risk.AxisImpact, 4, risk.PartDefinition, i18n.EN)
	in.Scales[field] = "  A district without safe drinking water for more than a day.  "
	in.Scales[risk.ScaleField(risk.AxisImpact, 4, risk.PartDefinition, i18n.NL)] = "Een wijk langer dan een dag zonder veilig drinkwater."
	bad := risk.MethodForm(m)
	bad.Scales[field] = ""
	if _, err := risk.SaveMethod(f.ctx, f.pool, f.admin, bad); validate.Fields(err)[field] != "validate.required" {
		t.Fatalf("empty definition: %v", err)
	}
	saved, err := risk.SaveMethod(f.ctx, f.pool, f.admin, in)
	if err != nil || saved.Version != 2 || saved.Scales.Impact[3].Definition.EN != "A district without safe drinking water for more than a day." {
		t.Fatalf("save: %+v %v", saved, err)
	}
	cur, err := risk.CurrentMethod(f.ctx, f.pool, f.anna.EntityID)
	if err != nil || cur.Scales != saved.Scales {
		t.Fatalf("current: %v", err)
	}
	// The old analysis keeps version 1 and its definitions; a new one uses 2.
	reloaded, err := risk.GetAnalysis(f.ctx, f.pool, f.anna.EntityID, old.ID)
	if err != nil {
		t.Fatal(err)
	}
	if m1, err := reloaded.Method(); err != nil || m1.Version != 1 || m1.Scales.Impact[3] != risk.DefaultScales().Impact[3] {
		t.Errorf("old analysis's method: %+v %v", m1.Scales.Impact[3], err)
	}
	next := f.analysis(t, f.anna, "2027")
	if m2, err := next.Method(); err != nil || m2.Version != 2 || m2.Scales.Impact[3].Definition.NL != "Een wijk langer dan een dag zonder veilig drinkwater." {
		t.Errorf("new analysis's method: %+v %v", m2.Scales.Impact[3], err)
	}
	// History: newest first, with what changed; another entity has none.
	hist, err := risk.MethodHistory(f.ctx, f.pool, f.anna.EntityID)
	if err != nil || len(hist) != 2 || hist[0].Version != 2 || hist[0].CreatedBy != "Beheer" || len(hist[0].Changes) != 1 ||
		hist[0].Changes[0] != (risk.ScaleChange{Field: "impact", Point: 4}) || hist[1].Version != 1 || hist[1].Changes != nil {
		t.Errorf("history: %+v %v", hist, err)
	}
	if other, err := risk.MethodHistory(f.ctx, f.pool, f.bert.EntityID); err != nil || len(other) != 0 {
		t.Errorf("other entity's history: %+v %v", other, err)
	}
	// The audit row names the changed point in both languages.
	var changes string
	if err := f.pool.QueryRow(f.ctx, `SELECT changes::text FROM audit_log WHERE entity_id = $1 AND action = 'risk_method.saved'`,
		f.anna.EntityID).Scan(&changes); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(changes, "impact_4") || !strings.Contains(changes, "A district without safe drinking water") ||
		!strings.Contains(changes, "Een wijk langer") || !strings.Contains(changes, i18n.Translate(i18n.EN, "risk.impact.4.desc")) ||
		strings.Contains(changes, "likelihood_1") || strings.Contains(changes, "matrix") {
		t.Errorf("audit: %s", changes)
	}
}
