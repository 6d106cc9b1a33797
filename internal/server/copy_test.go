package server_test

import (
	"testing"

	"github.com/weerbaar/weerbaar/internal/apptest"
	"github.com/weerbaar/weerbaar/internal/i18n"
)

// tr is the Dutch catalogue text of key, formatted with args, as a page
// shows it: tests assert against the catalogue, never a copied sentence.
func tr(t *testing.T, key string, args ...any) string {
	t.Helper()
	return apptest.HTML(t, i18n.NL, key, args...)
}

// trEN is tr in English.
func trEN(t *testing.T, key string, args ...any) string {
	t.Helper()
	return apptest.HTML(t, i18n.EN, key, args...)
}

// trStem is the Dutch text of key before its first argument (see
// apptest.Stem).
func trStem(t *testing.T, key string) string {
	t.Helper()
	return apptest.Stem(t, i18n.NL, key)
}
