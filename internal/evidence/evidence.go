// Package evidence keeps the proof that a record is in place — a requirement,
// a measure, or any record whose module declared a subject type (see
// SubjectType and Register): uploaded files, stored in PostgreSQL with their
// SHA-256, size and sniffed type, every version kept; and links to documents
// kept elsewhere. Deleting
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
	"errors"
	"fmt"
	"io"
	"net/url"
	"slices"
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

// ErrForbidden is returned when the actor lacks the permission that the
// subject type declares for attaching evidence.
var ErrForbidden = errors.New("evidence: not permitted for this subject type")

// Item is one piece of evidence: a file with its versions, or a link.
type Item struct {
	ID          int64     `db:"id"`
	EntityID    int64     `db:"entity_id"`
	SubjectType string    `db:"subject_type"`
	SubjectRef  string    `db:"subject_ref"`
	Kind        string    `db:"kind"` // KindFile or KindLink
	Title       string    `db:"title"`
	URL         string    `db:"url"` // links only
	Description string    `db:"description"`
	CreatedAt   time.Time `db:"created_at"`
	CreatedBy   string    `db:"created_by"` // the user's name; "" when unknown
	// ReviewState is the register's review of the item (ReviewToReview,
	// ReviewAccepted, ReviewRejected); ValidUntil its validity, nil when
	// none was set.
	ReviewState string     `db:"review_state"`
	ValidUntil  *time.Time `db:"valid_until"`
	// ReviewComment, ReviewedBy (the reviewer's name) and ReviewedAt record
	// the last review; empty until someone reviewed the item.
	ReviewComment string     `db:"review_comment"`
	ReviewedBy    string     `db:"reviewed_by"`
	ReviewedAt    *time.Time `db:"reviewed_at"`
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
	// Registry holds the subject types evidence may attach to; nil means
	// Subjects, the registry the modules fill in.
	Registry *Registry
}

func (s *Store) registry() *Registry {
	if s.Registry != nil {
		return s.Registry
	}
	return Subjects
}

// subjectType returns the declared type of subj after checking that the
// actor may attach evidence to it: an unknown type or a malformed reference
// is db.ErrNotFound, a missing permission ErrForbidden.
func (s *Store) subjectType(actor authz.Actor, subj Subject) (SubjectType, error) {
	st, ok := s.registry().Lookup(subj.Type)
	if !ok || !subj.valid() {
		return SubjectType{}, fmt.Errorf("evidence subject %q: %w", subj.String(), db.ErrNotFound)
	}
	if !actor.Can(authz.EvidenceEdit) || !actor.Can(st.Permission) {
		return SubjectType{}, fmt.Errorf("evidence subject %q: %w", subj.String(), ErrForbidden)
	}
	return st, nil
}

// checkExists returns db.ErrNotFound unless the subject's record exists in
// the actor's entity; q is the transaction that attaches the evidence.
func checkExists(ctx context.Context, q db.Querier, st SubjectType, entityID int64, subj Subject) error {
	ok, err := st.Exists(ctx, q, entityID, subj.Ref)
	if err != nil {
		return fmt.Errorf("check evidence subject %s: %w", subj, err)
	}
	if !ok {
		return fmt.Errorf("evidence subject %s: %w", subj, db.ErrNotFound)
	}
	return nil
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

// Upload stores a new file item for the subject with the content of r as
// version 1. It reads at most MaxBytes (ErrTooLarge beyond, with nothing
// stored); the title defaults to the file's base name. An unknown subject
// type, or a subject that does not exist in the actor's entity, is
// db.ErrNotFound; an actor without the type's permission gets ErrForbidden.
// Problems with the input are one validation error (fields "file",
// "title") that also unwraps to ErrTypeNotAllowed, ErrTypeMismatch,
// ErrEmpty or ErrFilename.
func (s *Store) Upload(ctx context.Context, actor authz.Actor, subj Subject, title, filename string, r io.Reader) (Item, error) {
	st, err := s.subjectType(actor, subj)
	if err != nil {
		return Item{}, err
	}
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
	if err := invalid(fields, causes); err != nil {
		return Item{}, err
	}
	var item Item
	err = db.InTx(ctx, s.Pool, func(tx pgx.Tx) error {
		if err := checkExists(ctx, tx, st, actor.EntityID, subj); err != nil {
			return err
		}
		var id int64
		err := tx.QueryRow(ctx, `INSERT INTO evidence_items (entity_id, subject_type, subject_ref, kind, title, created_by)
			VALUES (@entity, @type, @ref, 'file', @title, @user) RETURNING id`,
			pgx.StrictNamedArgs{"entity": actor.EntityID, "type": subj.Type, "ref": subj.Ref, "title": title,
				"user": nullID(actor.UserID)}).Scan(&id)
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
			After: map[string]any{"target": subj.String(), "title": title, "version": 1, "version_id": versionID,
				"filename": u.filename, "content_type": u.contentType, "size": len(u.data), "sha256": u.sha256}})
	})
	return item, err
}

