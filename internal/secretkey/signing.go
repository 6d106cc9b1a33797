package secretkey

import (
	"crypto/ed25519"
	"crypto/hkdf"
	"crypto/sha256"
	"fmt"
)

// signingInfo binds the derived key to its one use; a new scheme gets a new
// info string, so keys of different uses never coincide.
const signingInfo = "weerbaar package signing v1"

// SigningKey derives the instance's Ed25519 key for signing evidence
// packages from the secret key (HKDF-SHA256, no salt, info "weerbaar package
// signing v1"). Deriving it means there is no second secret to back up: the
// same secret key always gives the same public key, which auditors keep.
func SigningKey(secret []byte) (ed25519.PrivateKey, error) {
	if len(secret) != Size {
		return nil, fmt.Errorf("signing key: %w", ErrInvalid)
	}
	seed, err := hkdf.Key(sha256.New, secret, nil, signingInfo, ed25519.SeedSize)
	if err != nil {
		return nil, fmt.Errorf("signing key: %w", err)
	}
	return ed25519.NewKeyFromSeed(seed), nil
}
