package audit

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"
)

// Chain builds rows of one chain outside Record, for bulk loads (the large
// benchmark dataset): Append hashes exactly as Record does, and Copy writes
// the rows with one COPY. The caller holds the chain's lock (LockChain) in
// the transaction that copies, so no Record interleaves.
type Chain struct {
	entityID int64
	seq      int64
	head     string
	rows     []Row
}

// LockChain takes the chain's advisory lock for the rest of tx and returns
// a Chain that continues from the chain's head.
func LockChain(ctx context.Context, tx pgx.Tx, entityID int64) (*Chain, error) {
	args := pgx.StrictNamedArgs{"chain": entityID}
	if _, err := tx.Exec(ctx, `SELECT pg_advisory_xact_lock(hashtextextended('weerbaar.audit_log.' || @chain::bigint, 0))`, args); err != nil {
		return nil, fmt.Errorf("audit: lock chain %d: %w", entityID, err)
	}
	c := &Chain{entityID: entityID, head: GenesisHash}
	err := tx.QueryRow(ctx, `SELECT seq, hash FROM audit_log WHERE coalesce(entity_id, 0) = @chain ORDER BY seq DESC LIMIT 1`, args).
		Scan(&c.seq, &c.head)
	if err != nil && !errors.Is(err, pgx.ErrNoRows) {
		return nil, fmt.Errorf("audit: head of chain %d: %w", entityID, err)
	}
	return c, nil
}

// Append adds e, done at at by m's actor from m's address, as the chain's
// next row; e's ActorID and ActorEmail override m's as in Record. Times
// should not go back within a chain (Record's rows follow seq in time).
func (c *Chain) Append(e Event, m Meta, at time.Time) error {
	if e.Action == "" {
		return errors.New("audit: append: event without action")
	}
	changes, err := changesJSON(e.Before, e.After)
	if err != nil {
		return fmt.Errorf("audit: append %s: %w", e.Action, err)
	}
	if e.ActorID != 0 {
		m.ActorID = e.ActorID
	}
	if e.ActorEmail != "" {
		m.ActorEmail = e.ActorEmail
	}
	r := Row{EntityID: c.entityID, Seq: c.seq + 1, At: stamp(at), PrevHash: c.head,
		ActorEmail: cleanText(m.ActorEmail, maxEmail), Action: cleanText(e.Action, maxField),
		ObjectType: cleanText(e.ObjectType, maxField), ObjectID: cleanText(e.ObjectID, maxField),
		IP: cleanText(m.IP, maxIP), UserAgent: cleanText(m.UserAgent, maxUserAgent), Changes: changes}
	if m.ActorID != 0 {
		id := m.ActorID
		r.ActorID = &id
	}
	if r.Hash, err = rowHash(r); err != nil {
		return fmt.Errorf("audit: append %s: %w", e.Action, err)
	}
	c.seq, c.head = r.Seq, r.Hash
	c.rows = append(c.rows, r)
	return nil
}

// Len is the number of rows appended and not yet copied.
func (c *Chain) Len() int { return len(c.rows) }

// Copy writes the appended rows with one COPY and forgets them.
func (c *Chain) Copy(ctx context.Context, tx pgx.Tx) (int64, error) {
	var entity *int64
	if c.entityID != 0 {
		entity = &c.entityID
	}
	n, err := tx.CopyFrom(ctx, pgx.Identifier{"audit_log"},
		[]string{"entity_id", "seq", "at", "actor_id", "actor_email", "action", "object_type", "object_id", "ip", "user_agent", "changes", "prev_hash", "hash"},
		pgx.CopyFromSlice(len(c.rows), func(i int) ([]any, error) {
			r := c.rows[i]
			return []any{entity, r.Seq, r.At, r.ActorID, r.ActorEmail, r.Action, r.ObjectType, r.ObjectID, r.IP, r.UserAgent,
				string(r.Changes), r.PrevHash, r.Hash}, nil
		}))
	if err != nil {
		return n, fmt.Errorf("audit: copy chain %d: %w", c.entityID, err)
	}
	c.rows = c.rows[:0]
	return n, nil
}