// lockItem locks a live item of the actor's entity for a change and checks
// the permission its subject type declares; it returns the item's kind and
// title. A kind other than kind ("" for any) is db.ErrNotFound.
func (s *Store) lockItem(ctx context.Context, tx pgx.Tx, actor authz.Actor, itemID int64, kind string) (string, string, error) {
	var subj Subject
	var gotKind, title string
	err := tx.QueryRow(ctx, `SELECT subject_type, subject_ref, kind, title FROM evidence_items
		WHERE id = @item AND entity_id = @entity AND deleted_at IS NULL FOR UPDATE`,
		pgx.StrictNamedArgs{"item": itemID, "entity": actor.EntityID}).Scan(&subj.Type, &subj.Ref, &gotKind, &title)
	if err == nil && kind != "" && gotKind != kind {
		err = pgx.ErrNoRows
	}
	if err != nil {
		return "", "", fmt.Errorf("evidence %d: %w", itemID, db.MapError(err))
	}
	if _, err := s.subjectType(actor, subj); err != nil {
		return "", "", err
	}
	return gotKind, title, nil
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
// a deleted item or a link gives db.ErrNotFound; the file and the subject
// type's permission are checked as in Upload.
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
		if _, _, err := s.lockItem(ctx, tx, actor, itemID, KindFile); err != nil {
			return err
		}
		var last int
		err := tx.QueryRow(ctx, `SELECT coalesce(max(version_no), 0) FROM evidence_versions WHERE item_id = @item AND entity_id = @entity`,
			pgx.StrictNamedArgs{"item": itemID, "entity": actor.EntityID}).Scan(&last)
		if err != nil {
			return fmt.Errorf("evidence %d: %w", itemID, err)
		}
		id, err := insertVersion(ctx, tx, actor, itemID, last+1, u)
		if err != nil {
			return err
		}
		// A new file is not what was reviewed: the review starts again.
		var reviewBefore string
		if err := tx.QueryRow(ctx, `UPDATE evidence_items i SET version = i.version + 1, review_state = 'to_review',
				review_comment = '', reviewed_by = NULL, reviewed_at = NULL
			FROM evidence_items old WHERE old.id = i.id AND i.id = @item AND i.entity_id = @entity
			RETURNING old.review_state`,
			pgx.StrictNamedArgs{"item": itemID, "entity": actor.EntityID}).Scan(&reviewBefore); err != nil {
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
			Before: map[string]any{"version": last, "review_state": reviewBefore},
			After: map[string]any{"version": last + 1, "version_id": id, "filename": u.filename,
				"content_type": u.contentType, "size": len(u.data), "sha256": u.sha256, "review_state": ReviewToReview}})
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

// AddLink stores a link as evidence for the subject: an absolute http or
// https URL ("url": "evidence.error.url"), a title ("title":
// "validate.required") and an optional description. The subject is checked
// as in Upload.
func (s *Store) AddLink(ctx context.Context, actor authz.Actor, subj Subject, title, rawURL, description string) (Item, error) {
	st, err := s.subjectType(actor, subj)
	if err != nil {
		return Item{}, err
	}
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
	if err := fields.Err(); err != nil {
		return Item{}, err
	}
	var item Item
	err = db.InTx(ctx, s.Pool, func(tx pgx.Tx) error {
		if err := checkExists(ctx, tx, st, actor.EntityID, subj); err != nil {
			return err
		}
		var id int64
		err := tx.QueryRow(ctx, `INSERT INTO evidence_items
				(entity_id, subject_type, subject_ref, kind, title, url, description, created_by)
			VALUES (@entity, @type, @ref, 'link', @title, @url, @description, @user) RETURNING id`,
			pgx.StrictNamedArgs{"entity": actor.EntityID, "type": subj.Type, "ref": subj.Ref, "title": title, "url": link,
				"description": description, "user": nullID(actor.UserID)}).Scan(&id)
		if err != nil {
			return fmt.Errorf("insert evidence link: %w", db.MapError(err))
		}
		if item, err = getItem(ctx, tx, actor.EntityID, id); err != nil {
			return err
		}
		return audit.Record(ctx, tx, audit.Event{EntityID: actor.EntityID, Action: "evidence.link_added",
			ObjectType: "evidence", ObjectID: strconv.FormatInt(id, 10),
			After: map[string]any{"target": subj.String(), "title": title, "url": link, "description": description}})
	})
	return item, err
}

