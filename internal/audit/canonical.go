package audit

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"
)

// GenesisHash is the prev_hash of the first row of every chain: 64 zeros.
const GenesisHash = "0000000000000000000000000000000000000000000000000000000000000000"

// timeFormat writes at as UTC with exactly six fractional digits, the
// precision PostgreSQL keeps.
const timeFormat = "2006-01-02T15:04:05.000000Z"

// PostgreSQL's numeric (behind jsonb numbers) holds at most this many digits
// before and after the decimal point; larger numbers cannot be stored, so
// they are refused before anything is hashed.
const (
	maxIntDigits  = 131072
	maxFracDigits = 16383
)

// rowHash returns hex(SHA-256(prevHash ‖ canonical JSON of r)). It reads r's
// PrevHash, so Record and Verify hash through exactly the same code.
func rowHash(r Row) (string, error) {
	doc, err := canonicalRow(r)
	if err != nil {
		return "", err
	}
	h := sha256.New()
	h.Write([]byte(r.PrevHash))
	h.Write(doc)
	return hex.EncodeToString(h.Sum(nil)), nil
}

// canonicalRow writes the row document described in the package
// documentation: fixed key order, no whitespace, canonical changes.
func canonicalRow(r Row) ([]byte, error) {
	changes, err := canonicalJSON(r.Changes)
	if err != nil {
		return nil, fmt.Errorf("changes: %w", err)
	}
	if len(changes) == 0 || changes[0] != '{' {
		return nil, errors.New("changes: not a JSON object")
	}
	var b bytes.Buffer
	b.WriteString(`{"entity_id":`)
	writeOptionalInt(&b, r.EntityID)
	b.WriteString(`,"seq":`)
	b.WriteString(strconv.FormatInt(r.Seq, 10))
	b.WriteString(`,"at":`)
	writeString(&b, r.At.UTC().Format(timeFormat))
	b.WriteString(`,"actor_id":`)
	if r.ActorID == nil {
		b.WriteString("null")
	} else {
		b.WriteString(strconv.FormatInt(*r.ActorID, 10))
	}
	for _, f := range []struct{ key, val string }{
		{"actor_email", r.ActorEmail},
		{"action", r.Action},
		{"object_type", r.ObjectType},
		{"object_id", r.ObjectID},
		{"ip", r.IP},
		{"user_agent", r.UserAgent},
	} {
		b.WriteString(`,"` + f.key + `":`)
		writeString(&b, f.val)
	}
	b.WriteString(`,"changes":`)
	b.Write(changes)
	b.WriteByte('}')
	return b.Bytes(), nil
}

// writeOptionalInt writes n, or null for 0 (the instance chain).
func writeOptionalInt(b *bytes.Buffer, n int64) {
	if n == 0 {
		b.WriteString("null")
		return
	}
	b.WriteString(strconv.FormatInt(n, 10))
}

// canonicalJSON re-serialises one JSON value canonically. Numbers are decoded
// as their literal text (UseNumber), never through float64, so nothing is
// rounded.
func canonicalJSON(raw []byte) ([]byte, error) {
	if out, ok := fastCanonical(raw); ok {
		return out, nil
	}
	return generalCanonicalJSON(raw)
}

// generalCanonicalJSON is canonicalJSON for any input: through
// encoding/json.
func generalCanonicalJSON(raw []byte) ([]byte, error) {
	v, err := decodeJSON(raw)
	if err != nil {
		return nil, err
	}
	var b bytes.Buffer
	if err := writeCanonical(&b, v); err != nil {
		return nil, err
	}
	return b.Bytes(), nil
}

// decodeJSON decodes exactly one JSON value, keeping numbers as json.Number.
func decodeJSON(raw []byte) (any, error) {
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.UseNumber()
	var v any
	if err := dec.Decode(&v); err != nil {
		return nil, fmt.Errorf("decode JSON: %w", err)
	}
	if _, err := dec.Token(); !errors.Is(err, io.EOF) {
		return nil, errors.New("decode JSON: data after the value")
	}
	return v, nil
}

