package evidence_test

import (
	"errors"
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/weerbaar/weerbaar/internal/authz"
	"github.com/weerbaar/weerbaar/internal/db"
	"github.com/weerbaar/weerbaar/internal/evidence"
	"github.com/weerbaar/weerbaar/internal/measure"
	"github.com/weerbaar/weerbaar/internal/validate"
)

// addLinks inserts n link items for entity of f.anna, alternating between a
// requirement and a measure, with created_at in runs of equal times (so
// the keyset's tie-break on id is exercised) and every third one with a
// valid-until date.
func addLinks(t *testing.T, f fixture, n int) {
	t.Helper()
	_, err := f.pool.Exec(f.ctx, `INSERT INTO evidence_items (entity_id, subject_type, subject_ref, kind, title, url, created_by,
			created_at, valid_until)
		SELECT $1, CASE WHEN g % 2 = 0 THEN 'requirement' ELSE 'measure' END, CASE WHEN g % 2 = 0 THEN $3 ELSE 'a' END,
			'link', 'Bewijs ' || lpad((g % 37)::text, 3, '0'), 'https://example.org/' || g, $2,
			timestamptz '2026-01-01 10:00+00' + (g / 4) * interval '1 hour',
			CASE WHEN g % 3 = 0 THEN date '2026-06-01' + (g % 5) END
		FROM generate_series(1, $4) g`, f.anna.EntityID, f.anna.UserID, f.req, n)
	if err != nil {
		t.Fatal(err)
	}
}

// TestRegisterQueryCountDoesNotGrowWithRows counts the queries of one
// register page with 5 and with 120 items: the same, one.
func TestRegisterQueryCountDoesNotGrowWithRows(t *testing.T) {
	f := setup(t, 0)
	count := func() (int, evidence.RegisterPage) {
		ctx := db.WithQueryCounter(f.ctx)
		p, err := f.store.Register(ctx, f.pool, f.anna.EntityID, evidence.RegisterQuery{Lang: "nl"})
		if err != nil {
			t.Fatal(err)
		}
		return db.QueryCount(ctx), p
	}
	addLinks(t, f, 5)
	few, p := count()
	if p.Total != 5 || len(p.Rows) != 5 {
		t.Fatalf("5 items: total %d, rows %d", p.Total, len(p.Rows))
	}
	if p.Rows[0].SubjectTitle == "" {
		t.Errorf("row without its subject's title: %+v", p.Rows[0])
	}
	addLinks(t, f, 115)
	many, p := count()
	if p.Total != 120 || len(p.Rows) != evidence.RegisterPageSize || !p.HasNext {
		t.Fatalf("120 items: total %d, rows %d, next %v", p.Total, len(p.Rows), p.HasNext)
	}
	if few != many || few != 1 {
		t.Errorf("queries: %d with 5 items, %d with 120; want 1 both", few, many)
	}
}

// TestRegisterKeysetPagesHaveNoGapsOrDuplicates pages forwards through 130
// items under every sort in both directions, and back again.
func TestRegisterKeysetPagesHaveNoGapsOrDuplicates(t *testing.T) {
	f := setup(t, 0)
	addLinks(t, f, 130)
	for _, key := range evidence.RegisterSortKeys {
		for _, sort := range []string{key, "-" + key} {
			var fwd []int64
			var pages []evidence.RegisterPage
			q := evidence.RegisterQuery{Sort: sort}
			for i := 0; i < 10; i++ {
				p, err := f.store.Register(f.ctx, f.pool, f.anna.EntityID, q)
				if err != nil {
					t.Fatalf("%s: %v", sort, err)
				}
				pages = append(pages, p)
				for _, r := range p.Rows {
					fwd = append(fwd, r.ID)
				}
				if !p.HasNext {
					break
				}
				c := p.Rows[len(p.Rows)-1].Cursor()
				// Through the URL form, as the page does.
				back, ok := evidence.ParseRegisterCursor(c.String())
				if !ok || back != c {
					t.Fatalf("cursor %+v round trip: %+v %v", c, back, ok)
				}
				q.After = &back
			}
			seen := map[int64]bool{}
			for _, id := range fwd {
				if seen[id] {
					t.Errorf("%s: item %d on two pages", sort, id)
				}
				seen[id] = true
			}
			if len(fwd) != 130 || len(pages) != 3 {
				t.Errorf("%s: %d items over %d pages, want 130 over 3", sort, len(fwd), len(pages))
			}
			// Back from the last page: the previous page is the middle one.
			last := pages[len(pages)-1]
			c := last.Rows[0].Cursor()
			prev, err := f.store.Register(f.ctx, f.pool, f.anna.EntityID, evidence.RegisterQuery{Sort: sort, Before: &c})
			if err != nil {
				t.Fatal(err)
			}
			if len(prev.Rows) != len(pages[1].Rows) || prev.Rows[0].ID != pages[1].Rows[0].ID || !prev.HasPrev || !prev.HasNext {
				t.Errorf("%s: previous page differs from the page before", sort)
			}
		}
	}
}

