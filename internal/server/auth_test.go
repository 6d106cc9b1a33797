package server_test

import (
	"context"
	"net/http"
	"net/url"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/weerbaar/weerbaar/internal/apptest"
	"github.com/weerbaar/weerbaar/internal/auth"
	"github.com/weerbaar/weerbaar/internal/authz"
	"github.com/weerbaar/weerbaar/internal/demo"
)

func sessionCookie(c *apptest.Client, a *apptest.App) *http.Cookie {
	u, _ := url.Parse(a.HTTP.URL)
	for _, ck := range c.HTTP.Jar.Cookies(u) {
		if strings.HasSuffix(ck.Name, "weerbaar_session") {
			return ck
		}
	}
	return nil
}

var officer = demo.Accounts[1]

func TestLoginSuccessRenewsTheSession(t *testing.T) {
	t.Parallel()
	a := apptest.Start(t, apptest.Options{})
	id := a.SeedDemo(t)
	c := a.Login(t, officer.Email, demo.Password)
	first := sessionCookie(c, a)
	if first == nil || !strings.HasPrefix(first.Name, "__Host-") {
		t.Fatalf("session cookie over https: %+v", first)
	}
	resp := c.PostForm(t, "/login", url.Values{"email": {officer.Email}, "password": {demo.Password}})
	if resp.StatusCode != http.StatusSeeOther || resp.Header.Get("Location") != "/e/"+strconv.FormatInt(id, 10)+"/" {
		t.Fatalf("login: %d %q", resp.StatusCode, resp.Header.Get("Location"))
	}
	var setCookie string
	for _, h := range resp.Header.Values("Set-Cookie") {
		if strings.Contains(h, "weerbaar_session=") {
			setCookie = h
		}
	}
	for _, attr := range []string{"HttpOnly", "Secure", "SameSite=Lax", "Path=/"} {
		if !strings.Contains(setCookie, attr) {
			t.Errorf("session cookie lacks %s: %s", attr, setCookie)
		}
	}
	if second := sessionCookie(c, a); second == nil || second.Value == first.Value {
		t.Fatalf("session token not renewed at login")
	}
	if dash := c.Get(t, "/e/"+strconv.FormatInt(id, 10)+"/"); dash.StatusCode != http.StatusOK || !strings.Contains(dash.Body, officer.Name) {
		t.Fatalf("dashboard after login: %d", dash.StatusCode)
	}
}

func TestWrongPasswordAndUnknownUserLookTheSame(t *testing.T) {
	t.Parallel()
	a := apptest.Start(t, apptest.Options{})
	a.SeedDemo(t)
	nonce := regexp.MustCompile(`nonce-[A-Za-z0-9_-]+|value="[^"]*@[^"]*"`)
	var bodies [2]string
	var fastest [2]time.Duration
	for i := 0; i < 5; i++ {
		for k, email := range []string{officer.Email, "nobody@demo.weerbaar.test"} {
			c := a.Client()
			start := time.Now()
			resp := c.PostForm(t, "/login", url.Values{"email": {email}, "password": {"wrong password 12345"}})
			took := time.Since(start)
			if resp.StatusCode != http.StatusUnauthorized || !strings.Contains(resp.Body, tr(t, "login.error.invalid")) {
				t.Fatalf("%s: status %d", email, resp.StatusCode)
			}
			bodies[k] = nonce.ReplaceAllString(resp.Body, "")
			if fastest[k] == 0 || took < fastest[k] {
				fastest[k] = took
			}
		}
	}
	if bodies[0] != bodies[1] {
		t.Errorf("responses differ between wrong password and unknown user")
	}
	// Both verify an argon2id hash; the unknown user must not answer in a
	// fraction of the time. Skipping the hash makes it some 20 times
	// faster, so only that is checked, on the fastest of five tries each: a
	// loaded machine slows either side at random, and an upper bound would
	// measure the machine rather than the code.
	ratio := float64(fastest[1]) / float64(fastest[0])
	if ratio < 0.2 {
		t.Errorf("unknown user took %v, wrong password %v", fastest[1], fastest[0])
	}
}