// Delete marks an item of the actor's entity as deleted: it disappears from
// lists, counts and downloads, but its rows and bytes stay for the audit
// trail. An item of another entity or one already deleted gives
// db.ErrNotFound; the subject type's permission is checked as in Upload.
func (s *Store) Delete(ctx context.Context, actor authz.Actor, itemID int64) error {
	return db.InTx(ctx, s.Pool, func(tx pgx.Tx) error {
		kind, title, err := s.lockItem(ctx, tx, actor, itemID, "")
		if err != nil {
			return err
		}
		if _, err := tx.Exec(ctx, `UPDATE evidence_items SET deleted_at = now(), deleted_by = @user, version = version + 1
			WHERE id = @item AND entity_id = @entity`,
			pgx.StrictNamedArgs{"item": itemID, "entity": actor.EntityID, "user": nullID(actor.UserID)}); err != nil {
			return fmt.Errorf("delete evidence %d: %w", itemID, db.MapError(err))
		}
		return audit.Record(ctx, tx, audit.Event{EntityID: actor.EntityID, Action: "evidence.deleted",
			ObjectType: "evidence", ObjectID: strconv.FormatInt(itemID, 10),
			Before: map[string]any{"title": title, "kind": kind, "deleted": false},
			After:  map[string]any{"deleted": true}})
	})
}

// itemsSQL lists live items of an entity, optionally one item, the items of
// one subject type, or those of a list of subjects (parallel arrays of types
// and references).
// itemsSQL selects the entity's live items; listItems adds only the
// conditions its filter uses, so each filter has a plan of its own (a
// catch-all "@x IS NULL OR …" condition got one generic plan that read all
// of the entity's items). Names are scalar subqueries by primary key, which
// no row estimate turns into a scan of users per item.
const itemsSQL = `SELECT i.id, i.entity_id, i.subject_type, i.subject_ref, i.kind, i.title, coalesce(i.url, '') AS url,
		i.description, i.created_at, coalesce((SELECT u.name FROM users u WHERE u.id = i.created_by), '') AS created_by,
		i.review_state, i.valid_until, i.review_comment,
		coalesce((SELECT rv.name FROM users rv WHERE rv.id = i.reviewed_by), '') AS reviewed_by, i.reviewed_at
	FROM evidence_items i
	WHERE i.entity_id = @entity AND i.deleted_at IS NULL`

const versionsSQL = `SELECT v.id, v.item_id, v.version_no, v.filename, v.content_type, v.size, v.sha256,
		v.uploaded_at, coalesce((SELECT u.name FROM users u WHERE u.id = v.uploaded_by), '') AS uploaded_by
	FROM evidence_versions v
	WHERE v.entity_id = @entity AND v.item_id = ANY(@items)`

// filter selects items for listItems; the zero filter means all.
type filter struct {
	item        int64
	subjectType string
	subjects    []Subject
}

// List returns the entity's evidence for the subject (all of it for the
// zero Subject), newest first, each file with its versions. Deleted items
// are left out.
func (s *Store) List(ctx context.Context, entityID int64, subj Subject) ([]Item, error) {
	if subj == (Subject{}) {
		return listItems(ctx, s.Pool, entityID, filter{})
	}
	return s.ListSubjects(ctx, entityID, []Subject{subj})
}

// ListSubjects returns the entity's evidence for any of the subjects, newest
// first, each file with its versions, in two queries whatever the number of
// subjects (a measure page lists its own evidence and its requirements').
func (s *Store) ListSubjects(ctx context.Context, entityID int64, subjects []Subject) ([]Item, error) {
	// A malformed subject has no evidence (and would not reach the database).
	subjects = slices.DeleteFunc(slices.Clone(subjects), func(subj Subject) bool { return !subj.valid() })
	if len(subjects) == 0 {
		return []Item{}, nil
	}
	return listItems(ctx, s.Pool, entityID, filter{subjects: subjects})
}

