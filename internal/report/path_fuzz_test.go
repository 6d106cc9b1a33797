package report_test

import (
	"archive/zip"
	"bytes"
	"encoding/json"
	"strconv"
	"strings"
	"testing"
	"unicode"
	"unicode/utf8"

	"github.com/weerbaar/weerbaar/internal/report"
)

// FuzzEvidencePath: an uploaded file's name (and its subject) becomes a
// ZIP path every unzip tool extracts inside evidence/: four parts, none
// empty, "." or "..", only letters, digits and ". - _ ( )", at most 120
// bytes each, valid UTF-8 that survives the manifest's JSON and the ZIP's
// central directory unchanged (else the package would not verify).
func FuzzEvidencePath(f *testing.F) {
	f.Add("measure", "1.1", 1, "beleid.pdf")
	f.Add("risk_scenario", "../../etc", 2, "..\\..\\passwd")
	f.Add("", "", 0, "")
	f.Add("incident", "42", 3, strings.Repeat("é", 70)+".docx")
	f.Add("x", "y", -1, "a\x00b\u202e.exe")
	f.Fuzz(func(t *testing.T, subjectType, subjectRef string, version int, filename string) {
		p := report.EvidencePath(subjectType, subjectRef, version, filename)
		if !utf8.ValidString(p) {
			t.Fatalf("%q: path %q is not UTF-8", filename, p)
		}
		parts := strings.Split(p, "/")
		if len(parts) != 4 || parts[0] != "evidence" {
			t.Fatalf("path %q has %d parts", p, len(parts))
		}
		prefix := strconv.Itoa(version) + "-"
		if !strings.HasPrefix(parts[3], prefix) {
			t.Fatalf("path %q lacks the version", p)
		}
		for i, part := range []string{parts[1], parts[2], strings.TrimPrefix(parts[3], prefix)} {
			if part == "" || part == "." || part == ".." || strings.HasPrefix(part, ".") && i < 2 || len(part) > 120 {
				t.Fatalf("path %q: part %q", p, part)
			}
			for _, r := range part {
				if !unicode.IsLetter(r) && !unicode.IsDigit(r) && !strings.ContainsRune(".-_()", r) {
					t.Fatalf("path %q: character %q", p, r)
				}
			}
		}
		var back string
		if b, err := json.Marshal(p); err != nil || json.Unmarshal(b, &back) != nil || back != p {
			t.Fatalf("path %q reads back from JSON as %q", p, back)
		}
		var buf bytes.Buffer
		zw := zip.NewWriter(&buf)
		if _, err := zw.Create(p); err != nil {
			t.Fatal(err)
		}
		zw.Close()
		zr, err := zip.NewReader(bytes.NewReader(buf.Bytes()), int64(buf.Len()))
		if err != nil || zr.File[0].Name != p {
			t.Fatalf("path %q reads back from the ZIP as %v (%v)", p, zr, err)
		}
	})
}
