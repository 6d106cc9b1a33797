package e2e

import (
	"testing"

	"github.com/weerbaar/weerbaar/internal/apptest"
	"github.com/weerbaar/weerbaar/internal/i18n"
)

// tr is the Dutch catalogue text of key as the browser shows it: tests
// assert against the catalogue, never a copied sentence.
func tr(t *testing.T, key string, args ...any) string {
	t.Helper()
	return apptest.Text(t, i18n.NL, key, args...)
}

// trEN is tr in English.
func trEN(t *testing.T, key string, args ...any) string {
	t.Helper()
	return apptest.Text(t, i18n.EN, key, args...)
}
