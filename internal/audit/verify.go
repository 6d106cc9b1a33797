package audit

import (
	"cmp"
	"context"
	"fmt"
	"slices"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/weerbaar/weerbaar/internal/db"
)

// VerifyResult reports a Verify run: how many rows and chains were checked,
// the first broken row, if any (checking stops there), and, when verified
// against checkpoints, every chain cut short since.
type VerifyResult struct {
	Rows   int
	Chains int
	Broken *Broken
	// Cuts lists the chains that lack rows a checkpoint recorded, by entity.
	Cuts []Cut
	// Heads are the last rows of the chains walked to their end intact (for
	// a checkpointed run, the one chain's head), by entity.
	Heads []Head
	// From is the verified seq a checkpointed run (VerifyFrom) started at:
	// rows up to it were not re-hashed, only the row at From was checked.
	// 0: the run verified from each chain's first row.
	From int64
	// FullAt is when the rows up to From were last verified in full.
	FullAt   time.Time
	fromHash string
}

// Length is the number of rows in the verified chain (a one-chain run): its
// head's seq, as seqs run from 1 without gaps.
func (res VerifyResult) Length() int64 {
	if len(res.Heads) == 0 {
		return int64(res.Rows)
	}
	return res.Heads[len(res.Heads)-1].Seq
}

// Broken names the first row at which a chain fails to verify, so an auditor
// can look at exactly that row.
type Broken struct {
	EntityID int64 // 0 = instance chain
	Seq      int64
	RowID    int64
	Reason   string
}

// Cut is a chain whose tail is gone: a checkpoint recorded rows beyond its
// current head, or a recorded row now has another hash (the tail was cut and
// written anew). Rows after Kept are missing.
type Cut struct {
	EntityID int64 // 0 = instance chain
	// Kept is the last seq known to be the checkpointed chain's.
	Kept int64
	// Head is the chain's current last seq (0: no rows left).
	Head int64
	// CheckpointSeq is the highest seq a checkpoint recorded for the chain;
	// CheckpointAt is when that checkpoint was written (with ReplacedSeq:
	// the first checkpoint recording ReplacedSeq).
	CheckpointSeq int64
	CheckpointAt  time.Time
	// ReplacedSeq, when not 0, is the first checkpointed seq whose row now
	// has another hash.
	ReplacedSeq int64
}

// Anchors are the chain heads recorded by checkpoints, for Verify: every
// recorded (seq, hash) of every chain, so a chain cut back and then written
// on past an older checkpoint's head is caught too, not only a chain shorter
// than the latest checkpoint.
type Anchors map[int64]*chainAnchors

type chainAnchors struct {
	hashes map[int64]anchor // by seq
	top    Head
	topAt  time.Time
}

// anchor is a recorded row: its hash and the first checkpoint recording it.
type anchor struct {
	hash string
	at   time.Time
}

// NewAnchors collects the heads of the given checkpoints.
func NewAnchors(cps ...Checkpoint) Anchors {
	a := Anchors{}
	for _, c := range cps {
		a.add(c)
	}
	return a
}

// add records c's heads; a seq keeps the hash and time of the first
// checkpoint recording it.
func (a Anchors) add(c Checkpoint) {
	for _, h := range c.Heads {
		ca := a[h.EntityID]
		if ca == nil {
			ca = &chainAnchors{hashes: map[int64]anchor{}}
			a[h.EntityID] = ca
		}
		if _, ok := ca.hashes[h.Seq]; !ok {
			ca.hashes[h.Seq] = anchor{hash: h.Hash, at: c.CreatedAt}
		}
		if h.Seq >= ca.top.Seq {
			ca.top, ca.topAt = h, c.CreatedAt
		}
	}
}

// Verify walks one chain (entityID; 0 = the instance chain) or, with all set,
// every chain, in seq order. For each row it checks that seq follows the
// previous row's without a gap (starting at 1), that prev_hash equals the
// previous row's hash (GenesisHash for seq 1) and that the hash recomputed
// from the stored fields equals the stored hash. It streams the rows in one
// query, so it runs on one consistent snapshot without loading the log into
// memory.
func Verify(ctx context.Context, q db.Querier, entityID int64, all bool) (VerifyResult, error) {
	return VerifyAnchored(ctx, q, entityID, all, nil)
}

