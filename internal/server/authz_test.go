package server_test

import (
	"context"
	"net/http"
	"net/url"
	"sort"
	"strconv"
	"strings"
	"testing"

	"github.com/go-chi/chi/v5"
	"github.com/jackc/pgx/v5"

	"github.com/weerbaar/weerbaar/internal/apptest"
	"github.com/weerbaar/weerbaar/internal/audit"
	"github.com/weerbaar/weerbaar/internal/auth"
	"github.com/weerbaar/weerbaar/internal/authz"
	"github.com/weerbaar/weerbaar/internal/db"
	"github.com/weerbaar/weerbaar/internal/entity"
	"github.com/weerbaar/weerbaar/internal/server"
)

// TestEveryRouteDeclaresItsAccess fails when a route is registered outside the
// route table (and so without a declared permission), or an entity route has
// no permission.
func TestEveryRouteDeclaresItsAccess(t *testing.T) {
	t.Parallel()
	a := apptest.Start(t, apptest.Options{})
	declared := map[string]server.Route{}
	for _, rt := range a.Server.Routes() {
		declared[rt.Method+" "+rt.Pattern] = rt
		if rt.Access == server.InEntity && rt.Permission == "" {
			t.Errorf("%s %s: entity route without a permission", rt.Method, rt.Pattern)
		}
		if strings.HasPrefix(rt.Pattern, "/e/") != (rt.Access == server.InEntity) {
			t.Errorf("%s %s: entity routes live under /e/{entityID}/ and only there", rt.Method, rt.Pattern)
		}
	}
	walked := 0
	_ = chi.Walk(a.Server.Router(), func(method, route string, _ http.Handler, _ ...func(http.Handler) http.Handler) error {
		walked++
		if _, ok := declared[method+" "+route]; !ok {
			t.Errorf("%s %s is routed but not in the route table", method, route)
		}
		return nil
	})
	if walked != len(declared) {
		t.Errorf("router has %d routes, table %d", walked, len(declared))
	}
}