func TestRegisterFiltersAndUnknownSort(t *testing.T) {
	f := setup(t, 0)
	addLinks(t, f, 30)
	today := time.Date(2026, 6, 2, 0, 0, 0, 0, time.UTC)
	p, err := f.store.Register(f.ctx, f.pool, f.anna.EntityID, evidence.RegisterQuery{Sort: "password; DROP", Today: today})
	if err != nil || !p.SortRefused || p.Sort != evidence.DefaultRegisterSort || p.Total != 30 {
		t.Fatalf("unknown sort: %+v %v", p.Sort, err)
	}
	for _, c := range []struct {
		q    evidence.RegisterQuery
		want func(evidence.RegisterRow) bool
	}{
		{evidence.RegisterQuery{SubjectType: "measure"}, func(r evidence.RegisterRow) bool { return r.SubjectType == "measure" }},
		{evidence.RegisterQuery{Validity: evidence.ValidityExpired}, func(r evidence.RegisterRow) bool {
			return r.ValidUntil != nil && r.ValidUntil.Before(today)
		}},
		{evidence.RegisterQuery{Validity: evidence.ValidityNone}, func(r evidence.RegisterRow) bool { return r.ValidUntil == nil }},
		{evidence.RegisterQuery{Text: "bewijs 00"}, func(r evidence.RegisterRow) bool { return strings.HasPrefix(r.Title, "Bewijs 00") }},
		{evidence.RegisterQuery{ReviewState: evidence.ReviewAccepted}, func(evidence.RegisterRow) bool { return false }},
	} {
		c.q.Today = today
		p, err := f.store.Register(f.ctx, f.pool, f.anna.EntityID, c.q)
		if err != nil {
			t.Fatal(err)
		}
		if c.q.ReviewState == evidence.ReviewAccepted {
			if p.Total != 0 {
				t.Errorf("accepted: %d rows, none reviewed", p.Total)
			}
			continue
		}
		if p.Total == 0 || p.Total == 30 || p.Total != len(p.Rows) {
			t.Errorf("%+v: total %d, rows %d", c.q, p.Total, len(p.Rows))
		}
		for _, r := range p.Rows {
			if !c.want(r) {
				t.Errorf("%+v: row %+v does not match", c.q, r)
			}
		}
	}
}

