package e2e

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"

	"github.com/weerbaar/weerbaar/internal/apptest"
	"github.com/weerbaar/weerbaar/internal/demo"
)

// TestAuditorReviewsEvidenceInTheRegister: the auditor finds every piece of
// evidence in one register (from the dashboard), filters it, opens an item
// still to be reviewed and accepts it, without JavaScript being needed;
// axe-core finds no serious or critical violation on the register, the
// filtered register and the item page, and at phone width the register
// does not make the page scroll sideways.
func TestAuditorReviewsEvidenceInTheRegister(t *testing.T) {
	a := apptest.Start(t, apptest.Options{PlainHTTP: true})
	id := a.SeedDemo(t)
	base := "/e/" + strconv.FormatInt(id, 10)
	var item int64
	if err := a.Pool.QueryRow(context.Background(), `SELECT min(id) FROM evidence_items WHERE entity_id = $1
		AND review_state = 'to_review' AND deleted_at IS NULL`, id).Scan(&item); err != nil {
		t.Fatal(err)
	}
	ctx := newBrowser(t)
	runStep(t, ctx, "sign in as the auditor", chromedp.Navigate(a.URL("/login")), login(demo.Accounts[3].Email, demo.Password),
		chromedp.WaitVisible(`nav.sidenav`, chromedp.ByQuery))
	runStep(t, ctx, "open the register from the dashboard",
		chromedp.Click(`a[href="`+base+`/evidence"]`, chromedp.ByQuery),
		chromedp.WaitVisible(`tr[data-evidence]`, chromedp.ByQuery))
	if vs := runAxe(ctx, t); len(vs) > 0 {
		t.Errorf("register: axe-core found serious or critical violations:%s", describeViolations(vs))
	}
	var rows int
	runStep(t, ctx, "filter on rejected evidence",
		chromedp.SetValue(`#f-state`, "rejected", chromedp.ByQuery),
		// The unfiltered page's rows stay visible until the filtered page
		// replaces them, and counting during the switch saw none: mark this
		// page, and count on the first one without the mark.
		chromedp.Evaluate(`document.body.dataset.unfiltered = "1"`, nil),
		chromedp.Click(`form.filters button[type="submit"]`, chromedp.ByQuery),
		chromedp.WaitVisible(`body:not([data-unfiltered]) tr[data-evidence]`, chromedp.ByQuery),
		chromedp.Evaluate(`document.querySelectorAll("tr[data-evidence]").length`, &rows))
	if rows != 1 {
		t.Errorf("rejected evidence: %d rows, want the demo's one", rows)
	}
	if vs := runAxe(ctx, t); len(vs) > 0 {
		t.Errorf("filtered register: axe-core found serious or critical violations:%s", describeViolations(vs))
	}
	page := fmt.Sprintf("%s/evidence/%d", base, item)
	runStep(t, ctx, "open an item to review", chromedp.Navigate(a.URL(page)), chromedp.WaitVisible(`#review-h`, chromedp.ByQuery))
	if vs := runAxe(ctx, t); len(vs) > 0 {
		t.Errorf("item page: axe-core found serious or critical violations:%s", describeViolations(vs))
	}
	var state string
	runStep(t, ctx, "accept it",
		chromedp.Click(`input[name="state"][value="accepted"]`, chromedp.ByQuery),
		chromedp.Click(`form[action$="/review"] button[type="submit"]`, chromedp.ByQuery),
		chromedp.WaitVisible(`.alert-success`, chromedp.ByQuery),
		chromedp.AttributeValue(`dd [data-evidence-state]`, "data-evidence-state", &state, nil, chromedp.ByQuery))
	if state != "accepted" {
		t.Errorf("after accepting: state %q", state)
	}
	var scrollW, innerW int64
	var shot []byte
	runStep(t, ctx, "the register at phone width",
		chromedp.EmulateViewport(390, 900),
		chromedp.Navigate(a.URL(base+"/evidence")),
		chromedp.WaitReady(`main`, chromedp.ByQuery),
		chromedp.Evaluate(`document.documentElement.scrollWidth`, &scrollW),
		chromedp.Evaluate(`window.innerWidth`, &innerW),
		chromedp.FullScreenshot(&shot, 100))
	_ = os.WriteFile(filepath.Join(t.ArtifactDir(), "evidence-register-390.png"), shot, 0o644)
	if scrollW > innerW {
		t.Errorf("register at 390 px: the page is %d px wide", scrollW)
	}
	var body string
	runStep(t, ctx, "the register at laptop width",
		chromedp.EmulateViewport(1366, 900),
		chromedp.Navigate(a.URL(base+"/evidence")),
		chromedp.WaitReady(`main`, chromedp.ByQuery),
		chromedp.Evaluate(`document.documentElement.scrollWidth`, &scrollW),
		chromedp.Evaluate(`window.innerWidth`, &innerW),
		chromedp.FullScreenshot(&shot, 100),
		chromedp.Text(`main`, &body, chromedp.ByQuery))
	_ = os.WriteFile(filepath.Join(t.ArtifactDir(), "evidence-register-1366.png"), shot, 0o644)
	if scrollW > innerW {
		t.Errorf("register at 1366 px: the page is %d px wide", scrollW)
	}
	if !strings.Contains(body, tr(t, "evidence.register.title")) {
		t.Errorf("register heading missing")
	}
}
