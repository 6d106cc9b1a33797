package audit

import (
	"context"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/weerbaar/weerbaar/internal/db"
)

// # Checkpointed verification
//
// Re-hashing an entity's whole chain on every view costs a second per
// 100,000 rows. So each chain's last verified row (seq and hash) is kept in
// audit_verified: a view (VerifyFrom) re-hashes only the rows after it,
// after checking that the row at that seq still has the recorded hash and
// that its stored fields still hash to it. A row changed before the verified
// point is found by a full verification: `weerbaar audit verify` and the
// server's periodic run (Checkpointer.Run, FullVerifyInterval) walk every
// chain from its first row and record what they verified (RecordVerified);
// a full run that finds a break deletes the chain's point, so the views then
// verify in full and show the break.

// FullVerifyInterval is how often the server verifies every chain from its
// first row.
const FullVerifyInterval = 6 * time.Hour

// verifyRow is a row of VerifyFrom's query: the audit row and the chain's
// verified point (NULL when there is none), repeated on every row.
type verifyRow struct {
	Row
	FromSeq  *int64     `db:"from_seq"`
	FromHash *string    `db:"from_hash"`
	FullAt   *time.Time `db:"full_at"`
}

// VerifyFrom verifies one chain (entityID; 0 = the instance chain) from its
// verified point in audit_verified, in one query: the rows from that seq on,
// plus the anchored rows before it. The result's From is the point it
// started at (0: none, the chain was verified from its first row) and
// FullAt when the chain was last verified in full. When the row at the
// point is gone or changed, the chain is verified in full instead (one more
// query), so the break is named exactly. It does not write: a caller that
// may write passes the result to RecordVerified.
func VerifyFrom(ctx context.Context, q db.Querier, entityID int64, anchors Anchors) (VerifyResult, error) {
	ca := anchors[entityID]
	anchored := []int64{}
	if ca != nil {
		for seq := range ca.hashes {
			anchored = append(anchored, seq)
		}
	}
	rows, err := q.Query(ctx, `WITH v AS (SELECT seq, hash, full_at FROM audit_verified WHERE chain = @chain)
		SELECT r.*, (SELECT seq FROM v) AS from_seq, (SELECT hash FROM v) AS from_hash, (SELECT full_at FROM v) AS full_at
		FROM (SELECT `+rowColumns+` FROM audit_log
				WHERE (CASE WHEN entity_id IS NULL THEN 0 ELSE entity_id END) = @chain AND seq >= (SELECT coalesce(max(seq), 0) FROM v)
			UNION ALL
			SELECT `+rowColumns+` FROM audit_log
				WHERE (CASE WHEN entity_id IS NULL THEN 0 ELSE entity_id END) = @chain AND seq = ANY(@anchored) AND seq < (SELECT coalesce(max(seq), 0) FROM v)) r
		ORDER BY r.seq`, pgx.StrictNamedArgs{"chain": entityID, "anchored": anchored})
	if err != nil {
		return VerifyResult{}, fmt.Errorf("audit: verify from the verified point: %w", err)
	}
	defer rows.Close()
	res, ok, err := verifyTail(rows, entityID, ca)
	if err != nil || ok {
		return res, err
	}
	rows.Close()
	return VerifyAnchored(ctx, q, entityID, false, anchors)
}

