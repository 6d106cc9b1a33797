package approval

import (
	"bytes"
	"encoding/json"
	"fmt"
	"slices"
	"strings"

	"github.com/weerbaar/weerbaar/internal/audit"
)

// ChangeType says whether a value was added, removed or changed.
type ChangeType string

// The change types.
const (
	Added   ChangeType = "added"
	Removed ChangeType = "removed"
	Changed ChangeType = "changed"
)

// Change is one difference between two snapshots. Path is the value's
// place: object keys, and for an array element its key ("code", "ref" or
// "id" of the element when every element has one, else its position). Before
// and After are the values as canonical JSON ("" for the side that has none).
type Change struct {
	Type   ChangeType
	Path   []string
	Before string
	After  string
}

// Field is the last object key of the path (for value translations).
func (c Change) Field() string {
	for i := len(c.Path) - 1; i >= 0; i-- {
		if !strings.HasPrefix(c.Path[i], "[") {
			return c.Path[i]
		}
	}
	return ""
}

// elementKeys are the fields that identify an element of an array of
// objects, in order of preference; keyed elements are matched by key, so
// inserting one element shows as one addition, not a shifted list.
var elementKeys = []string{"code", "ref", "id"}

// DiffSnapshots compares two canonical JSON documents and returns the
// changes in path order. Equal documents give none.
func DiffSnapshots(before, after []byte) ([]Change, error) {
	b, err := decode(before)
	if err != nil {
		return nil, fmt.Errorf("diff: before: %w", err)
	}
	a, err := decode(after)
	if err != nil {
		return nil, fmt.Errorf("diff: after: %w", err)
	}
	var out []Change
	diffValue(nil, b, a, &out)
	return out, nil
}

func decode(doc []byte) (any, error) {
	dec := json.NewDecoder(bytes.NewReader(doc))
	dec.UseNumber()
	var v any
	if err := dec.Decode(&v); err != nil {
		return nil, err
	}
	return v, nil
}

func text(v any) string {
	b, err := audit.Canonical(v)
	if err != nil {
		return fmt.Sprint(v)
	}
	return string(b)
}

func diffValue(path []string, b, a any, out *[]Change) {
	switch bv := b.(type) {
	case map[string]any:
		if av, ok := a.(map[string]any); ok {
			diffObject(path, bv, av, out)
			return
		}
	case []any:
		if av, ok := a.([]any); ok {
			diffArray(path, bv, av, out)
			return
		}
	}
	if bt, at := text(b), text(a); bt != at {
		*out = append(*out, Change{Type: Changed, Path: slices.Clone(path), Before: bt, After: at})
	}
}

func diffObject(path []string, b, a map[string]any, out *[]Change) {
	keys := make([]string, 0, len(b)+len(a))
	for k := range b {
		keys = append(keys, k)
	}
	for k := range a {
		if _, ok := b[k]; !ok {
			keys = append(keys, k)
		}
	}
	slices.Sort(keys)
	for _, k := range keys {
		p := append(slices.Clone(path), k)
		bv, inB := b[k]
		av, inA := a[k]
		switch {
		case !inA:
			*out = append(*out, Change{Type: Removed, Path: p, Before: text(bv)})
		case !inB:
			*out = append(*out, Change{Type: Added, Path: p, After: text(av)})
		default:
			diffValue(p, bv, av, out)
		}
	}
}

// keyOf returns the element key field that every element of both arrays
// has, with values unique within each array; "" when there is none (the
// elements are then compared by position).
func keyOf(arrays ...[]any) string {
	for _, f := range elementKeys {
		ok, seen := true, false
		for _, arr := range arrays {
			values := map[string]bool{}
			for _, e := range arr {
				seen = true
				m, isObj := e.(map[string]any)
				if !isObj {
					return ""
				}
				v, has := m[f]
				if !has || values[text(v)] {
					ok = false
					break
				}
				values[text(v)] = true
			}
		}
		if ok && seen {
			return f
		}
	}
	return ""
}

func diffArray(path []string, b, a []any, out *[]Change) {
	key := keyOf(b, a)
	if key == "" {
		n := max(len(b), len(a))
		for i := 0; i < n; i++ {
			p := append(slices.Clone(path), fmt.Sprintf("[%d]", i+1))
			switch {
			case i >= len(a):
				*out = append(*out, Change{Type: Removed, Path: p, Before: text(b[i])})
			case i >= len(b):
				*out = append(*out, Change{Type: Added, Path: p, After: text(a[i])})
			default:
				diffValue(p, b[i], a[i], out)
			}
		}
		return
	}
	// Matched on the key's canonical JSON (0 and "0" differ); shown plain.
	id := func(e any) string { return text(e.(map[string]any)[key]) }
	inA := map[string]any{}
	for _, e := range a {
		inA[id(e)] = e
	}
	seen := map[string]bool{}
	for _, e := range b {
		k := id(e)
		seen[k] = true
		p := append(slices.Clone(path), "["+plain(k)+"]")
		if ae, ok := inA[k]; ok {
			diffValue(p, e, ae, out)
		} else {
			*out = append(*out, Change{Type: Removed, Path: p, Before: text(e)})
		}
	}
	for _, e := range a {
		if k := id(e); !seen[k] {
			*out = append(*out, Change{Type: Added, Path: append(slices.Clone(path), "["+plain(k)+"]"), After: text(e)})
		}
	}
}

// plain returns a JSON string value without its quotes, anything else as is.
func plain(doc string) string {
	var s string
	if strings.HasPrefix(doc, `"`) && json.Unmarshal([]byte(doc), &s) == nil {
		return s
	}
	return doc
}

// Plain is a change's value as a person reads it: a string without quotes,
// anything else as its JSON.
func Plain(doc string) string { return plain(doc) }
