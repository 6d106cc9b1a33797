package pdfdoc

import (
	"cmp"
	"fmt"
	"math"
	"slices"
	"strconv"
	"strings"

	"github.com/go-pdf/fpdf"
)

// renderer lays out one Write of a document. Page breaks are its own (fpdf's
// automatic break is off): a block asks for the room it needs with ensure,
// tables repeat their header on each new page, and the table of contents
// and the footers are drawn last, on pages reserved or already written,
// once every page number is known.
type renderer struct {
	d        *Document
	pdf      *fpdf.Fpdf
	pageW    float64
	pageH    float64
	contentW float64
	bottom   float64
	// fresh makes the next block start on a new page.
	fresh bool
	// revisit is set while drawing on earlier pages (contents, footers):
	// fonts must then be re-selected explicitly in the page's stream.
	revisit bool
	// headingPage and headingLink are each heading's page and link target.
	headingPage []int
	headingLink []int
	// lastLevel is the outline level of the last bookmark (-1: none).
	lastLevel int
	tocLines  []tocLine
}

// tocLine is one entry of the table of contents, placed on a reserved page
// and filled in at the end.
type tocLine struct {
	heading int
	page    int
	x, y    float64
	lines   []string
}

func newRenderer(d *Document) (*renderer, error) {
	pdf := fpdf.New("P", "mm", "A4", "")
	for _, f := range []struct{ style, file string }{{"", "fonts/DejaVuSans.ttf"}, {"B", "fonts/DejaVuSans-Bold.ttf"}} {
		b, err := fonts.ReadFile(f.file)
		if err != nil {
			return nil, fmt.Errorf("pdf font %s: %w", f.file, err)
		}
		pdf.AddUTF8FontFromBytes(family, f.style, b)
	}
	pdf.SetMargins(marginLeft, marginTop, marginRight)
	pdf.SetAutoPageBreak(false, marginBottom)
	pdf.SetCellMargin(0)
	pdf.SetCompression(true)
	pdf.SetCatalogSort(true)
	pdf.SetCreationDate(d.meta.Created)
	pdf.SetModificationDate(d.meta.Created)
	pdf.SetTitle(clean(d.meta.Title), true)
	pdf.SetSubject(clean(d.meta.Subject), true)
	pdf.SetAuthor(clean(d.meta.Author), true)
	pdf.SetCreator("Weerbaar", true)
	pdf.SetProducer("Weerbaar (go-pdf/fpdf)", true)
	if d.meta.Lang != "" {
		pdf.SetLang(d.meta.Lang)
	}
	pdf.SetDisplayMode("fullwidth", "OneColumn")
	if err := pdf.Error(); err != nil {
		return nil, fmt.Errorf("pdf: %w", err)
	}
	w, h := pdf.GetPageSize()
	r := &renderer{d: d, pdf: pdf, pageW: w, pageH: h, contentW: w - marginLeft - marginRight, bottom: h - marginBottom,
		headingPage: make([]int, len(d.headings)), headingLink: make([]int, len(d.headings)), lastLevel: -1}
	r.font("", bodySize)
	return r, nil
}

// font selects the embedded font; on a revisited page it is written into
// the page's stream even when fpdf believes it is already current.
func (r *renderer) font(style string, size float64) {
	r.pdf.SetFont(family, style, size)
	if r.revisit {
		r.pdf.SetFontSize(size)
	}
}

func (r *renderer) textColor(c rgb) { r.pdf.SetTextColor(c.r, c.g, c.b) }
func (r *renderer) fillColor(c rgb) { r.pdf.SetFillColor(c.r, c.g, c.b) }
func (r *renderer) drawColor(c rgb) { r.pdf.SetDrawColor(c.r, c.g, c.b) }

// lineHeightOf is the line height of a font size in mm.
func lineHeightOf(size float64) float64 { return size * 0.5 }

// split wraps text at width w in the current font; it returns at least one
// line.
func (r *renderer) split(text string, w float64) []string {
	lines := r.pdf.SplitText(clean(text), w)
	if len(lines) == 0 {
		return []string{""}
	}
	return lines
}

// newPage starts a page with the cursor at the top margin.
func (r *renderer) newPage() {
	r.pdf.AddPage()
	r.pdf.SetXY(marginLeft, marginTop)
	r.fresh = false
}

