package audit_test

import (
	"context"
	"strings"
	"testing"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/weerbaar/weerbaar/internal/audit"
	"github.com/weerbaar/weerbaar/internal/db"
	"github.com/weerbaar/weerbaar/internal/dbtest"
)

// seedChains writes 4 rows for a, 3 for b and 2 on the instance chain.
func seedChains(t *testing.T, pool *pgxpool.Pool) (a, b int64) {
	t.Helper()
	a = newEntity(t, pool, "a-org")
	b = newEntity(t, pool, "b-org")
	ctx := audit.WithMeta(context.Background(), audit.Meta{ActorID: 3, ActorEmail: "eva@example.nl", IP: "2001:db8::1"})
	for i := range 4 {
		bf, af := audit.Diff(map[string]any{"maturity": i, "note": "été ✓"}, map[string]any{"maturity": i + 1, "note": "été ✓"})
		record(t, ctx, pool, audit.Event{EntityID: a, Action: "measure.update", ObjectType: "measure", ObjectID: "m1",
			Before: bf, After: af})
	}
	for range 3 {
		record(t, ctx, pool, audit.Event{EntityID: b, Action: "risk.create", After: map[string]any{"score": 0.1}})
	}
	for range 2 {
		record(t, ctx, pool, audit.Event{Action: "user.login_failed", ActorEmail: "x@example.nl"})
	}
	return a, b
}

// tamper runs stmt with the append-only triggers disabled, as a superuser
// (or the table owner) could.
func tamper(t *testing.T, pool *pgxpool.Pool, stmt string, args ...any) {
	t.Helper()
	ctx := context.Background()
	err := db.InTx(ctx, pool, func(tx pgx.Tx) error {
		if _, err := tx.Exec(ctx, `ALTER TABLE audit_log DISABLE TRIGGER USER`); err != nil {
			return err
		}
		if _, err := tx.Exec(ctx, stmt, args...); err != nil {
			return err
		}
		_, err := tx.Exec(ctx, `ALTER TABLE audit_log ENABLE TRIGGER USER`)
		return err
	})
	if err != nil {
		t.Fatalf("tamper %s: %v", stmt, err)
	}
}

func TestVerifyCleanChains(t *testing.T) {
	t.Parallel()
	pool := dbtest.New(t)
	a, b := seedChains(t, pool)
	ctx := context.Background()
	for _, c := range []struct {
		name         string
		entity       int64
		all          bool
		rows, chains int
	}{
		{"all", 0, true, 9, 3},
		{"entity a", a, false, 4, 1},
		{"entity b", b, false, 3, 1},
		{"instance", 0, false, 2, 1},
		{"empty chain", b + 100, false, 0, 0},
	} {
		res, err := audit.Verify(ctx, pool, c.entity, c.all)
		if err != nil {
			t.Fatalf("%s: %v", c.name, err)
		}
		if res.Broken != nil || res.Rows != c.rows || res.Chains != c.chains {
			t.Errorf("%s: Verify = rows %d chains %d broken %+v, want rows %d chains %d intact",
				c.name, res.Rows, res.Chains, res.Broken, c.rows, c.chains)
		}
	}
}

func TestVerifyDetectsTampering(t *testing.T) {
	t.Parallel()
	for _, c := range []struct {
		name   string
		stmt   string // $1 is the id of a's seq 3
		reason string
	}{
		{"action changed", `UPDATE audit_log SET action = 'measure.view' WHERE id = $1`, "hash mismatch"},
		{"changes changed", `UPDATE audit_log SET changes = jsonb_set(changes, '{after,maturity}', '4') WHERE id = $1`, "hash mismatch"},
		{"actor changed", `UPDATE audit_log SET actor_id = NULL WHERE id = $1`, "hash mismatch"},
		{"time changed", `UPDATE audit_log SET at = at - interval '1 microsecond' WHERE id = $1`, "hash mismatch"},
		{"hash rewritten", `UPDATE audit_log SET action = 'measure.view', hash = repeat('a', 64) WHERE id = $1`, "hash mismatch"},
		{"prev_hash rewritten", `UPDATE audit_log SET prev_hash = repeat('b', 64) WHERE id = $1`, "prev_hash"},
	} {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			pool := dbtest.New(t)
			a, _ := seedChains(t, pool)
			target := chainRows(t, pool, a)[2]
			tamper(t, pool, c.stmt, target.ID)
			ctx := context.Background()
			for _, all := range []bool{true, false} {
				res, err := audit.Verify(ctx, pool, a, all)
				if err != nil {
					t.Fatal(err)
				}
				want := audit.Broken{EntityID: a, Seq: 3, RowID: target.ID}
				if res.Broken == nil {
					t.Fatalf("all=%v: tampering not detected: %+v", all, res)
				}
				got := *res.Broken
				got.Reason = ""
				if got != want || !strings.Contains(res.Broken.Reason, c.reason) {
					t.Errorf("all=%v: broken = %+v, want %+v with reason %q", all, *res.Broken, want, c.reason)
				}
			}
			// The other chains still verify.
			if res, _ := audit.Verify(ctx, pool, 0, false); res.Broken != nil || res.Rows != 2 {
				t.Errorf("instance chain after tampering with a: %+v", res)
			}
		})
	}
}

func TestVerifyDetectsRelinkedRow(t *testing.T) {
	t.Parallel()
	pool := dbtest.New(t)
	a, _ := seedChains(t, pool)
	rows := chainRows(t, pool, a)
	// Rewrite seq 2's hash: seq 2 itself no longer verifies.
	tamper(t, pool, `UPDATE audit_log SET hash = repeat('c', 64) WHERE id = $1`, rows[1].ID)
	res, err := audit.Verify(context.Background(), pool, a, false)
	if err != nil {
		t.Fatal(err)
	}
	if res.Broken == nil || res.Broken.RowID != rows[1].ID || res.Broken.Seq != 2 || res.Rows != 2 {
		t.Fatalf("Verify = %+v broken %+v, want seq 2 (row %d) after 2 rows", res, res.Broken, rows[1].ID)
	}
}

func TestVerifyDetectsDeletedRows(t *testing.T) {
	t.Parallel()
	for _, c := range []struct {
		name      string
		deleteSeq int64
		brokenSeq int64
	}{
		{"middle row", 2, 3},
		{"first row", 1, 2},
	} {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			pool := dbtest.New(t)
			a, _ := seedChains(t, pool)
			rows := chainRows(t, pool, a)
			tamper(t, pool, `DELETE FROM audit_log WHERE id = $1`, rows[c.deleteSeq-1].ID)
			res, err := audit.Verify(context.Background(), pool, 0, true)
			if err != nil {
				t.Fatal(err)
			}
			next := rows[c.brokenSeq-1]
			if res.Broken == nil || res.Broken.EntityID != a || res.Broken.Seq != c.brokenSeq || res.Broken.RowID != next.ID ||
				!strings.Contains(res.Broken.Reason, "seq gap") {
				t.Fatalf("Verify = %+v broken %+v, want a gap at seq %d (row %d)", res, res.Broken, c.brokenSeq, next.ID)
			}
		})
	}
}
