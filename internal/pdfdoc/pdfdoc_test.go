package pdfdoc_test

import (
	"bytes"
	"fmt"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/weerbaar/weerbaar/internal/pdfdoc"
	"github.com/weerbaar/weerbaar/internal/pdfdoc/pdftext"
)

var created = time.Date(2026, 11, 30, 9, 15, 0, 0, time.UTC)

// dutch is text with the characters a Dutch report needs.
const dutch = "Ingeëist beleid: de coördinator beïnvloedt ‘risico’s’ en “maatregelen” – kosten € 1.250 — café"

// sample is a document with every kind of block: a cover, contents,
// chapters that span pages, a 200-row table, a heat map and a bar chart.
func sample(meta pdfdoc.Meta) *pdfdoc.Document {
	d := pdfdoc.New(meta)
	d.Cover("Rapportage zorgplicht", "Voorbeeld B.V. · 2026 K4", []pdfdoc.Fact{
		{Label: "Organisatie", Value: "Voorbeeld B.V."}, {Label: "Periode", Value: "2026 K4"}})
	d.TOC("Inhoud")
	d.Heading(1, "Samenvatting")
	d.Paragraph(dutch)
	d.Facts([]pdfdoc.Fact{{Label: "Gereedheid", Value: "64 %"}, {Label: "Lange waarde", Value: strings.Repeat("lang ", 60)}})
	d.Bullets([]string{"Eerste punt", "Tweede punt met " + strings.Repeat("veel tekst ", 20)})
	d.Heading(1, "Risicoregister")
	d.Heading(2, "Tabel van alle risico’s")
	rows := make([][]string, 200)
	for i := range rows {
		rows[i] = []string{fmt.Sprintf("R-%03d", i+1), fmt.Sprintf("Scenario %d: uitval van een kritieke leverancier", i+1),
			"hoog", fmt.Sprintf("€ %d", (i+1)*100)}
	}
	rows[17][1] = strings.Repeat("Een lange omschrijving die over meerdere regels loopt. ", 8)
	d.Table(pdfdoc.Table{Caption: "Risico’s", Columns: []pdfdoc.Column{{Title: "Nummer", Width: 1}, {Title: "Omschrijving", Width: 4},
		{Title: "Niveau", Width: 1.2}, {Title: "Schade", Width: 1.2, Align: pdfdoc.AlignRight}}, Rows: rows})
	d.Heading(2, "Heatmap")
	var hm pdfdoc.HeatMap
	hm.Title, hm.RowAxis, hm.ColAxis = "Restrisico", "Kans", "Impact"
	hm.RowTicks = [5]string{"Zeer klein", "Klein", "Mogelijk", "Waarschijnlijk", "Bijna zeker"}
	for l := 1; l <= 5; l++ {
		for i := 1; i <= 5; i++ {
			hm.Tones[l-1][i-1] = pdfdoc.Tone(min(4, (l*i+4)/5))
		}
	}
	hm.Counts[4][4], hm.Counts[2][3], hm.Counts[0][0] = 37, 29, 41
	hm.Legend = []pdfdoc.LegendItem{{Tone: pdfdoc.ToneLow, Label: "laag"}, {Tone: pdfdoc.ToneCritical, Label: "kritiek"}}
	hm.Alt = "Kans 5 × impact 5: 37 scenario’s."
	d.HeatMap(hm)
	d.Heading(1, "Maatregelen")
	d.Bars(pdfdoc.Bars{Title: "Volwassenheid", CurrentLabel: "Huidig", TargetLabel: "Doel", Bars: []pdfdoc.Bar{
		{Label: "a) Risicoanalyse en beveiliging van informatiesystemen", Current: 2.4, Target: 4, Value: "2,4 / 4"},
		{Label: "b) Incidentenbehandeling", Current: 3, Target: 3, Value: "3,0 / 3"},
		{Label: "c) Bedrijfscontinuïteit", Current: 0, Target: 0, Value: "n.v.t."}}, Alt: "a: 2,4 van 4."})
	d.Heading(3, "Toelichting")
	d.Note("Bron: art. 21 lid 2 NIS2.")
	return d
}

func render(t testing.TB, d *pdfdoc.Document) []byte {
	t.Helper()
	var buf bytes.Buffer
	if err := d.Write(&buf); err != nil {
		t.Fatal(err)
	}
	if !bytes.HasPrefix(buf.Bytes(), []byte("%PDF-")) {
		t.Fatalf("not a PDF: %q", buf.Bytes()[:min(20, buf.Len())])
	}
	return buf.Bytes()
}

var meta = pdfdoc.Meta{Title: "Rapportage zorgplicht", Subject: "NIS2", Author: "Weerbaar", Lang: "nl", Created: created,
	Footer: "Rapportage zorgplicht · gegenereerd 30-11-2026 09:15"}