// ensure makes room for h mm: a new page when none is open, when the
// previous block asked for one, or when h does not fit below the cursor.
// It reports whether it started a page.
func (r *renderer) ensure(h float64) bool {
	if r.pdf.PageNo() == 0 || r.fresh || r.pdf.GetY()+h > r.bottom {
		r.newPage()
		return true
	}
	return false
}

// text prints one line at (x, y) in a box w wide.
func (r *renderer) text(x, y, w, h float64, s string, align Align) {
	r.pdf.SetXY(x, y)
	r.pdf.CellFormat(w, h, s, "", 0, string(align), false, 0, "")
}

func (r *renderer) space(h float64) { r.pdf.SetY(r.pdf.GetY() + h) }

func (r *renderer) cover(title, subtitle string, facts []Fact) {
	r.ensure(r.pageH)
	r.fillColor(colorAccent)
	r.pdf.Rect(marginLeft, 50, 30, 2, "F")
	r.pdf.SetY(60)
	r.font("B", 22)
	r.textColor(colorText)
	for _, l := range r.split(title, r.contentW) {
		r.text(marginLeft, r.pdf.GetY(), r.contentW, 10, l, AlignLeft)
		r.pdf.SetY(r.pdf.GetY() + 10)
	}
	if subtitle != "" {
		r.space(2)
		r.font("", 13)
		r.textColor(colorMuted)
		for _, l := range r.split(subtitle, r.contentW) {
			r.text(marginLeft, r.pdf.GetY(), r.contentW, 6.5, l, AlignLeft)
			r.pdf.SetY(r.pdf.GetY() + 6.5)
		}
	}
	r.space(12)
	r.facts(facts)
	r.fresh = true
}

// tocNumberW is the width of the page number column in the contents.
const tocNumberW = 14.0

func (r *renderer) tocFont(level int) (string, float64, float64) {
	if level == 1 {
		return "B", bodySize, 0
	}
	return "", bodySize, 6
}

func (r *renderer) toc(title string) {
	r.ensure(r.pageH)
	r.bookmark(title, 1)
	r.font("B", 16)
	r.textColor(colorText)
	r.text(marginLeft, r.pdf.GetY(), r.contentW, 8, clean(title), AlignLeft)
	r.space(12)
	for i, h := range r.d.headings {
		if h.level > 2 {
			continue
		}
		style, size, indent := r.tocFont(h.level)
		r.font(style, size)
		lines := r.split(h.text, r.contentW-indent-tocNumberW-4)
		need := float64(len(lines))*lineHeight + 1.5
		if h.level == 1 {
			need += 1.5
		}
		if r.pdf.GetY()+need > r.bottom {
			r.newPage()
		}
		y := r.pdf.GetY()
		if h.level == 1 {
			y += 1.5
		}
		r.tocLines = append(r.tocLines, tocLine{heading: i, page: r.pdf.PageNo(), x: marginLeft + indent, y: y, lines: lines})
		r.pdf.SetY(r.pdf.GetY() + need)
	}
	r.fresh = true
}

// fillTOC writes the reserved contents now that every heading's page is
// known: the text, the page number at the right, a link over both.
func (r *renderer) fillTOC() {
	for _, tl := range r.tocLines {
		h := r.d.headings[tl.heading]
		r.pdf.SetPage(tl.page)
		style, size, _ := r.tocFont(h.level)
		r.font(style, size)
		r.textColor(colorText)
		textW := marginLeft + r.contentW - tocNumberW - 4 - tl.x
		for j, l := range tl.lines {
			r.text(tl.x, tl.y+float64(j)*lineHeight, textW, lineHeight, l, AlignLeft)
		}
		last := tl.y + float64(len(tl.lines)-1)*lineHeight
		r.text(marginLeft+r.contentW-tocNumberW, last, tocNumberW, lineHeight, strconv.Itoa(r.headingPage[tl.heading]), AlignRight)
		r.pdf.Link(tl.x, tl.y, marginLeft+r.contentW-tl.x, float64(len(tl.lines))*lineHeight, r.headingLink[tl.heading])
	}
}

