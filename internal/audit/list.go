package audit

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/weerbaar/weerbaar/internal/db"
)

// Row is a stored audit row.
type Row struct {
	ID int64 `db:"id"`
	// EntityID is 0 for the instance chain (NULL in the table), matching
	// Event.EntityID.
	EntityID   int64     `db:"entity_id"`
	Seq        int64     `db:"seq"`
	At         time.Time `db:"at"` // UTC
	ActorID    *int64    `db:"actor_id"`
	ActorEmail string    `db:"actor_email"`
	Action     string    `db:"action"`
	ObjectType string    `db:"object_type"`
	ObjectID   string    `db:"object_id"`
	IP         string    `db:"ip"`
	UserAgent  string    `db:"user_agent"`
	// Changes is {"after":{…},"before":{…}} as documented on the package;
	// BeforeAfter decodes it.
	Changes  json.RawMessage `db:"changes"`
	PrevHash string          `db:"prev_hash"`
	Hash     string          `db:"hash"`
}

// BeforeAfter decodes Changes into the changed fields' old and new values
// (numbers as json.Number, so none is rounded). Both results are non-nil.
func (r Row) BeforeAfter() (before, after map[string]any, err error) {
	var c struct {
		Before map[string]any `json:"before"`
		After  map[string]any `json:"after"`
	}
	if len(r.Changes) > 0 {
		dec := json.NewDecoder(strings.NewReader(string(r.Changes)))
		dec.UseNumber()
		if err := dec.Decode(&c); err != nil {
			return nil, nil, fmt.Errorf("audit: changes of row %d: %w", r.ID, err)
		}
	}
	if c.Before == nil {
		c.Before = map[string]any{}
	}
	if c.After == nil {
		c.After = map[string]any{}
	}
	return c.Before, c.After, nil
}

const rowColumns = `id, coalesce(entity_id, 0) AS entity_id, seq, at, actor_id, actor_email, action,
	object_type, object_id, ip, user_agent, changes, prev_hash, hash`

// scanRow scans rowColumns into a Row by position: what
// pgx.RowToStructByName[Row] does, without its per-row reflection, for the
// loops over a whole chain (Verify, Each).
func scanRow(rows pgx.Rows) (Row, error) {
	var r Row
	err := rows.Scan(&r.ID, &r.EntityID, &r.Seq, &r.At, &r.ActorID, &r.ActorEmail, &r.Action, &r.ObjectType, &r.ObjectID,
		&r.IP, &r.UserAgent, &r.Changes, &r.PrevHash, &r.Hash)
	return r, err
}

// Page sizes of List.
const (
	DefaultPerPage = 50
	MaxPerPage     = 200
	maxPage        = 1 << 20
)

// Filter selects audit rows of one entity for the audit log page. Empty
// fields do not filter.
type Filter struct {
	EntityID   int64     // required: List never crosses entities
	Actor      string    // case-insensitive substring of the actor's e-mail address
	Action     string    // exact action, or a prefix when it ends in '.', e.g. "user."
	ObjectType string    // exact
	From, To   time.Time // at >= From and at < To; zero = open
	Page       int       // 1-based; out of range = 1
	PerPage    int       // DefaultPerPage when <= 0, at most MaxPerPage
}

// Normalized returns f with Page and PerPage as List uses them, so a page can
// show the same numbers.
func (f Filter) Normalized() Filter {
	if f.PerPage <= 0 {
		f.PerPage = DefaultPerPage
	}
	f.PerPage = min(f.PerPage, MaxPerPage)
	if f.Page < 1 || f.Page > maxPage {
		f.Page = 1
	}
	f.Actor = strings.TrimSpace(f.Actor)
	f.Action = strings.TrimSpace(f.Action)
	f.ObjectType = strings.TrimSpace(f.ObjectType)
	return f
}

// ErrNoEntity is returned by List and Actions without an entity: the audit
// log page always shows exactly one entity's rows.
var ErrNoEntity = errors.New("audit: entity required")

const listWhere = ` FROM audit_log a
	WHERE entity_id = @entity_id
	  AND (@actor::text = '' OR strpos(lower(actor_email), lower(@actor::text)) > 0)
	  AND (@action::text = '' OR action = @action::text
	       OR (right(@action::text, 1) = '.' AND starts_with(action, @action::text)))
	  AND (@object_type::text = '' OR object_type = @object_type::text)
	  AND (@from::timestamptz IS NULL OR at >= @from::timestamptz)
	  AND (@to::timestamptz IS NULL OR at < @to::timestamptz)`