// ListBySubjectType returns the entity's evidence of one subject type
// grouped by subject reference (e.g. every requirement's evidence for the
// Statement of Applicability), each list newest first with the files'
// versions; references without evidence are absent.
func (s *Store) ListBySubjectType(ctx context.Context, entityID int64, subjectType string) (map[string][]Item, error) {
	out := map[string][]Item{}
	if subjectType == "" {
		return out, nil
	}
	items, err := listItems(ctx, s.Pool, entityID, filter{subjectType: subjectType})
	if err != nil {
		return nil, err
	}
	for _, it := range items {
		out[it.SubjectRef] = append(out[it.SubjectRef], it)
	}
	return out, nil
}

// Get returns one non-deleted item of the entity, or db.ErrNotFound.
func (s *Store) Get(ctx context.Context, entityID, itemID int64) (Item, error) {
	return getItem(ctx, s.Pool, entityID, itemID)
}

func getItem(ctx context.Context, q db.Querier, entityID, itemID int64) (Item, error) {
	items, err := listItems(ctx, q, entityID, filter{item: itemID})
	if err != nil {
		return Item{}, err
	}
	if len(items) == 0 {
		return Item{}, fmt.Errorf("evidence %d: %w", itemID, db.ErrNotFound)
	}
	return items[0], nil
}

func listItems(ctx context.Context, q db.Querier, entityID int64, f filter) ([]Item, error) {
	sql, args := itemsSQL, pgx.StrictNamedArgs{"entity": entityID}
	if f.item != 0 {
		sql, args["item"] = sql+` AND i.id = @item`, f.item
	}
	if f.subjectType != "" {
		sql, args["type"] = sql+` AND i.subject_type = @type`, f.subjectType
	}
	if len(f.subjects) > 0 {
		var types, refs []string
		for _, subj := range f.subjects {
			types, refs = append(types, subj.Type), append(refs, subj.Ref)
		}
		sql += ` AND (i.subject_type, i.subject_ref) IN (SELECT t, r FROM unnest(@types::text[], @refs::text[]) AS s (t, r))`
		args["types"], args["refs"] = types, refs
	}
	rows, err := q.Query(ctx, sql+` ORDER BY i.created_at DESC, i.id DESC`, args)
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

// CountBySubjectType returns the number of the entity's evidence items per
// subject reference of one subject type (e.g. per requirement code); deleted
// items do not count, references without any are absent.
func (s *Store) CountBySubjectType(ctx context.Context, entityID int64, subjectType string) (map[string]int, error) {
	counts, err := s.CountBySubjectTypes(ctx, entityID, subjectType)
	return counts[subjectType], err
}

// CountBySubjectTypes is CountBySubjectType of several subject types in one
// query: by subject type, then by reference (a type without items has an
// empty map).
func (s *Store) CountBySubjectTypes(ctx context.Context, entityID int64, subjectTypes ...string) (map[string]map[string]int, error) {
	rows, err := s.Pool.Query(ctx, `SELECT subject_type AS type, subject_ref AS ref, count(*)::int AS n FROM evidence_items
		WHERE entity_id = @entity AND subject_type = ANY(@types) AND deleted_at IS NULL GROUP BY subject_type, subject_ref`,
		pgx.StrictNamedArgs{"entity": entityID, "types": subjectTypes})
	if err != nil {
		return nil, fmt.Errorf("count evidence of entity %d: %w", entityID, err)
	}
	type count struct {
		Type string `db:"type"`
		Ref  string `db:"ref"`
		N    int    `db:"n"`
	}
	counts, err := pgx.CollectRows(rows, pgx.RowToStructByName[count])
	if err != nil {
		return nil, fmt.Errorf("count evidence of entity %d: %w", entityID, db.MapError(err))
	}
	m := make(map[string]map[string]int, len(subjectTypes))
	for _, t := range subjectTypes {
		m[t] = map[string]int{}
	}
	for _, c := range counts {
		m[c.Type][c.Ref] = c.N
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

func nullID(id int64) *int64 {
	if id == 0 {
		return nil
	}
	return &id
}
