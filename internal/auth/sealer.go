package auth

import (
	"crypto/aes"
	"crypto/cipher"
	"crypto/rand"
	"encoding/base64"
	"errors"
	"fmt"
	"strings"

	"github.com/weerbaar/weerbaar/internal/secretkey"
)

// sealPrefix marks the format of a sealed value so that a later change of
// algorithm or key can be told apart from old rows and migrated.
const sealPrefix = "v1:"

// ErrInvalidKey is returned for a sealing key of the wrong form or length.
var ErrInvalidKey = secretkey.ErrInvalid

// ErrUnseal is returned when a sealed value is malformed, was tampered with,
// or was sealed with another key. AES-GCM cannot tell these apart, and the
// caller's response is the same: refuse and log.
var ErrUnseal = errors.New("cannot open sealed value")

// Sealer encrypts small secrets at rest (TOTP secrets) with AES-256-GCM, so
// that a copy of the database or a backup alone does not let anyone generate
// second-factor codes; the key lives in the configuration, not the database.
// It is safe for concurrent use.
type Sealer struct {
	aead cipher.AEAD
}

// NewSealer returns a Sealer for a 32-byte key, as returned by secretkey.Parse.
func NewSealer(key []byte) (*Sealer, error) {
	if len(key) != secretkey.Size {
		return nil, fmt.Errorf("new sealer: key of %d bytes: %w", len(key), ErrInvalidKey)
	}
	block, err := aes.NewCipher(key)
	if err != nil {
		return nil, fmt.Errorf("new sealer: %w", err)
	}
	aead, err := cipher.NewGCM(block)
	if err != nil {
		return nil, fmt.Errorf("new sealer: %w", err)
	}
	return &Sealer{aead: aead}, nil
}

// Seal encrypts plaintext with a fresh random 12-byte nonce and returns
// "v1:" followed by the standard base64 of nonce||ciphertext||tag, text that
// fits a plain text column. Random nonces are safe for far more values than
// we will ever seal with one key (NIST allows 2^32).
func (s *Sealer) Seal(plaintext []byte) (string, error) {
	if s == nil || s.aead == nil {
		return "", errors.New("seal: sealer has no key")
	}
	nonce := make([]byte, s.aead.NonceSize(), s.aead.NonceSize()+len(plaintext)+s.aead.Overhead())
	if _, err := rand.Read(nonce); err != nil {
		return "", fmt.Errorf("seal: read nonce: %w", err)
	}
	out := s.aead.Seal(nonce, nonce, plaintext, nil)
	return sealPrefix + base64.StdEncoding.EncodeToString(out), nil
}

// Open reverses Seal. Any change to the sealed text, a wrong key or an
// unknown format gives an error wrapping ErrUnseal; it never returns
// partially decrypted data.
func (s *Sealer) Open(sealed string) ([]byte, error) {
	if s == nil || s.aead == nil {
		return nil, errors.New("open: sealer has no key")
	}
	body, ok := strings.CutPrefix(sealed, sealPrefix)
	if !ok {
		return nil, fmt.Errorf("open: unknown format: %w", ErrUnseal)
	}
	raw, err := base64.StdEncoding.Strict().DecodeString(body)
	if err != nil {
		return nil, fmt.Errorf("open: decode base64: %w", ErrUnseal)
	}
	ns := s.aead.NonceSize()
	if len(raw) < ns+s.aead.Overhead() {
		return nil, fmt.Errorf("open: too short: %w", ErrUnseal)
	}
	pt, err := s.aead.Open(nil, raw[:ns], raw[ns:], nil)
	if err != nil {
		return nil, fmt.Errorf("open: authenticate: %w", ErrUnseal)
	}
	return pt, nil
}
