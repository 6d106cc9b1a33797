package e2e

import (
	"fmt"
	"strconv"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"

	"github.com/weerbaar/weerbaar/internal/apptest"
	"github.com/weerbaar/weerbaar/internal/demo"
)

// TestOfficerAddsAContactToTheResponsePlan: the officer goes from the
// incident register to the response plan, fills a spare contact row (the
// legal counsel) and saves; the plan keeps the contact and its approval by
// the board now reads verouderd. The plan page passes axe-core before and
// after.
func TestOfficerAddsAContactToTheResponsePlan(t *testing.T) {
	a := apptest.Start(t, apptest.Options{PlainHTTP: true})
	id := a.SeedDemo(t)
	base := a.URL("/e/" + strconv.FormatInt(id, 10))
	ctx := newBrowser(t)
	var standing string
	runStep(t, ctx, "sign in and open the response plan from the register",
		chromedp.Navigate(a.URL("/login")),
		login(demo.Accounts[1].Email, demo.Password),
		chromedp.WaitVisible(`nav.sidenav`, chromedp.ByQuery),
		chromedp.Navigate(base+"/incidents"),
		chromedp.Click(`nav.subnav a[href$="/incidents/plan"]`, chromedp.ByQuery),
		chromedp.WaitVisible(`[data-testid="plan-form"]`, chromedp.ByQuery),
		chromedp.AttributeValue(`[data-approval]`, "data-approval", &standing, nil, chromedp.ByQuery),
	)
	if standing != "approved" {
		t.Errorf("demo plan standing: %q, want approved", standing)
	}
	if vs := runAxe(ctx, t); len(vs) > 0 {
		t.Errorf("response plan page: axe-core found serious or critical violations:%s", describeViolations(vs))
	}
	var spare int
	runStep(t, ctx, "find a spare contact row",
		chromedp.Evaluate(`Math.max(...Array.from(document.querySelectorAll('fieldset[data-contact]')).map(f => +f.dataset.contact))`, &spare))
	field := func(name string) string { return fmt.Sprintf("#f-contact-%d-%s", spare, name) }
	runStep(t, ctx, "fill the legal counsel and save",
		chromedp.SetValue(field("role"), "legal", chromedp.ByQuery),
		chromedp.SendKeys(field("name"), "Mr. A. Bos", chromedp.ByQuery),
		chromedp.SendKeys(field("organisation"), "Advocatenkantoor Demo", chromedp.ByQuery),
		chromedp.SendKeys(field("email"), "a.bos@demo.weerbaar.test", chromedp.ByQuery),
		chromedp.SendKeys(field("availability"), "Kantooruren", chromedp.ByQuery),
		chromedp.Submit(field("name"), chromedp.ByQuery),
		chromedp.WaitVisible(`.alert-success`, chromedp.ByQuery),
		chromedp.AttributeValue(`[data-approval]`, "data-approval", &standing, nil, chromedp.ByQuery),
	)
	failOnFieldError(t, ctx, "save plan")
	var names string
	runStep(t, ctx, "read the saved contacts",
		chromedp.Evaluate(`Array.from(document.querySelectorAll('fieldset[data-contact] input[name$="-name"]')).map(i => i.value).join("|")`, &names))
	if !strings.Contains(names, "Mr. A. Bos") || !strings.Contains(names, "J. de Vries") {
		t.Errorf("saved contacts: %q", names)
	}
	if standing != "outdated" {
		t.Errorf("standing after the change: %q, want outdated (verouderd)", standing)
	}
	if vs := runAxe(ctx, t); len(vs) > 0 {
		t.Errorf("response plan page after saving: axe-core found serious or critical violations:%s", describeViolations(vs))
	}
	// The playbook, its editor, the exercises and an exercise pass axe-core too.
	for _, page := range []struct{ path, ready string }{
		{"/incidents/playbooks/ransomware", `[data-section="contain"]`},
		{"/incidents/playbooks/ransomware/edit", `[data-testid="playbook-form"]`},
		{"/incidents/exercises", `tr[data-exercise]`},
	} {
		runStep(t, ctx, "open "+page.path, chromedp.Navigate(base+page.path), chromedp.WaitVisible(page.ready, chromedp.ByQuery))
		if vs := runAxe(ctx, t); len(vs) > 0 {
			t.Errorf("%s: axe-core found serious or critical violations:%s", page.path, describeViolations(vs))
		}
	}
	runStep(t, ctx, "open the demo exercise",
		chromedp.Click(`tr[data-exercise] a`, chromedp.ByQuery),
		chromedp.WaitVisible(`[data-testid="exercise-action-form"]`, chromedp.ByQuery))
	if vs := runAxe(ctx, t); len(vs) > 0 {
		t.Errorf("exercise page: axe-core found serious or critical violations:%s", describeViolations(vs))
	}
}
