package server_test

import (
	"archive/zip"
	"bytes"
	"context"
	"image"
	"image/color"
	"image/jpeg"
	"image/png"
	"mime/multipart"
	"net/http"
	"net/textproto"
	"net/url"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"github.com/weerbaar/weerbaar/internal/apptest"
	"github.com/weerbaar/weerbaar/internal/authz"
	"github.com/weerbaar/weerbaar/internal/demo"
	"github.com/weerbaar/weerbaar/internal/proportion"
)

// requirementForm is the requirement edit form as the page posts it.
func requirementForm(version int, status, maturity string) url.Values {
	return url.Values{"version": {strconv.Itoa(version)}, "applicable": {"true"}, "status": {status}, "maturity": {maturity},
		"owner": {""}, "due_date": {""}, "notes": {""}, "justification": {""}}
}

func requirementVersion(t *testing.T, a *apptest.App, entityID int64, code string) int {
	t.Helper()
	var v int
	err := a.Pool.QueryRow(context.Background(), `SELECT coalesce((SELECT version FROM entity_requirements WHERE entity_id = $1 AND requirement_code = $2), 0)`, entityID, code).Scan(&v)
	if err != nil {
		t.Fatal(err)
	}
	return v
}

func TestRequirementEditing(t *testing.T) {
	t.Parallel()
	a := apptest.Start(t, apptest.Options{})
	id := a.SeedDemo(t)
	base := "/e/" + strconv.FormatInt(id, 10)
	off := a.LoginDemo(t, authz.SecurityOfficer)
	_, adminB := createEntityWithAdmin(t, a, "ander", "Andere Organisatie", "admin@ander.test")

	v := requirementVersion(t, a, id, "6.1")
	form := requirementForm(v, "in_progress", "2")
	form.Set("applicable", "false")
	form.Set("notes", "Mijn toelichting")
	r := off.PostForm(t, base+"/requirements/6.1", form)
	if r.StatusCode != http.StatusUnprocessableEntity || !strings.Contains(r.Body, `id="f-justification-error"`) || !strings.Contains(r.Body, "Mijn toelichting") {
		t.Fatalf("not applicable without justification: %d", r.StatusCode)
	}
	form = requirementForm(v, "in_progress", "2")
	form.Set("owner", strconv.FormatInt(adminB, 10))
	if r := off.PostForm(t, base+"/requirements/6.1", form); r.StatusCode != http.StatusUnprocessableEntity || !strings.Contains(r.Body, `id="f-owner-error"`) {
		t.Fatalf("owner of another entity: %d", r.StatusCode)
	}
	before := auditCount(t, a, "requirement.updated")
	form = requirementForm(v, "implemented", "3")
	form.Set("owner", strconv.FormatInt(userID(t, a, officer.Email), 10))
	if r := off.PostForm(t, base+"/requirements/6.1", form); r.StatusCode != http.StatusSeeOther {
		t.Fatalf("save: %d %s", r.StatusCode, r.Body)
	}
	if got := auditCount(t, a, "requirement.updated"); got != before+1 {
		t.Errorf("audit rows %d, want %d", got, before+1)
	}
	page := off.Get(t, base+"/requirements/6.1")
	if !strings.Contains(page.Body, `<option value="3" selected>`) || !strings.Contains(page.Body, `<option value="implemented" selected>`) {
		t.Errorf("saved values not shown")
	}
	// Not applicable with a justification is fine and shows in the SoA.
	form = requirementForm(requirementVersion(t, a, id, "6.10"), "not_started", "0")
	form.Set("applicable", "false")
	form.Set("justification", "Geen eigen producten met kwetsbaarheden.")
	if r := off.PostForm(t, base+"/requirements/6.10", form); r.StatusCode != http.StatusSeeOther {
		t.Fatalf("not applicable with justification: %d", r.StatusCode)
	}
	soa := off.Get(t, base+"/soa?status=not_applicable")
	if !strings.Contains(soa.Body, "Geen eigen producten met kwetsbaarheden.") || strings.Contains(soa.Body, ">1.1 ") {
		t.Errorf("SoA filter on not applicable")
	}
	csv := off.Get(t, base+"/soa.csv?measure=e")
	if csv.Header.Get("Content-Type") != "text/csv; charset=utf-8" || !strings.Contains(csv.Body, "6.10;") || strings.Contains(csv.Body, "\n1.1;") {
		t.Errorf("SoA CSV filtered by measure e: %s", csv.Body)
	}
	// The negative checks above would pass on any page without 1.1.
	if all := off.Get(t, base+"/soa"); !strings.Contains(all.Body, ">1.1 ") {
		t.Errorf("unfiltered SoA lacks requirement 1.1")
	}
	if all := off.Get(t, base+"/soa.csv"); !strings.Contains(all.Body, "\n1.1;") {
		t.Errorf("unfiltered SoA CSV lacks requirement 1.1")
	}
}

