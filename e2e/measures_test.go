package e2e

import (
	"context"
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

	var before, after, files, status, group, measureStatus string
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
		// The measure's page lists the requirement's evidence and derives
		// its status: 5.1 implemented, 5.2 still in progress.
		chromedp.Navigate(base+"/measures/d"),
		chromedp.Text(`[data-evidence-group="5.1"]`, &group, chromedp.ByQuery),
		chromedp.AttributeValue(`.measure-status`, "data-status", &measureStatus, nil, chromedp.ByQuery),
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
	if !strings.Contains(group, "Leveranciersbeleid.pdf") || measureStatus != "in_progress" {
		t.Errorf("measure d: evidence of 5.1 %q, status %q", group, measureStatus)
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

// TestBoardAdoptsALowerTarget: the officer records the state of the art, the
// cost and the management body's lower target for measure g; without a
// reason the form refuses it and keeps the input, with a reason the measure
// page shows the adopted target and the explanation names it.
func TestBoardAdoptsALowerTarget(t *testing.T) {
	a := apptest.Start(t, apptest.Options{PlainHTTP: true})
	id := a.SeedDemo(t)
	base := a.URL("/e/" + strconv.FormatInt(id, 10))
	ctx := newBrowser(t)

	var advice, lowerLevel, errText, kept, adopted, explanation string
	err := chromedp.Run(ctx,
		chromedp.Navigate(a.URL("/login")),
		login(demo.Accounts[1].Email, demo.Password),
		chromedp.WaitVisible(`svg.maturity-chart`, chromedp.ByQuery),
		chromedp.Navigate(base+"/measures/g"),
		chromedp.WaitVisible(`#f-state_of_art`, chromedp.ByQuery),
		chromedp.Text(`[data-testid="advice"]`, &advice, chromedp.ByQuery),
		// The first option after "follow the advice" that is below it.
		chromedp.Evaluate(`String(Number(document.querySelector('#f-adopted_target option[value=""]').textContent.match(/\d/)[0]) - 1)`, &lowerLevel),
		chromedp.SetValue(`#f-state_of_art`, "Bewustwordingsprogramma volgens de NCSC-handreiking.", chromedp.ByQuery),
		chromedp.SetValue(`#f-cost_level`, "high", chromedp.ByQuery),
		chromedp.ActionFunc(func(c context.Context) error {
			return chromedp.SetValue(`#f-adopted_target`, lowerLevel, chromedp.ByQuery).Do(c)
		}),
		chromedp.Submit(`#f-state_of_art`, chromedp.ByQuery),
		chromedp.WaitVisible(`#f-target_reason-error`, chromedp.ByQuery),
		chromedp.Text(`#f-target_reason-error`, &errText, chromedp.ByQuery),
		chromedp.Value(`#f-state_of_art`, &kept, chromedp.ByQuery),
		chromedp.SetValue(`#f-target_reason`, "Besluit van het bestuur: de kosten wegen niet op tegen het risico.", chromedp.ByQuery),
		chromedp.Submit(`#f-target_reason`, chromedp.ByQuery),
		chromedp.WaitVisible(`.alert-success`, chromedp.ByQuery),
		chromedp.Text(`[data-testid="adopted"]`, &adopted, chromedp.ByQuery),
		chromedp.Text(`.explain`, &explanation, chromedp.ByQuery),
	)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(errText, tr(t, "proportion.error.target_reason")) || kept != "Bewustwordingsprogramma volgens de NCSC-handreiking." {
		t.Errorf("refusal: error %q, kept %q", errText, kept)
	}
	lower, _ := strconv.Atoi(lowerLevel)
	if !strings.Contains(advice, tr(t, "measures.advice", lower+1)) {
		t.Errorf("advice %q", advice)
	}
	if !strings.Contains(adopted, tr(t, "measures.adopted", lower)) {
		t.Errorf("adopted target not shown: %q", adopted)
	}
	for _, want := range []string{"Bewustwordingsprogramma volgens de NCSC-handreiking.", tr(t, "cost.high"), "de kosten wegen niet op tegen het risico"} {
		if !strings.Contains(explanation, want) {
			t.Errorf("explanation lacks %q: %q", want, explanation)
		}
	}
}
