package server_test

import (
	"bytes"
	"context"
	"crypto/ed25519"
	"encoding/base64"
	"fmt"
	"github.com/weerbaar/weerbaar/internal/db"
	"github.com/weerbaar/weerbaar/internal/i18n"
	"html"
	"mime/multipart"
	"net/http"
	"net/url"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/weerbaar/weerbaar/internal/apptest"
	"github.com/weerbaar/weerbaar/internal/audit"
	"github.com/weerbaar/weerbaar/internal/authz"
	"github.com/weerbaar/weerbaar/internal/report"
	"github.com/weerbaar/weerbaar/internal/secretkey"
)

// insertPackage stores a finished (tiny) evidence package of the entity, so
// the download route can be walked without building one. It writes as the
// app does (the app's role, scoped to the entity), so the package's large
// object is the app's.
func insertPackage(t *testing.T, a *apptest.App, entityID int64) int64 {
	t.Helper()
	var id int64
	err := a.AppPool.QueryRow(db.ForEntity(context.Background(), entityID), `INSERT INTO report_packages (entity_id, lang, period_from, period_to, state,
			finished_at, size, manifest_sha256, content_oid)
		VALUES ($1, 'nl', '2026-01-01', '2026-12-31', 'done', now(), 2, repeat('a', 64), lo_from_bytea(0, 'PK'))
		RETURNING id`, entityID).Scan(&id)
	if err != nil {
		t.Fatal(err)
	}
	return id
}

func instanceKey(t *testing.T) ed25519.PublicKey {
	t.Helper()
	secret, err := secretkey.Parse(apptest.TestKey)
	if err != nil {
		t.Fatal(err)
	}
	k, err := secretkey.SigningKey(secret)
	if err != nil {
		t.Fatal(err)
	}
	return k.Public().(ed25519.PublicKey)
}

var downloadLink = regexp.MustCompile(`href="(/e/\d+/exports/\d+/download)"`)