func TestRequirementEditConflict(t *testing.T) {
	t.Parallel()
	a := apptest.Start(t, apptest.Options{})
	id := a.SeedDemo(t)
	base := "/e/" + strconv.FormatInt(id, 10)
	off := a.LoginDemo(t, authz.SecurityOfficer)
	admin := a.LoginDemo(t, authz.Admin)
	v := requirementVersion(t, a, id, "1.1")
	theirs := requirementForm(v, "verified", "5")
	theirs.Set("notes", "Door de beheerder bijgewerkt")
	if r := admin.PostForm(t, base+"/requirements/1.1", theirs); r.StatusCode != http.StatusSeeOther {
		t.Fatalf("first save: %d", r.StatusCode)
	}
	mine := requirementForm(v, "in_progress", "2")
	mine.Set("notes", "Mijn eigen tekst")
	r := off.PostForm(t, base+"/requirements/1.1", mine)
	if r.StatusCode != http.StatusConflict || !strings.Contains(r.Body, "Door de beheerder bijgewerkt") || !strings.Contains(r.Body, "Mijn eigen tekst") ||
		!strings.Contains(r.Body, "Anne de Beheerder") {
		t.Fatalf("conflict: %d %s", r.StatusCode, r.Body)
	}
	var notes string
	_ = a.Pool.QueryRow(context.Background(), `SELECT notes FROM entity_requirements WHERE entity_id = $1 AND requirement_code = '1.1'`, id).Scan(&notes)
	if notes != "Door de beheerder bijgewerkt" {
		t.Fatalf("overwritten: %q", notes)
	}
	// Saving the conflict form again (it carries the new version) is a
	// deliberate overwrite and succeeds.
	m := regexp.MustCompile(`name="version" value="(\d+)"`).FindStringSubmatch(r.Body)
	mine.Set("version", m[1])
	if r := off.PostForm(t, base+"/requirements/1.1", mine); r.StatusCode != http.StatusSeeOther {
		t.Fatalf("save after resolving: %d", r.StatusCode)
	}
}

