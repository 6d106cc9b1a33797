// Package auth signs people in and manages their accounts. Its building
// blocks (password policy and hashing, TOTP second factors, recovery codes,
// encryption of secrets at rest and login throttling, in password.go,
// totp.go, recovery.go, sealer.go and throttle.go) are pure: they know
// nothing of the database or HTTP, so each can be tested on its own and
// reused by the service, the user sub-command and the tests.
package auth

import (
	"crypto/rand"
	"crypto/subtle"
	"encoding/base64"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"unicode/utf8"

	"golang.org/x/crypto/argon2"
)

// MinPasswordLength is the shortest new password we accept, counted in
// characters (runes) rather than bytes so that people writing in any script
// are treated alike. Twelve is above the NIST 800-63B floor of eight because
// the accounts guard compliance evidence and board decisions.
const MinPasswordLength = 12

// MaxPasswordLength is the longest new password we accept, in characters.
// It exists to bound the work per login, not to weaken passwords: every
// character up to it is hashed, nothing is silently truncated (unlike
// bcrypt's 72-byte limit), so passphrases keep their full strength.
const MaxPasswordLength = 128

// Argon2id parameters: the OWASP Password Storage Cheat Sheet minimum for
// argon2id (19 MiB, two passes, one lane). They cost roughly 20-50 ms per
// hash on a small server, which keeps logins responsive while making offline
// guessing expensive. The parameters are stored in each hash, so raising
// them later does not invalidate existing hashes.
const (
	argonMemoryKiB = 19456
	argonTime      = 2
	argonThreads   = 1
	argonSaltLen   = 16
	argonKeyLen    = 32
)

// Bounds on the parameters VerifyPassword accepts from a stored hash. A
// corrupted or hostile row must not make one login allocate gigabytes or
// spin for minutes.
const (
	maxArgonMemoryKiB = 1 << 20 // 1 GiB
	maxArgonTime      = 16
	minSaltLen        = 8
	minKeyLen         = 16
	maxKeyLen         = 64
)

// ErrMalformedHash is returned by VerifyPassword when the stored hash is not
// an argon2id PHC string it can use. That is a data problem, not a wrong
// password, so callers should log it rather than show "wrong password".
var ErrMalformedHash = errors.New("malformed password hash")

// PolicyError says why a new password is refused. Code is one of
// "too_short", "too_long" or "common"; it is a stable key that the server
// maps to a translated message, so this package carries no user-facing text.
type PolicyError struct{ Code string }

// Error returns a short English description for logs; people see the
// translated message chosen by Code instead.
func (e *PolicyError) Error() string {
	switch e.Code {
	case "too_short":
		return fmt.Sprintf("password policy: shorter than %d characters", MinPasswordLength)
	case "too_long":
		return fmt.Sprintf("password policy: longer than %d characters", MaxPasswordLength)
	case "common":
		return "password policy: on the list of common passwords"
	default:
		return "password policy: " + e.Code
	}
}

// CheckPasswordPolicy validates a new password the way NIST 800-63B
// recommends: a length of MinPasswordLength to MaxPasswordLength characters
// in any script, and not one of the most common passwords (compared without
// regard to case). It deliberately imposes no composition rules (digits,
// symbols), which push people towards predictable patterns. Length is
// checked before the list so a short common password is reported as
// "too_short", the more useful advice. It returns a *PolicyError or nil.
func CheckPasswordPolicy(pw string) error {
	n := utf8.RuneCountInString(pw)
	switch {
	case n < MinPasswordLength:
		return &PolicyError{Code: "too_short"}
	case n > MaxPasswordLength:
		return &PolicyError{Code: "too_long"}
	case IsCommonPassword(pw):
		return &PolicyError{Code: "common"}
	}
	return nil
}

// HashPassword returns an argon2id hash of pw in the PHC string format
// "$argon2id$v=19$m=19456,t=2,p=1$<salt>$<hash>" (unpadded standard base64,
// 16-byte random salt, 32-byte key). The self-describing format lets
// VerifyPassword check old hashes after the parameters are raised. The
// caller checks the policy first; this function hashes whatever it is given.
func HashPassword(pw string) (string, error) {
	salt := make([]byte, argonSaltLen)
	if _, err := rand.Read(salt); err != nil {
		return "", fmt.Errorf("hash password: read salt: %w", err)
	}
	key := argon2.IDKey([]byte(pw), salt, argonTime, argonMemoryKiB, argonThreads, argonKeyLen)
	return encodePHC(phcParams{memory: argonMemoryKiB, time: argonTime, threads: argonThreads}, salt, key), nil
}

// VerifyPassword checks pw against a PHC string using the parameters stored
// in it and compares in constant time, so neither the stored parameters nor
// timing leak how close a guess was. A wrong password gives (false, nil);
// an error (wrapping ErrMalformedHash) means the stored hash is unusable.
func VerifyPassword(phc, pw string) (bool, error) {
	p, salt, want, err := parsePHC(phc)
	if err != nil {
		return false, fmt.Errorf("verify password: %w", err)
	}
	got := argon2.IDKey([]byte(pw), salt, p.time, p.memory, p.threads, uint32(len(want)))
	return subtle.ConstantTimeCompare(got, want) == 1, nil
}

