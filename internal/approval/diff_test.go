package approval

import (
	"reflect"
	"strings"
	"testing"
)

func TestCanonicalHashStability(t *testing.T) {
	t.Parallel()
	a := map[string]any{"measures": []any{map[string]any{"code": "a", "status": "in_progress", "target": 3}}, "edition": "2026.1"}
	// The same content built in another key order, and through a struct.
	b := map[string]any{"edition": "2026.1", "measures": []any{map[string]any{"target": 3, "status": "in_progress", "code": "a"}}}
	type m struct {
		Target int    `json:"target"`
		Code   string `json:"code"`
		Status string `json:"status"`
	}
	c := struct {
		Measures []m    `json:"measures"`
		Edition  string `json:"edition"`
	}{[]m{{3, "a", "in_progress"}}, "2026.1"}
	docA, hashA, err := Canonical(a)
	if err != nil {
		t.Fatal(err)
	}
	for name, v := range map[string]any{"key order": b, "struct": c} {
		doc, hash, err := Canonical(v)
		if err != nil {
			t.Fatal(err)
		}
		if hash != hashA || string(doc) != string(docA) {
			t.Errorf("%s: %s %s, want %s %s", name, doc, hash, docA, hashA)
		}
	}
	if want := `{"edition":"2026.1","measures":[{"code":"a","status":"in_progress","target":3}]}`; string(docA) != want {
		t.Errorf("canonical = %s, want %s", docA, want)
	}
	if len(hashA) != 64 || strings.Trim(hashA, "0123456789abcdef") != "" {
		t.Errorf("hash %q is not 64 lowercase hex digits", hashA)
	}
	// Any change changes the hash: a value, a key, an element, the order of
	// an array, a number's value (not its notation).
	changed := []any{
		map[string]any{"measures": []any{map[string]any{"code": "a", "status": "implemented", "target": 3}}, "edition": "2026.1"},
		map[string]any{"measures": []any{map[string]any{"code": "a", "status": "in_progress", "target": 4}}, "edition": "2026.1"},
		map[string]any{"measures": []any{map[string]any{"code": "a", "state": "in_progress", "target": 3}}, "edition": "2026.1"},
		map[string]any{"measures": []any{}, "edition": "2026.1"},
		map[string]any{"measures": []any{map[string]any{"code": "a", "status": "in_progress", "target": 3}}, "edition": "2026.2"},
		map[string]any{"measures": []any{map[string]any{"code": "a", "status": "in_progress ", "target": 3}}, "edition": "2026.1"},
	}
	seen := map[string]bool{hashA: true}
	for i, v := range changed {
		_, h, err := Canonical(v)
		if err != nil {
			t.Fatal(err)
		}
		if seen[h] {
			t.Errorf("change %d: hash %s not new", i, h)
		}
		seen[h] = true
	}
	_, h1, _ := Canonical(map[string]any{"n": 3})
	_, h2, _ := Canonical(map[string]any{"n": 3.0})
	if h1 != h2 {
		t.Errorf("3 and 3.0 hash differently")
	}
	if Hash(docA) != hashA {
		t.Errorf("Hash(doc) differs from Canonical's hash")
	}
}

func TestDiffSnapshots(t *testing.T) {
	t.Parallel()
	doc := func(v any) []byte {
		d, _, err := Canonical(v)
		if err != nil {
			t.Fatal(err)
		}
		return d
	}
	before := doc(map[string]any{
		"edition":  "2026.1",
		"measures": []any{map[string]any{"code": "a", "status": "in_progress", "target": 3}, map[string]any{"code": "b", "status": "not_started", "target": 2}},
		"tags":     []any{"x", "y"},
		"old":      true,
	})
	after := doc(map[string]any{
		"edition":  "2026.1",
		"measures": []any{map[string]any{"code": "c", "status": "verified", "target": 1}, map[string]any{"code": "a", "status": "implemented", "target": 3}},
		"tags":     []any{"x", "z", "w"},
		"new":      "n",
	})
	got, err := DiffSnapshots(before, after)
	if err != nil {
		t.Fatal(err)
	}
	want := []Change{
		{Type: Changed, Path: []string{"measures", "[a]", "status"}, Before: `"in_progress"`, After: `"implemented"`},
		{Type: Removed, Path: []string{"measures", "[b]"}, Before: `{"code":"b","status":"not_started","target":2}`},
		{Type: Added, Path: []string{"measures", "[c]"}, After: `{"code":"c","status":"verified","target":1}`},
		{Type: Added, Path: []string{"new"}, After: `"n"`},
		{Type: Removed, Path: []string{"old"}, Before: `true`},
		{Type: Changed, Path: []string{"tags", "[2]"}, Before: `"y"`, After: `"z"`},
		{Type: Added, Path: []string{"tags", "[3]"}, After: `"w"`},
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("diff =\n%+v\nwant\n%+v", got, want)
	}
	if none, _ := DiffSnapshots(after, after); len(none) != 0 {
		t.Errorf("equal documents: %v", none)
	}
	if f := want[0].Field(); f != "status" {
		t.Errorf("Field = %q", f)
	}
	if f := want[1].Field(); f != "measures" {
		t.Errorf("Field = %q", f)
	}
	if Plain(`"x y"`) != "x y" || Plain(`3`) != "3" {
		t.Errorf("Plain")
	}
	if _, err := DiffSnapshots([]byte("{"), after); err == nil {
		t.Errorf("broken document: no error")
	}
}