// sampleFiles returns one small valid file of every allowed type.
func sampleFiles(t *testing.T) map[string][]byte {
	t.Helper()
	zipOf := func(files ...[2]string) []byte {
		var b bytes.Buffer
		zw := zip.NewWriter(&b)
		for _, f := range files {
			var w interface{ Write([]byte) (int, error) }
			var err error
			if f[0] == "mimetype" {
				w, err = zw.CreateHeader(&zip.FileHeader{Name: f[0], Method: zip.Store})
			} else {
				w, err = zw.Create(f[0])
			}
			if err != nil {
				t.Fatal(err)
			}
			_, _ = w.Write([]byte(f[1]))
		}
		_ = zw.Close()
		return b.Bytes()
	}
	ooxml := func(main, folder, ct string) []byte {
		return zipOf([2]string{"[Content_Types].xml", `<?xml version="1.0"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types"><Override PartName="/` + main + `" ContentType="` + ct + `"/></Types>`},
			[2]string{"_rels/.rels", `<?xml version="1.0"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships"/>`},
			[2]string{main, `<?xml version="1.0"?><x/>`}, [2]string{folder + "/_rels/x.rels", "<x/>"})
	}
	odf := func(mt string) []byte {
		return zipOf([2]string{"mimetype", mt}, [2]string{"content.xml", `<?xml version="1.0"?><office:document-content xmlns:office="urn:oasis:names:tc:opendocument:xmlns:office:1.0"/>`},
			[2]string{"META-INF/manifest.xml", `<?xml version="1.0"?><manifest/>`})
	}
	img := image.NewRGBA(image.Rect(0, 0, 8, 8))
	img.Set(1, 1, color.RGBA{200, 0, 0, 255})
	var pngBuf, jpgBuf bytes.Buffer
	_ = png.Encode(&pngBuf, img)
	_ = jpeg.Encode(&jpgBuf, img, nil)
	return map[string][]byte{
		"beleid.pdf":       demo.MinimalPDF("Beleid"),
		"procedure.docx":   ooxml("word/document.xml", "word", "application/vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml"),
		"register.xlsx":    ooxml("xl/workbook.xml", "xl", "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"),
		"training.pptx":    ooxml("ppt/presentation.xml", "ppt", "application/vnd.openxmlformats-officedocument.presentationml.presentation.main+xml"),
		"notulen.odt":      odf("application/vnd.oasis.opendocument.text"),
		"overzicht.ods":    odf("application/vnd.oasis.opendocument.spreadsheet"),
		"netwerk.png":      pngBuf.Bytes(),
		"foto.jpg":         jpgBuf.Bytes(),
		"log.txt":          []byte("2026-11-27 back-up geslaagd\n"),
		"leveranciers.csv": []byte("naam,kritiek\nLeverancier A,ja\n"),
		"werkwijze.md":     []byte("# Werkwijze\n\nWij patchen maandelijks.\n"),
	}
}

// upload posts a multipart evidence upload with a raw Content-Disposition
// filename parameter (so tests can send hostile names).
func upload(t *testing.T, c *apptest.Client, a *apptest.App, path, dispositionFilename string, content []byte) apptest.Response {
	t.Helper()
	var b bytes.Buffer
	mw := multipart.NewWriter(&b)
	_ = mw.WriteField("title", "")
	h := textproto.MIMEHeader{}
	h.Set("Content-Disposition", `form-data; name="file"; `+dispositionFilename)
	h.Set("Content-Type", "application/octet-stream")
	pw, err := mw.CreatePart(h)
	if err != nil {
		t.Fatal(err)
	}
	_, _ = pw.Write(content)
	_ = mw.Close()
	req, _ := http.NewRequest(http.MethodPost, a.URL(path), &b)
	req.Header.Set("Content-Type", mw.FormDataContentType())
	req.Header.Set("Origin", a.HTTP.URL)
	return c.Do(t, req)
}