// TestExportFlow: an auditor starts a package; the page refreshes itself
// while it builds and then links the download, a ZIP whose manifest
// verifies with the instance's public key shown on the page; an uploaded
// package is verified, a tampered one names the file; creating and
// downloading are audit-logged.
func TestExportFlow(t *testing.T) {
	t.Parallel()
	a := apptest.Start(t, apptest.Options{})
	entityID := a.SeedDemo(t)
	base := "/e/" + strconv.FormatInt(entityID, 10) + "/exports"
	c := a.LoginDemo(t, authz.Auditor)

	page := c.Get(t, base)
	if page.StatusCode != http.StatusOK || !strings.Contains(page.Body, base64.StdEncoding.EncodeToString(instanceKey(t))) {
		t.Fatalf("export page %d, public key missing", page.StatusCode)
	}
	if strings.Contains(page.Body, `http-equiv="refresh"`) {
		t.Error("the page refreshes while nothing is being built")
	}
	// Bad input: 422 with the input kept.
	bad := c.PostForm(t, base, url.Values{"from": {"2026-05-01"}, "to": {"2026-01-01"}, "lang": {"en"}})
	if bad.StatusCode != http.StatusUnprocessableEntity || !strings.Contains(bad.Body, `value="2026-05-01"`) {
		t.Fatalf("bad period: %d", bad.StatusCode)
	}
	now := time.Now().UTC()
	resp := c.PostForm(t, base, url.Values{"from": {now.AddDate(-1, 0, 0).Format(time.DateOnly)}, "to": {now.Format(time.DateOnly)}, "lang": {"en"}})
	if resp.StatusCode != http.StatusSeeOther || resp.Header.Get("Location") != base {
		t.Fatalf("start: %d %q", resp.StatusCode, resp.Header.Get("Location"))
	}
	page = c.Get(t, base)
	if page.StatusCode != http.StatusOK {
		t.Fatalf("page: %d", page.StatusCode)
	}
	// While it runs the page refreshes itself without JavaScript and marks
	// the list as a live region for live.js; once done, neither.
	if !downloadLink.MatchString(page.Body) && (!strings.Contains(page.Body, `<noscript><meta http-equiv="refresh"`) ||
		!strings.Contains(page.Body, `id="packages" data-live="1" data-live-src="`+base+`"`)) {
		t.Error("a running build neither refreshes the page nor marks the list live")
	}
	a.Server.WaitBackground()
	page = c.Get(t, base)
	if strings.Contains(page.Body, `http-equiv="refresh"`) || strings.Contains(page.Body, `data-live=`) {
		t.Error("the page still refreshes after the build")
	}
	m := downloadLink.FindStringSubmatch(page.Body)
	if m == nil {
		t.Fatalf("no download link on the page:\n%s", page.Body)
	}
	zipResp := c.Get(t, m[1])
	if zipResp.StatusCode != http.StatusOK || zipResp.Header.Get("Content-Type") != "application/zip" {
		t.Fatalf("download: %d %s", zipResp.StatusCode, zipResp.Header.Get("Content-Type"))
	}
	pkg := []byte(zipResp.Body)
	res, err := report.Verify(bytes.NewReader(pkg), int64(len(pkg)), instanceKey(t))
	if err != nil || !res.OK {
		t.Fatalf("downloaded package: %+v %v", res, err)
	}
	if res.Manifest.Lang != "en" || res.Manifest.EntityID != entityID {
		t.Errorf("manifest %+v", res.Manifest)
	}
	// The build checkpointed every chain's head outside the database, the
	// entity's at least as far as the package's.
	last, ok, err := audit.LastCheckpoint(a.Server.Checkpoints.Path, a.Server.Checkpoints.PublicKey())
	if head, _ := last.Head(entityID); err != nil || !ok || head.Seq < res.Manifest.AuditChain.Seq {
		t.Errorf("checkpoint after the build: %+v (%v, %v), want the entity's head at or after seq %d", last, ok, err, res.Manifest.AuditChain.Seq)
	}

	// Upload for verification: intact, then tampered.
	verifyWith := func(body []byte, key string) apptest.Response {
		var buf bytes.Buffer
		mw := multipart.NewWriter(&buf)
		fw, _ := mw.CreateFormFile("package", "pakket.zip")
		fw.Write(body)
		if key != "" {
			mw.WriteField("public_key", key)
		}
		mw.Close()
		req, _ := http.NewRequest(http.MethodPost, a.URL(base+"/verify"), &buf)
		req.Header.Set("Content-Type", mw.FormDataContentType())
		return c.Do(t, req)
	}
	verify := func(body []byte) apptest.Response { return verifyWith(body, "") }
	if v := verify(pkg); v.StatusCode != http.StatusOK || !strings.Contains(v.Body, "Het pakket klopt: ") {
		t.Errorf("verify intact: %d", v.StatusCode)
	}
	tampered := bytes.Clone(pkg)
	tampered[len(tampered)/3] ^= 0xff
	if v := verify(tampered); v.StatusCode != http.StatusOK || !strings.Contains(v.Body, "Het pakket klopt niet") {
		t.Errorf("verify tampered: %d", v.StatusCode)
	}
	if v := verify(nil); v.StatusCode != http.StatusOK && v.StatusCode != http.StatusUnprocessableEntity {
		t.Errorf("verify empty: %d", v.StatusCode)
	}
	// A key the auditor pastes: the instance's own (with the line break a
	// copy brings) verifies and is named; another key fails the signature;
	// text that is no key is a 422 next to the field, the input kept.
	own := base64.StdEncoding.EncodeToString(instanceKey(t))
	if v := verifyWith(pkg, own+"\n"); !strings.Contains(v.Body, "Het pakket klopt: ") || !strings.Contains(v.Body, own) {
		t.Errorf("verify with the pasted instance key: %d", v.StatusCode)
	}
	otherPub, _, _ := ed25519.GenerateKey(nil)
	if v := verifyWith(pkg, base64.StdEncoding.EncodeToString(otherPub)); !strings.Contains(v.Body, "Het pakket klopt niet: manifest.json") {
		t.Errorf("verify with another key must fail on the signature: %d", v.StatusCode)
	}
	if v := verifyWith(pkg, "geen-sleutel"); v.StatusCode != http.StatusUnprocessableEntity ||
		!strings.Contains(v.Body, `id="f-public-key-error"`) || !strings.Contains(v.Body, `value="geen-sleutel"`) {
		t.Errorf("verify with a malformed key: %d, want 422 with the field's error and the input kept", v.StatusCode)
	}

	var requested, downloaded int
	if err := a.Pool.QueryRow(context.Background(), `SELECT count(*) FILTER (WHERE action = 'package.requested'),
		count(*) FILTER (WHERE action = 'package.downloaded') FROM audit_log WHERE entity_id = $1`, entityID).Scan(&requested, &downloaded); err != nil {
		t.Fatal(err)
	}
	if requested != 1 || downloaded != 1 {
		t.Errorf("audit: %d requested, %d downloaded; want 1 and 1", requested, downloaded)
	}
	// The audit page names both actions in the reader's language.
	admin := a.LoginDemo(t, authz.Admin)
	auditPage := admin.Get(t, fmt.Sprintf("/e/%d/audit", entityID))
	if !strings.Contains(auditPage.Body, "bewijspakket") {
		t.Errorf("audit page does not name the package actions")
	}
}

