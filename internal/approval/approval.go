// Package approval is the management body's approval of what the modules
// submit (art. 20 lid 1 NIS2; art. 24 Cbw): requests whose content is
// frozen at submission as canonical JSON with its SHA-256, the entity's
// quorum, and the board members' decisions, each taken after re-entering a
// password or a TOTP code and kept append-only. Modules declare what can be
// submitted with Register; the package knows nothing of them, of HTTP or of
// HTML.
package approval

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/weerbaar/weerbaar/internal/audit"
	"github.com/weerbaar/weerbaar/internal/authz"
	"github.com/weerbaar/weerbaar/internal/db"
	"github.com/weerbaar/weerbaar/internal/i18n"
	"github.com/weerbaar/weerbaar/internal/validate"
)

// Errors of the services; handlers map them to HTTP statuses.
var (
	// ErrForbidden: the actor may not do this (not the submitter, not an
	// eligible board member, or lacking the kind's permission).
	ErrForbidden = errors.New("not allowed")
	// ErrDecided: the request is no longer pending.
	ErrDecided = errors.New("the request has been decided or withdrawn")
	// ErrAlreadyDecided: this board member already decided this request.
	ErrAlreadyDecided = errors.New("already decided")
)

// MaxText is the longest cover note or comment, in characters.
const MaxText = 4000

// Request is a submission to the board with its frozen content and quorum.
type Request struct {
	ID            int64      `db:"id"`
	EntityID      int64      `db:"entity_id"`
	Kind          string     `db:"kind"`
	SubjectRef    string     `db:"subject_ref"`
	Title         i18n.Text  `db:"title"`
	Summary       i18n.Text  `db:"summary"`
	CoverNote     string     `db:"cover_note"`
	SubmittedBy   int64      `db:"submitted_by"`
	SubmitterName string     `db:"submitter_name"`
	SubmittedAt   time.Time  `db:"submitted_at"`
	Snapshot      string     `db:"snapshot"`
	SnapshotHash  string     `db:"snapshot_hash"`
	Quorum        Quorum     `db:"quorum"`
	MinApprovals  int        `db:"min_approvals"`
	RejectAtFirst bool       `db:"reject_at_first"`
	Eligible      []int64    `db:"eligible"`
	Required      int        `db:"required"`
	State         State      `db:"state"`
	DecidedAt     *time.Time `db:"decided_at"`
	Version       int        `db:"version"`
	Approvals     int        `db:"approvals"`
	Rejections    int        `db:"rejections"`
	// Awaiting are the names of eligible members who have not decided.
	Awaiting []string `db:"awaiting"`
}

// DecisionRecord is one board member's decision as stored.
type DecisionRecord struct {
	ID           int64     `db:"id"`
	UserID       int64     `db:"user_id"`
	UserName     string    `db:"user_name"`
	Decision     Decision  `db:"decision"`
	Comment      string    `db:"comment"`
	DecidedAt    time.Time `db:"decided_at"`
	IP           string    `db:"ip"`
	UserAgent    string    `db:"user_agent"`
	Reauth       string    `db:"reauth"`
	SnapshotHash string    `db:"snapshot_hash"`
}

const requestColumns = `r.id, r.entity_id, r.kind, r.subject_ref, r.title, r.summary, r.cover_note, r.submitted_by,
	coalesce(su.name, '') AS submitter_name, r.submitted_at, r.snapshot, r.snapshot_hash, r.quorum, r.min_approvals,
	r.reject_at_first, r.eligible, r.required, r.state, r.decided_at, r.version,
	(SELECT count(*) FROM approval_decisions d WHERE d.entity_id = r.entity_id AND d.request_id = r.id AND d.decision = 'approve' AND d.user_id = ANY(r.eligible))::int AS approvals,
	(SELECT count(*) FROM approval_decisions d WHERE d.entity_id = r.entity_id AND d.request_id = r.id AND d.decision = 'reject' AND d.user_id = ANY(r.eligible))::int AS rejections,
	ARRAY(SELECT u.name FROM users u WHERE u.id = ANY(r.eligible) AND NOT EXISTS
		(SELECT 1 FROM approval_decisions d WHERE d.entity_id = r.entity_id AND d.request_id = r.id AND d.user_id = u.id) ORDER BY u.name) AS awaiting
	FROM approval_requests r LEFT JOIN users su ON su.id = r.submitted_by`