func TestEvidenceUploadAndDownload(t *testing.T) {
	t.Parallel()
	a := apptest.Start(t, apptest.Options{Env: map[string]string{"WEERBAAR_UPLOAD_LIMIT_MB": "1"}})
	id := a.SeedDemo(t)
	base := "/e/" + strconv.FormatInt(id, 10)
	target := base + "/evidence/attach/requirement/5.1"
	off := a.LoginDemo(t, authz.SecurityOfficer)

	for name, content := range sampleFiles(t) {
		if r := upload(t, off, a, target, `filename="`+name+`"`, content); r.StatusCode != http.StatusSeeOther {
			t.Errorf("%s: status %d %s", name, r.StatusCode, r.Body)
		}
	}
	refused := map[string][]byte{
		"setup.pdf":  append([]byte("MZ\x90\x00\x03\x00\x00\x00\x04\x00"), bytes.Repeat([]byte{0}, 200)...),
		"pagina.txt": []byte("<!DOCTYPE html><html><script>alert(1)</script></html>"),
		"run.exe":    []byte("MZ"),
	}
	for name, content := range refused {
		r := upload(t, off, a, target, `filename="`+name+`"`, content)
		if r.StatusCode != http.StatusUnprocessableEntity || !strings.Contains(r.Body, `id="f-file-error"`) {
			t.Errorf("%s: status %d, want 422 with a file error", name, r.StatusCode)
		}
	}
	limit := 1 << 20
	if r := upload(t, off, a, target, `filename="precies.txt"`, bytes.Repeat([]byte("a"), limit)); r.StatusCode != http.StatusSeeOther {
		t.Errorf("exactly the limit: %d", r.StatusCode)
	}
	if r := upload(t, off, a, target, `filename="te-groot.txt"`, bytes.Repeat([]byte("a"), limit+1)); r.StatusCode != http.StatusRequestEntityTooLarge ||
		!strings.Contains(r.Body, tr(t, "evidence.error.too_large", 1)) {
		t.Errorf("limit + 1 byte: %d", r.StatusCode)
	}

	// A hostile file name: CR/LF is refused outright; quotes, separators and
	// path parts are stored and come back as a safe attachment.
	if r := upload(t, off, a, target, `filename*=UTF-8''..%2Fx%22%3B%0D%0AX%3A%20y.pdf`, demo.MinimalPDF("x")); r.StatusCode != http.StatusUnprocessableEntity {
		t.Errorf("CR/LF in the file name: %d", r.StatusCode)
	}
	if r := upload(t, off, a, target, `filename*=UTF-8''..%2Fx%22%3B%20X%3A%20y.pdf`, demo.MinimalPDF("x")); r.StatusCode != http.StatusSeeOther {
		t.Fatalf("quotes in the file name: %d %s", r.StatusCode, r.Body)
	}
	var versionID int64
	if err := a.Pool.QueryRow(context.Background(), `SELECT id FROM evidence_versions WHERE filename LIKE 'x%' ORDER BY id DESC LIMIT 1`).Scan(&versionID); err != nil {
		t.Fatal(err)
	}
	auditor := a.LoginDemo(t, authz.Auditor)
	d := auditor.Get(t, base+"/evidence/versions/"+strconv.FormatInt(versionID, 10))
	cd := d.Header.Get("Content-Disposition")
	if d.StatusCode != 200 || !strings.HasPrefix(cd, "attachment;") || strings.ContainsAny(cd, "\r\n") || strings.Contains(cd, `";`+` X`) ||
		!strings.Contains(cd, "filename*=UTF-8''") || d.Header.Get("Content-Security-Policy") != "sandbox" ||
		d.Header.Get("X-Content-Type-Options") != "nosniff" || d.Header.Get("Content-Type") != "application/pdf" || !strings.HasPrefix(d.Body, "%PDF-") {
		t.Fatalf("download: %d %v", d.StatusCode, d.Header)
	}
	// The auditor may read and download, never change.
	if r := upload(t, auditor, a, target, `filename="beleid.pdf"`, demo.MinimalPDF("x")); r.StatusCode != http.StatusForbidden {
		t.Errorf("auditor upload: %d", r.StatusCode)
	}
	if r := auditor.PostForm(t, base+"/requirements/5.1", requirementForm(0, "implemented", "5")); r.StatusCode != http.StatusForbidden {
		t.Errorf("auditor edit: %d", r.StatusCode)
	}
	if r := auditor.Get(t, base+"/requirements/5.1"); r.StatusCode != http.StatusOK || strings.Contains(r.Body, `name="maturity"`) {
		t.Errorf("auditor sees an edit form")
	}
	if r := off.Get(t, base+"/requirements/5.1"); !strings.Contains(r.Body, `name="maturity"`) {
		t.Errorf("the officer sees no edit form, so the auditor check proves nothing")
	}
	// Another entity's member cannot fetch this entity's evidence by id.
	entityB, _ := createEntityWithAdmin(t, a, "ander", "Andere Organisatie", "admin@ander.test")
	other := a.Login(t, "admin@ander.test", testPassword)
	if r := other.Get(t, "/e/"+strconv.FormatInt(entityB, 10)+"/evidence/versions/"+strconv.FormatInt(versionID, 10)); r.StatusCode != http.StatusNotFound {
		t.Errorf("evidence of another entity: %d", r.StatusCode)
	}
}

