package db_test

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/weerbaar/weerbaar/internal/db"
	"github.com/weerbaar/weerbaar/internal/dbtest"
	"github.com/weerbaar/weerbaar/internal/demo"
	"github.com/weerbaar/weerbaar/internal/evidence"
	"github.com/weerbaar/weerbaar/internal/incident"
	"github.com/weerbaar/weerbaar/internal/seedlarge"
)

// notHeld are the entity_id tables row-level security leaves open on
// purpose: they decide access themselves (memberships are read at sign-in,
// across entities; invitations are answered before the user is a member).
var notHeld = map[string]bool{"memberships": true, "password_tokens": true}

// heldTables are the tables the policies hold: every table with an
// entity_id but notHeld, and the audit chains' verified points.
func heldTables(t *testing.T, owner *pgxpool.Pool) []string {
	t.Helper()
	rows, err := owner.Query(context.Background(), `SELECT c.table_name FROM information_schema.columns c
		JOIN information_schema.tables tb USING (table_schema, table_name)
		WHERE c.table_schema = 'public' AND c.column_name = 'entity_id' AND tb.table_type = 'BASE TABLE'
		ORDER BY 1`)
	if err != nil {
		t.Fatal(err)
	}
	names, err := pgx.CollectRows(rows, pgx.RowTo[string])
	if err != nil {
		t.Fatal(err)
	}
	var held []string
	for _, n := range names {
		if !notHeld[n] {
			held = append(held, n)
		}
	}
	return append(held, "audit_verified")
}

// TestEveryEntityTableIsHeldByRowLevelSecurity fails when a migration adds
// an entity-owned table without forcing row-level security and the entity
// policy on it.
func TestEveryEntityTableIsHeldByRowLevelSecurity(t *testing.T) {
	t.Parallel()
	owner := dbtest.New(t)
	tables := heldTables(t, owner)
	if len(tables) < 40 {
		t.Fatalf("found only %d entity tables: %v", len(tables), tables)
	}
	for _, name := range tables {
		var enabled, forced bool
		var policies int
		var using, check string
		err := owner.QueryRow(context.Background(), `SELECT c.relrowsecurity, c.relforcerowsecurity,
				(SELECT count(*) FROM pg_policies p WHERE p.tablename = c.relname AND p.policyname = 'entity_isolation'),
				coalesce((SELECT p.qual FROM pg_policies p WHERE p.tablename = c.relname AND p.policyname = 'entity_isolation'), ''),
				coalesce((SELECT p.with_check FROM pg_policies p WHERE p.tablename = c.relname AND p.policyname = 'entity_isolation'), '')
			FROM pg_class c WHERE c.relname = $1 AND c.relnamespace = 'public'::regnamespace`, name).Scan(&enabled, &forced, &policies, &using, &check)
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		if !enabled || !forced || policies != 1 {
			t.Errorf("%s: row-level security enabled %v, forced %v, entity policies %d; want true, true, 1 "+
				"(its migration must ENABLE and FORCE ROW LEVEL SECURITY and create the policy entity_isolation as 000047 writes it)",
				name, enabled, forced, policies)
		}
		// The scope is read once per statement (an init plan), never once
		// per row: every call of the scope functions is a scalar subquery.
		for _, expr := range []string{using, check} {
			calls := strings.Count(expr, "weerbaar_scope_entity()") + strings.Count(expr, "weerbaar_scope_all()")
			once := strings.Count(expr, "SELECT weerbaar_scope_entity()") + strings.Count(expr, "SELECT weerbaar_scope_all()")
			if calls != 2 || once != 2 {
				t.Errorf("%s: policy expression %q calls the scope functions %d times, %d of them as (SELECT …); "+
					"want both calls as scalar subqueries, as 000047 writes them", name, expr, calls, once)
			}
		}
	}
}

// scopedFixture is a database with the demo entity and two seed-large
// entities (every module's rows), the owner's pool and the app's.
type scopedFixture struct {
	owner, app *pgxpool.Pool
	a, b       int64 // the two seed-large entities
	tables     []string
}

