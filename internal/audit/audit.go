// Package audit is Weerbaar's tamper-evident audit log: every mutation writes
// one row with Record, in the same transaction as the change, so the change
// and its trace are committed together or not at all. It is the only way to
// write to the log.
//
// # Storage
//
// Rows live in the audit_log table (migration 000003). Triggers reject
// UPDATE, DELETE and TRUNCATE, so the application cannot rewrite history;
// someone with the power to disable the triggers can, which is what the hash
// chain is for.
//
// # Chains
//
// Rows form one chain per entity (entity_id), plus the instance-wide chain
// (entity_id NULL, EntityID 0 in Go) for events not tied to an entity, such as
// a failed login of an unknown address. Within a chain, seq runs 1, 2, 3…
// without gaps. Record serialises writers of a chain with a transaction-scoped
// advisory lock,
//
//	pg_advisory_xact_lock(hashtextextended('weerbaar.audit_log.' || chain, 0))
//
// where chain is the entity id or 0, and a unique index on
// (chain, seq) makes a fork impossible even without it. The chain is written
// CASE WHEN entity_id IS NULL THEN 0 ELSE entity_id END in every query (and
// index, migration 000046), not coalesce: row-level security lets only
// leak-proof expressions use an index, and PostgreSQL counts COALESCE as none.
//
// # Hash (for an independent verifier)
//
// Read the rows of a chain ordered by seq. For each row,
//
//	hash = lowercase_hex(SHA-256(prev_hash ‖ canonical_row))
//
// where prev_hash is the 64 lowercase hex characters of the previous row's
// hash taken as ASCII bytes (64 '0' characters for seq 1, see GenesisHash),
// ‖ is concatenation, and canonical_row is the UTF-8 JSON object with exactly
// these keys in exactly this order, no whitespace anywhere (wrapped here):
//
//	{"entity_id":E,"seq":S,"at":T,"actor_id":A,"actor_email":"…",
//	"action":"…","object_type":"…","object_id":"…","ip":"…",
//	"user_agent":"…","changes":C}
//
// where
//
//   - E is the entity id as a decimal integer, or null for the instance chain;
//   - S is seq as a decimal integer;
//   - T is the at column in UTC as a string with exactly six fractional
//     digits and a Z, e.g. "2025-03-01T09:04:05.120000Z";
//   - A is actor_id as a decimal integer, or null when the column is NULL;
//   - the strings are the columns' text, escaped as below;
//   - C is the changes column, re-serialised canonically (below). Its shape
//     is {"after":{field:value…},"before":{field:value…}}, holding only the
//     fields that changed; a side with no fields is left out, so an event
//     without changes has {}.
//
// JSON values are written canonically, so the jsonb read back from
// PostgreSQL (whose own output adds spaces and reorders keys) yields the same
// bytes as at insert:
//
//   - objects: members sorted by key, bytewise on the key's UTF-8, as
//     {"k":v,"k2":v2}; arrays: [v,v2] in their order; null, true, false.
//   - strings: in double quotes; '"' as \", '\' as \\, U+0008 as \b, U+000C
//     as \f, U+000A as \n, U+000D as \r, U+0009 as \t, any other character
//     below U+0020 as \u00xx with lowercase hex; every other character,
//     including '/', '<', '>', '&', U+2028 and U+2029, as its raw UTF-8 bytes.
//   - numbers: the exact decimal value (never through binary floating
//     point) in plain notation: an optional '-', the integer part without
//     leading zeros (at least "0"), then '.' and the fraction without trailing
//     zeros if the fraction is not zero; no exponent, no '+'; zero is 0. So
//     1E2, 100.0 and 100 are all 100, and 1e-7 is 0.0000001.
//
// A verifier also checks that each row's prev_hash equals the previous row's
// hash and that seq has no gaps; Verify does all three. Removing a chain's
// newest rows leaves no gap behind, so the chain heads (seq and hash) are
// also recorded outside the database, signed, in the checkpoint file (see
// checkpoint.go and docs/operations.md), and VerifyAnchored compares the
// chains with them.
package audit

import (
	"context"
	"errors"
	"fmt"
	"reflect"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/weerbaar/weerbaar/internal/db"
)

// Longest stored values of the free-text request fields: they come from
// headers and login forms, so an attacker must not be able to bloat the log
// or make the write fail.
const (
	maxEmail     = 320
	maxIP        = 64
	maxUserAgent = 512
	maxField     = 1024
)

// Meta is who and where, set once per request by HTTP middleware and read by
// Record, so services do not pass request details through every call.
type Meta struct {
	ActorID    int64 // 0 = no signed-in user
	ActorEmail string
	IP         string
	UserAgent  string
}

type metaKey struct{}

// WithMeta returns ctx carrying m for Record.
func WithMeta(ctx context.Context, m Meta) context.Context {
	return context.WithValue(ctx, metaKey{}, m)
}

// MetaFrom returns the Meta set by WithMeta, or the zero Meta (jobs, CLI).
func MetaFrom(ctx context.Context) Meta {
	m, _ := ctx.Value(metaKey{}).(Meta)
	return m
}

// Event is one change to record. EntityID 0 means the instance-wide chain.
// Before and After hold only the changed fields (use Diff); values may be
// anything encoding/json can marshal. Actor, IP and user agent come from the
// Meta in the context; ActorID and ActorEmail, when set, override the Meta's
// for events such as a login, where the actor is known only in the handler.
type Event struct {
	EntityID   int64
	Action     string // dotted verb, e.g. "user.login", "membership.role_changed", "measure.update"
	ObjectType string // e.g. "user", "membership", "measure"
	ObjectID   string
	Before     map[string]any
	After      map[string]any
	ActorID    int64
	ActorEmail string
}

