package catalogue

import (
	"slices"

	"github.com/weerbaar/weerbaar/internal/i18n"
)

// ChangeKind says how an item differs between two editions.
type ChangeKind string

// The kinds of change, in the order a reader wants them.
const (
	Changed ChangeKind = "changed"
	Added   ChangeKind = "added"
	Removed ChangeKind = "removed"
)

// Change is one measure or requirement that differs between two editions:
// what an entity sees before it adopts the newer one.
type Change struct {
	Kind ChangeKind
	// Requirement is false for a measure.
	Requirement bool
	Code        string
	// Title is the item's label or title in the newer edition (the older one
	// for a removed item).
	Title i18n.Text
	// Fields names what changed: "title", "text", "label", "statute",
	// "explanation", "source", "measures", "iso_controls", "iso_clauses",
	// "where_appropriate", "statute_sources", "documented", "points".
	Fields []string
	// OldText and NewText are the requirement text (or measure explanation)
	// in both editions when it changed, so the reader sees the difference.
	OldText, NewText i18n.Text
}

// Diff lists what differs from edition from to edition to: measures first
// in edition order, then requirements (changed or added in to's order,
// then removed ones).
func Diff(from, to *Catalogue) []Change {
	var out []Change
	for _, m := range to.Measures {
		old, ok := from.Measure(m.Code)
		if !ok {
			out = append(out, Change{Kind: Added, Code: m.Code, Title: m.Label, NewText: m.Explanation})
			continue
		}
		var fields []string
		add := func(name string, differs bool) {
			if differs {
				fields = append(fields, name)
			}
		}
		add("label", old.Label != m.Label)
		add("statute", old.Statute != m.Statute)
		add("explanation", old.Explanation != m.Explanation)
		add("source", old.Source != m.Source)
		add("iso_controls", !slices.Equal(old.ISOControls, m.ISOControls))
		add("iso_clauses", !slices.Equal(old.ISOClauses, m.ISOClauses))
		add("statute_sources", !slices.Equal(old.StatuteSources, m.StatuteSources))
		if len(fields) > 0 {
			c := Change{Kind: Changed, Code: m.Code, Title: m.Label, Fields: fields}
			if old.Explanation != m.Explanation {
				c.OldText, c.NewText = old.Explanation, m.Explanation
			}
			out = append(out, c)
		}
	}
	for _, m := range from.Measures {
		if _, ok := to.Measure(m.Code); !ok {
			out = append(out, Change{Kind: Removed, Code: m.Code, Title: m.Label, OldText: m.Explanation})
		}
	}
	for _, r := range to.Requirements {
		old, ok := from.Requirement(r.Code)
		if !ok {
			out = append(out, Change{Kind: Added, Requirement: true, Code: r.Code, Title: r.Title, NewText: r.Text})
			continue
		}
		var fields []string
		add := func(name string, differs bool) {
			if differs {
				fields = append(fields, name)
			}
		}
		add("title", old.Title != r.Title)
		add("text", old.Text != r.Text)
		add("source", old.Source != r.Source)
		add("measures", !slices.Equal(old.Measures, r.Measures))
		add("iso_controls", !slices.Equal(old.ISOControls, r.ISOControls))
		add("where_appropriate", old.WhereAppropriate != r.WhereAppropriate)
		add("iso_clauses", !slices.Equal(old.ISOClauses, r.ISOClauses))
		add("documented", old.Documented != r.Documented)
		add("points", !slices.Equal(old.Points, r.Points))
		if len(fields) > 0 {
			c := Change{Kind: Changed, Requirement: true, Code: r.Code, Title: r.Title, Fields: fields}
			if old.Text != r.Text {
				c.OldText, c.NewText = old.Text, r.Text
			}
			out = append(out, c)
		}
	}
	for _, r := range from.Requirements {
		if _, ok := to.Requirement(r.Code); !ok {
			out = append(out, Change{Kind: Removed, Requirement: true, Code: r.Code, Title: r.Title, OldText: r.Text})
		}
	}
	return out
}
