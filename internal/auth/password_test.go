package auth

import (
	"errors"
	"strings"
	"testing"
	"unicode/utf8"

	"golang.org/x/crypto/argon2"
)

func TestCheckPasswordPolicy(t *testing.T) {
	t.Parallel()
	long128 := strings.Repeat("a", 125) + "ëï€" // 128 runes, 132 bytes
	tests := []struct {
		name string
		pw   string
		code string // "" means accepted
	}{
		{"empty", "", "too_short"},
		{"11 ascii", "abcdefghijk", "too_short"},
		{"11 runes but 22 bytes", strings.Repeat("ë", 11), "too_short"},
		{"short common is too_short first", "password", "too_short"},
		{"exactly 12", "vlinder-kaas", ""},
		{"12 runes multi-byte", strings.Repeat("€", 12), ""},
		{"128 runes with ëï€", long128, ""},
		{"129 runes", long128 + "x", "too_long"},
		{"129 multi-byte runes", strings.Repeat("€", 129), "too_long"},
		{"common 12 chars", "qwerty123456", "common"},
		{"common other case", "QWERTY123456", "common"},
		{"common mixed case", "LeaveMeAlone", "common"},
		{"common with suffix is not an exact match", "qwerty1234567", ""},
		{"passphrase", "correct horse battery staple", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			err := CheckPasswordPolicy(tt.pw)
			if tt.code == "" {
				if err != nil {
					t.Fatalf("CheckPasswordPolicy(%q) = %v, want nil", tt.pw, err)
				}
				return
			}
			var pe *PolicyError
			if !errors.As(err, &pe) {
				t.Fatalf("CheckPasswordPolicy(%q) = %v, want *PolicyError %q", tt.pw, err, tt.code)
			}
			if pe.Code != tt.code {
				t.Fatalf("CheckPasswordPolicy(%q) code = %q, want %q", tt.pw, pe.Code, tt.code)
			}
			if pe.Error() == "" {
				t.Fatal("PolicyError.Error() is empty")
			}
		})
	}

	// The boundaries the table relies on.
	if n := utf8.RuneCountInString(long128); n != MaxPasswordLength {
		t.Fatalf("long128 has %d runes, want %d", n, MaxPasswordLength)
	}
	if n := utf8.RuneCountInString("vlinder-kaas"); n != MinPasswordLength {
		t.Fatalf("12-char case has %d runes, want %d", n, MinPasswordLength)
	}
}

// TestPasswordHashRoundTrip covers hashing and verification together to keep
// the number of (slow, by design) argon2id computations small.
func TestPasswordHashRoundTrip(t *testing.T) {
	t.Parallel()
	const pw = "Zeer geheim wachtwoord ëï€"
	h1, err := HashPassword(pw)
	if err != nil {
		t.Fatalf("HashPassword: %v", err)
	}
	h2, err := HashPassword(pw)
	if err != nil {
		t.Fatalf("HashPassword: %v", err)
	}
	if h1 == h2 {
		t.Fatal("two hashes of the same password are equal; the salt is not random")
	}

	const prefix = "$argon2id$v=19$m=19456,t=2,p=1$"
	if !strings.HasPrefix(h1, prefix) {
		t.Fatalf("hash %q does not start with %q", h1, prefix)
	}
	p, salt, key, err := parsePHC(h1)
	if err != nil {
		t.Fatalf("parsePHC(own hash): %v", err)
	}
	if p != (phcParams{memory: 19456, time: 2, threads: 1}) {
		t.Fatalf("parameters = %+v, want m=19456,t=2,p=1", p)
	}
	if len(salt) != 16 || len(key) != 32 {
		t.Fatalf("salt %d bytes, key %d bytes; want 16 and 32", len(salt), len(key))
	}
	if n := strings.Count(h1, "="); n != 4 { // v=, m=, t=, p=
		t.Fatalf("hash %q has base64 padding", h1)
	}

	ok, err := VerifyPassword(h1, pw)
	if err != nil || !ok {
		t.Fatalf("VerifyPassword(right) = %v, %v; want true, nil", ok, err)
	}
	ok, err = VerifyPassword(h1, pw+" ")
	if err != nil || ok {
		t.Fatalf("VerifyPassword(wrong) = %v, %v; want false, nil", ok, err)
	}
}

