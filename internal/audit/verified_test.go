package audit_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/weerbaar/weerbaar/internal/audit"
	"github.com/weerbaar/weerbaar/internal/dbtest"
)

// verifyFrom runs VerifyFrom on entity's chain and records the result, as
// the audit page does.
func verifyFrom(t *testing.T, pool *pgxpool.Pool, entity int64, anchors audit.Anchors) audit.VerifyResult {
	t.Helper()
	ctx := context.Background()
	res, err := audit.VerifyFrom(ctx, pool, entity, anchors)
	if err != nil {
		t.Fatal(err)
	}
	if err := audit.RecordVerified(ctx, pool, res); err != nil {
		t.Fatal(err)
	}
	return res
}

// addRows appends n rows to entity's chain.
func addRows(t *testing.T, pool *pgxpool.Pool, entity int64, n int) {
	t.Helper()
	for range n {
		record(t, context.Background(), pool, audit.Event{EntityID: entity, Action: "risk.create", After: map[string]any{"score": 0.2}})
	}
}

// TestVerifyFromRehashesOnlyNewRows: the first view verifies the chain in
// full and records its head; the next re-hashes only the point's row and
// the rows added since, and moves the point forward.
func TestVerifyFromRehashesOnlyNewRows(t *testing.T) {
	t.Parallel()
	pool := dbtest.New(t)
	a, _ := seedChains(t, pool)
	first := verifyFrom(t, pool, a, nil)
	if first.From != 0 || first.Rows != 4 || first.Broken != nil || first.Length() != 4 {
		t.Fatalf("first view = from %d rows %d length %d broken %+v, want a full run of 4 rows", first.From, first.Rows, first.Length(), first.Broken)
	}
	addRows(t, pool, a, 3)
	next := verifyFrom(t, pool, a, nil)
	if next.From != 4 || next.Rows != 4 || next.Broken != nil || next.Length() != 7 || next.FullAt.IsZero() {
		t.Fatalf("next view = from %d rows %d length %d broken %+v full at %v, want from 4, 4 rows (the point and 3 new), length 7",
			next.From, next.Rows, next.Length(), next.Broken, next.FullAt)
	}
	again := verifyFrom(t, pool, a, nil)
	if again.From != 7 || again.Rows != 1 || again.Length() != 7 {
		t.Errorf("view without new rows = from %d rows %d length %d, want from 7 and only the point's row", again.From, again.Rows, again.Length())
	}
}

// TestVerifyFromDetectsTamperingAfterThePoint: a row changed after the
// verified point is a break, named exactly.
func TestVerifyFromDetectsTamperingAfterThePoint(t *testing.T) {
	t.Parallel()
	pool := dbtest.New(t)
	a, _ := seedChains(t, pool)
	verifyFrom(t, pool, a, nil) // point at seq 4
	addRows(t, pool, a, 3)
	target := chainRows(t, pool, a)[5] // seq 6
	tamper(t, pool, `UPDATE audit_log SET action = 'measure.view' WHERE id = $1`, target.ID)
	res := verifyFrom(t, pool, a, nil)
	if res.Broken == nil || res.Broken.Seq != 6 || !strings.Contains(res.Broken.Reason, "hash mismatch") {
		t.Fatalf("tampering after the point: %+v (from %d)", res.Broken, res.From)
	}
	if again := verifyFrom(t, pool, a, nil); again.Broken == nil {
		t.Errorf("a broken view moved the point past the break")
	}
}

// TestVerifyFromChecksThePointRow: the row at the point changed (fields or
// hash) or removed sends the view to a full run, which names the break.
func TestVerifyFromChecksThePointRow(t *testing.T) {
	t.Parallel()
	for _, c := range []struct{ name, stmt, reason string }{
		{"fields changed", `UPDATE audit_log SET action = 'measure.view' WHERE id = $1`, "hash mismatch"},
		{"hash rewritten", `UPDATE audit_log SET action = 'measure.view', hash = repeat('a', 64) WHERE id = $1`, "hash mismatch"},
		{"removed", `DELETE FROM audit_log WHERE id = $1`, "seq gap"},
	} {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			pool := dbtest.New(t)
			a, _ := seedChains(t, pool)
			verifyFrom(t, pool, a, nil) // point at seq 4
			addRows(t, pool, a, 1)
			tamper(t, pool, c.stmt, chainRows(t, pool, a)[3].ID)
			res := verifyFrom(t, pool, a, nil)
			if res.Broken == nil || res.Broken.Seq < 4 || !strings.Contains(res.Broken.Reason, c.reason) {
				t.Fatalf("point row %s: broken %+v from %d, want a break at seq 4 or 5 (%s)", c.name, res.Broken, res.From, c.reason)
			}
		})
	}
}