// Get returns one request of the entity; another entity's id is
// db.ErrNotFound.
func Get(ctx context.Context, q db.Querier, entityID, id int64) (Request, error) {
	return db.GetOne[Request](ctx, q, fmt.Sprintf("load approval request %d", id),
		`SELECT `+requestColumns+` WHERE r.entity_id = @entity AND r.id = @id`, pgx.StrictNamedArgs{"entity": entityID, "id": id})
}

// Filter selects requests for the inbox. Zero fields select everything;
// ForUser selects the pending requests that user may still decide.
type Filter struct {
	State   State
	Kind    string
	ForUser int64
}

// mineCondition holds for a pending request that the user @user may still
// decide.
const mineCondition = `(r.state = 'pending' AND @user = ANY(r.eligible) AND NOT EXISTS
	(SELECT 1 FROM approval_decisions d WHERE d.entity_id = r.entity_id AND d.request_id = r.id AND d.user_id = @user))`

// ListLimit is the most requests List returns (newest first); an entity
// submits a handful a year, so the inbox needs no further pages.
const ListLimit = 200

// List returns the entity's requests matching f, newest first.
func List(ctx context.Context, q db.Querier, entityID int64, f Filter) ([]Request, error) {
	rows, err := q.Query(ctx, `SELECT `+requestColumns+` WHERE r.entity_id = @entity
		AND (@state = '' OR r.state = @state) AND (@kind = '' OR r.kind = @kind)
		AND (@user = 0 OR `+mineCondition+`)
		ORDER BY r.submitted_at DESC, r.id DESC LIMIT `+strconv.Itoa(ListLimit),
		pgx.StrictNamedArgs{"entity": entityID, "state": string(f.State), "kind": f.Kind, "user": f.ForUser})
	if err != nil {
		return nil, fmt.Errorf("approval requests of entity %d: %w", entityID, err)
	}
	return pgx.CollectRows(rows, pgx.RowToStructByName[Request])
}

// Decisions returns a request's decisions in the order they were taken.
func Decisions(ctx context.Context, q db.Querier, entityID, requestID int64) ([]DecisionRecord, error) {
	rows, err := q.Query(ctx, `SELECT d.id, d.user_id, coalesce(u.name, '') AS user_name, d.decision, d.comment, d.decided_at,
			d.ip, d.user_agent, d.reauth, d.snapshot_hash
		FROM approval_decisions d LEFT JOIN users u ON u.id = d.user_id
		WHERE d.entity_id = @entity AND d.request_id = @id ORDER BY d.decided_at, d.id`,
		pgx.StrictNamedArgs{"entity": entityID, "id": requestID})
	if err != nil {
		return nil, fmt.Errorf("decisions of request %d: %w", requestID, err)
	}
	return pgx.CollectRows(rows, pgx.RowToStructByName[DecisionRecord])
}

// Settings returns the entity's quorum rule and its version (0 while the
// entity uses DefaultRule).
func Settings(ctx context.Context, q db.Querier, entityID int64) (Rule, int, error) {
	var r Rule
	var version int
	err := q.QueryRow(ctx, `SELECT quorum, min_approvals, reject_at_first, version FROM approval_settings WHERE entity_id = $1`, entityID).
		Scan(&r.Quorum, &r.MinApprovals, &r.RejectAtFirst, &version)
	if errors.Is(err, pgx.ErrNoRows) {
		return DefaultRule, 0, nil
	}
	if err != nil {
		return Rule{}, 0, fmt.Errorf("approval settings of entity %d: %w", entityID, err)
	}
	return r, version, nil
}

