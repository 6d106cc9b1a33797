package evidence

import (
	"strings"
	"unicode/utf8"
)

// ContentDisposition returns the value of a Content-Disposition header that
// makes the browser save a download under (a safe form of) filename, never
// display it:
//
//	attachment; filename="<ascii>"; filename*=UTF-8''<encoded>
//
// following RFC 6266 with RFC 8187 (formerly 5987) for the encoded form;
// browsers that understand filename* prefer it, older ones take filename.
//
// Both forms start from the base name: everything up to the last '/' or '\'
// is dropped, so "../x" becomes "x"; an empty, "." or ".." base name becomes
// "download". In that base name, every control character (U+0000–U+001F,
// U+007F–U+009F, so CR and LF) and every byte that is not valid UTF-8 is
// replaced by '_'. Then:
//
//   - <ascii> replaces each character outside printable ASCII (one '_' per
//     character, not per byte) and each of " \ / : ; % by '_', so the quoted
//     string needs no escapes and holds no quote, backslash or line break;
//   - <encoded> percent-encodes (upper-case hex) every UTF-8 byte that is not
//     an RFC 8187 attr-char (ALPHA DIGIT ! # $ & + - . ^ _ ` | ~).
//
// For example `../x";` + "\r\n" + `X: y.pdf` gives
//
//	attachment; filename="x____X_ y.pdf"; filename*=UTF-8''x%22%3B__X%3A%20y.pdf
//
// and "Beleid ë €.pdf" gives
//
//	attachment; filename="Beleid _ _.pdf"; filename*=UTF-8''Beleid%20%C3%AB%20%E2%82%AC.pdf
func ContentDisposition(filename string) string {
	base := baseName(filename)
	if base == "" || base == "." || base == ".." {
		base = "download"
	}
	var clean strings.Builder
	for len(base) > 0 {
		r, size := utf8.DecodeRuneInString(base)
		if r == utf8.RuneError && size <= 1 || r < 0x20 || (r >= 0x7f && r <= 0x9f) {
			clean.WriteByte('_')
		} else {
			clean.WriteString(base[:size])
		}
		base = base[size:]
	}
	name := clean.String()

	var b strings.Builder
	b.WriteString(`attachment; filename="`)
	for _, r := range name {
		if r < 0x20 || r > 0x7e || strings.ContainsRune(`"\/:;%`, r) {
			b.WriteByte('_')
		} else {
			b.WriteRune(r)
		}
	}
	b.WriteString(`"; filename*=UTF-8''`)
	const hex = "0123456789ABCDEF"
	for i := 0; i < len(name); i++ {
		c := name[i]
		if isAttrChar(c) {
			b.WriteByte(c)
		} else {
			b.WriteByte('%')
			b.WriteByte(hex[c>>4])
			b.WriteByte(hex[c&0xf])
		}
	}
	return b.String()
}

// isAttrChar reports whether c may appear unencoded in an RFC 8187 value.
func isAttrChar(c byte) bool {
	switch {
	case 'a' <= c && c <= 'z', 'A' <= c && c <= 'Z', '0' <= c && c <= '9':
		return true
	}
	return strings.IndexByte("!#$&+-.^_`|~", c) >= 0
}