func TestLoginThrottling(t *testing.T) {
	t.Parallel()
	clock := apptest.NewClock()
	a := apptest.Start(t, apptest.Options{Clock: clock.Now})
	a.SeedDemo(t)
	c := a.Client()
	for i := 0; i < 5; i++ {
		if r := c.PostForm(t, "/login", url.Values{"email": {officer.Email}, "password": {"attacker guess " + strconv.Itoa(i)}}); r.StatusCode != http.StatusUnauthorized {
			t.Fatalf("attempt %d: status %d", i+1, r.StatusCode)
		}
	}
	// Even the right password is refused now, with a retry time.
	r := c.PostForm(t, "/login", url.Values{"email": {officer.Email}, "password": {demo.Password}})
	if r.StatusCode != http.StatusTooManyRequests {
		t.Fatalf("6th attempt: status %d, want 429", r.StatusCode)
	}
	retry, err := strconv.Atoi(r.Header.Get("Retry-After"))
	if err != nil || retry <= 0 || retry > 15*60 {
		t.Fatalf("Retry-After %q", r.Header.Get("Retry-After"))
	}
	if !strings.Contains(r.Body, tr(t, "login.error.throttled", (retry+59)/60)) {
		t.Errorf("429 page does not say when to retry: %s", r.Body)
	}
	// Other accounts from another IP are not affected... and after the window
	// the real user gets in. The failures also count across instances from
	// the audit log, stamped with the real time a moment after the test
	// clock started: a minute more lets the oldest leave the window.
	clock.Advance(16 * time.Minute)
	if r := c.PostForm(t, "/login", url.Values{"email": {officer.Email}, "password": {demo.Password}}); r.StatusCode != http.StatusSeeOther {
		t.Fatalf("after the window: status %d, want 303", r.StatusCode)
	}
}

func TestLogoutEndsTheSessionOnTheServer(t *testing.T) {
	t.Parallel()
	a := apptest.Start(t, apptest.Options{})
	id := a.SeedDemo(t)
	c := a.Login(t, officer.Email, demo.Password)
	old := sessionCookie(c, a)
	if r := c.PostForm(t, "/logout", nil); r.StatusCode != http.StatusSeeOther || r.Header.Get("Location") != "/login" {
		t.Fatalf("logout: %d %q", r.StatusCode, r.Header.Get("Location"))
	}
	replay := a.Client()
	req, _ := http.NewRequest(http.MethodGet, a.URL("/e/"+strconv.FormatInt(id, 10)+"/"), nil)
	req.AddCookie(&http.Cookie{Name: old.Name, Value: old.Value})
	if r := replay.Do(t, req); r.StatusCode != http.StatusSeeOther || !strings.HasPrefix(r.Header.Get("Location"), "/login") {
		t.Fatalf("replayed cookie after logout: %d %q", r.StatusCode, r.Header.Get("Location"))
	}
}

func TestSessionTimeouts(t *testing.T) {
	t.Parallel()
	t.Run("idle", func(t *testing.T) {
		t.Parallel()
		a := apptest.Start(t, apptest.Options{Env: map[string]string{"WEERBAAR_SESSION_IDLE_TIMEOUT": "1s"}})
		id := a.SeedDemo(t)
		c := a.Login(t, officer.Email, demo.Password)
		home := "/e/" + strconv.FormatInt(id, 10) + "/"
		if r := c.Get(t, home); r.StatusCode != http.StatusOK {
			t.Fatalf("fresh session: %d", r.StatusCode)
		}
		time.Sleep(1500 * time.Millisecond)
		if r := c.Get(t, home); r.StatusCode != http.StatusSeeOther {
			t.Fatalf("after idling past the timeout: %d, want redirect to login", r.StatusCode)
		}
	})
	t.Run("absolute", func(t *testing.T) {
		t.Parallel()
		a := apptest.Start(t, apptest.Options{Env: map[string]string{"WEERBAAR_SESSION_LIFETIME": "2s"}})
		id := a.SeedDemo(t)
		c := a.Login(t, officer.Email, demo.Password)
		home := "/e/" + strconv.FormatInt(id, 10) + "/"
		deadline := time.Now().Add(5 * time.Second)
		for {
			r := c.Get(t, home)
			if r.StatusCode == http.StatusSeeOther {
				break // ended although the user stayed active
			}
			if time.Now().After(deadline) {
				t.Fatal("an active session outlived the absolute lifetime")
			}
			time.Sleep(400 * time.Millisecond)
		}
	})
}

