// Package pdfdoc renders Weerbaar's printable documents — the board's
// oversight report, a decision record, the evidence package's report — as
// PDF in pure Go (github.com/go-pdf/fpdf with embedded DejaVu Sans), so no
// browser runs on the server. A Document is a list of blocks (cover, table
// of contents, headings, paragraphs, tables, charts) that Write lays out:
// recording first lets the table of contents sit at the front with the
// page numbers of headings that come later, and lets every footer say
// "page / pages". The package knows no language, HTTP, HTML or database:
// callers pass every text already translated.
package pdfdoc

import (
	"embed"
	"fmt"
	"io"
	"strings"
	"time"
	"unicode"
)

//go:embed fonts/DejaVuSans.ttf fonts/DejaVuSans-Bold.ttf
var fonts embed.FS

// family is the name the embedded font is registered under.
const family = "dejavu"

// Page geometry in millimetres (A4 portrait).
const (
	marginLeft   = 20.0
	marginRight  = 20.0
	marginTop    = 20.0
	marginBottom = 22.0 // the footer sits in it
	footerY      = 12.0 // footer baseline distance from the bottom edge
	lineHeight   = 5.0  // body text at 10 pt
	bodySize     = 10.0
	smallSize    = 8.5
	cellPad      = 1.5
)

// Meta is what a document says about itself: the PDF's properties, its
// language, and the fixed moment it was made, so that two renderings of the
// same content are byte-identical (a signed package's report can be
// regenerated and compared).
type Meta struct {
	Title, Subject, Author string
	// Lang is the document's language as a BCP 47 tag ("nl", "en"), for
	// screen readers.
	Lang string
	// Created is the creation and modification date written into the PDF.
	// The zero time means now, which makes the output differ per run.
	Created time.Time
	// Footer is printed at the left of every page's footer (typically the
	// title and when it was generated); the right side reads "page / pages".
	Footer string
}

// Fact is one label: value line (cover facts, a record's particulars).
type Fact struct {
	Label, Value string
}

// Align is a column's horizontal alignment.
type Align string

// The alignments of a column.
const (
	AlignLeft   Align = "L"
	AlignCenter Align = "C"
	AlignRight  Align = "R"
)

// Column is one column of a Table. Width is relative: the columns share the
// page's text width in proportion to their widths (0 counts as 1).
type Column struct {
	Title string
	Width float64
	Align Align
}

// Table is a table whose header row repeats on every page it spans and
// whose cells wrap onto as many lines as their text needs. Caption, when
// set, is printed above it in bold.
type Table struct {
	Caption string
	Columns []Column
	Rows    [][]string
	// Empty is printed instead of the table when it has no rows.
	Empty string
}

// Tone is the colour of a heat map cell or a legend entry: a risk level.
type Tone int

// The tones, from none (grey) to critical (red).
const (
	ToneNone Tone = iota
	ToneLow
	ToneMedium
	ToneHigh
	ToneCritical
)

// LegendItem explains one tone.
type LegendItem struct {
	Tone  Tone
	Label string
}

// HeatMap is a 5×5 risk matrix drawn with vector rectangles: likelihood
// upwards, impact to the right. Index [l-1][i-1] is likelihood l and impact
// i. Counts are printed in their cells (so they are text in the PDF, and
// colour is never the only signal); Alt is printed beneath as the map's
// text alternative.
type HeatMap struct {
	Title string
	// RowAxis and ColAxis name the axes (likelihood, impact).
	RowAxis, ColAxis string
	// RowTicks and ColTicks name each point of the scales (index 0 is point
	// 1); empty ticks print only the number.
	RowTicks, ColTicks [5]string
	Counts             [5][5]int
	Tones              [5][5]Tone
	Legend             []LegendItem
	Alt                string
}

// Bar is one row of a maturity chart: current maturity against a target.
type Bar struct {
	Label   string
	Current float64
	// Target is 1..Max; 0 means not applicable (a grey bar, no marker).
	Target int
	// Value is printed after the bar as the numbers in words, formatted by
	// the caller in the reader's language ("2,4 / 4", "n.v.t.").
	Value string
}

// Bars is a horizontal bar chart of current versus target maturity per
// measure on a 0..Max scale (5 when Max is 0). CurrentLabel and
// TargetLabel form the legend; Alt is printed beneath as the chart's text
// alternative.
type Bars struct {
	Title                     string
	Bars                      []Bar
	Max                       int
	CurrentLabel, TargetLabel string
	Alt                       string
}

// Document is a PDF under construction: the methods record blocks in
// order, Write lays them out. A Document can be written more than once.
type Document struct {
	meta     Meta
	blocks   []block
	headings []heading
}

// block is one recorded piece of the document; keep is the height in mm a
// heading right before it keeps free on its page, so that a heading never
// ends a page without what it introduces.
type block struct {
	draw func(*renderer)
	keep float64
}

func (d *Document) add(keep float64, draw func(*renderer)) {
	d.blocks = append(d.blocks, block{draw: draw, keep: keep})
}

type heading struct {
	level int
	text  string
}

// New starts an empty document.
func New(meta Meta) *Document {
	return &Document{meta: meta}
}

