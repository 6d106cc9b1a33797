package audit

import (
	"encoding/json"
	"slices"
	"strconv"
	"strings"
	"unicode/utf8"
)

// The canonical form is computed for every row written, verified and
// exported, 100,000 times for a large entity's chain. The general path
// (canonicalJSON: encoding/json into a tree of maps, then writeCanonical)
// spends most of its time allocating; the fast paths below give exactly the
// same bytes for the inputs the log actually holds and step aside (ok false)
// for everything else, which the general path then decides — including every
// error. FuzzFastCanonical checks that both agree.

// maxFastDepth bounds the recursion of the fast path; deeper documents take
// the general path (encoding/json's own limit is 10,000).
const maxFastDepth = 100

// fastCanonical returns raw's canonical form as canonicalJSON would, for
// well-formed JSON whose strings are valid UTF-8 without escaped surrogates
// and whose objects have no duplicate keys; ok is false otherwise.
func fastCanonical(raw []byte) (out []byte, ok bool) {
	p := canonParser{s: raw}
	out, ok = p.value(make([]byte, 0, len(raw)), 0)
	if !ok {
		return nil, false
	}
	p.ws()
	return out, p.i == len(p.s)
}

// canonParser reads one JSON document from s, writing canonical bytes.
type canonParser struct {
	s []byte
	i int
}

// member is one object member: its decoded key and canonical value.
type member struct {
	key string
	val []byte
}

func (p *canonParser) ws() {
	for p.i < len(p.s) {
		switch p.s[p.i] {
		case ' ', '\t', '\n', '\r':
			p.i++
		default:
			return
		}
	}
}

// value appends the canonical form of the value at p.i to out.
func (p *canonParser) value(out []byte, depth int) ([]byte, bool) {
	p.ws()
	if p.i >= len(p.s) || depth > maxFastDepth {
		return out, false
	}
	switch c := p.s[p.i]; {
	case c == '{':
		return p.object(out, depth)
	case c == '[':
		return p.array(out, depth)
	case c == '"':
		s, ok := p.str()
		if !ok {
			return out, false
		}
		return appendString(out, s), true
	case c == 't':
		return p.literal(out, "true")
	case c == 'f':
		return p.literal(out, "false")
	case c == 'n':
		return p.literal(out, "null")
	case c == '-' || (c >= '0' && c <= '9'):
		return p.number(out)
	}
	return out, false
}

func (p *canonParser) literal(out []byte, lit string) ([]byte, bool) {
	if !strings.HasPrefix(string(p.s[p.i:]), lit) {
		return out, false
	}
	p.i += len(lit)
	return append(out, lit...), true
}

// number reads a number of JSON's grammar and appends canonicalNumber of it.
func (p *canonParser) number(out []byte) ([]byte, bool) {
	start := p.i
	digits := func() int {
		n := 0
		for p.i < len(p.s) && p.s[p.i] >= '0' && p.s[p.i] <= '9' {
			p.i++
			n++
		}
		return n
	}
	if p.s[p.i] == '-' {
		p.i++
	}
	switch {
	case p.i < len(p.s) && p.s[p.i] == '0':
		p.i++
	case digits() == 0:
		return out, false
	}
	if p.i < len(p.s) && p.s[p.i] == '.' {
		p.i++
		if digits() == 0 {
			return out, false
		}
	}
	if p.i < len(p.s) && (p.s[p.i] == 'e' || p.s[p.i] == 'E') {
		p.i++
		if p.i < len(p.s) && (p.s[p.i] == '+' || p.s[p.i] == '-') {
			p.i++
		}
		if digits() == 0 {
			return out, false
		}
	}
	n, err := canonicalNumber(string(p.s[start:p.i]))
	if err != nil {
		return out, false
	}
	return append(out, n...), true
}

// str reads the string at p.i (its opening quote) and returns it decoded.
func (p *canonParser) str() (string, bool) {
	p.i++ // the quote
	start := p.i
	for p.i < len(p.s) {
		c := p.s[p.i]
		switch {
		case c == '"':
			s := string(p.s[start:p.i])
			p.i++
			return s, true
		case c == '\\':
			return p.escapedStr(start)
		case c < 0x20:
			return "", false
		case c < utf8.RuneSelf:
			p.i++
		default:
			r, size := utf8.DecodeRune(p.s[p.i:])
			if r == utf8.RuneError && size == 1 {
				return "", false
			}
			p.i += size
		}
	}
	return "", false
}

