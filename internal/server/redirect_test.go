package server

import (
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
	"unicode"
)

func TestLocalPath(t *testing.T) {
	t.Parallel()
	for _, c := range []struct{ in, want string }{
		{"/e/1/measures", "/e/1/measures"},
		{"/e/1/", "/e/1/"},
		{"/e/1/soa?sort=code&dir=desc", "/e/1/soa?sort=code&dir=desc"},
		{"/", "/"},
		{"", "/"},
		{"e/1", "/"},
		{"https://evil.example/", "/"},
		{"//evil.example/", "/"},
		{`/\evil.example`, "/"},
		{`/../\evil.example`, "/"},
		{`/./\evil.example`, "/"},
		{`/x/../../\evil.example`, "/"},
		{"/x/..//evil.example", "/evil.example"},
		{"/\t/evil.example", "/"},
		{"/\t\\evil.example", "/"},
		{"/e/1\n/x", "/"},
		{"/e/1\r\nSet-Cookie: x=1", "/"},
		{"/e/\x7f", "/"},
		{"/e/\u0085", "/"},
		{"/e/1/./measures/../soa", "/e/1/soa"},
		{`/e/1/..\evil`, `/e/1/..\evil`},
	} {
		if got := localPath(c.in); got != c.want {
			t.Errorf("localPath(%q) = %q, want %q", c.in, got, c.want)
		}
	}
}

// checkLocation fails unless loc, sent as a Location header, stays on this
// site: one slash followed by neither slash nor backslash, no control
// characters, and resolved against the site's URL the same host.
func checkLocation(t *testing.T, in, loc string) {
	t.Helper()
	if !strings.HasPrefix(loc, "/") || (len(loc) > 1 && (loc[1] == '/' || loc[1] == '\\')) || strings.IndexFunc(loc, unicode.IsControl) >= 0 {
		t.Fatalf("next=%q gives Location %q", in, loc)
	}
	base, _ := url.Parse("https://weerbaar.example/e/1/")
	ref, err := url.Parse(loc)
	if err != nil {
		return // browsers would not follow it anywhere else either
	}
	if got := base.ResolveReference(ref); got.Host != base.Host {
		t.Fatalf("next=%q gives Location %q, resolving to host %q", in, loc, got.Host)
	}
}

func FuzzLocalPath(f *testing.F) {
	for _, s := range []string{"/e/1/", `/../\evil.example`, `/./\evil.example`, `/x/../../\evil.example`, "/\t/evil.example",
		"//evil.example", "/?next=//x", "/a/b/../../..//c", "/%2F%2Fevil", "/\u2028x"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, in string) {
		out := localPath(in)
		checkLocation(t, in, out)
		if again := localPath(out); again != out {
			t.Fatalf("localPath not stable: %q -> %q -> %q", in, out, again)
		}
		// What http.Redirect turns it into is what the browser sees.
		w := httptest.NewRecorder()
		http.Redirect(w, httptest.NewRequest(http.MethodPost, "/login", nil), out, http.StatusSeeOther)
		checkLocation(t, in, w.Header().Get("Location"))
	})
}
