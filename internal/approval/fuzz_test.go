package approval

import (
	"encoding/json"
	"testing"
)

// FuzzCanonicalAndDiff: for any JSON document, canonicalising is idempotent
// (the canonical bytes canonicalise to themselves, so the hash is stable),
// a document differs from itself in nothing, and differs from a changed
// copy in at least one change.
func FuzzCanonicalAndDiff(f *testing.F) {
	for _, seed := range []string{`{"a":1}`, `{"measures":[{"code":"a","target":3},{"code":"b"}]}`, `[1,2,{"x":null}]`, `"s"`, `{"b":1e2,"a":[true,false]}`} {
		f.Add(seed)
	}
	f.Fuzz(func(t *testing.T, doc string) {
		var v any
		if json.Unmarshal([]byte(doc), &v) != nil {
			return
		}
		c1, h1, err := Canonical(json.RawMessage(doc))
		if err != nil {
			return // numbers PostgreSQL cannot store are refused
		}
		c2, h2, err := Canonical(json.RawMessage(c1))
		if err != nil || string(c1) != string(c2) || h1 != h2 {
			t.Fatalf("not idempotent: %s → %s (%v)", c1, c2, err)
		}
		if changes, err := DiffSnapshots(c1, c1); err != nil || len(changes) != 0 {
			t.Fatalf("self diff of %s: %v %v", c1, changes, err)
		}
		wrapped, _, err := Canonical(map[string]any{"v": json.RawMessage(c1)})
		if err != nil {
			t.Fatal(err)
		}
		other, _, _ := Canonical(map[string]any{"v": json.RawMessage(c1), "added": true})
		if changes, err := DiffSnapshots(wrapped, other); err != nil || len(changes) != 1 || changes[0].Type != Added {
			t.Fatalf("one added key: %v %v", changes, err)
		}
	})
}
