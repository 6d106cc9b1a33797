// Package evidence keeps the proof that a requirement or measure is in place:
// uploaded files, stored in PostgreSQL with their SHA-256, size and sniffed
// type, every version kept; and links to documents kept elsewhere. Deleting
// is soft, so the audit trail can always show what was there. Every change is
// written to the audit log in the same transaction.
//
// Uploads are checked before they are stored (DetectType): only a short list
// of document, image and text formats, and only when the content really is
// what the extension says. Downloads are always served as attachments with
// the stored type (ContentDisposition).
package evidence

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"io"
	"net/url"
	"strconv"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/weerbaar/weerbaar/internal/audit"
	"github.com/weerbaar/weerbaar/internal/authz"
	"github.com/weerbaar/weerbaar/internal/db"
	"github.com/weerbaar/weerbaar/internal/validate"
)

// DefaultMaxBytes is the upload limit when Store.MaxBytes is not set: 25 MiB,
// enough for scanned policies and exports while keeping a version's bytea
// (read whole into memory on upload and download) small.
const DefaultMaxBytes int64 = 25 << 20

// Limits of the free-text fields, in characters.
const (
	MaxTitle       = 255
	MaxDescription = 2000
	MaxURL         = 2048
)

// Kinds of evidence.
const (
	KindFile = "file"
	KindLink = "link"
)

// Target is what evidence proves: one requirement of the catalogue (e.g.
// "1.1.1") or one measure ("a"…"j"); exactly one is set. For List, the zero
// Target means all of the entity's evidence.
type Target struct {
	RequirementCode string
	MeasureCode     string
}

func (t Target) String() string {
	if t.RequirementCode != "" {
		return "requirement:" + t.RequirementCode
	}
	return "measure:" + t.MeasureCode
}

// valid reports whether exactly one code is set and both can be sent to the
// database (URL parameters may hold any bytes).
func (t Target) valid() bool {
	return (t.RequirementCode == "") != (t.MeasureCode == "") &&
		utf8.ValidString(t.RequirementCode) && utf8.ValidString(t.MeasureCode) &&
		len(t.RequirementCode) <= 100 && len(t.MeasureCode) <= 100
}

// Item is one piece of evidence: a file with its versions, or a link.
type Item struct {
	ID              int64     `db:"id"`
	EntityID        int64     `db:"entity_id"`
	RequirementCode string    `db:"requirement_code"`
	MeasureCode     string    `db:"measure_code"`
	Kind            string    `db:"kind"` // KindFile or KindLink
	Title           string    `db:"title"`
	URL             string    `db:"url"` // links only
	Description     string    `db:"description"`
	CreatedAt       time.Time `db:"created_at"`
	CreatedBy       string    `db:"created_by"` // the user's name; "" when unknown
	// Versions are the file's versions, newest first; empty for links.
	Versions []Version `db:"-"`
}

// Version is one uploaded version of a file item, without its bytes.
type Version struct {
	ID          int64     `db:"id"`
	ItemID      int64     `db:"item_id"`
	No          int       `db:"version_no"` // 1, 2, 3… per item
	Filename    string    `db:"filename"`
	ContentType string    `db:"content_type"`
	Size        int64     `db:"size"`
	SHA256      string    `db:"sha256"` // lower-case hex
	UploadedAt  time.Time `db:"uploaded_at"`
	UploadedBy  string    `db:"uploaded_by"` // the user's name; "" when unknown
}

// Store keeps evidence in PostgreSQL.
type Store struct {
	Pool *pgxpool.Pool
	// MaxBytes is the largest file accepted; 0 means DefaultMaxBytes.
	MaxBytes int64
}

func (s *Store) maxBytes() int64 {
	if s.MaxBytes > 0 {
		return s.MaxBytes
	}
	return DefaultMaxBytes
}

