package e2e

import (
	"strconv"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"

	"github.com/weerbaar/weerbaar/internal/apptest"
	"github.com/weerbaar/weerbaar/internal/demo"
	"github.com/weerbaar/weerbaar/internal/measure/catalogue"
)

// TestOfficerTicksOffAnnexPoints: the officer opens requirement 6.7, marks
// the IPv6 plan (6.7.2(j)) as done with the point's small form, and sees it
// counted on the requirement page and in the Statement of Applicability;
// the page says the Annex is guidance for the demo drinking-water company.
func TestOfficerTicksOffAnnexPoints(t *testing.T) {
	t.Parallel()
	a := apptest.Start(t, apptest.Options{PlainHTTP: true})
	id := a.SeedDemo(t)
	base := a.URL("/e/" + strconv.FormatInt(id, 10))
	req, _ := catalogue.Latest().Requirement("6.7")
	ctx := newBrowser(t)

	point := `li[data-point="6.7.2(j)"]`
	var regulation, count, state, soa string
	err := chromedp.Run(ctx,
		chromedp.Navigate(a.URL("/login")),
		login(demo.Accounts[1].Email, demo.Password),
		chromedp.WaitVisible(`nav.sidenav`, chromedp.ByQuery), // signed in: the login page has a main too
		chromedp.Navigate(base+"/requirements/6.7"),
		chromedp.AttributeValue(`[data-testid="regulation-binding"]`, "data-regulation", &regulation, nil, chromedp.ByQuery),
		chromedp.SetValue(point+` select[name="state"]`, "done", chromedp.ByQuery),
		chromedp.Submit(point+` select[name="state"]`, chromedp.ByQuery),
		chromedp.WaitVisible(`.alert-success`, chromedp.ByQuery),
		chromedp.AttributeValue(point, "data-state", &state, nil, chromedp.ByQuery),
		chromedp.Text(`[data-testid="points-count"]`, &count, chromedp.ByQuery),
		chromedp.Navigate(base+"/soa"),
		chromedp.Text(`td[data-points="6.7"]`, &soa, chromedp.ByQuery),
	)
	if err != nil {
		saveScreenshot(t, ctx)
		t.Fatal(err)
	}
	if regulation != "guidance" {
		t.Errorf("demo drinking-water company: regulation %q, want guidance", regulation)
	}
	if state != "done" || !strings.Contains(count, tr(t, "points.count", 1, len(req.Points))) {
		t.Errorf("after saving: state %q, count %q", state, count)
	}
	if strings.TrimSpace(soa) != tr(t, "points.count.short", 1, len(req.Points)) {
		t.Errorf("SoA points cell %q", soa)
	}
}