// escapedStr continues str from its first backslash.
func (p *canonParser) escapedStr(start int) (string, bool) {
	b := append([]byte(nil), p.s[start:p.i]...)
	for p.i < len(p.s) {
		c := p.s[p.i]
		switch {
		case c == '"':
			p.i++
			return string(b), true
		case c == '\\':
			if p.i+1 >= len(p.s) {
				return "", false
			}
			e := p.s[p.i+1]
			p.i += 2
			switch e {
			case '"', '\\', '/':
				b = append(b, e)
			case 'b':
				b = append(b, '\b')
			case 'f':
				b = append(b, '\f')
			case 'n':
				b = append(b, '\n')
			case 'r':
				b = append(b, '\r')
			case 't':
				b = append(b, '\t')
			case 'u':
				if p.i+4 > len(p.s) {
					return "", false
				}
				r, err := strconv.ParseUint(string(p.s[p.i:p.i+4]), 16, 32)
				if err != nil || (r >= 0xd800 && r <= 0xdfff) { // surrogates: the general path
					return "", false
				}
				p.i += 4
				b = utf8.AppendRune(b, rune(r))
			default:
				return "", false
			}
		case c < 0x20:
			return "", false
		case c < utf8.RuneSelf:
			b = append(b, c)
			p.i++
		default:
			r, size := utf8.DecodeRune(p.s[p.i:])
			if r == utf8.RuneError && size == 1 {
				return "", false
			}
			b = append(b, p.s[p.i:p.i+size]...)
			p.i += size
		}
	}
	return "", false
}

func (p *canonParser) array(out []byte, depth int) ([]byte, bool) {
	p.i++
	out = append(out, '[')
	p.ws()
	if p.i < len(p.s) && p.s[p.i] == ']' {
		p.i++
		return append(out, ']'), true
	}
	for first := true; ; first = false {
		if !first {
			out = append(out, ',')
		}
		var ok bool
		if out, ok = p.value(out, depth+1); !ok {
			return out, false
		}
		p.ws()
		if p.i >= len(p.s) {
			return out, false
		}
		switch p.s[p.i] {
		case ',':
			p.i++
		case ']':
			p.i++
			return append(out, ']'), true
		default:
			return out, false
		}
	}
}

func (p *canonParser) object(out []byte, depth int) ([]byte, bool) {
	p.i++
	p.ws()
	if p.i < len(p.s) && p.s[p.i] == '}' {
		p.i++
		return append(out, '{', '}'), true
	}
	var members []member
	for {
		p.ws()
		if p.i >= len(p.s) || p.s[p.i] != '"' {
			return out, false
		}
		key, ok := p.str()
		if !ok {
			return out, false
		}
		p.ws()
		if p.i >= len(p.s) || p.s[p.i] != ':' {
			return out, false
		}
		p.i++
		val, ok := p.value(nil, depth+1)
		if !ok {
			return out, false
		}
		members = append(members, member{key, val})
		p.ws()
		if p.i >= len(p.s) {
			return out, false
		}
		if p.s[p.i] == '}' {
			p.i++
			break
		}
		if p.s[p.i] != ',' {
			return out, false
		}
		p.i++
	}
	return appendMembers(out, members)
}

// appendMembers writes an object's members sorted bytewise by key (as
// writeCanonical does); duplicate keys (the general path keeps the last)
// give ok false.
func appendMembers(out []byte, members []member) ([]byte, bool) {
	slices.SortFunc(members, func(a, b member) int { return strings.Compare(a.key, b.key) })
	out = append(out, '{')
	for k, m := range members {
		if k > 0 {
			if m.key == members[k-1].key {
				return out, false
			}
			out = append(out, ',')
		}
		out = appendString(out, m.key)
		out = append(out, ':')
		out = append(out, m.val...)
	}
	return append(out, '}'), true
}

// plainChanges returns what decodeJSON(json.Marshal(v)) followed by stripNUL
// would, for the values events carry (maps of strings, booleans, integers,
// nil and nested maps and slices of those), without marshalling; ok is
// false for anything else (floats, times, structs, invalid UTF-8, keys with
// NUL), which changesJSON then marshals.
func plainChanges(v any) (any, bool) {
	switch v := v.(type) {
	case nil:
		return nil, true
	case string:
		if !utf8.ValidString(v) {
			return nil, false
		}
		return strings.ReplaceAll(v, "\x00", "\ufffd"), true
	case bool:
		return v, true
	case int:
		return json.Number(strconv.Itoa(v)), true
	case int64:
		return json.Number(strconv.FormatInt(v, 10)), true
	case int32:
		return json.Number(strconv.FormatInt(int64(v), 10)), true
	case map[string]any:
		if v == nil {
			return nil, true
		}
		out := make(map[string]any, len(v))
		for k, e := range v {
			if !utf8.ValidString(k) || strings.IndexByte(k, 0) >= 0 {
				return nil, false
			}
			pe, ok := plainChanges(e)
			if !ok {
				return nil, false
			}
			out[k] = pe
		}
		return out, true
	case []string:
		return plainSlice(v)
	case []any:
		return plainSlice(v)
	}
	return nil, false
}

// plainSlice is plainChanges of each element (nil stays nil).
func plainSlice[E any](v []E) (any, bool) {
	if v == nil {
		return nil, true
	}
	out := make([]any, len(v))
	for i, e := range v {
		pe, ok := plainChanges(e)
		if !ok {
			return nil, false
		}
		out[i] = pe
	}
	return out, true
}
