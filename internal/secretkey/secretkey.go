// Package secretkey reads and makes the instance's secret key
// (WEERBAAR_SECRET_KEY). It stands alone so that configuration can parse the
// key without importing the account code that uses it (internal/auth seals
// TOTP secrets with it).
package secretkey

import (
	"crypto/rand"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"fmt"
	"strings"
)

// Size is the length of a key: AES-256.
const Size = 32

// ErrInvalid is returned for a key of the wrong form or length. It usually
// means a misconfigured environment variable, so the message names the
// expected form but never echoes the key.
var ErrInvalid = errors.New("invalid key: want 32 bytes as base64 or 64 hex characters")

// Parse reads a 32-byte key as operators are likely to write it: base64
// (standard or URL alphabet, with or without padding, as produced by
// Generate or `openssl rand -base64 32`) or 64 hex characters (`openssl
// rand -hex 32`). Surrounding white space is ignored. Anything else is an
// error wrapping ErrInvalid.
func Parse(s string) ([]byte, error) {
	s = strings.TrimSpace(s)
	if len(s) == 2*Size {
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
		if len(k) != Size {
			return nil, fmt.Errorf("parse key: got %d bytes: %w", len(k), ErrInvalid)
		}
		return k, nil
	}
	return nil, fmt.Errorf("parse key: %w", ErrInvalid)
}

// Generate returns a new random 32-byte key as standard base64, the form
// the operator puts in the configuration and Parse reads back.
func Generate() (string, error) {
	k := make([]byte, Size)
	if _, err := rand.Read(k); err != nil {
		return "", fmt.Errorf("generate key: %w", err)
	}
	return base64.StdEncoding.EncodeToString(k), nil
}
