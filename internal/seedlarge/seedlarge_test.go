package seedlarge_test

import (
	"context"
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/weerbaar/weerbaar/internal/apptest"
	"github.com/weerbaar/weerbaar/internal/audit"
	"github.com/weerbaar/weerbaar/internal/authz"
	"github.com/weerbaar/weerbaar/internal/dbtest"
	"github.com/weerbaar/weerbaar/internal/seedlarge"
)

// testOptions is a tenth of the full dataset over three entities, dated
// from a fixed day.
func testOptions() seedlarge.Options {
	return seedlarge.Options{Seed: seedlarge.DefaultSeed, Scale: 0.1, Entities: 3, Today: time.Date(2026, 11, 30, 0, 0, 0, 0, time.UTC)}
}

// TestSeedLargeBuildsTheDatasetAndItsPagesRender seeds a tenth of the
// dataset: the largest entity has the counts asked for, every requirement
// and Annex point of its edition is answered, every audit chain verifies,
// a second run changes nothing, and the officer opens the main pages of the
// largest entity, the auditor its audit log and the board member the
// board's screen.
func TestSeedLargeBuildsTheDatasetAndItsPagesRender(t *testing.T) {
	t.Parallel()
	a := apptest.Start(t, apptest.Options{})
	ctx := context.Background()
	res, err := seedlarge.Seed(ctx, a.Pool, testOptions())
	if err != nil {
		t.Fatal(err)
	}
	if !res.Created || len(res.Entities) != 3 {
		t.Fatalf("result: created %v, %d entities", res.Created, len(res.Entities))
	}
	big := res.Entities[0]
	want := big.Counts
	if want.Scenarios != 300 || want.Jewels != 30 || want.AuditRows != 10_000 || res.Entities[1].Counts.Scenarios != 30 {
		t.Fatalf("counts at scale 0.1: %+v, second %+v", want, res.Entities[1].Counts)
	}
	for _, c := range []struct {
		query string
		want  int
	}{
		{`SELECT count(*) FROM risk_jewels WHERE entity_id = $1`, want.Jewels},
		{`SELECT count(*) FROM risk_suppliers WHERE entity_id = $1`, want.Suppliers},
		{`SELECT count(*) FROM risk_scenarios WHERE entity_id = $1`, want.Scenarios},
		{`SELECT count(*) FROM evidence_items WHERE entity_id = $1`, want.Evidence},
		{`SELECT count(*) FROM incidents WHERE entity_id = $1`, want.Incidents},
		{`SELECT count(*) FROM approval_requests WHERE entity_id = $1`, want.Approvals},
		// The history plus the services' rows (scope, registration, factors).
		{`SELECT count(*) FROM audit_log WHERE entity_id = $1 AND at < $2`, want.AuditRows},
		{`SELECT count(*) FROM requirements r WHERE NOT EXISTS (SELECT 1 FROM entity_requirements s WHERE s.entity_id = $1 AND s.requirement_code = r.code)
			AND r.catalogue_version = (SELECT catalogue_edition FROM entities WHERE id = $1)`, 0},
		{`SELECT count(DISTINCT subject_type) FROM evidence_items WHERE entity_id = $1`, 10},
		{`SELECT count(*) FROM incident_timeline WHERE entity_id = $1 AND event LIKE 'report:%'`, -1},
		{`SELECT count(*) FROM approval_decisions WHERE entity_id = $1`, -1},
	} {
		var got int
		args := []any{big.ID}
		if strings.Contains(c.query, "$2") {
			args = append(args, testOptions().Today)
		}
		if err := a.Pool.QueryRow(ctx, c.query, args...).Scan(&got); err != nil {
			t.Fatalf("%s: %v", c.query, err)
		}
		if (c.want >= 0 && got != c.want) || (c.want < 0 && got == 0) {
			t.Errorf("%s: %d, want %d", c.query, got, c.want)
		}
	}
	var points, answered int
	if err := a.Pool.QueryRow(ctx, `SELECT (SELECT count(*) FROM entity_points WHERE entity_id = $1),
		(SELECT count(*) FROM entity_points WHERE entity_id = $1 AND state <> '')`, big.ID).Scan(&points, &answered); err != nil || points == 0 || points != answered {
		t.Errorf("points: %d answered of %d, %v", answered, points, err)
	}
	v, err := audit.Verify(ctx, a.Pool, 0, true)
	if err != nil || v.Broken != nil {
		t.Fatalf("audit chains: %+v, %v", v.Broken, err)
	}
	if v.Rows < 10_000+2*1_000 {
		t.Errorf("verified %d rows", v.Rows)
	}
	again, err := seedlarge.Seed(ctx, a.Pool, testOptions())
	if err != nil || again.Created || len(again.Entities) != 3 || again.Entities[0].ID != big.ID || again.Entities[0].Account(authz.SecurityOfficer).UserID == 0 {
		t.Fatalf("second run: %+v, %v", again, err)
	}

	officer := a.Login(t, big.Account(authz.SecurityOfficer).Email, seedlarge.Password)
	var incident, supplier, scenario, item, request int64
	var requirement string
	if err := a.Pool.QueryRow(ctx, `SELECT (SELECT max(id) FROM incidents WHERE entity_id = $1 AND significance = 'significant'),
			(SELECT max(id) FROM risk_suppliers WHERE entity_id = $1), (SELECT max(id) FROM risk_scenarios WHERE entity_id = $1 AND acceptance IS NOT NULL),
			(SELECT max(id) FROM evidence_items WHERE entity_id = $1 AND kind = 'file'), (SELECT max(id) FROM approval_requests WHERE entity_id = $1),
			(SELECT max(requirement_code) FROM entity_points WHERE entity_id = $1)`, big.ID).Scan(&incident, &supplier, &scenario, &item, &request, &requirement); err != nil {
		t.Fatal(err)
	}
	e := fmt.Sprintf("/e/%d", big.ID)
	for _, path := range []string{e + "/", fmt.Sprintf("%s/risks/%d/register", e, big.AnalysisID), e + "/evidence", e + "/incidents",
		e + "/measures", e + "/soa", fmt.Sprintf("%s/incidents/%d", e, incident), e + "/board/requests",
		fmt.Sprintf("%s/risks/%d", e, big.AnalysisID), fmt.Sprintf("%s/risks/%d/scenarios", e, big.AnalysisID), e + "/risks",
		fmt.Sprintf("%s/risks/suppliers/%d", e, supplier), fmt.Sprintf("%s/risks/scenarios/%d/resilience", e, scenario),
		fmt.Sprintf("%s/evidence/%d", e, item), fmt.Sprintf("%s/board/requests/%d", e, request), e + "/requirements/" + requirement,
		e + "/proportionality", e + "/scope", e + "/board/training", e + "/incidents/exercises", e + "/measures/a"} {
		if r := officer.Get(t, path); r.StatusCode != http.StatusOK {
			t.Errorf("officer GET %s: %d", path, r.StatusCode)
			t.Log(a.Logs())
		}
	}
	// The audit log is for those who may read it (authz.AuditRead): the
	// auditor and the admin, not the officer.
	auditor := a.Login(t, big.Account(authz.Auditor).Email, seedlarge.Password)
	for _, path := range []string{e + "/audit", e + "/audit?page=100", e + "/evidence"} {
		if r := auditor.Get(t, path); r.StatusCode != http.StatusOK {
			t.Errorf("auditor GET %s: %d", path, r.StatusCode)
		}
	}
	board := a.Login(t, big.Account(authz.BoardMember).Email, seedlarge.Password)
	if r := board.Get(t, e+"/board"); r.StatusCode != http.StatusOK {
		t.Errorf("board GET %s/board: %d\n%s", e, r.StatusCode, a.Logs())
	}
}