// Record appends e to its chain in the caller's transaction. It takes a
// transaction-scoped advisory lock on the chain (held until the caller's
// transaction ends, so call Record as the last statement of the
// transaction), reads the chain head, computes the row's hash and inserts the
// row.
//
// Under READ COMMITTED (the default) this never conflicts. A REPEATABLE READ
// or SERIALIZABLE transaction may read a stale head; the unique index then
// makes the insert fail with db.ErrConflict instead of forking the chain, and
// the caller may retry. A transaction that writes to two chains should do so
// in a fixed order (instance chain first) to avoid deadlocks.
func Record(ctx context.Context, tx pgx.Tx, e Event) error {
	if e.Action == "" {
		return errors.New("audit: record: event without action")
	}
	if e.EntityID < 0 {
		return fmt.Errorf("audit: record %s: invalid entity id %d", e.Action, e.EntityID)
	}
	m := MetaFrom(ctx)
	if e.ActorID != 0 {
		m.ActorID = e.ActorID
	}
	if e.ActorEmail != "" {
		m.ActorEmail = e.ActorEmail
	}
	changes, err := changesJSON(e.Before, e.After)
	if err != nil {
		return fmt.Errorf("audit: record %s: %w", e.Action, err)
	}
	r := Row{
		EntityID:   e.EntityID,
		ActorEmail: cleanText(m.ActorEmail, maxEmail),
		Action:     cleanText(e.Action, maxField),
		ObjectType: cleanText(e.ObjectType, maxField),
		ObjectID:   cleanText(e.ObjectID, maxField),
		IP:         cleanText(m.IP, maxIP),
		UserAgent:  cleanText(m.UserAgent, maxUserAgent),
		Changes:    changes,
	}
	if m.ActorID != 0 {
		r.ActorID = &m.ActorID
	}

	chain := pgx.StrictNamedArgs{"chain": e.EntityID}
	if _, err := tx.Exec(ctx, `SELECT pg_advisory_xact_lock(hashtextextended('weerbaar.audit_log.' || @chain::bigint, 0))`, chain); err != nil {
		return fmt.Errorf("audit: record %s: lock chain %d: %w", e.Action, e.EntityID, err)
	}
	// A statement of its own, after the lock: under READ COMMITTED its snapshot
	// includes the previous holder's committed row.
	var lastSeq int64
	var lastHash string
	err = tx.QueryRow(ctx, `SELECT seq, hash FROM audit_log
		WHERE (CASE WHEN entity_id IS NULL THEN 0 ELSE entity_id END) = @chain ORDER BY seq DESC LIMIT 1`, chain).Scan(&lastSeq, &lastHash)
	switch {
	case errors.Is(err, pgx.ErrNoRows):
		lastSeq, lastHash = 0, GenesisHash
	case err != nil:
		return fmt.Errorf("audit: record %s: read head of chain %d: %w", e.Action, e.EntityID, err)
	}
	r.Seq = lastSeq + 1
	r.PrevHash = lastHash
	r.At = stamp(time.Now()) // after the lock, so time follows seq within a chain
	if r.Hash, err = rowHash(r); err != nil {
		return fmt.Errorf("audit: record %s: %w", e.Action, err)
	}

	var entityID *int64
	if r.EntityID != 0 {
		entityID = &r.EntityID
	}
	_, err = tx.Exec(ctx, `INSERT INTO audit_log
		(entity_id, seq, at, actor_id, actor_email, action, object_type, object_id, ip, user_agent, changes, prev_hash, hash)
		VALUES (@entity_id, @seq, @at, @actor_id, @actor_email, @action, @object_type, @object_id, @ip, @user_agent, @changes, @prev_hash, @hash)`,
		pgx.StrictNamedArgs{
			"entity_id": entityID, "seq": r.Seq, "at": r.At, "actor_id": r.ActorID,
			"actor_email": r.ActorEmail, "action": r.Action, "object_type": r.ObjectType, "object_id": r.ObjectID,
			"ip": r.IP, "user_agent": r.UserAgent, "changes": r.Changes, "prev_hash": r.PrevHash, "hash": r.Hash,
		})
	if err != nil {
		return fmt.Errorf("audit: record %s in chain %d: %w", e.Action, e.EntityID, db.MapError(err))
	}
	return nil
}

// Diff returns the fields whose values differ between before and after, for
// Event.Before and Event.After: a changed field appears in both results, an
// added one only in a, a removed one only in b. Values are compared by their
// canonical JSON form, which is what the log stores: int 1, int64 1 and
// float64 1 are equal, while nil and a missing key are not. Both results are
// non-nil.
func Diff(before, after map[string]any) (b, a map[string]any) {
	b, a = map[string]any{}, map[string]any{}
	for k, bv := range before {
		av, ok := after[k]
		if !ok {
			b[k] = bv
			continue
		}
		if !sameValue(bv, av) {
			b[k], a[k] = bv, av
		}
	}
	for k, av := range after {
		if _, ok := before[k]; !ok {
			a[k] = av
		}
	}
	return b, a
}

// sameValue compares two field values as the log would store them.
func sameValue(x, y any) bool {
	cx, errX := changesJSON(nil, map[string]any{"v": x})
	cy, errY := changesJSON(nil, map[string]any{"v": y})
	if errX != nil || errY != nil {
		return reflect.DeepEqual(x, y)
	}
	return string(cx) == string(cy)
}
