package risk_test

import (
	"strconv"
	"testing"

	"github.com/weerbaar/weerbaar/internal/approval"
	"github.com/weerbaar/weerbaar/internal/risk"
)

// expectedContent is the approved content of an analysis built here from
// the rows as the other store functions read them (GetAnalysis, Jewels,
// AllScenarios), independently of the one query AnalysisStanding hashes: the
// two must give the same canonical document, or approvals made before would
// read as outdated.
func expectedContent(t *testing.T, f fixture, id int64) []byte {
	t.Helper()
	a, err := risk.GetAnalysis(f.ctx, f.pool, f.anna.EntityID, id)
	if err != nil {
		t.Fatal(err)
	}
	jewels, err := risk.Jewels(f.ctx, f.pool, f.anna.EntityID, id)
	if err != nil {
		t.Fatal(err)
	}
	scenarios, err := risk.AllScenarios(f.ctx, f.pool, f.anna.EntityID, id)
	if err != nil {
		t.Fatal(err)
	}
	str := func(s *string) string {
		if s == nil {
			return ""
		}
		return *s
	}
	js, ss := []any{}, []any{}
	for _, j := range jewels {
		js = append(js, map[string]any{"ref": j.Name, "jewel_level": j.Level, "availability": j.Availability, "integrity": j.Integrity,
			"confidentiality": j.Confidentiality, "rto_hours": j.RTOHours, "rpo_hours": j.RPOHours})
	}
	for _, sc := range scenarios {
		threat := sc.ThreatName
		if sc.ThreatCode != nil {
			threat = *sc.ThreatCode
		}
		ss = append(ss, map[string]any{"ref": sc.JewelName + " × " + threat, "likelihood": sc.Likelihood, "impact": sc.Impact,
			"level": sc.Level.Key(), "residual_likelihood": sc.ResidualLikelihood, "residual_impact": sc.ResidualImpact,
			"residual_level": sc.ResidualLevel.Key(), "treatment": str(sc.Treatment), "justification": sc.Justification,
			"acceptance": str(sc.Acceptance)})
	}
	doc, _, err := approval.Canonical(map[string]any{"period": a.Period, "review_date": a.ReviewDate.Format("2006-01-02"),
		"method_version": a.MethodVersion, "matrix": a.MatrixText, "tolerance": risk.Level(a.ToleranceCode).Key(), "jewels": js, "scenarios": ss})
	if err != nil {
		t.Fatal(err)
	}
	return doc
}

// TestAnalysisStandingFollowsEveryChange: the approval standing keeps the
// content's hash per state of the analysis, and every change to what the
// board approves — through the store or straight in SQL, to a scenario, a
// jewel's name, an entity threat's name, a deletion or an insertion, the
// analysis itself — is a new state with the hash of the new content.
// Changes outside the content (a supplier's notes) keep it approved.
func TestAnalysisStandingFollowsEveryChange(t *testing.T) {
	t.Parallel()
	f := setup(t)
	a := f.analysis(t, f.anna, "2027")
	jewel := f.seed(t, a)
	th, err := risk.SaveEntityThreat(f.ctx, f.pool, f.anna, 0, risk.ThreatInput{Name: "Vervuiling bron", Aspects: risk.Aspects{Integrity: true}})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := risk.SaveScenario(f.ctx, f.pool, f.anna, a.ID, 0, risk.ScenarioInput{JewelID: strconv.FormatInt(jewel, 10),
		Threat: "e:" + strconv.FormatInt(th.ID, 10), Aspects: risk.Aspects{Integrity: true}, Likelihood: "3", Impact: "4"}); err != nil {
		t.Fatal(err)
	}
	standing := func() approval.Status {
		t.Helper()
		cur, err := risk.GetAnalysis(f.ctx, f.pool, f.anna.EntityID, a.ID)
		if err != nil {
			t.Fatal(err)
		}
		st, err := risk.AnalysisStanding(f.ctx, f.pool, cur)
		if err != nil {
			t.Fatal(err)
		}
		return st
	}
	st := standing()
	doc := expectedContent(t, f, a.ID)
	if st.Standing != approval.Never || st.CurrentHash != approval.Hash(doc) {
		t.Fatalf("before any approval: %s, hash %s, want never and %s", st.Standing, st.CurrentHash, approval.Hash(doc))
	}
	if _, err := f.pool.Exec(f.ctx, `INSERT INTO approval_requests (entity_id, kind, subject_ref, submitted_by, snapshot, snapshot_hash,
			quorum, min_approvals, reject_at_first, eligible, required, state, decided_at)
		VALUES ($1, $2, $3, $4, $5, $6, 'all', 1, false, ARRAY[$4::bigint], 1, 'approved', now())`,
		f.anna.EntityID, risk.KindAnalysis, strconv.FormatInt(a.ID, 10), f.anna.UserID, string(doc), approval.Hash(doc)); err != nil {
		t.Fatal(err)
	}
	for i := 0; i < 2; i++ { // the second time from the kept hash
		if st := standing(); st.Standing != approval.Approved || st.CurrentHash != approval.Hash(doc) {
			t.Fatalf("after the approval (%d): %s %s", i, st.Standing, st.CurrentHash)
		}
	}
	if _, err := f.pool.Exec(f.ctx, `UPDATE risk_suppliers SET notes = 'Gesprek gepland' WHERE analysis_id = $1`, a.ID); err != nil {
		t.Fatal(err)
	}
	if st := standing(); st.Standing != approval.Approved {
		t.Errorf("a supplier's notes are not approved content, yet the standing is %s", st.Standing)
	}
	seen := map[string]bool{approval.Hash(doc): true}
	for _, change := range []struct{ name, sql string }{
		{"a scenario's justification", `UPDATE risk_scenarios SET treatment_justification = 'Anders' WHERE analysis_id = $1 AND threat_code = 'ransomware'`},
		{"a jewel's name", `UPDATE risk_jewels SET name = 'SCADA-zuivering' WHERE analysis_id = $1 AND name = 'SCADA'`},
		{"an entity threat's name", `UPDATE risk_threats SET name = 'Vervuiling grondwater' WHERE name = 'Vervuiling bron' AND $1 > 0`},
		{"a deleted scenario", `DELETE FROM risk_scenarios WHERE analysis_id = $1 AND threat_code = 'utility_outage'`},
		{"a new scenario", `INSERT INTO risk_scenarios (entity_id, analysis_id, jewel_id, threat_code, availability, inherent_likelihood,
			inherent_impact, inherent_level, residual_likelihood, residual_impact, residual_level)
			SELECT entity_id, analysis_id, id, 'ddos', true, 2, 2, 1, 2, 2, 1 FROM risk_jewels WHERE analysis_id = $1 AND name = 'Telemetrie'`},
		{"the analysis's period", `UPDATE risk_analyses SET period = '2027-bis', version = version + 1 WHERE id = $1`},
	} {
		tag, err := f.pool.Exec(f.ctx, change.sql, a.ID)
		if err != nil || tag.RowsAffected() == 0 {
			t.Fatalf("%s: %v (%d rows)", change.name, err, tag.RowsAffected())
		}
		st := standing()
		want := approval.Hash(expectedContent(t, f, a.ID))
		if st.Standing != approval.Outdated || st.CurrentHash != want || seen[want] || len(st.Changes) == 0 {
			t.Errorf("after %s: %s with %d changes, hash %s, want outdated and the new content's %s", change.name, st.Standing,
				len(st.Changes), st.CurrentHash, want)
		}
		seen[want] = true
	}
}