// TestSeedLargeIsReproducible: the same options give the same rows.
func TestSeedLargeIsReproducible(t *testing.T) {
	t.Parallel()
	o := testOptions()
	o.Entities, o.Scale = 1, 0.02
	digest := func() string {
		a := apptest.Start(t, apptest.Options{})
		if _, err := seedlarge.Seed(context.Background(), a.Pool, o); err != nil {
			t.Fatal(err)
		}
		var d string
		// Content without ids (sequences differ between databases) and
		// without what the services stamp with the clock.
		if err := a.Pool.QueryRow(context.Background(), `SELECT md5(string_agg(x, '|' ORDER BY x)) FROM (
			SELECT name || level || availability || integrity || confidentiality AS x FROM risk_jewels
			UNION ALL SELECT s.threat_code || s.inherent_likelihood || s.inherent_impact || s.residual_level || coalesce(s.treatment, '') || j.name
				FROM risk_scenarios s JOIN risk_jewels j ON j.id = s.jewel_id
			UNION ALL SELECT title || aware_at || status || significance FROM incidents
			UNION ALL SELECT title || subject_type || review_state FROM evidence_items
			UNION ALL SELECT action || at || changes::text FROM audit_log WHERE at < '2026-11-30') t`).Scan(&d); err != nil {
			t.Fatal(err)
		}
		return d
	}
	if a, b := digest(), digest(); a != b {
		t.Errorf("two runs differ: %s, %s", a, b)
	}
}

// BenchmarkSeedLarge measures building the full dataset on a fresh
// database (one run is a measurement; it takes a while):
//
//	go test -run '^$' -bench SeedLarge -benchtime 1x ./internal/seedlarge/
func BenchmarkSeedLarge(b *testing.B) {
	for b.Loop() {
		b.StopTimer()
		pool := dbtest.New(b)
		b.StartTimer()
		if _, err := seedlarge.Seed(context.Background(), pool, seedlarge.Full(time.Now())); err != nil {
			b.Fatal(err)
		}
	}
}
