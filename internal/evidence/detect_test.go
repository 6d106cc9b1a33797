package evidence_test

import (
	"archive/zip"
	"bytes"
	"errors"
	"image"
	"image/color"
	"image/jpeg"
	"image/png"
	"math/rand/v2"
	"strings"
	"testing"

	"github.com/weerbaar/weerbaar/internal/evidence"
	"github.com/weerbaar/weerbaar/internal/validate"
)

type zipEntry struct {
	name, body string
	store      bool // uncompressed, as ODF requires for its mimetype entry
}

func makeZip(t testing.TB, entries ...zipEntry) []byte {
	t.Helper()
	var buf bytes.Buffer
	zw := zip.NewWriter(&buf)
	for _, e := range entries {
		h := &zip.FileHeader{Name: e.name, Method: zip.Deflate}
		if e.store {
			h.Method = zip.Store
		}
		w, err := zw.CreateHeader(h)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := w.Write([]byte(e.body)); err != nil {
			t.Fatal(err)
		}
	}
	if err := zw.Close(); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

const rels = `<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">` +
	`<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument" Target="%s"/>` +
	`</Relationships>`

// ooxmlFile builds a minimal Office Open XML package whose main part is part
// with the content type mainType.
func ooxmlFile(t testing.TB, part, mainType string, extra ...zipEntry) []byte {
	t.Helper()
	types := `<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">` +
		`<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>` +
		`<Default Extension="xml" ContentType="application/xml"/>` +
		`<Override PartName="/` + part + `" ContentType="` + mainType + `"/></Types>`
	entries := []zipEntry{{name: "[Content_Types].xml", body: types}}
	entries = append(entries, extra...)
	entries = append(entries,
		zipEntry{name: "_rels/.rels", body: strings.Replace(rels, "%s", part, 1)},
		zipEntry{name: part, body: `<?xml version="1.0" encoding="UTF-8"?><root/>`})
	return makeZip(t, entries...)
}

const (
	docxMain = "application/vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml"
	xlsxMain = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"
	pptxMain = "application/vnd.openxmlformats-officedocument.presentationml.presentation.main+xml"
)

func docx(t testing.TB) []byte { return ooxmlFile(t, "word/document.xml", docxMain) }
func xlsx(t testing.TB) []byte { return ooxmlFile(t, "xl/workbook.xml", xlsxMain) }
func pptx(t testing.TB) []byte { return ooxmlFile(t, "ppt/presentation.xml", pptxMain) }

func odfFile(t testing.TB, mime string) []byte {
	t.Helper()
	return makeZip(t,
		zipEntry{name: "mimetype", body: mime, store: true},
		zipEntry{name: "content.xml", body: `<?xml version="1.0" encoding="UTF-8"?><office:document-content xmlns:office="urn:oasis:names:tc:opendocument:xmlns:office:1.0" office:version="1.3"/>`},
		zipEntry{name: "META-INF/manifest.xml", body: `<?xml version="1.0" encoding="UTF-8"?><manifest:manifest xmlns:manifest="urn:oasis:names:tc:opendocument:xmlns:manifest:1.0" manifest:version="1.3"><manifest:file-entry manifest:full-path="/" manifest:media-type="` + mime + `"/><manifest:file-entry manifest:full-path="content.xml" manifest:media-type="text/xml"/></manifest:manifest>`},
	)
}

func pngFile(t testing.TB) []byte {
	t.Helper()
	img := image.NewRGBA(image.Rect(0, 0, 2, 2))
	img.Set(0, 0, color.RGBA{R: 200, A: 255})
	var buf bytes.Buffer
	if err := png.Encode(&buf, img); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

func jpegFile(t testing.TB) []byte {
	t.Helper()
	img := image.NewRGBA(image.Rect(0, 0, 8, 8))
	var buf bytes.Buffer
	if err := jpeg.Encode(&buf, img, nil); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

const pdfFile = "%PDF-1.4\n1 0 obj << /Type /Catalog /Pages 2 0 R >> endobj\n" +
	"2 0 obj << /Type /Pages /Kids [] /Count 0 >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n"

// exeFile starts like a Windows program (DOS stub and PE header).
func exeFile() []byte {
	b := make([]byte, 512)
	copy(b, "MZ\x90\x00\x03\x00\x00\x00\x04\x00\x00\x00\xff\xff")
	b[0x3c] = 0x80
	copy(b[0x4e:], "This program cannot be run in DOS mode.\r\r\n$")
	copy(b[0x80:], "PE\x00\x00\x4c\x01")
	return b
}

func elfFile() []byte {
	b := make([]byte, 128)
	copy(b, "\x7fELF\x02\x01\x01\x00")
	b[16], b[18] = 2, 0x3e // ET_EXEC, x86-64
	return b
}

const (
	htmlFile = "<!DOCTYPE html>\n<html><head><script>alert(document.cookie)</script></head><body>hi</body></html>\n"
	svgFile  = `<svg xmlns="http://www.w3.org/2000/svg" width="10" height="10"><script>alert(1)</script><rect width="10" height="10"/></svg>`
)

func TestDetectTypeAccepts(t *testing.T) {
	t.Parallel()
	for _, c := range []struct {
		name    string
		content []byte
		want    string
	}{
		{"rapport.pdf", []byte(pdfFile), "application/pdf"},
		{"RAPPORT.PDF", []byte(pdfFile), "application/pdf"},
		{"beleid.docx", docx(t), "application/vnd.openxmlformats-officedocument.wordprocessingml.document"},
		{"risico's.xlsx", xlsx(t), "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"},
		{"training.pptx", pptx(t), "application/vnd.openxmlformats-officedocument.presentationml.presentation"},
		{"beleid.odt", odfFile(t, "application/vnd.oasis.opendocument.text"), "application/vnd.oasis.opendocument.text"},
		{"assets.ods", odfFile(t, "application/vnd.oasis.opendocument.spreadsheet"), "application/vnd.oasis.opendocument.spreadsheet"},
		{"schema.png", pngFile(t), "image/png"},
		{"foto.jpg", jpegFile(t), "image/jpeg"},
		{"foto.jpeg", jpegFile(t), "image/jpeg"},
		{"notities.txt", []byte("Back-up getest op 3 maart.\r\nResultaat: geslaagd ✓\n"), "text/plain; charset=utf-8"},
		{"bom.txt", []byte("\xef\xbb\xbfmet BOM\n"), "text/plain; charset=utf-8"},
		{"assets.csv", []byte("naam,eigenaar,kritiek\nmail,ICT,ja\nerp,Financiën,ja\n"), "text/csv; charset=utf-8"},
		{"one-column.csv", []byte("naam\nmail\n"), "text/csv; charset=utf-8"},
		{"beleid.md", []byte("# Informatiebeveiligingsbeleid\n\n- Eigenaar: CISO\n- Versie: 2 ë\n"), "text/markdown; charset=utf-8"},
		{`C:\Users\anna\Documents\beleid.pdf`, []byte(pdfFile), "application/pdf"},
		// A large document whose main folder lies beyond what the sniffer reads.
		{"groot.docx", ooxmlFile(t, "word/document.xml", docxMain,
			zipEntry{name: "docProps/thumbnail.jpeg", body: string(randomBytes(16 << 10)), store: true}),
			"application/vnd.openxmlformats-officedocument.wordprocessingml.document"},
	} {
		got, err := evidence.DetectType(c.name, c.content)
		if err != nil || got != c.want {
			t.Errorf("DetectType(%q) = %q, %v; want %q", c.name, got, err, c.want)
		}
	}
}

func randomBytes(n int) []byte {
	r := rand.New(rand.NewPCG(1, 2))
	b := make([]byte, n)
	for i := range b {
		b[i] = byte(r.Uint32())
	}
	return b
}

func TestDetectTypeRefuses(t *testing.T) {
	t.Parallel()
	const (
		notAllowed = "evidence.error.type"
		mismatch   = "evidence.error.mismatch"
		empty      = "evidence.error.empty"
	)
	late := append(bytes.Repeat([]byte("regel tekst\n"), 500), 0, 1, 2)
	for _, c := range []struct {
		name    string
		content []byte
		key     string
	}{
		{"factuur.pdf", exeFile(), mismatch},
		{"schema.png", elfFile(), mismatch},
		{"notities.txt", []byte(htmlFile), mismatch},
		{"readme.md", []byte(htmlFile), mismatch},
		{"readme.md", []byte("<!-- comment -->\n<script>alert(1)</script>\n"), mismatch},
		{"logo.png", []byte(svgFile), mismatch},
		{"logo.txt", []byte(svgFile), mismatch},
		{"data.txt", []byte(`<?xml version="1.0"?><a/>`), mismatch},
		{"run.txt", []byte("#!/bin/sh\nrm -rf /\n"), mismatch},
		{"archief.docx", makeZip(t, zipEntry{name: "a.txt", body: "hallo"}), mismatch},
		{"rapport.docx", []byte(pdfFile), mismatch},
		{"sheet.docx", xlsx(t), mismatch},
		{"macro.docx", ooxmlFile(t, "word/document.xml", "application/vnd.ms-word.document.macroEnabled.main+xml"), mismatch},
		{"tekst.ods", odfFile(t, "application/vnd.oasis.opendocument.text"), mismatch},
		{"beleid.odt", makeZip(t, zipEntry{name: "content.xml", body: "<x/>"}), mismatch},
		{"broken.docx", docx(t)[:200], mismatch},
		{"foto.jpg", pngFile(t), mismatch},
		{"schema.png", jpegFile(t), mismatch},
		{"rapport.pdf", []byte("<html>%PDF-1.4</html>"), mismatch},
		{"tekst.txt", []byte("geen \xff\xfe utf-8"), mismatch},
		{"utf16.txt", []byte("\xff\xfeh\x00i\x00"), mismatch},
		{"late-binary.txt", late, mismatch},
		{"rapport.txt", []byte(pdfFile), mismatch},
		{"setup.exe", exeFile(), notAllowed},
		{"page.html", []byte(htmlFile), notAllowed},
		{"logo.svg", []byte(svgFile), notAllowed},
		{"app.js", []byte("alert(1)"), notAllowed},
		{"macro.docm", docx(t), notAllowed},
		{"README", []byte("text"), notAllowed},
		{"rapport.pdf.exe", exeFile(), notAllowed},
		{"leeg.pdf", nil, empty},
		{"leeg.txt", []byte{}, empty},
	} {
		ct, err := evidence.DetectType(c.name, c.content)
		if err == nil {
			t.Errorf("DetectType(%q) = %q, want refused (%s)", c.name, ct, c.key)
			continue
		}
		if got := validate.Fields(err)["file"]; got != c.key {
			t.Errorf("DetectType(%q): field error %q (%v), want %q", c.name, got, err, c.key)
		}
		sentinel := map[string]error{notAllowed: evidence.ErrTypeNotAllowed, mismatch: evidence.ErrTypeMismatch,
			empty: evidence.ErrEmpty}[c.key]
		if !errors.Is(err, sentinel) {
			t.Errorf("DetectType(%q): %v is not %v", c.name, err, sentinel)
		}
	}
}

func FuzzDetectType(f *testing.F) {
	f.Add("a.pdf", []byte(pdfFile))
	f.Add("a.txt", []byte(htmlFile))
	f.Add("a.docx", docx(f))
	f.Add("a.odt", odfFile(f, "application/vnd.oasis.opendocument.text"))
	f.Fuzz(func(t *testing.T, name string, content []byte) {
		ct, err := evidence.DetectType(name, content)
		if err == nil && ct == "" {
			t.Fatal("accepted without a content type")
		}
		if err != nil && validate.Fields(err)["file"] == "" {
			t.Fatalf("error without field: %v", err)
		}
	})
}
