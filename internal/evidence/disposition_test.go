package evidence_test

import (
	"mime"
	"strings"
	"testing"

	"github.com/weerbaar/weerbaar/internal/evidence"
)

func TestContentDisposition(t *testing.T) {
	t.Parallel()
	for _, c := range []struct{ in, want string }{
		{"beleid.pdf", `attachment; filename="beleid.pdf"; filename*=UTF-8''beleid.pdf`},
		{"../x\";\r\nX: y.pdf", `attachment; filename="x____X_ y.pdf"; filename*=UTF-8''x%22%3B__X%3A%20y.pdf`},
		{"Beleid ë €.pdf", `attachment; filename="Beleid _ _.pdf"; filename*=UTF-8''Beleid%20%C3%AB%20%E2%82%AC.pdf`},
		{`C:\Users\anna\plan 100%.docx`, `attachment; filename="plan 100_.docx"; filename*=UTF-8''plan%20100%25.docx`},
		{"/etc/passwd", `attachment; filename="passwd"; filename*=UTF-8''passwd`},
		{"a\\b/..", `attachment; filename="download"; filename*=UTF-8''download`},
		{"", `attachment; filename="download"; filename*=UTF-8''download`},
		{"bad\xffbyte\x00.txt", `attachment; filename="bad_byte_.txt"; filename*=UTF-8''bad_byte_.txt`},
		{"tab\there\u0085.md", `attachment; filename="tab_here_.md"; filename*=UTF-8''tab_here_.md`},
		{"日本.pdf", `attachment; filename="__.pdf"; filename*=UTF-8''%E6%97%A5%E6%9C%AC.pdf`},
	} {
		got := evidence.ContentDisposition(c.in)
		if got != c.want {
			t.Errorf("ContentDisposition(%q)\n got %s\nwant %s", c.in, got, c.want)
		}
	}
}

// TestContentDispositionParses checks that Go's own parser (as a stand-in for
// browsers) reads back the intended name, and that nothing can break out of
// the header whatever the name.
func TestContentDispositionParses(t *testing.T) {
	t.Parallel()
	for in, want := range map[string]string{
		"Beleid ë €.pdf":  "Beleid ë €.pdf",
		"../x\";\r\nX: y": "x\";__X: y",
		"a;b=c\"d.txt":    "a;b=c\"d.txt",
	} {
		v := evidence.ContentDisposition(in)
		if strings.ContainsAny(v, "\r\n") {
			t.Fatalf("line break in %q", v)
		}
		disp, params, err := mime.ParseMediaType(v)
		if err != nil || disp != "attachment" || params["filename"] != want {
			t.Errorf("ParseMediaType(%q) = %q %v %v; want filename %q", v, disp, params, err, want)
		}
	}
}

func FuzzContentDisposition(f *testing.F) {
	f.Add("../x\";\r\nX: y.pdf")
	f.Add("Beleid ë €.pdf")
	f.Fuzz(func(t *testing.T, name string) {
		v := evidence.ContentDisposition(name)
		fallback, rest, ok := strings.Cut(strings.TrimPrefix(v, `attachment; filename="`), `"; filename*=UTF-8''`)
		if !ok || !strings.HasPrefix(v, `attachment; filename="`) {
			t.Fatalf("unexpected shape %q", v)
		}
		for _, c := range []byte(fallback) {
			if c < 0x20 || c > 0x7e || strings.IndexByte(`"\/:;%`, c) >= 0 {
				t.Fatalf("byte %q in fallback of %q", c, v)
			}
		}
		for _, c := range []byte(rest) {
			if !(c == '%' || 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9' ||
				strings.IndexByte("!#$&+-.^_`|~", c) >= 0) {
				t.Fatalf("byte %q in filename* of %q", c, v)
			}
		}
	})
}