func TestEvidenceVersionsLinksAndSoftDelete(t *testing.T) {
	t.Parallel()
	a := apptest.Start(t, apptest.Options{})
	id := a.SeedDemo(t)
	base := "/e/" + strconv.FormatInt(id, 10)
	off := a.LoginDemo(t, authz.SecurityOfficer)
	if r := upload(t, off, a, base+"/evidence/attach/measure/d", `filename="ketenbeleid.pdf"`, demo.MinimalPDF("v1")); r.StatusCode != http.StatusSeeOther {
		t.Fatalf("upload to a measure: %d", r.StatusCode)
	}
	var itemID int64
	_ = a.Pool.QueryRow(context.Background(), `SELECT id FROM evidence_items WHERE subject_type = 'measure' AND subject_ref = 'd' AND entity_id = $1`, id).Scan(&itemID)
	if r := upload(t, off, a, base+"/evidence/"+strconv.FormatInt(itemID, 10)+"/versions", `filename="ketenbeleid-v2.pdf"`, demo.MinimalPDF("v2")); r.StatusCode != http.StatusSeeOther {
		t.Fatalf("new version: %d", r.StatusCode)
	}
	page := off.Get(t, base+"/measures/d")
	if !strings.Contains(page.Body, "ketenbeleid.pdf") || !strings.Contains(page.Body, "ketenbeleid-v2.pdf") {
		t.Fatalf("both versions listed")
	}
	bad := off.PostForm(t, base+"/evidence/attach/measure/d/link", url.Values{"link_title": {"Contract"}, "url": {"javascript:alert(1)"}})
	if bad.StatusCode != http.StatusUnprocessableEntity || !strings.Contains(bad.Body, `id="f-url-error"`) || !strings.Contains(bad.Body, "javascript:alert(1)") {
		t.Fatalf("bad link: %d", bad.StatusCode)
	}
	if r := off.PostForm(t, base+"/evidence/attach/measure/d/link", url.Values{"link_title": {"Inkoopvoorwaarden"}, "url": {"https://example.nl/voorwaarden"}}); r.StatusCode != http.StatusSeeOther {
		t.Fatalf("link: %d", r.StatusCode)
	}
	if r := off.PostForm(t, base+"/evidence/"+strconv.FormatInt(itemID, 10)+"/delete", nil); r.StatusCode != http.StatusSeeOther {
		t.Fatalf("delete: %d", r.StatusCode)
	}
	page = off.Get(t, base+"/measures/d")
	if strings.Contains(page.Body, "ketenbeleid") || !strings.Contains(page.Body, "Inkoopvoorwaarden") {
		t.Fatalf("deleted evidence still listed")
	}
	var kept int
	_ = a.Pool.QueryRow(context.Background(), `SELECT count(*) FROM evidence_versions WHERE item_id = $1`, itemID).Scan(&kept)
	if kept != 2 || auditCount(t, a, "evidence.deleted") != 1 || auditCount(t, a, "evidence.version_added") != 1 {
		t.Fatalf("soft delete kept %d versions", kept)
	}
}

