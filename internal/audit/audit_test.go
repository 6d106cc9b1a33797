package audit_test

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/weerbaar/weerbaar/internal/audit"
	"github.com/weerbaar/weerbaar/internal/db"
	"github.com/weerbaar/weerbaar/internal/dbtest"
)

func newEntity(t *testing.T, pool *pgxpool.Pool, slug string) int64 {
	t.Helper()
	var id int64
	if err := pool.QueryRow(context.Background(),
		`INSERT INTO entities (slug, name) VALUES ($1, $2) RETURNING id`, slug, strings.ToUpper(slug)).Scan(&id); err != nil {
		t.Fatalf("create entity %s: %v", slug, err)
	}
	return id
}

// record writes each event in a transaction of its own.
func record(t *testing.T, ctx context.Context, pool *pgxpool.Pool, events ...audit.Event) {
	t.Helper()
	for _, e := range events {
		if err := db.InTx(ctx, pool, func(tx pgx.Tx) error { return audit.Record(ctx, tx, e) }); err != nil {
			t.Fatalf("record %+v: %v", e, err)
		}
	}
}

// chainRows reads a chain straight from the table, in seq order.
func chainRows(t *testing.T, pool *pgxpool.Pool, entityID int64) []audit.Row {
	t.Helper()
	rows, err := pool.Query(context.Background(), `SELECT id, coalesce(entity_id, 0) AS entity_id, seq, at, actor_id,
		actor_email, action, object_type, object_id, ip, user_agent, changes, prev_hash, hash
		FROM audit_log WHERE coalesce(entity_id, 0) = $1 ORDER BY seq`, entityID)
	if err != nil {
		t.Fatal(err)
	}
	out, err := pgx.CollectRows(rows, pgx.RowToStructByName[audit.Row])
	if err != nil {
		t.Fatal(err)
	}
	return out
}

func countRows(t *testing.T, pool *pgxpool.Pool) int {
	t.Helper()
	var n int
	if err := pool.QueryRow(context.Background(), `SELECT count(*) FROM audit_log`).Scan(&n); err != nil {
		t.Fatal(err)
	}
	return n
}

func TestRecordWritesRowWithMetaAndChanges(t *testing.T) {
	t.Parallel()
	pool := dbtest.New(t)
	entityID := newEntity(t, pool, "a-org")
	ctx := audit.WithMeta(context.Background(), audit.Meta{
		ActorID: 7, ActorEmail: "anna@example.nl", IP: "192.0.2.10", UserAgent: "Firefox/140",
	})
	start := time.Now().Add(-time.Millisecond)
	b, a := audit.Diff(
		map[string]any{"name": "Oud", "city": "Delft", "version": 1},
		map[string]any{"name": "Nieuw", "city": "Delft", "version": 2},
	)
	record(t, ctx, pool, audit.Event{EntityID: entityID, Action: "entity.update", ObjectType: "entity",
		ObjectID: fmt.Sprint(entityID), Before: b, After: a})
	end := time.Now().Add(time.Millisecond)

	if n := countRows(t, pool); n != 1 {
		t.Fatalf("rows after one Record = %d, want 1", n)
	}
	rows := chainRows(t, pool, entityID)
	r := rows[0]
	if r.EntityID != entityID || r.Seq != 1 || r.Action != "entity.update" || r.ObjectType != "entity" ||
		r.ObjectID != fmt.Sprint(entityID) {
		t.Errorf("row identity = %+v", r)
	}
	if r.ActorID == nil || *r.ActorID != 7 || r.ActorEmail != "anna@example.nl" || r.IP != "192.0.2.10" ||
		r.UserAgent != "Firefox/140" {
		t.Errorf("row meta = actor %v %q ip %q ua %q", r.ActorID, r.ActorEmail, r.IP, r.UserAgent)
	}
	if r.At.Before(start) || r.At.After(end) || r.At.Nanosecond()%1000 != 0 {
		t.Errorf("at = %v, want within [%v, %v] in whole microseconds", r.At, start, end)
	}
	if got, want := string(r.Changes), `{"after": {"name": "Nieuw", "version": 2}, "before": {"name": "Oud", "version": 1}}`; got != want {
		t.Errorf("changes = %s, want %s", got, want)
	}
	before, after, err := r.BeforeAfter()
	if err != nil {
		t.Fatal(err)
	}
	if before["name"] != "Oud" || after["name"] != "Nieuw" || after["version"].(interface{ String() string }).String() != "2" {
		t.Errorf("BeforeAfter = %v, %v", before, after)
	}
	if _, ok := before["city"]; ok {
		t.Errorf("unchanged field city recorded: %v", before)
	}
	if r.PrevHash != audit.GenesisHash || len(r.Hash) != 64 || r.Hash == audit.GenesisHash {
		t.Errorf("prev_hash %q hash %q", r.PrevHash, r.Hash)
	}
}

