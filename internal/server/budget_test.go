package server_test

import (
	"bufio"
	"context"
	"encoding/json"
	"github.com/weerbaar/weerbaar/internal/i18n"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/weerbaar/weerbaar/internal/apptest"
	"github.com/weerbaar/weerbaar/internal/authz"
	"github.com/weerbaar/weerbaar/internal/entity"
	"github.com/weerbaar/weerbaar/internal/pdfdoc/pdftext"
	"github.com/weerbaar/weerbaar/internal/server"
)

// queryBudget is the most SQL queries one page may take (ARCHITECTURE.md).
const queryBudget = 8

// budgetRoles are the roles the budget test signs in as: the officer sees
// every working page, the auditor the read-only pages with the audit trail,
// the admin the most on the dashboard (audit chain and MFA coverage).
var budgetRoles = []authz.Role{authz.SecurityOfficer, authz.Auditor, authz.Admin, authz.BoardMember}

// TestQueryBudget walks every GET route of the route table over the demo, as
// each role, and fails when a page takes more than queryBudget SQL
// queries (counted by the pool's tracer, as in the access log). A route with a
// URL parameter this test cannot fill fails the test, so a new route is never
// skipped silently: add its parameter to params (or codes) below.
// Run with -v to see every page's count.
func TestQueryBudget(t *testing.T) {
	t.Parallel()
	a := apptest.Start(t, apptest.Options{})
	entityID := a.SeedDemo(t)
	ctx := context.Background()
	var versionID int64
	if err := a.Pool.QueryRow(ctx, `SELECT v.id FROM evidence_versions v JOIN evidence_items i ON i.id = v.item_id
		WHERE i.entity_id = $1 ORDER BY v.id LIMIT 1`, entityID).Scan(&versionID); err != nil {
		t.Fatalf("demo evidence version: %v", err)
	}
	adminID := userID(t, a, "admin@demo.weerbaar.test")
	members := &entity.MemberService{Pool: a.Pool, Accounts: a.Auth}
	inv, err := members.Invite(ctx, authz.Actor{UserID: adminID, EntityID: entityID, Role: authz.Admin},
		entity.InviteInput{Email: "budget@demo.weerbaar.test", Name: "Budget", Role: string(authz.Auditor)})
	link := inv.Link
	if err != nil || !strings.Contains(link, "/set-password/") {
		t.Fatalf("invite for a set-password token: %q %v", link, err)
	}
	params := map[string]string{
		"{entityID}":  strconv.FormatInt(entityID, 10),
		"{versionID}": strconv.FormatInt(versionID, 10),
		"{token}":     link[strings.LastIndex(link, "/")+1:],
		"*":           "css/app.css",
		// A draft report of the demo's significant incident.
		"{stage}": "notification",
		// A playbook of the response plan.
		"{playbookKey}": "ransomware",
	}
	// A follow-up action on the incident {incidentID} names (the demo's
	// actions belong to its closed incident), so the action's page is walked.
	if _, err := a.Pool.Exec(ctx, `INSERT INTO incident_actions (entity_id, incident_id, title, requirement_code, due_date)
		SELECT $1, min(id), 'Budgetactie', '1.2', current_date FROM incidents WHERE entity_id = $1`, entityID); err != nil {
		t.Fatal(err)
	}
	// A finished evidence package, so its download is walked.
	insertPackage(t, a, entityID)
	// The risk analysis's records: the demo's newest cycle (in concept, so
	// its "new" forms are open) and a record of each kind in it.
	for param, sql := range map[string]string{
		"{analysisID}": `SELECT max(id) FROM risk_analyses WHERE entity_id = $1`,
		"{jewelID}":    `SELECT max(id) FROM risk_jewels WHERE entity_id = $1`,
		"{supplierID}": `SELECT max(id) FROM risk_suppliers WHERE entity_id = $1`,
		"{scenarioID}": `SELECT max(id) FROM risk_scenarios WHERE entity_id = $1`,
		"{threatID}":   `SELECT max(id) FROM risk_threats WHERE entity_id = $1`,
		"{recordID}":   `SELECT max(id) FROM training_records WHERE entity_id = $1`,
		"{reportID}":   `SELECT max(id) FROM board_reports WHERE entity_id = $1`,
		// The demo's significant incident, with its clock.
		"{incidentID}": `SELECT min(id) FROM incidents WHERE entity_id = $1`,
		// The demo's last action: done, with evidence.
		"{mitigationID}": `SELECT max(id) FROM risk_mitigations WHERE entity_id = $1`,
		"{requestID}":    `SELECT max(id) FROM approval_requests WHERE entity_id = $1`,
		"{actionID}":     `SELECT max(id) FROM incident_actions WHERE entity_id = $1`,
		// A demo evidence item (the register's detail page).
		"{itemID}": `SELECT min(id) FROM evidence_items WHERE entity_id = $1 AND deleted_at IS NULL`,
		// The demo's tabletop exercise and its open follow-up action.
		"{exerciseID}": `SELECT max(id) FROM response_exercises WHERE entity_id = $1`,
		"{followupID}": `SELECT max(id) FROM response_exercise_actions WHERE entity_id = $1`,
		"{packageID}":  `SELECT max(id) FROM report_packages WHERE entity_id = $1`,
	} {
		var id *int64
		if err := a.Pool.QueryRow(ctx, sql, entityID).Scan(&id); err != nil || id == nil {
			t.Fatalf("demo %s: %v", param, err)
		}
		params[param] = strconv.FormatInt(*id, 10)
	}
	// {code} depends on what it is a code of: the path segment before it.
	codes := map[string]string{"measures": "a", "requirements": "1.1"}
	fill := func(pattern string) (string, bool) {
		segs := strings.Split(pattern, "/")
		for i, seg := range segs {
			if !strings.HasPrefix(seg, "{") && seg != "*" {
				continue
			}
			v, ok := params[seg]
			if seg == "{code}" && i > 0 {
				v, ok = codes[segs[i-1]]
			}
			if !ok {
				return "", false
			}
			segs[i] = v
		}
		return strings.Join(segs, "/"), true
	}

	var pages []server.Route
	for _, rt := range a.Server.Routes() {
		if rt.Method == http.MethodGet {
			pages = append(pages, rt)
		}
	}
	dashboardCount := map[authz.Role]int{}
	for _, role := range budgetRoles {
		c := a.LoginDemo(t, role)
		for _, rt := range pages {
			path, ok := fill(rt.Pattern)
			if !ok {
				t.Errorf("GET %s: a URL parameter the budget test cannot fill; add it to params", rt.Pattern)
				continue
			}
			resp, n := c.GetCountingQueries(t, path)
			t.Logf("%-17s %2d queries  %d  GET %s", role, n, resp.StatusCode, rt.Pattern)
			if n > queryBudget {
				t.Errorf("%s GET %s: %d queries, budget %d", role, rt.Pattern, n, queryBudget)
			}
			if resp.StatusCode >= 500 {
				t.Errorf("%s GET %s: status %d", role, rt.Pattern, resp.StatusCode)
			}
			body := resp.Body
			if resp.Header.Get("Content-Type") == "application/pdf" {
				// A PDF's words, not its compressed bytes.
				body, _ = pdftext.TextIfAvailable(t, []byte(resp.Body))
			}
			if problem := untranslated(body); problem != "" {
				t.Errorf("%s GET %s: %s", role, rt.Pattern, problem)
			}
			if rt.Access == server.InEntity && authz.Allowed(role, rt.Permission) && resp.StatusCode != http.StatusOK {
				t.Errorf("%s GET %s: status %d, want the page itself", role, rt.Pattern, resp.StatusCode)
			}
			if rt.Pattern == "/e/{entityID}/" {
				dashboardCount[role] = n
			}
		}
	}

	// The access log carries the same count.
	var logged []int
	sc := bufio.NewScanner(strings.NewReader(a.Logs()))
	sc.Buffer(make([]byte, 1<<20), 1<<20)
	for sc.Scan() {
		var line struct {
			Msg     string `json:"msg"`
			Route   string `json:"route"`
			Queries *int   `json:"queries"`
		}
		if json.Unmarshal(sc.Bytes(), &line) == nil && line.Msg == "request" && line.Route == "/e/{entityID}" && line.Queries != nil {
			logged = append(logged, *line.Queries)
		}
	}
	var want []int
	for _, role := range budgetRoles {
		want = append(want, dashboardCount[role])
	}
	if !slices.Equal(logged, want) {
		t.Errorf("access log queries of the dashboard: %v, counted %v", logged, want)
	}
}

