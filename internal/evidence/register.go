package evidence

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/jackc/pgx/v5"

	"github.com/weerbaar/weerbaar/internal/audit"
	"github.com/weerbaar/weerbaar/internal/authz"
	"github.com/weerbaar/weerbaar/internal/db"
	"github.com/weerbaar/weerbaar/internal/validate"
)

// RegisterPageSize is how many items one page of the evidence register
// shows.
const RegisterPageSize = 50

// ExpiredShown is how many expired items the dashboard lists by name.
const ExpiredShown = 5

// ExpiringDays is how far ahead the register's "expiring soon" looks.
const ExpiringDays = 30

// MaxReviewComment is the longest review comment, in characters (the
// column checks it too).
const MaxReviewComment = 2000

// Review states of an item: every item starts to be reviewed, and a new
// version of its file sends it back there.
const (
	ReviewToReview = "to_review"
	ReviewAccepted = "accepted"
	ReviewRejected = "rejected"
)

// ReviewStates lists the review states in the order the filter shows them.
var ReviewStates = []string{ReviewToReview, ReviewAccepted, ReviewRejected}

// Validity filter values of the register.
const (
	ValidityExpired  = "expired"
	ValidityExpiring = "expiring"
	ValidityNone     = "none"
)

// Validities lists the validity filter values.
var Validities = []string{ValidityExpired, ValidityExpiring, ValidityNone}

// registerSort is one allowed sort of the register: the SQL expression of
// its key over items i (each has an index of its own, 000035 and 000042),
// and the type its cursor key is cast to.
type registerSort struct {
	expr, cast string
}

// registerSorts is the allow-list of sort keys; nothing else reaches the SQL.
var registerSorts = map[string]registerSort{
	"uploaded":    {"coalesce(i.uploaded_at, i.created_at)", "timestamptz"},
	"valid_until": {"coalesce(i.valid_until, 'infinity'::date)", "date"},
	"type":        {"i.subject_type", "text"},
	"file":        {"lower(coalesce(i.file_name, i.title))", "text"},
}

// RegisterSortKeys lists the sortable columns.
var RegisterSortKeys = []string{"uploaded", "valid_until", "type", "file"}

// DefaultRegisterSort is newest upload first.
const DefaultRegisterSort = "-uploaded"

// ParseRegisterSort reads a sort parameter ("file", "-uploaded"); anything
// not on the allow-list gives the default and false.
func ParseRegisterSort(s string) (key string, desc bool, ok bool) {
	k, d := strings.TrimPrefix(s, "-"), strings.HasPrefix(s, "-")
	if _, allowed := registerSorts[k]; !allowed {
		return "uploaded", true, false
	}
	return k, d, true
}

// RegisterCursor is a keyset position in the register: the row's sort key
// (in PostgreSQL's text form of the key's type) and its id.
type RegisterCursor struct {
	Key string
	ID  int64
}

// String is the cursor's URL form: the id, a dot and the key in unpadded
// base64url (file names may hold anything).
func (c RegisterCursor) String() string {
	return strconv.FormatInt(c.ID, 10) + "." + base64.RawURLEncoding.EncodeToString([]byte(c.Key))
}

// ParseRegisterCursor reads a cursor's URL form.
func ParseRegisterCursor(s string) (RegisterCursor, bool) {
	id, key, ok := strings.Cut(s, ".")
	n, err := strconv.ParseInt(id, 10, 64)
	if !ok || err != nil || n <= 0 {
		return RegisterCursor{}, false
	}
	k, err := base64.RawURLEncoding.DecodeString(key)
	if err != nil || !utf8.Valid(k) || len(k) > 300 {
		return RegisterCursor{}, false
	}
	return RegisterCursor{Key: string(k), ID: n}, true
}

