package evidence

import (
	"strings"
	"testing"
	"unicode"
	"unicode/utf8"

	"github.com/weerbaar/weerbaar/internal/validate"
)

// FuzzCleanFilename: an upload's file name as the browser sends it is
// refused with the file field's error, or kept as a bare, trimmed, printable
// UTF-8 name of at most MaxFilename bytes that cleans to itself.
func FuzzCleanFilename(f *testing.F) {
	for _, s := range []string{"rapport.pdf", `C:\Users\an\Desktop\beleid.docx`, "/etc/passwd", "..", " . ", "a\x00.pdf",
		"\xff.pdf", "dir/", strings.Repeat("a", 256), "re\u202eport.pdf", "  spaties.txt  "} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, name string) {
		got, err := cleanFilename(name)
		if err != nil {
			if validate.Fields(err)["file"] != "evidence.error.filename" {
				t.Fatalf("%q: error %v without the file field", name, err)
			}
			return
		}
		if got == "" || got == "." || got == ".." || got != strings.TrimSpace(got) || len(got) > MaxFilename ||
			!utf8.ValidString(got) || strings.ContainsAny(got, `/\`) || strings.ContainsFunc(got, unicode.IsControl) {
			t.Fatalf("%q: kept as %q", name, got)
		}
		if again, err := cleanFilename(got); err != nil || again != got {
			t.Fatalf("%q: %q cleans again to %q, %v", name, got, again, err)
		}
	})
}

// FuzzParseRegisterCursor: the evidence register's page cursor comes from
// the URL. It is refused, or a positive id with a short UTF-8 key whose URL
// form reads back the same.
func FuzzParseRegisterCursor(f *testing.F) {
	f.Add(RegisterCursor{Key: "beleid.pdf", ID: 12}.String())
	f.Add("0.YQ")
	f.Add("-1.")
	f.Add("7.")
	f.Add("9223372036854775807._w")
	f.Add("5.YQ==")
	f.Fuzz(func(t *testing.T, s string) {
		c, ok := ParseRegisterCursor(s)
		if !ok {
			if c != (RegisterCursor{}) {
				t.Fatalf("%q: refused with %+v", s, c)
			}
			return
		}
		if c.ID <= 0 || len(c.Key) > 300 || !utf8.ValidString(c.Key) {
			t.Fatalf("%q: accepted %+v", s, c)
		}
		if back, ok := ParseRegisterCursor(c.String()); !ok || back != c {
			t.Fatalf("%q: %+v → %q → %+v", s, c, c.String(), back)
		}
	})
}
