package components

import (
	"bytes"
	"context"
	"strings"
	"testing"

	"github.com/weerbaar/weerbaar/internal/i18n"
)

// TestErrorSummaryNamesFieldsByLabelInFormOrder: the summary lists errors in
// the order of the form (not alphabetically) and names each field by its
// label, never by its key.
func TestErrorSummaryNamesFieldsByLabelInFormOrder(t *testing.T) {
	ctx := i18n.WithLang(context.Background(), i18n.NL)
	errs := map[string]string{"justification": "validate.required", "due_date": "validate.date", "extra_field": "validate.required"}
	fields := Labels("justification", "Onderbouwing", "maturity", "Volwassenheid", "due_date", "Streefdatum")
	var buf bytes.Buffer
	if err := ErrorSummary(errs, fields).Render(ctx, &buf); err != nil {
		t.Fatal(err)
	}
	html := buf.String()
	just, due, extra := strings.Index(html, "Onderbouwing: "), strings.Index(html, "Streefdatum: "), strings.Index(html, `href="#f-extra_field"`)
	if just < 0 || due < 0 || extra < 0 {
		t.Fatalf("summary lacks a label or an error: %s", html)
	}
	if !(just < due && due < extra) {
		t.Errorf("errors not in form order (justification, due_date, then unlisted): %s", html)
	}
	for _, key := range []string{"justification:", "due_date:", "extra_field:"} {
		if strings.Contains(html, key) {
			t.Errorf("summary shows the field key %q: %s", key, html)
		}
	}
	if !strings.Contains(html, i18n.T(ctx, "validate.date")) {
		t.Errorf("message not translated: %s", html)
	}
}