// Cover adds a title page: the title, a subtitle and facts (entity, period,
// generated at …). What follows starts on the next page.
func (d *Document) Cover(title, subtitle string, facts []Fact) {
	d.add(0, func(r *renderer) { r.cover(title, subtitle, facts) })
}

// TOC adds a table of contents under the heading title: every heading of
// levels 1 and 2 in the document, with its page number and a link to it.
// What follows starts on a new page.
func (d *Document) TOC(title string) {
	d.add(0, func(r *renderer) { r.toc(title) })
}

// Heading adds a heading of level 1 (chapter), 2 (section) or 3; it is
// also an entry of the PDF's outline (bookmarks) and, for levels 1 and 2,
// of the table of contents.
func (d *Document) Heading(level int, text string) {
	level = min(max(level, 1), 3)
	i := len(d.headings)
	d.headings = append(d.headings, heading{level: level, text: text})
	next := len(d.blocks) + 1
	d.add(0, func(r *renderer) { r.heading(i, d.keepAfter(next)) })
}

// Paragraph adds body text; newlines start new lines.
func (d *Document) Paragraph(text string) {
	d.add(0, func(r *renderer) { r.paragraph(text, bodySize, "", colorText) })
}

// Note adds small grey text: an explanation, a source, a caveat.
func (d *Document) Note(text string) {
	d.add(0, func(r *renderer) { r.paragraph(text, smallSize, "", colorMuted) })
}

// Bullets adds a bulleted list.
func (d *Document) Bullets(items []string) {
	d.add(0, func(r *renderer) { r.bullets(items) })
}

// Facts adds a two-column list of labels and values.
func (d *Document) Facts(facts []Fact) {
	d.add(0, func(r *renderer) { r.facts(facts) })
}

// Code adds a label and a machine-readable value (a SHA-256, a public key)
// in small type on a line of its own, so that a 64-character hash fits
// the page's width unbroken and can be copied whole.
func (d *Document) Code(label, value string) {
	d.add(0, func(r *renderer) { r.code(label, value) })
}

// Table adds a table (see Table).
func (d *Document) Table(t Table) {
	d.add(tableKeep, func(r *renderer) { r.table(t) })
}

// HeatMap adds a 5×5 heat map (see HeatMap).
func (d *Document) HeatMap(h HeatMap) {
	d.add(heatMapHeight, func(r *renderer) { r.heatMap(h) })
}

// Bars adds a maturity bar chart (see Bars).
func (d *Document) Bars(b Bars) {
	d.add(barsHeight(len(b.Bars)), func(r *renderer) { r.bars(b) })
}

// PageBreak makes what follows start on a new page.
func (d *Document) PageBreak() {
	d.add(0, func(r *renderer) { r.fresh = true })
}

// keepAfter is the room a heading recorded as block i-1 keeps for block i.
func (d *Document) keepAfter(i int) float64 {
	if i < len(d.blocks) {
		return max(headingKeep, d.blocks[i].keep)
	}
	return headingKeep
}

// Write lays the document out and writes the PDF to w.
func (d *Document) Write(w io.Writer) error {
	r, err := newRenderer(d)
	if err != nil {
		return err
	}
	for _, b := range d.blocks {
		b.draw(r)
		if err := r.pdf.Error(); err != nil {
			return fmt.Errorf("pdf: %w", err)
		}
	}
	r.finish()
	if err := r.pdf.Output(w); err != nil {
		return fmt.Errorf("pdf: %w", err)
	}
	return nil
}

// rgb is a colour.
type rgb struct{ r, g, b int }

var (
	colorText   = rgb{31, 35, 40}
	colorMuted  = rgb{87, 96, 106}
	colorBorder = rgb{208, 215, 222}
	colorHeader = rgb{234, 238, 242}
	colorAccent = rgb{9, 105, 218}
	colorWhite  = rgb{255, 255, 255}
)

// toneFill is the fill of a tone, the same colours as the web's heat map.
func toneFill(t Tone) rgb {
	switch t {
	case ToneCritical:
		return rgb{180, 35, 24}
	case ToneHigh:
		return rgb{232, 89, 12}
	case ToneMedium:
		return rgb{242, 201, 76}
	case ToneLow:
		return rgb{143, 209, 158}
	}
	return rgb{234, 238, 242}
}

// toneText is the text colour readable on a tone's fill.
func toneText(t Tone) rgb {
	if t == ToneHigh || t == ToneCritical {
		return colorWhite
	}
	return colorText
}

// clean makes text printable with the embedded font: characters outside
// the Basic Multilingual Plane (which the font cannot hold and fpdf cannot
// encode) become "?", control characters other than newline become spaces,
// and CRLF becomes a newline.
func clean(s string) string {
	s = strings.ReplaceAll(s, "\r\n", "\n")
	ok := true
	for _, c := range s {
		if c > 0xFFFF || c == unicode.ReplacementChar || (c < 0x20 && c != '\n') || c == 0x7F {
			ok = false
			break
		}
	}
	if ok {
		return s
	}
	return strings.Map(func(c rune) rune {
		switch {
		case c > 0xFFFF || c == unicode.ReplacementChar:
			return '?'
		case (c < 0x20 && c != '\n') || c == 0x7F:
			return ' '
		}
		return c
	}, s)
}
