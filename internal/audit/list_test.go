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

	objectIDs := func(rows []audit.Listed) []string {
		var ids []string
		for _, r := range rows {
			ids = append(ids, r.ObjectID+"/"+r.Action)
		}
		return ids
	}
	for _, c := range []struct {
		name string
		f    audit.Filter
		want []string // newest first
		// prev, next: whether the page says newer, older rows match.
		prev, next bool
	}{
		{"all of a", audit.Filter{EntityID: a}, []string{"m2/measure.update", "9/membership.role_changed",
			"2/user.loginx", "2/user.login", "1/user.logout", "m1/measure.update", "1/user.login"}, false, false},
		{"all of b", audit.Filter{EntityID: b}, []string{"2/user.login"}, false, false},
		{"actor substring, any case", audit.Filter{EntityID: a, Actor: " de.VRIES@gem "}, []string{
			"m2/measure.update", "1/user.logout", "m1/measure.update", "1/user.login"}, false, false},
		{"actor not found", audit.Filter{EntityID: a, Actor: "%"}, nil, false, false},
		{"action exact", audit.Filter{EntityID: a, Action: "user.login"}, []string{"2/user.login", "1/user.login"}, false, false},
		{"action prefix", audit.Filter{EntityID: a, Action: "user."}, []string{"2/user.loginx", "2/user.login",
			"1/user.logout", "1/user.login"}, false, false},
		{"action without dot is not a prefix", audit.Filter{EntityID: a, Action: "user"}, nil, false, false},
		{"object type", audit.Filter{EntityID: a, ObjectType: "measure"}, []string{"m2/measure.update", "m1/measure.update"}, false, false},
		{"from", audit.Filter{EntityID: a, From: mid}, []string{"m2/measure.update", "9/membership.role_changed",
			"2/user.loginx", "2/user.login"}, false, false},
		{"to", audit.Filter{EntityID: a, To: mid}, []string{"1/user.logout", "m1/measure.update", "1/user.login"}, false, false},
		{"from and to", audit.Filter{EntityID: a, From: mid.Add(-time.Hour), To: mid, Action: "user."},
			[]string{"1/user.logout", "1/user.login"}, false, false},
		{"combined", audit.Filter{EntityID: a, Actor: "bert", ObjectType: "user", Action: "user.login"}, []string{"2/user.login"}, false, false},
		{"first page", audit.Filter{EntityID: a, PerPage: 3}, []string{"m2/measure.update", "9/membership.role_changed", "2/user.loginx"}, false, true},
		{"next page: older than seq 5", audit.Filter{EntityID: a, PerPage: 3, After: 5}, []string{"2/user.login", "1/user.logout", "m1/measure.update"}, true, true},
		{"last of the next pages", audit.Filter{EntityID: a, PerPage: 3, After: 2}, []string{"1/user.login"}, true, false},
		{"previous page: newer than seq 1", audit.Filter{EntityID: a, PerPage: 3, Before: 1}, []string{"2/user.login", "1/user.logout", "m1/measure.update"}, true, true},
		{"previous page reaching the head", audit.Filter{EntityID: a, PerPage: 3, Before: 4}, []string{"m2/measure.update", "9/membership.role_changed", "2/user.loginx"}, false, true},
		{"last page: the oldest rows", audit.Filter{EntityID: a, PerPage: 3, Last: true}, []string{"1/user.logout", "m1/measure.update", "1/user.login"}, true, false},
		{"a whole chain on the last page", audit.Filter{EntityID: a, Last: true}, []string{"m2/measure.update", "9/membership.role_changed",
			"2/user.loginx", "2/user.login", "1/user.logout", "m1/measure.update", "1/user.login"}, false, false},
		{"filtered next page", audit.Filter{EntityID: a, Action: "user.", PerPage: 2, After: 5}, []string{"2/user.login", "1/user.logout"}, true, true},
		{"filtered last page", audit.Filter{EntityID: a, Action: "user.", PerPage: 3, Last: true}, []string{"2/user.login", "1/user.logout", "1/user.login"}, true, false},
		{"after wins over before", audit.Filter{EntityID: a, PerPage: 3, After: 3, Before: 6}, []string{"m1/measure.update", "1/user.login"}, true, false},
		{"page past the end", audit.Filter{EntityID: a, PerPage: 3, After: 1}, nil, true, false},
	} {
		page, err := audit.List(ctx, pool, c.f)
		if err != nil {
			t.Fatalf("%s: %v", c.name, err)
		}
		if got := objectIDs(page.Rows); !slices.Equal(got, c.want) || page.HasPrev != c.prev || page.HasNext != c.next {
			t.Errorf("%s: List = %v (prev %v, next %v), want %v (prev %v, next %v)", c.name, got, page.HasPrev, page.HasNext,
				c.want, c.prev, c.next)
		}
		for _, r := range page.Rows {
			if r.EntityID != c.f.EntityID {
				t.Errorf("%s: row %d of entity %d", c.name, r.ID, r.EntityID)
			}
			if r.At.Location() != time.UTC {
				t.Errorf("%s: at %v not in UTC", c.name, r.At)
			}
		}
	}

	if _, err := audit.List(ctx, pool, audit.Filter{}); !errors.Is(err, audit.ErrNoEntity) {
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

func TestListPageBounds(t *testing.T) {
	t.Parallel()
	for _, c := range []struct {
		in, want audit.Filter
	}{
		{audit.Filter{}, audit.Filter{PerPage: audit.DefaultPerPage}},
		{audit.Filter{PerPage: -1, After: -3, Before: -2}, audit.Filter{PerPage: audit.DefaultPerPage}},
		{audit.Filter{PerPage: 10, After: 7}, audit.Filter{PerPage: 10, After: 7}},
		{audit.Filter{PerPage: 10_000}, audit.Filter{PerPage: audit.MaxPerPage}},
		{audit.Filter{After: 7, Before: 9, Last: true}, audit.Filter{PerPage: audit.DefaultPerPage, After: 7}},
		{audit.Filter{Before: 9, Last: true}, audit.Filter{PerPage: audit.DefaultPerPage, Before: 9}},
		{audit.Filter{Last: true}, audit.Filter{PerPage: audit.DefaultPerPage, Last: true}},
	} {
		if got := c.in.Normalized(); got != c.want {
			t.Errorf("Normalized(%+v) = %+v, want %+v", c.in, got, c.want)
		}
	}

	pool := dbtest.New(t)
	a := newEntity(t, pool, "a-org")
	ctx := context.Background()
	for i := range 205 {
		record(t, ctx, pool, audit.Event{EntityID: a, Action: "measure.update", ObjectID: fmt.Sprint(i)})
	}
	page, err := audit.List(ctx, pool, audit.Filter{EntityID: a})
	if err != nil || len(page.Rows) != audit.DefaultPerPage || page.Rows[0].ObjectID != "204" || !page.HasNext {
		t.Fatalf("default page: %d rows, %v", len(page.Rows), err)
	}
	page, err = audit.List(ctx, pool, audit.Filter{EntityID: a, PerPage: 1000})
	if err != nil || len(page.Rows) != audit.MaxPerPage || page.Rows[0].ObjectID != "204" || !page.HasNext {
		t.Fatalf("max page: %d rows, %v", len(page.Rows), err)
	}
	// The last page is the oldest full page, newest first, not the rest
	// after whole pages from the head.
	page, err = audit.List(ctx, pool, audit.Filter{EntityID: a, Last: true})
	if err != nil || len(page.Rows) != audit.DefaultPerPage || page.Rows[0].ObjectID != "49" || page.Rows[49].ObjectID != "0" ||
		!page.HasPrev || page.HasNext {
		t.Fatalf("last page: %d rows, %v", len(page.Rows), err)
	}
}
