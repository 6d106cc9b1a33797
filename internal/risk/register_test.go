package risk

import "testing"

func TestParseRegisterSort(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		in   string
		want RegisterSort
		ok   bool
	}{
		{"", DefaultRegisterSort, true},
		{"level", RegisterSort{Key: "level"}, true},
		{"-level", RegisterSort{Key: "level", Desc: true}, true},
		{"likelihood", RegisterSort{Key: "likelihood"}, true},
		{"-impact", RegisterSort{Key: "impact", Desc: true}, true},
		{"id", RegisterSort{Key: "id"}, true},
		// Not on the allow-list: the default, and refused.
		{"name", DefaultRegisterSort, false},
		{"s.inherent_level", DefaultRegisterSort, false},
		{"level DESC; DROP TABLE risk_scenarios", DefaultRegisterSort, false},
		{"--level", DefaultRegisterSort, false},
		{"updated_at", DefaultRegisterSort, false},
	} {
		got, ok := ParseRegisterSort(tc.in)
		if got != tc.want || ok != tc.ok {
			t.Errorf("ParseRegisterSort(%q) = %+v, %v; want %+v, %v", tc.in, got, ok, tc.want, tc.ok)
		}
		if ok {
			if back, _ := ParseRegisterSort(got.String()); back != got {
				t.Errorf("%q does not round-trip: %+v", tc.in, back)
			}
		}
	}
	for _, k := range RegisterSortKeys {
		if _, ok := registerSorts[k]; !ok {
			t.Errorf("offered sort key %q is not on the allow-list", k)
		}
	}
}

func TestParseCursor(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		in   string
		want Cursor
		ok   bool
	}{
		{"4.120", Cursor{Key: 4, ID: 120}, true},
		{"0.1", Cursor{Key: 0, ID: 1}, true},
		{"4", Cursor{}, false},
		{"4.0", Cursor{Key: 4}, false},
		{"x.1", Cursor{}, false},
		{"4.-1", Cursor{}, false},
		{"", Cursor{}, false},
	} {
		got, ok := ParseCursor(tc.in)
		if ok != tc.ok || (ok && got != tc.want) {
			t.Errorf("ParseCursor(%q) = %+v, %v", tc.in, got, ok)
		}
		if ok && got.String() != tc.in {
			t.Errorf("cursor %q does not round-trip: %q", tc.in, got.String())
		}
	}
}
