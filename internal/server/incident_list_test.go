package server_test

import (
	"context"
	"net/http"
	"regexp"
	"slices"
	"strconv"
	"testing"

	"github.com/weerbaar/weerbaar/internal/apptest"
	"github.com/weerbaar/weerbaar/internal/authz"
)

var incidentAttr = regexp.MustCompile(`<tr data-incident="(\d+)"`)

func incidentIDs(body string) []int64 {
	var out []int64
	for _, m := range incidentAttr.FindAllStringSubmatch(body, -1) {
		n, _ := strconv.ParseInt(m[1], 10, 64)
		out = append(out, n)
	}
	return out
}

// TestIncidentListPages pages through a register of 123 incidents (and the
// demo's three) by keyset, 50 a page, newest first with ties by id: the
// first, next, previous and last pages hold exactly the rows the database
// sorts there, the status filter survives paging, a malformed cursor is a
// 400, and another entity's incidents — even with a cursor between them —
// never show; its register is a 404.
func TestIncidentListPages(t *testing.T) {
	t.Parallel()
	a, id := startWithDemo(t, apptest.Options{})
	ctx := context.Background()
	// Every third incident shares its aware time with the one before, so
	// the order needs the id as tie-breaker; every other one is closed.
	if _, err := a.Pool.Exec(ctx, `INSERT INTO incidents (entity_id, title, detected_at, aware_at, category, status)
		SELECT $1, 'Storing ' || n, now() - interval '400 days' + (n - n % 3) * interval '1 hour',
			now() - interval '400 days' + (n - n % 3) * interval '1 hour', 'outage', CASE WHEN n % 2 = 0 THEN 'closed' ELSE 'open' END
		FROM generate_series(1, 123) n`, id); err != nil {
		t.Fatal(err)
	}
	var other int64
	if err := a.Pool.QueryRow(ctx, `INSERT INTO entities (slug, name) VALUES ('ander', 'Ander') RETURNING id`).Scan(&other); err != nil {
		t.Fatal(err)
	}
	if _, err := a.Pool.Exec(ctx, `INSERT INTO incidents (entity_id, title, detected_at, aware_at, category)
		SELECT $1, 'Vreemd ' || n, now() - n * interval '7 hours', now() - n * interval '7 hours', 'outage'
		FROM generate_series(1, 60) n`, other); err != nil {
		t.Fatal(err)
	}
	want := func(status string) []int64 {
		var ids []int64
		if err := a.Pool.QueryRow(ctx, `SELECT array_agg(id ORDER BY aware_at DESC, id DESC) FROM incidents
			WHERE entity_id = $1 AND ($2 = '' OR status = $2)`, id, status).Scan(&ids); err != nil {
			t.Fatal(err)
		}
		return ids
	}
	all, closed := want(""), want("closed")
	if len(all) != 126 || len(closed) < 60 {
		t.Fatalf("seeded %d incidents, %d closed", len(all), len(closed))
	}
	c := a.LoginDemo(t, authz.Auditor)
	base := "/e/" + strconv.FormatInt(id, 10) + "/incidents"
	first, n := c.GetCountingQueries(t, base)
	if first.StatusCode != http.StatusOK || n > queryBudget {
		t.Fatalf("first page: %d, %d queries", first.StatusCode, n)
	}
	if got := incidentIDs(first.Body); !slices.Equal(got, all[:50]) {
		t.Errorf("page 1: %v, want %v", got, all[:50])
	}
	links := pageLinks(first.Body)
	if links["first"] != "" || links["prev"] != "" || links["next"] == "" || links["last"] == "" {
		t.Fatalf("page 1 links: %v", links)
	}
	second, n := c.GetCountingQueries(t, links["next"])
	if n > queryBudget {
		t.Errorf("page 2: %d queries", n)
	}
	if got := incidentIDs(second.Body); !slices.Equal(got, all[50:100]) {
		t.Errorf("page 2: %v, want %v", got, all[50:100])
	}
	third := c.Get(t, pageLinks(second.Body)["next"])
	if got := incidentIDs(third.Body); !slices.Equal(got, all[100:]) {
		t.Errorf("page 3: %v, want %v", got, all[100:])
	}
	if l := pageLinks(third.Body); l["next"] != "" || l["last"] != "" || l["prev"] == "" || l["first"] == "" {
		t.Errorf("page 3 links: %v", l)
	}
	if back := c.Get(t, pageLinks(second.Body)["prev"]); !slices.Equal(incidentIDs(back.Body), all[:50]) {
		t.Errorf("previous of page 2: %v", incidentIDs(back.Body))
	}
	last := c.Get(t, links["last"])
	if got := incidentIDs(last.Body); !slices.Equal(got, all[len(all)-50:]) {
		t.Errorf("last page: %v, want %v", got, all[len(all)-50:])
	}
	if l := pageLinks(last.Body); l["next"] != "" || l["prev"] == "" {
		t.Errorf("last page links: %v", l)
	}
	if back := c.Get(t, pageLinks(last.Body)["prev"]); !slices.Equal(incidentIDs(back.Body), all[len(all)-100:len(all)-50]) {
		t.Errorf("previous of the last page: %v", incidentIDs(back.Body))
	}

	// The status filter is kept in every link.
	f1 := c.Get(t, base+"?status=closed")
	if got := incidentIDs(f1.Body); !slices.Equal(got, closed[:50]) {
		t.Errorf("closed, page 1: %v, want %v", got, closed[:50])
	}
	f2 := c.Get(t, pageLinks(f1.Body)["next"])
	if got := incidentIDs(f2.Body); !slices.Equal(got, closed[50:min(100, len(closed))]) {
		t.Errorf("closed, page 2: %v, want %v", got, closed[50:])
	}
	fl := c.Get(t, pageLinks(f1.Body)["last"])
	if got := incidentIDs(fl.Body); !slices.Equal(got, closed[len(closed)-50:]) {
		t.Errorf("closed, last page: %v", got)
	}

	// Another entity's incidents never show, whatever the cursor; its
	// register is not this user's.
	for _, page := range [][]int64{incidentIDs(first.Body), incidentIDs(second.Body), incidentIDs(last.Body)} {
		for _, inc := range page {
			if !slices.Contains(all, inc) {
				t.Errorf("incident %d of another entity listed", inc)
			}
		}
	}
	var otherIncident int64
	if err := a.Pool.QueryRow(ctx, `SELECT min(id) FROM incidents WHERE entity_id = $1`, other).Scan(&otherIncident); err != nil {
		t.Fatal(err)
	}
	if r := c.Get(t, base+"?after=1000."+strconv.FormatInt(otherIncident, 10)); r.StatusCode != http.StatusOK {
		t.Errorf("cursor naming another entity's incident: %d", r.StatusCode)
	} else {
		for _, inc := range incidentIDs(r.Body) {
			if !slices.Contains(all, inc) {
				t.Errorf("incident %d of another entity listed", inc)
			}
		}
	}
	if r := c.Get(t, "/e/"+strconv.FormatInt(other, 10)+"/incidents"); r.StatusCode != http.StatusNotFound {
		t.Errorf("another entity's register: %d, want 404", r.StatusCode)
	}
	if r := c.Get(t, base+"/"+strconv.FormatInt(otherIncident, 10)); r.StatusCode != http.StatusNotFound {
		t.Errorf("another entity's incident through this entity: %d, want 404", r.StatusCode)
	}
	for _, bad := range []string{"?after=x", "?before=1.0", "?after=12"} {
		if r := c.Get(t, base+bad); r.StatusCode != http.StatusBadRequest {
			t.Errorf("GET %s: %d, want 400", bad, r.StatusCode)
		}
	}
}
