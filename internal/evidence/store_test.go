package evidence_test

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"testing"

	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/weerbaar/weerbaar/internal/audit"
	"github.com/weerbaar/weerbaar/internal/authz"
	"github.com/weerbaar/weerbaar/internal/db"
	"github.com/weerbaar/weerbaar/internal/dbtest"
	"github.com/weerbaar/weerbaar/internal/evidence"
	"github.com/weerbaar/weerbaar/internal/measure"
	"github.com/weerbaar/weerbaar/internal/validate"
)

type fixture struct {
	pool       *pgxpool.Pool
	store      *evidence.Store
	anna, bert authz.Actor // officers of entity a and entity b
	req, req2  string      // requirement codes from the catalogue
	ctx        context.Context
}

func setup(t *testing.T, maxBytes int64) fixture {
	t.Helper()
	pool := dbtest.New(t)
	ctx := context.Background()
	f := fixture{pool: pool, store: &evidence.Store{Pool: pool, MaxBytes: maxBytes}}
	actor := func(slug, name string) authz.Actor {
		var entity, user int64
		if err := pool.QueryRow(ctx, `INSERT INTO entities (slug, name) VALUES ($1, $1) RETURNING id`, slug).Scan(&entity); err != nil {
			t.Fatal(err)
		}
		email := strings.ToLower(strings.Fields(name)[0]) + "@" + slug + ".nl"
		if err := pool.QueryRow(ctx, `INSERT INTO users (email, name) VALUES ($1, $2) RETURNING id`, email, name).Scan(&user); err != nil {
			t.Fatal(err)
		}
		if _, err := pool.Exec(ctx, `INSERT INTO memberships (entity_id, user_id, role) VALUES ($1, $2, 'security_officer')`, entity, user); err != nil {
			t.Fatal(err)
		}
		return authz.Actor{UserID: user, Email: email, Name: name, EntityID: entity, Role: authz.SecurityOfficer}
	}
	f.anna = actor("gemeente-a", "Anna de Vries")
	f.bert = actor("waterschap-b", "Bert Jansen")
	if err := pool.QueryRow(ctx, `SELECT min(code), max(code) FROM requirements`).Scan(&f.req, &f.req2); err != nil || f.req == f.req2 {
		t.Fatalf("requirements in the catalogue: %q %q %v", f.req, f.req2, err)
	}
	f.ctx = audit.WithMeta(ctx, audit.Meta{ActorID: f.anna.UserID, ActorEmail: f.anna.Email, IP: "192.0.2.1"})
	return f
}

func (f fixture) count(t *testing.T, sql string, args ...any) int {
	t.Helper()
	var n int
	if err := f.pool.QueryRow(context.Background(), sql, args...).Scan(&n); err != nil {
		t.Fatalf("%s: %v", sql, err)
	}
	return n
}

func (f fixture) auditCount(t *testing.T, action string) int {
	t.Helper()
	return f.count(t, `SELECT count(*) FROM audit_log WHERE action = $1`, action)
}

func sum(b []byte) string {
	s := sha256.Sum256(b)
	return hex.EncodeToString(s[:])
}

