package risk_test

import (
	"errors"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/weerbaar/weerbaar/internal/db"
	"github.com/weerbaar/weerbaar/internal/risk"
	"github.com/weerbaar/weerbaar/internal/validate"
)

func knownCodes(codes ...string) func(string) bool {
	return func(c string) bool {
		for _, k := range codes {
			if k == c {
				return true
			}
		}
		return false
	}
}

// ransomware returns the seeded SCADA × ransomware scenario (4×5, critical).
func (f fixture) ransomware(t *testing.T) risk.Scenario {
	t.Helper()
	a := f.analysis(t, f.anna, "2027")
	f.seed(t, a)
	rows, err := risk.Scenarios(f.ctx, f.pool, f.anna.EntityID, a.ID, risk.ScenarioFilter{Likelihood: 4, Impact: 5})
	if err != nil || len(rows) != 1 {
		t.Fatalf("ransomware scenario: %v %v", rows, err)
	}
	return rows[0]
}

func TestControlsGiveResidualRisk(t *testing.T) {
	t.Parallel()
	f := setup(t)
	sc := f.ransomware(t)
	if sc.ResidualLikelihood != 4 || sc.ResidualImpact != 5 || sc.ResidualLevel != risk.Critical {
		t.Fatalf("before controls the residual is the inherent risk, got %d×%d %v", sc.ResidualLikelihood, sc.ResidualImpact, sc.ResidualLevel)
	}
	known := knownCodes("6.2", "4.1")
	saved, err := risk.SaveControls(f.ctx, f.pool, f.anna, sc.ID, []risk.ControlInput{
		{RequirementCode: "6.2", Effectiveness: "2", Reduces: "likelihood"},
		{RequirementCode: "4.1", Effectiveness: "3", Reduces: "impact"},
		{RequirementCode: ""}, // an empty row of the form is skipped
	}, sc.Version, known)
	if err != nil {
		t.Fatal(err)
	}
	if saved.ResidualLikelihood != 2 || saved.ResidualImpact != 2 || saved.ResidualLevel != risk.Low || saved.Version != sc.Version+1 {
		t.Errorf("residual %d×%d %v v%d; want 2×2 low", saved.ResidualLikelihood, saved.ResidualImpact, saved.ResidualLevel, saved.Version)
	}
	cs, err := risk.Controls(f.ctx, f.pool, f.anna.EntityID, sc.ID)
	if err != nil || len(cs) != 2 || cs[0].RequirementCode != "4.1" || cs[0].Effectiveness != risk.EffStrong {
		t.Errorf("controls %v %v", cs, err)
	}
	counts, err := risk.HeatCounts(f.ctx, f.pool, f.anna.EntityID, sc.AnalysisID)
	if err != nil || counts.Residual[[2]int{2, 2}] != 1 || counts.Residual[[2]int{4, 5}] != 0 || counts.Assessed != 1 || counts.Treated != 0 {
		t.Errorf("residual counts %v, %d assessed, %d treated, %v", counts.Residual, counts.Assessed, counts.Treated, err)
	}
	cell, err := risk.Scenarios(f.ctx, f.pool, f.anna.EntityID, sc.AnalysisID, risk.ScenarioFilter{ResidualLikelihood: 2, ResidualImpact: 2})
	if err != nil || len(cell) != 1 || cell[0].ID != sc.ID {
		t.Errorf("residual cell (2,2): %v %v", cell, err)
	}
	// Raising the inherent risk recomputes the residual with the same controls.
	up, err := risk.SaveScenario(f.ctx, f.pool, f.anna, 0, sc.ID, risk.ScenarioInput{JewelID: strconv.FormatInt(sc.JewelID, 10),
		Threat: "c:ransomware", Aspects: risk.Aspects{Availability: true}, Likelihood: "5", Impact: "5", Version: saved.Version})
	if err != nil || up.ResidualLikelihood != 3 || up.ResidualImpact != 2 {
		t.Errorf("after raising the inherent risk: %d×%d %v", up.ResidualLikelihood, up.ResidualImpact, err)
	}
	// Unknown and duplicate codes, bad grades: field errors, nothing saved.
	_, err = risk.SaveControls(f.ctx, f.pool, f.anna, sc.ID, []risk.ControlInput{
		{RequirementCode: "99.9", Effectiveness: "2", Reduces: "likelihood"},
		{RequirementCode: "6.2", Effectiveness: "7", Reduces: "likelihood"},
		{RequirementCode: "4.1", Effectiveness: "1", Reduces: "impact"},
		{RequirementCode: "4.1", Effectiveness: "1", Reduces: "impact"},
	}, up.Version, known)
	fe := validate.Fields(err)
	if fe["control_0"] != "risk.error.control" || fe["control_1"] != "validate.choice" || fe["control_3"] != "risk.error.control" || fe["control_2"] != "" {
		t.Errorf("field errors %v", fe)
	}
	// A stale version is a conflict.
	if _, err := risk.SaveControls(f.ctx, f.pool, f.anna, sc.ID, nil, saved.Version, known); !errors.Is(err, db.ErrConflict) {
		t.Errorf("stale version: %v", err)
	}
	// Another entity's scenario is not found.
	if _, err := risk.SaveControls(f.ctx, f.pool, f.bert, sc.ID, nil, up.Version, known); !errors.Is(err, db.ErrNotFound) {
		t.Errorf("other entity: %v", err)
	}
}