// bookmark adds an outline entry; levels never skip one, as PDF outlines
// require.
func (r *renderer) bookmark(text string, level int) {
	lvl := min(level-1, r.lastLevel+1)
	r.lastLevel = lvl
	r.pdf.Bookmark(clean(text), lvl, -1)
}

func headingSize(level int) (size, before float64) {
	switch level {
	case 1:
		return 16, 6
	case 2:
		return 13, 5
	}
	return 11, 4
}

// headingKeep is the least room a heading keeps below it on its page.
const headingKeep = 20.0

func (r *renderer) heading(i int, keep float64) {
	h := r.d.headings[i]
	size, before := headingSize(h.level)
	r.font("B", size)
	lh := lineHeightOf(size) + 0.5
	lines := r.split(h.text, r.contentW)
	// A heading keeps at least a few lines of what follows on its page.
	keep = min(keep, r.bottom-marginTop-float64(len(lines))*lh-before)
	if !r.ensure(before + float64(len(lines))*lh + keep) {
		if r.pdf.GetY() > marginTop+0.01 {
			r.space(before)
		}
	}
	r.headingPage[i] = r.pdf.PageNo()
	link := r.pdf.AddLink()
	r.pdf.SetLink(link, r.pdf.GetY(), r.pdf.PageNo())
	r.headingLink[i] = link
	r.bookmark(h.text, h.level)
	if h.level == 1 {
		r.textColor(colorAccent)
	} else {
		r.textColor(colorText)
	}
	for _, l := range lines {
		r.text(marginLeft, r.pdf.GetY(), r.contentW, lh, l, AlignLeft)
		r.space(lh)
	}
	r.textColor(colorText)
	r.space(2)
}

func (r *renderer) paragraph(text string, size float64, style string, c rgb) {
	r.font(style, size)
	r.textColor(c)
	lh := lineHeightOf(size)
	for _, l := range r.split(text, r.contentW) {
		r.ensure(lh)
		r.text(marginLeft, r.pdf.GetY(), r.contentW, lh, l, AlignLeft)
		r.space(lh)
	}
	r.textColor(colorText)
	r.space(2)
}

// bulletIndent is where a list item's text starts.
const bulletIndent = 5.0

func (r *renderer) bullets(items []string) {
	r.font("", bodySize)
	r.textColor(colorText)
	for _, it := range items {
		lines := r.split(it, r.contentW-bulletIndent)
		r.ensure(lineHeight * float64(min(len(lines), 3)))
		for j, l := range lines {
			if j > 0 {
				r.ensure(lineHeight)
			}
			y := r.pdf.GetY()
			if j == 0 {
				r.text(marginLeft, y, bulletIndent, lineHeight, "•", AlignLeft)
			}
			r.text(marginLeft+bulletIndent, y, r.contentW-bulletIndent, lineHeight, l, AlignLeft)
			r.space(lineHeight)
		}
		r.space(0.8)
	}
	r.space(1.2)
}

// factLabelW is the width of a fact's label.
const factLabelW = 52.0

func (r *renderer) facts(facts []Fact) {
	for _, f := range facts {
		r.font("B", bodySize)
		labels := r.split(f.Label, factLabelW-3)
		r.font("", bodySize)
		values := r.split(f.Value, r.contentW-factLabelW)
		n := max(len(labels), len(values))
		r.ensure(float64(min(n, 4)) * lineHeight)
		y := r.pdf.GetY()
		r.font("B", bodySize)
		r.textColor(colorMuted)
		for j, l := range labels {
			r.text(marginLeft, y+float64(j)*lineHeight, factLabelW-3, lineHeight, l, AlignLeft)
		}
		r.font("", bodySize)
		r.textColor(colorText)
		for j, l := range values {
			if y+float64(j+1)*lineHeight > r.bottom {
				r.newPage()
				y = marginTop - float64(j)*lineHeight
			}
			r.text(marginLeft+factLabelW, y+float64(j)*lineHeight, r.contentW-factLabelW, lineHeight, l, AlignLeft)
		}
		r.pdf.SetY(y + float64(n)*lineHeight + 1)
	}
	r.space(2)
}