// readLimited reads all of r, or ErrTooLarge once it passes max bytes; it
// reads one byte more than max to tell "exactly max" from "more".
func readLimited(r io.Reader, max int64) ([]byte, error) {
	var buf bytes.Buffer
	n, err := buf.ReadFrom(io.LimitReader(r, max+1))
	if err != nil {
		return nil, fmt.Errorf("read upload: %w", err)
	}
	if n > max {
		return nil, ErrTooLarge
	}
	return buf.Bytes(), nil
}

// upload is a file read, named and checked, ready to insert.
type upload struct {
	filename, contentType, sha256 string
	data                          []byte
}

// readFile reads and checks an uploaded file, adding its problems to fields.
func (s *Store) readFile(filename string, r io.Reader, fields validate.Errors, causes *[]error) (upload, error) {
	data, err := readLimited(r, s.maxBytes())
	if err != nil {
		return upload{}, err
	}
	u := upload{data: data}
	var ferr error
	if u.filename, ferr = cleanFilename(filename); ferr == nil {
		u.contentType, ferr = DetectType(u.filename, data)
	}
	if ferr != nil && !collect(ferr, fields, causes) {
		return upload{}, ferr
	}
	sum := sha256.Sum256(data)
	u.sha256 = hex.EncodeToString(sum[:])
	return u, nil
}

// checkTarget adds a "target" error unless exactly one code is set and it is
// in the catalogue.
func checkTarget(ctx context.Context, q db.Querier, t Target, fields validate.Errors) error {
	if !t.valid() {
		fields.Add("target", "validate.choice")
		return nil
	}
	var exists bool
	err := q.QueryRow(ctx, `SELECT CASE WHEN @requirement::text IS NOT NULL
			THEN EXISTS (SELECT 1 FROM requirements WHERE code = @requirement::text)
			ELSE EXISTS (SELECT 1 FROM measures WHERE code::text = @measure::text) END`,
		pgx.StrictNamedArgs{"requirement": nullText(t.RequirementCode), "measure": nullText(t.MeasureCode)}).Scan(&exists)
	if err != nil {
		return fmt.Errorf("check evidence target %s: %w", t, err)
	}
	if !exists {
		fields.Add("target", "validate.choice")
	}
	return nil
}

// cleanText trims s, replaces invalid UTF-8 and control characters (line
// breaks and tabs too, unless multiline) by spaces, and adds
// "validate.too_long" to field when it is longer than max characters.
func cleanText(s, field string, max int, multiline bool, fields validate.Errors) string {
	s = strings.Map(func(r rune) rune {
		if multiline && (r == '\n' || r == '\t') {
			return r
		}
		if r == utf8.RuneError || unicode.IsControl(r) {
			return ' '
		}
		return r
	}, strings.ReplaceAll(strings.ToValidUTF8(s, "\uFFFD"), "\r\n", "\n"))
	s = strings.TrimSpace(s)
	if utf8.RuneCountInString(s) > max {
		fields.Add(field, "validate.too_long")
	}
	return s
}