func TestRecordChainsPerEntity(t *testing.T) {
	t.Parallel()
	pool := dbtest.New(t)
	a := newEntity(t, pool, "a-org")
	b := newEntity(t, pool, "b-org")
	ctx := context.Background()
	record(t, ctx, pool,
		audit.Event{EntityID: a, Action: "measure.update"},
		audit.Event{EntityID: 0, Action: "user.login_failed", ActorEmail: "nobody@example.nl"},
		audit.Event{EntityID: a, Action: "measure.update"},
		audit.Event{EntityID: b, Action: "risk.create"},
		audit.Event{EntityID: a, Action: "measure.update"},
		audit.Event{EntityID: 0, Action: "user.login_failed"},
	)
	for _, c := range []struct {
		entity int64
		n      int
	}{{a, 3}, {b, 1}, {0, 2}} {
		rows := chainRows(t, pool, c.entity)
		if len(rows) != c.n {
			t.Fatalf("chain %d has %d rows, want %d", c.entity, len(rows), c.n)
		}
		prev := audit.GenesisHash
		for i, r := range rows {
			if r.Seq != int64(i+1) {
				t.Errorf("chain %d row %d: seq %d", c.entity, i, r.Seq)
			}
			if r.PrevHash != prev {
				t.Errorf("chain %d seq %d: prev_hash %s, want %s", c.entity, r.Seq, r.PrevHash, prev)
			}
			if r.EntityID != c.entity {
				t.Errorf("chain %d seq %d: entity %d", c.entity, r.Seq, r.EntityID)
			}
			prev = r.Hash
		}
	}
	var nulls int
	if err := pool.QueryRow(ctx, `SELECT count(*) FROM audit_log WHERE entity_id IS NULL`).Scan(&nulls); err != nil {
		t.Fatal(err)
	}
	if nulls != 2 {
		t.Errorf("instance chain rows stored with entity_id NULL = %d, want 2", nulls)
	}
	inst := chainRows(t, pool, 0)
	if inst[0].ActorID != nil || inst[0].ActorEmail != "nobody@example.nl" {
		t.Errorf("instance row actor = %v %q", inst[0].ActorID, inst[0].ActorEmail)
	}
}

func TestRecordEventOverridesMeta(t *testing.T) {
	t.Parallel()
	pool := dbtest.New(t)
	ctx := audit.WithMeta(context.Background(), audit.Meta{ActorEmail: "typed@example.nl", IP: "198.51.100.7", UserAgent: "curl"})
	if m := audit.MetaFrom(ctx); m.IP != "198.51.100.7" {
		t.Fatalf("MetaFrom = %+v", m)
	}
	if m := audit.MetaFrom(context.Background()); m != (audit.Meta{}) {
		t.Fatalf("MetaFrom of a bare context = %+v", m)
	}
	record(t, ctx, pool, audit.Event{Action: "user.login", ObjectType: "user", ObjectID: "42",
		ActorID: 42, ActorEmail: "real@example.nl", After: map[string]any{"method": "totp"}})
	r := chainRows(t, pool, 0)[0]
	if r.ActorID == nil || *r.ActorID != 42 || r.ActorEmail != "real@example.nl" || r.IP != "198.51.100.7" || r.UserAgent != "curl" {
		t.Errorf("row = actor %v %q ip %q ua %q", r.ActorID, r.ActorEmail, r.IP, r.UserAgent)
	}
}

func TestRecordCleansRequestText(t *testing.T) {
	t.Parallel()
	pool := dbtest.New(t)
	ctx := audit.WithMeta(context.Background(), audit.Meta{UserAgent: "bad\xff\x00agent" + strings.Repeat("x", 2000)})
	record(t, ctx, pool, audit.Event{Action: "user.login_failed", ActorEmail: "a\x00b@example.nl",
		After: map[string]any{"email\x00": "x\x00y"}})
	r := chainRows(t, pool, 0)[0]
	if !strings.HasPrefix(r.UserAgent, "bad\ufffd\ufffdagent") || len(r.UserAgent) > 512 {
		t.Errorf("user agent = %.30q (len %d)", r.UserAgent, len(r.UserAgent))
	}
	if r.ActorEmail != "a\ufffdb@example.nl" {
		t.Errorf("actor email = %q", r.ActorEmail)
	}
	if res, err := audit.Verify(ctx, pool, 0, false); err != nil || res.Broken != nil {
		t.Errorf("Verify = %+v, %v", res, err)
	}
}

func TestRecordRejectsBadEvents(t *testing.T) {
	t.Parallel()
	pool := dbtest.New(t)
	ctx := context.Background()
	for _, e := range []audit.Event{
		{EntityID: 1},                   // no action
		{EntityID: -1, Action: "x.y"},   // bad entity
		{EntityID: 9999, Action: "x.y"}, // no such entity (foreign key)
		{Action: "x.y", After: map[string]any{"c": make(chan int)}}, // not JSON
	} {
		err := db.InTx(ctx, pool, func(tx pgx.Tx) error { return audit.Record(ctx, tx, e) })
		if err == nil {
			t.Errorf("Record(%+v) succeeded", e)
		}
	}
	if n := countRows(t, pool); n != 0 {
		t.Errorf("rows = %d, want 0", n)
	}
}

