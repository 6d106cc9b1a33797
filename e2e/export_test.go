package e2e

import (
	"archive/zip"
	"bytes"
	"context"
	"encoding/base64"
	"io"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/chromedp/cdproto/runtime"
	"github.com/chromedp/chromedp"
	"github.com/xuri/excelize/v2"

	"github.com/weerbaar/weerbaar/internal/apptest"
	"github.com/weerbaar/weerbaar/internal/demo"
	"github.com/weerbaar/weerbaar/internal/pdfdoc/pdftext"
	"github.com/weerbaar/weerbaar/internal/report"
)

// TestAuditorExportsAndVerifiesThePackage: the auditor goes from "Audit &
// export" to the export page, builds the Dutch package, downloads it,
// opens its report PDF and its workbook, and has the page verify it with
// the instance's public key pasted in (the key the About page shows too); a
// package with one changed byte is named as not verifying. A build in
// progress updates the list in place (live.js), without reloading the page.
// axe-core finds no serious or critical violation on the export page and
// the About page.
func TestAuditorExportsAndVerifiesThePackage(t *testing.T) {
	a := apptest.Start(t, apptest.Options{PlainHTTP: true})
	id := a.SeedDemo(t)
	base := "/e/" + strconv.FormatInt(id, 10)
	ctx := newBrowser(t)
	runStep(t, ctx, "sign in as the auditor", chromedp.Navigate(a.URL("/login")), login(demo.Accounts[3].Email, demo.Password),
		chromedp.WaitVisible(`nav.sidenav`, chromedp.ByQuery))
	runStep(t, ctx, "open the export page from Audit & export",
		chromedp.Click(`nav.sidenav a[href="`+base+`/audit"]`, chromedp.ByQuery),
		chromedp.WaitVisible(`a[href="`+base+`/exports"]`, chromedp.ByQuery),
		chromedp.Click(`a[href="`+base+`/exports"]`, chromedp.ByQuery),
		chromedp.WaitVisible(`#new-h`, chromedp.ByQuery))
	if vs := runAxe(ctx, t); len(vs) > 0 {
		t.Errorf("export page: axe-core found serious or critical violations:%s", describeViolations(vs))
	}
	var aboutKey, pageKey string
	runStep(t, ctx, "the About page shows the same public key",
		chromedp.Text(`[data-testid="public-key"]`, &pageKey, chromedp.ByQuery),
		chromedp.Navigate(a.URL("/about")),
		chromedp.WaitVisible(`[data-testid="about-public-key"]`, chromedp.ByQuery),
		chromedp.Text(`[data-testid="about-public-key"]`, &aboutKey, chromedp.ByQuery))
	if aboutKey == "" || aboutKey != pageKey {
		t.Errorf("About page key %q, export page key %q: want the same instance key", aboutKey, pageKey)
	}
	if vs := runAxe(ctx, t); len(vs) > 0 {
		t.Errorf("About page: axe-core found serious or critical violations:%s", describeViolations(vs))
	}
	runStep(t, ctx, "back to the export page", chromedp.Navigate(a.URL(base+"/exports")), chromedp.WaitVisible(`#new-h`, chromedp.ByQuery))

	var href string
	runStep(t, ctx, "build the Dutch package and wait for its download link",
		chromedp.SetValue(`#f-lang`, "nl", chromedp.ByQuery),
		chromedp.Click(`form[action="`+base+`/exports"] button[type="submit"]`, chromedp.ByQuery),
		chromedp.WaitVisible(`td[data-testid="package-state"] a[download]`, chromedp.ByQuery),
		chromedp.AttributeValue(`td[data-testid="package-state"] a[download]`, "href", &href, nil, chromedp.ByQuery))
	pkg := fetchInBrowser(t, ctx, href)

	// The auditor opens what is inside: the report PDF and the workbook.
	files := unzip(t, pkg)
	if text, ok := pdftext.TextIfAvailable(t, files["rapport.pdf"]); ok {
		text = pdftext.Squash(text)
		for _, want := range []string{demo.EntityName, "Bestuursbesluiten", "Bedrijfscontinuïteit"} {
			if !strings.Contains(text, want) {
				t.Errorf("rapport.pdf lacks %q", want)
			}
		}
	}
	wb, err := excelize.OpenReader(bytes.NewReader(files[report.XLSXName]))
	if err != nil {
		t.Fatalf("weerbaar.xlsx does not open: %v", err)
	}
	soa, err := wb.GetRows(wb.GetSheetList()[0])
	wb.Close()
	if err != nil || len(soa) < 50 { // header + 49 requirements
		t.Errorf("the workbook's first sheet has %d rows (%v); want the 49 requirements of the SoA", len(soa), err)
	}

	// Verify on the page with the public key the page shows, pasted in.
	dir := t.TempDir()
	good, bad := filepath.Join(dir, "pakket.zip"), filepath.Join(dir, "gewijzigd.zip")
	tampered := bytes.Clone(pkg)
	tampered[len(tampered)/2] ^= 0x01
	if err := os.WriteFile(good, pkg, 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(bad, tampered, 0o644); err != nil {
		t.Fatal(err)
	}
	var key, outcome string
	runStep(t, ctx, "verify the package with the pasted public key",
		chromedp.Text(`[data-testid="public-key"]`, &key, chromedp.ByQuery),
		chromedp.SetUploadFiles(`#f-package`, []string{good}, chromedp.ByQuery),
		chromedp.SendKeys(`#f-public-key`, key, chromedp.ByQuery),
		chromedp.Click(`form[action$="/exports/verify"] button[type="submit"]`, chromedp.ByQuery),
		chromedp.WaitVisible(`[data-testid="verify-result"]`, chromedp.ByQuery),
		chromedp.Text(`[data-testid="verify-result"]`, &outcome, chromedp.ByQuery))
	if !strings.Contains(outcome, "Het pakket klopt:") || !strings.Contains(outcome, strings.TrimSpace(key)) {
		t.Errorf("verifying the downloaded package: %q", outcome)
	}
	runStep(t, ctx, "verify a package with one changed byte",
		chromedp.SetUploadFiles(`#f-package`, []string{bad}, chromedp.ByQuery),
		chromedp.Click(`form[action$="/exports/verify"] button[type="submit"]`, chromedp.ByQuery),
		chromedp.WaitVisible(`[data-testid="verify-detail"]`, chromedp.ByQuery),
		chromedp.Text(`[data-testid="verify-result"]`, &outcome, chromedp.ByQuery))
	if !strings.Contains(outcome, "Het pakket klopt niet") {
		t.Errorf("verifying a changed package: %q", outcome)
	}

	// A build in progress: the list updates in place as it advances, and
	// stops updating once it ended — the page itself is never reloaded.
	var running int64
	if err := a.Pool.QueryRow(context.Background(), `INSERT INTO report_packages (entity_id, lang, period_from, period_to, state,
		files_done, files_total) VALUES ($1, 'nl', current_date - 365, current_date, 'building', 3, 10) RETURNING id`, id).Scan(&running); err != nil {
		t.Fatal(err)
	}
	row := `tr[data-package="` + strconv.FormatInt(running, 10) + `"]`
	runStep(t, ctx, "open the page while a package is being built",
		chromedp.Navigate(a.URL(base+"/exports")),
		chromedp.WaitVisible(row+` progress[value="3"]`, chromedp.ByQuery),
		chromedp.Evaluate(`window.notReloaded = true`, nil))
	if _, err := a.Pool.Exec(context.Background(), `UPDATE report_packages SET files_done = 7 WHERE id = $1`, running); err != nil {
		t.Fatal(err)
	}
	runStep(t, ctx, "the progress advances without a reload",
		chromedp.WaitVisible(row+` progress[value="7"]`, chromedp.ByQuery))
	if _, err := a.Pool.Exec(context.Background(), `UPDATE report_packages SET state = 'failed', error = 'onderbroken', finished_at = now()
		WHERE id = $1`, running); err != nil {
		t.Fatal(err)
	}
	var still bool
	var live string
	runStep(t, ctx, "the ended build shows as failed and the list stops updating",
		chromedp.WaitVisible(row+` .badge-danger`, chromedp.ByQuery),
		chromedp.Evaluate(`window.notReloaded === true`, &still),
		chromedp.Evaluate(`document.getElementById("packages").dataset.live || ""`, &live))
	if !still || live != "" {
		t.Errorf("live update: page kept %v, data-live %q; want the same page and no further updates", still, live)
	}
}

// fetchInBrowser downloads path with the browser's session, as its download
// link would, and returns the bytes.
func fetchInBrowser(t *testing.T, ctx context.Context, path string) []byte {
	t.Helper()
	var b64 string
	js := `fetch(` + strconv.Quote(path) + `, {credentials: "same-origin"})
		.then(r => { if (!r.ok) throw new Error("HTTP " + r.status); return r.arrayBuffer(); })
		.then(buf => { let s = ""; const b = new Uint8Array(buf);
			for (let i = 0; i < b.length; i += 0x8000) s += String.fromCharCode.apply(null, b.subarray(i, i + 0x8000));
			return btoa(s); })`
	runStep(t, ctx, "download "+path, chromedp.Evaluate(js, &b64, func(p *runtime.EvaluateParams) *runtime.EvaluateParams {
		return p.WithAwaitPromise(true)
	}))
	b, err := base64.StdEncoding.DecodeString(b64)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// unzip reads every file of a ZIP into memory (a small package).
func unzip(t *testing.T, b []byte) map[string][]byte {
	t.Helper()
	zr, err := zip.NewReader(bytes.NewReader(b), int64(len(b)))
	if err != nil {
		t.Fatalf("the download is not a ZIP: %v", err)
	}
	files := map[string][]byte{}
	for _, f := range zr.File {
		rc, err := f.Open()
		if err != nil {
			t.Fatal(err)
		}
		files[f.Name], err = io.ReadAll(rc)
		rc.Close()
		if err != nil {
			t.Fatal(err)
		}
	}
	return files
}
