package audit

import (
	"context"
	"encoding/json"
	"fmt"
	"math"
	"math/big"
	"math/rand/v2"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/weerbaar/weerbaar/internal/db"
	"github.com/weerbaar/weerbaar/internal/dbtest"
)

func TestCanonicalNumber(t *testing.T) {
	t.Parallel()
	for _, c := range []struct{ in, want string }{
		{"0", "0"},
		{"-0", "0"},
		{"-0.000e5", "0"},
		{"7", "7"},
		{"-7", "-7"},
		{"100", "100"},
		{"100.0", "100"},
		{"1E2", "100"},
		{"1e+2", "100"},
		{"0.1", "0.1"},
		{"0.10", "0.1"},
		{"1e-7", "0.0000001"},
		{"-1.5E-3", "-0.0015"},
		{"12345678901234567", "12345678901234567"},
		{"123456789012345678901234567890.000123", "123456789012345678901234567890.000123"},
		{"1.7976931348623157e+308", "17976931348623157" + strings.Repeat("0", 292)},
		{"2.5e1", "25"},
		{"25e-1", "2.5"},
	} {
		got, err := canonicalNumber(c.in)
		if err != nil || got != c.want {
			t.Errorf("canonicalNumber(%s) = %s, %v; want %s", c.in, got, err, c.want)
		}
	}
	for _, bad := range []string{"1e999999", "1e-999999", "1e99999999999999999999", "x", "1.2.3"} {
		if got, err := canonicalNumber(bad); err == nil {
			t.Errorf("canonicalNumber(%s) = %.20s, want an error", bad, got)
		}
	}
}

func TestCanonicalJSON(t *testing.T) {
	t.Parallel()
	for _, c := range []struct{ in, want string }{
		{`{ "b" : 1 , "a" : [ true, false, null, "x" ] }`, `{"a":[true,false,null,"x"],"b":1}`},
		{`{"é":1,"z":2,"A":3,"aa":4,"a":5}`, `{"A":3,"a":5,"aa":4,"z":2,"é":1}`},
		{`"<>&/\u2028\u00e9\ud83d\ude00"`, "\"<>&/\u2028é😀\""},
		{`"\u0001\b\f\n\r\t\"\\\u001f\u007f"`, `"\u0001\b\f\n\r\t\"\\\u001f` + "\x7f\""},
		{`{"n":1.0E1,"m":{"y":-0,"x":0.50}}`, `{"m":{"x":0.5,"y":0},"n":10}`},
	} {
		got, err := canonicalJSON([]byte(c.in))
		if err != nil || string(got) != c.want {
			t.Errorf("canonicalJSON(%s) = %s, %v; want %s", c.in, got, err, c.want)
		}
	}
	for _, bad := range []string{``, `{`, `{} {}`, `{"a":1}x`} {
		if _, err := canonicalJSON([]byte(bad)); err == nil {
			t.Errorf("canonicalJSON(%q) succeeded", bad)
		}
	}
}

// TestNegativeZeroFloat: a float64 negative zero (written math.Copysign(0,
// -1): the constant -0.0 is +0 in Go) marshals as -0 and canonicalises to 0,
// like the JSON literal -0, so both hash alike.
func TestNegativeZeroFloat(t *testing.T) {
	t.Parallel()
	negZero := math.Copysign(0, -1)
	if !math.Signbit(negZero) {
		t.Fatal("not a negative zero")
	}
	for _, v := range []any{negZero, 0.0, json.Number("-0")} {
		got, err := changesJSON(nil, map[string]any{"x": v})
		if err != nil || string(got) != `{"after":{"x":0}}` {
			t.Errorf("changesJSON(x: %#v) = %s, %v; want {\"after\":{\"x\":0}}", v, got, err)
		}
	}
}