func TestTreatmentAcceptance(t *testing.T) {
	t.Parallel()
	f := setup(t)
	sc := f.ransomware(t) // residual critical, tolerance medium
	if _, err := risk.SaveTreatment(f.ctx, f.pool, f.anna, sc.ID, risk.TreatmentInput{Treatment: "ignore", Version: sc.Version}, f.day); validate.Fields(err)["treatment"] == "" || validate.Fields(err)["justification"] == "" {
		t.Errorf("invalid treatment: %v", err)
	}
	// Above tolerance: recorded as requested, not accepted.
	req, err := risk.SaveTreatment(f.ctx, f.pool, f.anna, sc.ID, risk.TreatmentInput{Treatment: "accept", Justification: "te duur", Version: sc.Version}, f.day)
	if err != nil || req.Acceptance == nil || *req.Acceptance != risk.AcceptanceRequested || req.AcceptedAt != nil || req.AcceptanceExpires != nil {
		t.Fatalf("accept above tolerance: %+v %v", req, err)
	}
	var action string
	if err := f.pool.QueryRow(f.ctx, `SELECT action FROM audit_log WHERE object_type = 'risk_scenario' ORDER BY id DESC LIMIT 1`).Scan(&action); err != nil || action != "risk_scenario.acceptance_requested" {
		t.Errorf("audit action %q %v", action, err)
	}
	// Controls bring it within tolerance; then acceptance is recorded and expires in 12 months.
	withCtl, err := risk.SaveControls(f.ctx, f.pool, f.anna, sc.ID, []risk.ControlInput{{RequirementCode: "6.2", Effectiveness: "3", Reduces: "likelihood"}},
		req.Version, knownCodes("6.2"))
	if err != nil || withCtl.ResidualLevel > risk.Medium {
		t.Fatalf("controls: %v %v", withCtl.ResidualLevel, err)
	}
	acc, err := risk.SaveTreatment(f.ctx, f.pool, f.anna, sc.ID, risk.TreatmentInput{Treatment: "accept", Justification: "restrisico aanvaardbaar", Version: withCtl.Version}, f.day)
	if err != nil || acc.Acceptance == nil || *acc.Acceptance != risk.AcceptanceAccepted || acc.AcceptedBy != "Anna" || acc.AcceptedAt == nil ||
		acc.AcceptanceExpires == nil || acc.AcceptanceExpires.Format("2006-01-02") != "2027-11-29" {
		t.Fatalf("accept within tolerance: %+v %v", acc, err)
	}
	if acc.ReviewDue(f.day) || !acc.ReviewDue(f.day.AddDate(1, 0, 0)) {
		t.Error("an acceptance is due for review when it expires, not before")
	}
	// Another treatment clears the acceptance.
	mit, err := risk.SaveTreatment(f.ctx, f.pool, f.anna, sc.ID, risk.TreatmentInput{Treatment: "mitigate", Justification: "segmentatie", Version: acc.Version}, f.day)
	if err != nil || mit.Acceptance != nil || mit.AcceptanceExpires != nil {
		t.Errorf("mitigate: %+v %v", mit, err)
	}
	if _, err := risk.SaveTreatment(f.ctx, f.pool, f.anna, sc.ID, risk.TreatmentInput{Treatment: "avoid", Justification: "x", Version: acc.Version}, f.day); !errors.Is(err, db.ErrConflict) {
		t.Errorf("stale version: %v", err)
	}
}

