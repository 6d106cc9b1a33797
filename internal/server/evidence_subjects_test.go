package server_test

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"github.com/weerbaar/weerbaar/internal/apptest"
	"github.com/weerbaar/weerbaar/internal/authz"
	"github.com/weerbaar/weerbaar/internal/db"
	"github.com/weerbaar/weerbaar/internal/demo"
	"github.com/weerbaar/weerbaar/internal/evidence"
	"github.com/weerbaar/weerbaar/internal/i18n"
)

// A subject type declared the way a module declares one: the entity's
// members (by user id), which only admins may attach evidence to. It has no
// page of its own in the server, so field errors come back as an error page.
func init() {
	evidence.Register(evidence.SubjectType{Name: "test_member", Label: "evidence.subject.requirement", Permission: authz.EntityManage,
		URL: func(entityID int64, ref string) string { return fmt.Sprintf("/e/%d/users", entityID) },
		Exists: func(ctx context.Context, q db.Querier, entityID int64, ref string) (bool, error) {
			var ok bool
			err := q.QueryRow(ctx, `SELECT EXISTS (SELECT 1 FROM memberships WHERE entity_id = $1 AND user_id::text = $2)`,
				entityID, ref).Scan(&ok)
			return ok, err
		}})
}

func link(title string) url.Values {
	return url.Values{"link_title": {title}, "url": {"https://example.nl/" + url.PathEscape(title)}, "description": {""}}
}

// TestEvidenceAttachesToDeclaredSubjects: one route pair for every subject
// type; unknown types, absent records and another entity's records are 404,
// the type's own permission is checked besides evidence.edit.
func TestEvidenceAttachesToDeclaredSubjects(t *testing.T) {
	t.Parallel()
	a := apptest.Start(t, apptest.Options{})
	id := a.SeedDemo(t)
	base := "/e/" + strconv.FormatInt(id, 10)
	_, adminB := createEntityWithAdmin(t, a, "ander", "Andere Organisatie", "admin@ander.test")
	var adminA int64
	if err := a.Pool.QueryRow(context.Background(), `SELECT user_id FROM memberships WHERE entity_id = $1 AND role = 'admin'`, id).Scan(&adminA); err != nil {
		t.Fatal(err)
	}
	off := a.LoginDemo(t, authz.SecurityOfficer)
	admin := a.LoginDemo(t, authz.Admin)

	// The reference is decoded once: 6%252E2 is "6%2E2", not requirement 6.2.
	for _, path := range []string{"/evidence/attach/nonsense/1.1", "/evidence/attach/requirement/99.99", "/evidence/attach/measure/z",
		"/evidence/attach/measure/%FF", "/evidence/attach/Requirement/1.1", "/evidence/attach/requirement/6%252E2"} {
		if r := off.PostForm(t, base+path+"/link", link("Iets")); r.StatusCode != http.StatusNotFound {
			t.Errorf("link to %s: %d, want 404", path, r.StatusCode)
		}
		if r := upload(t, off, a, base+path, `filename="a.pdf"`, demo.MinimalPDF("a")); r.StatusCode != http.StatusNotFound {
			t.Errorf("upload to %s: %d, want 404", path, r.StatusCode)
		}
	}
	// Another entity's record, addressed through this entity: not found.
	other := base + "/evidence/attach/test_member/" + strconv.FormatInt(adminB, 10)
	if r := admin.PostForm(t, other+"/link", link("VOG")); r.StatusCode != http.StatusNotFound {
		t.Errorf("link to another entity's member: %d, want 404", r.StatusCode)
	}
	if r := upload(t, admin, a, other, `filename="vog.pdf"`, demo.MinimalPDF("vog")); r.StatusCode != http.StatusNotFound {
		t.Errorf("upload to another entity's member: %d, want 404", r.StatusCode)
	}
	// The type's permission: the officer has evidence.edit but not entity.manage.
	mine := base + "/evidence/attach/test_member/" + strconv.FormatInt(adminA, 10)
	if r := off.PostForm(t, mine+"/link", link("VOG")); r.StatusCode != http.StatusForbidden {
		t.Errorf("officer link to a member: %d, want 403", r.StatusCode)
	}
	if r := upload(t, off, a, mine, `filename="vog.pdf"`, demo.MinimalPDF("vog")); r.StatusCode != http.StatusForbidden {
		t.Errorf("officer upload to a member: %d, want 403", r.StatusCode)
	}
	r := upload(t, admin, a, mine, `filename="vog.pdf"`, demo.MinimalPDF("vog"))
	if r.StatusCode != http.StatusSeeOther || r.Header.Get("Location") != base+"/users#evidence" {
		t.Fatalf("admin upload to a member: %d %q", r.StatusCode, r.Header.Get("Location"))
	}
	if r := admin.PostForm(t, mine+"/link", url.Values{"link_title": {"VOG"}, "url": {"javascript:alert(1)"}}); r.StatusCode != http.StatusUnprocessableEntity {
		t.Errorf("bad link to a type without a page: %d, want 422", r.StatusCode)
	}
	var itemID int64
	if err := a.Pool.QueryRow(context.Background(), `SELECT id FROM evidence_items WHERE entity_id = $1 AND subject_type = 'test_member' AND subject_ref = $2`,
		id, strconv.FormatInt(adminA, 10)).Scan(&itemID); err != nil {
		t.Fatal(err)
	}
	item := base + "/evidence/" + strconv.FormatInt(itemID, 10)
	if r := upload(t, off, a, item+"/versions", `filename="vog2.pdf"`, demo.MinimalPDF("vog2")); r.StatusCode != http.StatusForbidden {
		t.Errorf("officer version of a member's evidence: %d, want 403", r.StatusCode)
	}
	if r := off.PostForm(t, item+"/delete", nil); r.StatusCode != http.StatusForbidden {
		t.Errorf("officer delete of a member's evidence: %d, want 403", r.StatusCode)
	}
	if r := admin.PostForm(t, item+"/delete", nil); r.StatusCode != http.StatusSeeOther {
		t.Errorf("admin delete: %d", r.StatusCode)
	}

	// Requirements and measures: back to the record's page, listed there.
	if r := off.PostForm(t, base+"/evidence/attach/requirement/6%2E2/link", link("Inkoopbeleid")); r.StatusCode != http.StatusSeeOther ||
		r.Header.Get("Location") != base+"/requirements/6.2#evidence" {
		t.Fatalf("link to a requirement: %d %q", r.StatusCode, r.Header.Get("Location"))
	}
	if p := off.Get(t, base+"/requirements/6.2"); !strings.Contains(p.Body, "Inkoopbeleid") ||
		!strings.Contains(p.Body, `action="`+base+`/evidence/attach/requirement/6.2/link"`) {
		t.Errorf("requirement page lacks the link or the form")
	}
	// A field error re-renders the subject's page with the input kept.
	bad := off.PostForm(t, base+"/evidence/attach/requirement/6.2/link", url.Values{"link_title": {"Beleid"}, "url": {"ftp://x"}})
	if bad.StatusCode != http.StatusUnprocessableEntity || !strings.Contains(bad.Body, `id="f-url-error"`) || !strings.Contains(bad.Body, "ftp://x") ||
		!strings.Contains(bad.Body, `<h1>6.2`) {
		t.Errorf("bad link on a requirement: %d", bad.StatusCode)
	}
	var target string
	_ = a.Pool.QueryRow(context.Background(), `SELECT changes->'after'->>'target' FROM audit_log WHERE action = 'evidence.link_added'
		ORDER BY id DESC LIMIT 1`).Scan(&target)
	if target != "requirement:6.2" {
		t.Errorf("audit target %q", target)
	}
}

