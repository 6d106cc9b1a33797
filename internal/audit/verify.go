package audit

import (
	"context"
	"fmt"

	"github.com/jackc/pgx/v5"

	"github.com/weerbaar/weerbaar/internal/db"
)

// VerifyResult reports a Verify run: how many rows and chains were checked
// and the first broken row, if any (checking stops there).
type VerifyResult struct {
	Rows   int
	Chains int
	Broken *Broken
}

// Broken names the first row at which a chain fails to verify, so an auditor
// can look at exactly that row.
type Broken struct {
	EntityID int64 // 0 = instance chain
	Seq      int64
	RowID    int64
	Reason   string
}

// Verify walks one chain (entityID; 0 = the instance chain) or, with all set,
// every chain, in seq order. For each row it checks that seq follows the
// previous row's without a gap (starting at 1), that prev_hash equals the
// previous row's hash (GenesisHash for seq 1) and that the hash recomputed
// from the stored fields equals the stored hash. It streams the rows in one
// query, so it runs on one consistent snapshot without loading the log into
// memory.
func Verify(ctx context.Context, q db.Querier, entityID int64, all bool) (VerifyResult, error) {
	rows, err := q.Query(ctx, `SELECT `+rowColumns+` FROM audit_log
		WHERE @all::boolean OR coalesce(entity_id, 0) = @chain
		ORDER BY coalesce(entity_id, 0), seq`,
		pgx.StrictNamedArgs{"all": all, "chain": entityID})
	if err != nil {
		return VerifyResult{}, fmt.Errorf("audit: verify: %w", err)
	}
	defer rows.Close()

	var res VerifyResult
	var prev *Row
	for rows.Next() {
		r, err := pgx.RowToStructByName[Row](rows)
		if err != nil {
			return res, fmt.Errorf("audit: verify: %w", err)
		}
		res.Rows++
		if prev == nil || prev.EntityID != r.EntityID {
			res.Chains++
			prev = nil
		}
		if reason := checkRow(prev, r); reason != "" {
			res.Broken = &Broken{EntityID: r.EntityID, Seq: r.Seq, RowID: r.ID, Reason: reason}
			return res, nil
		}
		prev = &r
	}
	if err := rows.Err(); err != nil {
		return res, fmt.Errorf("audit: verify: %w", err)
	}
	return res, nil
}

// checkRow returns why r does not follow prev (nil for the first row of a
// chain), or "" when it does.
func checkRow(prev *Row, r Row) string {
	wantSeq, wantPrev := int64(1), GenesisHash
	if prev != nil {
		wantSeq, wantPrev = prev.Seq+1, prev.Hash
	}
	if r.Seq != wantSeq {
		return fmt.Sprintf("seq gap: expected seq %d, found %d (rows removed)", wantSeq, r.Seq)
	}
	if r.PrevHash != wantPrev {
		if prev == nil {
			return "prev_hash of the first row is not the genesis hash"
		}
		return fmt.Sprintf("prev_hash does not match the hash of seq %d", prev.Seq)
	}
	h, err := rowHash(r)
	if err != nil {
		return fmt.Sprintf("stored fields cannot be hashed: %v", err)
	}
	if h != r.Hash {
		return "hash mismatch: the stored fields do not hash to the stored hash (row changed)"
	}
	return ""
}