func (r *renderer) code(label, value string) {
	r.font("", smallSize)
	lines := r.split(value, r.contentW)
	r.ensure(lineHeight + float64(min(len(lines), 3))*lineHeightOf(smallSize))
	if label != "" {
		r.font("B", bodySize)
		r.textColor(colorMuted)
		r.text(marginLeft, r.pdf.GetY(), r.contentW, lineHeight, clean(label), AlignLeft)
		r.space(lineHeight)
	}
	r.paragraph(value, smallSize, "", colorText)
}

// Table text is 9 pt.
const (
	tableSize = 9.0
	tableLine = 4.5
	// tableKeep is what a heading keeps free for a table after it: a
	// caption, the header and a row or two.
	tableKeep = 32.0
)

func (r *renderer) table(t Table) {
	if len(t.Columns) == 0 {
		return
	}
	captionH := 0.0
	if t.Caption != "" {
		captionH = 7
	}
	if len(t.Rows) == 0 {
		if t.Caption != "" {
			r.ensure(captionH + lineHeight)
			r.caption(t.Caption)
		}
		if t.Empty != "" {
			r.paragraph(t.Empty, bodySize, "", colorMuted)
		}
		return
	}
	widths := r.columnWidths(t.Columns, t.Rows)
	header := make([][]string, len(t.Columns))
	headerLines := 1
	for i, c := range t.Columns {
		header[i] = r.split(c.Title, widths[i]-2*cellPad)
		headerLines = max(headerLines, len(header[i]))
	}
	headerH := float64(headerLines)*tableLine + 2*cellPad
	drawHeader := func() {
		y := r.pdf.GetY()
		r.font("B", tableSize)
		r.fillColor(colorHeader)
		r.textColor(colorText)
		x := marginLeft
		for i := range t.Columns {
			r.pdf.Rect(x, y, widths[i], headerH, "F")
			for j, l := range header[i] {
				r.text(x+cellPad, y+cellPad+float64(j)*tableLine, widths[i]-2*cellPad, tableLine, l, t.Columns[i].Align)
			}
			x += widths[i]
		}
		r.pdf.SetY(y + headerH)
		r.font("", tableSize)
	}

	r.font("", tableSize)
	first := r.cells(t.Columns, widths, t.Rows[0])
	r.ensure(captionH + headerH + float64(min(maxLines(first), 3))*tableLine + 2*cellPad)
	if t.Caption != "" {
		r.caption(t.Caption)
	}
	drawHeader()
	atTop := true
	newPage := func() {
		r.newPage()
		drawHeader()
		atTop = true
	}
	r.drawColor(colorBorder)
	r.pdf.SetLineWidth(0.2)
	for ri, row := range t.Rows {
		cells := first
		if ri > 0 {
			cells = r.cells(t.Columns, widths, row)
		}
		n := maxLines(cells)
		for start := 0; start < n; {
			remaining := n - start
			avail := int((r.bottom - r.pdf.GetY() - 2*cellPad) / tableLine)
			if remaining > avail {
				// The rest of the row moves to the next page whole when it
				// fits on one; otherwise it breaks across pages.
				fitsOnAPage := float64(remaining)*tableLine+2*cellPad <= r.bottom-marginTop-headerH
				if (!atTop && fitsOnAPage) || avail < 1 {
					newPage()
					continue
				}
			}
			k := min(remaining, avail)
			y := r.pdf.GetY()
			x := marginLeft
			for i, c := range cells {
				for j := start; j < start+k && j < len(c); j++ {
					r.text(x+cellPad, y+cellPad+float64(j-start)*tableLine, widths[i]-2*cellPad, tableLine, c[j], t.Columns[i].Align)
				}
				x += widths[i]
			}
			y += float64(k)*tableLine + 2*cellPad
			r.pdf.Line(marginLeft, y, marginLeft+r.contentW, y)
			r.pdf.SetY(y)
			start += k
			atTop = false
			if start < n {
				newPage()
			}
		}
	}
	r.space(4)
}

func (r *renderer) caption(text string) {
	r.font("B", bodySize)
	r.textColor(colorText)
	r.text(marginLeft, r.pdf.GetY(), r.contentW, 6, clean(text), AlignLeft)
	r.space(7)
}

// maxWordWidth is the widest word of a cell that widens its column: longer
// "words" (hashes, URLs) wrap inside the column instead.
const maxWordWidth = 40.0

