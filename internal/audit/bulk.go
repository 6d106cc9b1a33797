package audit

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"
)

// Chain writes rows of one chain outside Record, for bulk loads (the large
// benchmark dataset): Copy hashes each row exactly as Record does and
// streams the rows into one COPY, so hashing overlaps the database's work.
// LockChain holds the chain's lock for the rest of the transaction, so no
// Record interleaves.
type Chain struct {
	entityID int64
	seq      int64
	head     string
}

// LockChain takes the chain's advisory lock for the rest of tx and returns
// a Chain that continues from the chain's head.
func LockChain(ctx context.Context, tx pgx.Tx, entityID int64) (*Chain, error) {
	args := pgx.StrictNamedArgs{"chain": entityID}
	if _, err := tx.Exec(ctx, `SELECT pg_advisory_xact_lock(hashtextextended('weerbaar.audit_log.' || @chain::bigint, 0))`, args); err != nil {
		return nil, fmt.Errorf("audit: lock chain %d: %w", entityID, err)
	}
	c := &Chain{entityID: entityID, head: GenesisHash}
	err := tx.QueryRow(ctx, `SELECT seq, hash FROM audit_log WHERE (CASE WHEN entity_id IS NULL THEN 0 ELSE entity_id END) = @chain ORDER BY seq DESC LIMIT 1`, args).
		Scan(&c.seq, &c.head)
	if err != nil && !errors.Is(err, pgx.ErrNoRows) {
		return nil, fmt.Errorf("audit: head of chain %d: %w", entityID, err)
	}
	return c, nil
}

// Entry is one event for Copy: done at At by Meta's actor from Meta's
// address; the Event's ActorID and ActorEmail override the Meta's as in
// Record. Times should not go back within a chain (Record's rows follow
// seq in time).
type Entry struct {
	Event
	Meta Meta
	At   time.Time
}

// Copy appends n entries, the i-th from next(i), to the chain with one
// COPY and returns how many rows it wrote.
func (c *Chain) Copy(ctx context.Context, tx pgx.Tx, n int, next func(i int) Entry) (int64, error) {
	var entity *int64
	if c.entityID != 0 {
		entity = &c.entityID
	}
	i := 0
	src := pgx.CopyFromFunc(func() ([]any, error) {
		if i == n {
			return nil, nil
		}
		r, err := c.next(next(i))
		if err != nil {
			return nil, err
		}
		i++
		return []any{entity, r.Seq, r.At, r.ActorID, r.ActorEmail, r.Action, r.ObjectType, r.ObjectID, r.IP, r.UserAgent,
			string(r.Changes), r.PrevHash, r.Hash}, nil
	})
	written, err := tx.CopyFrom(ctx, pgx.Identifier{"audit_log"},
		[]string{"entity_id", "seq", "at", "actor_id", "actor_email", "action", "object_type", "object_id", "ip", "user_agent", "changes", "prev_hash", "hash"}, src)
	if err != nil {
		return written, fmt.Errorf("audit: copy chain %d: %w", c.entityID, err)
	}
	return written, nil
}

// next hashes e as the chain's next row.
func (c *Chain) next(e Entry) (Row, error) {
	if e.Action == "" {
		return Row{}, errors.New("audit: copy: event without action")
	}
	changes, err := changesJSON(e.Before, e.After)
	if err != nil {
		return Row{}, fmt.Errorf("audit: copy %s: %w", e.Action, err)
	}
	m := e.Meta
	if e.ActorID != 0 {
		m.ActorID = e.ActorID
	}
	if e.ActorEmail != "" {
		m.ActorEmail = e.ActorEmail
	}
	r := Row{EntityID: c.entityID, Seq: c.seq + 1, At: stamp(e.At), PrevHash: c.head,
		ActorEmail: cleanText(m.ActorEmail, maxEmail), Action: cleanText(e.Action, maxField),
		ObjectType: cleanText(e.ObjectType, maxField), ObjectID: cleanText(e.ObjectID, maxField),
		IP: cleanText(m.IP, maxIP), UserAgent: cleanText(m.UserAgent, maxUserAgent), Changes: changes}
	if m.ActorID != 0 {
		id := m.ActorID
		r.ActorID = &id
	}
	if r.Hash, err = rowHash(r); err != nil {
		return Row{}, fmt.Errorf("audit: copy %s: %w", e.Action, err)
	}
	c.seq, c.head = r.Seq, r.Hash
	return r, nil
}