// RegisterQuery is one page request of the register: filters, sort, and a
// keyset position (after a row for the next page, before one for the
// previous page; neither for the first page).
type RegisterQuery struct {
	SubjectType string // "" for all
	ReviewState string // "" for all
	Validity    string // "" for all, or one of Validities
	OwnerID     int64  // the uploader; 0 for all
	Text        string // part of the file name or title
	// ItemID limits the register to one item (the detail page).
	ItemID int64
	Sort   string // a key of RegisterSortKeys, "-" in front for descending
	After  *RegisterCursor
	Before *RegisterCursor
	// Last asks for the last page (without After or Before).
	Last bool
	// Lang is the language of the subjects' titles ("nl" or "en").
	Lang string
	// Today is the day validity is measured against; zero means today in UTC.
	Today time.Time
}

// RegisterRow is one item as the register shows it: everything the row
// needs, the subject's display title included, from one query.
type RegisterRow struct {
	ID            int64      `db:"id"`
	SubjectType   string     `db:"subject_type"`
	SubjectRef    string     `db:"subject_ref"`
	SubjectTitle  string     `db:"subject_title"` // "" when the type declares no TitleSQL
	Kind          string     `db:"kind"`
	Title         string     `db:"title"`
	URL           string     `db:"url"`
	FileName      string     `db:"file_name"` // the newest version's file name; the title for links
	VersionID     int64      `db:"version_id"`
	VersionNo     int        `db:"version_no"` // 0 for links
	SHA256        string     `db:"sha256"`
	UploadedAt    time.Time  `db:"uploaded_at"`
	OwnerID       *int64     `db:"owner_id"`
	Owner         string     `db:"owner"`
	ValidUntil    *time.Time `db:"valid_until"`
	ReviewState   string     `db:"review_state"`
	ReviewComment string     `db:"review_comment"`
	ReviewedBy    string     `db:"reviewed_by"`
	ReviewedAt    *time.Time `db:"reviewed_at"`
	CreatedAt     time.Time  `db:"created_at"`
	Version       int        `db:"version"` // optimistic locking
	SortKey       string     `db:"sort_key"`
	Total         int        `db:"total"`
}

// Validity is the row's validity on day today: "expired", "expiring"
// (within ExpiringDays), "valid", or "" without a date.
func (r RegisterRow) Validity(today time.Time) string {
	if r.ValidUntil == nil {
		return ""
	}
	d := dateOf(today)
	switch {
	case r.ValidUntil.Before(d):
		return ValidityExpired
	case !r.ValidUntil.After(d.AddDate(0, 0, ExpiringDays)):
		return ValidityExpiring
	}
	return "valid"
}

// RegisterPage is one page of the register.
type RegisterPage struct {
	Rows []RegisterRow
	// Total is the number of items matching the filters (all pages).
	Total            int
	HasPrev, HasNext bool
	// Sort is the sort applied; SortRefused says the requested one was not
	// allowed and the default was used.
	Sort        string
	SortRefused bool
}

// Cursor is the row's keyset position.
func (r RegisterRow) Cursor() RegisterCursor { return RegisterCursor{Key: r.SortKey, ID: r.ID} }

func dateOf(t time.Time) time.Time {
	if t.IsZero() {
		t = time.Now().UTC()
	}
	return time.Date(t.Year(), t.Month(), t.Day(), 0, 0, 0, 0, time.UTC)
}

// titleColumn is the CASE expression naming each item's subject, built from
// the subject types' TitleSQL: one column of the register's one query,
// whatever the number of types or rows.
func (r *Registry) titleColumn() string {
	r.mu.RLock()
	defer r.mu.RUnlock()
	var b strings.Builder
	b.WriteString(`CASE WHEN @lang::text IS NULL THEN NULL`)
	for _, name := range r.order {
		if t := r.types[name]; t.TitleSQL != "" {
			// name matches subjectTypeName, so it is safe inside quotes.
			b.WriteString(` WHEN i.subject_type = '` + name + `' THEN (` + t.TitleSQL + `)`)
		}
	}
	b.WriteString(` END`)
	return b.String()
}