func TestRecordRolledBackLeavesNoRow(t *testing.T) {
	t.Parallel()
	pool := dbtest.New(t)
	entityID := newEntity(t, pool, "a-org")
	ctx := context.Background()
	errAbort := errors.New("abort")
	err := db.InTx(ctx, pool, func(tx pgx.Tx) error {
		if _, err := tx.Exec(ctx, `UPDATE entities SET name = 'B' WHERE id = $1`, entityID); err != nil {
			return err
		}
		if err := audit.Record(ctx, tx, audit.Event{EntityID: entityID, Action: "entity.update"}); err != nil {
			return err
		}
		return errAbort
	})
	if !errors.Is(err, errAbort) {
		t.Fatalf("InTx = %v, want the abort error", err)
	}
	if n := countRows(t, pool); n != 0 {
		t.Fatalf("rows after rollback = %d, want 0", n)
	}
	// The chain continues at seq 1: the rolled-back row left no trace.
	record(t, ctx, pool, audit.Event{EntityID: entityID, Action: "entity.update"})
	if r := chainRows(t, pool, entityID); len(r) != 1 || r[0].Seq != 1 || r[0].PrevHash != audit.GenesisHash {
		t.Fatalf("chain after rollback and one write = %+v", r)
	}
}

func TestAuditLogIsAppendOnly(t *testing.T) {
	t.Parallel()
	pool := dbtest.New(t)
	entityID := newEntity(t, pool, "a-org")
	ctx := context.Background()
	record(t, ctx, pool, audit.Event{EntityID: entityID, Action: "entity.update"})
	for _, stmt := range []string{
		`UPDATE audit_log SET action = 'entity.nothing'`,
		`UPDATE audit_log SET changes = '{"after":{}}' WHERE seq = 1`,
		`DELETE FROM audit_log`,
		`DELETE FROM audit_log WHERE seq = 1`,
		`TRUNCATE audit_log`,
		`TRUNCATE entities CASCADE`,
		`DELETE FROM entities`, // the foreign key keeps the history's entity
	} {
		_, err := pool.Exec(ctx, stmt)
		var pgErr *pgconn.PgError
		if !errors.As(err, &pgErr) {
			t.Errorf("%s: err = %v, want a PostgreSQL error", stmt, err)
			continue
		}
		if strings.HasPrefix(stmt, "DELETE FROM entities") {
			if pgErr.Code != "23503" {
				t.Errorf("%s: code %s (%s), want foreign_key_violation", stmt, pgErr.Code, pgErr.Message)
			}
			continue
		}
		if pgErr.Code != "23001" || !strings.Contains(pgErr.Message, "append-only") {
			t.Errorf("%s: code %s message %q, want restrict_violation 'append-only'", stmt, pgErr.Code, pgErr.Message)
		}
	}
	rows := chainRows(t, pool, entityID)
	if len(rows) != 1 || rows[0].Action != "entity.update" {
		t.Errorf("rows after rejected changes = %+v", rows)
	}
}

func TestConcurrentWritersKeepOneChain(t *testing.T) {
	t.Parallel()
	pool := dbtest.New(t)
	entityID := newEntity(t, pool, "a-org")
	ctx := context.Background()
	const writers, txPerWriter, rowsPerTx = 20, 3, 2
	var wg sync.WaitGroup
	errs := make(chan error, writers)
	for w := range writers {
		wg.Go(func() {
			for i := range txPerWriter {
				err := db.InTx(ctx, pool, func(tx pgx.Tx) error {
					for j := range rowsPerTx {
						if err := audit.Record(ctx, tx, audit.Event{EntityID: entityID, Action: "measure.update",
							ObjectID: fmt.Sprintf("%d-%d-%d", w, i, j)}); err != nil {
							return err
						}
					}
					return nil
				})
				if err != nil {
					errs <- fmt.Errorf("writer %d tx %d: %w", w, i, err)
					return
				}
			}
		})
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}
	const n = writers * txPerWriter * rowsPerTx
	rows := chainRows(t, pool, entityID)
	if len(rows) != n {
		t.Fatalf("chain has %d rows, want %d", len(rows), n)
	}
	seen := map[string]bool{}
	for i, r := range rows {
		if r.Seq != int64(i+1) {
			t.Fatalf("row %d has seq %d: gap or duplicate", i, r.Seq)
		}
		if i > 0 && r.PrevHash != rows[i-1].Hash {
			t.Fatalf("seq %d does not link to seq %d", r.Seq, rows[i-1].Seq)
		}
		if i > 0 && r.At.Before(rows[i-1].At) {
			t.Errorf("seq %d at %v is before seq %d at %v", r.Seq, r.At, rows[i-1].Seq, rows[i-1].At)
		}
		seen[r.ObjectID] = true
	}
	if len(seen) != n {
		t.Errorf("%d distinct events, want %d", len(seen), n)
	}
	res, err := audit.Verify(ctx, pool, entityID, false)
	if err != nil || res.Broken != nil || res.Rows != n || res.Chains != 1 {
		t.Fatalf("Verify = %+v (broken %+v), %v", res, res.Broken, err)
	}
}
