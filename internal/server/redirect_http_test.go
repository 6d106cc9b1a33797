package server_test

import (
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/weerbaar/weerbaar/internal/apptest"
	"github.com/weerbaar/weerbaar/internal/demo"
)

// TestNextNeverLeavesTheSite posts hostile "next" values to the login and
// the language switch: every Location stays on the site.
func TestNextNeverLeavesTheSite(t *testing.T) {
	t.Parallel()
	a, _ := startWithDemo(t, apptest.Options{})
	hostile := []string{`/../\evil.example`, `/./\evil.example`, `/x/../../\evil.example`, "/\t/evil.example", "/\t\\evil.example",
		"//evil.example/", `/\evil.example`, "https://evil.example/"}
	for _, next := range hostile {
		c := a.Client()
		for _, step := range []struct {
			path string
			form url.Values
		}{
			{"/login", url.Values{"email": {officer.Email}, "password": {demo.Password}, "next": {next}}},
			{"/lang", url.Values{"lang": {"en"}, "next": {next}}},
		} {
			r := c.PostForm(t, step.path, step.form)
			loc := r.Header.Get("Location")
			if r.StatusCode != http.StatusSeeOther || !strings.HasPrefix(loc, "/") || strings.HasPrefix(loc, "//") || strings.HasPrefix(loc, `/\`) || strings.ContainsAny(loc, "\t\r\n") {
				t.Errorf("POST %s next=%q: %d Location %q", step.path, next, r.StatusCode, loc)
			}
		}
	}
}
