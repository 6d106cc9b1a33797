// Package pdftext reads a PDF's text in tests with poppler's pdftotext, so
// a test asserts on what a reader (or a search tool) finds in the file, not
// on how fpdf happened to encode it. Tests only.
package pdftext

import (
	"bytes"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"
)

// Require is the environment variable that makes a missing pdftotext fail
// the test instead of skipping it (.ci/run sets it, as does any CI).
const Require = "WEERBAAR_REQUIRE_PDFTOTEXT"

// binary finds pdftotext; without it the test skips on a developer's
// machine and fails in CI.
func binary(t testing.TB) string {
	t.Helper()
	p, ok := find(t)
	if !ok {
		t.Skip("pdftotext not found: install poppler-utils (apt-get install poppler-utils) to run the PDF tests")
	}
	return p
}

// find looks pdftotext up; when it is missing it fails the test in CI and
// reports false elsewhere.
func find(t testing.TB) (string, bool) {
	t.Helper()
	if p, err := exec.LookPath("pdftotext"); err == nil {
		return p, true
	}
	if os.Getenv(Require) != "" || os.Getenv("CI") != "" {
		t.Fatalf("pdftotext not found but %s or CI is set: install poppler-utils (apt-get install poppler-utils; .ci/run does)", Require)
	}
	return "", false
}

// TextIfAvailable is Text for a test that checks many responses of which
// some are PDFs (the query budget walk): without pdftotext (outside CI) it
// reports false instead of skipping the whole test.
func TextIfAvailable(t testing.TB, pdf []byte) (string, bool) {
	t.Helper()
	if _, ok := find(t); !ok {
		return "", false
	}
	return run(t, pdf), true
}

// Text is the text of the whole PDF (pages separated by form feeds),
// in pdftotext's -layout mode so a table row stays on one line.
func Text(t testing.TB, pdf []byte) string {
	t.Helper()
	return run(t, pdf)
}

// Page is the text of page n (1-based).
func Page(t testing.TB, pdf []byte, n int) string {
	t.Helper()
	p := strconv.Itoa(n)
	return run(t, pdf, "-f", p, "-l", p)
}

// Pages is the number of pages (the form feeds pdftotext ends pages with).
func Pages(t testing.TB, pdf []byte) int {
	t.Helper()
	return strings.Count(run(t, pdf), "\f")
}

func run(t testing.TB, pdf []byte, args ...string) string {
	t.Helper()
	bin := binary(t)
	path := filepath.Join(t.TempDir(), "doc.pdf")
	if err := os.WriteFile(path, pdf, 0o600); err != nil {
		t.Fatal(err)
	}
	var out, errOut bytes.Buffer
	cmd := exec.Command(bin, append(append([]string{"-layout", "-enc", "UTF-8"}, args...), path, "-")...)
	cmd.Stdout, cmd.Stderr = &out, &errOut
	if err := cmd.Run(); err != nil {
		t.Fatalf("pdftotext: %v: %s", err, errOut.String())
	}
	return out.String()
}

var spaces = regexp.MustCompile(`\s+`)

// Squash collapses every run of white space to one space, for assertions
// on text that the layout may have spread over columns or lines.
func Squash(s string) string {
	return strings.TrimSpace(spaces.ReplaceAllString(s, " "))
}