// verifyTail walks VerifyFrom's rows. ok is false when the chain must be
// verified in full: no rows at all (nothing tells whether a point exists),
// or the row at the verified point is gone or changed.
func verifyTail(rows pgx.Rows, entityID int64, ca *chainAnchors) (res VerifyResult, ok bool, err error) {
	var prev *Row
	walk := chainWalk{entityID: entityID, anchors: ca}
	seen := false
	for rows.Next() {
		vr, err := pgx.RowToStructByName[verifyRow](rows)
		if err != nil {
			return res, false, fmt.Errorf("audit: verify from the verified point: %w", err)
		}
		if !seen && vr.FromSeq != nil {
			res.From, res.fromHash, res.FullAt = *vr.FromSeq, *vr.FromHash, *vr.FullAt
		}
		seen = true
		r := vr.Row
		if r.Seq < res.From { // an anchored row before the point
			walk.row(r)
			continue
		}
		res.Rows++
		if prev == nil && res.From > 0 {
			if r.Seq != res.From || r.Hash != res.fromHash {
				return res, false, nil
			}
			if h, err := rowHash(r); err != nil || h != r.Hash {
				return res, false, nil
			}
		} else if reason := checkRow(prev, r); reason != "" {
			res.Broken = &Broken{EntityID: r.EntityID, Seq: r.Seq, RowID: r.ID, Reason: reason}
			return res, true, nil
		}
		walk.row(r)
		prev = &r
	}
	if err := rows.Err(); err != nil {
		return res, false, fmt.Errorf("audit: verify from the verified point: %w", err)
	}
	if prev == nil {
		return res, false, nil
	}
	res.Chains = 1
	res.addCut(walk.end(prev.Seq))
	res.Heads = []Head{{EntityID: entityID, Seq: prev.Seq, Hash: prev.Hash}}
	return res, true, nil
}

// RecordVerified keeps what a verification found in audit_verified. A run of
// VerifyFrom moves its chain's point forward only from the point it started
// at (a compare-and-set: of concurrent viewers one moves it, and a point a
// full run deleted meanwhile stays deleted). A full run (From 0) records
// every chain it walked intact as verified in full now, and deletes the
// point of the chain it found broken. It writes at most one statement.
func RecordVerified(ctx context.Context, q db.Querier, res VerifyResult) error {
	var err error
	switch {
	case len(res.Heads) == 0 && res.Broken == nil:
		return nil // an empty chain
	case res.From > 0:
		if res.Broken != nil || len(res.Heads) != 1 || res.Heads[0].Seq <= res.From {
			return nil
		}
		h := res.Heads[0]
		_, err = q.Exec(ctx, `UPDATE audit_verified SET seq = @seq, hash = @hash, verified_at = now()
			WHERE chain = @chain AND seq = @from AND hash = @from_hash`,
			pgx.StrictNamedArgs{"chain": h.EntityID, "seq": h.Seq, "hash": h.Hash, "from": res.From, "from_hash": res.fromHash})
	case res.Broken != nil && len(res.Heads) == 0:
		_, err = q.Exec(ctx, `DELETE FROM audit_verified WHERE chain = @chain`, pgx.StrictNamedArgs{"chain": res.Broken.EntityID})
	default:
		ids, seqs, hashes := make([]int64, len(res.Heads)), make([]int64, len(res.Heads)), make([]string, len(res.Heads))
		for i, h := range res.Heads {
			ids[i], seqs[i], hashes[i] = h.EntityID, h.Seq, h.Hash
		}
		broken := int64(-1)
		if res.Broken != nil {
			broken = res.Broken.EntityID
		}
		// A point a view moved past the full run's head meanwhile is kept:
		// it links to rows this run verified.
		_, err = q.Exec(ctx, `WITH gone AS (DELETE FROM audit_verified WHERE chain = @broken)
			INSERT INTO audit_verified (chain, seq, hash, verified_at, full_at)
			SELECT c, s, h, now(), now() FROM unnest(@ids::bigint[], @seqs::bigint[], @hashes::text[]) AS t(c, s, h)
			ON CONFLICT (chain) DO UPDATE SET full_at = now(), verified_at = now(),
				hash = CASE WHEN excluded.seq >= audit_verified.seq THEN excluded.hash ELSE audit_verified.hash END,
				seq = greatest(excluded.seq, audit_verified.seq)`,
			pgx.StrictNamedArgs{"broken": broken, "ids": ids, "seqs": seqs, "hashes": hashes})
	}
	if err != nil {
		return fmt.Errorf("audit: record the verified point: %w", err)
	}
	return nil
}