// VerifyAnchored is Verify that also compares the chains with the anchors
// (nil: none): a chain that ends below a recorded seq, lacks a recorded
// chain altogether, or has another hash at a recorded seq is a Cut. It uses
// the same one query.
func VerifyAnchored(ctx context.Context, q db.Querier, entityID int64, all bool, anchors Anchors) (VerifyResult, error) {
	rows, err := q.Query(ctx, `SELECT `+rowColumns+` FROM audit_log
		WHERE @all::boolean OR (CASE WHEN entity_id IS NULL THEN 0 ELSE entity_id END) = @chain
		ORDER BY (CASE WHEN entity_id IS NULL THEN 0 ELSE entity_id END), seq`,
		pgx.StrictNamedArgs{"all": all, "chain": entityID})
	if err != nil {
		return VerifyResult{}, fmt.Errorf("audit: verify: %w", err)
	}
	defer rows.Close()
	var res VerifyResult
	var prev *Row
	var walk chainWalk
	seen := map[int64]bool{}
	for rows.Next() {
		r, err := scanRow(rows)
		if err != nil {
			return res, fmt.Errorf("audit: verify: %w", err)
		}
		res.Rows++
		if prev == nil || prev.EntityID != r.EntityID {
			if prev != nil {
				res.addCut(walk.end(prev.Seq))
				res.Heads = append(res.Heads, Head{EntityID: prev.EntityID, Seq: prev.Seq, Hash: prev.Hash})
			}
			res.Chains++
			prev = nil
			seen[r.EntityID] = true
			walk = chainWalk{entityID: r.EntityID, anchors: anchors[r.EntityID]}
		}
		if reason := checkRow(prev, r); reason != "" {
			res.Broken = &Broken{EntityID: r.EntityID, Seq: r.Seq, RowID: r.ID, Reason: reason}
			return res, nil
		}
		walk.row(r)
		prev = &r
	}
	if err := rows.Err(); err != nil {
		return res, fmt.Errorf("audit: verify: %w", err)
	}
	if prev != nil {
		res.addCut(walk.end(prev.Seq))
		res.Heads = append(res.Heads, Head{EntityID: prev.EntityID, Seq: prev.Seq, Hash: prev.Hash})
	}
	for id, ca := range anchors {
		if !seen[id] && (all || id == entityID) && ca.top.Seq > 0 {
			res.Cuts = append(res.Cuts, Cut{EntityID: id, CheckpointSeq: ca.top.Seq, CheckpointAt: ca.topAt})
		}
	}
	slices.SortFunc(res.Cuts, func(a, b Cut) int { return cmp.Compare(a.EntityID, b.EntityID) })
	return res, nil
}

func (res *VerifyResult) addCut(c *Cut) {
	if c != nil {
		res.Cuts = append(res.Cuts, *c)
	}
}

// chainWalk compares one chain's rows with its anchors as they stream by.
type chainWalk struct {
	entityID int64
	anchors  *chainAnchors
	kept     int64 // highest anchored seq whose hash matched
	replaced int64 // first anchored seq whose hash did not
	at       time.Time
}

func (w *chainWalk) row(r Row) {
	if w.anchors == nil || w.replaced != 0 {
		return
	}
	if a, ok := w.anchors.hashes[r.Seq]; ok {
		if a.hash != r.Hash {
			w.replaced, w.at = r.Seq, a.at
			return
		}
		w.kept = r.Seq
	}
}

// end returns the chain's Cut, or nil when it holds every anchored row.
func (w *chainWalk) end(head int64) *Cut {
	if w.anchors == nil {
		return nil
	}
	c := Cut{EntityID: w.entityID, Head: head, CheckpointSeq: w.anchors.top.Seq, CheckpointAt: w.anchors.topAt}
	switch {
	case w.replaced != 0:
		c.Kept, c.ReplacedSeq, c.CheckpointAt = w.kept, w.replaced, w.at
	case head < w.anchors.top.Seq:
		c.Kept = head // the rows up to head link to the anchored ones
	default:
		return nil
	}
	return &c
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