func TestUploadVersionsDownload(t *testing.T) {
	t.Parallel()
	f := setup(t, 0)
	ctx := f.ctx
	target := evidence.Subject{Type: measure.SubjectRequirement, Ref: f.req}
	v1 := []byte(pdfFile)

	item, err := f.store.Upload(ctx, f.anna, target, "", "../../tmp/Beleid ë.pdf", bytes.NewReader(v1))
	if err != nil {
		t.Fatal(err)
	}
	if item.ID == 0 || item.EntityID != f.anna.EntityID || item.Kind != evidence.KindFile || item.Title != "Beleid ë.pdf" ||
		item.SubjectType != measure.SubjectRequirement || item.SubjectRef != f.req || item.CreatedBy != "Anna de Vries" || item.CreatedAt.IsZero() {
		t.Fatalf("item = %+v", item)
	}
	if len(item.Versions) != 1 {
		t.Fatalf("versions = %+v", item.Versions)
	}
	first := item.Versions[0]
	if first.No != 1 || first.Filename != "Beleid ë.pdf" || first.ContentType != "application/pdf" ||
		first.Size != int64(len(v1)) || first.SHA256 != sum(v1) || first.UploadedBy != "Anna de Vries" || first.ItemID != item.ID {
		t.Fatalf("version 1 = %+v", first)
	}
	var stored []byte
	var storedSum string
	if err := f.pool.QueryRow(ctx, `SELECT data, sha256 FROM evidence_versions WHERE id = $1`, first.ID).Scan(&stored, &storedSum); err != nil ||
		!bytes.Equal(stored, v1) || storedSum != sum(v1) {
		t.Fatalf("stored bytes differ (%v)", err)
	}

	v2 := docx(t)
	second, err := f.store.AddVersion(ctx, f.anna, item.ID, "beleid-v2.docx", bytes.NewReader(v2))
	if err != nil {
		t.Fatal(err)
	}
	if second.No != 2 || second.ItemID != item.ID || second.Size != int64(len(v2)) || second.SHA256 != sum(v2) ||
		second.ContentType != "application/vnd.openxmlformats-officedocument.wordprocessingml.document" {
		t.Fatalf("version 2 = %+v", second)
	}

	items, err := f.store.List(ctx, f.anna.EntityID, target)
	if err != nil || len(items) != 1 {
		t.Fatalf("List = %+v, %v", items, err)
	}
	if vs := items[0].Versions; len(vs) != 2 || vs[0].ID != second.ID || vs[1].ID != first.ID {
		t.Fatalf("versions, newest first = %+v", vs)
	}
	v, data, err := f.store.Download(ctx, f.anna.EntityID, first.ID)
	if err != nil || !bytes.Equal(data, v1) || v.No != 1 || v.Filename != "Beleid ë.pdf" || v.SHA256 != sum(v1) {
		t.Fatalf("Download v1 = %+v, %d bytes, %v", v, len(data), err)
	}
	if _, data, err := f.store.Download(ctx, f.anna.EntityID, second.ID); err != nil || !bytes.Equal(data, v2) {
		t.Fatalf("Download v2: %v", err)
	}

	// Another entity sees nothing of it.
	if items, err := f.store.List(ctx, f.bert.EntityID, target); err != nil || len(items) != 0 {
		t.Fatalf("List of b = %+v, %v", items, err)
	}
	if _, err := f.store.AddVersion(ctx, f.bert, item.ID, "x.pdf", bytes.NewReader(v1)); !errors.Is(err, db.ErrNotFound) {
		t.Fatalf("AddVersion by b: %v", err)
	}
	if _, _, err := f.store.Download(ctx, f.bert.EntityID, first.ID); !errors.Is(err, db.ErrNotFound) {
		t.Fatalf("Download by b: %v", err)
	}
	if err := f.store.Delete(ctx, f.bert, item.ID); !errors.Is(err, db.ErrNotFound) {
		t.Fatalf("Delete by b: %v", err)
	}
	if _, _, err := f.store.Download(ctx, f.anna.EntityID, 999999); !errors.Is(err, db.ErrNotFound) {
		t.Fatalf("Download of unknown version: %v", err)
	}

	if n := f.auditCount(t, "evidence.uploaded"); n != 1 {
		t.Errorf("evidence.uploaded rows = %d", n)
	}
	if n := f.auditCount(t, "evidence.version_added"); n != 1 {
		t.Errorf("evidence.version_added rows = %d", n)
	}
	var actorID int64
	var changes string
	if err := f.pool.QueryRow(ctx, `SELECT actor_id, changes::text FROM audit_log WHERE action = 'evidence.version_added'`).
		Scan(&actorID, &changes); err != nil || actorID != f.anna.UserID || !strings.Contains(changes, sum(v2)) {
		t.Errorf("audit row: actor %d changes %s (%v)", actorID, changes, err)
	}
	if n := f.count(t, `SELECT count(*) FROM audit_log WHERE object_type = 'evidence' AND entity_id = $1`, f.bert.EntityID); n != 0 {
		t.Errorf("refused changes of b left %d audit rows", n)
	}
}