// TestPasswordNotTruncated guards against bcrypt's 72-byte truncation: the
// whole password counts.
func TestPasswordNotTruncated(t *testing.T) {
	t.Parallel()
	full := strings.Repeat("0123456789", 10) // 100 bytes
	h, err := HashPassword(full)
	if err != nil {
		t.Fatalf("HashPassword: %v", err)
	}
	if ok, err := VerifyPassword(h, full); err != nil || !ok {
		t.Fatalf("VerifyPassword(full) = %v, %v; want true, nil", ok, err)
	}
	if ok, err := VerifyPassword(h, full[:72]); err != nil || ok {
		t.Fatalf("VerifyPassword(72-byte prefix) = %v, %v; want false, nil", ok, err)
	}
}

// TestVerifyUsesStoredParameters checks that a hash made with other (here
// cheap) parameters still verifies, so raising the parameters later keeps
// old hashes working.
func TestVerifyUsesStoredParameters(t *testing.T) {
	t.Parallel()
	salt := []byte("0123456789abcdef")
	p := phcParams{memory: 64, time: 1, threads: 2}
	key := argon2.IDKey([]byte("old password"), salt, p.time, p.memory, p.threads, 32)
	h := encodePHC(p, salt, key)
	if !strings.HasPrefix(h, "$argon2id$v=19$m=64,t=1,p=2$") {
		t.Fatalf("encodePHC = %q", h)
	}
	if ok, err := VerifyPassword(h, "old password"); err != nil || !ok {
		t.Fatalf("VerifyPassword(cheap params, right) = %v, %v; want true, nil", ok, err)
	}
	if ok, err := VerifyPassword(h, "old passwort"); err != nil || ok {
		t.Fatalf("VerifyPassword(cheap params, wrong) = %v, %v; want false, nil", ok, err)
	}
}