// TestDisablingEndsLiveSessionsRemovingClosesTheEntity: disabling an account
// ends its sessions; removing a membership closes that entity at once but
// leaves the user signed in (for their other entities and their account).
func TestDisablingEndsLiveSessionsRemovingClosesTheEntity(t *testing.T) {
	t.Parallel()
	a := apptest.Start(t, apptest.Options{})
	id := a.SeedDemo(t)
	base := "/e/" + strconv.FormatInt(id, 10)
	admin := a.LoginDemo(t, authz.Admin)
	off := a.LoginDemo(t, authz.SecurityOfficer)
	board := a.LoginDemo(t, authz.BoardMember)
	if r := off.Get(t, base+"/"); r.StatusCode != http.StatusOK {
		t.Fatalf("officer before: %d", r.StatusCode)
	}
	officerID := userID(t, a, officer.Email)
	if r := admin.PostForm(t, base+"/users/"+strconv.FormatInt(officerID, 10)+"/disable", url.Values{"disabled": {"true"}}); r.StatusCode != http.StatusSeeOther {
		t.Fatalf("disable: %d %s", r.StatusCode, r.Body)
	}
	if r := off.Get(t, base+"/"); r.StatusCode != http.StatusSeeOther || !strings.HasPrefix(r.Header.Get("Location"), "/login") {
		t.Fatalf("disabled officer's live session: %d %q", r.StatusCode, r.Header.Get("Location"))
	}
	if r := a.Client().PostForm(t, "/login", url.Values{"email": {officer.Email}, "password": {demo.Password}}); r.StatusCode != http.StatusUnauthorized {
		t.Fatalf("disabled officer can log in: %d", r.StatusCode)
	}

	boardID := userID(t, a, demo.Accounts[2].Email)
	if r := admin.PostForm(t, base+"/users/"+strconv.FormatInt(boardID, 10)+"/remove", nil); r.StatusCode != http.StatusSeeOther {
		t.Fatalf("remove: %d", r.StatusCode)
	}
	if r := board.Get(t, base+"/"); r.StatusCode != http.StatusNotFound {
		t.Fatalf("removed board member's live session in the entity: %d %q", r.StatusCode, r.Header.Get("Location"))
	}
	if r := board.Get(t, "/account"); r.StatusCode != http.StatusOK {
		t.Fatalf("removed board member was signed out: %d %q", r.StatusCode, r.Header.Get("Location"))
	}
}

func TestLastAdminCannotBeRemoved(t *testing.T) {
	t.Parallel()
	a := apptest.Start(t, apptest.Options{})
	id := a.SeedDemo(t)
	base := "/e/" + strconv.FormatInt(id, 10)
	admin := a.LoginDemo(t, authz.Admin)
	adminID := userID(t, a, demo.Accounts[0].Email)
	r := admin.PostForm(t, base+"/users/"+strconv.FormatInt(adminID, 10)+"/role", url.Values{"role": {"auditor"}})
	if r.StatusCode != http.StatusConflict || !strings.Contains(r.Body, tr(t, "users.error.last_admin")) {
		t.Fatalf("demoting the last admin: %d", r.StatusCode)
	}
	// With a second admin, the first may step down; the role change renews
	// nothing for the other admin but is audit-logged.
	officerID := userID(t, a, officer.Email)
	if r := admin.PostForm(t, base+"/users/"+strconv.FormatInt(officerID, 10)+"/role", url.Values{"role": {"admin"}}); r.StatusCode != http.StatusSeeOther {
		t.Fatalf("promote officer: %d", r.StatusCode)
	}
	if r := admin.PostForm(t, base+"/users/"+strconv.FormatInt(adminID, 10)+"/role", url.Values{"role": {"auditor"}}); r.StatusCode != http.StatusSeeOther {
		t.Fatalf("step down with another admin present: %d", r.StatusCode)
	}
	if r := admin.Get(t, base+"/users"); r.StatusCode != http.StatusForbidden {
		t.Fatalf("former admin still manages users: %d", r.StatusCode)
	}
}