func TestUploadLimit(t *testing.T) {
	t.Parallel()
	const max = 4096
	f := setup(t, max)
	target := evidence.Subject{Type: measure.SubjectRequirement, Ref: f.req}

	exact := bytes.Repeat([]byte("a"), max)
	item, err := f.store.Upload(f.ctx, f.anna, target, "Exact", "exact.txt", bytes.NewReader(exact))
	if err != nil || item.Versions[0].Size != max {
		t.Fatalf("upload of exactly MaxBytes: %+v %v", item, err)
	}
	over := bytes.Repeat([]byte("a"), max+1)
	if _, err := f.store.Upload(f.ctx, f.anna, target, "Over", "over.txt", bytes.NewReader(over)); !errors.Is(err, evidence.ErrTooLarge) {
		t.Fatalf("upload of MaxBytes+1: %v", err)
	}
	if _, err := f.store.AddVersion(f.ctx, f.anna, item.ID, "over.txt", bytes.NewReader(over)); !errors.Is(err, evidence.ErrTooLarge) {
		t.Fatalf("version of MaxBytes+1: %v", err)
	}
	if n := f.count(t, `SELECT count(*) FROM evidence_items`); n != 1 {
		t.Errorf("%d items stored, want 1", n)
	}
	if n := f.count(t, `SELECT count(*) FROM evidence_versions`); n != 1 {
		t.Errorf("%d versions stored, want 1", n)
	}
	if n := f.auditCount(t, "evidence.uploaded"); n != 1 {
		t.Errorf("evidence.uploaded rows = %d, want 1", n)
	}
}

// failingReader fails after some bytes, like a client that disconnects.
type failingReader struct{ n int }

func (r *failingReader) Read(p []byte) (int, error) {
	if r.n <= 0 {
		return 0, errors.New("connection reset")
	}
	n := min(len(p), r.n)
	for i := range n {
		p[i] = 'a'
	}
	r.n -= n
	return n, nil
}

func TestUploadValidation(t *testing.T) {
	t.Parallel()
	f := setup(t, 0)
	req := evidence.Subject{Type: measure.SubjectRequirement, Ref: f.req}
	pdf := func() *bytes.Reader { return bytes.NewReader([]byte(pdfFile)) }
	for _, c := range []struct {
		name     string
		target   evidence.Subject
		title    string
		filename string
		content  *bytes.Reader
		fields   validate.Errors
		is       error
	}{
		{"exe as pdf", req, "", "a.pdf", bytes.NewReader(exeFile()), validate.Errors{"file": "evidence.error.mismatch"}, evidence.ErrTypeMismatch},
		{"html", req, "", "a.html", bytes.NewReader([]byte(htmlFile)), validate.Errors{"file": "evidence.error.type"}, evidence.ErrTypeNotAllowed},
		{"empty", req, "", "a.pdf", bytes.NewReader(nil), validate.Errors{"file": "evidence.error.empty"}, evidence.ErrEmpty},
		{"no name", req, "", "  ", pdf(), validate.Errors{"file": "evidence.error.filename"}, evidence.ErrFilename},
		{"only a path", req, "", "dir/", pdf(), validate.Errors{"file": "evidence.error.filename"}, evidence.ErrFilename},
		{"long name", req, "", strings.Repeat("x", 252) + ".pdf", pdf(), validate.Errors{"file": "evidence.error.filename"}, evidence.ErrFilename},
		{"control in name", req, "", "a\nb.pdf", pdf(), validate.Errors{"file": "evidence.error.filename"}, evidence.ErrFilename},
		{"long title", req, strings.Repeat("t", evidence.MaxTitle+1), "a.pdf", pdf(), validate.Errors{"title": "validate.too_long"}, nil},
		{"everything", req, strings.Repeat("t", 300), "a.exe", pdf(),
			validate.Errors{"title": "validate.too_long", "file": "evidence.error.type"}, evidence.ErrTypeNotAllowed},
	} {
		_, err := f.store.Upload(f.ctx, f.anna, c.target, c.title, c.filename, c.content)
		got := validate.Fields(err)
		if fmt.Sprint(got) != fmt.Sprint(c.fields) {
			t.Errorf("%s: fields %v (%v), want %v", c.name, got, err, c.fields)
		}
		if c.is != nil && !errors.Is(err, c.is) {
			t.Errorf("%s: %v is not %v", c.name, err, c.is)
		}
	}
	// A subject that is not declared, malformed or absent is not found,
	// whatever the file.
	for _, subj := range []evidence.Subject{{}, {Type: "nonsense", Ref: f.req}, {Type: "Requirement", Ref: f.req},
		{Type: measure.SubjectRequirement, Ref: "99.99"}, {Type: measure.SubjectMeasure, Ref: "z"},
		{Type: measure.SubjectMeasure, Ref: "ab"}, {Type: measure.SubjectRequirement, Ref: "1.\xff"},
		{Type: measure.SubjectRequirement, Ref: strings.Repeat("1", evidence.MaxSubjectRef+1)}} {
		if _, err := f.store.Upload(f.ctx, f.anna, subj, "", "a.pdf", pdf()); !errors.Is(err, db.ErrNotFound) {
			t.Errorf("upload to %q: %v, want not found", subj, err)
		}
		if _, err := f.store.AddLink(f.ctx, f.anna, subj, "Titel", "https://example.nl", ""); !errors.Is(err, db.ErrNotFound) {
			t.Errorf("link to %q: %v, want not found", subj, err)
		}
	}
	if _, err := f.store.Upload(f.ctx, f.anna, req, "", "a.pdf", &failingReader{n: 100}); err == nil || validate.Fields(err) != nil {
		t.Errorf("read error: %v", err)
	}
	// A name of exactly 255 bytes is fine.
	if _, err := f.store.Upload(f.ctx, f.anna, req, "", strings.Repeat("x", 251)+".pdf", pdf()); err != nil {
		t.Errorf("255-byte name: %v", err)
	}
	if n := f.count(t, `SELECT count(*) FROM evidence_items`); n != 1 {
		t.Errorf("%d items stored, want 1", n)
	}
}

