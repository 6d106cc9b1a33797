package server_test

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/weerbaar/weerbaar/internal/apptest"
	"github.com/weerbaar/weerbaar/internal/authz"
	"github.com/weerbaar/weerbaar/internal/incident"
)

// TestIncidentTypeCriteria: the entity-type criteria of Regulation
// 2024/2690 (Art. 3(1)(g), Art. 5–14) show only for the entity's types. The
// demo water company sees none and may not answer them (422); once it is a
// cloud provider its incident page shows the Art. 7 fieldset within the
// query budget, "completely unavailable for more than 30 minutes: yes" makes
// the incident significant with that reason and starts the report clock,
// the answers are stored and audit-logged, and a code of another type or a
// value other than yes/no/unknown is a 422.
func TestIncidentTypeCriteria(t *testing.T) {
	t.Parallel()
	a, id := startWithDemo(t, apptest.Options{})
	ctx := context.Background()
	base := "/e/" + strconv.FormatInt(id, 10) + "/incidents"
	officer := a.LoginDemo(t, authz.SecurityOfficer)
	version := func(incID int64) string {
		return strconv.FormatInt(firstID(t, a, `SELECT version FROM incidents WHERE id = $1`, incID), 10)
	}
	general := func(incID int64) url.Values {
		return url.Values{"version": {version(incID)}, "loss_eur": {"0"}, "trade_secrets": {"no"}, "death": {"no"},
			"health_damage": {"no"}, "malicious_access": {"no"}, "operational_disruption": {"no"}}
	}

	// The water company: no type criteria on the page, none accepted.
	demoInc := firstID(t, a, `SELECT min(id) FROM incidents WHERE entity_id = $1`, id)
	demoPage := fmt.Sprintf("%s/%d", base, demoInc)
	r := officer.Get(t, demoPage)
	if r.StatusCode != http.StatusOK || strings.Contains(r.Body, `data-testid="type-criteria-`) ||
		strings.Contains(r.Body, tr(t, "incident.sig.types")) || !strings.Contains(r.Body, `data-testid="significance-form"`) {
		t.Fatalf("water company: %d, want the checklist without type criteria\n%s", r.StatusCode, r.Body)
	}
	sig := general(demoInc)
	sig.Set("type_art7_a", "yes")
	if r = officer.PostForm(t, demoPage+"/significance", sig); r.StatusCode != http.StatusUnprocessableEntity ||
		!strings.Contains(r.Body, tr(t, "incident.error.type_criterion")) {
		t.Fatalf("water company answering Art. 7(a): %d, want 422\n%s", r.StatusCode, r.Body)
	}

	// Now an important cloud provider, with a new incident.
	bindEntity(t, a, id)
	now := time.Now()
	in := url.Values{"version": {"0"}, "title": {"Storing opslagcluster"}, "description": {"Opslag niet bereikbaar"},
		"detected_at": {incident.LocalValue(now.Add(-2 * time.Hour))}, "aware_at": {incident.LocalValue(now.Add(-time.Hour))},
		"category": {"outage"}}
	r = officer.PostForm(t, base, in)
	if r.StatusCode != http.StatusSeeOther {
		t.Fatalf("create: %d %s", r.StatusCode, r.Body)
	}
	page := r.Header.Get("Location")
	incID, err := strconv.ParseInt(page[strings.LastIndex(page, "/")+1:], 10, 64)
	if err != nil {
		t.Fatalf("location %q", page)
	}
	officer.Get(t, page) // shows and clears the flash, a session write
	r, n := officer.GetCountingQueries(t, page)
	if r.StatusCode != http.StatusOK || !strings.Contains(r.Body, `data-testid="type-criteria-cloud"`) ||
		!strings.Contains(r.Body, tr(t, "incident.sig.types.cloud")) || !strings.Contains(r.Body, `name="type_art7_a"`) ||
		!strings.Contains(r.Body, `name="type_art7_d"`) || strings.Contains(r.Body, `data-testid="type-criteria-dns"`) ||
		strings.Contains(r.Body, `name="type_art8_a"`) || !strings.Contains(r.Body, `data-outcome="undetermined"`) {
		t.Fatalf("cloud provider: %d, want the Art. 7 fieldset only\n%s", r.StatusCode, r.Body)
	}
	if n > 8 {
		t.Errorf("incident page of a cloud provider: %d queries, budget 8", n)
	}
	// The unanswered type criteria keep the outcome open, and say so.
	if !strings.Contains(r.Body, tr(t, "incident.sig.reason.type_unknown", "art. 7(a)", tr(t, "incident.sig.type.art7_a"))) {
		t.Errorf("no reason for the unanswered Art. 7(a)")
	}

	// A code of another type, or an answer that is not one: 422, input kept.
	sig = general(incID)
	sig.Set("type_art5_a", "yes")
	if r = officer.PostForm(t, page+"/significance", sig); r.StatusCode != http.StatusUnprocessableEntity ||
		!strings.Contains(r.Body, tr(t, "incident.error.type_criterion")) {
		t.Fatalf("cloud provider answering Art. 5(a): %d, want 422\n%s", r.StatusCode, r.Body)
	}
	sig = general(incID)
	sig.Set("type_art7_b", "maybe")
	if r = officer.PostForm(t, page+"/significance", sig); r.StatusCode != http.StatusUnprocessableEntity {
		t.Fatalf("answer maybe: %d, want 422", r.StatusCode)
	}

	// Completely unavailable for more than 30 minutes: yes.
	sig = general(incID)
	sig.Set("type_art7_a", "yes")
	sig.Set("type_art7_b", "no")
	sig.Set("type_art7_c", "no")
	sig.Set("type_art7_d", "unknown")
	if r = officer.PostForm(t, page+"/significance", sig); r.StatusCode != http.StatusSeeOther {
		t.Fatalf("significance: %d %s", r.StatusCode, r.Body)
	}
	r = officer.Get(t, page)
	met := tr(t, "incident.sig.reason.type_met", "art. 7(a)", tr(t, "incident.sig.type.art7_a"))
	if !strings.Contains(r.Body, `data-outcome="significant"`) || !strings.Contains(r.Body, `data-testid="clock"`) ||
		!strings.Contains(r.Body, met) {
		t.Fatalf("after Art. 7(a) yes: not significant with the reason and a clock\n%s", r.Body)
	}
	var due, aware time.Time
	if err := a.Pool.QueryRow(ctx, `SELECT r.due_at, i.aware_at FROM incident_reports r JOIN incidents i ON i.id = r.incident_id
		WHERE r.incident_id = $1 AND r.stage = 'notification'`, incID).Scan(&due, &aware); err != nil {
		t.Fatalf("no notification on the clock: %v", err)
	}
	if due.Sub(aware) != 72*time.Hour {
		t.Errorf("notification due %v after aware, want 72h", due.Sub(aware))
	}
	var stored, audited string
	if err := a.Pool.QueryRow(ctx, `SELECT type_answers::text FROM incidents WHERE id = $1`, incID).Scan(&stored); err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{`"art7_a": "yes"`, `"art7_b": "no"`, `"art7_c": "no"`, `"art7_d": "unknown"`} {
		if !strings.Contains(stored, want) {
			t.Errorf("type_answers %s, want %s", stored, want)
		}
	}
	if err := a.Pool.QueryRow(ctx, `SELECT changes->'after'->>'type_answers' FROM audit_log WHERE entity_id = $1
		AND action = 'incident.significance_assessed' AND object_id = $2 ORDER BY id DESC LIMIT 1`, id, strconv.FormatInt(incID, 10)).Scan(&audited); err != nil {
		t.Fatal(err)
	}
	if audited != "art7_a: yes, art7_b: no, art7_c: no, art7_d: unknown" {
		t.Errorf("audit after type_answers %q", audited)
	}
	// The saved answers are what the form shows.
	if !strings.Contains(r.Body, `<option value="yes" selected`) {
		t.Errorf("the saved yes is not selected on the form")
	}

	// Planned maintenance still does not count.
	sig = general(incID)
	sig.Set("type_art7_a", "yes")
	sig.Set("planned_maintenance", "1")
	if r = officer.PostForm(t, page+"/significance", sig); r.StatusCode != http.StatusSeeOther {
		t.Fatalf("planned maintenance: %d %s", r.StatusCode, r.Body)
	}
	if got := firstIDText(t, a, `SELECT significance FROM incidents WHERE id = $1`, incID); got != string(incident.NotSignificant) {
		t.Errorf("planned maintenance with Art. 7(a) yes: %s, want not significant", got)
	}
}

func firstIDText(t *testing.T, a *apptest.App, sql string, args ...any) string {
	t.Helper()
	var s string
	if err := a.Pool.QueryRow(context.Background(), sql, args...).Scan(&s); err != nil {
		t.Fatalf("%s: %v", sql, err)
	}
	return s
}
