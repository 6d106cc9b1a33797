package i18n

import (
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
)

// FuzzLanguageCookie: the language cookie comes from the browser as part
// of a raw Cookie header. Any header gives Dutch or English, English only
// when the cookie says "en" (any case, spaces around), and never a panic.
func FuzzLanguageCookie(f *testing.F) {
	for _, s := range []string{"weerbaar_lang=en", "weerbaar_lang=EN ; x=1", "weerbaar_lang=de", `weerbaar_lang="en"`,
		"weerbaar_lang=nl; weerbaar_lang=en", "=;;=", "weerbaar_lang", "\x00weerbaar_lang=en", ""} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, header string) {
		r := httptest.NewRequest(http.MethodGet, "/", nil)
		r.Header.Set("Cookie", header)
		var got Lang
		Middleware(func(*http.Request) (Lang, bool) { return "", false })(http.HandlerFunc(func(_ http.ResponseWriter, r *http.Request) {
			got = LangFrom(r.Context())
		})).ServeHTTP(httptest.NewRecorder(), r)
		want := NL
		if c, err := r.Cookie(CookieName); err == nil && strings.EqualFold(strings.TrimSpace(c.Value), "en") {
			want = EN
		}
		if got != want {
			t.Fatalf("Cookie %q: language %q, want %q", header, got, want)
		}
	})
}

// FuzzParse: a language code from a form, a cookie or the command line is
// one of the two languages or refused as Dutch, and a language's own code
// parses to itself.
func FuzzParse(f *testing.F) {
	for _, s := range []string{"nl", " EN ", "en-GB", "", "ｅｎ"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, code string) {
		l, ok := Parse(code)
		if ok && l != NL && l != EN || !ok && l != NL {
			t.Fatalf("%q: %q, %v", code, l, ok)
		}
		if ok {
			if back, ok := Parse(string(l)); !ok || back != l {
				t.Fatalf("%q: %q does not parse to itself", code, l)
			}
		}
	})
}