func TestLinks(t *testing.T) {
	t.Parallel()
	f := setup(t, 0)
	target := evidence.Subject{Type: measure.SubjectMeasure, Ref: "b"}
	item, err := f.store.AddLink(f.ctx, f.anna, target, " Incidentproces ", " HTTPS://intranet.example.nl/isms/incident?id=4#stap-2 ",
		"Procedure op het intranet.\nVersie 3.")
	if err != nil {
		t.Fatal(err)
	}
	if item.Kind != evidence.KindLink || item.Title != "Incidentproces" || item.SubjectType != measure.SubjectMeasure || item.SubjectRef != "b" ||
		item.URL != "https://intranet.example.nl/isms/incident?id=4#stap-2" || item.Description != "Procedure op het intranet.\nVersie 3." ||
		len(item.Versions) != 0 || item.CreatedBy != "Anna de Vries" {
		t.Fatalf("link = %+v", item)
	}
	if _, err := f.store.AddVersion(f.ctx, f.anna, item.ID, "a.pdf", bytes.NewReader([]byte(pdfFile))); !errors.Is(err, db.ErrNotFound) {
		t.Errorf("a version of a link: %v", err)
	}
	for _, bad := range []string{"javascript:alert(1)", "ftp://files.example.nl/beleid.pdf", "/relative/path", "intranet/beleid",
		"//example.nl/x", "https://", "https:///path", "data:text/html,<script>alert(1)</script>", "https://user:pw@example.nl/",
		"https://example.nl/a b", "https://example.nl/\r\nX: y", "", "vbscript:msgbox", "https://example.nl/" + strings.Repeat("a", 2048)} {
		_, err := f.store.AddLink(f.ctx, f.anna, target, "Titel", bad, "")
		if validate.Fields(err)["url"] != "evidence.error.url" {
			t.Errorf("AddLink(%q): %v", bad, err)
		}
	}
	_, err = f.store.AddLink(f.ctx, f.anna, target, "  ", "https://example.nl", strings.Repeat("d", evidence.MaxDescription+1))
	if got := fmt.Sprint(validate.Fields(err)); got != "map[description:validate.too_long title:validate.required]" {
		t.Errorf("fields = %s (%v)", got, err)
	}
	if n := f.count(t, `SELECT count(*) FROM evidence_items`); n != 1 {
		t.Errorf("%d items stored, want 1", n)
	}
	if n := f.auditCount(t, "evidence.link_added"); n != 1 {
		t.Errorf("evidence.link_added rows = %d", n)
	}
	items, err := f.store.List(f.ctx, f.anna.EntityID, target)
	if err != nil || len(items) != 1 || items[0].ID != item.ID || items[0].Versions == nil {
		t.Fatalf("List = %+v, %v", items, err)
	}
}

