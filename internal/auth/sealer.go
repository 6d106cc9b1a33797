package auth

import (
	"crypto/aes"
	"crypto/cipher"
	"crypto/rand"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"fmt"
	"strings"
)

// keySize is the length of a sealing key: AES-256.
const keySize = 32

// sealPrefix marks the format of a sealed value so that a later change of
// algorithm or key can be told apart from old rows and migrated.
const sealPrefix = "v1:"

// ErrInvalidKey is returned for a sealing key of the wrong form or length.
// It usually means a misconfigured environment variable, so the message
// names the expected form but never echoes the key.
var ErrInvalidKey = errors.New("invalid key: want 32 bytes as base64 or 64 hex characters")

// ErrUnseal is returned when a sealed value is malformed, was tampered with,
// or was sealed with another key. AES-GCM cannot tell these apart, and the
// caller's response is the same: refuse and log.
var ErrUnseal = errors.New("cannot open sealed value")

// ParseKey reads a 32-byte key as operators are likely to write it: base64
// (standard or URL alphabet, with or without padding, as produced by
// GenerateKey or `openssl rand -base64 32`) or 64 hex characters (`openssl
// rand -hex 32`). Surrounding white space is ignored. Anything else is an
// error wrapping ErrInvalidKey.
func ParseKey(s string) ([]byte, error) {
	s = strings.TrimSpace(s)
	if len(s) == 2*keySize {
		if k, err := hex.DecodeString(s); err == nil {
			return k, nil
		}
	}
	for _, enc := range []*base64.Encoding{
		base64.StdEncoding, base64.RawStdEncoding,
		base64.URLEncoding, base64.RawURLEncoding,
	} {
		k, err := enc.DecodeString(s)
		if err != nil {
			continue
		}
		if len(k) != keySize {
			return nil, fmt.Errorf("parse key: got %d bytes: %w", len(k), ErrInvalidKey)
		}
		return k, nil
	}
	return nil, fmt.Errorf("parse key: %w", ErrInvalidKey)
}

// GenerateKey returns a new random 32-byte key as standard base64, the form
// the operator puts in the configuration and ParseKey reads back.
func GenerateKey() (string, error) {
	k := make([]byte, keySize)
	if _, err := rand.Read(k); err != nil {
		return "", fmt.Errorf("generate key: %w", err)
	}
	return base64.StdEncoding.EncodeToString(k), nil
}

// Sealer encrypts small secrets at rest (TOTP secrets) with AES-256-GCM, so
// that a copy of the database or a backup alone does not let anyone generate
// second-factor codes; the key lives in the configuration, not the database.
// It is safe for concurrent use.
type Sealer struct {
	aead cipher.AEAD
}

// NewSealer returns a Sealer for a 32-byte key, as returned by ParseKey.
func NewSealer(key []byte) (*Sealer, error) {
	if len(key) != keySize {
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