func newScopedFixture(t *testing.T) scopedFixture {
	t.Helper()
	ctx := context.Background()
	owner, conn := dbtest.NewWithConnString(t)
	if _, err := demo.Seed(ctx, owner); err != nil {
		t.Fatal(err)
	}
	res, err := seedlarge.Seed(ctx, owner, seedlarge.Options{Seed: 7, Scale: 0.02, Entities: 2,
		Today: time.Date(2026, 11, 30, 0, 0, 0, 0, time.UTC)})
	if err != nil {
		t.Fatal(err)
	}
	app, err := db.NewAppPool(ctx, conn, "")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(app.Close)
	return scopedFixture{owner: owner, app: app, a: res.Entities[0].ID, b: res.Entities[1].ID, tables: heldTables(t, owner)}
}

func count(t *testing.T, ctx context.Context, q db.Querier, sql string, args ...any) int {
	t.Helper()
	var n int
	if err := q.QueryRow(ctx, sql, args...).Scan(&n); err != nil {
		t.Fatalf("%s: %v", sql, err)
	}
	return n
}

// TestRowLevelSecurityHoldsTheAppToItsEntity: as the app, a query without
// an entity in scope sees no entity's rows, and a query that forgets its
// `WHERE entity_id` sees only the scoped entity's — in every held table.
func TestRowLevelSecurityHoldsTheAppToItsEntity(t *testing.T) {
	t.Parallel()
	f := newScopedFixture(t)
	bg := context.Background()
	unscoped, inA := db.Unscoped(bg), db.ForEntity(bg, f.a)
	filled := 0
	for _, table := range f.tables {
		col := "entity_id"
		if table == "audit_verified" {
			col = "chain"
		}
		all := count(t, bg, f.owner, "SELECT count(*) FROM "+table)
		ofA := count(t, bg, f.owner, "SELECT count(*) FROM "+table+" WHERE "+col+" = $1", f.a)
		instance := 0 // the audit log's instance chain belongs to no entity
		if table == "audit_log" {
			instance = count(t, bg, f.owner, "SELECT count(*) FROM audit_log WHERE entity_id IS NULL")
		}
		if ofA > 0 && all-ofA-instance > 0 {
			filled++ // rows of A and of another entity: a leak would show
		}
		if got := count(t, unscoped, f.app, "SELECT count(*) FROM "+table); got != instance {
			t.Errorf("%s without an entity in scope: %d rows visible, want %d (of %d)", table, got, instance, all)
		}
		// The deliberately unscoped query: no WHERE at all.
		if got := count(t, inA, f.app, "SELECT count(*) FROM "+table); got != ofA+instance {
			t.Errorf("%s scoped to entity A: %d rows visible, want A's %d (of %d)", table, got, ofA+instance, all)
		}
		// Chain 0 of audit_verified is the instance chain; entity ids start at 1.
		if got := count(t, inA, f.app, "SELECT count(*) FROM "+table+" WHERE "+col+" NOT IN ($1, 0)", f.a); got != 0 {
			t.Errorf("%s scoped to entity A: %d rows of other entities visible", table, got)
		}
		if got := count(t, db.AcrossEntities(bg), f.app, "SELECT count(*) FROM "+table); got != all {
			t.Errorf("%s across entities: %d rows visible, want %d", table, got, all)
		}
	}
	// The fixture (the demo and two seed-large entities) must fill most
	// tables for A and another entity, or the checks above prove little.
	if filled < 28 { // 29 today
		t.Errorf("only %d of %d held tables have rows of entity A and of another entity", filled, len(f.tables))
	}
	t.Logf("%d of %d held tables have rows of entity A and of another entity", filled, len(f.tables))
}