func TestMitigations(t *testing.T) {
	t.Parallel()
	f := setup(t)
	sc := f.ransomware(t)
	known := knownCodes("6.2")
	if _, err := f.pool.Exec(f.ctx, `UPDATE memberships SET accepted_at = now()`); err != nil { // the fixture's members have accepted
		t.Fatal(err)
	}
	in := risk.MitigationInput{Title: "Offline back-ups", RequirementCode: "6.2", OwnerID: strconv.FormatInt(f.admin.UserID, 10), DueDate: "2027-03-01"}
	if _, err := risk.AddMitigation(f.ctx, f.pool, f.anna, sc.ID, in, known); err != nil {
		t.Fatal(err)
	}
	bad := risk.MitigationInput{Title: "", RequirementCode: "9.9", OwnerID: strconv.FormatInt(f.bert.UserID, 10), DueDate: "morgen"}
	fe := validate.Fields(func() error { _, err := risk.AddMitigation(f.ctx, f.pool, f.anna, sc.ID, bad, known); return err }())
	for _, field := range []string{"title", "requirement", "owner", "due_date"} {
		if fe[field] == "" {
			t.Errorf("no error on %s: %v", field, fe)
		}
	}
	ms, err := risk.Mitigations(f.ctx, f.pool, f.anna.EntityID, sc.ID)
	if err != nil || len(ms) != 1 || ms[0].OwnerName != "Beheer" || ms[0].RequirementCode != "6.2" {
		t.Errorf("mitigations %+v %v", ms, err)
	}
	if _, err := risk.AddMitigation(f.ctx, f.pool, f.bert, sc.ID, in, known); !errors.Is(err, db.ErrNotFound) {
		t.Errorf("other entity: %v", err)
	}
	data, err := risk.LoadTreatment(f.ctx, f.pool, f.anna.EntityID, sc.ID)
	if err != nil || len(data.Mitigations) != 1 || data.Mitigations[0].DueDate.Format("2006-01-02") != "2027-03-01" || len(data.Owners) != 2 {
		t.Errorf("treatment data %+v %v", data, err)
	}
}