// TestAuthorisationMatrix walks every route for anonymous visitors and every
// role, and checks the status the permission table implies.
func TestAuthorisationMatrix(t *testing.T) {
	t.Parallel()
	a := apptest.Start(t, apptest.Options{})
	entityID := a.SeedDemo(t)
	target := addMember(t, a, entityID, "target@demo.weerbaar.test", authz.Auditor)
	routes := matrixOrder(a.Server.Routes())
	// Two evidence items of the demo: one whose version is downloaded, one
	// that the routes may change or delete.
	var items []int64
	rows, err := a.Pool.Query(context.Background(), `SELECT id FROM evidence_items WHERE kind = 'file' AND entity_id = $1 ORDER BY id LIMIT 2`, entityID)
	if err == nil {
		items, err = pgx.CollectRows(rows, pgx.RowTo[int64])
	}
	if err != nil || len(items) < 2 {
		t.Fatalf("demo evidence: %v %v", items, err)
	}
	var versionID int64
	if err := a.Pool.QueryRow(context.Background(), `SELECT id FROM evidence_versions WHERE item_id = $1`, items[0]).Scan(&versionID); err != nil {
		t.Fatal(err)
	}
	// A finished evidence package of the demo.
	insertPackage(t, a, entityID)
	// A record of each kind of the demo's newest risk analysis.
	riskIDs := map[string]string{}
	for param, table := range map[string]string{"{analysisID}": "risk_analyses", "{jewelID}": "risk_jewels",
		"{supplierID}": "risk_suppliers", "{scenarioID}": "risk_scenarios", "{threatID}": "risk_threats",
		"{recordID}": "training_records", "{mitigationID}": "risk_mitigations", "{reportID}": "board_reports",
		"{incidentID}": "incidents", "{actionID}": "incident_actions", "{exerciseID}": "response_exercises",
		"{followupID}": "response_exercise_actions", "{packageID}": "report_packages"} {
		var id int64
		if err := a.Pool.QueryRow(context.Background(), `SELECT max(id) FROM `+table+` WHERE entity_id = $1`, entityID).Scan(&id); err != nil {
			t.Fatalf("demo %s: %v", table, err)
		}
		riskIDs[param] = strconv.FormatInt(id, 10)
	}
	// The demo's first approval request (decided: withdrawing it is a
	// conflict for those who may withdraw, not a change).
	var requestID int64
	if err := a.Pool.QueryRow(context.Background(), `SELECT min(id) FROM approval_requests WHERE entity_id = $1`, entityID).Scan(&requestID); err != nil {
		t.Fatalf("demo approval request: %v", err)
	}
	riskIDs["{requestID}"] = strconv.FormatInt(requestID, 10)
	fill := func(p string) string {
		// The register's page of an item reads the one no route deletes.
		if p == "/e/{entityID}/evidence/{itemID}" {
			p = strings.Replace(p, "{itemID}", strconv.FormatInt(items[0], 10), 1)
		}
		for param, id := range riskIDs {
			p = strings.ReplaceAll(p, param, id)
		}
		code := "1.1"
		if strings.Contains(p, "/measures/") || strings.Contains(p, "/sensitivities/") {
			code = "a"
		}
		r := strings.NewReplacer("{entityID}", strconv.FormatInt(entityID, 10), "{userID}", strconv.FormatInt(target, 10),
			"{token}", "no-such-token", "*", "css/app.css", "{code}", code, "{itemID}", strconv.FormatInt(items[1], 10),
			"{versionID}", strconv.FormatInt(versionID, 10), "{subjectType}", "requirement", "{subjectRef}", "1.1",
			"{stage}", "notification", "{playbookKey}", "ransomware")
		return r.Replace(p)
	}

	anon := a.Client()
	for _, rt := range routes {
		resp := do(t, anon, rt.Method, fill(rt.Pattern))
		toLogin := resp.StatusCode == http.StatusSeeOther && strings.HasPrefix(resp.Header.Get("Location"), "/login")
		if rt.Access != server.Public && !toLogin {
			t.Errorf("anonymous %s %s: status %d location %q, want redirect to login", rt.Method, rt.Pattern, resp.StatusCode, resp.Header.Get("Location"))
		}
		if rt.Access == server.Public && resp.StatusCode == http.StatusForbidden {
			t.Errorf("anonymous %s %s: 403 on a public route", rt.Method, rt.Pattern)
		}
	}

	for _, role := range authz.Roles {
		c := a.LoginDemo(t, role)
		for _, rt := range routes {
			if rt.Access == server.Public {
				continue
			}
			resp := do(t, c, rt.Method, fill(rt.Pattern))
			got := resp.StatusCode
			toLogin := got == http.StatusSeeOther && strings.HasPrefix(resp.Header.Get("Location"), "/login")
			if rt.Pattern == "/logout" {
				if !toLogin {
					t.Errorf("%s logout: status %d location %q", role, got, resp.Header.Get("Location"))
				}
				continue
			}
			var allowed bool
			switch rt.Access {
			case server.SignedIn:
				allowed = true
			case server.InstanceAdmin:
				allowed = false // no demo account is an instance administrator
			case server.InEntity:
				allowed = authz.Allowed(role, rt.Permission)
			}
			if allowed && (got == http.StatusForbidden || got == http.StatusNotFound && rt.Method == http.MethodGet || toLogin) {
				t.Errorf("%s %s %s: status %d, want access", role, rt.Method, rt.Pattern, got)
			}
			if !allowed && got != http.StatusForbidden {
				t.Errorf("%s %s %s: status %d, want 403", role, rt.Method, rt.Pattern, got)
			}
		}
	}
}