// columnWidths shares the content width among the columns by their weights,
// but gives every column at least the width of the longest word of its
// heading (bold) and of its cells (up to maxWordWidth), so no word breaks
// in the middle; the other columns share what is left. When not all fit,
// the headings' words come first, then the columns whose cells need the
// least extra room; when even the headings cannot fit, the plain shares
// are kept.
func (r *renderer) columnWidths(cols []Column, rows [][]string) []float64 {
	headingW := make([]float64, len(cols))
	r.font("B", tableSize)
	for i, c := range cols {
		headingW[i] = r.longestWord(c.Title, 0)
	}
	cellW := slices.Clone(headingW)
	r.font("", tableSize)
	for _, row := range rows {
		for i := range min(len(row), len(cols)) {
			cellW[i] = max(cellW[i], r.longestWord(row[i], maxWordWidth))
		}
	}
	r.font("B", tableSize)
	if sum(headingW) > r.contentW {
		return r.share(cols, make([]float64, len(cols)))
	}
	// Keep the headings whole, then the cells' words, cheapest first, as far
	// as the page allows (a column of hashes is usually the one left out).
	minW := slices.Clone(headingW)
	order := make([]int, len(cols))
	for i := range order {
		order[i] = i
	}
	slices.SortStableFunc(order, func(a, b int) int { return cmp.Compare(cellW[a]-headingW[a], cellW[b]-headingW[b]) })
	for _, i := range order {
		if sum(minW)-minW[i]+cellW[i] <= r.contentW {
			minW[i] = cellW[i]
		}
	}
	return r.share(cols, minW)
}

// longestWord is the width a cell needs for the longest word of text, with
// padding, in the current font. With limit above 0, words wider than limit
// (hashes, URLs) do not count: they wrap inside any column.
func (r *renderer) longestWord(text string, limit float64) float64 {
	w := 0.0
	for _, word := range strings.Fields(clean(text)) {
		if ww := r.pdf.GetStringWidth(word); limit <= 0 || ww <= limit {
			w = max(w, ww)
		}
	}
	if w == 0 {
		return 0
	}
	return w + 2*cellPad + 0.2
}

// share divides the content width by the columns' weights, raising each
// column below its minimum to it and sharing the rest among the others.
func (r *renderer) share(cols []Column, minW []float64) []float64 {
	widths := make([]float64, len(cols))
	fixed := make([]bool, len(cols))
	for {
		free, weight := r.contentW, 0.0
		for i, c := range cols {
			if fixed[i] {
				free -= widths[i]
			} else {
				weight += colWeight(c)
			}
		}
		changed := false
		for i, c := range cols {
			if fixed[i] {
				continue
			}
			widths[i] = colWeight(c) / weight * free
			if widths[i] < minW[i] {
				widths[i], fixed[i], changed = minW[i], true, true
			}
		}
		if !changed {
			return widths
		}
	}
}

func sum(xs []float64) float64 {
	t := 0.0
	for _, x := range xs {
		t += x
	}
	return t
}

func colWeight(c Column) float64 {
	if c.Width <= 0 {
		return 1
	}
	return c.Width
}

// cells wraps a row's texts to their columns (missing cells are empty).
func (r *renderer) cells(cols []Column, widths []float64, row []string) [][]string {
	out := make([][]string, len(cols))
	for i := range cols {
		text := ""
		if i < len(row) {
			text = row[i]
		}
		out[i] = r.split(text, widths[i]-2*cellPad)
	}
	return out
}

func maxLines(cells [][]string) int {
	n := 1
	for _, c := range cells {
		n = max(n, len(c))
	}
	return n
}

// Heat map geometry in mm.
const (
	heatTickW = 40.0
	heatCell  = 16.0
	// heatMapHeight is the room a heat map needs, its legend and a short
	// text alternative included.
	heatMapHeight = 7 + 5 + 5*heatCell + 14 + 6 + 8 + 10
)

