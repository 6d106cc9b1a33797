package e2e

import (
	"context"
	"fmt"
	"strconv"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"

	"github.com/weerbaar/weerbaar/internal/apptest"
	"github.com/weerbaar/weerbaar/internal/demo"
)

// TestOfficerTreatsARiskScenario: from the draft analysis the officer opens
// the OT ransomware scenario (step 2), goes to its resilience page, adds
// patch management as a strong control (step 3), decides to mitigate (step
// 4) and ends on the analysis with the residual heat map beside the
// inherent one. The resilience page and the analysis pass axe-core.
func TestOfficerTreatsARiskScenario(t *testing.T) {
	a := apptest.Start(t, apptest.Options{PlainHTTP: true})
	id := a.SeedDemo(t)
	base := a.URL("/e/" + strconv.FormatInt(id, 10))
	var draft, scID int64
	if err := a.Pool.QueryRow(context.Background(), `SELECT max(analysis_id), max(id) FILTER (WHERE threat_code = 'ransomware')
		FROM risk_scenarios WHERE entity_id = $1 AND analysis_id = (SELECT max(id) FROM risk_analyses WHERE entity_id = $1)`, id).Scan(&draft, &scID); err != nil {
		t.Fatal(err)
	}
	ctx := newBrowser(t)
	var residual, stepper, heat string
	runStep(t, ctx, "sign in and open the ransomware scenario",
		chromedp.Navigate(a.URL("/login")),
		login(demo.Accounts[1].Email, demo.Password),
		chromedp.WaitVisible(`nav.sidenav`, chromedp.ByQuery),
		chromedp.Navigate(fmt.Sprintf("%s/risks/%d/scenarios?likelihood=4&impact=5", base, draft)),
		chromedp.Click(fmt.Sprintf(`tr[data-scenario="%d"] td a`, scID), chromedp.ByQuery),
		chromedp.Click(`a[data-resilience]`, chromedp.ByQuery),
		chromedp.WaitVisible(`#f-control_2`, chromedp.ByQuery),
	)
	if vs := runAxe(ctx, t); len(vs) > 0 {
		t.Errorf("resilience page: axe-core found serious or critical violations:%s", describeViolations(vs))
	}
	runStep(t, ctx, "add a control and decide the treatment",
		chromedp.SetValue(`#f-control_2`, "6.6", chromedp.ByQuery),
		chromedp.SetValue(`#f-control_2_eff`, "3", chromedp.ByQuery),
		chromedp.SetValue(`#f-control_2_reduces`, "likelihood", chromedp.ByQuery),
		chromedp.Submit(`#f-control_2`, chromedp.ByQuery),
		chromedp.WaitVisible(`.alert-success`, chromedp.ByQuery),
		chromedp.AttributeValue(`[data-residual]`, "data-residual", &residual, nil, chromedp.ByQuery),
		chromedp.SetValue(`#f-treatment`, "mitigate", chromedp.ByQuery),
		chromedp.SetValue(`#f-justification`, "Patchen van OT-systemen in onderhoudsvensters", chromedp.ByQuery),
		chromedp.Submit(`#f-justification`, chromedp.ByQuery),
		chromedp.WaitVisible(`.alert-success`, chromedp.ByQuery),
		chromedp.Click(`.breadcrumb a[href$="/risks/`+strconv.FormatInt(draft, 10)+`"]`, chromedp.ByQuery),
		chromedp.WaitVisible(`[data-heat="residual"] svg`, chromedp.ByQuery),
		chromedp.Text(`nav .stepper`, &stepper, chromedp.ByQuery),
		chromedp.Text(`[data-heat="residual"] h3`, &heat, chromedp.ByQuery),
	)
	if residual != "low" {
		t.Errorf("residual after a strong patching control: %q, want low", residual)
	}
	if strings.Contains(stepper, tr(t, "risk.step.later")) || !strings.Contains(stepper, tr(t, "risk.step.treatment")) {
		t.Errorf("stepper: %q", stepper)
	}
	if !strings.Contains(heat, tr(t, "risk.heatmap.residual")) {
		t.Errorf("residual heat map heading: %q", heat)
	}
	if vs := runAxe(ctx, t); len(vs) > 0 {
		t.Errorf("analysis page: axe-core found serious or critical violations:%s", describeViolations(vs))
	}
	saveScreenshot(t, ctx)
}
