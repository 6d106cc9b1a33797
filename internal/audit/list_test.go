package audit_test

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"testing"
	"time"

	"github.com/weerbaar/weerbaar/internal/audit"
	"github.com/weerbaar/weerbaar/internal/dbtest"
)

func TestList(t *testing.T) {
	t.Parallel()
	pool := dbtest.New(t)
	a := newEntity(t, pool, "a-org")
	b := newEntity(t, pool, "b-org")
	anna := audit.WithMeta(context.Background(), audit.Meta{ActorID: 1, ActorEmail: "Anna.de.Vries@Gemeente.nl"})
	bert := audit.WithMeta(context.Background(), audit.Meta{ActorID: 2, ActorEmail: "bert@waterschap.nl"})

	// Period 1: 3 rows of a.
	record(t, anna, pool,
		audit.Event{EntityID: a, Action: "user.login", ObjectType: "user", ObjectID: "1"},
		audit.Event{EntityID: a, Action: "measure.update", ObjectType: "measure", ObjectID: "m1"},
		audit.Event{EntityID: a, Action: "user.logout", ObjectType: "user", ObjectID: "1"},
	)
	time.Sleep(5 * time.Millisecond)
	mid := time.Now()
	time.Sleep(5 * time.Millisecond)
	// Period 2: 4 rows of a; other entities' and instance rows throughout.
	record(t, bert, pool,
		audit.Event{EntityID: a, Action: "user.login", ObjectType: "user", ObjectID: "2"},
		audit.Event{EntityID: a, Action: "user.loginx", ObjectType: "user", ObjectID: "2"},
		audit.Event{EntityID: a, Action: "membership.role_changed", ObjectType: "membership", ObjectID: "9"},
		audit.Event{EntityID: b, Action: "user.login", ObjectType: "user", ObjectID: "2"},
		audit.Event{Action: "user.login_failed", ObjectType: "user"},
	)
	record(t, anna, pool, audit.Event{EntityID: a, Action: "measure.update", ObjectType: "measure", ObjectID: "m2"})
	ctx := context.Background()

	objectIDs := func(rows []audit.Row) []string {
		var ids []string
		for _, r := range rows {
			ids = append(ids, r.ObjectID+"/"+r.Action)
		}
		return ids
	}
	for _, c := range []struct {
		name  string
		f     audit.Filter
		want  []string // newest first
		total int
	}{
		{"all of a", audit.Filter{EntityID: a}, []string{"m2/measure.update", "9/membership.role_changed",
			"2/user.loginx", "2/user.login", "1/user.logout", "m1/measure.update", "1/user.login"}, 7},
		{"all of b", audit.Filter{EntityID: b}, []string{"2/user.login"}, 1},
		{"actor substring, any case", audit.Filter{EntityID: a, Actor: " de.VRIES@gem "}, []string{
			"m2/measure.update", "1/user.logout", "m1/measure.update", "1/user.login"}, 4},
		{"actor not found", audit.Filter{EntityID: a, Actor: "%"}, nil, 0},
		{"action exact", audit.Filter{EntityID: a, Action: "user.login"}, []string{"2/user.login", "1/user.login"}, 2},
		{"action prefix", audit.Filter{EntityID: a, Action: "user."}, []string{"2/user.loginx", "2/user.login",
			"1/user.logout", "1/user.login"}, 4},
		{"action without dot is not a prefix", audit.Filter{EntityID: a, Action: "user"}, nil, 0},
		{"object type", audit.Filter{EntityID: a, ObjectType: "measure"}, []string{"m2/measure.update", "m1/measure.update"}, 2},
		{"from", audit.Filter{EntityID: a, From: mid}, []string{"m2/measure.update", "9/membership.role_changed",
			"2/user.loginx", "2/user.login"}, 4},
		{"to", audit.Filter{EntityID: a, To: mid}, []string{"1/user.logout", "m1/measure.update", "1/user.login"}, 3},
		{"from and to", audit.Filter{EntityID: a, From: mid.Add(-time.Hour), To: mid, Action: "user."},
			[]string{"1/user.logout", "1/user.login"}, 2},
		{"combined", audit.Filter{EntityID: a, Actor: "bert", ObjectType: "user", Action: "user.login"}, []string{"2/user.login"}, 1},
		{"page 1", audit.Filter{EntityID: a, PerPage: 3}, []string{"m2/measure.update", "9/membership.role_changed", "2/user.loginx"}, 7},
		{"page 3", audit.Filter{EntityID: a, PerPage: 3, Page: 3}, []string{"1/user.login"}, 7},
		{"page past the end", audit.Filter{EntityID: a, PerPage: 3, Page: 4}, nil, 7},
	} {
		rows, total, err := audit.List(ctx, pool, c.f)
		if err != nil {
			t.Fatalf("%s: %v", c.name, err)
		}
		if got := objectIDs(rows); !slices.Equal(got, c.want) || total != c.total {
			t.Errorf("%s: List = %v (total %d), want %v (total %d)", c.name, got, total, c.want, c.total)
		}
		for _, r := range rows {
			if r.EntityID != c.f.EntityID {
				t.Errorf("%s: row %d of entity %d", c.name, r.ID, r.EntityID)
			}
			if r.At.Location() != time.UTC {
				t.Errorf("%s: at %v not in UTC", c.name, r.At)
			}
		}
	}

	if _, _, err := audit.List(ctx, pool, audit.Filter{}); !errors.Is(err, audit.ErrNoEntity) {
		t.Errorf("List without entity: err = %v, want ErrNoEntity", err)
	}
	actions, err := audit.Actions(ctx, pool, a)
	if err != nil {
		t.Fatal(err)
	}
	if want := []string{"measure.update", "membership.role_changed", "user.login", "user.loginx", "user.logout"}; !slices.Equal(actions, want) {
		t.Errorf("Actions(a) = %v, want %v", actions, want)
	}
	if actions, err := audit.Actions(ctx, pool, b); err != nil || !slices.Equal(actions, []string{"user.login"}) {
		t.Errorf("Actions(b) = %v, %v", actions, err)
	}
	if _, err := audit.Actions(ctx, pool, 0); !errors.Is(err, audit.ErrNoEntity) {
		t.Errorf("Actions without entity: err = %v, want ErrNoEntity", err)
	}
}

