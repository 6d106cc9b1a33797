package e2e

import (
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/weerbaar/weerbaar/internal/apptest"
	"github.com/weerbaar/weerbaar/internal/demo"
)

// TestOfficerReportsASignificantIncident: the officer registers an incident
// from the register, marks it significant with the checklist (considerable
// operational disruption), sees the early warning counting down from 24
// hours, records the early warning as submitted to the recipients with the
// portal's reference, and the page shows it submitted. The incident page
// passes axe-core.
func TestOfficerReportsASignificantIncident(t *testing.T) {
	a := apptest.Start(t, apptest.Options{PlainHTTP: true})
	id := a.SeedDemo(t)
	base := a.URL("/e/" + strconv.FormatInt(id, 10))
	ctx := newBrowser(t)
	runStep(t, ctx, "sign in and register an incident",
		chromedp.Navigate(a.URL("/login")),
		login(demo.Accounts[1].Email, demo.Password),
		chromedp.WaitVisible(`nav.sidenav`, chromedp.ByQuery),
		chromedp.Navigate(base+"/incidents"),
		chromedp.Click(`[data-testid="incident-new"]`, chromedp.ByQuery),
		chromedp.WaitVisible(`#f-title`, chromedp.ByQuery),
		chromedp.SendKeys(`#f-title`, "Storing telemetrie pompstations", chromedp.ByQuery),
		chromedp.SetValue(`#f-category`, "outage", chromedp.ByQuery),
		chromedp.Submit(`#f-title`, chromedp.ByQuery),
		chromedp.WaitVisible(`[data-testid="significance-form"]`, chromedp.ByQuery),
	)
	failOnFieldError(t, ctx, "register")
	var outcome string
	runStep(t, ctx, "mark it significant",
		chromedp.SetValue(`#f-operational_disruption`, "yes", chromedp.ByQuery),
		chromedp.SetValue(`#f-malicious_access`, "no", chromedp.ByQuery),
		chromedp.Submit(`#f-loss_eur`, chromedp.ByQuery),
		chromedp.WaitVisible(`[data-testid="clock"]`, chromedp.ByQuery),
		chromedp.AttributeValue(`[data-testid="incident-significance"]`, "data-outcome", &outcome, nil, chromedp.ByQuery),
	)
	failOnFieldError(t, ctx, "significance")
	if outcome != "significant" {
		t.Fatalf("outcome after considerable disruption: %q, want significant", outcome)
	}
	var countdown string
	runStep(t, ctx, "read the early warning's countdown",
		chromedp.Text(`tr[data-stage="early_warning"] [data-testid="countdown"]`, &countdown, chromedp.ByQuery),
	)
	if !strings.Contains(countdown, tr(t, "incident.countdown.left", tr(t, "incident.duration.hm", 23, 59))) &&
		!strings.Contains(countdown, tr(t, "incident.countdown.left", tr(t, "incident.duration.hm", 23, 58))) {
		t.Errorf("early warning countdown: %q, want about 24 hours left", countdown)
	}
	if vs := runAxe(ctx, t); len(vs) > 0 {
		t.Errorf("incident page with its clock: axe-core found serious or critical violations:%s", describeViolations(vs))
	}
	// With JavaScript the countdown keeps itself current: move the due time
	// into the past in the page and wait for the script's next tick to say
	// it is overdue, mark included (no reload).
	var live string
	runStep(t, ctx, "the countdown updates without a reload",
		chromedp.Evaluate(`document.querySelector('tr[data-stage="early_warning"] [data-testid="countdown"]').dataset.due =
			new Date(Date.now() - 2*3600*1000 - 5*60*1000).toISOString()`, nil),
		chromedp.Poll(`(() => { const el = document.querySelector('tr[data-stage="early_warning"] [data-testid="countdown"]');
			return el.dataset.overdue === "true" && !el.querySelector("[data-overdue-mark]").hidden; })()`, nil,
			chromedp.WithPollingTimeout(20*time.Second)),
		chromedp.Text(`tr[data-stage="early_warning"] [data-testid="countdown"] [data-countdown-text]`, &live, chromedp.ByQuery),
	)
	if want := tr(t, "incident.countdown.overdue", tr(t, "incident.duration.hm", 2, 5)); live != want {
		t.Errorf("live countdown after the due time moved 2 h 5 min into the past: %q, want %q", live, want)
	}
	runStep(t, ctx, "reload the incident page", chromedp.Reload(), chromedp.WaitVisible(`tr[data-stage="early_warning"]`, chromedp.ByQuery))
	form := `form[data-testid="submit-early_warning"]`
	var submitted, to string
	runStep(t, ctx, "record the early warning as submitted",
		chromedp.Click(`tr[data-stage="early_warning"] details > summary`, chromedp.ByQuery),
		chromedp.WaitVisible(form+` input[name="proof_ref"]`, chromedp.ByQuery),
		chromedp.Click(form+` input[name="recipients"]`, chromedp.ByQuery),
		chromedp.SendKeys(form+` input[name="proof_ref"]`, "NCSC-2026-0777", chromedp.ByQuery),
		chromedp.SendKeys(form+` textarea[name="summary"]`, "Vermoedelijk geen kwaadwillige oorzaak; geen grensoverschrijdende gevolgen.", chromedp.ByQuery),
		chromedp.Submit(form+` input[name="proof_ref"]`, chromedp.ByQuery),
		chromedp.WaitVisible(`tr[data-stage="early_warning"] [data-testid="submitted"]`, chromedp.ByQuery),
		chromedp.Text(`tr[data-stage="early_warning"] [data-testid="submitted"]`, &submitted, chromedp.ByQuery),
		chromedp.Text(`tr[data-stage="early_warning"] td:last-child`, &to, chromedp.ByQuery),
	)
	failOnFieldError(t, ctx, "submit early warning")
	if submitted == "" || !strings.Contains(to, "NCSC-2026-0777") {
		t.Errorf("early warning not shown as submitted: %q / %q", submitted, to)
	}
	var notification int
	runStep(t, ctx, "the notification is still owed",
		chromedp.Evaluate(`document.querySelectorAll('tr[data-stage="notification"] [data-testid="countdown"]').length`, &notification),
	)
	if notification != 1 {
		t.Errorf("the notification should count down next")
	}
	if vs := runAxe(ctx, t); len(vs) > 0 {
		t.Errorf("incident page after the early warning: axe-core found serious or critical violations:%s", describeViolations(vs))
	}
}