// SettingsInput is the quorum form.
type SettingsInput struct {
	Quorum        string
	MinApprovals  string
	RejectAtFirst bool
	Version       int
}

// Conflict is returned when the settings changed after the form was opened.
type Conflict struct{ Current Rule }

func (e *Conflict) Error() string { return "changed by someone else meanwhile" }

// Unwrap lets callers test for db.ErrConflict.
func (e *Conflict) Unwrap() error { return db.ErrConflict }

// SaveSettings changes the entity's quorum rule after a version check. It
// applies to requests submitted afterwards; pending ones keep theirs.
func SaveSettings(ctx context.Context, pool *pgxpool.Pool, actor authz.Actor, in SettingsInput) (Rule, error) {
	if !actor.Can(authz.EntityManage) {
		return Rule{}, ErrForbidden
	}
	next := Rule{Quorum: Quorum(in.Quorum), MinApprovals: 1, RejectAtFirst: in.RejectAtFirst}
	errs := validate.Errors{}
	if !slices.Contains(Quorums, next.Quorum) {
		errs.Add("quorum", "approval.error.quorum")
	}
	if next.Quorum == QuorumAtLeast {
		n, err := strconv.Atoi(strings.TrimSpace(in.MinApprovals))
		if err != nil || n < 1 || n > 100 {
			errs.Add("min_approvals", "approval.error.min_approvals")
		}
		next.MinApprovals = n
	}
	if err := errs.Err(); err != nil {
		return Rule{}, err
	}
	err := db.InTx(ctx, pool, func(tx pgx.Tx) error {
		if _, err := tx.Exec(ctx, `SELECT id FROM entities WHERE id = $1 FOR UPDATE`, actor.EntityID); err != nil {
			return fmt.Errorf("lock entity %d: %w", actor.EntityID, err)
		}
		cur, version, err := Settings(ctx, tx, actor.EntityID)
		if err != nil {
			return err
		}
		if version != in.Version {
			return &Conflict{Current: cur}
		}
		if _, err := tx.Exec(ctx, `INSERT INTO approval_settings (entity_id, quorum, min_approvals, reject_at_first, updated_by)
			VALUES (@entity, @quorum, @min, @first, @actor)
			ON CONFLICT (entity_id) DO UPDATE SET quorum = excluded.quorum, min_approvals = excluded.min_approvals,
				reject_at_first = excluded.reject_at_first, updated_by = excluded.updated_by, updated_at = now(),
				version = approval_settings.version + 1`,
			pgx.StrictNamedArgs{"entity": actor.EntityID, "quorum": string(next.Quorum), "min": next.MinApprovals,
				"first": next.RejectAtFirst, "actor": actor.UserID}); err != nil {
			return fmt.Errorf("save approval settings: %w", err)
		}
		before, after := audit.Diff(cur.fields(), next.fields())
		return audit.Record(ctx, tx, audit.Event{EntityID: actor.EntityID, Action: "approval.settings_changed",
			ObjectType: "approval_settings", ObjectID: strconv.FormatInt(actor.EntityID, 10), Before: before, After: after})
	})
	return next, err
}

func (r Rule) fields() map[string]any {
	return map[string]any{"quorum": string(r.Quorum), "min_approvals": r.MinApprovals, "reject_at_first": r.RejectAtFirst}
}

// BoardMembers returns the ids of the entity's active board members: an
// accepted membership with the board role, a password set and an account
// that is not disabled.
func BoardMembers(ctx context.Context, q db.Querier, entityID int64) ([]int64, error) {
	rows, err := q.Query(ctx, `SELECT m.user_id FROM memberships m JOIN users u ON u.id = m.user_id
		WHERE m.entity_id = @entity AND m.role = @role AND m.accepted_at IS NOT NULL AND u.password_hash <> ''
			AND u.disabled_at IS NULL ORDER BY m.user_id`,
		pgx.StrictNamedArgs{"entity": entityID, "role": string(authz.BoardMember)})
	if err != nil {
		return nil, fmt.Errorf("board members of entity %d: %w", entityID, err)
	}
	return pgx.CollectRows(rows, pgx.RowTo[int64])
}