// TestPackageOfAnotherEntityIs404: a package id of entity A asked for
// through entity B (by B's admin), or by someone without membership of A,
// is not found.
func TestPackageOfAnotherEntityIs404(t *testing.T) {
	t.Parallel()
	a := apptest.Start(t, apptest.Options{})
	entityA := a.SeedDemo(t)
	pkgA := insertPackage(t, a, entityA)
	entityB, _ := createEntityWithAdmin(t, a, "ander-pakket", "Ander Pakket", "admin@ander-pakket.test")
	c := a.Login(t, "admin@ander-pakket.test", testPassword)
	for _, path := range []string{
		fmt.Sprintf("/e/%d/exports/%d/download", entityB, pkgA),
		fmt.Sprintf("/e/%d/exports/%d/download", entityA, pkgA),
	} {
		if resp := c.Get(t, path); resp.StatusCode != http.StatusNotFound {
			t.Errorf("GET %s as B's admin: %d, want 404", path, resp.StatusCode)
		}
	}
	// A's own auditor gets it.
	if resp := a.LoginDemo(t, authz.Auditor).Get(t, fmt.Sprintf("/e/%d/exports/%d/download", entityA, pkgA)); resp.StatusCode != http.StatusOK || resp.Body != "PK" {
		t.Errorf("A's auditor: %d %q", resp.StatusCode, resp.Body)
	}
}

// TestAuditAndExportReachesEveryRole: "Audit & export" opens the audit log
// for those who may read it and the evidence register for the others, and
// its tabs offer the export page to everyone who may build a package (the
// officer too, who cannot read the audit log), to no one else.
func TestAuditAndExportReachesEveryRole(t *testing.T) {
	t.Parallel()
	a, id := startWithDemo(t, apptest.Options{})
	base := fmt.Sprintf("/e/%d", id)
	for _, tc := range []struct {
		role    authz.Role
		nav     string
		exports bool
	}{
		{authz.SecurityOfficer, "/evidence", true},
		{authz.Auditor, "/audit", true},
		{authz.Admin, "/audit", true},
		{authz.BoardMember, "/evidence", false},
	} {
		c := a.LoginDemo(t, tc.role)
		dash := c.Get(t, base+"/")
		if !strings.Contains(dash.Body, `href="`+base+tc.nav+`">`+tr(t, "nav.audit")+`</a>`) {
			t.Errorf("%s: \"Audit & export\" should open %s", tc.role, tc.nav)
		}
		reg := c.Get(t, base+"/evidence")
		if got := strings.Contains(reg.Body, `href="`+base+`/exports"`); reg.StatusCode != http.StatusOK || got != tc.exports {
			t.Errorf("%s: evidence register %d, exports tab %v, want %v", tc.role, reg.StatusCode, got, tc.exports)
		}
	}
}

// TestEveryVerifyMismatchIsWorded: the verification page words each kind of
// mismatch the verifier reports in both languages.
func TestEveryVerifyMismatchIsWorded(t *testing.T) {
	for _, code := range report.MismatchCodes {
		for _, lang := range []i18n.Lang{i18n.NL, i18n.EN} {
			key := "exports.verify.reason." + code
			if got := i18n.Translate(lang, key); got == key || got == "" {
				t.Errorf("%s: no %s text", key, lang)
			}
		}
	}
}

// TestAboutShowsThePackageKey: every signed-in user finds the public key
// that verifies the instance's packages (and its version) on the About
// page, linked from the user menu; without sign-in it asks for one.
func TestAboutShowsThePackageKey(t *testing.T) {
	t.Parallel()
	a := apptest.Start(t, apptest.Options{})
	a.SeedDemo(t)
	board := a.LoginDemo(t, authz.BoardMember)
	r := board.Get(t, "/about")
	key := base64.StdEncoding.EncodeToString(instanceKey(t))
	if r.StatusCode != http.StatusOK || !strings.Contains(r.Body, `data-testid="about-public-key">`+key+`<`) ||
		!strings.Contains(r.Body, "weerbaar verify-package pakket.zip --public-key "+key) {
		t.Errorf("About page %d: want the instance's public key %s and the command to verify with it", r.StatusCode, key)
	}
	if !strings.Contains(r.Body, `data-testid="about-version">`+html.EscapeString(report.GeneratorVersion())+`<`) {
		t.Errorf("About page does not name the version %q", report.GeneratorVersion())
	}
	if home := board.Get(t, "/account"); !strings.Contains(home.Body, `href="/about"`) {
		t.Error("the user menu does not link the About page")
	}
	if anon := a.Client().Get(t, "/about"); anon.StatusCode != http.StatusSeeOther && anon.StatusCode != http.StatusFound {
		t.Errorf("About without sign-in: %d, want a redirect to sign in", anon.StatusCode)
	}
}
