package server_test

import (
	"net/http"
	"net/url"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"github.com/go-chi/chi/v5"

	"github.com/weerbaar/weerbaar/internal/apptest"
	"github.com/weerbaar/weerbaar/internal/authz"
)

// startWithDemo runs the app with the demo entity and returns its id.
func startWithDemo(t *testing.T, opts apptest.Options) (*apptest.App, int64) {
	t.Helper()
	a := apptest.Start(t, opts)
	return a, a.SeedDemo(t)
}

var cspPattern = regexp.MustCompile(`^default-src 'self'; script-src 'self' 'nonce-([A-Za-z0-9_-]{20,})'; style-src 'self'; object-src 'none'; base-uri 'none'; frame-ancestors 'none'; form-action 'self'$`)

func TestSecurityHeadersOnEveryRoute(t *testing.T) {
	t.Parallel()
	a, entityID := startWithDemo(t, apptest.Options{})
	c := a.LoginDemo(t, authz.Admin)
	var paths []string
	err := chi.Walk(a.Server.Router(), func(method, route string, _ http.Handler, _ ...func(http.Handler) http.Handler) error {
		if method == http.MethodGet {
			p := strings.ReplaceAll(route, "{entityID}", strconv.FormatInt(entityID, 10))
			p = strings.ReplaceAll(p, "/*", "/css/app.css")
			p = strings.ReplaceAll(p, "{token}", "not-a-token")
			paths = append(paths, p)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	paths = append(paths, "/does-not-exist")
	if len(paths) < 10 {
		t.Fatalf("walked only %d GET routes: %v", len(paths), paths)
	}
	nonces := map[string]string{}
	for _, p := range paths {
		resp := c.Get(t, p)
		h := resp.Header
		m := cspPattern.FindStringSubmatch(h.Get("Content-Security-Policy"))
		if m == nil {
			t.Errorf("%s: CSP = %q", p, h.Get("Content-Security-Policy"))
			continue
		}
		if prev, dup := nonces[m[1]]; dup {
			t.Errorf("%s reuses the nonce of %s", p, prev)
		}
		nonces[m[1]] = p
		for name, want := range map[string]string{
			"X-Content-Type-Options":    "nosniff",
			"Referrer-Policy":           "same-origin",
			"Strict-Transport-Security": "max-age=63072000; includeSubDomains",
		} {
			if got := h.Get(name); got != want {
				t.Errorf("%s: %s = %q, want %q", p, name, got, want)
			}
		}
		if !strings.HasPrefix(p, "/static/") && h.Get("Cache-Control") != "no-store" {
			t.Errorf("%s: Cache-Control = %q, want no-store", p, h.Get("Cache-Control"))
		}
	}
}

func TestNoHSTSOverPlainHTTP(t *testing.T) {
	t.Parallel()
	a := apptest.Start(t, apptest.Options{PlainHTTP: true})
	resp := a.Client().Get(t, "/healthz")
	if resp.StatusCode != http.StatusOK || resp.Header.Get("Strict-Transport-Security") != "" {
		t.Fatalf("status %d, HSTS %q", resp.StatusCode, resp.Header.Get("Strict-Transport-Security"))
	}
}

func TestCrossOriginPostIsRefused(t *testing.T) {
	t.Parallel()
	a := apptest.Start(t, apptest.Options{})
	c := a.Client()
	req, _ := http.NewRequest(http.MethodPost, a.URL("/lang"), strings.NewReader("lang=en&next=/"))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header.Set("Origin", "https://evil.example")
	req.Header.Set("Sec-Fetch-Site", "cross-site")
	resp := c.Do(t, req)
	if resp.StatusCode != http.StatusForbidden {
		t.Fatalf("cross-origin POST: status %d, want 403", resp.StatusCode)
	}
	if len(resp.Cookies()) != 0 {
		t.Errorf("cross-origin POST changed state: cookies %v", resp.Cookies())
	}
	if !strings.Contains(resp.Body, tr(t, "error.403.title")) {
		t.Errorf("403 page not rendered: %s", resp.Body)
	}
	if got := c.PostForm(t, "/lang", url.Values{"lang": {"en"}, "next": {"/"}}); got.StatusCode != http.StatusSeeOther {
		t.Fatalf("same-origin POST: status %d, want 303", got.StatusCode)
	}
}

func TestErrorPagesAreGeneric(t *testing.T) {
	t.Parallel()
	a := apptest.Start(t, apptest.Options{})
	a.Server.Router().Get("/test/panic", func(http.ResponseWriter, *http.Request) {
		panic("pq: relation \"secret_table\" does not exist")
	})
	c := a.Client()

	nf := c.Get(t, "/no/such/page")
	if nf.StatusCode != http.StatusNotFound || !strings.Contains(nf.Body, tr(t, "error.404.title")) {
		t.Fatalf("404: status %d body %s", nf.StatusCode, nf.Body)
	}

	se := c.Get(t, "/test/panic")
	if se.StatusCode != http.StatusInternalServerError {
		t.Fatalf("panic: status %d", se.StatusCode)
	}
	for _, leak := range []string{"secret_table", "goroutine", ".go:", "pq:"} {
		if strings.Contains(se.Body, leak) {
			t.Errorf("500 page leaks %q", leak)
		}
	}
	if !strings.Contains(se.Body, tr(t, "error.500.title")) || !strings.Contains(se.Body, trStem(t, "error.request_id")) {
		t.Errorf("500 page lacks the generic message and reference: %s", se.Body)
	}
	if !strings.Contains(a.Logs(), "secret_table") {
		t.Errorf("the panic was not logged for the operator")
	}

	nf = c.Get(t, "/lang")
	if nf.StatusCode != http.StatusMethodNotAllowed {
		t.Errorf("GET /lang: status %d, want 405 (no state change on GET)", nf.StatusCode)
	}
}

func TestLocaleSwitch(t *testing.T) {
	t.Parallel()
	a, id := startWithDemo(t, apptest.Options{})
	c := a.LoginDemo(t, authz.SecurityOfficer)
	home := "/e/" + strconv.FormatInt(id, 10) + "/"

	nl := c.Get(t, home)
	if !strings.Contains(nl.Body, `<html lang="nl">`) || !strings.Contains(nl.Body, ">"+tr(t, "nav.measures")+"<") {
		t.Fatalf("default is not Dutch: %s", nl.Body)
	}
	sw := c.PostForm(t, "/lang", url.Values{"lang": {"en"}, "next": {home}})
	if sw.StatusCode != http.StatusSeeOther || sw.Header.Get("Location") != home {
		t.Fatalf("switch: status %d location %q", sw.StatusCode, sw.Header.Get("Location"))
	}
	en := c.Get(t, home)
	if !strings.Contains(en.Body, `<html lang="en">`) || !strings.Contains(en.Body, ">"+trEN(t, "nav.measures")+"<") || strings.Contains(en.Body, ">"+tr(t, "nav.measures")+"<") {
		t.Fatalf("not English after switching: %s", en.Body)
	}
	c.PostForm(t, "/lang", url.Values{"lang": {"nl"}, "next": {home}})
	if back := c.Get(t, home); !strings.Contains(back.Body, ">"+tr(t, "nav.measures")+"<") {
		t.Fatalf("not Dutch after switching back")
	}

	for _, next := range []string{"//evil.example/", "https://evil.example/", "/\\evil.example"} {
		r := c.PostForm(t, "/lang", url.Values{"lang": {"en"}, "next": {next}})
		if r.Header.Get("Location") != "/" {
			t.Errorf("next=%q redirected to %q", next, r.Header.Get("Location"))
		}
	}
	if r := c.PostForm(t, "/lang", url.Values{"lang": {"fr"}}); r.StatusCode != http.StatusBadRequest {
		t.Errorf("unknown language: status %d", r.StatusCode)
	}
}

func TestStaticFilesAreVersioned(t *testing.T) {
	t.Parallel()
	a := apptest.Start(t, apptest.Options{})
	c := a.Client()
	page := c.Get(t, "/login")
	m := regexp.MustCompile(`href="(/static/css/app\.css\?v=[0-9a-f]{12})"`).FindStringSubmatch(page.Body)
	if m == nil {
		t.Fatalf("stylesheet link without version: %s", page.Body)
	}
	css := c.Get(t, m[1])
	if css.StatusCode != 200 || css.Header.Get("Cache-Control") != "public, max-age=31536000, immutable" ||
		!strings.HasPrefix(css.Header.Get("Content-Type"), "text/css") {
		t.Fatalf("versioned css: %d %q %q", css.StatusCode, css.Header.Get("Cache-Control"), css.Header.Get("Content-Type"))
	}
	if stale := c.Get(t, "/static/css/app.css?v=old"); stale.Header.Get("Cache-Control") != "public, max-age=300" {
		t.Errorf("unversioned css cached as %q", stale.Header.Get("Cache-Control"))
	}
	for _, p := range []string{"/static/", "/static/css/", "/static/../go.mod", "/static/nope.css"} {
		if r := c.Get(t, p); r.StatusCode != http.StatusNotFound {
			t.Errorf("%s: status %d, want 404", p, r.StatusCode)
		}
	}
}