// SubmitInput is the new-request form.
type SubmitInput struct {
	Kind      string
	Ref       string
	CoverNote string
}

// Submit freezes the record's current content and submits it to the board
// with the entity's quorum rule and its current board members. A second
// pending request for the same record is refused.
func Submit(ctx context.Context, pool *pgxpool.Pool, actor authz.Actor, in SubmitInput) (Request, error) {
	if !actor.Can(authz.ApprovalRequest) {
		return Request{}, ErrForbidden
	}
	in.CoverNote = strings.TrimSpace(in.CoverNote)
	errs := validate.Errors{}
	k, ok := Lookup(in.Kind)
	if !ok {
		errs.Add("kind", "approval.error.kind")
	} else if !actor.Can(k.Permission) {
		return Request{}, ErrForbidden
	}
	if in.Ref == "" || len(in.Ref) > 200 || !utf8.ValidString(in.Ref) {
		errs.Add("ref", "approval.error.ref")
	}
	if utf8.RuneCountInString(in.CoverNote) > MaxText {
		errs.Add("cover_note", "approval.error.too_long")
	}
	if err := errs.Err(); err != nil {
		return Request{}, err
	}
	var id int64
	err := db.InTx(ctx, pool, func(tx pgx.Tx) error {
		content, err := k.Snapshot(ctx, tx, actor.EntityID, in.Ref)
		if errors.Is(err, db.ErrNotFound) {
			return validate.Field("ref", "approval.error.ref")
		}
		if err != nil {
			return err
		}
		doc, hash, err := Canonical(content.Data)
		if err != nil {
			return err
		}
		rule, _, err := Settings(ctx, tx, actor.EntityID)
		if err != nil {
			return err
		}
		board, err := BoardMembers(ctx, tx, actor.EntityID)
		if err != nil {
			return err
		}
		required, err := rule.Required(len(board))
		switch {
		case errors.Is(err, ErrNoBoard):
			return validate.Field("kind", "approval.error.no_board")
		case errors.Is(err, ErrQuorumUnreachable):
			return validate.Field("kind", "approval.error.quorum_unreachable")
		case err != nil:
			return err
		}
		err = tx.QueryRow(ctx, `INSERT INTO approval_requests (entity_id, kind, subject_ref, title, summary, cover_note,
				submitted_by, snapshot, snapshot_hash, quorum, min_approvals, reject_at_first, eligible, required)
			VALUES (@entity, @kind, @ref, @title, @summary, @note, @actor, @snapshot, @hash, @quorum, @min, @first, @eligible, @required)
			RETURNING id`,
			pgx.StrictNamedArgs{"entity": actor.EntityID, "kind": k.Name, "ref": in.Ref, "title": content.Title,
				"summary": content.Summary, "note": in.CoverNote, "actor": actor.UserID, "snapshot": string(doc), "hash": hash,
				"quorum": string(rule.Quorum), "min": rule.MinApprovals, "first": rule.RejectAtFirst, "eligible": board,
				"required": required}).Scan(&id)
		if errors.Is(db.MapError(err), db.ErrConflict) {
			return validate.Field("ref", "approval.error.pending_exists")
		}
		if err != nil {
			return fmt.Errorf("insert approval request: %w", err)
		}
		return audit.Record(ctx, tx, audit.Event{EntityID: actor.EntityID, Action: "approval.submitted",
			ObjectType: "approval_request", ObjectID: strconv.FormatInt(id, 10),
			After: map[string]any{"kind": k.Name, "subject": in.Ref, "snapshot_hash": hash, "required": required,
				"eligible": len(board), "cover_note": in.CoverNote}})
	})
	if err != nil {
		return Request{}, err
	}
	return Get(ctx, pool, actor.EntityID, id)
}