func (r *renderer) heatMap(h HeatMap) {
	r.ensure(heatMapHeight)
	x0 := marginLeft + heatTickW + 2
	if h.Title != "" {
		r.caption(h.Title)
	}
	if h.RowAxis != "" {
		r.font("B", smallSize)
		r.textColor(colorMuted)
		r.text(marginLeft, r.pdf.GetY(), heatTickW, 4.5, clean(h.RowAxis), AlignLeft)
		r.space(5)
	}
	gy := r.pdf.GetY()
	r.drawColor(colorWhite)
	r.pdf.SetLineWidth(0.6)
	for row := 0; row < 5; row++ {
		l := 5 - row
		y := gy + float64(row)*heatCell
		r.font("", 7.5)
		r.textColor(colorText)
		ticks := r.split(tick(l, h.RowTicks), heatTickW-2)
		if len(ticks) > 3 {
			ticks = ticks[:3]
		}
		ty := y + (heatCell-float64(len(ticks))*3.6)/2
		for j, t := range ticks {
			r.text(marginLeft, ty+float64(j)*3.6, heatTickW-2, 3.6, t, AlignRight)
		}
		for c := 0; c < 5; c++ {
			tone := h.Tones[l-1][c]
			r.fillColor(toneFill(tone))
			x := x0 + float64(c)*heatCell
			r.pdf.Rect(x, y, heatCell, heatCell, "FD")
			if n := h.Counts[l-1][c]; n > 0 {
				r.font("B", 12)
				r.textColor(toneText(tone))
				r.text(x, y, heatCell, heatCell, strconv.Itoa(n), AlignCenter)
			}
		}
	}
	y := gy + 5*heatCell + 1.5
	r.font("", 7.5)
	r.textColor(colorText)
	tickLines := 1
	for c := 0; c < 5; c++ {
		ticks := r.split(tick(c+1, h.ColTicks), heatCell-1)
		if len(ticks) > 3 {
			ticks = ticks[:3]
		}
		tickLines = max(tickLines, len(ticks))
		for j, t := range ticks {
			r.text(x0+float64(c)*heatCell, y+float64(j)*3.6, heatCell, 3.6, t, AlignCenter)
		}
	}
	r.pdf.SetY(y + float64(tickLines)*3.6 + 1)
	if h.ColAxis != "" {
		r.font("B", smallSize)
		r.textColor(colorMuted)
		r.text(x0, r.pdf.GetY(), 5*heatCell, 4.5, clean(h.ColAxis), AlignCenter)
		r.space(6)
	}
	r.legend(h.Legend)
	r.textColor(colorText)
	if h.Alt != "" {
		r.paragraph(h.Alt, smallSize, "", colorMuted)
	}
	r.space(2)
}

// tick is an axis tick: the number, with the scale's name when known.
func tick(n int, names [5]string) string {
	if names[n-1] != "" {
		return strconv.Itoa(n) + " – " + names[n-1]
	}
	return strconv.Itoa(n)
}

func (r *renderer) legend(items []LegendItem) {
	if len(items) == 0 {
		return
	}
	r.ensure(6)
	r.font("", smallSize)
	r.textColor(colorText)
	r.drawColor(colorBorder)
	r.pdf.SetLineWidth(0.2)
	x, y := marginLeft, r.pdf.GetY()
	for _, it := range items {
		label := clean(it.Label)
		w := 4 + 1.5 + r.pdf.GetStringWidth(label) + 5
		if x+w > marginLeft+r.contentW {
			x, y = marginLeft, y+5
		}
		r.fillColor(toneFill(it.Tone))
		r.pdf.Rect(x, y+0.5, 4, 4, "FD")
		r.text(x+5.5, y, w-5.5, 5, label, AlignLeft)
		x += w
	}
	r.pdf.SetY(y + 6)
}

// Maturity chart geometry in mm.
const (
	barLabelW = 62.0
	barValueW = 24.0
	barRowH   = 8.0
)

// barsHeight is the room a chart of n bars asks for on its first page
// (title, legend, scale and up to a dozen bars).
func barsHeight(n int) float64 { return 7 + 6 + 5 + float64(min(n, 12))*barRowH }

// barTone is a bar's colour, as on the web: grey when not applicable,
// green at or above target, amber within one level, red below.
func barTone(b Bar) rgb {
	switch {
	case b.Target == 0:
		return rgb{140, 149, 159}
	case b.Current >= float64(b.Target):
		return rgb{26, 127, 55}
	case b.Current >= float64(b.Target)-1:
		return rgb{191, 135, 0}
	}
	return rgb{180, 35, 24}
}