func TestListPerPageBounds(t *testing.T) {
	t.Parallel()
	for _, c := range []struct{ page, perPage, wantPage, wantPerPage int }{
		{0, 0, 1, audit.DefaultPerPage},
		{-3, -1, 1, audit.DefaultPerPage},
		{2, 10, 2, 10},
		{1, 10_000, 1, audit.MaxPerPage},
		{1 << 40, 10, 1, 10},
	} {
		f := audit.Filter{Page: c.page, PerPage: c.perPage}.Normalized()
		if f.Page != c.wantPage || f.PerPage != c.wantPerPage {
			t.Errorf("Normalized(page %d, per page %d) = %d, %d; want %d, %d", c.page, c.perPage, f.Page, f.PerPage, c.wantPage, c.wantPerPage)
		}
	}

	pool := dbtest.New(t)
	a := newEntity(t, pool, "a-org")
	ctx := context.Background()
	for i := range 205 {
		record(t, ctx, pool, audit.Event{EntityID: a, Action: "measure.update", ObjectID: fmt.Sprint(i)})
	}
	rows, total, err := audit.List(ctx, pool, audit.Filter{EntityID: a})
	if err != nil || len(rows) != audit.DefaultPerPage || total != 205 {
		t.Fatalf("default page: %d rows, total %d, %v", len(rows), total, err)
	}
	rows, _, err = audit.List(ctx, pool, audit.Filter{EntityID: a, PerPage: 1000})
	if err != nil || len(rows) != audit.MaxPerPage || rows[0].ObjectID != "204" {
		t.Fatalf("max page: %d rows, first %q, %v", len(rows), rows[0].ObjectID, err)
	}
}
