package auth

import (
	"bytes"
	"encoding/base32"
	"image/png"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"
)

// rfcSecret is the RFC 6238 Appendix B SHA1 seed "12345678901234567890"
// in base32.
const rfcSecret = "GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ"

// TestTOTPCodeRFC6238 checks the settings against the RFC's test vectors
// (the last six of its eight digits), which is what authenticator apps
// compute.
func TestTOTPCodeRFC6238(t *testing.T) {
	t.Parallel()
	tests := []struct {
		unix int64
		want string
	}{
		{59, "287082"},
		{1111111109, "081804"},
		{1111111111, "050471"},
		{1234567890, "005924"},
		{2000000000, "279037"},
		{20000000000, "353130"},
	}
	for _, tt := range tests {
		got, err := TOTPCode(rfcSecret, time.Unix(tt.unix, 0))
		if err != nil {
			t.Fatalf("TOTPCode(t=%d): %v", tt.unix, err)
		}
		if got != tt.want {
			t.Errorf("TOTPCode(t=%d) = %s, want %s", tt.unix, got, tt.want)
		}
	}
	if _, err := TOTPCode("not base32!", time.Unix(59, 0)); err == nil {
		t.Error("TOTPCode with an invalid secret: want an error")
	}
}

func TestNewTOTPKey(t *testing.T) {
	t.Parallel()
	secret, uri, err := NewTOTPKey("alice@example.org")
	if err != nil {
		t.Fatalf("NewTOTPKey: %v", err)
	}
	if strings.Contains(secret, "=") {
		t.Errorf("secret %q has padding", secret)
	}
	raw, err := base32.StdEncoding.WithPadding(base32.NoPadding).DecodeString(secret)
	if err != nil {
		t.Fatalf("secret %q is not base32: %v", secret, err)
	}
	if len(raw) != 20 {
		t.Errorf("secret has %d bytes, want 20", len(raw))
	}

	u, err := url.Parse(uri)
	if err != nil {
		t.Fatalf("uri %q: %v", uri, err)
	}
	q := u.Query()
	if u.Scheme != "otpauth" || u.Host != "totp" {
		t.Errorf("uri %q is not otpauth://totp/", uri)
	}
	if u.Path != "/Weerbaar:alice@example.org" {
		t.Errorf("uri label = %q, want /Weerbaar:alice@example.org", u.Path)
	}
	for k, want := range map[string]string{
		"secret": secret, "issuer": "Weerbaar", "algorithm": "SHA1", "digits": "6", "period": "30",
	} {
		if got := q.Get(k); got != want {
			t.Errorf("uri %s = %q, want %q", k, got, want)
		}
	}

	other, _, err := NewTOTPKey("alice@example.org")
	if err != nil {
		t.Fatalf("NewTOTPKey: %v", err)
	}
	if other == secret {
		t.Error("two keys have the same secret")
	}
	if _, _, err := NewTOTPKey("  "); err == nil {
		t.Error("NewTOTPKey with an empty account: want an error")
	}
}

func TestTOTPQRCodePNG(t *testing.T) {
	t.Parallel()
	_, uri, err := NewTOTPKey("bob@example.org")
	if err != nil {
		t.Fatalf("NewTOTPKey: %v", err)
	}
	b, err := TOTPQRCodePNG(uri)
	if err != nil {
		t.Fatalf("TOTPQRCodePNG: %v", err)
	}
	if ct := http.DetectContentType(b); ct != "image/png" {
		t.Fatalf("content type = %q, want image/png", ct)
	}
	img, err := png.Decode(bytes.NewReader(b))
	if err != nil {
		t.Fatalf("png.Decode: %v", err)
	}
	if r := img.Bounds(); r.Dx() < 200 || r.Dy() < 200 {
		t.Fatalf("QR code is %dx%d, want at least 200x200", r.Dx(), r.Dy())
	}

	for _, bad := range []string{"https://example.org/", "", "::not a url"} {
		if _, err := TOTPQRCodePNG(bad); err == nil {
			t.Errorf("TOTPQRCodePNG(%q): want an error", bad)
		}
	}
}

