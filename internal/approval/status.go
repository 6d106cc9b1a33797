package approval

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/weerbaar/weerbaar/internal/db"
)

// Standing is a record's approval state as pages show it.
type Standing string

// The standings of a record.
const (
	// Never: no request for the record was ever approved.
	Never Standing = "never"
	// Approved: the current content is exactly what was last approved.
	Approved Standing = "approved"
	// Outdated ("verouderd"): the content changed since it was last approved.
	Outdated Standing = "outdated"
)

// Status is a record's approval standing: the last approved request, whether
// the current content still has its hash (and if not, what changed), and a
// pending request, if any.
type Status struct {
	Standing    Standing
	CurrentHash string
	// LastID, LastHash and LastAt describe the last approved request (zero
	// when Never).
	LastID   int64
	LastHash string
	LastAt   *time.Time
	// LastSnapshot is the canonical document last approved when it differs
	// from the current one ("" when Never or Approved; BoardView always
	// reads it).
	LastSnapshot string
	// PendingID is the pending request for the record (0 when none).
	PendingID int64
	// Changes are what changed since the last approval (when Outdated).
	Changes []Change
}

// StatusOf compares current (a kind's Content.Data for kind and ref) with the
// record's last approved snapshot, in one query (StatusOfHash's).
func StatusOf(ctx context.Context, q db.Querier, entityID int64, kind, ref string, current any) (Status, error) {
	doc, hash, err := Canonical(current)
	if err != nil {
		return Status{}, err
	}
	return StatusOfHash(ctx, q, entityID, kind, ref, hash, func() ([]byte, error) { return doc, nil })
}

// compare completes st (the current content's document doc) with the last
// approved request: approved when the hashes match, else outdated with the
// changes.
func compare(st Status, lastID int64, lastHash, lastDoc string, doc []byte) (Status, error) {
	st.LastID, st.LastHash, st.LastSnapshot = lastID, lastHash, lastDoc
	if lastHash == st.CurrentHash {
		st.Standing = Approved
		return st, nil
	}
	st.Standing = Outdated
	var err error
	if st.Changes, err = DiffSnapshots([]byte(lastDoc), doc); err != nil {
		return Status{}, err
	}
	return st, nil
}

// BoardView is what the board's first screen needs of approvals, in one
// query: the pending requests userID may still decide (newest first) and
// the standing of one record (kind, ref) whose current content is current.
func BoardView(ctx context.Context, q db.Querier, entityID, userID int64, kind, ref string, current any) ([]Request, Status, error) {
	doc, hash, err := Canonical(current)
	if err != nil {
		return nil, Status{}, err
	}
	type row struct {
		Mine    bool `db:"mine"`
		Last    bool `db:"last"`
		Pending bool `db:"pending_for_record"`
		Request
	}
	rows, err := q.Query(ctx, `SELECT `+mineCondition+` AS mine,
			-- coalesce: a record never approved has no last request (NULL).
			coalesce(r.id = (SELECT l.id FROM approval_requests l WHERE l.entity_id = r.entity_id AND l.kind = @kind AND l.subject_ref = @ref
				AND l.state = 'approved' ORDER BY l.decided_at DESC, l.id DESC LIMIT 1), false) AS last,
			(r.kind = @kind AND r.subject_ref = @ref AND r.state = 'pending') AS pending_for_record, `+requestColumns+`
		WHERE r.entity_id = @entity AND (`+mineCondition+` OR (r.kind = @kind AND r.subject_ref = @ref AND r.state = 'pending')
			OR r.id = (SELECT l.id FROM approval_requests l WHERE l.entity_id = r.entity_id AND l.kind = @kind AND l.subject_ref = @ref
				AND l.state = 'approved' ORDER BY l.decided_at DESC, l.id DESC LIMIT 1))
		ORDER BY r.submitted_at DESC, r.id DESC LIMIT `+strconv.Itoa(ListLimit),
		pgx.StrictNamedArgs{"entity": entityID, "user": userID, "kind": kind, "ref": ref})
	if err != nil {
		return nil, Status{}, fmt.Errorf("approvals for the board of entity %d: %w", entityID, err)
	}
	found, err := pgx.CollectRows(rows, pgx.RowToStructByName[row])
	if err != nil {
		return nil, Status{}, fmt.Errorf("approvals for the board of entity %d: %w", entityID, err)
	}
	st := Status{Standing: Never, CurrentHash: hash}
	var mine []Request
	for _, f := range found {
		if f.Mine {
			mine = append(mine, f.Request)
		}
		if f.Pending {
			st.PendingID = f.ID
		}
		if f.Last {
			st.LastAt = f.DecidedAt
			if st, err = compare(st, f.ID, f.SnapshotHash, f.Snapshot, doc); err != nil {
				return nil, Status{}, err
			}
		}
	}
	return mine, st, nil
}

