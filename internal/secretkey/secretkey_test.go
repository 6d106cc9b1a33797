package secretkey

import (
	"bytes"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"strings"
	"testing"
)

func TestParse(t *testing.T) {
	t.Parallel()
	// Bytes chosen so that the standard and URL alphabets differ (+/ vs -_).
	key := bytes.Repeat([]byte{0xfb, 0xef, 0xff, 0x3e}, 8)
	short := key[:31]
	long := append(bytes.Clone(key), 0x01)

	accept := map[string]string{
		"std padded":         base64.StdEncoding.EncodeToString(key),
		"std raw":            base64.RawStdEncoding.EncodeToString(key),
		"url padded":         base64.URLEncoding.EncodeToString(key),
		"url raw":            base64.RawURLEncoding.EncodeToString(key),
		"hex lower":          hex.EncodeToString(key),
		"hex upper":          strings.ToUpper(hex.EncodeToString(key)),
		"trailing newline":   base64.StdEncoding.EncodeToString(key) + "\n",
		"surrounding spaces": "  " + hex.EncodeToString(key) + " ",
	}
	if accept["std padded"] == accept["url padded"] {
		t.Fatal("test key does not distinguish the base64 alphabets")
	}
	for name, in := range accept {
		got, err := Parse(in)
		if err != nil {
			t.Errorf("Parse(%s %q): %v", name, in, err)
			continue
		}
		if !bytes.Equal(got, key) {
			t.Errorf("Parse(%s) = %x, want %x", name, got, key)
		}
	}

	refuse := map[string]string{
		"empty":          "",
		"31 bytes b64":   base64.StdEncoding.EncodeToString(short),
		"31 bytes hex":   hex.EncodeToString(short),
		"33 bytes b64":   base64.StdEncoding.EncodeToString(long),
		"33 bytes hex":   hex.EncodeToString(long),
		"64 non-hex":     strings.Repeat("zz", 32),
		"garbage":        "not a key at all!",
		"passphrase":     "correct horse battery staple",
		"mixed alphabet": "+_" + base64.RawStdEncoding.EncodeToString(key)[2:],
	}
	for name, in := range refuse {
		_, err := Parse(in)
		if !errors.Is(err, ErrInvalid) {
			t.Errorf("Parse(%s %q): err = %v, want ErrInvalid", name, in, err)
			continue
		}
		if in != "" && strings.Contains(err.Error(), in) {
			t.Errorf("Parse(%s): error message echoes the input", name)
		}
		if !strings.Contains(err.Error(), "base64") || !strings.Contains(err.Error(), "hex") {
			t.Errorf("Parse(%s): error %q does not name the expected forms", name, err)
		}
	}
}

func TestGenerate(t *testing.T) {
	t.Parallel()
	a, err := Generate()
	if err != nil {
		t.Fatalf("Generate: %v", err)
	}
	b, err := Generate()
	if err != nil {
		t.Fatalf("Generate: %v", err)
	}
	if a == b {
		t.Fatal("two generated keys are equal")
	}
	if k, err := Parse(a); err != nil || len(k) != Size {
		t.Fatalf("Parse(Generate()) = %d bytes, %v", len(k), err)
	}
}

// FuzzParse checks that Parse never panics and returns exactly 32
// bytes whenever it accepts.
func FuzzParse(f *testing.F) {
	f.Add(strings.Repeat("ab", 32))
	f.Add(base64.StdEncoding.EncodeToString(make([]byte, 32)))
	f.Add("")
	f.Fuzz(func(t *testing.T, in string) {
		k, err := Parse(in)
		if err == nil && len(k) != 32 {
			t.Fatalf("Parse(%q) = %d bytes", in, len(k))
		}
		if err != nil && !errors.Is(err, ErrInvalid) {
			t.Fatalf("Parse(%q): err = %v, want ErrInvalid", in, err)
		}
	})
}

// TestDerivedKeysAreDistinct: the checkpoint key and the package key come
// from the same secret, each the same every time, and never coincide.
func TestDerivedKeysAreDistinct(t *testing.T) {
	t.Parallel()
	secret := bytes.Repeat([]byte{5}, Size)
	pkg, err := SigningKey(secret)
	if err != nil {
		t.Fatal(err)
	}
	cp, err := CheckpointKey(secret)
	if err != nil {
		t.Fatal(err)
	}
	again, err := CheckpointKey(bytes.Clone(secret))
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(cp, again) {
		t.Error("the checkpoint key is not derived deterministically")
	}
	if bytes.Equal(cp, pkg) {
		t.Error("the checkpoint key equals the package signing key")
	}
	if _, err := CheckpointKey(secret[:31]); !errors.Is(err, ErrInvalid) {
		t.Errorf("short secret: %v, want ErrInvalid", err)
	}
}