// TestFullVerificationCatchesTamperingBeforeThePoint: a view does not
// re-hash rows before the point; the full run does, deletes the point, and
// the views then show the break.
func TestFullVerificationCatchesTamperingBeforeThePoint(t *testing.T) {
	t.Parallel()
	pool := dbtest.New(t)
	ctx := context.Background()
	a, _ := seedChains(t, pool)
	verifyFrom(t, pool, a, nil) // point at seq 4
	tamper(t, pool, `UPDATE audit_log SET action = 'measure.view' WHERE id = $1`, chainRows(t, pool, a)[1].ID)
	if res := verifyFrom(t, pool, a, nil); res.Broken != nil || res.From != 4 {
		t.Fatalf("a view re-hashed rows before the point: %+v", res)
	}
	full, err := audit.Verify(ctx, pool, 0, true)
	if err != nil {
		t.Fatal(err)
	}
	if full.Broken == nil || full.Broken.Seq != 2 {
		t.Fatalf("full run: %+v", full.Broken)
	}
	if err := audit.RecordVerified(ctx, pool, full); err != nil {
		t.Fatal(err)
	}
	if res := verifyFrom(t, pool, a, nil); res.Broken == nil || res.Broken.Seq != 2 || res.From != 0 {
		t.Errorf("view after the full run found the break: broken %+v from %d, want seq 2 from a full run", res.Broken, res.From)
	}
}

// TestVerifyFromComparesAnchorsBeforeThePoint: a checkpoint's recorded row
// before the verified point is still compared, so a cut and rewritten tail
// shows as a cut.
func TestVerifyFromComparesAnchorsBeforeThePoint(t *testing.T) {
	t.Parallel()
	pool := dbtest.New(t)
	a, _ := seedChains(t, pool)
	rows := chainRows(t, pool, a)
	anchors := audit.NewAnchors(audit.Checkpoint{Heads: []audit.Head{{EntityID: a, Seq: 2, Hash: rows[1].Hash}}})
	verifyFrom(t, pool, a, anchors) // point at seq 4
	if res := verifyFrom(t, pool, a, anchors); len(res.Cuts) != 0 || res.From != 4 {
		t.Fatalf("intact chain: cuts %+v from %d", res.Cuts, res.From)
	}
	wrong := audit.NewAnchors(audit.Checkpoint{Heads: []audit.Head{{EntityID: a, Seq: 2, Hash: strings.Repeat("d", 64)}}})
	res := verifyFrom(t, pool, a, wrong)
	if len(res.Cuts) != 1 || res.Cuts[0].ReplacedSeq != 2 || res.From != 4 {
		t.Errorf("anchor before the point with another hash: cuts %+v from %d, want a cut replacing seq 2", res.Cuts, res.From)
	}
}

// TestCheckpointerVerifyFull: the server's periodic full run records a
// point for every intact chain and removes the point of a broken one.
func TestCheckpointerVerifyFull(t *testing.T) {
	t.Parallel()
	pool := dbtest.New(t)
	ctx := context.Background()
	a, b := seedChains(t, pool)
	c := newCheckpointer(t, pool)
	if err := c.VerifyFull(ctx); err != nil {
		t.Fatal(err)
	}
	points := func() map[int64]int64 {
		t.Helper()
		rows, err := pool.Query(ctx, `SELECT chain, seq FROM audit_verified`)
		if err != nil {
			t.Fatal(err)
		}
		defer rows.Close()
		out := map[int64]int64{}
		for rows.Next() {
			var chain, seq int64
			if err := rows.Scan(&chain, &seq); err != nil {
				t.Fatal(err)
			}
			out[chain] = seq
		}
		return out
	}
	if got := points(); len(got) != 3 || got[a] != 4 || got[b] != 3 || got[0] != 2 {
		t.Fatalf("points after a full run = %v, want a:4 b:3 instance:2", got)
	}
	tamper(t, pool, `UPDATE audit_log SET action = 'measure.view' WHERE id = $1`, chainRows(t, pool, a)[0].ID)
	if err := c.VerifyFull(ctx); err != nil {
		t.Fatal(err)
	}
	if _, ok := points()[a]; ok {
		t.Errorf("a broken chain kept its point: %v", points())
	}
}

// TestCheckpointerLastFull: the last full verification, which Run reads at
// start to skip a full run that is not due, is zero until every chain was
// verified in full, then that run's time, and zero again when a full run
// found a chain broken.
func TestCheckpointerLastFull(t *testing.T) {
	t.Parallel()
	pool := dbtest.New(t)
	ctx := context.Background()
	c := newCheckpointer(t, pool)
	if at, err := c.LastFull(ctx); err != nil || !at.IsZero() {
		t.Fatalf("no chains: last full %v, %v; want zero", at, err)
	}
	a, _ := seedChains(t, pool)
	if at, err := c.LastFull(ctx); err != nil || !at.IsZero() {
		t.Fatalf("never verified: last full %v, %v; want zero", at, err)
	}
	if err := c.VerifyFull(ctx); err != nil {
		t.Fatal(err)
	}
	var want time.Time
	if err := pool.QueryRow(ctx, `SELECT min(full_at) FROM audit_verified`).Scan(&want); err != nil {
		t.Fatal(err)
	}
	if at, err := c.LastFull(ctx); err != nil || !at.Equal(want) {
		t.Fatalf("after a full run: last full %v, %v; want %v", at, err, want)
	}
	tamper(t, pool, `UPDATE audit_log SET action = 'measure.view' WHERE id = $1`, chainRows(t, pool, a)[0].ID)
	if err := c.VerifyFull(ctx); err != nil {
		t.Fatal(err)
	}
	if at, err := c.LastFull(ctx); err != nil || !at.IsZero() {
		t.Errorf("a chain found broken: last full %v, %v; want zero (a full run due)", at, err)
	}
}