// Record is a request as its decision record shows it: with the later
// approved request of the same record that replaced it, if any.
type Record struct {
	Request
	// SupersededBy is the id of a request of the same record approved
	// after this one (nil when none).
	SupersededBy *int64 `db:"superseded_by"`
	// Previous is the last request of the same record approved before this
	// one was submitted (what this one changes): its id, snapshot and hash,
	// nil when there is none. Only GetRecord reads it.
	PreviousID       *int64  `db:"previous_id"`
	PreviousSnapshot *string `db:"previous_snapshot"`
	PreviousHash     *string `db:"previous_hash"`
}

// supersededBy is the Record query's column: the request of the same record
// approved after x, when x was approved.
const supersededBy = `(SELECT l.id FROM approval_requests l WHERE l.entity_id = x.entity_id AND l.kind = x.kind
		AND l.subject_ref = x.subject_ref AND l.state = 'approved' AND x.state = 'approved' AND l.id <> x.id
		AND (l.decided_at, l.id) > (x.decided_at, x.id) ORDER BY l.decided_at DESC, l.id DESC LIMIT 1) AS superseded_by`

// GetRecord returns one request of the entity with what superseded it and
// the approval it follows, in one query; another entity's id is
// db.ErrNotFound.
func GetRecord(ctx context.Context, q db.Querier, entityID, id int64) (Record, error) {
	return db.GetOne[Record](ctx, q, fmt.Sprintf("load decision record %d", id),
		`SELECT x.*, `+supersededBy+`, p.id AS previous_id, p.snapshot AS previous_snapshot, p.snapshot_hash AS previous_hash
		FROM (SELECT `+requestColumns+` WHERE r.entity_id = @entity AND r.id = @id) x
		LEFT JOIN LATERAL (SELECT l.id, l.snapshot, l.snapshot_hash FROM approval_requests l
			WHERE l.entity_id = x.entity_id AND l.kind = x.kind AND l.subject_ref = x.subject_ref
				AND l.state = 'approved' AND l.id <> x.id AND l.decided_at <= x.submitted_at
			ORDER BY l.decided_at DESC LIMIT 1) p ON true`,
		pgx.StrictNamedArgs{"entity": entityID, "id": id})
}

// Records returns every request of the entity submitted in [from, to), oldest
// first, each with what superseded it, in one query and without List's
// limit: the evidence package holds the whole period.
func Records(ctx context.Context, q db.Querier, entityID int64, from, to time.Time) ([]Record, error) {
	rows, err := q.Query(ctx, `SELECT x.*, `+supersededBy+`,
			NULL::bigint AS previous_id, NULL::text AS previous_snapshot, NULL::text AS previous_hash
		FROM (SELECT `+requestColumns+` WHERE r.entity_id = @entity AND r.submitted_at >= @from AND r.submitted_at < @to) x
		ORDER BY x.submitted_at, x.id`,
		pgx.StrictNamedArgs{"entity": entityID, "from": from, "to": to})
	if err != nil {
		return nil, fmt.Errorf("decision records of entity %d: %w", entityID, err)
	}
	return pgx.CollectRows(rows, pgx.RowToStructByName[Record])
}

// Currency is whether an approved request still holds today.
type Currency struct {
	// Standing is Approved while the record's content is still exactly what
	// was approved, Outdated ("verouderd") when it changed, was replaced by a
	// later approval or no longer exists, and "" for a request that was
	// never approved.
	Standing Standing
	// SupersededBy is the later approved request that replaced it (0 when
	// none).
	SupersededBy int64
	// Gone is true when the approved record no longer exists.
	Gone bool
}

// Wording is the catalogue key (with its arguments) that says whether the
// approval still holds and, when it does not, why; "" for a request that was
// never approved. The decision record's page, its PDF and the evidence
// package all word it this way.
func (c Currency) Wording() (key string, args []any) {
	switch {
	case c.Standing == Approved:
		return "approval.record.current", nil
	case c.SupersededBy != 0:
		return "approval.record.superseded", []any{c.SupersededBy}
	case c.Gone:
		return "approval.record.gone", nil
	case c.Standing == Outdated:
		return "approval.record.outdated", nil
	}
	return "", nil
}

// CurrencyOf tells whether an approved request still holds: a later
// approval of the same record supersedes it; otherwise the record's current
// content (its kind's Snapshot, a few queries) is hashed and compared with
// the approved hash.
func CurrencyOf(ctx context.Context, q db.Querier, r Record) (Currency, error) {
	if r.State != StateApproved {
		return Currency{}, nil
	}
	if r.SupersededBy != nil {
		return Currency{Standing: Outdated, SupersededBy: *r.SupersededBy}, nil
	}
	k, ok := Lookup(r.Kind)
	if !ok {
		return Currency{}, fmt.Errorf("decision record %d: unknown kind %q", r.ID, r.Kind)
	}
	c, err := k.Snapshot(ctx, q, r.EntityID, r.SubjectRef)
	if errors.Is(err, db.ErrNotFound) {
		return Currency{Standing: Outdated, Gone: true}, nil
	}
	if err != nil {
		return Currency{}, err
	}
	_, hash, err := Canonical(c.Data)
	if err != nil {
		return Currency{}, err
	}
	if hash == r.SnapshotHash {
		return Currency{Standing: Approved}, nil
	}
	return Currency{Standing: Outdated}, nil
}