func TestVerifyPasswordMalformed(t *testing.T) {
	t.Parallel()
	const salt = "MDEyMzQ1Njc4OWFiY2RlZg"                     // 16 bytes
	const key = "MDEyMzQ1Njc4OWFiY2RlZjAxMjM0NTY3ODlhYmNkZWY" // 32 bytes
	good := "$argon2id$v=19$m=64,t=1,p=1$" + salt + "$" + key
	if _, _, _, err := parsePHC(good); err != nil {
		t.Fatalf("control case does not parse: %v", err)
	}
	tests := []struct{ name, phc string }{
		{"empty", ""},
		{"bcrypt", "$2a$12$R9h/cIPz0gi.URNNX3kh2OPST9/PgBkqquzi.Ss7KIUgO2t0jWMUW"},
		{"argon2i", "$argon2i$v=19$m=64,t=1,p=1$" + salt + "$" + key},
		{"no leading dollar", "argon2id$v=19$m=64,t=1,p=1$" + salt + "$" + key},
		{"old version", "$argon2id$v=16$m=64,t=1,p=1$" + salt + "$" + key},
		{"missing version", "$argon2id$m=64,t=1,p=1$" + salt + "$" + key},
		{"missing key", "$argon2id$v=19$m=64,t=1,p=1$" + salt},
		{"extra field", good + "$x"},
		{"params order", "$argon2id$v=19$t=1,m=64,p=1$" + salt + "$" + key},
		{"two params", "$argon2id$v=19$m=64,t=1$" + salt + "$" + key},
		{"zero time", "$argon2id$v=19$m=64,t=0,p=1$" + salt + "$" + key},
		{"zero threads", "$argon2id$v=19$m=64,t=1,p=0$" + salt + "$" + key},
		{"negative memory", "$argon2id$v=19$m=-64,t=1,p=1$" + salt + "$" + key},
		{"plus sign", "$argon2id$v=19$m=+64,t=1,p=1$" + salt + "$" + key},
		{"leading zero", "$argon2id$v=19$m=064,t=1,p=1$" + salt + "$" + key},
		{"non-numeric", "$argon2id$v=19$m=lots,t=1,p=1$" + salt + "$" + key},
		{"memory too large", "$argon2id$v=19$m=1048577,t=1,p=1$" + salt + "$" + key},
		{"memory overflow", "$argon2id$v=19$m=99999999999,t=1,p=1$" + salt + "$" + key},
		{"time too large", "$argon2id$v=19$m=64,t=17,p=1$" + salt + "$" + key},
		{"threads too large", "$argon2id$v=19$m=4096,t=1,p=256$" + salt + "$" + key},
		{"memory below 8 per lane", "$argon2id$v=19$m=15,t=1,p=2$" + salt + "$" + key},
		{"padded salt", "$argon2id$v=19$m=64,t=1,p=1$" + salt + "==$" + key},
		{"bad base64 salt", "$argon2id$v=19$m=64,t=1,p=1$!!!!$" + key},
		{"short salt", "$argon2id$v=19$m=64,t=1,p=1$MDEyMzQ$" + key},
		{"short key", "$argon2id$v=19$m=64,t=1,p=1$" + salt + "$MDEyMzQ1Njc"},
		{"empty key", "$argon2id$v=19$m=64,t=1,p=1$" + salt + "$"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			ok, err := VerifyPassword(tt.phc, "whatever password")
			if err == nil {
				t.Fatalf("VerifyPassword(%q) error = nil, want an error", tt.phc)
			}
			if !errors.Is(err, ErrMalformedHash) {
				t.Fatalf("VerifyPassword(%q) error = %v, want it to wrap ErrMalformedHash", tt.phc, err)
			}
			if ok {
				t.Fatal("VerifyPassword returned true with an error")
			}
		})
	}
}

// TestDummyHashMatchesParameters makes sure DummyVerify costs what a real
// verification costs: its hash must use the parameters HashPassword uses.
func TestDummyHashMatchesParameters(t *testing.T) {
	t.Parallel()
	p, salt, key, err := parsePHC(dummyHash)
	if err != nil {
		t.Fatalf("dummyHash does not parse: %v", err)
	}
	want := phcParams{memory: argonMemoryKiB, time: argonTime, threads: argonThreads}
	if p != want || len(salt) != argonSaltLen || len(key) != argonKeyLen {
		t.Fatalf("dummyHash has %+v, salt %d, key %d; want %+v, %d, %d",
			p, len(salt), len(key), want, argonSaltLen, argonKeyLen)
	}
	DummyVerify("anything") // must not panic
}

// FuzzParsePHC checks that the parser never panics and that whatever it
// accepts is in canonical form: re-encoding gives back the input.
func FuzzParsePHC(f *testing.F) {
	f.Add(dummyHash)
	f.Add("$argon2id$v=19$m=64,t=1,p=1$MDEyMzQ1Njc4OWFiY2RlZg$MDEyMzQ1Njc4OWFiY2RlZjAxMjM0NTY3ODlhYmNkZWY")
	f.Add("$argon2id$v=19$m=0,t=0,p=0$$")
	f.Add("$$$$$")
	f.Fuzz(func(t *testing.T, phc string) {
		p, salt, key, err := parsePHC(phc)
		if err != nil {
			if !errors.Is(err, ErrMalformedHash) {
				t.Fatalf("error %v does not wrap ErrMalformedHash", err)
			}
			return
		}
		if got := encodePHC(p, salt, key); got != phc {
			t.Fatalf("accepted non-canonical %q (canonical %q)", phc, got)
		}
	})
}
