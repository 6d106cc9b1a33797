package components

import (
	"bytes"
	"context"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/a-h/templ"
)

// TestEveryTableUsesTheTableComponent: pages write no <table> of their own,
// so every table scrolls inside a named, focusable region and stacks into
// rows on a phone.
func TestEveryTableUsesTheTableComponent(t *testing.T) {
	root := filepath.Join("..")
	err := filepath.WalkDir(root, func(path string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() || !strings.HasSuffix(path, ".templ") || filepath.Base(path) == "table.templ" {
			return err
		}
		b, err := os.ReadFile(path)
		if err != nil {
			return err
		}
		if strings.Contains(string(b), "<table") {
			t.Errorf("%s writes its own <table>; use components.Table", path)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
}

// TestTableRegion: the wrapper is a keyboard-focusable region named by the
// table's caption (axe rule scrollable-region-focusable).
func TestTableRegion(t *testing.T) {
	var buf bytes.Buffer
	body := templ.ComponentFunc(func(ctx context.Context, w io.Writer) error {
		_, err := io.WriteString(w, "<tbody><tr><td data-label=\"A\">1</td></tr></tbody>")
		return err
	})
	ctx := templ.WithChildren(context.Background(), body)
	if err := Table(TableProps{ID: "t-caption", Caption: "Eisen", Class: "x"}).Render(ctx, &buf); err != nil {
		t.Fatal(err)
	}
	html := buf.String()
	for _, want := range []string{`role="region"`, `tabindex="0"`, `aria-labelledby="t-caption"`, `<caption id="t-caption" class="visually-hidden">Eisen</caption>`,
		`class="table table-stack x"`, `<td data-label="A">1</td>`} {
		if !strings.Contains(html, want) {
			t.Errorf("table lacks %s: %s", want, html)
		}
	}
}
