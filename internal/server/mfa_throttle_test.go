package server_test

import (
	"net/http"
	"net/url"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/weerbaar/weerbaar/internal/apptest"
	"github.com/weerbaar/weerbaar/internal/demo"
	"github.com/weerbaar/weerbaar/internal/i18n"
)

// enrolOfficer switches on TOTP for the demo officer through the account
// page and returns the secret.
func enrolOfficer(t *testing.T, a *apptest.App, clock *apptest.Clock) string {
	t.Helper()
	c := a.Login(t, officer.Email, demo.Password)
	m := regexp.MustCompile(`id="totp-secret">([A-Z2-7]+)<`).FindStringSubmatch(c.Get(t, "/account/mfa").Body)
	if m == nil {
		t.Fatal("no TOTP secret on the enrolment page")
	}
	if r := c.PostForm(t, "/account/mfa", url.Values{"code": {totp(t, m[1], clock.Now())}, "password": {demo.Password}}); r.StatusCode != http.StatusOK {
		t.Fatalf("enable MFA: %d", r.StatusCode)
	}
	clock.Advance(30 * time.Second) // the enrolment code's step is used up
	return m[1]
}

// wrongCode is a six-digit code that is not valid around now.
func wrongCode(t *testing.T, secret string, clock *apptest.Clock) string {
	t.Helper()
	valid := map[string]bool{}
	for _, d := range []time.Duration{-30 * time.Second, 0, 30 * time.Second} {
		valid[totp(t, secret, clock.Now().Add(d))] = true
	}
	for i := 0; ; i++ {
		if c := strconv.Itoa(100000 + i*7919); !valid[c] {
			return c
		}
	}
}

func passwordStep(t *testing.T, a *apptest.App) *apptest.Client {
	t.Helper()
	c := a.Client()
	if r := c.PostForm(t, "/login", url.Values{"email": {officer.Email}, "password": {demo.Password}}); r.StatusCode != http.StatusSeeOther || r.Header.Get("Location") != "/login/mfa" {
		t.Fatalf("password step: %d %q", r.StatusCode, r.Header.Get("Location"))
	}
	return c
}

// TestSecondFactorGuessingIsLimited: a correct password does not buy more
// guesses at the code. Four rounds of "password, then four wrong codes"
// must run into the limit, with at most five codes checked in all.
func TestSecondFactorGuessingIsLimited(t *testing.T) {
	t.Parallel()
	clock := apptest.NewClock()
	a := apptest.Start(t, apptest.Options{Clock: clock.Now})
	a.SeedDemo(t)
	secret := enrolOfficer(t, a, clock)
	wrong := wrongCode(t, secret, clock)
	checked, refused := 0, 0
	for round := 0; round < 4; round++ {
		c := passwordStep(t, a)
		for i := 0; i < 4; i++ {
			switch r := c.PostForm(t, "/login/mfa", url.Values{"code": {wrong}}); r.StatusCode {
			case http.StatusUnauthorized:
				checked++
			case http.StatusTooManyRequests:
				refused++
			default:
				t.Fatalf("round %d code %d: status %d", round+1, i+1, r.StatusCode)
			}
		}
	}
	if refused == 0 || checked > 5 {
		t.Fatalf("%d wrong codes checked, %d refused: want at most 5 checked, then 429", checked, refused)
	}
	// The owner with a valid code is refused too until the window passes...
	c := passwordStep(t, a)
	if r := c.PostForm(t, "/login/mfa", url.Values{"code": {totp(t, secret, clock.Now())}}); r.StatusCode != http.StatusTooManyRequests {
		t.Fatalf("valid code while locked: %d", r.StatusCode)
	}
	// ...and gets in afterwards.
	clock.Advance(15 * time.Minute)
	c = passwordStep(t, a)
	if r := c.PostForm(t, "/login/mfa", url.Values{"code": {totp(t, secret, clock.Now())}}); r.StatusCode != http.StatusSeeOther {
		t.Fatalf("valid code after the window: %d", r.StatusCode)
	}
}

// TestPendingLoginEndsAfterFiveWrongCodes: the fifth wrong code of one
// pending login ends it; the user starts again with the password.
func TestPendingLoginEndsAfterFiveWrongCodes(t *testing.T) {
	t.Parallel()
	clock := apptest.NewClock()
	a := apptest.Start(t, apptest.Options{Clock: clock.Now})
	a.SeedDemo(t)
	secret := enrolOfficer(t, a, clock)
	wrong := wrongCode(t, secret, clock)
	c := passwordStep(t, a)
	for i := 1; i <= 4; i++ {
		if r := c.PostForm(t, "/login/mfa", url.Values{"code": {wrong}}); r.StatusCode != http.StatusUnauthorized || !containsKey(t, r.Body, "mfa.login.submit") {
			t.Fatalf("wrong code %d: %d", i, r.StatusCode)
		}
	}
	r := c.PostForm(t, "/login/mfa", url.Values{"code": {wrong}})
	if r.StatusCode != http.StatusUnauthorized || !containsKey(t, r.Body, "mfa.error.locked") || !containsKey(t, r.Body, "login.submit") {
		t.Fatalf("fifth wrong code: %d %s", r.StatusCode, r.Body)
	}
	if r := c.Get(t, "/login/mfa"); r.StatusCode != http.StatusSeeOther || r.Header.Get("Location") != "/login" {
		t.Fatalf("pending login still open: %d %q", r.StatusCode, r.Header.Get("Location"))
	}
	clock.Advance(15 * time.Minute)
	if r := c.PostForm(t, "/login/mfa", url.Values{"code": {totp(t, secret, clock.Now())}}); r.StatusCode != http.StatusSeeOther || r.Header.Get("Location") != "/login" {
		t.Fatalf("valid code without the password step: %d %q", r.StatusCode, r.Header.Get("Location"))
	}
}

// containsKey reports whether body shows the Dutch catalogue text of key.
func containsKey(t testing.TB, body, key string, args ...any) bool {
	t.Helper()
	return strings.Contains(body, apptest.HTML(t, i18n.NL, key, args...))
}
