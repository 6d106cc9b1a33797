// Package i18n holds Weerbaar's message catalogues (Dutch first, English
// second) and formats dates and numbers per locale. Every user-facing string
// comes from here, so a page cannot show a language the user did not choose.
package i18n

import (
	"context"
	"embed"
	"encoding/json"
	"fmt"
	"net/http"
	"sort"
	"strings"
)

// Lang is a supported UI language.
type Lang string

// The supported languages; NL is the default.
const (
	NL Lang = "nl"
	EN Lang = "en"
)

// Langs lists the supported languages in display order.
var Langs = []Lang{NL, EN}

//go:embed locales/*.json
var localeFS embed.FS

// catalogues maps language → key → message, loaded once at start.
var catalogues = mustLoad()

func mustLoad() map[Lang]map[string]string {
	out := map[Lang]map[string]string{}
	for _, l := range Langs {
		b, err := localeFS.ReadFile("locales/" + string(l) + ".json")
		if err != nil {
			panic(fmt.Sprintf("i18n: catalogue %s missing: %v", l, err))
		}
		m := map[string]string{}
		if err := json.Unmarshal(b, &m); err != nil {
			panic(fmt.Sprintf("i18n: catalogue %s is not valid JSON: %v", l, err))
		}
		out[l] = m
	}
	return out
}

// Parse returns the language for a code, and false for unknown codes.
func Parse(code string) (Lang, bool) {
	switch Lang(strings.ToLower(strings.TrimSpace(code))) {
	case NL:
		return NL, true
	case EN:
		return EN, true
	}
	return NL, false
}

type ctxKey struct{}

// WithLang stores the request's language in ctx.
func WithLang(ctx context.Context, l Lang) context.Context {
	return context.WithValue(ctx, ctxKey{}, l)
}

// LangFrom returns the request's language (NL when none was set).
func LangFrom(ctx context.Context) Lang {
	if l, ok := ctx.Value(ctxKey{}).(Lang); ok {
		return l
	}
	return NL
}

// T translates key into the context's language, formatting args with
// fmt.Sprintf verbs in the message. A missing key shows as the key itself so
// it is noticed, and the catalogue test fails before it ships.
func T(ctx context.Context, key string, args ...any) string {
	return Translate(LangFrom(ctx), key, args...)
}

// Translate is T for an explicit language (CLI, exports).
func Translate(l Lang, key string, args ...any) string {
	msg, ok := catalogues[l][key]
	if !ok {
		msg, ok = catalogues[NL][key]
	}
	if !ok {
		return key
	}
	if len(args) == 0 {
		return msg
	}
	return fmt.Sprintf(msg, args...)
}

// N translates a count: key+".one" when n is 1, else key+".other", so Dutch
// and English both read "1 bewijsstuk" / "2 bewijsstukken". Without args the
// message is formatted with n itself.
func N(ctx context.Context, key string, n int, args ...any) string {
	return TranslateN(LangFrom(ctx), key, n, args...)
}

// TranslateN is N for an explicit language.
func TranslateN(l Lang, key string, n int, args ...any) string {
	form := ".other"
	if n == 1 {
		form = ".one"
	}
	if len(args) == 0 {
		// A ".one" message may spell its number out ("1 bestuurder",
		// "één bestuurder"): only a message with a verb gets n.
		if msg := Translate(l, key+form); !strings.Contains(msg, "%") {
			return msg
		}
		args = []any{n}
	}
	return Translate(l, key+form, args...)
}

// Keys returns the sorted keys of a language's catalogue.
func Keys(l Lang) []string {
	keys := make([]string, 0, len(catalogues[l]))
	for k := range catalogues[l] {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}

// CookieName is the cookie that remembers the language before login.
const CookieName = "weerbaar_lang"

// Middleware sets the request's language: the user's preference when a
// prefer function finds one, else the language cookie, else Dutch.
func Middleware(prefer func(*http.Request) (Lang, bool)) func(http.Handler) http.Handler {
	return func(next http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			lang := NL
			if l, ok := prefer(r); ok {
				lang = l
			} else if c, err := r.Cookie(CookieName); err == nil {
				lang, _ = Parse(c.Value)
			}
			next.ServeHTTP(w, r.WithContext(WithLang(r.Context(), lang)))
		})
	}
}
