package pdfdoc

import (
	"math"
	"strings"
	"testing"
)

// TestHeadingsNeverBreakMidWord: however the weights are set, a column is
// at least as wide as the longest word of its heading (the report's SoA
// headings among them), the widths fill the page exactly, and the weightiest column
// stays the widest. When the headings cannot all fit,
// the weights decide alone.
func TestHeadingsNeverBreakMidWord(t *testing.T) {
	r, err := newRenderer(New(Meta{Title: "t"}))
	if err != nil {
		t.Fatal(err)
	}
	r.font("B", tableSize)
	cols := []Column{{Title: "Code", Width: 0.5}, {Title: "Eis", Width: 5}, {Title: "Toepasselijkheid", Width: 0.6},
		{Title: "Volwassenheid nu / doel", Width: 0.6}, {Title: "Verantwoordelijke", Width: 0.7}, {Title: "Status", Width: 1.5}}
	widths := r.columnWidths(cols, nil)
	sum := 0.0
	for i, c := range cols {
		sum += widths[i]
		for _, word := range strings.Fields(c.Title) {
			if w := r.pdf.GetStringWidth(word); w > widths[i]-2*cellPad {
				t.Errorf("column %q: %.1f mm wide, its word %q needs %.1f mm", c.Title, widths[i], word, w+2*cellPad)
			}
		}
		if lines := r.split(c.Title, widths[i]-2*cellPad); strings.Join(lines, " ") != c.Title {
			t.Errorf("heading %q wraps as %q", c.Title, lines)
		}
	}
	if math.Abs(sum-r.contentW) > 0.01 {
		t.Errorf("widths sum to %.2f mm, the page holds %.2f mm", sum, r.contentW)
	}
	for i, w := range widths {
		if w > widths[1] {
			t.Errorf("column %q (%.1f mm) is wider than the weightiest column (%.1f mm)", cols[i].Title, w, widths[1])
		}
	}

	// Cell words stay whole too; a hash wraps inside its column.
	rows := [][]string{{"a.1", "Beleid", "Laboratoriuminformatiesysteem", "3 / 4", "Jansen", "Goedgekeurd · verouderd"},
		{"a.2", strings.Repeat("0123456789abcdef", 4), "ja", "2 / 3", "Gemeenschappelijke", "Afgewezen"}}
	widths = r.columnWidths(cols, rows)
	r.font("", tableSize)
	for _, row := range rows {
		for i, cell := range row {
			for _, word := range strings.Fields(cell) {
				if w := r.pdf.GetStringWidth(word); w > maxWordWidth {
					continue
				} else if w > widths[i]-2*cellPad {
					t.Errorf("cell word %q needs %.1f mm, its column is %.1f mm", word, w+2*cellPad, widths[i])
				}
			}
		}
	}
	r.font("B", tableSize)

	// Twenty long headings cannot all fit: the plain shares are kept.
	many := make([]Column, 20)
	for i := range many {
		many[i] = Column{Title: "Toepasselijkheidsverklaring"}
	}
	for i, w := range r.columnWidths(many, nil) {
		if math.Abs(w-r.contentW/20) > 0.01 {
			t.Fatalf("column %d: %.2f mm, want the even share %.2f", i, w, r.contentW/20)
		}
	}
}