// TestCanonicalRowFormat pins the documented row format and hash, so any
// change to it (which would break every stored chain) fails here.
func TestCanonicalRowFormat(t *testing.T) {
	t.Parallel()
	actor := int64(7)
	r := Row{
		EntityID: 3, Seq: 2, At: time.Date(2025, 3, 1, 10, 4, 5, 120_000_999, time.FixedZone("CET", 3600)),
		ActorID: &actor, ActorEmail: "anna@example.nl", Action: "measure.update", ObjectType: "measure",
		ObjectID: "m1", IP: "192.0.2.1", UserAgent: "UA \"1\"",
		Changes:  json.RawMessage(`{"before": {"maturity": 1}, "after": {"maturity": 2.0}}`),
		PrevHash: GenesisHash,
	}
	r.At = stamp(r.At)
	doc, err := canonicalRow(r)
	if err != nil {
		t.Fatal(err)
	}
	want := `{"entity_id":3,"seq":2,"at":"2025-03-01T09:04:05.120000Z","actor_id":7,"actor_email":"anna@example.nl",` +
		`"action":"measure.update","object_type":"measure","object_id":"m1","ip":"192.0.2.1","user_agent":"UA \"1\"",` +
		`"changes":{"after":{"maturity":2},"before":{"maturity":1}}}`
	if string(doc) != want {
		t.Fatalf("canonical row\n got %s\nwant %s", doc, want)
	}
	h, err := rowHash(r)
	if err != nil {
		t.Fatal(err)
	}
	// Computed outside Go: printf '%s%s' "$GENESIS" "$want" | sha256sum
	if want := "ff6b5d0d8fa69edaa8d8e1a264578b615a4428c84f2d702fc357ada1b6cf9bff"; h != want {
		t.Fatalf("hash = %s, want %s", h, want)
	}
	r.EntityID, r.ActorID = 0, nil
	doc, _ = canonicalRow(r)
	if !strings.HasPrefix(string(doc), `{"entity_id":null,"seq":2,`) || !strings.Contains(string(doc), `"actor_id":null,`) {
		t.Errorf("instance chain, no actor: %s", doc)
	}
}

func TestDiff(t *testing.T) {
	t.Parallel()
	at := time.Date(2025, 1, 2, 3, 4, 5, 0, time.UTC)
	for _, c := range []struct {
		name          string
		before, after map[string]any
		wantB, wantA  map[string]any
	}{
		{"nothing changed", map[string]any{"a": 1, "t": at, "m": map[string]any{"x": []int{1}}},
			map[string]any{"a": 1, "t": at, "m": map[string]any{"x": []int{1}}}, map[string]any{}, map[string]any{}},
		{"changed", map[string]any{"a": 1, "b": "x"}, map[string]any{"a": 2, "b": "x"},
			map[string]any{"a": 1}, map[string]any{"a": 2}},
		{"added", map[string]any{"a": 1}, map[string]any{"a": 1, "n": "new"}, map[string]any{}, map[string]any{"n": "new"}},
		{"removed", map[string]any{"a": 1, "gone": true}, map[string]any{"a": 1}, map[string]any{"gone": true}, map[string]any{}},
		{"nil and missing differ", map[string]any{"a": nil}, map[string]any{}, map[string]any{"a": nil}, map[string]any{}},
		{"same number, other type", map[string]any{"n": int64(5), "f": 1.0}, map[string]any{"n": 5, "f": 1}, map[string]any{}, map[string]any{}},
		{"nested change", map[string]any{"m": map[string]any{"x": 1}}, map[string]any{"m": map[string]any{"x": 2}},
			map[string]any{"m": map[string]any{"x": 1}}, map[string]any{"m": map[string]any{"x": 2}}},
		{"nil maps", nil, nil, map[string]any{}, map[string]any{}},
		{"create", nil, map[string]any{"name": "A"}, map[string]any{}, map[string]any{"name": "A"}},
	} {
		b, a := Diff(c.before, c.after)
		if !reflect.DeepEqual(b, c.wantB) || !reflect.DeepEqual(a, c.wantA) {
			t.Errorf("%s: Diff = %v, %v; want %v, %v", c.name, b, a, c.wantB, c.wantA)
		}
	}
}

// randomValue builds JSON-able values of the kinds a change can hold.
func randomValue(rng *rand.Rand, depth int) any {
	strs := []string{"", "é", "naïve café", "日本語", "emoji 😀🇳🇱", "quote \" and \\ backslash", "<b>&amp;</b>",
		"line\nbreak\ttab\r", "\u0001\u001f\u007f", "\u2028\u2029", "/slash/", "\ufffd", "zero-width\u200b"}
	nums := []any{0, -1, 42, int64(12345678901234567), int64(math.MaxInt64), int64(math.MinInt64), uint64(math.MaxUint64),
		0.1, math.Copysign(0, -1), 1e21, 1e-7, 3.141592653589793, math.MaxFloat64, math.SmallestNonzeroFloat64, float32(0.1),
		json.Number("12345678901234567"), json.Number("0.1"), json.Number("1E+2"), json.Number("100.000"),
		json.Number("-0"), json.Number("1e400"), json.Number("123456789012345678901234567890.000123")}
	switch k := rng.IntN(10); {
	case k < 3:
		var b strings.Builder
		for range rng.IntN(4) {
			b.WriteString(strs[rng.IntN(len(strs))])
			if rng.IntN(3) == 0 {
				b.WriteRune(rune(rng.IntN(0x10FFFF-0x20) + 0x20))
			}
		}
		return b.String()
	case k < 6:
		return nums[rng.IntN(len(nums))]
	case k == 6:
		return rng.IntN(2) == 0
	case k == 7:
		return nil
	case k == 8 && depth < 3:
		arr := make([]any, rng.IntN(4))
		for i := range arr {
			arr[i] = randomValue(rng, depth+1)
		}
		return arr
	default:
		if depth >= 3 {
			return rng.Float64() * math.Pow(10, float64(rng.IntN(40)-20))
		}
		return randomMap(rng, depth+1)
	}
}