// matrixOrder puts the routes that end a session or a membership last, so they
// do not change what the routes after them see.
func matrixOrder(routes []server.Route) []server.Route {
	out := append([]server.Route(nil), routes...)
	rank := func(r server.Route) int {
		switch {
		case strings.HasSuffix(r.Pattern, "/remove"), strings.HasSuffix(r.Pattern, "/delete"):
			return 1
		case r.Pattern == "/logout":
			return 2
		}
		return 0
	}
	sort.SliceStable(out, func(i, j int) bool { return rank(out[i]) < rank(out[j]) })
	return out
}

func do(t *testing.T, c *apptest.Client, method, path string) apptest.Response {
	t.Helper()
	if method == http.MethodPost {
		return c.PostForm(t, path, url.Values{})
	}
	return c.Get(t, path)
}

// TestEntityIsolation: a member of entity A gets 404 for every URL of entity
// B, and for B's users addressed through A's URLs.
func TestEntityIsolation(t *testing.T) {
	t.Parallel()
	a := apptest.Start(t, apptest.Options{})
	entityA := a.SeedDemo(t)
	entityB, adminB := createEntityWithAdmin(t, a, "other-org", "Andere Organisatie", "admin@other.test")
	c := a.LoginDemo(t, authz.Admin)
	for _, rt := range a.Server.Routes() {
		if rt.Access != server.InEntity {
			continue
		}
		path := strings.NewReplacer("{entityID}", strconv.FormatInt(entityB, 10), "{userID}", strconv.FormatInt(adminB, 10)).Replace(rt.Pattern)
		if resp := do(t, c, rt.Method, path); resp.StatusCode != http.StatusNotFound {
			t.Errorf("%s %s as admin of A: status %d, want 404", rt.Method, path, resp.StatusCode)
		}
		if !strings.Contains(rt.Pattern, "{userID}") {
			continue
		}
		path = strings.NewReplacer("{entityID}", strconv.FormatInt(entityA, 10), "{userID}", strconv.FormatInt(adminB, 10)).Replace(rt.Pattern)
		if resp := do(t, c, rt.Method, path); resp.StatusCode != http.StatusNotFound {
			t.Errorf("%s %s (user of B via A): status %d, want 404", rt.Method, path, resp.StatusCode)
		}
	}
	m, err := entity.GetMember(context.Background(), a.Pool, entityB, adminB)
	if err != nil || m.Role != authz.Admin || m.Disabled {
		t.Fatalf("entity B's admin was changed through A: %+v %v", m, err)
	}
}

// addMember creates an account with the demo password in an entity.
func addMember(t *testing.T, a *apptest.App, entityID int64, email string, role authz.Role) int64 {
	t.Helper()
	ctx := audit.WithMeta(context.Background(), audit.Meta{ActorEmail: "test"})
	var id int64
	err := db.InTx(ctx, a.Pool, func(tx pgx.Tx) error {
		if err := tx.QueryRow(ctx, `INSERT INTO users (email, name) VALUES ($1, $2) RETURNING id`, email, "Test "+email).Scan(&id); err != nil {
			return err
		}
		if err := auth.SetPasswordDirect(ctx, tx, id, testPassword); err != nil {
			return err
		}
		return entity.AddMembership(ctx, tx, entityID, id, role)
	})
	if err != nil {
		t.Fatal(err)
	}
	return id
}

const testPassword = "correct horse battery staple 42"

func createEntityWithAdmin(t *testing.T, a *apptest.App, slug, name, adminEmail string) (entityID, adminID int64) {
	t.Helper()
	ctx := audit.WithMeta(context.Background(), audit.Meta{ActorEmail: "test"})
	err := db.InTx(ctx, a.Pool, func(tx pgx.Tx) error {
		e, err := entity.Create(ctx, tx, entity.NewEntity{Slug: slug, Name: name})
		entityID = e.ID
		if err != nil {
			return err
		}
		// Tests sign in with a password only; MFA enforcement has tests of its own.
		_, err = tx.Exec(ctx, `UPDATE entities SET mfa_required = false WHERE id = $1`, e.ID)
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	return entityID, addMember(t, a, entityID, adminEmail, authz.Admin)
}
