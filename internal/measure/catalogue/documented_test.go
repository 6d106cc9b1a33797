package catalogue

import (
	"slices"
	"testing"
)

// TestDocumented2026_1: edition 2026.1 gets the documented flag from the
// table in code, every code in the table exists in it, and the measures whose
// statutory text itself says "policies" (a, f, h, i) have one.
func TestDocumented2026_1(t *testing.T) {
	eds, err := Editions()
	if err != nil {
		t.Fatal(err)
	}
	var ed *Catalogue
	for _, e := range eds {
		if e.Version == "2026.1" {
			ed = e
		}
	}
	if ed == nil {
		t.Fatal("edition 2026.1 not embedded")
	}
	seen := map[string]bool{}
	byMeasure := map[string]bool{}
	for _, r := range ed.Requirements {
		if r.Documented != documented2026_1[r.Code] {
			t.Errorf("%s: documented %v, table says %v", r.Code, r.Documented, documented2026_1[r.Code])
		}
		if r.Documented {
			seen[r.Code] = true
			for _, m := range r.Measures {
				byMeasure[m] = true
			}
		}
	}
	for code := range documented2026_1 {
		if !seen[code] {
			t.Errorf("documented2026_1 lists %s, which edition 2026.1 does not have", code)
		}
	}
	for _, m := range []string{"a", "f", "h", "i"} {
		if !byMeasure[m] {
			t.Errorf("measure %s is worded as policies in Art. 21(2) but has no documented requirement", m)
		}
	}
	// A later edition's flag comes from its file, not from the table.
	c := *ed
	c.Version = "2026.9"
	c.Requirements = slices.Clone(ed.Requirements)
	for i := range c.Requirements {
		c.Requirements[i].Documented = false
	}
	deriveDocumented(&c)
	for _, r := range c.Requirements {
		if r.Documented {
			t.Errorf("edition 2026.9: %s documented by the 2026.1 table", r.Code)
		}
	}
}
