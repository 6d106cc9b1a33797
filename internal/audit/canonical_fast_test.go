package audit

import (
	"encoding/json"
	"math/rand/v2"
	"strings"
	"testing"
	"time"
)

// TestFastCanonicalAgreesWithGeneral: for random changes, the fast paths
// give exactly the general path's bytes (or step aside), both for events
// (changesJSON) and for stored JSON in any layout (canonicalJSON), and they
// are taken for the plain values events carry.
func TestFastCanonicalAgreesWithGeneral(t *testing.T) {
	t.Parallel()
	seed := uint64(time.Now().UnixNano())
	t.Logf("seed %d", seed)
	rng := rand.New(rand.NewPCG(seed, 0xfa57))
	fastChanges, fastJSON := 0, 0
	for range 3000 {
		before, after := randomMap(rng, 0), randomMap(rng, 0)
		doc := map[string]any{}
		if len(before) > 0 {
			doc["before"] = before
		}
		if len(after) > 0 {
			doc["after"] = after
		}
		want, wantErr := generalChangesJSON(doc)
		got, err := changesJSON(before, after)
		if string(got) != string(want) || (err == nil) != (wantErr == nil) {
			t.Fatalf("changesJSON(%v, %v) = %s, %v; general %s, %v", before, after, got, err, want, wantErr)
		}
		if _, ok := plainChanges(doc); ok {
			fastChanges++
		}
		if wantErr != nil {
			continue
		}
		// The same document as encoding/json writes it, indented, and as
		// canonical bytes.
		marshalled, _ := json.Marshal(doc)
		indented, _ := json.MarshalIndent(doc, " ", "\t")
		for _, raw := range [][]byte{want, marshalled, indented} {
			general, gErr := generalCanonicalJSON(raw)
			fast, ok := fastCanonical(raw)
			if ok {
				fastJSON++
				if gErr != nil || string(fast) != string(general) {
					t.Fatalf("fastCanonical(%s) = %s; general %s, %v", raw, fast, general, gErr)
				}
			}
		}
	}
	if fastChanges < 100 || fastJSON < 3000 {
		t.Errorf("fast paths taken %d and %d times: the test exercises too little", fastChanges, fastJSON)
	}
}

// TestFastCanonicalStepsAside: inputs whose canonical form the general path
// decides (duplicate keys, surrogate escapes, invalid UTF-8, malformed
// JSON, values events rarely carry) make the fast paths report false.
func TestFastCanonicalStepsAside(t *testing.T) {
	t.Parallel()
	for _, in := range []string{``, ` `, `{`, `{"a":1,"a":2}`, `"\ud83d\ude00"`, "\"\xff\"", `01`, `1.`, `-`, `1e`, `{"a":1}x`,
		`[1,]`, `{"a" 1}`, `tru`, `"a` + "\n" + `b"`, `"\x"`, `{,}`, strings.Repeat("[", maxFastDepth+2) + strings.Repeat("]", maxFastDepth+2)} {
		if out, ok := fastCanonical([]byte(in)); ok {
			t.Errorf("fastCanonical(%q) = %q, want the general path", in, out)
		}
	}
	for _, v := range []any{1.5, float32(2), time.Now(), struct{}{}, "\xff", map[string]any{"a\x00": 1}, []int{1}, uint64(1)} {
		if _, ok := plainChanges(map[string]any{"after": map[string]any{"v": v}}); ok {
			t.Errorf("plainChanges(%#v) took the fast path", v)
		}
	}
}

// FuzzFastCanonical: whenever the fast path answers, the general path gives
// the same bytes.
func FuzzFastCanonical(f *testing.F) {
	for _, s := range []string{`{"a":1}`, `{"b": {"a": [null, true, "x\n\u00e9"]}, "a": -0.50e1}`, `[1.0e2,-0,0.1,"é\u2028"]`,
		`{"a":1,"a":2}`, `"\ud83d\ude00"`, `{"after": {"name": "A \"B\""}, "before": {}}`} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, in string) {
		fast, ok := fastCanonical([]byte(in))
		if !ok {
			return
		}
		general, err := generalCanonicalJSON([]byte(in))
		if err != nil || string(fast) != string(general) {
			t.Fatalf("fastCanonical(%q) = %q; general %q, %v", in, fast, general, err)
		}
	})
}
