package audit

import (
	"bytes"
	"cmp"
	"context"
	"crypto/ed25519"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/url"
	"slices"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/weerbaar/weerbaar/internal/db"
)

// CheckpointInterval is how often the server checkpoints the chain heads.
const CheckpointInterval = 15 * time.Minute

// Checkpointer writes checkpoints of the chain heads to the checkpoint file.
// Pool, Key and Path are required.
type Checkpointer struct {
	Pool db.Querier
	// Key signs the checkpoints (secretkey.CheckpointKey).
	Key ed25519.PrivateKey
	// Path is the checkpoint file, $WEERBAAR_DATA_DIR/audit-checkpoints.jsonl.
	Path string
	// Instance names the instance in each checkpoint (its base URL).
	Instance string
	Logger   *slog.Logger
	// Now is the clock (time.Now when nil).
	Now func() time.Time
	// Interval between runs of Run (CheckpointInterval when zero).
	Interval time.Duration
	// FullVerifyInterval between full verifications of every chain in Run
	// (FullVerifyInterval when zero).
	FullVerifyInterval time.Duration
	// Webhook, when set, receives each checkpoint line as a JSON POST after
	// it is in the file: a copy off the host. A failure is logged only; the
	// file is what verification reads.
	Webhook string
	// Client posts to the webhook (a client with a 10 s timeout when nil).
	Client *http.Client
}

// PublicKey verifies the checkpoints this Checkpointer signs.
func (c *Checkpointer) PublicKey() ed25519.PublicKey { return c.Key.Public().(ed25519.PublicKey) }

// Write checkpoints the current heads, changed or not (an export, the
// `audit checkpoint` command), and returns the checkpoint written.
func (c *Checkpointer) Write(ctx context.Context) (Checkpoint, error) {
	heads, _, err := c.heads(ctx)
	if err != nil {
		return Checkpoint{}, err
	}
	return c.write(ctx, heads)
}

// WriteIfChanged checkpoints the heads when they differ from the file's last
// valid checkpoint (or there is none), so an idle instance does not grow the
// file.
func (c *Checkpointer) WriteIfChanged(ctx context.Context) (written bool, err error) {
	heads, last, err := c.heads(ctx)
	if err != nil {
		return false, err
	}
	if last != nil && sameHeads(last.Heads, heads) {
		return false, nil
	}
	if _, err := c.write(ctx, heads); err != nil {
		return false, err
	}
	return true, nil
}

// Run checkpoints at start and then every Interval until ctx ends, writing
// only when a head changed. It verifies every chain in full when the last
// full verification (LastFull, kept in the database) is FullVerifyInterval
// old, so a restart does not re-hash every chain while the server starts
// answering (100,000 rows take seconds of a small server's CPU), and a
// server that restarts often still verifies in full on time.
func (c *Checkpointer) Run(ctx context.Context) {
	interval := c.Interval
	if interval <= 0 {
		interval = CheckpointInterval
	}
	ticker := time.NewTicker(interval)
	defer ticker.Stop()
	lastFull, err := c.LastFull(ctx)
	if err != nil && ctx.Err() == nil {
		c.logger().Error("audit full verification", "err", err.Error())
	}
	for {
		if _, err := c.WriteIfChanged(ctx); err != nil && ctx.Err() == nil {
			c.logger().Error("audit checkpoint", "err", err.Error())
		}
		if lastFull.IsZero() || time.Since(lastFull) >= cmp.Or(c.FullVerifyInterval, FullVerifyInterval) {
			lastFull = time.Now()
			if err := c.VerifyFull(ctx); err != nil && ctx.Err() == nil {
				c.logger().Error("audit full verification", "err", err.Error())
			}
		}
		select {
		case <-ctx.Done():
			return
		case <-ticker.C:
		}
	}
}

// LastFull is when every chain was last verified from its first row: the
// oldest full verification of the chains' verified points (RecordVerified),
// or zero when a chain has no point (never verified in full, or found
// broken) or there are no chains.
func (c *Checkpointer) LastFull(ctx context.Context) (time.Time, error) {
	ctx = db.AcrossEntities(ctx) // every chain
	heads, err := Heads(ctx, c.Pool)
	if err != nil || len(heads) == 0 {
		return time.Time{}, err
	}
	rows, err := c.Pool.Query(ctx, `SELECT chain, full_at FROM audit_verified`)
	if err != nil {
		return time.Time{}, fmt.Errorf("audit: last full verification: %w", err)
	}
	fullAt := map[int64]time.Time{}
	var chain int64
	var at time.Time
	if _, err := pgx.ForEachRow(rows, []any{&chain, &at}, func() error { fullAt[chain] = at; return nil }); err != nil {
		return time.Time{}, fmt.Errorf("audit: last full verification: %w", err)
	}
	var oldest time.Time
	for _, h := range heads {
		at, ok := fullAt[h.EntityID]
		if !ok {
			return time.Time{}, nil
		}
		if oldest.IsZero() || at.Before(oldest) {
			oldest = at
		}
	}
	return oldest, nil
}

// VerifyFull verifies every chain from its first row and records the
// verified points (RecordVerified), so the views' checkpointed verification
// also rests on a recent full one. A broken chain is logged as an error.
func (c *Checkpointer) VerifyFull(ctx context.Context) error {
	ctx = db.AcrossEntities(ctx) // every chain
	res, err := VerifyAnchored(ctx, c.Pool, 0, true, nil)
	if err != nil {
		return err
	}
	if b := res.Broken; b != nil {
		c.logger().Error("audit chain broken; run `weerbaar audit verify`", "entity", b.EntityID, "seq", b.Seq, "reason", b.Reason)
	}
	return RecordVerified(ctx, c.Pool, res)
}