// userIDText is a text that may hold a user id, as a bigint or NULL.
const userIDText = `CASE WHEN (%s) ~ '^[0-9]{1,18}$' THEN (%s)::bigint END`

// listNames names the people a row mentions (its actor, the member of a
// membership or user row, an owner before and after) by primary key, so the
// page shows names without a query per row.
var listNames = `coalesce((SELECT jsonb_object_agg(u.id::text, u.name) FROM users u WHERE u.id = ANY(ARRAY[a.actor_id,
		CASE WHEN a.object_type IN ('membership', 'user') THEN ` + idText("a.object_id") + ` END,
		` + idText("a.changes->'before'->>'owner_id'") + `, ` + idText("a.changes->'after'->>'owner_id'") + `])), '{}') AS names`

func idText(expr string) string { return fmt.Sprintf(userIDText, expr, expr) }

// Listed is a row as the audit log lists it: with the names of the people it
// mentions (user id as text → name) and the number of rows matching the
// filter on all pages.
type Listed struct {
	Row
	Names map[string]string `db:"names"`
	Total int               `db:"total"`
}

// List returns one page of an entity's audit rows, newest first, and the
// number of rows matching the filter on all pages.
func List(ctx context.Context, q db.Querier, f Filter) (rows []Row, total int, err error) {
	listed, total, err := ListNamed(ctx, q, f)
	for _, l := range listed {
		rows = append(rows, l.Row)
	}
	return rows, total, err
}

// ListNamed is List with the names of the people each row mentions, in one
// query for the page (the total comes with the rows; only a page past the
// end counts separately).
func ListNamed(ctx context.Context, q db.Querier, f Filter) (rows []Listed, total int, err error) {
	if f.EntityID <= 0 {
		return nil, 0, ErrNoEntity
	}
	f = f.Normalized()
	args := pgx.StrictNamedArgs{
		"entity_id": f.EntityID, "actor": f.Actor, "action": f.Action, "object_type": f.ObjectType,
		"from": optionalTime(f.From), "to": optionalTime(f.To),
		"limit": f.PerPage, "offset": (f.Page - 1) * f.PerPage,
	}
	res, err := q.Query(ctx, `SELECT `+rowColumns+`, count(*) OVER ()::int AS total, `+listNames+listWhere+`
		ORDER BY at DESC, seq DESC LIMIT @limit OFFSET @offset`, args)
	if err != nil {
		return nil, 0, fmt.Errorf("audit: list rows of entity %d: %w", f.EntityID, err)
	}
	rows, err = pgx.CollectRows(res, pgx.RowToStructByName[Listed])
	if err != nil {
		return nil, 0, fmt.Errorf("audit: list rows of entity %d: %w", f.EntityID, err)
	}
	if len(rows) == 0 {
		delete(args, "limit")
		delete(args, "offset")
		if err := q.QueryRow(ctx, `SELECT count(*)`+listWhere, args).Scan(&total); err != nil {
			return nil, 0, fmt.Errorf("audit: count rows of entity %d: %w", f.EntityID, err)
		}
		return rows, total, nil
	}
	for i := range rows {
		rows[i].At = rows[i].At.UTC()
	}
	return rows, rows[0].Total, nil
}

// Actions lists the distinct actions recorded for an entity, sorted, for the
// filter dropdown.
func Actions(ctx context.Context, q db.Querier, entityID int64) ([]string, error) {
	if entityID <= 0 {
		return nil, ErrNoEntity
	}
	rows, err := q.Query(ctx, `SELECT DISTINCT action FROM audit_log WHERE entity_id = @entity_id ORDER BY action`,
		pgx.StrictNamedArgs{"entity_id": entityID})
	if err != nil {
		return nil, fmt.Errorf("audit: actions of entity %d: %w", entityID, err)
	}
	actions, err := pgx.CollectRows(rows, pgx.RowTo[string])
	if err != nil {
		return nil, fmt.Errorf("audit: actions of entity %d: %w", entityID, err)
	}
	return actions, nil
}

func optionalTime(t time.Time) *time.Time {
	if t.IsZero() {
		return nil
	}
	return &t
}
