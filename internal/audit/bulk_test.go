package audit_test

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/weerbaar/weerbaar/internal/audit"
	"github.com/weerbaar/weerbaar/internal/db"
	"github.com/weerbaar/weerbaar/internal/dbtest"
)

// TestChainCopyContinuesTheChain: rows copied in bulk after a Record row,
// on the instance chain too, and a Record row after them form chains that
// Verify accepts, with the fields (actor, address, changes) as given; a
// copied row with a changed field breaks the chain like any other.
func TestChainCopyContinuesTheChain(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	pool := dbtest.New(t)
	id := newEntity(t, pool, "bulk-org")
	record(t, ctx, pool, audit.Event{EntityID: id, Action: "entity.created", After: map[string]any{"name": "Bulk"}})
	start := time.Date(2025, 3, 1, 9, 4, 5, 120_000_000, time.UTC)
	for _, chain := range []int64{id, 0} {
		err := db.InTx(ctx, pool, func(tx pgx.Tx) error {
			c, err := audit.LockChain(ctx, tx, chain)
			if err != nil {
				return err
			}
			n, err := c.Copy(ctx, tx, 50, func(i int) audit.Entry {
				return audit.Entry{Event: audit.Event{Action: "requirement.updated", ObjectType: "requirement", ObjectID: fmt.Sprint(i),
					Before: map[string]any{"maturity": i}, After: map[string]any{"maturity": i + 1, "note": "été ✓ \"x\""}},
					Meta: audit.Meta{ActorID: 7, ActorEmail: "eva@example.nl", IP: "192.0.2.1", UserAgent: "agent"},
					At:   start.Add(time.Duration(i) * time.Minute)}
			})
			if err == nil && n != 50 {
				err = fmt.Errorf("copied %d rows", n)
			}
			return err
		})
		if err != nil {
			t.Fatal(err)
		}
	}
	record(t, ctx, pool, audit.Event{EntityID: id, Action: "requirement.updated", After: map[string]any{"maturity": 3}})
	res, err := audit.Verify(ctx, pool, 0, true)
	if err != nil || res.Broken != nil || res.Rows != 102 || res.Chains != 2 {
		t.Fatalf("verify: %+v %+v, %v", res, res.Broken, err)
	}
	var email, ip string
	var seq int64
	if err := pool.QueryRow(ctx, `SELECT seq, actor_email, ip FROM audit_log WHERE entity_id = $1 AND object_id = '49'`, id).Scan(&seq, &email, &ip); err != nil ||
		seq != 51 || email != "eva@example.nl" || ip != "192.0.2.1" {
		t.Errorf("copied row: seq %d, %q, %q, %v", seq, email, ip, err)
	}
	tamper(t, pool, `UPDATE audit_log SET ip = '192.0.2.2' WHERE entity_id = $1 AND seq = 20`, id)
	if res, err := audit.Verify(ctx, pool, id, false); err != nil || res.Broken == nil || res.Broken.Seq != 20 {
		t.Errorf("tampered copied row: %+v, %v", res.Broken, err)
	}
}
