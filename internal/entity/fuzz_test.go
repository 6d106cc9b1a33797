package entity

import (
	"net/netip"
	"slices"
	"strings"
	"testing"
)

// FuzzNormaliseRanges: the registration's IP ranges field. Accepted text
// yields masked, distinct CIDR ranges in canonical form that parse back to
// themselves, one per non-empty line or more (never invented), and every
// reported overlap names two of them; normalising the output again changes
// nothing.
func FuzzNormaliseRanges(f *testing.F) {
	for _, seed := range []string{
		"192.0.2.0/24\n198.51.100.7",
		"10.0.0.1/8, 10.1.0.0/16\r\n2001:db8::/32",
		"::ffff:192.0.2.1/128\n192.0.2.1",
		"fe80::1%eth0/64",
		"0.0.0.0/0\n::/0",
		"300.1.1.1/24\n\n",
		"",
	} {
		f.Add(seed)
	}
	f.Fuzz(func(t *testing.T, text string) {
		ranges, overlaps, ok := normaliseRanges(text)
		if ranges == nil {
			t.Fatal("nil ranges: the form needs an empty list")
		}
		if !ok {
			return
		}
		if lines := len(strings.FieldsFunc(text, func(r rune) bool { return r == '\n' || r == '\r' || r == ',' })); len(ranges) > lines {
			t.Fatalf("%q: %d ranges from %d lines", text, len(ranges), lines)
		}
		for i, r := range ranges {
			p, err := netip.ParsePrefix(r)
			if err != nil || p != p.Masked() || p.String() != r || slices.Index(ranges, r) != i {
				t.Fatalf("%q: range %q not canonical, masked and distinct (%v)", text, r, err)
			}
		}
		for _, o := range overlaps {
			if !slices.Contains(ranges, o[0]) || !slices.Contains(ranges, o[1]) || o[0] == o[1] {
				t.Fatalf("%q: overlap %v of ranges not listed", text, o)
			}
			if !netip.MustParsePrefix(o[0]).Overlaps(netip.MustParsePrefix(o[1])) {
				t.Fatalf("%q: %v do not overlap", text, o)
			}
		}
		again, overlaps2, ok2 := normaliseRanges(strings.Join(ranges, "\n"))
		if !ok2 || !slices.Equal(again, ranges) || len(overlaps2) != len(overlaps) {
			t.Fatalf("%q: not idempotent: %v → %v", text, ranges, again)
		}
	})
}