// heads returns the heads to checkpoint and the file's last valid
// checkpoint, if any. A checkpoint never moves a head back: a chain that no
// longer holds the row the last checkpoint recorded (its tail was cut, or
// cut and written anew) keeps that recorded head, and the cut is logged as
// an error. So the last checkpoint alone — what the audit page reads —
// still shows the cut, however many checkpoints follow.
func (c *Checkpointer) heads(ctx context.Context) ([]Head, *Checkpoint, error) {
	// Checkpoints are of every chain, so they read across entities.
	ctx = db.AcrossEntities(ctx)
	heads, err := Heads(ctx, c.Pool)
	if err != nil {
		return nil, nil, err
	}
	last, ok, err := LastCheckpoint(c.Path, c.PublicKey())
	if err != nil || !ok {
		return heads, nil, err
	}
	lost, err := missingHeads(ctx, c.Pool, last.Heads)
	if err != nil {
		return nil, nil, err
	}
	for _, h := range lost {
		c.logger().Error("audit chain lost rows its last checkpoint recorded; run `weerbaar audit verify`",
			"entity", h.EntityID, "checkpoint_seq", h.Seq, "checkpoint_at", last.CreatedAt.Format(time.RFC3339))
		i := slices.IndexFunc(heads, func(x Head) bool { return x.EntityID == h.EntityID })
		if i < 0 {
			heads = append(heads, h)
		} else {
			heads[i] = h
		}
	}
	slices.SortFunc(heads, func(a, b Head) int { return cmp.Compare(a.EntityID, b.EntityID) })
	return heads, &last, nil
}

// missingHeads returns the recorded heads whose row is gone or has another
// hash, in one query.
func missingHeads(ctx context.Context, q db.Querier, recorded []Head) ([]Head, error) {
	if len(recorded) == 0 {
		return nil, nil
	}
	ids, seqs, hashes := make([]int64, len(recorded)), make([]int64, len(recorded)), make([]string, len(recorded))
	for i, h := range recorded {
		ids[i], seqs[i], hashes[i] = h.EntityID, h.Seq, h.Hash
	}
	rows, err := q.Query(ctx, `SELECT r.e, r.s, r.h FROM unnest(@ids::bigint[], @seqs::bigint[], @hashes::text[]) AS r(e, s, h)
		LEFT JOIN audit_log a ON (CASE WHEN a.entity_id IS NULL THEN 0 ELSE a.entity_id END) = r.e AND a.seq = r.s
		WHERE a.hash IS DISTINCT FROM r.h ORDER BY r.e`, pgx.StrictNamedArgs{"ids": ids, "seqs": seqs, "hashes": hashes})
	if err != nil {
		return nil, fmt.Errorf("audit: check checkpointed heads: %w", err)
	}
	lost, err := pgx.CollectRows(rows, func(row pgx.CollectableRow) (Head, error) {
		var h Head
		err := row.Scan(&h.EntityID, &h.Seq, &h.Hash)
		return h, err
	})
	if err != nil {
		return nil, fmt.Errorf("audit: check checkpointed heads: %w", err)
	}
	return lost, nil
}

func (c *Checkpointer) write(ctx context.Context, heads []Head) (Checkpoint, error) {
	now := time.Now
	if c.Now != nil {
		now = c.Now
	}
	cp := Checkpoint{Instance: c.Instance, CreatedAt: now().UTC(), Heads: heads}
	line, err := SignCheckpoint(cp, c.Key)
	if err != nil {
		return Checkpoint{}, err
	}
	if err := AppendCheckpoint(c.Path, line); err != nil {
		return Checkpoint{}, err
	}
	if c.Webhook != "" {
		if err := c.post(ctx, line); err != nil {
			// The URL may hold a token: log only the error's kind.
			c.logger().Error("audit checkpoint webhook failed; the checkpoint is in the file", "err", err.Error())
		}
	}
	return cp, nil
}

// post sends one checkpoint line to the webhook.
func (c *Checkpointer) post(ctx context.Context, line []byte) error {
	client := c.Client
	if client == nil {
		client = &http.Client{Timeout: 10 * time.Second}
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, c.Webhook, bytes.NewReader(line))
	if err != nil {
		return errors.New("invalid webhook URL")
	}
	req.Header.Set("Content-Type", "application/json")
	resp, err := client.Do(req)
	if err != nil {
		var uerr *url.Error
		if errors.As(err, &uerr) {
			err = uerr.Err // without the URL
		}
		return fmt.Errorf("post: %w", err)
	}
	_, _ = io.Copy(io.Discard, io.LimitReader(resp.Body, 64<<10))
	_ = resp.Body.Close()
	if resp.StatusCode/100 != 2 {
		return fmt.Errorf("webhook answered %s", resp.Status)
	}
	return nil
}

func (c *Checkpointer) logger() *slog.Logger {
	if c.Logger == nil {
		return slog.Default()
	}
	return c.Logger
}

// String describes a cut in English, naming what is missing.
func (c Cut) String() string {
	s := fmt.Sprintf("rows after sequence %d missing", c.Kept)
	switch {
	case c.Head == 0:
		s += fmt.Sprintf(" (the whole chain is gone; the checkpoint of %s recorded sequence %d)",
			c.CheckpointAt.Format(time.RFC3339), c.CheckpointSeq)
	case c.ReplacedSeq != 0:
		s += fmt.Sprintf(" (the row at sequence %d is not the one the checkpoint of %s recorded; the chain now ends at %d)",
			c.ReplacedSeq, c.CheckpointAt.Format(time.RFC3339), c.Head)
	default:
		s += fmt.Sprintf(" (the chain ends at %d; the checkpoint of %s recorded sequence %d)",
			c.Head, c.CheckpointAt.Format(time.RFC3339), c.CheckpointSeq)
	}
	return s
}
