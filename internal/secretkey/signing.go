package secretkey

import (
	"crypto/ed25519"
	"crypto/hkdf"
	"crypto/sha256"
	"fmt"
)

// Each derived key's info string binds it to its one use; a new scheme gets a
// new info string, so keys of different uses never coincide.
const (
	signingInfo    = "weerbaar package signing v1"
	checkpointInfo = "weerbaar audit checkpoint v1"
)

// SigningKey derives the instance's Ed25519 key for signing evidence
// packages from the secret key (HKDF-SHA256, no salt, info "weerbaar package
// signing v1"). Deriving it means there is no second secret to back up: the
// same secret key always gives the same public key, which auditors keep.
func SigningKey(secret []byte) (ed25519.PrivateKey, error) {
	return deriveEd25519(secret, signingInfo)
}

// CheckpointKey derives the Ed25519 key that signs audit chain checkpoints
// (HKDF-SHA256, no salt, info "weerbaar audit checkpoint v1"). It is not the
// package key: a checkpoint signature can then never pass for a manifest
// signature or the other way round, whatever bytes either signs, and the
// verifier of checkpoints is the instance itself (`weerbaar audit verify`),
// which derives the key again from the secret.
func CheckpointKey(secret []byte) (ed25519.PrivateKey, error) {
	return deriveEd25519(secret, checkpointInfo)
}

func deriveEd25519(secret []byte, info string) (ed25519.PrivateKey, error) {
	if len(secret) != Size {
		return nil, fmt.Errorf("derive key %q: %w", info, ErrInvalid)
	}
	seed, err := hkdf.Key(sha256.New, secret, nil, info, ed25519.SeedSize)
	if err != nil {
		return nil, fmt.Errorf("derive key %q: %w", info, err)
	}
	return ed25519.NewKeyFromSeed(seed), nil
}