func TestVerifyTOTP(t *testing.T) {
	t.Parallel()
	// A fixed secret and time keep the test deterministic. 1_700_000_010 is
	// 10 s into step 56_666_667.
	const secret = "JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP"
	now := time.Unix(1_700_000_010, 0)
	const step = int64(1_700_000_010 / 30)
	code := func(offset int64) string {
		t.Helper()
		c, err := TOTPCode(secret, time.Unix((step+offset)*30, 0))
		if err != nil {
			t.Fatalf("TOTPCode: %v", err)
		}
		return c
	}
	// The test relies on the codes of steps -2..2 being different.
	seen := map[string]int64{}
	for off := int64(-2); off <= 2; off++ {
		c := code(off)
		if prev, dup := seen[c]; dup {
			t.Fatalf("codes of steps %d and %d coincide; pick another time", prev, off)
		}
		seen[c] = off
	}
	wrong := []byte(code(0))
	wrong[5] = '0' + (wrong[5]-'0'+1)%10
	if _, dup := seen[string(wrong)]; dup {
		t.Fatal("the altered code is valid for a nearby step; pick another time")
	}

	tests := []struct {
		name     string
		code     string
		lastUsed int64
		wantOK   bool
		wantStep int64
	}{
		{"current", code(0), 0, true, step},
		{"one step before", code(-1), 0, true, step - 1},
		{"one step after", code(1), 0, true, step + 1},
		{"two steps before", code(-2), 0, false, 0},
		{"two steps after", code(2), 0, false, 0},
		{"wrong digit", string(wrong), 0, false, 0},
		{"with spaces", code(0)[:3] + " " + code(0)[3:], 0, true, step},
		{"padded with spaces", " " + code(0) + " ", 0, true, step},
		{"replay of the same step", code(0), step, false, 0},
		{"earlier step after a later one", code(-1), step, false, 0},
		{"next step after the current one", code(1), step, true, step + 1},
		{"last used in the future", code(0), step + 1, false, 0},
		{"empty", "", 0, false, 0},
		{"five digits", code(0)[:5], 0, false, 0},
		{"seven digits", code(0) + "0", 0, false, 0},
		{"letters", "12345a", 0, false, 0},
		{"sign", "+12345", 0, false, 0},
		{"arabic-indic digits", "١٢٣٤٥٦", 0, false, 0},
		{"tab inside", code(0)[:3] + "\t" + code(0)[3:], 0, false, 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			gotStep, ok := VerifyTOTP(secret, tt.code, now, tt.lastUsed)
			if ok != tt.wantOK || gotStep != tt.wantStep {
				t.Fatalf("VerifyTOTP(%q, last=%d) = %d, %v; want %d, %v",
					tt.code, tt.lastUsed, gotStep, ok, tt.wantStep, tt.wantOK)
			}
		})
	}

	if _, ok := VerifyTOTP("not base32!", code(0), now, 0); ok {
		t.Error("VerifyTOTP with an invalid secret accepted a code")
	}
}

// TestVerifyTOTPReplaySequence walks the flow a login uses: store the
// returned step and pass it back next time.
func TestVerifyTOTPReplaySequence(t *testing.T) {
	t.Parallel()
	secret, _, err := NewTOTPKey("carol@example.org")
	if err != nil {
		t.Fatalf("NewTOTPKey: %v", err)
	}
	now := time.Date(2025, 3, 14, 9, 26, 53, 0, time.UTC)
	c, err := TOTPCode(secret, now)
	if err != nil {
		t.Fatalf("TOTPCode: %v", err)
	}
	last, ok := VerifyTOTP(secret, c, now, 0)
	if !ok {
		t.Fatal("fresh code refused")
	}
	if want := now.Unix() / 30; last != want {
		t.Fatalf("step = %d, want %d", last, want)
	}
	if _, ok := VerifyTOTP(secret, c, now.Add(5*time.Second), last); ok {
		t.Fatal("the same code was accepted twice")
	}
	later := now.Add(30 * time.Second)
	c2, err := TOTPCode(secret, later)
	if err != nil {
		t.Fatalf("TOTPCode: %v", err)
	}
	next, ok := VerifyTOTP(secret, c2, later, last)
	if !ok || next != last+1 {
		t.Fatalf("next code: step %d, ok %v; want %d, true", next, ok, last+1)
	}
}

// TestVerifyTOTPSharedCode covers the rare case of two neighbouring steps
// sharing a code (found by search for the RFC secret): VerifyTOTP must
// return the later step, or the code could be used once in each.
func TestVerifyTOTPSharedCode(t *testing.T) {
	t.Parallel()
	const first, code = int64(57766335), "251166"
	for _, s := range []int64{first, first + 1} {
		if c, err := TOTPCode(rfcSecret, time.Unix(s*30, 0)); err != nil || c != code {
			t.Fatalf("TOTPCode(step %d) = %q, %v; want %q", s, c, err, code)
		}
	}
	now := time.Unix(first*30+5, 0) // in the first of the two steps
	step, ok := VerifyTOTP(rfcSecret, code, now, 0)
	if !ok || step != first+1 {
		t.Fatalf("VerifyTOTP = %d, %v; want %d, true", step, ok, first+1)
	}
	if _, ok := VerifyTOTP(rfcSecret, code, now, step); ok {
		t.Fatal("shared code accepted a second time")
	}
}

// FuzzVerifyTOTP checks that arbitrary input never panics and that only
// six ASCII digits (after removing spaces) can ever be accepted.
func FuzzVerifyTOTP(f *testing.F) {
	const secret = "JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP"
	now := time.Unix(1_700_000_010, 0)
	if c, err := TOTPCode(secret, now); err == nil {
		f.Add(c)
		f.Add(c[:3] + " " + c[3:])
	}
	f.Add("")
	f.Add("１２３４５６")
	f.Add("12345\x00")
	f.Fuzz(func(t *testing.T, code string) {
		_, ok := VerifyTOTP(secret, code, now, 0)
		if !ok {
			return
		}
		s := strings.ReplaceAll(code, " ", "")
		if len(s) != 6 || strings.Trim(s, "0123456789") != "" {
			t.Fatalf("accepted %q, which is not six digits", code)
		}
		for _, d := range []time.Duration{-30 * time.Second, 0, 30 * time.Second} {
			if want, err := TOTPCode(secret, now.Add(d)); err == nil && want == s {
				return
			}
		}
		t.Fatalf("accepted %q, which is no code of the window", code)
	})
}