// dummyHash is an argon2id hash, with the current parameters, of a random
// password nobody knows. It is a constant so that DummyVerify costs exactly
// one hash computation and nothing at start-up; a test checks that its
// parameters match the ones HashPassword uses.
const dummyHash = "$argon2id$v=19$m=19456,t=2,p=1$gnPYL8noyzqElO1Rt5RTEg$FYeQHsJ/easgC+y7rQRx6zXTlwj6hSinBkAfyFzBqJY"

// DummyVerify spends the same time as VerifyPassword on a real hash. Login
// calls it for unknown e-mail addresses so that response times do not reveal
// which accounts exist.
func DummyVerify(pw string) {
	// The result is meaningless and the hash is known to be well-formed.
	_, _ = VerifyPassword(dummyHash, pw)
}

// phcParams are the argon2id cost parameters carried in a PHC string.
type phcParams struct {
	memory  uint32 // KiB
	time    uint32 // passes
	threads uint8  // lanes
}

// phcB64 is the base64 flavour of the PHC string format: standard alphabet,
// no padding. Strict refuses non-canonical trailing bits, so each hash has
// exactly one textual form.
var phcB64 = base64.RawStdEncoding.Strict()

func encodePHC(p phcParams, salt, key []byte) string {
	return fmt.Sprintf("$argon2id$v=%d$m=%d,t=%d,p=%d$%s$%s",
		argon2.Version, p.memory, p.time, p.threads,
		phcB64.EncodeToString(salt), phcB64.EncodeToString(key))
}

// parsePHC splits and validates an argon2id PHC string. It is strict: the
// only producer is HashPassword, so anything unusual is corruption.
func parsePHC(phc string) (phcParams, []byte, []byte, error) {
	var p phcParams
	parts := strings.Split(phc, "$")
	// "", "argon2id", "v=19", "m=..,t=..,p=..", salt, key
	if len(parts) != 6 || parts[0] != "" {
		return p, nil, nil, fmt.Errorf("%w: want 5 '$'-separated fields", ErrMalformedHash)
	}
	if parts[1] != "argon2id" {
		return p, nil, nil, fmt.Errorf("%w: algorithm %q is not argon2id", ErrMalformedHash, parts[1])
	}
	if parts[2] != "v="+strconv.Itoa(argon2.Version) {
		return p, nil, nil, fmt.Errorf("%w: unsupported version %q", ErrMalformedHash, parts[2])
	}

	params := strings.Split(parts[3], ",")
	if len(params) != 3 {
		return p, nil, nil, fmt.Errorf("%w: want parameters m,t,p", ErrMalformedHash)
	}
	m, err := parseParam(params[0], "m", maxArgonMemoryKiB)
	if err != nil {
		return p, nil, nil, err
	}
	t, err := parseParam(params[1], "t", maxArgonTime)
	if err != nil {
		return p, nil, nil, err
	}
	th, err := parseParam(params[2], "p", 255)
	if err != nil {
		return p, nil, nil, err
	}
	// Argon2 needs at least 8 KiB of memory per lane.
	if m < 8*th {
		return p, nil, nil, fmt.Errorf("%w: memory %d KiB below 8 KiB per lane", ErrMalformedHash, m)
	}
	p = phcParams{memory: m, time: t, threads: uint8(th)}

	salt, err := phcB64.DecodeString(parts[4])
	if err != nil {
		return p, nil, nil, fmt.Errorf("%w: salt: %w", ErrMalformedHash, err)
	}
	if len(salt) < minSaltLen {
		return p, nil, nil, fmt.Errorf("%w: salt of %d bytes is too short", ErrMalformedHash, len(salt))
	}
	key, err := phcB64.DecodeString(parts[5])
	if err != nil {
		return p, nil, nil, fmt.Errorf("%w: key: %w", ErrMalformedHash, err)
	}
	if len(key) < minKeyLen || len(key) > maxKeyLen {
		return p, nil, nil, fmt.Errorf("%w: key of %d bytes, want %d to %d", ErrMalformedHash, len(key), minKeyLen, maxKeyLen)
	}
	return p, salt, key, nil
}

// parseParam parses one "name=value" PHC parameter as a decimal in
// 1..max without sign or leading zeros.
func parseParam(s, name string, max uint32) (uint32, error) {
	v, ok := strings.CutPrefix(s, name+"=")
	if !ok {
		return 0, fmt.Errorf("%w: want parameter %q, got %q", ErrMalformedHash, name, s)
	}
	if v == "" || v[0] < '1' || v[0] > '9' {
		return 0, fmt.Errorf("%w: parameter %s=%q is not a positive decimal", ErrMalformedHash, name, v)
	}
	n, err := strconv.ParseUint(v, 10, 32)
	if err != nil {
		return 0, fmt.Errorf("%w: parameter %s: %w", ErrMalformedHash, name, err)
	}
	if n > uint64(max) {
		return 0, fmt.Errorf("%w: parameter %s=%d above %d", ErrMalformedHash, name, n, max)
	}
	return uint32(n), nil
}