// TestRowLevelSecurityRefusesWritesToAnotherEntity: scoped to entity A, the
// app can neither change B's rows (they are invisible: nothing is updated)
// nor insert a row for B.
func TestRowLevelSecurityRefusesWritesToAnotherEntity(t *testing.T) {
	t.Parallel()
	f := newScopedFixture(t)
	inA := db.ForEntity(context.Background(), f.a)
	var incidentOfB int64
	if err := f.owner.QueryRow(context.Background(), `SELECT min(id) FROM incidents WHERE entity_id = $1`, f.b).Scan(&incidentOfB); err != nil {
		t.Fatal(err)
	}
	// A handler bug that passes B's id to a store function while the
	// request is A's: the store's own WHERE asks for B, the wall says no.
	if _, err := incident.Get(inA, f.app, f.b, incidentOfB); !errors.Is(err, db.ErrNotFound) {
		t.Errorf("incident.Get of B's incident scoped to A: %v; want not found", err)
	}
	if _, err := incident.Get(db.ForEntity(context.Background(), f.b), f.app, f.b, incidentOfB); err != nil {
		t.Errorf("incident.Get of B's incident scoped to B: %v", err)
	}
	tag, err := f.app.Exec(inA, `UPDATE incidents SET title = 'overwritten' WHERE id = $1`, incidentOfB)
	if err != nil || tag.RowsAffected() != 0 {
		t.Errorf("update of B's incident scoped to A: %d rows, err %v; want 0 rows", tag.RowsAffected(), err)
	}
	if tag, err := f.app.Exec(inA, `DELETE FROM risk_scenarios WHERE entity_id = $1`, f.b); err != nil || tag.RowsAffected() != 0 {
		t.Errorf("delete of B's scenarios scoped to A: %d rows, err %v; want 0 rows", tag.RowsAffected(), err)
	}
	_, err = f.app.Exec(inA, `INSERT INTO approval_settings (entity_id) VALUES ($1)`, f.b)
	var pgErr *pgconn.PgError
	if !errors.As(err, &pgErr) || pgErr.Code != "42501" { // insufficient_privilege: new row violates the policy
		t.Errorf("insert of a row for B scoped to A: %v; want a row-level security violation", err)
	}
	// The app cannot rewrite the audit log at all (append-only by grant as
	// well as by trigger).
	if _, err := f.app.Exec(db.AcrossEntities(context.Background()), `DELETE FROM audit_log WHERE entity_id = $1`, f.a); !errors.As(err, &pgErr) || pgErr.Code != "42501" {
		t.Errorf("delete from the audit log as the app: %v; want permission denied", err)
	}
}