// Upload stores a new file item for the target with the content of r as
// version 1. It reads at most MaxBytes (ErrTooLarge beyond, with nothing
// stored); the title defaults to the file's base name. Problems with the
// input are one validation error (fields "file", "title", "target") that
// also unwraps to ErrTypeNotAllowed, ErrTypeMismatch, ErrEmpty or
// ErrFilename.
func (s *Store) Upload(ctx context.Context, actor authz.Actor, t Target, title, filename string, r io.Reader) (Item, error) {
	fields := validate.Errors{}
	var causes []error
	u, err := s.readFile(filename, r, fields, &causes)
	if err != nil {
		return Item{}, err
	}
	if strings.TrimSpace(title) == "" {
		// Defaulted: a bad file name is reported on "file" only.
		title = cleanText(u.filename, "title", MaxTitle, false, validate.Errors{})
	} else {
		title = cleanText(title, "title", MaxTitle, false, fields)
	}
	if err := checkTarget(ctx, s.Pool, t, fields); err != nil {
		return Item{}, err
	}
	if err := invalid(fields, causes); err != nil {
		return Item{}, err
	}
	var item Item
	err = db.InTx(ctx, s.Pool, func(tx pgx.Tx) error {
		var id int64
		err := tx.QueryRow(ctx, `INSERT INTO evidence_items (entity_id, requirement_code, measure_code, kind, title, created_by)
			VALUES (@entity, @requirement, @measure, 'file', @title, @user) RETURNING id`,
			pgx.StrictNamedArgs{"entity": actor.EntityID, "requirement": nullText(t.RequirementCode),
				"measure": nullText(t.MeasureCode), "title": title, "user": nullID(actor.UserID)}).Scan(&id)
		if err != nil {
			return fmt.Errorf("insert evidence item: %w", db.MapError(err))
		}
		versionID, err := insertVersion(ctx, tx, actor, id, 1, u)
		if err != nil {
			return err
		}
		if item, err = getItem(ctx, tx, actor.EntityID, id); err != nil {
			return err
		}
		return audit.Record(ctx, tx, audit.Event{EntityID: actor.EntityID, Action: "evidence.uploaded",
			ObjectType: "evidence", ObjectID: strconv.FormatInt(id, 10),
			After: map[string]any{"target": t.String(), "title": title, "version": 1, "version_id": versionID,
				"filename": u.filename, "content_type": u.contentType, "size": len(u.data), "sha256": u.sha256}})
	})
	return item, err
}

func insertVersion(ctx context.Context, tx pgx.Tx, actor authz.Actor, itemID int64, no int, u upload) (int64, error) {
	var id int64
	err := tx.QueryRow(ctx, `INSERT INTO evidence_versions
			(item_id, entity_id, version_no, filename, content_type, size, sha256, data, uploaded_by)
		VALUES (@item, @entity, @no, @filename, @type, @size, @sha256, @data, @user) RETURNING id`,
		pgx.StrictNamedArgs{"item": itemID, "entity": actor.EntityID, "no": no, "filename": u.filename,
			"type": u.contentType, "size": len(u.data), "sha256": u.sha256, "data": u.data,
			"user": nullID(actor.UserID)}).Scan(&id)
	if err != nil {
		return 0, fmt.Errorf("insert version %d of evidence %d: %w", no, itemID, db.MapError(err))
	}
	return id, nil
}

// AddVersion stores the content of r as the next version of a file item of
// the actor's entity; the earlier versions stay. An item of another entity,
// a deleted item or a link gives db.ErrNotFound; the file is checked as in
// Upload.
func (s *Store) AddVersion(ctx context.Context, actor authz.Actor, itemID int64, filename string, r io.Reader) (Version, error) {
	fields := validate.Errors{}
	var causes []error
	u, err := s.readFile(filename, r, fields, &causes)
	if err != nil {
		return Version{}, err
	}
	if err := invalid(fields, causes); err != nil {
		return Version{}, err
	}
	var v Version
	err = db.InTx(ctx, s.Pool, func(tx pgx.Tx) error {
		var last int
		err := tx.QueryRow(ctx, `SELECT (SELECT coalesce(max(version_no), 0) FROM evidence_versions WHERE item_id = i.id)
			FROM evidence_items i
			WHERE i.id = @item AND i.entity_id = @entity AND i.deleted_at IS NULL AND i.kind = 'file'
			FOR UPDATE`, pgx.StrictNamedArgs{"item": itemID, "entity": actor.EntityID}).Scan(&last)
		if err != nil {
			return fmt.Errorf("evidence %d: %w", itemID, db.MapError(err))
		}
		id, err := insertVersion(ctx, tx, actor, itemID, last+1, u)
		if err != nil {
			return err
		}
		if _, err := tx.Exec(ctx, `UPDATE evidence_items SET version = version + 1 WHERE id = @item AND entity_id = @entity`,
			pgx.StrictNamedArgs{"item": itemID, "entity": actor.EntityID}); err != nil {
			return fmt.Errorf("evidence %d: %w", itemID, err)
		}
		rows, err := tx.Query(ctx, versionsSQL+` AND v.id = @version`,
			pgx.StrictNamedArgs{"entity": actor.EntityID, "items": []int64{itemID}, "version": id})
		if err != nil {
			return fmt.Errorf("read version %d: %w", id, err)
		}
		if v, err = pgx.CollectExactlyOneRow(rows, pgx.RowToStructByName[Version]); err != nil {
			return fmt.Errorf("read version %d: %w", id, db.MapError(err))
		}
		return audit.Record(ctx, tx, audit.Event{EntityID: actor.EntityID, Action: "evidence.version_added",
			ObjectType: "evidence", ObjectID: strconv.FormatInt(itemID, 10),
			Before: map[string]any{"version": last},
			After: map[string]any{"version": last + 1, "version_id": id, "filename": u.filename,
				"content_type": u.contentType, "size": len(u.data), "sha256": u.sha256}})
	})
	return v, err
}

