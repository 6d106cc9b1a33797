package approval

import (
	"context"
	"fmt"

	"github.com/jackc/pgx/v5"

	"github.com/weerbaar/weerbaar/internal/db"
)

// StatusOfHash is the approval standing of a record whose current
// content's hash the caller knows (StatusOf computes it; a large record keeps
// it per state, e.g. a risk analysis with thousands of scenarios): in one
// query, which reads the last approved snapshot only when its hash differs. Only then is current called
// for the current canonical document, to list the changes; LastSnapshot is
// therefore empty when the standing is Approved.
func StatusOfHash(ctx context.Context, q db.Querier, entityID int64, kind, ref, hash string, current func() ([]byte, error)) (Status, error) {
	st := Status{Standing: Never, CurrentHash: hash}
	var lastID, pendingID *int64
	var lastDoc, lastHash *string
	err := q.QueryRow(ctx, `SELECT a.id, CASE WHEN a.snapshot_hash = @hash THEN '' ELSE a.snapshot END, a.snapshot_hash, a.decided_at,
			(SELECT p.id FROM approval_requests p WHERE p.entity_id = @entity AND p.kind = @kind AND p.subject_ref = @ref AND p.state = 'pending')
		FROM (SELECT 1) one LEFT JOIN LATERAL (SELECT r.id, r.snapshot, r.snapshot_hash, r.decided_at FROM approval_requests r
			WHERE r.entity_id = @entity AND r.kind = @kind AND r.subject_ref = @ref AND r.state = 'approved'
			ORDER BY r.decided_at DESC, r.id DESC LIMIT 1) a ON true`,
		pgx.StrictNamedArgs{"entity": entityID, "kind": kind, "ref": ref, "hash": hash}).Scan(&lastID, &lastDoc, &lastHash, &st.LastAt, &pendingID)
	if err != nil {
		return Status{}, fmt.Errorf("approval status of %s %s: %w", kind, ref, err)
	}
	if pendingID != nil {
		st.PendingID = *pendingID
	}
	if lastID == nil {
		return st, nil
	}
	if *lastHash == hash {
		return compare(st, *lastID, *lastHash, "", nil)
	}
	doc, err := current()
	if err != nil {
		return Status{}, err
	}
	return compare(st, *lastID, *lastHash, *lastDoc, doc)
}