func (r *renderer) bars(b Bars) {
	top := b.Max
	if top <= 0 {
		top = 5
	}
	bx := marginLeft + barLabelW + 2
	bw := r.contentW - barLabelW - barValueW - 4
	xOf := func(v float64) float64 { return bx + math.Max(0, math.Min(v, float64(top)))/float64(top)*bw }
	scale := func() {
		r.font("", 7.5)
		r.textColor(colorMuted)
		y := r.pdf.GetY()
		for v := 0; v <= top; v++ {
			r.text(xOf(float64(v))-5, y, 10, 4, strconv.Itoa(v), AlignCenter)
		}
		r.space(5)
	}
	r.ensure(barsHeight(len(b.Bars)))
	if b.Title != "" {
		r.caption(b.Title)
	}
	if b.CurrentLabel != "" || b.TargetLabel != "" {
		r.font("", smallSize)
		r.textColor(colorText)
		y := r.pdf.GetY()
		x := marginLeft
		if b.CurrentLabel != "" {
			r.fillColor(rgb{26, 127, 55})
			r.pdf.Rect(x, y+1.2, 8, 2.6, "F")
			w := r.pdf.GetStringWidth(clean(b.CurrentLabel)) + 2
			r.text(x+10, y, w, 5, clean(b.CurrentLabel), AlignLeft)
			x += 10 + w + 6
		}
		if b.TargetLabel != "" {
			r.fillColor(colorText)
			r.pdf.Rect(x+3, y+0.3, 0.9, 4.4, "F")
			r.text(x+6, y, r.contentW, 5, clean(b.TargetLabel), AlignLeft)
		}
		r.space(6)
	}
	scale()
	for _, bar := range b.Bars {
		if r.ensure(barRowH) {
			scale()
		}
		y := r.pdf.GetY()
		r.drawColor(colorBorder)
		r.pdf.SetLineWidth(0.2)
		for v := 0; v <= top; v++ {
			r.pdf.Line(xOf(float64(v)), y, xOf(float64(v)), y+barRowH)
		}
		r.font("", smallSize)
		r.textColor(colorText)
		labels := r.split(bar.Label, barLabelW-2)
		if len(labels) > 2 {
			labels = labels[:2]
			labels[1] += "…"
		}
		ly := y + (barRowH-float64(len(labels))*3.8)/2
		for j, l := range labels {
			r.text(marginLeft, ly+float64(j)*3.8, barLabelW-2, 3.8, l, AlignLeft)
		}
		r.fillColor(barTone(bar))
		if w := xOf(bar.Current) - bx; w > 0 {
			r.pdf.Rect(bx, y+2, w, barRowH-4, "F")
		}
		if bar.Target > 0 {
			r.fillColor(colorText)
			r.pdf.Rect(xOf(float64(bar.Target))-0.45, y+0.8, 0.9, barRowH-1.6, "F")
		}
		r.text(bx+bw+3, y, barValueW, barRowH, clean(bar.Value), AlignLeft)
		r.pdf.SetY(y + barRowH)
	}
	r.space(2)
	if b.Alt != "" {
		r.paragraph(b.Alt, smallSize, "", colorMuted)
	}
	r.space(2)
}

// finish fills in the contents and draws every page's footer: a rule, the
// document's footer text and "page / pages".
func (r *renderer) finish() {
	if r.pdf.PageNo() == 0 {
		r.newPage()
	}
	r.revisit = true
	r.fillTOC()
	n := r.pdf.PageCount()
	for p := 1; p <= n; p++ {
		r.pdf.SetPage(p)
		r.drawColor(colorBorder)
		r.pdf.SetLineWidth(0.2)
		y := r.pageH - footerY - 4
		r.pdf.Line(marginLeft, y, marginLeft+r.contentW, y)
		r.font("", 7.5)
		r.textColor(colorMuted)
		num := strconv.Itoa(p) + " / " + strconv.Itoa(n)
		numW := r.pdf.GetStringWidth(num) + 2
		footer := r.split(r.d.meta.Footer, r.contentW-numW-4)[0]
		r.text(marginLeft, y+1, r.contentW-numW-4, 4, footer, AlignLeft)
		r.text(marginLeft+r.contentW-numW, y+1, numW, 4, num, AlignRight)
	}
	r.pdf.SetPage(n)
}