// TestTableHeaderRepeatsOnEveryPage checks that a 200-row table spans
// several pages and that each page it continues on starts with its header
// row again, and that a long cell wraps instead of being cut.
func TestTableHeaderRepeatsOnEveryPage(t *testing.T) {
	t.Parallel()
	pdf := render(t, sample(meta))
	n := pdftext.Pages(t, pdf)
	var tablePages []int
	for p := 1; p <= n; p++ {
		text := pdftext.Page(t, pdf, p)
		if regexp.MustCompile(`R-\d{3}`).MatchString(text) {
			tablePages = append(tablePages, p)
			header := regexp.MustCompile(`Nummer\s+Omschrijving\s+Niveau\s+Schade`)
			if !header.MatchString(text) {
				t.Errorf("page %d has table rows but no header row:\n%s", p, text)
			}
		}
	}
	if len(tablePages) < 3 {
		t.Fatalf("the 200-row table spans pages %v, want at least 3", tablePages)
	}
	all := pdftext.Squash(pdftext.Text(t, pdf))
	for _, want := range []string{"R-001", "R-100", "R-200", "€ 20000"} {
		if !strings.Contains(all, want) {
			t.Errorf("table lost %q", want)
		}
	}
	// Row 18's description wraps onto several lines: every word is there.
	if c := strings.Count(all, "Een lange omschrijving die over meerdere regels loopt."); c != 8 {
		t.Errorf("the wrapped cell reads %d of its 8 sentences", c)
	}
}

// TestFootersNumberEveryPage checks "page / pages" and the footer text on
// every page, the cover included.
func TestFootersNumberEveryPage(t *testing.T) {
	t.Parallel()
	pdf := render(t, sample(meta))
	n := pdftext.Pages(t, pdf)
	if n < 5 {
		t.Fatalf("%d pages, want at least 5", n)
	}
	for p := 1; p <= n; p++ {
		text := pdftext.Page(t, pdf, p)
		if want := fmt.Sprintf("%d / %d", p, n); !strings.Contains(text, want) {
			t.Errorf("page %d footer lacks %q:\n%s", p, want, text)
		}
		if !strings.Contains(text, "gegenereerd 30-11-2026 09:15") {
			t.Errorf("page %d footer lacks the footer text", p)
		}
	}
}

// TestDutchCharactersSurvive checks that ë, ï, é, €, curly quotes and
// dashes come back out of the PDF as the same characters.
func TestDutchCharactersSurvive(t *testing.T) {
	t.Parallel()
	text := pdftext.Squash(pdftext.Text(t, render(t, sample(meta))))
	if !strings.Contains(text, dutch) {
		t.Errorf("the Dutch sentence did not survive; text:\n%s", text[:min(len(text), 1500)])
	}
	for _, c := range []string{"ë", "ï", "é", "€", "‘", "’", "“", "”", "–", "—", "ö", "×"} {
		if !strings.Contains(text, c) {
			t.Errorf("%q missing", c)
		}
	}
}

// TestContentsListHeadingsWithTheirPages checks that the table of contents
// names every heading of levels 1 and 2 with the page it is on (read back
// per page), and leaves level 3 out.
func TestContentsListHeadingsWithTheirPages(t *testing.T) {
	t.Parallel()
	pdf := render(t, sample(meta))
	toc := pdftext.Page(t, pdf, 2)
	if !strings.Contains(toc, "Inhoud") {
		t.Fatalf("page 2 is not the contents:\n%s", toc)
	}
	headings := []string{"Samenvatting", "Risicoregister", "Tabel van alle risico’s", "Heatmap", "Maatregelen"}
	pages := map[string]int{}
	for _, line := range strings.Split(toc, "\n") {
		m := regexp.MustCompile(`^\s*(\S.*?)\s{2,}(\d+)\s*$`).FindStringSubmatch(line)
		if m != nil {
			pages[m[1]], _ = strconv.Atoi(m[2])
		}
	}
	last := 0
	for _, h := range headings {
		p, ok := pages[h]
		if !ok {
			t.Errorf("contents lack %q: %v", h, pages)
			continue
		}
		if p < last || p < 3 {
			t.Errorf("%q on page %d (after %d)", h, p, last)
		}
		last = p
		if text := pdftext.Page(t, pdf, p); !strings.Contains(text, h) {
			t.Errorf("contents say %q is on page %d, which reads:\n%s", h, p, text)
		}
	}
	if pages["Risicoregister"] == pages["Maatregelen"] {
		t.Errorf("the table should push Maatregelen to a later page: %v", pages)
	}
	if _, ok := pages["Toelichting"]; ok {
		t.Error("a level-3 heading is in the contents")
	}
}

