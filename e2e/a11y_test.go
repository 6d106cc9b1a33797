package e2e

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"

	"github.com/chromedp/cdproto/runtime"
	"github.com/chromedp/chromedp"

	"github.com/weerbaar/weerbaar/internal/apptest"
	"github.com/weerbaar/weerbaar/internal/demo"
)

// axe-core is vendored unchanged from its npm package (see
// testdata/axe-core/VERSION); the tests inject it into each page. It is
// never served by the app.
var (
	axeOnce   sync.Once
	axeSource string
	axeErr    error
)

func axeScript(t *testing.T) string {
	t.Helper()
	axeOnce.Do(func() {
		var b []byte
		b, axeErr = os.ReadFile(filepath.Join("testdata", "axe-core", "axe.min.js"))
		axeSource = string(b)
	})
	if axeErr != nil {
		t.Fatalf("read vendored axe-core: %v", axeErr)
	}
	return axeSource
}

// axeViolation is what a failure message needs of an axe result.
type axeViolation struct {
	ID     string `json:"id"`
	Impact string `json:"impact"`
	Help   string `json:"help"`
	Nodes  []struct {
		Target []any  `json:"target"`
		HTML   string `json:"html"`
	} `json:"nodes"`
}

// runAxe injects axe-core into the current page and returns its serious and
// critical violations (WCAG 2.0/2.1 A and AA rules plus best practices).
func runAxe(ctx context.Context, t *testing.T) []axeViolation {
	t.Helper()
	var loaded bool
	if err := chromedp.Run(ctx, chromedp.Evaluate(`typeof window.axe === "object"`, &loaded)); err != nil {
		t.Fatalf("check axe: %v", err)
	}
	if !loaded {
		if err := chromedp.Run(ctx, chromedp.Evaluate(axeScript(t)+";true", &loaded)); err != nil {
			t.Fatalf("inject axe-core: %v", err)
		}
	}
	var raw string
	err := chromedp.Run(ctx, chromedp.Evaluate(`axe.run(document, {resultTypes: ["violations"]}).then(r => JSON.stringify(
		r.violations.filter(v => v.impact === "serious" || v.impact === "critical")))`, &raw,
		func(p *runtime.EvaluateParams) *runtime.EvaluateParams { return p.WithAwaitPromise(true) }))
	if err != nil {
		t.Fatalf("run axe-core: %v", err)
	}
	var out []axeViolation
	if err := json.Unmarshal([]byte(raw), &out); err != nil {
		t.Fatalf("axe result: %v", err)
	}
	return out
}

// describeViolations makes axe's findings readable in a test failure: the
// rule, its impact and help text, and up to five offending elements.
func describeViolations(vs []axeViolation) string {
	var b strings.Builder
	for _, v := range vs {
		fmt.Fprintf(&b, "\n  [%s] %s: %s (%d elements)", v.Impact, v.ID, v.Help, len(v.Nodes))
		for i, n := range v.Nodes {
			if i == 5 {
				b.WriteString("\n      …")
				break
			}
			fmt.Fprintf(&b, "\n      %v  %s", n.Target, truncate(n.HTML, 140))
		}
	}
	return b.String()
}

func truncate(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return s[:n] + "…"
}

// mainPages are the pages every role opens; a role without access sees the
// 403 page there, which must be accessible too.
func mainPages(base string) []string {
	return []string{
		base + "/", base + "/scope", base + "/scope/wizard", base + "/registration/edit", base + "/measures",
		base + "/measures/d", base + "/requirements/5.1", base + "/soa", base + "/proportionality", base + "/audit",
		base + "/users", "/account", base + "/board", base + "/board/training", base + "/risks/method",
		base + "/board/requests", base + "/board/reports", base + "/incidents", base + "/evidence",
	}
}

