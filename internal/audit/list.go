package audit

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
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
)

// Filter selects audit rows of one entity for the audit log page, and the
// page of them: newest first, positioned by keyset on the chain's seq (never
// by OFFSET, so the last page of 100,000 rows costs what the first does).
// Empty fields do not filter.
type Filter struct {
	EntityID   int64     // required: List never crosses entities
	Actor      string    // case-insensitive substring of the actor's e-mail address
	Action     string    // exact action, or a prefix when it ends in '.', e.g. "user."
	ObjectType string    // exact
	From, To   time.Time // at >= From and at < To; zero = open
	// After shows the rows older than the row with this seq (the next
	// page), Before those newer than it (the previous page), Last the
	// oldest rows (the last page); none of them the newest rows.
	After, Before int64
	Last          bool
	PerPage       int // DefaultPerPage when <= 0, at most MaxPerPage
}

// Normalized returns f with PerPage and the position as List uses them:
// at most one of After, Before and Last.
func (f Filter) Normalized() Filter {
	if f.PerPage <= 0 {
		f.PerPage = DefaultPerPage
	}
	f.PerPage = min(f.PerPage, MaxPerPage)
	f.After, f.Before = max(f.After, 0), max(f.Before, 0)
	switch {
	case f.After > 0:
		f.Before, f.Last = 0, false
	case f.Before > 0:
		f.Last = false
	}
	f.Actor = strings.TrimSpace(f.Actor)
	f.Action = strings.TrimSpace(f.Action)
	f.ObjectType = strings.TrimSpace(f.ObjectType)
	return f
}

// Filtered reports whether any filter is set (the position aside): an
// unfiltered list holds the whole chain, whose length its head's seq is.
func (f Filter) Filtered() bool {
	return strings.TrimSpace(f.Actor) != "" || strings.TrimSpace(f.Action) != "" || strings.TrimSpace(f.ObjectType) != "" ||
		!f.From.IsZero() || !f.To.IsZero()
}

// ErrNoEntity is returned by List and Actions without an entity: the audit
// log page always shows exactly one entity's rows.
var ErrNoEntity = errors.New("audit: entity required")

// listWhere selects the filtered rows of the entity (audit_log_entity_seq_idx,
// or the action, object type or time index when that filter is set) within
// the keyset bounds.
const listWhere = ` FROM audit_log a
	WHERE a.entity_id = @entity_id
	  AND (@actor::text = '' OR strpos(lower(a.actor_email), lower(@actor::text)) > 0)
	  AND (@action::text = '' OR a.action = @action::text
	       OR (right(@action::text, 1) = '.' AND starts_with(a.action, @action::text)))
	  AND (@object_type::text = '' OR a.object_type = @object_type::text)
	  AND (@from::timestamptz IS NULL OR a.at >= @from::timestamptz)
	  AND (@to::timestamptz IS NULL OR a.at < @to::timestamptz)
	  AND (@after::bigint = 0 OR a.seq < @after::bigint)
	  AND (@before::bigint = 0 OR a.seq > @before::bigint)`

// userIDText is a text that may hold a user id, as a bigint or NULL.
const userIDText = `CASE WHEN (%s) ~ '^[0-9]{1,18}$' THEN (%s)::bigint END`

// listNames names the people a row mentions (its actor, the member of a
// membership or user row, an owner before and after) by primary key, so the
// page shows names without a query per row. The ids are a scalar subquery,
// computed once per row: as a plain array PostgreSQL rebuilt it (three
// regular expressions on the row's JSON) for every user it compared.
var listNames = `coalesce((SELECT jsonb_object_agg(u.id::text, u.name) FROM users u WHERE u.id = ANY((SELECT ARRAY[a.actor_id,
		CASE WHEN a.object_type IN ('membership', 'user') THEN ` + idText("a.object_id") + ` END,
		` + idText("a.changes->'before'->>'owner_id'") + `, ` + idText("a.changes->'after'->>'owner_id'") + `])::bigint[])), '{}') AS names`

func idText(expr string) string { return fmt.Sprintf(userIDText, expr, expr) }

// Listed is a row as the audit log lists it: with the names of the people it
// mentions (user id as text → name).
type Listed struct {
	Row
	Names map[string]string `db:"names"`
}

// ListPage is one page of List: its rows, newest first, and whether newer
// (HasPrev) or older (HasNext) rows match the filter beyond it.
type ListPage struct {
	Rows             []Listed
	HasPrev, HasNext bool
}

// List returns one page of an entity's audit rows, newest first, with the
// names of the people each row mentions, in one query that reads the page's
// rows only (PerPage + 1, to know whether there are more): no count, no
// OFFSET.
func List(ctx context.Context, q db.Querier, f Filter) (ListPage, error) {
	if f.EntityID <= 0 {
		return ListPage{}, ErrNoEntity
	}
	f = f.Normalized()
	args := pgx.StrictNamedArgs{
		"entity_id": f.EntityID, "actor": f.Actor, "action": f.Action, "object_type": f.ObjectType,
		"from": optionalTime(f.From), "to": optionalTime(f.To), "after": f.After, "before": f.Before,
		"limit": f.PerPage + 1,
	}
	backwards := f.Before > 0 || f.Last
	order := " ORDER BY a.seq DESC"
	if backwards {
		order = " ORDER BY a.seq ASC"
	}
	res, err := q.Query(ctx, `SELECT `+rowColumns+`, `+listNames+listWhere+order+` LIMIT @limit`, args)
	if err != nil {
		return ListPage{}, fmt.Errorf("audit: list rows of entity %d: %w", f.EntityID, err)
	}
	rows, err := pgx.CollectRows(res, pgx.RowToStructByName[Listed])
	if err != nil {
		return ListPage{}, fmt.Errorf("audit: list rows of entity %d: %w", f.EntityID, err)
	}
	more := len(rows) > f.PerPage
	if more {
		rows = rows[:f.PerPage]
	}
	for i := range rows {
		rows[i].At = rows[i].At.UTC()
	}
	p := ListPage{Rows: rows}
	if backwards {
		slices.Reverse(p.Rows)
		p.HasPrev, p.HasNext = more, f.Before > 0
	} else {
		p.HasPrev, p.HasNext = f.After > 0, more
	}
	return p, nil
}

// Actions lists the distinct actions recorded for an entity, sorted, for the
// filter dropdown, in one query whose cost grows with the number of actions,
// not of rows.
func Actions(ctx context.Context, q db.Querier, entityID int64) ([]string, error) {
	if entityID <= 0 {
		return nil, ErrNoEntity
	}
	// A loose index scan: one probe of audit_log_entity_action_seq_idx per
	// distinct action, not a read of the entity's whole chain (DISTINCT
	// scans every row: 0.7 s at 100,000 rows).
	rows, err := q.Query(ctx, `WITH RECURSIVE d AS (
			(SELECT action FROM audit_log WHERE entity_id = @entity_id ORDER BY action LIMIT 1)
			UNION ALL
			SELECT (SELECT a.action FROM audit_log a WHERE a.entity_id = @entity_id AND a.action > d.action
				ORDER BY a.action LIMIT 1) FROM d WHERE d.action IS NOT NULL)
		SELECT action FROM d WHERE action IS NOT NULL`,
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
