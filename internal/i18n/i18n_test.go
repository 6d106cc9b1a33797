package i18n

import (
	"context"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"
)

// TestCataloguesHaveTheSameKeys fails when a key exists in one language and
// not the other, or when a message's format verbs differ between languages.
func TestCataloguesHaveTheSameKeys(t *testing.T) {
	nl, en := catalogues[NL], catalogues[EN]
	if len(nl) < 20 {
		t.Fatalf("Dutch catalogue has only %d keys", len(nl))
	}
	for k, msg := range nl {
		other, ok := en[k]
		if !ok {
			t.Errorf("key %q is in nl but not in en", k)
			continue
		}
		if verbs(msg) != verbs(other) {
			t.Errorf("key %q: nl verbs %q, en verbs %q", k, verbs(msg), verbs(other))
		}
		if strings.TrimSpace(msg) == "" || strings.TrimSpace(other) == "" {
			t.Errorf("key %q has an empty message", k)
		}
	}
	for k := range en {
		if _, ok := nl[k]; !ok {
			t.Errorf("key %q is in en but not in nl", k)
		}
	}
}

var verbPattern = regexp.MustCompile(`%[-+# 0-9.]*[a-zA-Z%]`)

func verbs(s string) string { return strings.Join(verbPattern.FindAllString(s, -1), " ") }

