package e2e

import (
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"

	"github.com/weerbaar/weerbaar/internal/apptest"
	"github.com/weerbaar/weerbaar/internal/demo"
)

// TestOfficerImplementsARequirement: the officer opens measure d, sets
// requirement 5.1 to implemented at maturity 5 with an uploaded PDF, and
// sees the dashboard bar of measure d rise.
func TestOfficerImplementsARequirement(t *testing.T) {
	a := apptest.Start(t, apptest.Options{PlainHTTP: true})
	id := a.SeedDemo(t)
	base := a.URL("/e/" + strconv.FormatInt(id, 10))
	pdf := filepath.Join(t.TempDir(), "Leveranciersbeleid.pdf")
	if err := os.WriteFile(pdf, demo.MinimalPDF("Leveranciersbeleid"), 0o644); err != nil {
		t.Fatal(err)
	}
	ctx := newBrowser(t)

	var before, after, files, status string
	bar := `svg.maturity-chart rect[data-measure="d"]`
	err := chromedp.Run(ctx,
		chromedp.Navigate(a.URL("/login")),
		login(demo.Accounts[1].Email, demo.Password),
		chromedp.WaitVisible(bar, chromedp.ByQuery),
		chromedp.AttributeValue(bar, "data-current", &before, nil, chromedp.ByQuery),
		chromedp.Navigate(base+"/measures/d"),
		chromedp.Click(`a[href$="/requirements/5.1"]`, chromedp.ByQuery),
		chromedp.WaitVisible(`#f-status`, chromedp.ByQuery),
		chromedp.SetValue(`#f-status`, "implemented", chromedp.ByQuery),
		chromedp.SetValue(`#f-maturity`, "5", chromedp.ByQuery),
		chromedp.Submit(`#f-status`, chromedp.ByQuery),
		chromedp.WaitVisible(`.alert-success`, chromedp.ByQuery),
		chromedp.SetUploadFiles(`#f-file`, []string{pdf}, chromedp.ByQuery),
		chromedp.Submit(`#f-file`, chromedp.ByQuery),
		chromedp.WaitVisible(`.evidence-item`, chromedp.ByQuery),
		chromedp.Text(`.evidence-list`, &files, chromedp.ByQuery),
		chromedp.Navigate(base+"/soa?measure=d"),
		chromedp.Text(`main table`, &status, chromedp.ByQuery),
		chromedp.Navigate(base+"/"),
		chromedp.WaitVisible(bar, chromedp.ByQuery),
		chromedp.AttributeValue(bar, "data-current", &after, nil, chromedp.ByQuery),
	)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(files, "Leveranciersbeleid.pdf") {
		t.Errorf("uploaded file not listed: %q", files)
	}
	if !strings.Contains(status, tr(t, "status.implemented")) {
		t.Errorf("SoA does not show 5.1 implemented: %q", status)
	}
	b, _ := strconv.ParseFloat(before, 64)
	x, _ := strconv.ParseFloat(after, 64)
	if x <= b {
		t.Fatalf("bar of measure d did not rise: before %s, after %s", before, after)
	}
}