// writeCanonical writes a value as produced by decodeJSON.
func writeCanonical(b *bytes.Buffer, v any) error {
	switch v := v.(type) {
	case nil:
		b.WriteString("null")
	case bool:
		b.WriteString(strconv.FormatBool(v))
	case string:
		writeString(b, v)
	case json.Number:
		n, err := canonicalNumber(string(v))
		if err != nil {
			return err
		}
		b.WriteString(n)
	case []any:
		b.WriteByte('[')
		for i, e := range v {
			if i > 0 {
				b.WriteByte(',')
			}
			if err := writeCanonical(b, e); err != nil {
				return err
			}
		}
		b.WriteByte(']')
	case map[string]any:
		keys := make([]string, 0, len(v))
		for k := range v {
			keys = append(keys, k)
		}
		slices.Sort(keys) // bytewise on UTF-8
		b.WriteByte('{')
		for i, k := range keys {
			if i > 0 {
				b.WriteByte(',')
			}
			writeString(b, k)
			b.WriteByte(':')
			if err := writeCanonical(b, v[k]); err != nil {
				return err
			}
		}
		b.WriteByte('}')
	default:
		return fmt.Errorf("unexpected JSON value of type %T", v)
	}
	return nil
}

// writeString escapes only what JSON requires: the quote, the backslash and
// control characters below U+0020. Everything else, including '<', '>', '&',
// U+2028 and U+2029 (which encoding/json would escape), is written as UTF-8.
func writeString(b *bytes.Buffer, s string) {
	b.Write(appendString(b.AvailableBuffer(), s))
}

// appendString appends s to dst as writeString writes it.
func appendString(dst []byte, s string) []byte {
	const hexDigits = "0123456789abcdef"
	dst = append(dst, '"')
	for i := 0; i < len(s); {
		c := s[i]
		if c >= utf8.RuneSelf {
			r, size := utf8.DecodeRuneInString(s[i:])
			if r == utf8.RuneError && size == 1 {
				dst = append(dst, "\ufffd"...) // invalid UTF-8; never stored by PostgreSQL
			} else {
				dst = append(dst, s[i:i+size]...)
			}
			i += size
			continue
		}
		switch {
		case c == '"':
			dst = append(dst, `\"`...)
		case c == '\\':
			dst = append(dst, `\\`...)
		case c == '\b':
			dst = append(dst, `\b`...)
		case c == '\f':
			dst = append(dst, `\f`...)
		case c == '\n':
			dst = append(dst, `\n`...)
		case c == '\r':
			dst = append(dst, `\r`...)
		case c == '\t':
			dst = append(dst, `\t`...)
		case c < 0x20:
			dst = append(dst, `\u00`...)
			dst = append(dst, hexDigits[c>>4], hexDigits[c&0xf])
		default:
			dst = append(dst, c)
		}
		i++
	}
	return append(dst, '"')
}

// canonicalNumber rewrites a JSON number literal in plain decimal notation:
// an optional '-', the integer part without leading zeros (at least "0"), and
// a fraction without trailing zeros (omitted when empty), no exponent; zero is
// "0". 1E2, 100.0 and 100 all become "100"; 1e-7 becomes "0.0000001". This is
// the same value PostgreSQL's numeric keeps, whatever notation jsonb prints.
func canonicalNumber(lit string) (string, error) {
	s := lit
	neg := strings.HasPrefix(s, "-")
	if neg {
		s = s[1:]
	}
	mant, expPart, hasExp := strings.Cut(strings.ToLower(s), "e")
	exp := 0
	if hasExp {
		e, err := strconv.Atoi(expPart)
		if err != nil || e > 1e9 || e < -1e9 {
			return "", fmt.Errorf("number %.40q: exponent out of range", lit)
		}
		exp = e
	}
	intPart, frac, _ := strings.Cut(mant, ".")
	if intPart == "" || !allDigits(intPart) || !allDigits(frac) {
		return "", fmt.Errorf("number %.40q: not a JSON number", lit)
	}
	digits := strings.TrimLeft(intPart+frac, "0")
	exp -= len(frac)
	if digits == "" {
		return "0", nil
	}
	trimmed := strings.TrimRight(digits, "0")
	exp += len(digits) - len(trimmed)
	digits = trimmed
	// The value is digits × 10^exp.
	var out string
	switch point := len(digits) + exp; {
	case exp >= 0:
		if point > maxIntDigits {
			return "", fmt.Errorf("number %.40q: too large to store", lit)
		}
		out = digits + strings.Repeat("0", exp)
	case -exp > maxFracDigits:
		return "", fmt.Errorf("number %.40q: too many decimals to store", lit)
	case point > 0:
		out = digits[:point] + "." + digits[point:]
	default:
		out = "0." + strings.Repeat("0", -point) + digits
	}
	if neg {
		out = "-" + out
	}
	return out, nil
}

