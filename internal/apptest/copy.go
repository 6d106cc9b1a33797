package apptest

import (
	"html"
	"regexp"
	"slices"
	"testing"
	"unicode/utf8"

	"github.com/weerbaar/weerbaar/internal/i18n"
)

// Text is the catalogue text of key in lang, formatted with args. Tests look
// for the catalogue's sentence instead of a copy of it, so rewording the
// catalogue never breaks a test and no test checks a sentence the app no
// longer shows. A key missing from lang's catalogue fails the test (the app
// itself would show the bare key).
func Text(t testing.TB, lang i18n.Lang, key string, args ...any) string {
	t.Helper()
	if _, found := slices.BinarySearch(i18n.Keys(lang), key); !found {
		t.Fatalf("catalogue %s has no key %q", lang, key)
	}
	return i18n.Translate(lang, key, args...)
}

// HTML is Text escaped the way templ writes text into a page, for searching
// a response body.
func HTML(t testing.TB, lang i18n.Lang, key string, args ...any) string {
	t.Helper()
	return html.EscapeString(Text(t, lang, key, args...))
}

var verb = regexp.MustCompile(`%[-+# 0-9.]*[a-zA-Z%]`)

// Stem is HTML of key's text up to its first formatting verb: for a sentence
// whose arguments a test cannot know (a row count), and for checking that a
// sentence is absent whatever its arguments. A stem too short to mean
// anything fails the test rather than match everywhere.
func Stem(t testing.TB, lang i18n.Lang, key string) string {
	t.Helper()
	text := Text(t, lang, key)
	if loc := verb.FindStringIndex(text); loc != nil {
		text = text[:loc[0]]
	}
	if utf8.RuneCountInString(text) < 8 {
		t.Fatalf("catalogue %s key %q: the text before its first argument, %q, is too short to look for", lang, key, text)
	}
	return html.EscapeString(text)
}
