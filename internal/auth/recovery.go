package auth

import (
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"strings"
	"unicode"
)

// RecoveryCodeCount is how many single-use recovery codes a user gets when
// setting up two-factor authentication: enough to survive a lost phone and a
// few sign-ins before setting up a new authenticator.
const RecoveryCodeCount = 10

// recoveryAlphabet is Crockford's base32 in lowercase: 32 symbols, so each
// character carries exactly 5 bits, without the letters i, l, o (easily read
// as 1 and 0) and u. Ten characters give 50 bits per code.
const recoveryAlphabet = "0123456789abcdefghjkmnpqrstvwxyz"

// recoveryCodeLen is the number of alphabet characters per code, shown as
// two groups of five.
const recoveryCodeLen = 10

// NewRecoveryCodes returns RecoveryCodeCount random single-use codes
// formatted for people ("xxxxx-xxxxx", 50 bits each) to show once, and their
// hashes (HashRecoveryCode) to store, so a database leak does not hand out
// working codes. The codes are distinct.
func NewRecoveryCodes() (codes []string, hashes []string, err error) {
	codes = make([]string, 0, RecoveryCodeCount)
	hashes = make([]string, 0, RecoveryCodeCount)
	seen := make(map[string]bool, RecoveryCodeCount)
	buf := make([]byte, recoveryCodeLen)
	for len(codes) < RecoveryCodeCount {
		if _, err := rand.Read(buf); err != nil {
			return nil, nil, fmt.Errorf("new recovery codes: %w", err)
		}
		var b strings.Builder
		for i, r := range buf {
			if i == recoveryCodeLen/2 {
				b.WriteByte('-')
			}
			// 256 is a multiple of 32, so masking keeps the choice uniform.
			b.WriteByte(recoveryAlphabet[r&31])
		}
		code := b.String()
		h := HashRecoveryCode(code)
		if seen[h] {
			continue // a 2^-50 chance, but codes must be distinct
		}
		seen[h] = true
		codes = append(codes, code)
		hashes = append(hashes, h)
	}
	return codes, hashes, nil
}

// HashRecoveryCode normalises a code as typed and returns the hex SHA-256 of
// it, the form stored and looked up. Normalising drops white space and
// dashes, lowercases and, as Crockford's base32 prescribes, reads i and l as
// 1 and o as 0, so copying mistakes do not lock anyone out.
//
// A fast hash is enough here, unlike for passwords: each code is 50 random
// bits chosen by us, not a human choice, so guessing the preimage of a hash
// means searching 2^50 candidates per code; slow hashing would add nothing
// worth its cost on every attempt.
func HashRecoveryCode(code string) string {
	sum := sha256.Sum256([]byte(normaliseRecoveryCode(code)))
	return hex.EncodeToString(sum[:])
}

// normaliseRecoveryCode drops white space and dashes (including the
// typographic dashes a word processor substitutes) anywhere in the code,
// lowercases, and maps i and l to 1 and o to 0.
func normaliseRecoveryCode(code string) string {
	return strings.Map(func(r rune) rune {
		if unicode.IsSpace(r) || unicode.Is(unicode.Pd, r) {
			return -1
		}
		switch r = unicode.ToLower(r); r {
		case 'i', 'l':
			return '1'
		case 'o':
			return '0'
		}
		return r
	}, code)
}