// TestMitigationLifecycle edits an action, marks it done (date and who
// recorded, idempotent), reopens it and deletes it, each version-checked,
// entity-scoped and audited; the requirement lists it with its state.
func TestMitigationLifecycle(t *testing.T) {
	t.Parallel()
	f := setup(t)
	sc := f.ransomware(t)
	known := knownCodes("6.2", "4.2")
	if _, err := f.pool.Exec(f.ctx, `UPDATE memberships SET accepted_at = now()`); err != nil {
		t.Fatal(err)
	}
	owner := strconv.FormatInt(f.admin.UserID, 10)
	m, err := risk.AddMitigation(f.ctx, f.pool, f.anna, sc.ID, risk.MitigationInput{Title: "Offline back-ups", RequirementCode: "6.2",
		OwnerID: owner, DueDate: "2027-03-01"}, known)
	if err != nil || m.Version != 1 || m.OwnerName != "Beheer" {
		t.Fatalf("add: %+v %v", m, err)
	}
	edit := risk.MitigationInput{Title: "Offline back-ups testen", Description: "Elk kwartaal", RequirementCode: "4.2", OwnerID: owner,
		DueDate: "2027-04-01", Version: m.Version}
	if _, err := risk.UpdateMitigation(f.ctx, f.pool, f.bert, m.ID, edit, known); !errors.Is(err, db.ErrNotFound) {
		t.Errorf("other entity's edit: %v", err)
	}
	bad := edit
	bad.RequirementCode, bad.OwnerID = "9.9", strconv.FormatInt(f.bert.UserID, 10)
	if fe := validate.Fields(func() error { _, err := risk.UpdateMitigation(f.ctx, f.pool, f.anna, m.ID, bad, known); return err }()); fe["requirement"] == "" || fe["owner"] == "" {
		t.Errorf("bad edit: %v", fe)
	}
	up, err := risk.UpdateMitigation(f.ctx, f.pool, f.anna, m.ID, edit, known)
	if err != nil || up.Title != "Offline back-ups testen" || up.Description != "Elk kwartaal" || up.RequirementCode != "4.2" || up.Version != 2 {
		t.Fatalf("edit: %+v %v", up, err)
	}
	if _, err := risk.UpdateMitigation(f.ctx, f.pool, f.anna, m.ID, edit, known); !errors.Is(err, db.ErrConflict) {
		t.Errorf("stale edit: %v", err)
	}
	done, err := risk.SetMitigationDone(f.ctx, f.pool, f.anna, m.ID, true, up.Version, f.day)
	if err != nil || !done.Done || done.DoneOn == nil || !done.DoneOn.Equal(f.day) || done.DoneBy == "" || done.State(f.day.AddDate(1, 0, 0)) != "done" {
		t.Fatalf("done: %+v %v", done, err)
	}
	again, err := risk.SetMitigationDone(f.ctx, f.pool, f.anna, m.ID, true, done.Version, f.day.AddDate(0, 0, 5))
	if err != nil || again.Version != done.Version || !again.DoneOn.Equal(f.day) {
		t.Errorf("done twice moved the date: %+v %v", again, err)
	}
	acts, err := risk.RequirementActions(f.ctx, f.pool, f.anna.EntityID, "4.2")
	if err != nil || len(acts) != 1 || !acts[0].Done || acts[0].JewelName == "" {
		t.Errorf("requirement actions with the done one: %+v %v", acts, err)
	}
	if own, err := risk.OwnerActions(f.ctx, f.pool, f.anna.EntityID, f.admin.UserID); err != nil || len(own) != 0 {
		t.Errorf("owner's open actions include a done one: %+v %v", own, err)
	}
	open, err := risk.SetMitigationDone(f.ctx, f.pool, f.anna, m.ID, false, done.Version, f.day)
	if err != nil || open.Done || open.DoneOn != nil || open.DoneBy != "" {
		t.Errorf("reopen: %+v %v", open, err)
	}
	if _, err := risk.DeleteMitigation(f.ctx, f.pool, f.anna, m.ID, done.Version); !errors.Is(err, db.ErrConflict) {
		t.Errorf("stale delete: %v", err)
	}
	if _, err := risk.DeleteMitigation(f.ctx, f.pool, f.bert, m.ID, open.Version); !errors.Is(err, db.ErrNotFound) {
		t.Errorf("other entity's delete: %v", err)
	}
	if _, err := risk.DeleteMitigation(f.ctx, f.pool, f.anna, m.ID, open.Version); err != nil {
		t.Fatal(err)
	}
	if _, err := risk.GetMitigation(f.ctx, f.pool, f.anna.EntityID, m.ID); !errors.Is(err, db.ErrNotFound) {
		t.Errorf("deleted action still there: %v", err)
	}
	var actions []string
	if err := f.pool.QueryRow(f.ctx, `SELECT array_agg(action ORDER BY id) FROM audit_log WHERE object_type = 'risk_mitigation' AND object_id = $1`,
		strconv.FormatInt(m.ID, 10)).Scan(&actions); err != nil {
		t.Fatal(err)
	}
	want := []string{"risk_mitigation.created", "risk_mitigation.updated", "risk_mitigation.done", "risk_mitigation.reopened", "risk_mitigation.deleted"}
	if strings.Join(actions, " ") != strings.Join(want, " ") {
		t.Errorf("audited %v, want %v", actions, want)
	}
}

func TestMitigationState(t *testing.T) {
	t.Parallel()
	day := time.Date(2027, 3, 1, 0, 0, 0, 0, time.UTC)
	for _, tc := range []struct {
		due  time.Time
		done bool
		want string
	}{
		{day.AddDate(0, 0, 1), false, "open"},
		{day, false, "open"}, // due today is not late yet
		{day.AddDate(0, 0, -1), false, "overdue"},
		{day.AddDate(0, 0, -1), true, "done"},
		{day.AddDate(0, 0, 1), true, "done"},
	} {
		m := risk.Mitigation{DueDate: tc.due, Done: tc.done}
		if got := m.State(day); got != tc.want {
			t.Errorf("due %s done %v: %s, want %s", tc.due.Format(time.DateOnly), tc.done, got, tc.want)
		}
	}
}

func TestTreatmentState(t *testing.T) {
	t.Parallel()
	s := func(v string) *string { return &v }
	for _, tc := range []struct {
		treatment, acceptance *string
		want                  string
	}{
		{nil, nil, risk.TreatmentNone},
		{s("mitigate"), nil, "mitigate"},
		{s("accept"), s("accepted"), "accept"},
		{s("accept"), s("requested"), risk.TreatmentRequested},
		{s("transfer"), nil, "transfer"},
		{s("avoid"), nil, "avoid"},
	} {
		if got := risk.TreatmentState(tc.treatment, tc.acceptance); got != tc.want || !risk.ValidRegisterTreatment(got) {
			t.Errorf("%v/%v: %s, want %s", tc.treatment, tc.acceptance, got, tc.want)
		}
	}
	if risk.ValidRegisterTreatment("maybe") || !risk.ValidRegisterTreatment("") {
		t.Errorf("ValidRegisterTreatment accepts junk or refuses no filter")
	}
}
