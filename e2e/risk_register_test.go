package e2e

import (
	"context"
	"fmt"
	"strconv"
	"testing"

	"github.com/chromedp/chromedp"

	"github.com/weerbaar/weerbaar/internal/apptest"
	"github.com/weerbaar/weerbaar/internal/demo"
)

// TestAxeOnRiskRegisterCompareAndReviewWarning runs axe-core on the risk
// register (filtered and on a later page), the comparison of the demo's two
// cycles and the dashboard with its risk review warning, as the security
// officer, and fails on any serious or critical violation.
func TestAxeOnRiskRegisterCompareAndReviewWarning(t *testing.T) {
	a := apptest.Start(t, apptest.Options{PlainHTTP: true})
	id := a.SeedDemo(t)
	base := "/e/" + strconv.FormatInt(id, 10)
	var adopted, draft int64
	if err := a.Pool.QueryRow(context.Background(), `SELECT min(id), max(id) FROM risk_analyses WHERE entity_id = $1`, id).Scan(&adopted, &draft); err != nil {
		t.Fatal(err)
	}
	if _, err := a.Pool.Exec(context.Background(), `UPDATE risk_analyses SET review_date = current_date - 1 WHERE id = $1`, adopted); err != nil {
		t.Fatal(err)
	}
	var officer demo.Account
	for _, acc := range demo.Accounts {
		if acc.Role == "security_officer" {
			officer = acc
		}
	}
	ctx := newBrowser(t)
	runStep(t, ctx, "sign in as the officer", chromedp.Navigate(a.URL("/login")), login(officer.Email, demo.Password),
		chromedp.WaitVisible(`nav.sidenav`, chromedp.ByQuery))
	for _, path := range []string{
		fmt.Sprintf("%s/risks/%d/register", base, draft),
		fmt.Sprintf("%s/risks/%d/register?level=4&sort=-likelihood", base, draft),
		fmt.Sprintf("%s/risks/%d/register?sort=nope", base, draft),
		fmt.Sprintf("%s/risks/compare?from=%d&to=%d", base, adopted, draft),
		base + "/",
	} {
		runStep(t, ctx, "open "+path, chromedp.Navigate(a.URL(path)), chromedp.WaitReady(`main`, chromedp.ByQuery))
		if vs := runAxe(ctx, t); len(vs) > 0 {
			t.Errorf("%s: axe-core found serious or critical violations:%s", path, describeViolations(vs))
		}
	}
	var warning bool
	runStep(t, ctx, "see the review warning", chromedp.Evaluate(`document.querySelector('[data-testid="risk-review"]') !== null`, &warning))
	if !warning {
		t.Errorf("the dashboard shows no risk review warning")
	}
}