// lock loads a request for update within tx, entity-scoped.
func lock(ctx context.Context, tx pgx.Tx, entityID, id int64) (Request, error) {
	var got int64
	if err := tx.QueryRow(ctx, `SELECT id FROM approval_requests WHERE entity_id = @entity AND id = @id FOR UPDATE`,
		pgx.StrictNamedArgs{"entity": entityID, "id": id}).Scan(&got); err != nil {
		return Request{}, fmt.Errorf("lock approval request %d: %w", id, db.MapError(err))
	}
	return Get(ctx, tx, entityID, id)
}

// Withdraw takes a pending request back; only its submitter may.
func Withdraw(ctx context.Context, pool *pgxpool.Pool, actor authz.Actor, id int64) error {
	return db.InTx(ctx, pool, func(tx pgx.Tx) error {
		r, err := lock(ctx, tx, actor.EntityID, id)
		if err != nil {
			return err
		}
		if r.State != StatePending {
			return ErrDecided
		}
		if r.SubmittedBy != actor.UserID || !actor.Can(authz.ApprovalRequest) {
			return ErrForbidden
		}
		if _, err := tx.Exec(ctx, `UPDATE approval_requests SET state = 'withdrawn', decided_at = now(), version = version + 1
			WHERE entity_id = @entity AND id = @id`, pgx.StrictNamedArgs{"entity": actor.EntityID, "id": id}); err != nil {
			return fmt.Errorf("withdraw request %d: %w", id, err)
		}
		return audit.Record(ctx, tx, audit.Event{EntityID: actor.EntityID, Action: "approval.withdrawn",
			ObjectType: "approval_request", ObjectID: strconv.FormatInt(id, 10),
			Before: map[string]any{"state": string(StatePending)}, After: map[string]any{"state": string(StateWithdrawn)}})
	})
}

// Reauthenticator checks, within the decision's transaction, that the person
// at the keyboard is the user: the current password or a TOTP code not used
// before. It returns how ("password" or "totp"); a wrong secret is a field
// error on "secret". internal/auth's Service implements it.
type Reauthenticator interface {
	Reauthenticate(ctx context.Context, tx pgx.Tx, userID int64, secret, ip string) (method string, err error)
}

// DecideInput is the decision form of a board member.
type DecideInput struct {
	Decision string
	Comment  string
	// Secret is the current password or a TOTP code.
	Secret string
	// Hash is the snapshot hash shown on the page the member decided on.
	Hash string
}

