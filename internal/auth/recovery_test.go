package auth

import (
	"crypto/sha256"
	"encoding/hex"
	"regexp"
	"strings"
	"testing"
)

var recoveryCodeRE = regexp.MustCompile(`^[0-9abcdefghjkmnpqrstvwxyz]{5}-[0-9abcdefghjkmnpqrstvwxyz]{5}$`)

func TestNewRecoveryCodes(t *testing.T) {
	t.Parallel()
	codes, hashes, err := NewRecoveryCodes()
	if err != nil {
		t.Fatalf("NewRecoveryCodes: %v", err)
	}
	if len(codes) != RecoveryCodeCount || len(hashes) != RecoveryCodeCount {
		t.Fatalf("got %d codes and %d hashes, want %d each", len(codes), len(hashes), RecoveryCodeCount)
	}
	seen := map[string]bool{}
	for i, c := range codes {
		if !recoveryCodeRE.MatchString(c) {
			t.Errorf("code %q is not xxxxx-xxxxx over the unambiguous alphabet", c)
		}
		if seen[c] {
			t.Errorf("code %q appears twice", c)
		}
		seen[c] = true
		if hashes[i] != HashRecoveryCode(c) {
			t.Errorf("hashes[%d] = %s, want HashRecoveryCode(%q)", i, hashes[i], c)
		}
		if HashRecoveryCode(strings.ToUpper(c)) != hashes[i] {
			t.Errorf("upper-case %q does not match", c)
		}
		if HashRecoveryCode(" "+strings.ReplaceAll(c, "-", "")+"\n") != hashes[i] {
			t.Errorf("%q without dash and with spaces does not match", c)
		}
	}
}

// TestRecoveryAlphabet checks the entropy claim: 32 distinct symbols (5 bits
// each, 50 per code), none of them ambiguous, and all of them actually used.
func TestRecoveryAlphabet(t *testing.T) {
	t.Parallel()
	set := map[rune]bool{}
	for _, r := range recoveryAlphabet {
		set[r] = true
	}
	if len(set) != 32 || len(recoveryAlphabet) != 32 {
		t.Fatalf("alphabet has %d distinct of %d symbols, want 32", len(set), len(recoveryAlphabet))
	}
	if strings.ContainsAny(recoveryAlphabet, "ilou") {
		t.Fatal("alphabet contains an ambiguous letter")
	}

	// 100 batches give 10,000 symbols; a symbol that is never drawn would
	// mean a biased generator (chance of a false alarm: about e^-312).
	counts := map[rune]int{}
	for range 100 {
		codes, _, err := NewRecoveryCodes()
		if err != nil {
			t.Fatalf("NewRecoveryCodes: %v", err)
		}
		for _, c := range codes {
			for _, r := range strings.ReplaceAll(c, "-", "") {
				counts[r]++
			}
		}
	}
	for _, r := range recoveryAlphabet {
		if counts[r] == 0 {
			t.Errorf("symbol %q never drawn", r)
		}
	}
}

func TestHashRecoveryCode(t *testing.T) {
	t.Parallel()
	sum := sha256.Sum256([]byte("abcdefgh1j"))
	if got, want := HashRecoveryCode("abcdefghij"), hex.EncodeToString(sum[:]); got != want {
		t.Fatalf("HashRecoveryCode(abcdefghij) = %s, want hex SHA-256 of the normalised code %s", got, want)
	}
	equal := [][2]string{
		{"ABCDE-FGHIJ ", "abcdefghij"},
		{"  abcde fghij\t", "abcdefghij"},
		{"abcde–fghij", "abcdefghij"}, // en dash from a word processor
		{"0o0o0-1il1I", "00000-11111"},
		{"a-b-c-d-e-f-g-h-j-k", "abcdefghjk"},
	}
	for _, p := range equal {
		if HashRecoveryCode(p[0]) != HashRecoveryCode(p[1]) {
			t.Errorf("HashRecoveryCode(%q) != HashRecoveryCode(%q)", p[0], p[1])
		}
	}
	different := [][2]string{
		{"abcde-fghjk", "abcde-fghjm"},
		{"abcde-fghjk", "fghjk-abcde"},
		{"abcde-fghjk", "abcde-fghj"},
	}
	for _, p := range different {
		if HashRecoveryCode(p[0]) == HashRecoveryCode(p[1]) {
			t.Errorf("HashRecoveryCode(%q) == HashRecoveryCode(%q)", p[0], p[1])
		}
	}
}

// FuzzNormaliseRecoveryCode checks that normalising is idempotent, so a
// code and its normalised form always hash alike, and that the result has
// no separators left.
func FuzzNormaliseRecoveryCode(f *testing.F) {
	f.Add("ABCDE-FGHIJ ")
	f.Add("x-\v-")
	f.Add("İstanbul")
	f.Add("\u00a0a\u2014b")
	f.Fuzz(func(t *testing.T, code string) {
		n := normaliseRecoveryCode(code)
		if n2 := normaliseRecoveryCode(n); n2 != n {
			t.Fatalf("not idempotent: %q -> %q -> %q", code, n, n2)
		}
		if strings.ContainsAny(n, " -\tilo") {
			t.Fatalf("normalised %q still holds a separator or ambiguous letter: %q", code, n)
		}
		if HashRecoveryCode(code) != HashRecoveryCode(n) {
			t.Fatalf("hash of %q differs from hash of its normal form", code)
		}
	})
}