func TestDeleteAndCounts(t *testing.T) {
	t.Parallel()
	f := setup(t, 0)
	ctx := f.ctx
	upload := func(a authz.Actor, tg evidence.Subject, name string) evidence.Item {
		t.Helper()
		it, err := f.store.Upload(ctx, a, tg, "", name, strings.NewReader("inhoud van "+name+"\n"))
		if err != nil {
			t.Fatal(err)
		}
		return it
	}
	r1, r2, ma := evidence.Subject{Type: measure.SubjectRequirement, Ref: f.req}, evidence.Subject{Type: measure.SubjectRequirement, Ref: f.req2}, evidence.Subject{Type: measure.SubjectMeasure, Ref: "a"}
	keep := upload(f.anna, r1, "keep.txt")
	gone := upload(f.anna, r1, "gone.txt")
	upload(f.anna, r2, "other.txt")
	upload(f.anna, ma, "measure.md")
	if _, err := f.store.AddLink(ctx, f.anna, ma, "Link", "https://example.nl", ""); err != nil {
		t.Fatal(err)
	}
	upload(f.bert, r1, "bert.txt")

	if err := f.store.Delete(ctx, f.anna, gone.ID); err != nil {
		t.Fatal(err)
	}
	if err := f.store.Delete(ctx, f.anna, gone.ID); !errors.Is(err, db.ErrNotFound) {
		t.Errorf("second delete: %v", err)
	}
	if _, err := f.store.AddVersion(ctx, f.anna, gone.ID, "again.txt", strings.NewReader("x")); !errors.Is(err, db.ErrNotFound) {
		t.Errorf("version of a deleted item: %v", err)
	}
	if _, _, err := f.store.Download(ctx, f.anna.EntityID, gone.Versions[0].ID); !errors.Is(err, db.ErrNotFound) {
		t.Errorf("download of a deleted item: %v", err)
	}
	items, err := f.store.List(ctx, f.anna.EntityID, r1)
	if err != nil || len(items) != 1 || items[0].ID != keep.ID {
		t.Fatalf("List after delete = %+v, %v", items, err)
	}
	// The rows stay, marked, for the audit trail.
	if n := f.count(t, `SELECT count(*) FROM evidence_items i JOIN evidence_versions v ON v.item_id = i.id
		WHERE i.id = $1 AND i.deleted_at IS NOT NULL AND i.deleted_by = $2 AND length(v.data) > 0`, gone.ID, f.anna.UserID); n != 1 {
		t.Errorf("deleted item's rows: %d", n)
	}
	if n := f.auditCount(t, "evidence.deleted"); n != 1 {
		t.Errorf("evidence.deleted rows = %d", n)
	}
	if n := f.auditCount(t, "evidence.uploaded"); n != 5 {
		t.Errorf("evidence.uploaded rows = %d", n)
	}

	all, err := f.store.List(ctx, f.anna.EntityID, evidence.Subject{})
	if err != nil || len(all) != 4 {
		t.Fatalf("List all = %d items, %v", len(all), err)
	}
	for i := 1; i < len(all); i++ {
		if all[i-1].CreatedAt.Before(all[i].CreatedAt) {
			t.Errorf("not newest first: %v before %v", all[i-1].CreatedAt, all[i].CreatedAt)
		}
	}
	if items, err := f.store.List(ctx, f.anna.EntityID, evidence.Subject{Type: measure.SubjectRequirement, Ref: "\xff"}); err != nil || len(items) != 0 {
		t.Errorf("List with a code that is not UTF-8: %v, %v", items, err)
	}
	if items, err := f.store.List(ctx, f.anna.EntityID, evidence.Subject{Type: measure.SubjectRequirement, Ref: "99.99"}); err != nil || len(items) != 0 {
		t.Errorf("List of an unknown code: %v, %v", items, err)
	}
	// One call for several subjects, and one per subject type grouped by
	// reference.
	some, err := f.store.ListSubjects(ctx, f.anna.EntityID, []evidence.Subject{r1, ma, {Type: "nonsense", Ref: "\xff"}})
	if err != nil || len(some) != 3 {
		t.Errorf("ListSubjects = %d items, %v", len(some), err)
	}
	grouped, err := f.store.ListBySubjectType(ctx, f.anna.EntityID, measure.SubjectRequirement)
	if err != nil || len(grouped) != 2 || len(grouped[f.req]) != 1 || grouped[f.req][0].ID != keep.ID ||
		len(grouped[f.req][0].Versions) != 1 || len(grouped[f.req2]) != 1 {
		t.Errorf("ListBySubjectType = %+v, %v", grouped, err)
	}

	byReq, err := f.store.CountBySubjectType(ctx, f.anna.EntityID, measure.SubjectRequirement)
	if err != nil || fmt.Sprint(byReq) != fmt.Sprint(map[string]int{f.req: 1, f.req2: 1}) {
		t.Errorf("count by requirement = %v, %v", byReq, err)
	}
	byMeasure, err := f.store.CountBySubjectType(ctx, f.anna.EntityID, measure.SubjectMeasure)
	if err != nil || fmt.Sprint(byMeasure) != "map[a:2]" {
		t.Errorf("count by measure = %v, %v", byMeasure, err)
	}
	both, err := f.store.CountBySubjectTypes(ctx, f.anna.EntityID, measure.SubjectMeasure, measure.SubjectRequirement, "nonsense")
	if err != nil || fmt.Sprint(both) != fmt.Sprint(map[string]map[string]int{
		measure.SubjectMeasure: {"a": 2}, measure.SubjectRequirement: {f.req: 1, f.req2: 1}, "nonsense": {}}) {
		t.Errorf("count by measure and requirement = %v, %v", both, err)
	}
	byReq, err = f.store.CountBySubjectType(ctx, f.bert.EntityID, measure.SubjectRequirement)
	if err != nil || fmt.Sprint(byReq) != fmt.Sprint(map[string]int{f.req: 1}) {
		t.Errorf("count by requirement of b = %v, %v", byReq, err)
	}
	if res, err := audit.Verify(ctx, f.pool, 0, true); err != nil || res.Broken != nil || res.Rows != 7 {
		t.Errorf("audit chains: %+v %v", res, err)
	}
}