// Decide records a board member's decision after re-authentication, and
// moves the request to approved or rejected when the quorum says so (running
// the kind's Approved hook). The request row is locked, so two members
// deciding at the same moment are counted one after the other.
func Decide(ctx context.Context, pool *pgxpool.Pool, re Reauthenticator, actor authz.Actor, id int64, in DecideInput) (State, error) {
	if !actor.Can(authz.ApprovalDecide) {
		return "", ErrForbidden
	}
	in.Comment = strings.TrimSpace(in.Comment)
	d := Decision(in.Decision)
	errs := validate.Errors{}
	if d != Approve && d != Reject {
		errs.Add("decision", "approval.error.decision")
	}
	if d == Reject && in.Comment == "" {
		errs.Add("comment", "approval.error.reject_comment")
	}
	if utf8.RuneCountInString(in.Comment) > MaxText {
		errs.Add("comment", "approval.error.too_long")
	}
	if in.Secret == "" {
		errs.Add("secret", "approval.error.secret")
	}
	if err := errs.Err(); err != nil {
		return "", err
	}
	var state State
	err := db.InTx(ctx, pool, func(tx pgx.Tx) error {
		r, err := lock(ctx, tx, actor.EntityID, id)
		if err != nil {
			return err
		}
		if r.State != StatePending {
			return ErrDecided
		}
		if !slices.Contains(r.Eligible, actor.UserID) {
			return ErrForbidden
		}
		if in.Hash != r.SnapshotHash {
			return ErrDecided
		}
		var already bool
		if err := tx.QueryRow(ctx, `SELECT EXISTS (SELECT 1 FROM approval_decisions WHERE entity_id = @entity AND request_id = @id AND user_id = @user)`,
			pgx.StrictNamedArgs{"entity": actor.EntityID, "id": id, "user": actor.UserID}).Scan(&already); err != nil {
			return err
		}
		if already {
			return ErrAlreadyDecided
		}
		meta := audit.MetaFrom(ctx)
		method, err := re.Reauthenticate(ctx, tx, actor.UserID, in.Secret, meta.IP)
		if err != nil {
			return err
		}
		if _, err := tx.Exec(ctx, `INSERT INTO approval_decisions (entity_id, request_id, user_id, decision, comment, ip, user_agent, reauth, snapshot_hash)
			VALUES (@entity, @id, @user, @decision, @comment, @ip, @ua, @reauth, @hash)`,
			pgx.StrictNamedArgs{"entity": actor.EntityID, "id": id, "user": actor.UserID, "decision": string(d), "comment": in.Comment,
				"ip": clip(meta.IP, 64), "ua": clip(meta.UserAgent, 512), "reauth": method, "hash": r.SnapshotHash}); err != nil {
			if errors.Is(db.MapError(err), db.ErrConflict) {
				return ErrAlreadyDecided
			}
			return fmt.Errorf("record decision on request %d: %w", id, err)
		}
		votes, err := votesOf(ctx, tx, actor.EntityID, id)
		if err != nil {
			return err
		}
		t := Tally{Eligible: r.Eligible, Required: r.Required, RejectAtFirst: r.RejectAtFirst, Votes: votes}
		state = t.Outcome()
		if err := audit.Record(ctx, tx, audit.Event{EntityID: actor.EntityID, Action: "approval.decided",
			ObjectType: "approval_request", ObjectID: strconv.FormatInt(id, 10),
			After: map[string]any{"decision": string(d), "comment": in.Comment, "snapshot_hash": r.SnapshotHash, "reauth": method}}); err != nil {
			return err
		}
		if state == StatePending {
			return nil
		}
		if _, err := tx.Exec(ctx, `UPDATE approval_requests SET state = @state, decided_at = now(), version = version + 1
			WHERE entity_id = @entity AND id = @id`, pgx.StrictNamedArgs{"state": string(state), "entity": actor.EntityID, "id": id}); err != nil {
			return fmt.Errorf("decide request %d: %w", id, err)
		}
		if state == StateApproved {
			if k, ok := Lookup(r.Kind); ok && k.Approved != nil {
				r.State = state
				if err := k.Approved(ctx, tx, actor, r); err != nil {
					return err
				}
			}
		}
		return audit.Record(ctx, tx, audit.Event{EntityID: actor.EntityID, Action: "approval." + string(state),
			ObjectType: "approval_request", ObjectID: strconv.FormatInt(id, 10),
			Before: map[string]any{"state": string(StatePending)}, After: map[string]any{"state": string(state), "snapshot_hash": r.SnapshotHash}})
	})
	return state, err
}

func votesOf(ctx context.Context, q db.Querier, entityID, id int64) (map[int64]Decision, error) {
	rows, err := q.Query(ctx, `SELECT user_id, decision FROM approval_decisions WHERE entity_id = @entity AND request_id = @id`,
		pgx.StrictNamedArgs{"entity": entityID, "id": id})
	if err != nil {
		return nil, fmt.Errorf("votes on request %d: %w", id, err)
	}
	votes := map[int64]Decision{}
	var user int64
	var d string
	_, err = pgx.ForEachRow(rows, []any{&user, &d}, func() error {
		votes[user] = Decision(d)
		return nil
	})
	return votes, err
}

func clip(s string, n int) string {
	s = strings.ToValidUTF8(strings.ReplaceAll(s, "\x00", ""), "\ufffd")
	for len(s) > n {
		_, size := utf8.DecodeLastRuneInString(s)
		s = s[:len(s)-size]
	}
	return s
}