func TestPasswordRulesOnSetPassword(t *testing.T) {
	t.Parallel()
	a := apptest.Start(t, apptest.Options{})
	id := a.SeedDemo(t)
	admin := a.LoginDemo(t, authz.Admin)
	base := "/e/" + strconv.FormatInt(id, 10)
	invite := func(email string) string {
		t.Helper()
		r := admin.PostForm(t, base+"/users", url.Values{"email": {email}, "name": {"Nieuwe Collega"}, "role": {"auditor"}})
		if r.StatusCode != http.StatusSeeOther {
			t.Fatalf("invite: %d %s", r.StatusCode, r.Body)
		}
		page := admin.Get(t, base+"/users")
		m := regexp.MustCompile(`/set-password/([A-Za-z0-9_-]+)`).FindStringSubmatch(page.Body)
		if m == nil {
			t.Fatalf("invite link not shown: %s", page.Body)
		}
		if again := admin.Get(t, base+"/users"); strings.Contains(again.Body, m[1]) {
			t.Fatalf("invite link shown twice")
		}
		return "/set-password/" + m[1]
	}
	link := invite("nieuw@demo.weerbaar.test")
	c := a.Client()
	if r := c.Get(t, link); r.StatusCode != http.StatusOK || !strings.Contains(r.Body, "nieuw@demo.weerbaar.test") {
		t.Fatalf("set-password form: %d", r.StatusCode)
	}
	set := func(pw string) apptest.Response {
		return c.PostForm(t, link, url.Values{"new_password": {pw}, "confirm": {pw}})
	}
	if r := set("elevenchars"); r.StatusCode != http.StatusUnprocessableEntity || !strings.Contains(r.Body, tr(t, "password.error.too_short")) || !strings.Contains(r.Body, `aria-describedby="f-new_password-help f-new_password-error"`) {
		t.Fatalf("11 characters: %d %s", r.StatusCode, r.Body)
	}
	if r := set("qwerty123456"); r.StatusCode != http.StatusUnprocessableEntity || !strings.Contains(r.Body, tr(t, "password.error.common")) {
		t.Fatalf("common password: %d", r.StatusCode)
	}
	long := strings.Repeat("ëï€", 42) + "xy" // 128 characters
	if r := set(long); r.StatusCode != http.StatusSeeOther {
		t.Fatalf("128 characters with ëï€: %d %s", r.StatusCode, r.Body)
	}
	if r := c.Get(t, link); r.StatusCode != http.StatusNotFound {
		t.Fatalf("link works twice: %d", r.StatusCode)
	}
	a.Login(t, "nieuw@demo.weerbaar.test", long)

	// A 100-byte password: its 72-byte prefix (bcrypt's limit) must not log in.
	link = invite("lang@demo.weerbaar.test")
	hundred := strings.Repeat("abcdefghij", 10)
	if r := set(hundred); r.StatusCode != http.StatusSeeOther {
		t.Fatalf("100-byte password: %d", r.StatusCode)
	}
	if r := a.Client().PostForm(t, "/login", url.Values{"email": {"lang@demo.weerbaar.test"}, "password": {hundred[:72]}}); r.StatusCode != http.StatusUnauthorized {
		t.Fatalf("72-byte prefix logged in: %d", r.StatusCode)
	}
	a.Login(t, "lang@demo.weerbaar.test", hundred)
}