func TestReviewFlow(t *testing.T) {
	f := setup(t, 0)
	it, err := f.store.Upload(f.ctx, f.anna, evidence.Subject{Type: "requirement", Ref: f.req}, "Beleid", "beleid.txt",
		strings.NewReader("informatiebeveiligingsbeleid"))
	if err != nil {
		t.Fatal(err)
	}
	auditor := f.anna
	auditor.Role = authz.Auditor
	board := f.anna
	board.Role = authz.BoardMember
	if err := f.store.Review(f.ctx, board, it.ID, 1, evidence.ReviewAccepted, ""); !errors.Is(err, evidence.ErrForbidden) {
		t.Errorf("board member reviews: %v", err)
	}
	err = f.store.Review(f.ctx, auditor, it.ID, 1, evidence.ReviewRejected, "  ")
	if fields := validate.Fields(err); fields["comment"] != "evidence.review.error.comment" {
		t.Errorf("reject without comment: %v", err)
	}
	if err := f.store.Review(f.ctx, auditor, it.ID, 1, evidence.ReviewRejected, "Niet ondertekend"); err != nil {
		t.Fatal(err)
	}
	var conflict *evidence.ReviewConflict
	if err := f.store.Review(f.ctx, auditor, it.ID, 1, evidence.ReviewAccepted, ""); !errors.As(err, &conflict) ||
		conflict.Current.ReviewState != evidence.ReviewRejected || !errors.Is(err, db.ErrConflict) {
		t.Errorf("stale version: %v", err)
	}
	if err := f.store.Review(f.ctx, f.bert, it.ID, 2, evidence.ReviewAccepted, ""); !errors.Is(err, db.ErrNotFound) {
		t.Errorf("another entity's item: %v", err)
	}
	row, err := f.store.Entry(f.ctx, f.pool, f.anna.EntityID, it.ID, "en")
	if err != nil || row.ReviewState != evidence.ReviewRejected || row.ReviewComment != "Niet ondertekend" ||
		row.ReviewedBy != "Anna de Vries" || row.Version != 2 || !strings.HasPrefix(row.SubjectTitle, f.req+" ") {
		t.Fatalf("after review: %+v %v", row, err)
	}
	// Validity: not before the upload, then a real date.
	err = f.store.SetValidity(f.ctx, f.anna, it.ID, 2, "2001-01-01")
	if validate.Fields(err)["valid_until"] != "evidence.validity.error.before_upload" {
		t.Errorf("valid until before upload: %v", err)
	}
	if validate.Fields(f.store.SetValidity(f.ctx, f.anna, it.ID, 2, "2030-02-30"))["valid_until"] == "" {
		t.Error("30 February accepted")
	}
	if err := f.store.SetValidity(f.ctx, auditor, it.ID, 2, "2030-01-01"); !errors.Is(err, evidence.ErrForbidden) {
		t.Errorf("auditor sets validity: %v", err)
	}
	if err := f.store.SetValidity(f.ctx, f.anna, it.ID, 2, "2030-01-01"); err != nil {
		t.Fatal(err)
	}
	// A new version resets the review, audited.
	if _, err := f.store.AddVersion(f.ctx, f.anna, it.ID, "beleid-v2.txt", strings.NewReader("versie 2")); err != nil {
		t.Fatal(err)
	}
	row, err = f.store.Entry(f.ctx, f.pool, f.anna.EntityID, it.ID, "nl")
	if err != nil || row.ReviewState != evidence.ReviewToReview || row.ReviewComment != "" || row.ReviewedBy != "" ||
		row.VersionNo != 2 || row.FileName != "beleid-v2.txt" || row.ValidUntil == nil {
		t.Fatalf("after a new version: %+v %v", row, err)
	}
	var actions []string
	rows, err := f.pool.Query(f.ctx, `SELECT action || ':' || coalesce(changes->'after'->>'review_state', '') FROM audit_log
		WHERE entity_id = $1 AND object_id = $2 ORDER BY seq`, f.anna.EntityID, fmt.Sprint(it.ID))
	if err != nil {
		t.Fatal(err)
	}
	for rows.Next() {
		var a string
		if err := rows.Scan(&a); err != nil {
			t.Fatal(err)
		}
		actions = append(actions, a)
	}
	want := "evidence.uploaded: evidence.reviewed:rejected evidence.validity_set: evidence.version_added:to_review"
	if strings.Join(actions, " ") != want {
		t.Errorf("audit: %v, want %s", actions, want)
	}
}

// TestOwnersAreTheUploadersOfLiveEvidence: the owner filter lists each
// person who uploaded live evidence of the entity once, by name; not
// someone whose only item was deleted, nor another entity's uploaders.
func TestOwnersAreTheUploadersOfLiveEvidence(t *testing.T) {
	t.Parallel()
	f := setup(t, 0)
	subj := evidence.Subject{Type: measure.SubjectRequirement, Ref: f.req}
	colleague := func(email, name string) authz.Actor {
		var id int64
		if err := f.pool.QueryRow(f.ctx, `INSERT INTO users (email, name) VALUES ($1, $2) RETURNING id`, email, name).Scan(&id); err != nil {
			t.Fatal(err)
		}
		if _, err := f.pool.Exec(f.ctx, `INSERT INTO memberships (entity_id, user_id, role) VALUES ($1, $2, 'security_officer')`,
			f.anna.EntityID, id); err != nil {
			t.Fatal(err)
		}
		return authz.Actor{UserID: id, Email: email, Name: name, EntityID: f.anna.EntityID, Role: authz.SecurityOfficer}
	}
	zoe, gone := colleague("zoe@gemeente-a.nl", "Zoë Bakker"), colleague("gone@gemeente-a.nl", "Anton Weg")
	upload := func(a authz.Actor, name string) int64 {
		it, err := f.store.Upload(f.ctx, a, subj, "", name, strings.NewReader(pdfFile))
		if err != nil {
			t.Fatal(err)
		}
		return it.ID
	}
	upload(f.anna, "een.pdf")
	upload(f.anna, "twee.pdf")
	upload(zoe, "drie.pdf")
	if err := f.store.Delete(f.ctx, f.anna, upload(gone, "weg.pdf")); err != nil {
		t.Fatal(err)
	}
	upload(f.bert, "ander.pdf") // another entity
	owners, err := evidence.Owners(f.ctx, f.pool, f.anna.EntityID)
	if err != nil {
		t.Fatal(err)
	}
	want := []evidence.Owner{{ID: f.anna.UserID, Name: "Anna de Vries"}, {ID: zoe.UserID, Name: "Zoë Bakker"}}
	if !slices.Equal(owners, want) {
		t.Errorf("owners = %+v, want %+v", owners, want)
	}
}
