package report_test

import (
	"bytes"
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/weerbaar/weerbaar/internal/dbtest"
	"github.com/weerbaar/weerbaar/internal/i18n"
	"github.com/weerbaar/weerbaar/internal/pdfdoc/pdftext"
	"github.com/weerbaar/weerbaar/internal/report"
)

// TestDemoPackageReportPDF: the Dutch package holds rapport.pdf, listed in
// the manifest, whose text names the entity, every measure a–j, the audit
// chain's head hash (whole, after the cover) and reads Dutch characters
// (ë, ï, €) right.
func TestDemoPackageReportPDF(t *testing.T) {
	t.Parallel()
	pool := dbtest.New(t)
	id := demoEntity(t, pool)
	_, files := readZip(t, build(t, pool, id, i18n.NL))
	pdf, ok := files["rapport.pdf"]
	if !ok || !strings.HasPrefix(string(pdf), "%PDF-") {
		t.Fatalf("no rapport.pdf in the Dutch package (%d bytes)", len(pdf))
	}
	if _, ok := files["report.pdf"]; ok {
		t.Error("a Dutch package holds report.pdf")
	}
	text := pdftext.Text(t, pdf)
	squashed := pdftext.Squash(text)
	var m report.Manifest
	if err := json.Unmarshal(files[report.ManifestName], &m); err != nil {
		t.Fatal(err)
	}
	listed := false
	for _, f := range m.Files {
		listed = listed || f.Path == "rapport.pdf"
	}
	if !listed {
		t.Error("rapport.pdf is not in the manifest")
	}
	for _, want := range []string{m.EntityName, m.AuditChain.Hash, "1. Proportionaliteitsprofiel",
		"3. Risicoanalyse", "Inherent risico", "Restrisico", "Risicoregister", "Leveranciersregister", "9. Samenvatting auditlog",
		// Dutch characters as the demo has them: the NIS2 class, measure c's
		// title, and the money amounts of the size class reasons.
		"Essentiële entiteit", "Bedrijfscontinuïteit", "€ 95.000.000"} {
		if !strings.Contains(squashed, pdftext.Squash(want)) {
			t.Errorf("rapport.pdf lacks %q", want)
		}
	}
	for _, code := range []string{"a", "b", "c", "d", "e", "f", "g", "h", "i", "j"} {
		if !strings.Contains(text, "Maatregel "+code+")") {
			t.Errorf("rapport.pdf lacks measure %s)", code)
		}
	}
}

// TestEnglishReportPDFHasNoDutchHeadings: report.pdf in an English package
// has the English section headings and none of the Dutch ones.
func TestEnglishReportPDFHasNoDutchHeadings(t *testing.T) {
	t.Parallel()
	pool := dbtest.New(t)
	id := demoEntity(t, pool)
	_, files := readZip(t, build(t, pool, id, i18n.EN))
	pdf, ok := files["report.pdf"]
	if !ok {
		t.Fatal("no report.pdf in the English package")
	}
	if _, ok := files["rapport.pdf"]; ok {
		t.Error("an English package holds rapport.pdf")
	}
	text := pdftext.Squash(pdftext.Text(t, pdf))
	for i := 1; i <= 9; i++ {
		key := "report.pdf.s" + string(rune('0'+i))
		en, nl := i18n.Translate(i18n.EN, key), i18n.Translate(i18n.NL, key)
		if !strings.Contains(text, pdftext.Squash(en)) {
			t.Errorf("report.pdf lacks the heading %q", en)
		}
		if strings.Contains(text, pdftext.Squash(nl)) {
			t.Errorf("report.pdf has the Dutch heading %q", nl)
		}
	}
	for _, dutch := range []string{"Inhoud", "Risicoregister", "Leveranciersregister", "Bestuursbesluiten", "Maatregel a)"} {
		if strings.Contains(text, dutch) {
			t.Errorf("report.pdf has Dutch %q", dutch)
		}
	}
	for _, code := range []string{"a", "b", "c", "d", "e", "f", "g", "h", "i", "j"} {
		if !strings.Contains(text, pdftext.Squash("Measure "+code+")")) {
			t.Errorf("report.pdf lacks measure %s)", code)
		}
	}
}

// TestReportPDFIsDeterministic: the same dataset renders to the same bytes
// (the PDF's dates are the generation time, not the clock), so a package's
// report can be regenerated and compared with the one in the manifest.
func TestReportPDFIsDeterministic(t *testing.T) {
	t.Parallel()
	at := time.Date(2026, 3, 1, 9, 30, 0, 0, time.UTC)
	d := &report.Dataset{Meta: report.Meta{EntityName: "Waterschap Zeeën", GeneratedAt: at, Generator: "weerbaar test",
		Period: report.LastYear(at), Lang: i18n.NL},
		Measures: []report.MeasureRow{{Code: "a", Title: "Beleid", Applicable: true, Current: 2.5, Target: 4}},
		SoA:      []report.SoARow{{Code: "1.1", Title: "Beleid vastgesteld", Measures: "a", Applicable: true, Maturity: 3}},
		Audit:    report.AuditSummary{HeadSeq: 7, HeadHash: strings.Repeat("ab", 32), Intact: true}}
	var a, b bytes.Buffer
	if err := report.WritePDF(&a, d, i18n.NL); err != nil {
		t.Fatal(err)
	}
	time.Sleep(1100 * time.Millisecond) // a clock-dated PDF would differ now
	if err := report.WritePDF(&b, d, i18n.NL); err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(a.Bytes(), b.Bytes()) {
		t.Fatal("two renderings of one dataset differ")
	}
	text := pdftext.Squash(pdftext.Text(t, a.Bytes()))
	for _, want := range []string{"Waterschap Zeeën", "Maatregel a) Beleid", "Beleid vastgesteld", strings.Repeat("ab", 32)} {
		if !strings.Contains(text, want) {
			t.Errorf("PDF lacks %q", want)
		}
	}
}