// checkURL returns rawURL trimmed when it is an absolute http or https URL
// with a host and without credentials or white space.
func checkURL(rawURL string) (string, bool) {
	s := strings.TrimSpace(rawURL)
	if s == "" || len(s) > MaxURL || strings.ContainsFunc(s, func(r rune) bool { return unicode.IsSpace(r) || unicode.IsControl(r) }) {
		return s, false
	}
	u, err := url.Parse(s)
	if err != nil || u.Host == "" || u.User != nil || u.Opaque != "" || u.Hostname() == "" {
		return s, false
	}
	switch strings.ToLower(u.Scheme) {
	case "http", "https":
	default:
		return s, false
	}
	// The stored form starts with the scheme in lower case (the column checks it).
	return strings.ToLower(u.Scheme) + s[len(u.Scheme):], true
}

// AddLink stores a link as evidence for the target: an absolute http or
// https URL ("url": "evidence.error.url"), a title ("title":
// "validate.required") and an optional description.
func (s *Store) AddLink(ctx context.Context, actor authz.Actor, t Target, title, rawURL, description string) (Item, error) {
	fields := validate.Errors{}
	title = cleanText(title, "title", MaxTitle, false, fields)
	if title == "" {
		fields.Add("title", "validate.required")
	}
	link, ok := checkURL(rawURL)
	if !ok {
		fields.Add("url", "evidence.error.url")
	}
	description = cleanText(description, "description", MaxDescription, true, fields)
	if err := checkTarget(ctx, s.Pool, t, fields); err != nil {
		return Item{}, err
	}
	if err := fields.Err(); err != nil {
		return Item{}, err
	}
	var item Item
	err := db.InTx(ctx, s.Pool, func(tx pgx.Tx) error {
		var id int64
		err := tx.QueryRow(ctx, `INSERT INTO evidence_items
				(entity_id, requirement_code, measure_code, kind, title, url, description, created_by)
			VALUES (@entity, @requirement, @measure, 'link', @title, @url, @description, @user) RETURNING id`,
			pgx.StrictNamedArgs{"entity": actor.EntityID, "requirement": nullText(t.RequirementCode),
				"measure": nullText(t.MeasureCode), "title": title, "url": link, "description": description,
				"user": nullID(actor.UserID)}).Scan(&id)
		if err != nil {
			return fmt.Errorf("insert evidence link: %w", db.MapError(err))
		}
		if item, err = getItem(ctx, tx, actor.EntityID, id); err != nil {
			return err
		}
		return audit.Record(ctx, tx, audit.Event{EntityID: actor.EntityID, Action: "evidence.link_added",
			ObjectType: "evidence", ObjectID: strconv.FormatInt(id, 10),
			After: map[string]any{"target": t.String(), "title": title, "url": link, "description": description}})
	})
	return item, err
}