func TestMeasuresOverviewAndProportionality(t *testing.T) {
	t.Parallel()
	a := apptest.Start(t, apptest.Options{})
	id := a.SeedDemo(t)
	base := "/e/" + strconv.FormatInt(id, 10)
	off := a.LoginDemo(t, authz.SecurityOfficer)
	list := off.Get(t, base+"/measures")
	if list.StatusCode != 200 || strings.Count(list.Body, `class="card measure-card"`) != 10 || !strings.Contains(list.Body, "<svg") ||
		!strings.Contains(list.Body, trStem(t, "measures.readiness")) {
		t.Fatalf("measures list: %d", list.StatusCode)
	}
	m := off.Get(t, base+"/measures/c")
	if !strings.Contains(m.Body, tr(t, "measures.why_target")) || !strings.Contains(m.Body, tr(t, "proportion.factor.impact")) || !strings.Contains(m.Body, proportion.CurrentVersion) {
		t.Fatalf("measure page lacks the explanation")
	}
	if r := off.Get(t, base+"/measures/z"); r.StatusCode != http.StatusNotFound {
		t.Errorf("unknown measure: %d", r.StatusCode)
	}
	snapshots := func() int {
		var n int
		_ = a.Pool.QueryRow(context.Background(), `SELECT count(*) FROM proportion_results WHERE entity_id = $1 AND engine_version = 'prop-2026.2'`, id).Scan(&n)
		return n
	}
	before := snapshots()
	var version int
	_ = a.Pool.QueryRow(context.Background(), `SELECT version FROM proportion_factors WHERE entity_id = $1`, id).Scan(&version)
	bad := off.PostForm(t, base+"/proportionality/factors", url.Values{"version": {strconv.Itoa(version)}, "exposure": {"9"}, "likelihood": {"2"}, "impact": {"5"}})
	if bad.StatusCode != http.StatusUnprocessableEntity || !strings.Contains(bad.Body, `id="f-exposure-error"`) {
		t.Fatalf("bad factor: %d", bad.StatusCode)
	}
	if !strings.Contains(bad.Body, `id="f-likelihood-2" name="likelihood" value="2" checked`) { // saved: 3
		t.Error("the factors form did not keep the input after a field error")
	}
	if r := off.PostForm(t, base+"/proportionality/factors", url.Values{"version": {strconv.Itoa(version)}, "exposure": {"5"}, "likelihood": {"5"}, "impact": {"5"}}); r.StatusCode != http.StatusSeeOther {
		t.Fatalf("factors: %d", r.StatusCode)
	}
	if snapshots() != before+1 || auditCount(t, a, "proportion.factors_changed") != 2 {
		t.Errorf("factor change not snapshotted/audited")
	}
	sens := url.Values{"version": {"0"}, "exposure": {"1"}, "size": {"0.5"}, "likelihood": {"0.5"}, "impact": {"0.5"}, "class": {"0.5"}, "rationale": {"Onze keten is bijzonder kwetsbaar."}}
	if r := off.PostForm(t, base+"/proportionality/sensitivities/d", sens); r.StatusCode != http.StatusForbidden {
		t.Errorf("officer changed a sensitivity: %d", r.StatusCode)
	}
	admin := a.LoginDemo(t, authz.Admin)
	if r := admin.PostForm(t, base+"/proportionality/sensitivities/d", sens); r.StatusCode != http.StatusSeeOther {
		t.Fatalf("admin sensitivity: %d %s", r.StatusCode, r.Body)
	}
	if p := admin.Get(t, base+"/proportionality"); !strings.Contains(p.Body, "Onze keten is bijzonder kwetsbaar.") || !strings.Contains(p.Body, tr(t, "proportion.custom")) {
		t.Errorf("adjusted sensitivity not shown")
	}
	dash := off.Get(t, base+"/")
	for _, want := range []string{tr(t, "scope.class.essential"), trStem(t, "dashboard.overdue"), tr(t, "dashboard.top_gaps"), `data-measure="a"`} {
		if !strings.Contains(dash.Body, want) {
			t.Errorf("dashboard lacks %q", want)
		}
	}
}

func TestMeasureOverrideNeedsAReason(t *testing.T) {
	t.Parallel()
	a := apptest.Start(t, apptest.Options{})
	id := a.SeedDemo(t)
	base := "/e/" + strconv.FormatInt(id, 10)
	off := a.LoginDemo(t, authz.SecurityOfficer)
	form := url.Values{"version": {"0"}, "applicable": {"true"}, "status": {""}, "maturity_override": {"4"}, "override_reason": {""}}
	r := off.PostForm(t, base+"/measures/g", form)
	if r.StatusCode != http.StatusUnprocessableEntity || !strings.Contains(r.Body, `id="f-override_reason-error"`) {
		t.Fatalf("override without reason: %d", r.StatusCode)
	}
	form.Set("override_reason", "Externe audit bevestigt niveau 4")
	if r := off.PostForm(t, base+"/measures/g", form); r.StatusCode != http.StatusSeeOther {
		t.Fatalf("override: %d %s", r.StatusCode, r.Body)
	}
	page := off.Get(t, base+"/measures/g")
	if !strings.Contains(page.Body, tr(t, "measures.derived.override", "Externe audit bevestigt niveau 4")) || !strings.Contains(page.Body, `<span class="big-number">4,0</span>`) {
		t.Fatalf("override not shown")
	}
	if auditCount(t, a, "measure.updated") != 1 {
		t.Errorf("measure change not audited")
	}
}

