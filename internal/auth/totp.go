package auth

import (
	"bytes"
	"crypto/subtle"
	"errors"
	"fmt"
	"image/png"
	"strings"
	"time"

	"github.com/pquerna/otp"
	"github.com/pquerna/otp/totp"
)

// TOTP settings: RFC 6238 with HMAC-SHA1, six digits and a 30-second period.
// Those are the only settings every authenticator app supports; several
// ignore the algorithm, digits and period in the otpauth URI and would show
// wrong codes for anything else.
const (
	totpIssuer     = "Weerbaar"
	totpPeriod     = 30
	totpDigits     = otp.DigitsSix
	totpAlgorithm  = otp.AlgorithmSHA1
	totpSecretSize = 20 // bytes; RFC 4226 recommends 160 bits for SHA1
	totpQRSize     = 256
)

var totpOpts = totp.ValidateOpts{
	Period:    totpPeriod,
	Digits:    totpDigits,
	Algorithm: totpAlgorithm,
}

// NewTOTPKey generates a new random 20-byte secret for account (the user's
// e-mail address, which the authenticator app shows next to the issuer
// "Weerbaar"). It returns the secret in unpadded base32, to store sealed and
// to show for manual entry, and the otpauth:// URI to show as a QR code.
func NewTOTPKey(account string) (secret, uri string, err error) {
	if strings.TrimSpace(account) == "" {
		return "", "", errors.New("new totp key: account name is empty")
	}
	key, err := totp.Generate(totp.GenerateOpts{
		Issuer:      totpIssuer,
		AccountName: account,
		Period:      totpPeriod,
		SecretSize:  totpSecretSize,
		Digits:      totpDigits,
		Algorithm:   totpAlgorithm,
	})
	if err != nil {
		return "", "", fmt.Errorf("new totp key: %w", err)
	}
	return key.Secret(), key.URL(), nil
}

// TOTPQRCodePNG renders an otpauth URI as a 256x256 PNG QR code, large
// enough for phone cameras to read from a screen. The page embeds it as a
// data: URI so the secret never travels in a separate, cacheable request.
func TOTPQRCodePNG(uri string) ([]byte, error) {
	key, err := otp.NewKeyFromURL(uri)
	if err != nil {
		return nil, fmt.Errorf("totp qr code: parse uri: %w", err)
	}
	if !strings.HasPrefix(key.String(), "otpauth://") {
		return nil, errors.New("totp qr code: uri is not an otpauth:// uri")
	}
	img, err := key.Image(totpQRSize, totpQRSize)
	if err != nil {
		return nil, fmt.Errorf("totp qr code: render: %w", err)
	}
	var buf bytes.Buffer
	if err := png.Encode(&buf, img); err != nil {
		return nil, fmt.Errorf("totp qr code: encode png: %w", err)
	}
	return buf.Bytes(), nil
}

// TOTPCode computes the code an authenticator app shows for secret at t.
// The server only needs it to verify; tests and the browser test use it to
// log in as a user with two-factor authentication.
func TOTPCode(secret string, t time.Time) (string, error) {
	code, err := totp.GenerateCodeCustom(secret, t, totpOpts)
	if err != nil {
		return "", fmt.Errorf("totp code: %w", err)
	}
	return code, nil
}

// totpStep returns the RFC 6238 time step (counter) that t falls in.
func totpStep(t time.Time) int64 {
	u := t.Unix()
	s := u / totpPeriod
	if u%totpPeriod < 0 {
		s-- // floor, not truncation, for times before 1970
	}
	return s
}

// VerifyTOTP checks code against secret at time now. It accepts the current
// step and one step either side, which absorbs clock drift and the time a
// person needs to type, and nothing wider, which would multiply an
// attacker's chances. For replay protection, lastUsedStep is the step of the
// user's last accepted code (0 if none): a code for that step or an earlier
// one is refused, so a code seen over someone's shoulder cannot be reused.
// On success it returns the matched step, which the caller stores as the new
// lastUsedStep. Spaces are stripped ("123 456" is what some apps show); any
// other input that is not exactly six digits is refused. Codes are compared
// in constant time.
func VerifyTOTP(secret, code string, now time.Time, lastUsedStep int64) (step int64, ok bool) {
	code = strings.ReplaceAll(code, " ", "")
	if len(code) != totpDigits.Length() {
		return 0, false
	}
	for i := 0; i < len(code); i++ {
		if code[i] < '0' || code[i] > '9' {
			return 0, false
		}
	}

	current := totpStep(now)
	matched := int64(0)
	found := false
	// Check every candidate step, without stopping early, and keep the
	// latest that matches: if two steps happen to share a code, storing the
	// later one makes sure the code cannot be replayed in the other.
	for s := current - 1; s <= current+1; s++ {
		if s <= lastUsedStep || s < 0 {
			continue
		}
		want, err := totp.GenerateCodeCustom(secret, time.Unix(s*totpPeriod, 0), totpOpts)
		if err != nil {
			return 0, false // the secret is not valid base32
		}
		if subtle.ConstantTimeCompare([]byte(want), []byte(code)) == 1 {
			matched, found = s, true
		}
	}
	return matched, found
}