// TestEvidenceSubjectLabelsAreTranslated: every declared subject type's
// label is in the catalogue.
func TestEvidenceSubjectLabelsAreTranslated(t *testing.T) {
	t.Parallel()
	for _, name := range evidence.Subjects.Names() {
		st, _ := evidence.Subjects.Lookup(name)
		for _, l := range []i18n.Lang{i18n.NL, i18n.EN} {
			if i18n.Translate(l, st.Label) == st.Label {
				t.Errorf("subject type %s: label %q not in the %s catalogue", name, st.Label, l)
			}
		}
	}
}

var statusAttr = regexp.MustCompile(`class="measure-status" data-status="([a-z_]+)"`)

func measureStatus(t *testing.T, c *apptest.Client, path string) (string, apptest.Response) {
	t.Helper()
	r := c.Get(t, path)
	m := statusAttr.FindStringSubmatch(r.Body)
	if r.StatusCode != http.StatusOK || m == nil {
		t.Fatalf("%s: %d, no status", path, r.StatusCode)
	}
	return m[1], r
}

// TestMeasurePageShowsRequirementsEvidenceAndDerivedStatus: measure a of
// the demo has 3 of its 5 requirements implemented and evidence on two of
// them; its page shows that evidence per requirement and the status
// derived from the requirements, unless set by hand with a reason.
func TestMeasurePageShowsRequirementsEvidenceAndDerivedStatus(t *testing.T) {
	t.Parallel()
	a := apptest.Start(t, apptest.Options{})
	id := a.SeedDemo(t)
	base := "/e/" + strconv.FormatInt(id, 10)
	nl := i18n.WithLang(context.Background(), i18n.NL)
	auditor := a.LoginDemo(t, authz.Auditor)

	status, page := measureStatus(t, auditor, base+"/measures/a")
	if status != "in_progress" || !strings.Contains(page.Body, i18n.T(nl, "measures.status.derived", 3, 5)) {
		t.Errorf("measure a: status %q", status)
	}
	if strings.Contains(page.Body, i18n.T(nl, "evidence.none")) || !strings.Contains(page.Body, i18n.T(nl, "evidence.none_own")) {
		t.Errorf("measure a says it has no evidence")
	}
	rows, err := a.Pool.Query(context.Background(), `SELECT i.subject_ref, v.id FROM evidence_items i JOIN evidence_versions v ON v.item_id = i.id
		WHERE i.entity_id = $1 AND i.subject_type = 'requirement' AND i.subject_ref IN ('1.1', '2.1')`, id)
	if err != nil {
		t.Fatal(err)
	}
	n := 0
	for rows.Next() {
		var ref string
		var version int64
		if err := rows.Scan(&ref, &version); err != nil {
			t.Fatal(err)
		}
		n++
		group := regexp.MustCompile(`(?s)data-evidence-group="` + regexp.QuoteMeta(ref) + `">.*?</div>`).FindString(page.Body)
		download := base + "/evidence/versions/" + strconv.FormatInt(version, 10)
		if !strings.Contains(group, `href="`+download+`"`) || !strings.Contains(group, `href="`+base+"/requirements/"+ref+`#evidence"`) {
			t.Errorf("requirement %s's evidence not on the measure page: %q", ref, group)
		}
		if d := auditor.Get(t, download); d.StatusCode != http.StatusOK || !strings.HasPrefix(d.Body, "%PDF-") {
			t.Errorf("download %s: %d", download, d.StatusCode)
		}
	}
	if n != 2 {
		t.Fatalf("demo evidence of 1.1 and 2.1: %d versions", n)
	}
	if strings.Contains(page.Body, `data-evidence-group="1.2"`) {
		t.Errorf("a requirement without evidence is listed")
	}
	// No form for the auditor, but the status and how it was derived.
	if strings.Contains(page.Body, `name="status_reason"`) {
		t.Errorf("auditor sees the status form")
	}

	// The overview's cards say the same.
	cards := map[string]string{}
	for _, card := range strings.Split(auditor.Get(t, base+"/measures").Body, `<article class="card measure-card">`)[1:] {
		if m := regexp.MustCompile(`/measures/([a-j])"`).FindStringSubmatch(card); m != nil {
			cards[m[1]] = card
		}
	}
	if len(cards) != 10 || !strings.Contains(cards["a"], `data-status="in_progress"`) || !strings.Contains(cards["h"], `data-status="implemented"`) {
		t.Errorf("cards lack the derived status: %d cards", len(cards))
	}
	for code, want := range map[string]string{"h": "implemented", "f": "not_started", "d": "in_progress"} {
		if got, _ := measureStatus(t, auditor, base+"/measures/"+code); got != want {
			t.Errorf("measure %s: status %q, want %q", code, got, want)
		}
	}
	if _, p := measureStatus(t, auditor, base+"/measures/f"); !strings.Contains(p.Body, i18n.T(nl, "evidence.none")) {
		t.Errorf("measure f without any evidence does not say so")
	}

	// Set by hand: only with a reason; shown with it; derived again when cleared.
	off := a.LoginDemo(t, authz.SecurityOfficer)
	form := url.Values{"version": {"0"}, "applicable": {"true"}, "status": {"verified"}, "status_reason": {" "}, "maturity_override": {""}}
	if r := off.PostForm(t, base+"/measures/f", form); r.StatusCode != http.StatusUnprocessableEntity ||
		!strings.Contains(r.Body, `id="f-status_reason-error"`) {
		t.Fatalf("status without a reason: %d", r.StatusCode)
	}
	form.Set("status_reason", "Door de leverancier aangetoond")
	if r := off.PostForm(t, base+"/measures/f", form); r.StatusCode != http.StatusSeeOther {
		t.Fatalf("status by hand: %d %s", r.StatusCode, r.Body)
	}
	status, page = measureStatus(t, off, base+"/measures/f")
	if status != "verified" || !strings.Contains(page.Body, i18n.T(nl, "measures.derived.override", "Door de leverancier aangetoond")) {
		t.Errorf("status by hand: %q", status)
	}
	form.Set("version", "1")
	form.Set("status", "")
	if r := off.PostForm(t, base+"/measures/f", form); r.StatusCode != http.StatusSeeOther {
		t.Fatalf("status derived again: %d", r.StatusCode)
	}
	if status, _ := measureStatus(t, off, base+"/measures/f"); status != "not_started" {
		t.Errorf("cleared override: status %q", status)
	}
	if auditCount(t, a, "measure.updated") != 2 {
		t.Errorf("measure changes not audited")
	}
	// The status follows the requirements: measure f has one (7).
	if r := off.PostForm(t, base+"/requirements/7", requirementForm(0, "implemented", "3")); r.StatusCode != http.StatusSeeOther {
		t.Fatalf("requirement 7: %d", r.StatusCode)
	}
	if status, _ := measureStatus(t, off, base+"/measures/f"); status != "implemented" {
		t.Errorf("measure f after its requirement: %q", status)
	}
}
