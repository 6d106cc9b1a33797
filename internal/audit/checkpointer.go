package audit

import (
	"context"
	"crypto/ed25519"
	"fmt"
	"log/slog"
	"time"

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
}

// PublicKey verifies the checkpoints this Checkpointer signs.
func (c *Checkpointer) PublicKey() ed25519.PublicKey { return c.Key.Public().(ed25519.PublicKey) }

// Write checkpoints the current heads, changed or not (an export, the
// `audit checkpoint` command), and returns the checkpoint written.
func (c *Checkpointer) Write(ctx context.Context) (Checkpoint, error) {
	heads, err := Heads(ctx, c.Pool)
	if err != nil {
		return Checkpoint{}, err
	}
	return c.write(heads)
}

// WriteIfChanged checkpoints the heads when they differ from the file's last
// valid checkpoint (or there is none), so an idle instance does not grow the
// file. A head that moved back since is logged as an error: the checkpoint
// is still written, and verification, which compares with every checkpoint,
// reports the cut.
func (c *Checkpointer) WriteIfChanged(ctx context.Context) (written bool, err error) {
	heads, err := Heads(ctx, c.Pool)
	if err != nil {
		return false, err
	}
	last, ok, err := LastCheckpoint(c.Path, c.PublicKey())
	if err != nil {
		return false, err
	}
	if ok && sameHeads(last.Heads, heads) {
		return false, nil
	}
	if ok {
		c.warnMovedBack(last, heads)
	}
	if _, err := c.write(heads); err != nil {
		return false, err
	}
	return true, nil
}

// Run checkpoints at start and then every Interval until ctx ends, writing
// only when a head changed.
func (c *Checkpointer) Run(ctx context.Context) {
	interval := c.Interval
	if interval <= 0 {
		interval = CheckpointInterval
	}
	ticker := time.NewTicker(interval)
	defer ticker.Stop()
	for {
		if _, err := c.WriteIfChanged(ctx); err != nil && ctx.Err() == nil {
			c.logger().Error("audit checkpoint", "err", err.Error())
		}
		select {
		case <-ctx.Done():
			return
		case <-ticker.C:
		}
	}
}

func (c *Checkpointer) write(heads []Head) (Checkpoint, error) {
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
	return cp, nil
}

// warnMovedBack logs every chain whose head is now below the last
// checkpoint's: the operator learns of a cut tail without running verify.
func (c *Checkpointer) warnMovedBack(last Checkpoint, heads []Head) {
	now := map[int64]int64{}
	for _, h := range heads {
		now[h.EntityID] = h.Seq
	}
	for _, h := range last.Heads {
		if now[h.EntityID] < h.Seq {
			c.logger().Error("audit chain shorter than its last checkpoint: rows missing; run `weerbaar audit verify`",
				"entity", h.EntityID, "head", now[h.EntityID], "checkpoint_seq", h.Seq,
				"checkpoint_at", last.CreatedAt.Format(time.RFC3339))
		}
	}
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