func TestDashboardPerRole(t *testing.T) {
	t.Parallel()
	a := apptest.Start(t, apptest.Options{})
	id := a.SeedDemo(t)
	home := "/e/" + strconv.FormatInt(id, 10) + "/"
	auditor := a.LoginDemo(t, authz.Auditor).Get(t, home)
	if !strings.Contains(auditor.Body, `data-testid="audit-chain"`) || !strings.Contains(auditor.Body, trStem(t, "dashboard.chain_ok")) ||
		strings.Contains(auditor.Body, `data-testid="mfa-coverage"`) || strings.Contains(auditor.Body, tr(t, "dashboard.mfa", 0, 4)) {
		t.Errorf("auditor dashboard")
	}
	admin := a.LoginDemo(t, authz.Admin).Get(t, home)
	if !strings.Contains(admin.Body, `data-testid="mfa-coverage"`) || !strings.Contains(admin.Body, tr(t, "dashboard.mfa", 0, 4)) ||
		!strings.Contains(admin.Body, `data-testid="audit-chain"`) || !strings.Contains(admin.Body, trStem(t, "dashboard.chain_ok")) {
		t.Errorf("admin dashboard")
	}
	board := a.LoginDemo(t, authz.BoardMember).Get(t, home)
	if strings.Contains(board.Body, `data-testid="audit-chain"`) || strings.Contains(board.Body, `data-testid="mfa-coverage"`) ||
		strings.Contains(board.Body, trStem(t, "dashboard.chain_ok")) || !strings.Contains(board.Body, tr(t, "scope.class.essential")) {
		t.Errorf("board dashboard")
	}
}

func TestSoASortsByColumn(t *testing.T) {
	t.Parallel()
	a := apptest.Start(t, apptest.Options{})
	id := a.SeedDemo(t)
	base := "/e/" + strconv.FormatInt(id, 10)
	c := a.LoginDemo(t, authz.Auditor)
	firstRow := func(path string) string {
		body := c.Get(t, path).Body
		i := strings.Index(body, "<tbody>")
		m := regexp.MustCompile(`/requirements/([0-9.]+)"`).FindStringSubmatch(body[i:])
		if m == nil {
			t.Fatalf("%s: no rows", path)
		}
		return m[1]
	}
	if got := firstRow(base + "/soa"); got != "1.1" {
		t.Errorf("default order starts with %s", got)
	}
	// Demo maturities: 4.2 and 6.8 are at 5; catalogue order breaks the tie.
	if got := firstRow(base + "/soa?sort=maturity&dir=desc"); got != "4.2" {
		t.Errorf("maturity descending starts with %s", got)
	}
	if got := firstRow(base + "/soa?sort=code&dir=desc"); got != "13.3" {
		t.Errorf("code descending starts with %s", got)
	}
	if got := firstRow(base + "/soa?sort=DROP+TABLE"); got != "1.1" {
		t.Errorf("unknown sort key not ignored: %s", got)
	}
	page := c.Get(t, base+"/soa?sort=maturity&measure=c")
	if !strings.Contains(page.Body, `aria-sort="ascending"`) || !strings.Contains(page.Body, `sort=maturity&amp;dir=desc&amp;measure=c`) &&
		!strings.Contains(page.Body, `dir=desc&amp;measure=c&amp;sort=maturity`) {
		t.Errorf("header links do not toggle and keep the filter")
	}
}