// TestHeatMapCountsAreText checks that the heat map's counts, axis names
// and text alternative can be found as text.
func TestHeatMapCountsAreText(t *testing.T) {
	t.Parallel()
	text := pdftext.Squash(pdftext.Text(t, render(t, sample(meta))))
	for _, want := range []string{"37", "29", "41", "Restrisico", "Kans", "Impact", "5 – Bijna zeker", "Kans 5 × impact 5: 37 scenario’s.",
		"laag", "kritiek", "2,4 / 4", "n.v.t.", "Huidig", "Doel"} {
		if !strings.Contains(text, want) {
			t.Errorf("missing %q", want)
		}
	}
}

// TestOutputIsDeterministic checks that the same document with the same
// Meta renders byte-identically (so a signed package can be rebuilt and
// compared), and that the creation date is what differs otherwise.
func TestOutputIsDeterministic(t *testing.T) {
	t.Parallel()
	a, b := render(t, sample(meta)), render(t, sample(meta))
	if !bytes.Equal(a, b) {
		t.Fatal("two renderings of the same document differ")
	}
	d := sample(meta)
	if c := render(t, d); !bytes.Equal(a, c) || !bytes.Equal(c, render(t, d)) {
		t.Fatal("writing a document twice differs")
	}
	later := meta
	later.Created = created.Add(time.Hour)
	if bytes.Equal(a, render(t, sample(later))) {
		t.Error("the creation date is not in the PDF")
	}
	if !bytes.Contains(a, []byte("/CreationDate (D:20261130091500")) {
		t.Error("the PDF's creation date is not Meta.Created")
	}
}

// TestOversizedRowBreaksAcrossPages checks that a cell taller than a page
// continues on the next page (with the header) instead of running off it,
// and that text outside the font's plane does not break the PDF.
func TestOversizedRowBreaksAcrossPages(t *testing.T) {
	t.Parallel()
	var words []string
	for i := range 400 {
		words = append(words, fmt.Sprintf("woord%03d", i))
	}
	d := pdfdoc.New(meta)
	d.Heading(1, "Groot")
	d.Table(pdfdoc.Table{Columns: []pdfdoc.Column{{Title: "Kop A"}, {Title: "Kop B", Width: 3}},
		Rows: [][]string{{"één", strings.Join(words, " ")}, {"twee 🙂", "klein"}}})
	d.Table(pdfdoc.Table{Caption: "Leeg", Columns: []pdfdoc.Column{{Title: "X"}}, Empty: "Geen rijen."})
	pdf := render(t, d)
	n := pdftext.Pages(t, pdf)
	if n < 2 {
		t.Fatalf("%d pages, want the row to continue on a second page", n)
	}
	for p := 1; p <= n; p++ {
		if !strings.Contains(pdftext.Page(t, pdf, p), "Kop B") {
			t.Errorf("page %d lacks the header", p)
		}
	}
	text := pdftext.Squash(pdftext.Text(t, pdf))
	for _, w := range []string{"woord000", "woord399", "twee ?", "Geen rijen."} {
		if !strings.Contains(text, w) {
			t.Errorf("missing %q", w)
		}
	}
}

// BenchmarkPDFTable measures rendering a 1,000-row table (with cover,
// contents and footers): the cost of a large register in the package's
// report.
func BenchmarkPDFTable(b *testing.B) {
	rows := make([][]string, 1000)
	for i := range rows {
		rows[i] = []string{fmt.Sprintf("R-%04d", i+1), fmt.Sprintf("Scenario %d: uitval van een kritieke leverancier met gevolgen voor de dienstverlening", i+1),
			"hoog", "Jan de Vries", fmt.Sprintf("%x", i*7919)}
	}
	var size int
	for b.Loop() {
		d := pdfdoc.New(meta)
		d.Cover("Register", "1.000 rijen", nil)
		d.TOC("Inhoud")
		d.Heading(1, "Register")
		d.Table(pdfdoc.Table{Columns: []pdfdoc.Column{{Title: "Nummer"}, {Title: "Omschrijving", Width: 4}, {Title: "Niveau"},
			{Title: "Eigenaar", Width: 1.5}, {Title: "Hash", Width: 1.5}}, Rows: rows})
		var buf bytes.Buffer
		if err := d.Write(&buf); err != nil {
			b.Fatal(err)
		}
		size = buf.Len()
	}
	b.ReportMetric(float64(size)/1024, "KiB/pdf")
}

// TestCodeKeepsAHashWhole checks that a SHA-256 printed with Code stays on
// one line (so it can be copied and compared), while the same hash in a
// narrow table cell would wrap.
func TestCodeKeepsAHashWhole(t *testing.T) {
	t.Parallel()
	const hash = "c9684691bbd71c21cac803d0b91487a63e4fbc8f5ced96106ba5d4af53bc55f4"
	d := pdfdoc.New(meta)
	d.Code("SHA-256", hash)
	text := pdftext.Text(t, render(t, d))
	if !strings.Contains(text, "SHA-256") || !regexp.MustCompile(`(?m)^\s*`+hash+`\s*$`).MatchString(text) {
		t.Errorf("the hash is not on a line of its own:\n%s", text)
	}
}