// TestPlainGetWritesNoSession checks that a page view that changes nothing in
// the session neither writes the session row nor sends a new cookie.
func TestPlainGetWritesNoSession(t *testing.T) {
	t.Parallel()
	a := apptest.Start(t, apptest.Options{})
	id := a.SeedDemo(t)
	c := a.LoginDemo(t, authz.SecurityOfficer)
	home := "/e/" + strconv.FormatInt(id, 10) + "/"
	var expiry1, expiry2 string
	readExpiry := func() string {
		var e string
		if err := a.Pool.QueryRow(context.Background(), `SELECT expiry::text FROM sessions WHERE token = $1`,
			sessionCookie(c, a).Value).Scan(&e); err != nil {
			t.Fatalf("session row: %v", err)
		}
		return e
	}
	expiry1 = readExpiry()
	for range 3 {
		r := c.Get(t, home)
		if r.StatusCode != http.StatusOK {
			t.Fatalf("dashboard: %d", r.StatusCode)
		}
		if sc := r.Header.Values("Set-Cookie"); len(sc) != 0 {
			t.Errorf("a plain GET sent a cookie: %q", sc)
		}
	}
	if expiry2 = readExpiry(); expiry2 != expiry1 {
		t.Errorf("a plain GET rewrote the session row: expiry %s → %s", expiry1, expiry2)
	}
}

// TestActiveSessionStaysAlive checks that requests that do not write the
// session on every GET still move its idle expiry: a user who keeps clicking
// stays signed in well past the idle timeout.
func TestActiveSessionStaysAlive(t *testing.T) {
	t.Parallel()
	a := apptest.Start(t, apptest.Options{Env: map[string]string{"WEERBAAR_SESSION_IDLE_TIMEOUT": "2s"}})
	id := a.SeedDemo(t)
	c := a.LoginDemo(t, authz.SecurityOfficer)
	home := "/e/" + strconv.FormatInt(id, 10) + "/"
	for i := range 5 { // 3.5 s in all, each request well within the idle timeout of the one before
		time.Sleep(700 * time.Millisecond)
		if r := c.Get(t, home); r.StatusCode != http.StatusOK {
			t.Fatalf("request %d of an active session: %d", i+1, r.StatusCode)
		}
	}
}

// catalogueKeys are the message keys of the Dutch catalogue; a page that
// shows one as text lost its translation.
var catalogueKeys = i18n.Keys(i18n.NL)

// untranslated names what a page shows that a user should never read: a
// message key as text (">risk.level.high<") or a fmt error ("%!d(MISSING)").
func untranslated(body string) string {
	if i := strings.Index(body, "%!"); i >= 0 {
		return "formatting error " + body[i:min(len(body), i+40)]
	}
	for _, k := range catalogueKeys {
		if strings.Contains(body, ">"+k+"<") || strings.Contains(body, "> "+k+" <") {
			return "raw message key " + k
		}
	}
	return ""
}