// registerWhere selects the entity's live items i matching the filters.
// The newest version's file name and upload time are on the item
// (000042), so filtering and sorting read items only.
const registerWhere = ` WHERE i.entity_id = @entity AND i.deleted_at IS NULL
		AND (@item::bigint = 0 OR i.id = @item)
		AND (@type::text = '' OR i.subject_type = @type)
		AND (@state::text = '' OR i.review_state = @state)
		AND (@owner::bigint = 0 OR i.created_by = @owner)
		AND CASE @validity::text WHEN 'expired' THEN i.valid_until < @today::date
			WHEN 'expiring' THEN i.valid_until BETWEEN @today::date AND @today::date + @days::int
			WHEN 'none' THEN i.valid_until IS NULL ELSE true END
		AND (@text::text = '' OR coalesce(i.file_name, '') ILIKE @text ESCAPE '\' OR i.title ILIKE @text ESCAPE '\')`

// likePattern is s as an ILIKE pattern matching it anywhere.
func likePattern(s string) string {
	s = strings.TrimSpace(s)
	if s == "" {
		return ""
	}
	r := strings.NewReplacer(`\`, `\\`, `%`, `\%`, `_`, `\_`)
	return "%" + r.Replace(s) + "%"
}

// Register returns one page of the entity's evidence register: at most
// RegisterPageSize items in the requested (allow-listed, indexed) order,
// positioned by keyset, never by OFFSET, with the total matching the
// filters (counted over the items' index, no version read) and each
// subject's display title — in exactly one query, whatever the page size or
// the number of subject types (titles come from the types' TitleSQL as one
// CASE column).
func (s *Store) Register(ctx context.Context, q db.Querier, entityID int64, rq RegisterQuery) (RegisterPage, error) {
	key, desc, ok := ParseRegisterSort(rq.Sort)
	page := RegisterPage{Sort: key, SortRefused: rq.Sort != "" && !ok}
	if desc {
		page.Sort = "-" + key
	}
	sort := registerSorts[key]
	reg := s.registry()
	if _, known := reg.Lookup(rq.SubjectType); !known {
		rq.SubjectType = ""
	}
	if !slices.Contains(ReviewStates, rq.ReviewState) {
		rq.ReviewState = ""
	}
	if !slices.Contains(Validities, rq.Validity) {
		rq.Validity = ""
	}
	lang := rq.Lang
	if lang != "en" {
		lang = "nl"
	}
	args := pgx.StrictNamedArgs{"entity": entityID, "item": rq.ItemID, "type": rq.SubjectType, "state": rq.ReviewState,
		"owner": rq.OwnerID, "validity": rq.Validity, "today": dateOf(rq.Today).Format(time.DateOnly), "days": ExpiringDays,
		"text": likePattern(rq.Text), "lang": lang, "limit": RegisterPageSize + 1}
	backwards := rq.Before != nil || (rq.Last && rq.After == nil)
	keyset := ""
	c := rq.After
	if c == nil {
		c = rq.Before
	}
	if c != nil {
		op := ">"
		if desc != backwards {
			op = "<"
		}
		keyset = ` AND (` + sort.expr + `, i.id) ` + op + ` (@ck::` + sort.cast + `, @cid::bigint)`
		args["ck"], args["cid"] = c.Key, c.ID
	}
	dir := " ASC"
	if desc != backwards {
		dir = " DESC"
	}
	// The page's items are chosen through the sort's index (LIMIT), then
	// joined with their newest version, owner and reviewer, and titled.
	sql := `SELECT i.id, i.subject_type, i.subject_ref, coalesce(` + reg.titleColumn() + `, '') AS subject_title,
			i.kind, i.title, coalesce(i.url, '') AS url, coalesce(i.file_name, i.title) AS file_name,
			coalesce(v.id, 0) AS version_id, coalesce(v.version_no, 0) AS version_no, coalesce(v.sha256, '') AS sha256,
			coalesce(i.uploaded_at, i.created_at) AS uploaded_at, i.created_by AS owner_id,
			coalesce(ou.name, '') AS owner, i.valid_until, i.review_state, i.review_comment,
			coalesce(ru.name, '') AS reviewed_by, i.reviewed_at, i.created_at, i.version,
			(` + sort.expr + `)::text AS sort_key,
			(SELECT count(*) FROM evidence_items i` + registerWhere + `)::int AS total
		FROM (SELECT i.* FROM evidence_items i` + registerWhere + keyset + `
			ORDER BY ` + sort.expr + dir + `, i.id` + dir + ` LIMIT @limit) i
		LEFT JOIN evidence_versions v ON v.item_id = i.id AND v.version_no = i.latest_version_no AND v.entity_id = i.entity_id
		LEFT JOIN users ou ON ou.id = i.created_by LEFT JOIN users ru ON ru.id = i.reviewed_by
		ORDER BY ` + sort.expr + dir + `, i.id` + dir
	rows, err := q.Query(ctx, sql, args)
	if err != nil {
		return page, fmt.Errorf("evidence register of entity %d: %w", entityID, err)
	}
	list, err := pgx.CollectRows(rows, pgx.RowToStructByName[RegisterRow])
	if err != nil {
		return page, fmt.Errorf("evidence register of entity %d: %w", entityID, db.MapError(err))
	}
	more := len(list) > RegisterPageSize
	if more {
		list = list[:RegisterPageSize]
	}
	if backwards {
		slices.Reverse(list)
		page.HasPrev, page.HasNext = more, rq.Before != nil
	} else {
		page.HasPrev, page.HasNext = rq.After != nil, more
	}
	page.Rows = list
	if len(list) > 0 {
		page.Total = list[0].Total
	}
	return page, nil
}

// Entry returns one live item of the entity as the register shows it, or
// db.ErrNotFound (another entity's item included).
func (s *Store) Entry(ctx context.Context, q db.Querier, entityID, itemID int64, lang string) (RegisterRow, error) {
	p, err := s.Register(ctx, q, entityID, RegisterQuery{ItemID: itemID, Lang: lang})
	if err != nil {
		return RegisterRow{}, err
	}
	if len(p.Rows) == 0 {
		return RegisterRow{}, fmt.Errorf("evidence %d: %w", itemID, db.ErrNotFound)
	}
	return p.Rows[0], nil
}

// ReviewConflict is a review or validity change refused because the item
// changed since the form was shown (it unwraps to db.ErrConflict); Current
// is the item as it is now.
type ReviewConflict struct {
	Current RegisterRow
}

func (c *ReviewConflict) Error() string { return "evidence review: " + db.ErrConflict.Error() }

// Unwrap makes errors.Is(err, db.ErrConflict) hold.
func (c *ReviewConflict) Unwrap() error { return db.ErrConflict }

// lockForReview locks a live item of the actor's entity and checks its
// version; a stale version is a *ReviewConflict with the item as it is.
func (s *Store) lockForReview(ctx context.Context, tx pgx.Tx, actor authz.Actor, itemID int64, version int) (RegisterRow, error) {
	var locked int64
	err := tx.QueryRow(ctx, `SELECT id FROM evidence_items WHERE id = @item AND entity_id = @entity AND deleted_at IS NULL FOR UPDATE`,
		pgx.StrictNamedArgs{"item": itemID, "entity": actor.EntityID}).Scan(&locked)
	if err != nil {
		return RegisterRow{}, fmt.Errorf("evidence %d: %w", itemID, db.MapError(err))
	}
	cur, err := s.Entry(ctx, tx, actor.EntityID, itemID, "nl")
	if err != nil {
		return RegisterRow{}, err
	}
	if cur.Version != version {
		return cur, &ReviewConflict{Current: cur}
	}
	return cur, nil
}

// Review records an auditor's or officer's judgement of an item: accepted,
// or rejected with a comment saying why (field "comment"). It needs
// authz.EvidenceReview — the one change an auditor may make, since
// reviewing evidence is what an auditor is there for. A stale version is a
// *ReviewConflict (409), an item of another entity db.ErrNotFound. The
// change and its audit row are written in one transaction.
func (s *Store) Review(ctx context.Context, actor authz.Actor, itemID int64, version int, state, comment string) error {
	if !actor.Can(authz.EvidenceReview) {
		return ErrForbidden
	}
	fields := validate.Errors{}
	if state != ReviewAccepted && state != ReviewRejected {
		fields.Add("state", "evidence.review.error.state")
	}
	comment = cleanText(comment, "comment", MaxReviewComment, true, fields)
	if state == ReviewRejected && comment == "" {
		fields.Add("comment", "evidence.review.error.comment")
	}
	if err := fields.Err(); err != nil {
		return err
	}
	return db.InTx(ctx, s.Pool, func(tx pgx.Tx) error {
		cur, err := s.lockForReview(ctx, tx, actor, itemID, version)
		if err != nil {
			return err
		}
		if _, err := tx.Exec(ctx, `UPDATE evidence_items SET review_state = @state, review_comment = @comment,
				reviewed_by = @user, reviewed_at = now(), version = version + 1
			WHERE id = @item AND entity_id = @entity`,
			pgx.StrictNamedArgs{"state": state, "comment": comment, "user": nullID(actor.UserID), "item": itemID,
				"entity": actor.EntityID}); err != nil {
			return fmt.Errorf("review evidence %d: %w", itemID, db.MapError(err))
		}
		return audit.Record(ctx, tx, audit.Event{EntityID: actor.EntityID, Action: "evidence.reviewed",
			ObjectType: "evidence", ObjectID: strconv.FormatInt(itemID, 10),
			Before: map[string]any{"review_state": cur.ReviewState, "review_comment": cur.ReviewComment, "version": cur.Version},
			After:  map[string]any{"title": cur.Title, "review_state": state, "review_comment": comment, "version": cur.Version + 1}})
	})
}

// SetValidity sets until when an item proves what it proves (valid_until,
// "" clears it): a real date (YYYY-MM-DD), not before the item was
// uploaded (field "valid_until"). It needs authz.EvidenceEdit and the
// subject type's permission, as changing the evidence does; the version
// and audit row as in Review.
func (s *Store) SetValidity(ctx context.Context, actor authz.Actor, itemID int64, version int, validUntil string) error {
	validUntil = strings.TrimSpace(validUntil)
	var day *time.Time
	if validUntil != "" {
		d, err := time.Parse(time.DateOnly, validUntil)
		if err != nil {
			return validate.Field("valid_until", "validate.date")
		}
		day = &d
	}
	return db.InTx(ctx, s.Pool, func(tx pgx.Tx) error {
		if _, _, err := s.lockItem(ctx, tx, actor, itemID, ""); err != nil {
			return err
		}
		cur, err := s.lockForReview(ctx, tx, actor, itemID, version)
		if err != nil {
			return err
		}
		if day != nil && day.Before(dateOf(cur.CreatedAt)) {
			return validate.Field("valid_until", "evidence.validity.error.before_upload")
		}
		if _, err := tx.Exec(ctx, `UPDATE evidence_items SET valid_until = @day, version = version + 1
			WHERE id = @item AND entity_id = @entity`,
			pgx.StrictNamedArgs{"day": day, "item": itemID, "entity": actor.EntityID}); err != nil {
			return fmt.Errorf("validity of evidence %d: %w", itemID, db.MapError(err))
		}
		return audit.Record(ctx, tx, audit.Event{EntityID: actor.EntityID, Action: "evidence.validity_set",
			ObjectType: "evidence", ObjectID: strconv.FormatInt(itemID, 10),
			Before: map[string]any{"valid_until": dateText(cur.ValidUntil), "version": cur.Version},
			After:  map[string]any{"title": cur.Title, "valid_until": dateText(day), "version": cur.Version + 1}})
	})
}

func dateText(d *time.Time) string {
	if d == nil {
		return ""
	}
	return d.Format(time.DateOnly)
}

// RowTitleSQL is the TitleSQL of a subject type whose reference is the id
// of a row of table with an entity_id column: the row's column (both
// constants of the declaring module, never input).
func RowTitleSQL(table, column string) string {
	return `SELECT t.` + column + ` FROM ` + table + ` t WHERE t.entity_id = i.entity_id AND t.id = ` + RefIDSQL
}

// RefIDSQL is the subject reference as a row id for TitleSQL expressions
// (NULL when it is not one). It is a scalar subquery so that the row is
// found by its primary key: under row-level security PostgreSQL does not
// use a condition with a regular expression or a cast (possibly leaky
// functions) as an index condition, and named each subject by reading all
// the entity's rows of its table (TestSubjectTitlesUseThePrimaryKey).
const RefIDSQL = `(SELECT CASE WHEN i.subject_ref ~ '^[1-9][0-9]{0,17}$' THEN i.subject_ref::bigint END)`

// ExpiredColumn is a column expression (arguments @entity, @today and
// @expired_limit) for pages that fold it into a query they already make
// (the dashboard keeps its query budget): the entity's live evidence past
// its valid-until date as JSON — the count and the first @expired_limit
// items, longest expired first (see ParseExpired).
const ExpiredColumn = `(SELECT json_build_object('Count', count(*), 'Items', coalesce(json_agg(json_build_object(
		'ID', e.id, 'Title', e.title, 'ValidUntil', e.valid_until::timestamp AT TIME ZONE 'UTC')
		ORDER BY e.valid_until, e.id) FILTER (WHERE e.n <= @expired_limit), '[]'))
	FROM (SELECT x.id, x.title, x.valid_until, row_number() OVER (ORDER BY x.valid_until, x.id) AS n
		FROM evidence_items x WHERE x.entity_id = @entity AND x.deleted_at IS NULL AND x.valid_until < @today::date) e)`

// Expired is what ExpiredColumn reads: how many items are past their
// validity and the first few of them.
type Expired struct {
	Count int
	Items []ExpiredItem
}

// ExpiredItem is one item past its validity.
type ExpiredItem struct {
	ID         int64
	Title      string
	ValidUntil time.Time
}

// ParseExpired decodes ExpiredColumn.
func ParseExpired(raw []byte) (Expired, error) {
	var x Expired
	if len(raw) == 0 {
		return x, nil
	}
	if err := json.Unmarshal(raw, &x); err != nil {
		return x, fmt.Errorf("expired evidence: %w", err)
	}
	return x, nil
}

// Owner is someone who uploaded evidence of the entity, for the register's
// owner filter.
type Owner struct {
	ID   int64  `db:"id"`
	Name string `db:"name"`
}

// Owners lists who uploaded the entity's live evidence, by name. The
// uploaders are found by a loose index scan (evidence_items_owner_idx, one
// probe per uploader), not by reading every item.
func Owners(ctx context.Context, q db.Querier, entityID int64) ([]Owner, error) {
	rows, err := q.Query(ctx, `WITH RECURSIVE o AS (
			(SELECT created_by FROM evidence_items WHERE entity_id = @entity AND deleted_at IS NULL AND created_by IS NOT NULL
				ORDER BY created_by LIMIT 1)
			UNION ALL
			SELECT (SELECT i.created_by FROM evidence_items i WHERE i.entity_id = @entity AND i.deleted_at IS NULL
					AND i.created_by > o.created_by ORDER BY i.created_by LIMIT 1)
			FROM o WHERE o.created_by IS NOT NULL)
		SELECT u.id, u.name FROM o JOIN users u ON u.id = o.created_by ORDER BY u.name, u.id`, pgx.StrictNamedArgs{"entity": entityID})
	if err != nil {
		return nil, fmt.Errorf("evidence owners of entity %d: %w", entityID, err)
	}
	return pgx.CollectRows(rows, pgx.RowToStructByName[Owner])
}