// TestConnectionScopeDoesNotLeak: a connection that served entity A and
// goes back to the pool serves an unscoped query with no rows, and entity
// B's with B's — one connection, so it is the same one each time.
func TestConnectionScopeDoesNotLeak(t *testing.T) {
	t.Parallel()
	f := newScopedFixture(t)
	cfg := f.app.Config().Copy()
	cfg.MaxConns = 1
	one, err := pgxpool.NewWithConfig(context.Background(), cfg)
	if err != nil {
		t.Fatal(err)
	}
	defer one.Close()
	bg := context.Background()
	ofA := count(t, bg, f.owner, `SELECT count(*) FROM incidents WHERE entity_id = $1`, f.a)
	ofB := count(t, bg, f.owner, `SELECT count(*) FROM incidents WHERE entity_id = $1`, f.b)
	for i, c := range []struct {
		ctx  context.Context
		want int
	}{
		{db.ForEntity(bg, f.a), ofA}, {db.Unscoped(bg), 0}, {db.ForEntity(bg, f.b), ofB}, {bg, 0},
		{db.ForEntity(bg, f.a), ofA}, {db.ForEntity(bg, f.a), ofA}, {db.AcrossEntities(bg), ofA + ofB + count(t, bg, f.owner, `SELECT count(*) FROM incidents WHERE entity_id NOT IN ($1, $2)`, f.a, f.b)},
	} {
		if got := count(t, c.ctx, one, `SELECT count(*) FROM incidents`); got != c.want {
			t.Errorf("step %d: %d incidents visible, want %d", i, got, c.want)
		}
	}
	// A transaction scoped to a new entity (creating it with its first
	// rows) ends with its transaction: the connection is unscoped after it.
	err = db.InTx(db.Unscoped(bg), one, func(tx pgx.Tx) error {
		if err := db.ScopeTx(bg, tx, f.b); err != nil {
			return err
		}
		if n := count(t, bg, tx, `SELECT count(*) FROM incidents`); n != ofB {
			t.Errorf("in the transaction scoped to B: %d incidents, want %d", n, ofB)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if n := count(t, db.Unscoped(bg), one, `SELECT count(*) FROM incidents`); n != 0 {
		t.Errorf("after the scoped transaction: %d incidents visible unscoped, want 0", n)
	}
}

// TestTheAppMayNotBypassRowLevelSecurity: the check at start-up refuses a
// superuser pool (the tests' owner is one) and accepts the app's.
func TestTheAppMayNotBypassRowLevelSecurity(t *testing.T) {
	t.Parallel()
	owner, conn := dbtest.NewWithConnString(t)
	if err := db.CheckHeldByPolicies(context.Background(), owner); err == nil {
		t.Error("a superuser pool passed the check")
	}
	app, err := db.NewAppPool(context.Background(), conn, "")
	if err != nil {
		t.Fatal(err)
	}
	defer app.Close()
	if err := db.CheckHeldByPolicies(context.Background(), app); err != nil {
		t.Errorf("the app's pool: %v", err)
	}
	var user string
	if err := app.QueryRow(context.Background(), `SELECT current_user`).Scan(&user); err != nil || user != db.AppRole {
		t.Errorf("the app's connections act as %q (%v), want %s", user, err, db.AppRole)
	}
}

// TestAuditChainLookupsUseTheIndexUnderRowLevelSecurity: as the app, the
// lookup of a chain's head (before every audit write) is an index condition
// on the chain index, not a filter over the whole table — PostgreSQL lets
// only leak-proof expressions through the policies into an index (000046).
func TestAuditChainLookupsUseTheIndexUnderRowLevelSecurity(t *testing.T) {
	t.Parallel()
	f := newScopedFixture(t)
	plan := f.explain(t, `SET LOCAL enable_seqscan = off`, `SELECT seq, hash FROM audit_log
		WHERE (CASE WHEN entity_id IS NULL THEN 0 ELSE entity_id END) = $1 ORDER BY seq DESC LIMIT 1`, f.a)
	if !strings.Contains(plan, "audit_log_chain_seq_idx") || !strings.Contains(plan, "Index Cond: (CASE") {
		t.Errorf("the chain head lookup does not use the chain index as its condition:\n%s", plan)
	}
}

// explain is the plan of query as the app, scoped to entity a, after the
// planner settings in set (SET LOCAL statements, or "").
func (f scopedFixture) explain(t *testing.T, set, query string, args ...any) string {
	t.Helper()
	ctx := db.ForEntity(context.Background(), f.a)
	var plan string
	err := db.InTx(ctx, f.app, func(tx pgx.Tx) error {
		if set != "" {
			if _, err := tx.Exec(ctx, set); err != nil {
				return err
			}
		}
		rows, err := tx.Query(ctx, `EXPLAIN `+query, args...)
		if err != nil {
			return err
		}
		lines, err := pgx.CollectRows(rows, pgx.RowTo[string])
		plan = strings.Join(lines, "\n")
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	return plan
}

// TestPoliciesReadTheScopeOncePerStatement checks the plan of a scan under
// the policies: the scope is an init plan's parameter, not current_setting()
// evaluated for every row (which doubled the cost of counting an entity's
// risk scenarios before 000047).
func TestPoliciesReadTheScopeOncePerStatement(t *testing.T) {
	t.Parallel()
	f := newScopedFixture(t)
	plan := f.explain(t, "", `SELECT count(*) FROM risk_scenarios WHERE entity_id = $1`, f.a)
	if strings.Contains(plan, "current_setting") || !strings.Contains(plan, "InitPlan") {
		t.Errorf("the policy reads the scope per row, not once per statement:\n%s", plan)
	}
}

// TestSubjectTitlesUseThePrimaryKey checks that the evidence register finds
// each item's subject by its primary key under the policies. A condition
// with a regular expression or a cast is possibly leaky, so PostgreSQL does
// not use it as an index condition under row-level security: written
// without the scalar subquery of evidence.RefIDSQL, naming 50 items read
// all the entity's rows of each subject table (8 ms of the register's
// 15 ms on the largest entity).
func TestSubjectTitlesUseThePrimaryKey(t *testing.T) {
	t.Parallel()
	f := newScopedFixture(t)
	plan := f.explain(t, `SET LOCAL enable_seqscan = off; SET LOCAL enable_bitmapscan = off`,
		`SELECT (`+evidence.RowTitleSQL("risk_jewels", "name")+`) FROM evidence_items i WHERE i.entity_id = $1`, f.a)
	if !strings.Contains(plan, "risk_jewels_pkey") || !strings.Contains(plan, "Index Cond: (id = ") {
		t.Errorf("the subject's title is not looked up by the primary key:\n%s", plan)
	}
}