// Delete marks an item of the actor's entity as deleted: it disappears from
// lists, counts and downloads, but its rows and bytes stay for the audit
// trail. An item of another entity or one already deleted gives db.ErrNotFound.
func (s *Store) Delete(ctx context.Context, actor authz.Actor, itemID int64) error {
	return db.InTx(ctx, s.Pool, func(tx pgx.Tx) error {
		var title, kind string
		err := tx.QueryRow(ctx, `UPDATE evidence_items SET deleted_at = now(), deleted_by = @user, version = version + 1
			WHERE id = @item AND entity_id = @entity AND deleted_at IS NULL RETURNING title, kind`,
			pgx.StrictNamedArgs{"item": itemID, "entity": actor.EntityID, "user": nullID(actor.UserID)}).Scan(&title, &kind)
		if err != nil {
			return fmt.Errorf("delete evidence %d: %w", itemID, db.MapError(err))
		}
		return audit.Record(ctx, tx, audit.Event{EntityID: actor.EntityID, Action: "evidence.deleted",
			ObjectType: "evidence", ObjectID: strconv.FormatInt(itemID, 10),
			Before: map[string]any{"title": title, "kind": kind, "deleted": false},
			After:  map[string]any{"deleted": true}})
	})
}

const itemsSQL = `SELECT i.id, i.entity_id, coalesce(i.requirement_code, '') AS requirement_code,
		coalesce(i.measure_code::text, '') AS measure_code, i.kind, i.title, coalesce(i.url, '') AS url,
		i.description, i.created_at, coalesce(u.name, '') AS created_by
	FROM evidence_items i LEFT JOIN users u ON u.id = i.created_by
	WHERE i.entity_id = @entity AND i.deleted_at IS NULL
		AND (@item::bigint IS NULL OR i.id = @item::bigint)
		AND (@requirement::text IS NULL OR i.requirement_code = @requirement::text)
		AND (@measure::text IS NULL OR i.measure_code::text = @measure::text)
	ORDER BY i.created_at DESC, i.id DESC`

const versionsSQL = `SELECT v.id, v.item_id, v.version_no, v.filename, v.content_type, v.size, v.sha256,
		v.uploaded_at, coalesce(u.name, '') AS uploaded_by
	FROM evidence_versions v LEFT JOIN users u ON u.id = v.uploaded_by
	WHERE v.entity_id = @entity AND v.item_id = ANY(@items)`

// List returns the entity's evidence for the target (all of it for the zero
// Target), newest first, each file with its versions. Deleted items are left
// out. A Target with both codes set is a validation error.
func (s *Store) List(ctx context.Context, entityID int64, t Target) ([]Item, error) {
	if t != (Target{}) && !t.valid() {
		return nil, validate.Field("target", "validate.choice")
	}
	return listItems(ctx, s.Pool, entityID, t, 0)
}

// Get returns one non-deleted item of the entity, or db.ErrNotFound.
func (s *Store) Get(ctx context.Context, entityID, itemID int64) (Item, error) {
	return getItem(ctx, s.Pool, entityID, itemID)
}

func getItem(ctx context.Context, q db.Querier, entityID, itemID int64) (Item, error) {
	items, err := listItems(ctx, q, entityID, Target{}, itemID)
	if err != nil {
		return Item{}, err
	}
	if len(items) == 0 {
		return Item{}, fmt.Errorf("evidence %d: %w", itemID, db.ErrNotFound)
	}
	return items[0], nil
}

func listItems(ctx context.Context, q db.Querier, entityID int64, t Target, itemID int64) ([]Item, error) {
	rows, err := q.Query(ctx, itemsSQL, pgx.StrictNamedArgs{"entity": entityID, "item": nullID(itemID),
		"requirement": nullText(t.RequirementCode), "measure": nullText(t.MeasureCode)})
	if err != nil {
		return nil, fmt.Errorf("list evidence of entity %d: %w", entityID, err)
	}
	items, err := pgx.CollectRows(rows, pgx.RowToStructByName[Item])
	if err != nil {
		return nil, fmt.Errorf("list evidence of entity %d: %w", entityID, db.MapError(err))
	}
	if len(items) == 0 {
		return []Item{}, nil
	}
	byID := make(map[int64]*Item, len(items))
	ids := make([]int64, 0, len(items))
	for i := range items {
		byID[items[i].ID] = &items[i]
		ids = append(ids, items[i].ID)
		items[i].Versions = []Version{}
	}
	rows, err = q.Query(ctx, versionsSQL+` ORDER BY v.item_id, v.version_no DESC`,
		pgx.StrictNamedArgs{"entity": entityID, "items": ids})
	if err != nil {
		return nil, fmt.Errorf("list evidence versions of entity %d: %w", entityID, err)
	}
	versions, err := pgx.CollectRows(rows, pgx.RowToStructByName[Version])
	if err != nil {
		return nil, fmt.Errorf("list evidence versions of entity %d: %w", entityID, db.MapError(err))
	}
	for _, v := range versions {
		it := byID[v.ItemID]
		it.Versions = append(it.Versions, v)
	}
	return items, nil
}