// TestAxeOnEveryMainPage runs axe-core on the login page and on every main
// page as each role, in Dutch, and fails on any serious or critical
// violation, naming the rule and the elements.
func TestAxeOnEveryMainPage(t *testing.T) {
	a := apptest.Start(t, apptest.Options{PlainHTTP: true})
	id := a.SeedDemo(t)
	base := "/e/" + strconv.FormatInt(id, 10)
	ctx := newBrowser(t)

	// The check itself works: a page with an image without alt text fails.
	runStep(t, ctx, "open a page with a known violation", chromedp.Navigate(`data:text/html,<!doctype html><html lang="en"><title>x</title><main><img src="x.png"></main></html>`))
	if vs := runAxe(ctx, t); !strings.Contains(describeViolations(vs), "image-alt") {
		t.Fatalf("axe-core did not report a missing alt text: %s", describeViolations(vs))
	}

	runStep(t, ctx, "open the login page", chromedp.Navigate(a.URL("/login")), chromedp.WaitVisible(`#f-email`, chromedp.ByQuery))
	if vs := runAxe(ctx, t); len(vs) > 0 {
		t.Errorf("/login: axe-core found serious or critical violations:%s", describeViolations(vs))
	}
	// One browser per role, each with its own time limit, so the number of
	// pages can grow without one deadline covering them all.
	for _, acc := range demo.Accounts {
		t.Run(string(acc.Role), func(t *testing.T) {
			ctx := newBrowser(t)
			runStep(t, ctx, "sign in as "+string(acc.Role),
				chromedp.Navigate(a.URL("/login")),
				login(acc.Email, demo.Password),
				chromedp.WaitVisible(`nav.sidenav`, chromedp.ByQuery),
			)
			for _, path := range mainPages(base) {
				runStep(t, ctx, string(acc.Role)+" opens "+path, chromedp.Navigate(a.URL(path)), chromedp.WaitReady(`main`, chromedp.ByQuery))
				if vs := runAxe(ctx, t); len(vs) > 0 {
					t.Errorf("%s as %s: axe-core found serious or critical violations:%s", path, acc.Role, describeViolations(vs))
				}
			}
		})
	}
}

// TestWideTablesStayInTheirCard opens the widest pages at a laptop (1366 px)
// and a phone (390 px) width: the page itself never scrolls sideways (wide
// tables scroll inside their card, or stack into rows on the phone). A
// screenshot of each is kept in the test's artifact directory.
func TestWideTablesStayInTheirCard(t *testing.T) {
	a := apptest.Start(t, apptest.Options{PlainHTTP: true})
	id := a.SeedDemo(t)
	base := "/e/" + strconv.FormatInt(id, 10)
	ctx := newBrowser(t)
	runStep(t, ctx, "sign in as the admin",
		chromedp.Navigate(a.URL("/login")), login(demo.Accounts[0].Email, demo.Password),
		chromedp.WaitVisible(`nav.sidenav`, chromedp.ByQuery))
	pages := map[string]string{"soa": base + "/soa", "users": base + "/users", "audit": base + "/audit",
		"measure": base + "/measures/d", "proportionality": base + "/proportionality", "dashboard": base + "/"}
	for _, width := range []int64{1366, 390} {
		for name, path := range pages {
			var scrollW, innerW int64
			var shot []byte
			runStep(t, ctx, fmt.Sprintf("%s at %d px", name, width),
				chromedp.EmulateViewport(width, 900),
				chromedp.Navigate(a.URL(path)),
				chromedp.WaitReady(`main`, chromedp.ByQuery),
				chromedp.Evaluate(`document.documentElement.scrollWidth`, &scrollW),
				chromedp.Evaluate(`window.innerWidth`, &innerW),
				chromedp.FullScreenshot(&shot, 100), // quality 100 = PNG
			)
			file := filepath.Join(t.ArtifactDir(), fmt.Sprintf("%s-%d.png", name, width))
			if err := os.WriteFile(file, shot, 0o644); err != nil {
				t.Logf("save screenshot: %v", err)
			}
			if scrollW > innerW {
				t.Errorf("%s at %d px: the page is %d px wide (viewport %d); screenshot %s", name, width, scrollW, innerW, file)
			}
		}
	}
	// The scroll regions are named and reachable by keyboard.
	var regions []map[string]string
	runStep(t, ctx, "read the table regions",
		chromedp.EmulateViewport(1366, 900),
		chromedp.Navigate(a.URL(base+"/soa")),
		chromedp.Evaluate(`Array.from(document.querySelectorAll("table")).map(t => { const r = t.closest(".table-scroll");
			return {role: r ? r.getAttribute("role") : "", tabindex: r ? r.getAttribute("tabindex") : "",
				name: r ? (document.getElementById(r.getAttribute("aria-labelledby")) || {}).textContent || "" : ""}; })`, &regions))
	if len(regions) == 0 {
		t.Fatal("no table on the SoA")
	}
	for _, r := range regions {
		if r["role"] != "region" || r["tabindex"] != "0" || strings.TrimSpace(r["name"]) == "" {
			t.Errorf("table not in a named, focusable region: %v", r)
		}
	}
}