// memberSubject is a subject type as a module would declare it, whose
// records belong to an entity (its members, by user id) and which only
// admins may attach evidence to.
func memberSubject() evidence.SubjectType {
	return evidence.SubjectType{Name: "member", Label: "evidence.subject.member", Permission: authz.EntityManage,
		URL: func(entityID int64, ref string) string { return fmt.Sprintf("/e/%d/users/%s", entityID, ref) },
		Exists: func(ctx context.Context, q db.Querier, entityID int64, ref string) (bool, error) {
			var ok bool
			err := q.QueryRow(ctx, `SELECT EXISTS (SELECT 1 FROM memberships WHERE entity_id = $1 AND user_id::text = $2)`,
				entityID, ref).Scan(&ok)
			return ok, err
		}}
}

func TestSubjectTypesFromARegistry(t *testing.T) {
	t.Parallel()
	f := setup(t, 0)
	store := &evidence.Store{Pool: f.pool, Registry: evidence.NewRegistry(memberSubject())}
	admin := f.anna
	admin.Role = authz.Admin
	own := evidence.Subject{Type: "member", Ref: strconv.FormatInt(f.anna.UserID, 10)}
	other := evidence.Subject{Type: "member", Ref: strconv.FormatInt(f.bert.UserID, 10)}

	// The type's permission: an officer may edit evidence, but not of members.
	if _, err := store.Upload(f.ctx, f.anna, own, "", "a.pdf", strings.NewReader(pdfFile)); !errors.Is(err, evidence.ErrForbidden) {
		t.Errorf("officer upload: %v, want forbidden", err)
	}
	if _, err := store.AddLink(f.ctx, f.anna, own, "Contract", "https://example.nl", ""); !errors.Is(err, evidence.ErrForbidden) {
		t.Errorf("officer link: %v, want forbidden", err)
	}
	// A record of another entity does not exist for this one.
	if _, err := store.Upload(f.ctx, admin, other, "", "a.pdf", strings.NewReader(pdfFile)); !errors.Is(err, db.ErrNotFound) {
		t.Errorf("upload to another entity's member: %v, want not found", err)
	}
	if _, err := store.AddLink(f.ctx, admin, other, "Contract", "https://example.nl", ""); !errors.Is(err, db.ErrNotFound) {
		t.Errorf("link to another entity's member: %v, want not found", err)
	}
	// A type this registry does not know is not found, even a real one.
	if _, err := store.Upload(f.ctx, admin, evidence.Subject{Type: measure.SubjectRequirement, Ref: f.req}, "", "a.pdf",
		strings.NewReader(pdfFile)); !errors.Is(err, db.ErrNotFound) {
		t.Errorf("upload to an unregistered type: %v", err)
	}
	item, err := store.Upload(f.ctx, admin, own, "VOG", "vog.pdf", strings.NewReader(pdfFile))
	if err != nil || item.SubjectType != "member" || item.SubjectRef != own.Ref {
		t.Fatalf("admin upload = %+v, %v", item, err)
	}
	if _, err := store.AddVersion(f.ctx, f.anna, item.ID, "vog2.pdf", strings.NewReader(pdfFile)); !errors.Is(err, evidence.ErrForbidden) {
		t.Errorf("officer version: %v, want forbidden", err)
	}
	if err := store.Delete(f.ctx, f.anna, item.ID); !errors.Is(err, evidence.ErrForbidden) {
		t.Errorf("officer delete: %v, want forbidden", err)
	}
	if _, err := store.AddVersion(f.ctx, admin, item.ID, "vog2.pdf", strings.NewReader(pdfFile)); err != nil {
		t.Errorf("admin version: %v", err)
	}
	grouped, err := store.ListBySubjectType(f.ctx, f.anna.EntityID, "member")
	if err != nil || len(grouped[own.Ref]) != 1 || len(grouped[own.Ref][0].Versions) != 2 {
		t.Errorf("ListBySubjectType = %+v, %v", grouped, err)
	}
	if n := f.count(t, `SELECT count(*) FROM evidence_items WHERE subject_type = 'member'`); n != 1 {
		t.Errorf("%d member items, want 1", n)
	}
	if err := store.Delete(f.ctx, admin, item.ID); err != nil {
		t.Errorf("admin delete: %v", err)
	}
}

func TestRegistryRefusesIncompleteOrDuplicateTypes(t *testing.T) {
	t.Parallel()
	r := evidence.NewRegistry(memberSubject())
	if st, ok := r.Lookup("member"); !ok || st.Permission != authz.EntityManage || fmt.Sprint(r.Names()) != "[member]" {
		t.Fatalf("Lookup = %+v %v", st, ok)
	}
	noURL := memberSubject()
	noURL.Name, noURL.URL = "other", nil
	badName := memberSubject()
	badName.Name = "Member Notes"
	for name, st := range map[string]evidence.SubjectType{"duplicate": memberSubject(), "no URL": noURL, "bad name": badName} {
		func() {
			defer func() {
				if recover() == nil {
					t.Errorf("%s: registered without a panic", name)
				}
			}()
			r.Register(st)
		}()
	}
	// The modules' own types are in the shared registry.
	for _, name := range []string{measure.SubjectRequirement, measure.SubjectMeasure} {
		if st, ok := evidence.Subjects.Lookup(name); !ok || st.Permission != authz.EvidenceEdit || st.URL(7, "1.1") == "" {
			t.Errorf("%s not registered: %+v", name, st)
		}
	}
}