func TestMFAEnrolmentAndLogin(t *testing.T) {
	t.Parallel()
	clock := apptest.NewClock()
	a := apptest.Start(t, apptest.Options{Clock: clock.Now})
	id := a.SeedDemo(t)
	c := a.Login(t, officer.Email, demo.Password)

	page := c.Get(t, "/account/mfa")
	m := regexp.MustCompile(`id="totp-secret">([A-Z2-7]+)<`).FindStringSubmatch(page.Body)
	if page.StatusCode != http.StatusOK || m == nil {
		t.Fatalf("enrolment page: %d %s", page.StatusCode, page.Body)
	}
	secret := m[1]
	if qr := c.Get(t, "/account/mfa/qr.png"); qr.StatusCode != http.StatusOK || qr.Header.Get("Content-Type") != "image/png" || !strings.HasPrefix(qr.Body, "\x89PNG") {
		t.Fatalf("QR code: %d %q", qr.StatusCode, qr.Header.Get("Content-Type"))
	}
	if r := c.PostForm(t, "/account/mfa", url.Values{"code": {"000000"}, "password": {demo.Password}}); r.StatusCode != http.StatusUnprocessableEntity || !strings.Contains(r.Body, secret) {
		t.Fatalf("wrong code: %d (the same secret must stay)", r.StatusCode)
	}
	code := totp(t, secret, clock.Now())
	if r := c.PostForm(t, "/account/mfa", url.Values{"code": {code}, "password": {"not the password"}}); r.StatusCode != http.StatusUnprocessableEntity || !strings.Contains(r.Body, tr(t, "account.error.password")) {
		t.Fatalf("wrong password: %d", r.StatusCode)
	}
	r := c.PostForm(t, "/account/mfa", url.Values{"code": {code}, "password": {demo.Password}})
	codes := regexp.MustCompile(`<li><code>([a-z0-9-]+)</code></li>`).FindAllStringSubmatch(r.Body, -1)
	if r.StatusCode != http.StatusOK || len(codes) != auth.RecoveryCodeCount {
		t.Fatalf("enable: %d, %d recovery codes", r.StatusCode, len(codes))
	}
	c.PostForm(t, "/logout", nil)

	login := func() *apptest.Client {
		t.Helper()
		c := a.Client()
		r := c.PostForm(t, "/login", url.Values{"email": {officer.Email}, "password": {demo.Password}})
		if r.StatusCode != http.StatusSeeOther || r.Header.Get("Location") != "/login/mfa" {
			t.Fatalf("password step: %d %q", r.StatusCode, r.Header.Get("Location"))
		}
		if r := c.Get(t, "/e/"+strconv.FormatInt(id, 10)+"/"); r.StatusCode != http.StatusSeeOther {
			t.Fatalf("entity reachable before the second factor: %d", r.StatusCode)
		}
		return c
	}
	second := func(c *apptest.Client, code string) int {
		return c.PostForm(t, "/login/mfa", url.Values{"code": {code}}).StatusCode
	}

	// The enrolment code is used up; a code of the next step works once.
	c = login()
	if got := second(c, code); got != http.StatusUnauthorized {
		t.Fatalf("enrolment code replayed: %d", got)
	}
	clock.Advance(30 * time.Second)
	next := totp(t, secret, clock.Now())
	if got := second(c, "123456"); got != http.StatusUnauthorized && next != "123456" {
		t.Fatalf("wrong code: %d", got)
	}
	if got := second(c, next); got != http.StatusSeeOther {
		t.Fatalf("correct code: %d", got)
	}
	if r := c.Get(t, "/e/"+strconv.FormatInt(id, 10)+"/"); r.StatusCode != http.StatusOK {
		t.Fatalf("after the second factor: %d", r.StatusCode)
	}
	c2 := login()
	if got := second(c2, next); got != http.StatusUnauthorized {
		t.Fatalf("same code twice: %d, want refused", got)
	}
	if got := second(c2, codes[0][1]); got != http.StatusSeeOther {
		t.Fatalf("recovery code: %d", got)
	}
	c3 := login()
	if got := second(c3, codes[0][1]); got != http.StatusUnauthorized {
		t.Fatalf("recovery code used twice: %d", got)
	}
}

func TestMFARequiredSendsToEnrolment(t *testing.T) {
	t.Parallel()
	a := apptest.Start(t, apptest.Options{})
	id := a.SeedDemo(t)
	base := "/e/" + strconv.FormatInt(id, 10)
	admin := a.LoginDemo(t, authz.Admin)
	if r := admin.PostForm(t, base+"/settings", url.Values{"mfa_required": {"true"}}); r.StatusCode != http.StatusSeeOther {
		t.Fatalf("settings: %d", r.StatusCode)
	}
	c := a.Login(t, officer.Email, demo.Password)
	for _, p := range []string{base + "/", base + "/measures", "/account"} {
		if r := c.Get(t, p); r.StatusCode != http.StatusSeeOther || r.Header.Get("Location") != "/account/mfa" {
			t.Errorf("%s: %d %q, want enrolment first", p, r.StatusCode, r.Header.Get("Location"))
		}
	}
	if r := c.Get(t, "/account/mfa"); r.StatusCode != http.StatusOK || !strings.Contains(r.Body, tr(t, "mfa.enrol.required")) {
		t.Fatalf("enrolment page: %d", r.StatusCode)
	}
}

