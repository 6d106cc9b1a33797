package validate

import (
	"strings"
	"testing"
)

// FuzzEmail: an e-mail address from a form or the command line (accounts,
// invitations, plan contacts). Accepted: trimmed, lower case, 3–254 bytes,
// one @ with a dotted domain, and normalising it again changes nothing.
func FuzzEmail(f *testing.F) {
	for _, s := range []string{" An@Example.NL ", "an@localhost", "An <an@example.nl>", "a@b.c", `"a b"@example.nl`,
		"an@@example.nl", "an@example.nl.", strings.Repeat("a", 250) + "@b.nl", "an@exa\u0130mple.nl"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		got, ok := Email(s)
		if !ok {
			return
		}
		if got != strings.TrimSpace(got) || got != strings.ToLower(got) || len(got) < 3 || len(got) > 254 ||
			!strings.Contains(got[strings.LastIndex(got, "@")+1:], ".") {
			t.Fatalf("%q accepted as %q", s, got)
		}
		if again, ok := Email(got); !ok || again != got {
			t.Fatalf("%q: %q normalises again to %q, %v", s, got, again, ok)
		}
	})
}
