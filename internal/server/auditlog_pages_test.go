package server_test

import (
	"context"
	"net/http"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/jackc/pgx/v5"

	"github.com/weerbaar/weerbaar/internal/apptest"
	"github.com/weerbaar/weerbaar/internal/audit"
	"github.com/weerbaar/weerbaar/internal/authz"
	"github.com/weerbaar/weerbaar/internal/db"
)

var auditSeqCell = regexp.MustCompile(`<td data-label="#">(\d+)</td>`)

// auditSeqs are the seqs of an audit log page's rows, in order.
func auditSeqs(body string) []int64 {
	var out []int64
	for _, m := range auditSeqCell.FindAllStringSubmatch(body, -1) {
		n, _ := strconv.ParseInt(m[1], 10, 64)
		out = append(out, n)
	}
	return out
}

// TestAuditLogPages pages through the demo's chain with 160 more rows by
// keyset on seq, 50 a page, newest first: the first, next, previous and
// last pages hold exactly the rows the chain has there, within the query
// budget, with the chain's length as the total; a filter survives paging
// and is not counted; a malformed cursor is a 400; another entity's rows
// never show, and its audit log is a 404.
func TestAuditLogPages(t *testing.T) {
	t.Parallel()
	a, id := startWithDemo(t, apptest.Options{})
	ctx := context.Background()
	var other int64
	if err := a.Pool.QueryRow(ctx, `INSERT INTO entities (slug, name) VALUES ('ander', 'Ander') RETURNING id`).Scan(&other); err != nil {
		t.Fatal(err)
	}
	for i := range 160 {
		entity, action := id, "measure.updated"
		if i%4 == 0 {
			action = "requirement.updated"
		}
		if i%5 == 0 {
			entity = other
		}
		if err := db.InTx(ctx, a.Pool, func(tx pgx.Tx) error {
			return audit.Record(ctx, tx, audit.Event{EntityID: entity, Action: action, ObjectType: "measure", ObjectID: "a"})
		}); err != nil {
			t.Fatal(err)
		}
	}
	chain := func(where string) []int64 {
		var seqs []int64
		if err := a.Pool.QueryRow(ctx, `SELECT array_agg(seq ORDER BY seq DESC) FROM audit_log WHERE entity_id = $1`+where, id).Scan(&seqs); err != nil {
			t.Fatal(err)
		}
		return seqs
	}
	all, reqs := chain(""), chain(` AND action = 'requirement.updated'`)
	if len(all) < 150 || len(reqs) < 40 || all[0] != int64(len(all)) {
		t.Fatalf("chain of %d rows (head %d), %d requirement rows", len(all), all[0], len(reqs))
	}
	c := a.LoginDemo(t, authz.Auditor)
	base := "/e/" + strconv.FormatInt(id, 10) + "/audit"
	first, n := c.GetCountingQueries(t, base)
	if first.StatusCode != http.StatusOK || n > queryBudget {
		t.Fatalf("first page: %d, %d queries", first.StatusCode, n)
	}
	if got := auditSeqs(first.Body); !slices.Equal(got, all[:50]) {
		t.Errorf("page 1: %v, want %v", got, all[:50])
	}
	if !strings.Contains(first.Body, tr(t, "audit.total", len(all))) {
		t.Errorf("page 1 does not give the chain's %d rows as its total", len(all))
	}
	links := pageLinks(first.Body)
	if links["first"] != "" || links["prev"] != "" || links["next"] == "" || links["last"] == "" {
		t.Fatalf("page 1 links: %v", links)
	}
	second, n := c.GetCountingQueries(t, links["next"])
	if n > queryBudget {
		t.Errorf("page 2: %d queries", n)
	}
	if got := auditSeqs(second.Body); !slices.Equal(got, all[50:100]) {
		t.Errorf("page 2: %v, want %v", got, all[50:100])
	}
	if back := c.Get(t, pageLinks(second.Body)["prev"]); !slices.Equal(auditSeqs(back.Body), all[:50]) {
		t.Errorf("previous of page 2: %v", auditSeqs(back.Body))
	}
	last, n := c.GetCountingQueries(t, links["last"])
	if n > queryBudget {
		t.Errorf("last page: %d queries", n)
	}
	if got := auditSeqs(last.Body); !slices.Equal(got, all[len(all)-50:]) {
		t.Errorf("last page: %v, want %v", got, all[len(all)-50:])
	}
	if l := pageLinks(last.Body); l["next"] != "" || l["last"] != "" || l["prev"] == "" || l["first"] == "" {
		t.Errorf("last page links: %v", l)
	}
	if back := c.Get(t, pageLinks(last.Body)["prev"]); !slices.Equal(auditSeqs(back.Body), all[len(all)-100:len(all)-50]) {
		t.Errorf("previous of the last page: %v", auditSeqs(back.Body))
	}

	// A filter is kept in every link; its rows are not counted.
	f1 := c.Get(t, base+"?action=requirement.updated")
	if got := auditSeqs(f1.Body); !slices.Equal(got, reqs[:min(50, len(reqs))]) || !strings.Contains(f1.Body, tr(t, "audit.filtered")) {
		t.Errorf("filtered page 1: %v, want %v", got, reqs)
	}
	if len(reqs) > 50 {
		f2 := c.Get(t, pageLinks(f1.Body)["next"])
		if got := auditSeqs(f2.Body); !slices.Equal(got, reqs[50:min(100, len(reqs))]) {
			t.Errorf("filtered page 2: %v", got)
		}
	}
	if fl := c.Get(t, pageLinks(f1.Body)["last"]); len(reqs) > 50 && !slices.Equal(auditSeqs(fl.Body), reqs[len(reqs)-50:]) {
		t.Errorf("filtered last page: %v", auditSeqs(fl.Body))
	}
	for _, href := range pageLinks(f1.Body) {
		if !strings.Contains(href, "action=requirement.updated") {
			t.Errorf("link %s drops the filter", href)
		}
	}

	// The other entity's rows share seqs with this chain's but never show.
	if got := auditSeqs(c.Get(t, base+"?after=10").Body); !slices.Equal(got, all[len(all)-9:]) {
		t.Errorf("rows before seq 10: %v", got)
	}
	if r := c.Get(t, "/e/"+strconv.FormatInt(other, 10)+"/audit"); r.StatusCode != http.StatusNotFound {
		t.Errorf("another entity's audit log: %d, want 404", r.StatusCode)
	}
	for _, bad := range []string{"?after=x", "?before=-3", "?after=0"} {
		if r := c.Get(t, base+bad); r.StatusCode != http.StatusBadRequest {
			t.Errorf("GET %s: %d, want 400", bad, r.StatusCode)
		}
	}
}