func randomMap(rng *rand.Rand, depth int) map[string]any {
	keys := []string{"name", "Name", "naam", "é", "a", "aa", "b", "", " ", "😀", "k\"q", "long_field_name", "z"}
	m := map[string]any{}
	for range rng.IntN(6) {
		m[keys[rng.IntN(len(keys))]] = randomValue(rng, depth)
	}
	return m
}

// TestCanonicalStableAcrossJSONB is the property behind Verify: for random
// changes, canonicalising what jsonb gives back yields exactly the bytes
// hashed at insert. Some of the inputs also go through Record and Verify.
func TestCanonicalStableAcrossJSONB(t *testing.T) {
	t.Parallel()
	pool := dbtest.New(t)
	ctx := context.Background()
	seed := uint64(time.Now().UnixNano())
	t.Logf("seed %d", seed)
	rng := rand.New(rand.NewPCG(seed, 0x5eed))
	const n = 300
	for i := range n {
		before, after := randomMap(rng, 0), randomMap(rng, 0)
		want, err := changesJSON(before, after)
		if err != nil {
			t.Fatalf("changesJSON(%v, %v): %v", before, after, err)
		}
		if again, err := canonicalJSON(want); err != nil || string(again) != string(want) {
			t.Fatalf("canonical form not idempotent:\n%s\n%s (%v)", want, again, err)
		}
		var fromDB json.RawMessage
		if err := pool.QueryRow(ctx, `SELECT $1::jsonb`, want).Scan(&fromDB); err != nil {
			t.Fatalf("jsonb of %s: %v", want, err)
		}
		got, err := canonicalJSON(fromDB)
		if err != nil {
			t.Fatalf("canonicalJSON(%s): %v", fromDB, err)
		}
		if string(got) != string(want) {
			t.Fatalf("jsonb round trip changed the canonical form:\n sent %s\n back %s\n canon %s", want, fromDB, got)
		}
		if i%10 == 0 {
			err := db.InTx(ctx, pool, func(tx pgx.Tx) error {
				return Record(ctx, tx, Event{Action: "test.random", Before: before, After: after})
			})
			if err != nil {
				t.Fatalf("Record: %v", err)
			}
		}
	}
	res, err := Verify(ctx, pool, 0, false)
	if err != nil || res.Broken != nil || res.Rows != n/10 {
		t.Fatalf("Verify after random changes = %+v (broken %+v), %v", res, res.Broken, err)
	}
}

// FuzzCanonicalJSON checks that the canonical form is valid JSON, a fixed
// point, and keeps every number's exact value.
func FuzzCanonicalJSON(f *testing.F) {
	for _, s := range []string{`{"a":1}`, `[1.0e2,-0,0.1,"é\u2028"]`, `{"b":{"a":[null,true]}}`, `12345678901234567e-3`} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, in string) {
		canon, err := canonicalJSON([]byte(in))
		if err != nil {
			return
		}
		if !json.Valid(canon) {
			t.Fatalf("canonicalJSON(%q) = %q is not JSON", in, canon)
		}
		again, err := canonicalJSON(canon)
		if err != nil || string(again) != string(canon) {
			t.Fatalf("not a fixed point: %q → %q → %q (%v)", in, canon, again, err)
		}
		if v, err := decodeJSON([]byte(in)); err == nil {
			if n, ok := v.(json.Number); ok {
				x, okX := new(big.Rat).SetString(string(n))
				y, okY := new(big.Rat).SetString(string(canon))
				if !okX || !okY || x.Cmp(y) != 0 {
					t.Fatalf("number %s became %s", n, canon)
				}
			}
		}
	})
}

func ExampleDiff() {
	b, a := Diff(map[string]any{"name": "Oud", "city": "Delft"}, map[string]any{"name": "Nieuw", "city": "Delft", "kvk": "123"})
	fmt.Println(b, a)
	// Output: map[name:Oud] map[kvk:123 name:Nieuw]
}
