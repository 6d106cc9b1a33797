package e2e

import (
	"testing"

	"github.com/chromedp/chromedp"

	"github.com/weerbaar/weerbaar/internal/apptest"
)

// TestAxeOnScopeWizardSteps runs axe-core on the public wizard's later
// steps: the size step with field errors in the partner rows and the
// previous year, the special cases with the exclusions, and a result with an
// open point (public control).
func TestAxeOnScopeWizardSteps(t *testing.T) {
	a := apptest.Start(t, apptest.Options{PlainHTTP: true})
	ctx := newBrowser(t)
	for _, tc := range []struct{ name, url, wait string }{
		{"size step with errors", "/zelfevaluatie?step=3&subsector=drinking_water&employees=40&turnover=1&balance=1&prev_employees=3&other1_share=150&other1_employees=1&other1_turnover=1&other1_balance=1", `#f-other1_share-error`},
		{"special cases", "/zelfevaluatie?step=3&subsector=digital.cloud&employees=300&turnover=1&balance=1", `#f-exclusion`},
		{"result with an open point", "/zelfevaluatie?step=4&subsector=drinking_water&employees=60&turnover=1&balance=1&public_control=true&dora=true&exclusion=", `[data-testid="open-note"]`},
	} {
		runStep(t, ctx, "open "+tc.name, chromedp.Navigate(a.URL(tc.url)), chromedp.WaitVisible(tc.wait, chromedp.ByQuery))
		if vs := runAxe(ctx, t); len(vs) > 0 {
			t.Errorf("%s: axe-core found serious or critical violations:%s", tc.name, describeViolations(vs))
		}
	}
}