// TestEveryUsedKeyExists scans the Go and templ sources for T(ctx, "key")
// calls with literal keys and checks that each is in the catalogue.
func TestEveryUsedKeyExists(t *testing.T) {
	root := filepath.Join("..", "..")
	call := regexp.MustCompile(`\b(?:T|Translate)\((?:ctx|r\.Context\(\)|[a-z]+), "([a-z0-9_.]*[a-z0-9_])"`)
	// Keys that travel as values before they are translated: field errors,
	// flashed notices and form-level errors.
	plural := regexp.MustCompile(`\b(?:N|TranslateN)\((?:ctx|r\.Context\(\)|[a-z]+), "([a-z0-9_.]*[a-z0-9_])"`)
	indirect := regexp.MustCompile(`(?:validate\.Field\("[a-z_]+", |\.Add\("[a-z_]+", |sessFlash, |notice :?= |Error: |p\.Error = |errs\.Add\([a-z]+, )"([a-z]+\.[a-z0-9_.]*[a-z0-9_])"`)
	found := 0
	err := filepath.WalkDir(root, func(path string, d os.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() && (d.Name() == "var" || d.Name() == "node_modules" || strings.HasPrefix(d.Name(), ".")) && path != root {
			return filepath.SkipDir
		}
		if !strings.HasSuffix(path, ".templ") && !(strings.HasSuffix(path, ".go") && !strings.HasSuffix(path, "_templ.go") && !strings.HasSuffix(path, "_test.go")) {
			return nil
		}
		b, err := os.ReadFile(path)
		if err != nil {
			return err
		}
		matches := append(call.FindAllStringSubmatch(string(b), -1), indirect.FindAllStringSubmatch(string(b), -1)...)
		for _, m := range plural.FindAllStringSubmatch(string(b), -1) {
			matches = append(matches, []string{m[0], m[1] + ".one"}, []string{m[0], m[1] + ".other"})
		}
		for _, m := range matches {
			found++
			if _, ok := catalogues[NL][m[1]]; !ok {
				t.Errorf("%s uses key %q, which is not in the catalogue", path, m[1])
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if found < 10 {
		t.Fatalf("found only %d translated strings; is the scan broken?", found)
	}
}

func TestFormatting(t *testing.T) {
	nl := WithLang(context.Background(), NL)
	en := WithLang(context.Background(), EN)
	// 27 Nov 2026 13:05 UTC is 14:05 in Amsterdam (CET, UTC+1).
	winter := time.Date(2026, 11, 27, 13, 5, 0, 0, time.UTC)
	// 1 Jul 2026 12:05 UTC is 14:05 in Amsterdam (CEST, UTC+2).
	summer := time.Date(2026, 7, 1, 12, 5, 0, 0, time.UTC)
	cases := []struct{ got, want string }{
		{DateTime(nl, winter), "27 nov. 2026 14:05"},
		{DateTime(en, winter), "27 Nov 2026 14:05"},
		{DateTime(nl, summer), "1 jul. 2026 14:05"},
		{DateTime(nl, time.Date(2026, 5, 3, 23, 30, 0, 0, time.UTC)), "4 mei 2026 01:30"},
		{Money(nl, 50_000_000), "€ 500.000"},
		{Money(en, 50_000_000), "€500,000"},
		{Money(nl, 1250), "€ 12,50"},
		{Money(en, 1205), "€12.05"},
		{Money(nl, -100), "-€ 1"},
		{Int(nl, 1234567), "1.234.567"},
		{Int(en, 1234567), "1,234,567"},
		{Int(en, 999), "999"},
		{Int(nl, -1000), "-1.000"},
		{Decimal(nl, 3, 1), "3,0"},
		{Decimal(en, 3, 1), "3.0"},
		{Decimal(nl, 0.115, 3), "0,115"},
		{Decimal(nl, 1234.5, 2), "1.234,50"},
		{Decimal(en, 1234.5, 2), "1,234.50"},
		{Decimal(nl, -0.04, 1), "0,0"},
		{Decimal(nl, -2.25, 2), "-2,25"},
		{DecimalTrim(nl, 0.25, 3), "0,25"},
		{DecimalTrim(nl, 3, 3), "3"},
		{DecimalTrim(en, 0.333333, 3), "0.333"},
	}
	for _, c := range cases {
		if c.got != c.want {
			t.Errorf("got %q, want %q", c.got, c.want)
		}
	}
}

func TestTranslateFallsBackVisibly(t *testing.T) {
	ctx := WithLang(context.Background(), EN)
	if got := T(ctx, "nav.measures"); got != "Measures" {
		t.Errorf("en nav.measures = %q", got)
	}
	if got := T(context.Background(), "nav.measures"); got != "Maatregelen" {
		t.Errorf("default nav.measures = %q", got)
	}
	if got := T(ctx, "no.such.key"); got != "no.such.key" {
		t.Errorf("missing key = %q, want the key itself", got)
	}
	if got := T(ctx, "error.request_id", "abc"); got != "Reference for the administrator: abc" {
		t.Errorf("with args = %q", got)
	}
}

// TestPlurals: N picks the .one or .other form by the count, so a page never
// says "1 bewijsstukken".
func TestPlurals(t *testing.T) {
	nl := WithLang(context.Background(), NL)
	en := WithLang(context.Background(), EN)
	cases := []struct{ got, want string }{
		{N(nl, "measures.card.evidence", 1), "1 bewijsstuk"},
		{N(nl, "measures.card.evidence", 2), "2 bewijsstukken"},
		{N(nl, "measures.card.evidence", 0), "0 bewijsstukken"},
		{N(en, "measures.card.evidence", 1), "1 item of evidence"},
		{N(en, "measures.card.evidence", 3), "3 items of evidence"},
	}
	for _, c := range cases {
		if c.got != c.want {
			t.Errorf("got %q, want %q", c.got, c.want)
		}
	}
}

// TestTranslateNWithoutVerb: a ".one" message that writes its number itself
// reads as written, not with a formatting error appended.
func TestTranslateNWithoutVerb(t *testing.T) {
	for _, l := range []Lang{NL, EN} {
		for _, key := range []string{"approval.members", "incident.entry.evidence", "approval.standing.changes"} {
			one, other := TranslateN(l, key, 1), TranslateN(l, key, 3)
			if strings.Contains(one, "%!") || strings.Contains(other, "%!") || !strings.Contains(other, "3") {
				t.Errorf("%s %s: %q / %q", l, key, one, other)
			}
		}
	}
}