// CountByRequirement returns the number of the entity's evidence items per
// requirement code; deleted items do not count, codes without any are absent.
func (s *Store) CountByRequirement(ctx context.Context, entityID int64) (map[string]int, error) {
	return s.count(ctx, entityID, `SELECT requirement_code AS code, count(*)::int AS n FROM evidence_items
		WHERE entity_id = @entity AND deleted_at IS NULL AND requirement_code IS NOT NULL GROUP BY requirement_code`)
}

// CountByMeasure returns the number of the entity's evidence items attached
// to each measure itself (not to its requirements); deleted items do not
// count, codes without any are absent.
func (s *Store) CountByMeasure(ctx context.Context, entityID int64) (map[string]int, error) {
	return s.count(ctx, entityID, `SELECT measure_code::text AS code, count(*)::int AS n FROM evidence_items
		WHERE entity_id = @entity AND deleted_at IS NULL AND measure_code IS NOT NULL GROUP BY measure_code`)
}

func (s *Store) count(ctx context.Context, entityID int64, sql string) (map[string]int, error) {
	rows, err := s.Pool.Query(ctx, sql, pgx.StrictNamedArgs{"entity": entityID})
	if err != nil {
		return nil, fmt.Errorf("count evidence of entity %d: %w", entityID, err)
	}
	type count struct {
		Code string `db:"code"`
		N    int    `db:"n"`
	}
	counts, err := pgx.CollectRows(rows, pgx.RowToStructByName[count])
	if err != nil {
		return nil, fmt.Errorf("count evidence of entity %d: %w", entityID, db.MapError(err))
	}
	m := make(map[string]int, len(counts))
	for _, c := range counts {
		m[c.Code] = c.N
	}
	return m, nil
}

// Download returns a version of a file of the entity with its bytes. A
// version of another entity or of a deleted item gives db.ErrNotFound. Serve
// the bytes with v.ContentType, ContentDisposition(v.Filename) and
// "X-Content-Type-Options: nosniff".
func (s *Store) Download(ctx context.Context, entityID, versionID int64) (Version, []byte, error) {
	var v Version
	var data []byte
	err := s.Pool.QueryRow(ctx, `SELECT v.id, v.item_id, v.version_no, v.filename, v.content_type, v.size, v.sha256,
			v.uploaded_at, coalesce(u.name, ''), v.data
		FROM evidence_versions v
		JOIN evidence_items i ON i.id = v.item_id AND i.entity_id = v.entity_id
		LEFT JOIN users u ON u.id = v.uploaded_by
		WHERE v.id = @version AND v.entity_id = @entity AND i.deleted_at IS NULL`,
		pgx.StrictNamedArgs{"version": versionID, "entity": entityID}).Scan(
		&v.ID, &v.ItemID, &v.No, &v.Filename, &v.ContentType, &v.Size, &v.SHA256, &v.UploadedAt, &v.UploadedBy, &data)
	if err != nil {
		return Version{}, nil, fmt.Errorf("download evidence version %d: %w", versionID, db.MapError(err))
	}
	return v, data, nil
}

func nullText(s string) *string {
	if s == "" {
		return nil
	}
	return &s
}

func nullID(id int64) *int64 {
	if id == 0 {
		return nil
	}
	return &id
}