func allDigits(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return true
}

// changesJSON builds the canonical changes object {"after":…,"before":…}
// from an Event, leaving out an empty side. Values go through encoding/json
// first, so anything it can marshal (time.Time, structs with json tags…) is
// accepted; NUL characters, which PostgreSQL text and jsonb cannot hold, are
// replaced by U+FFFD rather than failing the caller's change.
func changesJSON(before, after map[string]any) (json.RawMessage, error) {
	doc := map[string]any{}
	if len(before) > 0 {
		doc["before"] = before
	}
	if len(after) > 0 {
		doc["after"] = after
	}
	if plain, ok := plainChanges(doc); ok {
		var b bytes.Buffer
		if err := writeCanonical(&b, plain); err != nil {
			return nil, fmt.Errorf("changes: %w", err)
		}
		return b.Bytes(), nil
	}
	return generalChangesJSON(doc)
}

// generalChangesJSON is changesJSON for any values: through encoding/json.
func generalChangesJSON(doc map[string]any) (json.RawMessage, error) {
	raw, err := json.Marshal(doc)
	if err != nil {
		return nil, fmt.Errorf("marshal changes: %w", err)
	}
	v, err := decodeJSON(raw)
	if err != nil {
		return nil, err
	}
	var b bytes.Buffer
	if err := writeCanonical(&b, stripNUL(v)); err != nil {
		return nil, fmt.Errorf("changes: %w", err)
	}
	return b.Bytes(), nil
}

// stripNUL replaces U+0000 in strings and keys of a decoded JSON value.
func stripNUL(v any) any {
	switch v := v.(type) {
	case string:
		return strings.ReplaceAll(v, "\x00", "\ufffd")
	case []any:
		for i := range v {
			v[i] = stripNUL(v[i])
		}
	case map[string]any:
		out := make(map[string]any, len(v))
		for k, e := range v {
			out[strings.ReplaceAll(k, "\x00", "\ufffd")] = stripNUL(e)
		}
		return out
	}
	return v
}

// cleanText makes a header or form value storable in a text column and keeps
// it to max bytes: invalid UTF-8 and NUL become U+FFFD, and the cut falls on a
// character boundary.
func cleanText(s string, max int) string {
	s = strings.ToValidUTF8(s, "\ufffd")
	s = strings.ReplaceAll(s, "\x00", "\ufffd")
	if len(s) <= max {
		return s
	}
	cut := max
	for cut > 0 && !utf8.RuneStart(s[cut]) {
		cut--
	}
	return s[:cut]
}

// stamp is the stored and hashed form of a time: UTC, whole microseconds
// (PostgreSQL keeps no more, and the hash must survive the round trip).
func stamp(t time.Time) time.Time { return t.UTC().Truncate(time.Microsecond) }

// Canonical returns v (anything encoding/json can marshal) as canonical JSON,
// written exactly as the log writes its changes: members sorted by key, no
// whitespace, numbers in plain decimal notation, NUL replaced by U+FFFD. Other
// modules hash content through it (approval snapshots), so the same content
// always yields the same bytes whatever the key order of its maps.
func Canonical(v any) ([]byte, error) {
	raw, err := json.Marshal(v)
	if err != nil {
		return nil, fmt.Errorf("canonical JSON: %w", err)
	}
	d, err := decodeJSON(raw)
	if err != nil {
		return nil, err
	}
	var b bytes.Buffer
	if err := writeCanonical(&b, stripNUL(d)); err != nil {
		return nil, fmt.Errorf("canonical JSON: %w", err)
	}
	return b.Bytes(), nil
}