func totp(t *testing.T, secret string, at time.Time) string {
	t.Helper()
	code, err := auth.TOTPCode(secret, at)
	if err != nil {
		t.Fatal(err)
	}
	return code
}

func userID(t *testing.T, a *apptest.App, email string) int64 {
	t.Helper()
	u, err := auth.GetUserByEmail(context.Background(), a.Pool, email)
	if err != nil {
		t.Fatal(err)
	}
	return u.ID
}

func TestRoleChangeRenewsTheMembersSessionToken(t *testing.T) {
	t.Parallel()
	a := apptest.Start(t, apptest.Options{})
	id := a.SeedDemo(t)
	base := "/e/" + strconv.FormatInt(id, 10)
	admin := a.LoginDemo(t, authz.Admin)
	board := a.LoginDemo(t, authz.BoardMember)
	before := sessionCookie(board, a).Value
	boardID := strconv.FormatInt(userID(t, a, demo.Accounts[2].Email), 10)
	if r := admin.PostForm(t, base+"/users/"+boardID+"/role", url.Values{"role": {"auditor"}}); r.StatusCode != http.StatusSeeOther {
		t.Fatalf("role change: %d", r.StatusCode)
	}
	if r := board.Get(t, base+"/audit"); r.StatusCode != http.StatusOK {
		t.Fatalf("new role not in effect at once: %d", r.StatusCode)
	}
	if after := sessionCookie(board, a).Value; after == before {
		t.Fatal("session token not renewed after the role change")
	}
}

func TestInstanceAdminCreatesAnEntity(t *testing.T) {
	t.Parallel()
	a := apptest.Start(t, apptest.Options{})
	a.SeedDemo(t)
	if _, err := a.Pool.Exec(context.Background(), `UPDATE users SET instance_admin = true WHERE email = $1`, demo.Accounts[0].Email); err != nil {
		t.Fatal(err)
	}
	c := a.LoginDemo(t, authz.Admin)
	if r := c.PostForm(t, "/admin/entities", url.Values{"name": {"Waterschap Noord"}, "slug": {"Waterschap Noord!"}}); r.StatusCode != http.StatusUnprocessableEntity ||
		!strings.Contains(r.Body, `value="Waterschap Noord!"`) {
		t.Fatalf("bad slug: %d", r.StatusCode)
	}
	r := c.PostForm(t, "/admin/entities", url.Values{"name": {"Waterschap Noord"}, "slug": {"waterschap-noord"}})
	if r.StatusCode != http.StatusSeeOther || !strings.HasPrefix(r.Header.Get("Location"), "/e/") {
		t.Fatalf("create: %d %q", r.StatusCode, r.Header.Get("Location"))
	}
	// New entities require MFA: the creator is sent to enrolment first.
	if next := c.Get(t, r.Header.Get("Location")); next.StatusCode != http.StatusSeeOther || next.Header.Get("Location") != "/account/mfa" {
		t.Fatalf("new entity without MFA: %d %q", next.StatusCode, next.Header.Get("Location"))
	}
	if n := auditCount(t, a, "entity.created"); n != 2 {
		t.Errorf("entity.created rows: %d", n)
	}
}

func TestUserWithoutEntitySeesWhatToDo(t *testing.T) {
	t.Parallel()
	a := apptest.Start(t, apptest.Options{})
	ctx := context.Background()
	var id int64
	if err := a.Pool.QueryRow(ctx, `INSERT INTO users (email, name, instance_admin) VALUES ('root@example.nl', 'Root', true) RETURNING id`).Scan(&id); err != nil {
		t.Fatal(err)
	}
	if err := auth.SetPasswordDirect(ctx, a.Pool, id, testPassword); err != nil {
		t.Fatal(err)
	}
	c := a.Login(t, "root@example.nl", testPassword)
	r := c.Get(t, "/")
	if r.StatusCode != http.StatusOK || !strings.Contains(r.Body, tr(t, "start.empty.title")) || !strings.Contains(r.Body, `href="/admin/entities"`) {
		t.Fatalf("start page: %d %s", r.StatusCode, r.Body)
	}
}
