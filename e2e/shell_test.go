package e2e

import (
	"strings"
	"testing"

	"github.com/chromedp/chromedp"

	"github.com/weerbaar/weerbaar/internal/apptest"
	"github.com/weerbaar/weerbaar/internal/demo"
)

// TestShellLanguageSwitch opens the app, goes to the demo entity, switches to
// English and back, and checks the navigation each time.
func TestShellLanguageSwitch(t *testing.T) {
	a := apptest.Start(t, apptest.Options{PlainHTTP: true})
	a.SeedDemo(t)
	ctx := newBrowser(t)

	var nav, heading, lang string
	err := chromedp.Run(ctx,
		chromedp.Navigate(a.URL("/")),
		login(demo.Accounts[3].Email, demo.Password), // the auditor sees every read-only module,
		chromedp.WaitVisible(`nav.sidenav`, chromedp.ByQuery),
		chromedp.Text(`nav.sidenav`, &nav, chromedp.ByQuery),
		chromedp.Text(`main h1`, &heading, chromedp.ByQuery),
	)
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"nav.dashboard", "nav.scope", "nav.measures", "nav.risks", "nav.board", "nav.incidents", "nav.audit"} {
		if !strings.Contains(nav, tr(t, want)) {
			t.Errorf("Dutch navigation lacks %q: %q", tr(t, want), nav)
		}
	}

	err = chromedp.Run(ctx,
		chromedp.Click(`.lang-switch button[value="en"]`, chromedp.ByQuery),
		chromedp.WaitVisible(`.lang-switch button[value="en"][aria-pressed="true"]`, chromedp.ByQuery),
		chromedp.Text(`nav.sidenav`, &nav, chromedp.ByQuery),
		chromedp.AttributeValue(`html`, "lang", &lang, nil, chromedp.ByQuery),
	)
	if err != nil {
		t.Fatal(err)
	}
	if lang != "en" || !strings.Contains(nav, trEN(t, "nav.measures")) || !strings.Contains(nav, trEN(t, "nav.risks")) || strings.Contains(nav, tr(t, "nav.measures")) {
		t.Fatalf("after switching to English: lang=%q nav=%q", lang, nav)
	}

	err = chromedp.Run(ctx,
		chromedp.Click(`nav.sidenav a[href$="/risks"]`, chromedp.ByQuery),
		chromedp.WaitVisible(`nav.sidenav a[aria-current="page"][href$="/risks"]`, chromedp.ByQuery),
		chromedp.Click(`.lang-switch button[value="nl"]`, chromedp.ByQuery),
		chromedp.WaitVisible(`.lang-switch button[value="nl"][aria-pressed="true"]`, chromedp.ByQuery),
		chromedp.Text(`main`, &heading, chromedp.ByQuery),
		chromedp.Text(`nav.sidenav`, &nav, chromedp.ByQuery),
	)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(nav, tr(t, "nav.measures")) || !strings.Contains(heading, tr(t, "risk.cycles")) {
		t.Fatalf("back in Dutch on the risk analysis page: nav=%q main=%q", nav, heading)
	}
}
