package server_test

import (
	"context"
	"net/http"
	"net/url"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"github.com/weerbaar/weerbaar/internal/apptest"
	"github.com/weerbaar/weerbaar/internal/authz"
	"github.com/weerbaar/weerbaar/internal/demo"
	"github.com/weerbaar/weerbaar/internal/server"
)

var linkPattern = regexp.MustCompile(`/set-password/([A-Za-z0-9_-]+)`)

// invite posts the invite form as the admin client and returns the response
// and the link shown once on the users page.
func invite(t *testing.T, admin *apptest.Client, base, email, name, role string) (apptest.Response, apptest.Response, string) {
	t.Helper()
	r := admin.PostForm(t, base+"/users", url.Values{"email": {email}, "name": {name}, "role": {role}})
	if r.StatusCode != http.StatusSeeOther {
		t.Fatalf("invite %s: %d %s", email, r.StatusCode, r.Body)
	}
	page := admin.Get(t, base+"/users")
	m := linkPattern.FindStringSubmatch(page.Body)
	if m == nil {
		t.Fatalf("invite %s: no link shown", email)
	}
	return r, page, "/set-password/" + m[1]
}

func auditRows(t *testing.T, a *apptest.App, entityID int64, action string) int {
	t.Helper()
	var n int
	if err := a.Pool.QueryRow(context.Background(), `SELECT count(*) FROM audit_log WHERE entity_id = $1 AND action = $2`, entityID, action).Scan(&n); err != nil {
		t.Fatal(err)
	}
	return n
}

// TestInviteCannotTakeOverAnotherEntitysAccount reproduces the takeover:
// entity A invites an address, entity B invites the same address before its
// owner set a password. B's admin must not get a link that sets the
// password, and A's link must keep working.
func TestInviteCannotTakeOverAnotherEntitysAccount(t *testing.T) {
	t.Parallel()
	mailer := &fakeMailer{}
	a := apptest.Start(t, apptest.Options{Mailer: mailer})
	entityA := a.SeedDemo(t)
	entityB, _ := createEntityWithAdmin(t, a, "ander", "Andere Organisatie", "admin@ander.test")
	baseA, baseB := "/e/"+strconv.FormatInt(entityA, 10), "/e/"+strconv.FormatInt(entityB, 10)
	adminA := a.LoginDemo(t, authz.Admin)
	adminB := a.Login(t, "admin@ander.test", testPassword)

	const victim = "x@example.nl"
	_, _, linkA := invite(t, adminA, baseA, victim, "Xandra", "security_officer")
	_, _, linkB := invite(t, adminB, baseB, victim, "Xandra", "auditor")

	// B's admin follows B's link: it asks to sign in, it sets no password.
	attacker := a.Client()
	r := attacker.Get(t, linkB)
	if r.StatusCode != http.StatusOK || !strings.Contains(r.Body, "data-join") || strings.Contains(r.Body, `name="new_password"`) {
		t.Fatalf("B's link: %d, want the join page without a password form: %s", r.StatusCode, r.Body)
	}
	const stolen = "attacker chosen passphrase 1"
	if r := attacker.PostForm(t, linkB, url.Values{"new_password": {stolen}, "confirm": {stolen}}); r.StatusCode != http.StatusNotFound {
		t.Fatalf("setting a password with B's link: %d", r.StatusCode)
	}
	if r := a.Client().PostForm(t, "/login", url.Values{"email": {victim}, "password": {stolen}}); r.StatusCode != http.StatusUnauthorized {
		t.Fatalf("attacker's password works: %d", r.StatusCode)
	}
	// The mails went to the address itself: a set-password link from A, a
	// sign-in notice from B.
	if len(mailer.sent) != 2 || mailer.sent[0].to != victim || !strings.Contains(mailer.sent[0].body, linkA) ||
		mailer.sent[1].to != victim || !strings.Contains(mailer.sent[1].body, linkB) {
		t.Fatalf("mails: %+v", mailer.sent)
	}

	// A's link still works; its owner gets A (accepted by using the link)
	// and sees B's invitation, which grants nothing until accepted.
	owner := a.Client()
	if r := owner.Get(t, linkA); r.StatusCode != http.StatusOK || !strings.Contains(r.Body, `name="new_password"`) {
		t.Fatalf("A's link after B's invite: %d", r.StatusCode)
	}
	const mine = "the owner's own passphrase"
	if r := owner.PostForm(t, linkA, url.Values{"new_password": {mine}, "confirm": {mine}}); r.StatusCode != http.StatusSeeOther {
		t.Fatalf("A's link: %d %s", r.StatusCode, r.Body)
	}
	r = owner.PostForm(t, "/login", url.Values{"email": {victim}, "password": {mine}})
	if r.StatusCode != http.StatusSeeOther || r.Header.Get("Location") != "/" {
		t.Fatalf("owner's login: %d %q, want the start page with the invitation", r.StatusCode, r.Header.Get("Location"))
	}
	if r := owner.Get(t, baseA+"/"); r.StatusCode != http.StatusOK {
		t.Fatalf("owner in A: %d", r.StatusCode)
	}
	if r := owner.Get(t, baseB+"/"); r.StatusCode != http.StatusNotFound {
		t.Fatalf("owner in B before accepting: %d", r.StatusCode)
	}
}

// usersRow returns the users-table row of email with what differs by
// design (ids, address, link) masked, to compare two invitations.
func usersRow(t *testing.T, body, base, email, name string, id int64) string {
	t.Helper()
	for _, row := range strings.Split(body, "<tr>") {
		if strings.Contains(row, ">"+email+"<") {
			row = strings.ReplaceAll(row, base+"/", "BASE/")
			row = strings.ReplaceAll(row, email, "EMAIL")
			row = strings.ReplaceAll(row, name, "NAME")
			return strings.ReplaceAll(row, strconv.FormatInt(id, 10), "ID")
		}
	}
	t.Fatalf("no row for %s", email)
	return ""
}

// TestAddingAnExistingAccountNeedsConsent: B's admin adds A's officer. The
// reply is the one a new address gets; the officer sees an invitation, B
// stays closed (404, not in the switcher, no MFA duty) until they accept;
// declining and accepting are audit-logged on B's chain; B removing them
// later does not sign them out of A.
func TestAddingAnExistingAccountNeedsConsent(t *testing.T) {
	t.Parallel()
	a := apptest.Start(t, apptest.Options{})
	entityA := a.SeedDemo(t)
	entityB, _ := createEntityWithAdmin(t, a, "ander", "Andere Organisatie", "admin@ander.test")
	baseA, baseB := "/e/"+strconv.FormatInt(entityA, 10), "/e/"+strconv.FormatInt(entityB, 10)
	adminB := a.Login(t, "admin@ander.test", testPassword)
	officerID := userID(t, a, officer.Email)

	// The same reply for an existing account and a new address.
	rOld, pageOld, linkOld := invite(t, adminB, baseB, officer.Email, "Iemand Anders", "admin")
	rNew, pageNew, _ := invite(t, adminB, baseB, "nieuw@ander.test", "Iemand Nieuws", "admin")
	if rOld.StatusCode != rNew.StatusCode || rOld.Header.Get("Location") != rNew.Header.Get("Location") {
		t.Errorf("replies differ: %d %q vs %d %q", rOld.StatusCode, rOld.Header.Get("Location"), rNew.StatusCode, rNew.Header.Get("Location"))
	}
	if !containsKey(t, pageOld.Body, "users.invited.done") || !containsKey(t, pageNew.Body, "users.invited.done") {
		t.Errorf("notices differ")
	}
	rowOld := usersRow(t, pageNew.Body, baseB, officer.Email, "Iemand Anders", officerID)
	rowNew := usersRow(t, pageNew.Body, baseB, "nieuw@ander.test", "Iemand Nieuws", userID(t, a, "nieuw@ander.test"))
	if rowOld != rowNew {
		t.Errorf("users-page rows differ:\n%s\n%s", rowOld, rowNew)
	}
	if strings.Contains(pageOld.Body, officer.Name) {
		t.Errorf("B's users page shows the account's own name")
	}
	if n := auditRows(t, a, entityB, "membership.invited"); n != 2 {
		t.Errorf("membership.invited rows on B's chain: %d", n)
	}
	if log := adminB.Get(t, baseB+"/audit"); log.StatusCode != http.StatusOK || strings.Contains(log.Body, officer.Name) ||
		!strings.Contains(log.Body, "Iemand Anders") || !containsKey(t, log.Body, "audit.action.membership.invited") {
		t.Errorf("B's audit log names the invitation wrongly (or shows the account's own name): %d", log.StatusCode)
	}
	// B requires MFA (switched in the database, so B's admin need not
	// enrol); a pending invitation must not impose it.
	requireMFA := func(on bool) {
		t.Helper()
		if _, err := a.Pool.Exec(context.Background(), `UPDATE entities SET mfa_required = $2 WHERE id = $1`, entityB, on); err != nil {
			t.Fatal(err)
		}
	}
	requireMFA(true)

	off := a.Client()
	r := off.PostForm(t, "/login", url.Values{"email": {officer.Email}, "password": {demo.Password}})
	if r.StatusCode != http.StatusSeeOther || r.Header.Get("Location") != "/" {
		t.Fatalf("officer's login: %d %q, want the start page", r.StatusCode, r.Header.Get("Location"))
	}
	start := off.Get(t, "/")
	if start.StatusCode != http.StatusOK || !strings.Contains(start.Body, `data-invitation="`+strconv.FormatInt(entityB, 10)+`"`) ||
		!strings.Contains(start.Body, "Andere Organisatie") || !containsKey(t, start.Body, "invitations.accept_by_link") {
		t.Fatalf("start page: %d %s", start.StatusCode, start.Body)
	}
	dash := off.Get(t, baseA+"/")
	if dash.StatusCode != http.StatusOK || strings.Contains(dash.Body, "Andere Organisatie") {
		t.Fatalf("A's dashboard with B pending: %d (B in the switcher or MFA enforced)", dash.StatusCode)
	}
	if !strings.Contains(dash.Body, "data-invitations-link") || !containsKey(t, dash.Body, "shell.invitations", 1) {
		t.Errorf("the top bar does not point to the pending invitation")
	}
	// A pending member sees nothing of B.
	for _, rt := range a.Server.Routes() {
		if rt.Access != server.InEntity {
			continue
		}
		path := strings.NewReplacer("{entityID}", strconv.FormatInt(entityB, 10), "{userID}", strconv.FormatInt(officerID, 10),
			"{code}", "a", "{itemID}", "1", "{versionID}", "1").Replace(rt.Pattern)
		if resp := do(t, off, rt.Method, path); resp.StatusCode != http.StatusNotFound {
			t.Errorf("pending member %s %s: %d, want 404", rt.Method, path, resp.StatusCode)
		}
	}

	// Decline: the invitation goes, audit-logged on B's chain.
	if r := off.PostForm(t, "/invitations/"+strconv.FormatInt(entityB, 10)+"/decline", nil); r.StatusCode != http.StatusSeeOther {
		t.Fatalf("decline: %d", r.StatusCode)
	}
	if r := off.PostForm(t, "/invitations/"+strconv.FormatInt(entityB, 10)+"/accept", url.Values{"token": {strings.TrimPrefix(linkOld, "/set-password/")}}); r.StatusCode != http.StatusNotFound {
		t.Fatalf("accepting a declined invitation: %d", r.StatusCode)
	}
	if r := off.Get(t, linkOld); r.StatusCode != http.StatusOK || !containsKey(t, r.Body, "join.answered") {
		t.Fatalf("link of a declined invitation: %d", r.StatusCode)
	}
	if r := off.PostForm(t, "/invitations/"+strconv.FormatInt(entityA, 10)+"/decline", nil); r.StatusCode != http.StatusNotFound {
		t.Fatalf("declining an accepted membership: %d", r.StatusCode)
	}
	if page := adminB.Get(t, baseB+"/users"); strings.Contains(page.Body, officer.Email) {
		t.Fatalf("declined invitation still listed")
	}
	if n := auditRows(t, a, entityB, "membership.declined"); n != 1 {
		t.Errorf("membership.declined rows: %d", n)
	}

	// Invited again and accepted: now B counts, with its MFA duty.
	requireMFA(false)
	_, _, link := invite(t, adminB, baseB, officer.Email, "Iemand Anders", "auditor")
	requireMFA(true)
	if r := off.Get(t, baseB+"/"); r.StatusCode != http.StatusNotFound {
		t.Fatalf("pending again: %d", r.StatusCode)
	}
	// Accepting takes the invitation's link: signed in is not enough.
	accept := "/invitations/" + strconv.FormatInt(entityB, 10) + "/accept"
	if r := off.PostForm(t, accept, nil); r.StatusCode != http.StatusNotFound || !containsKey(t, r.Body, "invitations.link_needed") {
		t.Fatalf("accept without the link: %d", r.StatusCode)
	}
	page := off.Get(t, link)
	m := regexp.MustCompile(`action="(/invitations/\d+/accept)".*?name="token" value="([^"]+)"`).FindStringSubmatch(page.Body)
	if page.StatusCode != http.StatusOK || m == nil || m[1] != accept {
		t.Fatalf("the link's page offers no acceptance: %d %s", page.StatusCode, page.Body)
	}
	if r := off.PostForm(t, accept, url.Values{"token": {m[2]}}); r.StatusCode != http.StatusSeeOther || r.Header.Get("Location") != baseB+"/" {
		t.Fatalf("accept: %d %q", r.StatusCode, r.Header.Get("Location"))
	}
	if n := auditRows(t, a, entityB, "membership.accepted"); n != 1 {
		t.Errorf("membership.accepted rows: %d", n)
	}
	if r := off.Get(t, baseB+"/"); r.StatusCode != http.StatusSeeOther || r.Header.Get("Location") != "/account/mfa" {
		t.Fatalf("accepted member of an MFA entity: %d %q", r.StatusCode, r.Header.Get("Location"))
	}
	requireMFA(false)
	if r := off.Get(t, baseB+"/"); r.StatusCode != http.StatusOK {
		t.Fatalf("accepted member in B: %d", r.StatusCode)
	}

	// B removes them: B closes, A stays open in the same session.
	if r := adminB.PostForm(t, baseB+"/users/"+strconv.FormatInt(officerID, 10)+"/remove", nil); r.StatusCode != http.StatusSeeOther {
		t.Fatalf("remove: %d", r.StatusCode)
	}
	if r := off.Get(t, baseB+"/"); r.StatusCode != http.StatusNotFound {
		t.Fatalf("removed member in B: %d", r.StatusCode)
	}
	if r := off.Get(t, baseA+"/"); r.StatusCode != http.StatusOK {
		t.Fatalf("B's removal ended the session in A: %d %q", r.StatusCode, r.Header.Get("Location"))
	}
}

// TestPendingInvitationCannotBeDisabledOrProbed: an entity admin cannot
// switch off an account they only invited (it may belong to someone else).
func TestPendingInvitationCannotBeDisabledOrProbed(t *testing.T) {
	t.Parallel()
	a := apptest.Start(t, apptest.Options{})
	a.SeedDemo(t)
	entityB, _ := createEntityWithAdmin(t, a, "ander", "Andere Organisatie", "admin@ander.test")
	baseB := "/e/" + strconv.FormatInt(entityB, 10)
	adminB := a.Login(t, "admin@ander.test", testPassword)
	invite(t, adminB, baseB, officer.Email, "Iemand", "auditor")
	invite(t, adminB, baseB, "nieuw@ander.test", "Iemand Nieuws", "auditor")
	for _, email := range []string{officer.Email, "nieuw@ander.test"} {
		id := strconv.FormatInt(userID(t, a, email), 10)
		if r := adminB.PostForm(t, baseB+"/users/"+id+"/disable", url.Values{"disabled": {"true"}}); r.StatusCode != http.StatusForbidden {
			t.Errorf("disable invited %s: %d", email, r.StatusCode)
		}
	}
	if r := a.Client().PostForm(t, "/login", url.Values{"email": {officer.Email}, "password": {demo.Password}}); r.StatusCode != http.StatusSeeOther {
		t.Fatalf("the invited account was disabled: %d", r.StatusCode)
	}
}

// TestSquattedAddressCannotAcceptAnotherEntitysInvitation: B's admin
// invites an address first and keeps its set-password link; when A later
// invites the same address, B's admin (signed in to that account) cannot
// accept A's invitation without A's join link, which went to the address.
func TestSquattedAddressCannotAcceptAnotherEntitysInvitation(t *testing.T) {
	t.Parallel()
	a := apptest.Start(t, apptest.Options{})
	entityA := a.SeedDemo(t)
	entityB, _ := createEntityWithAdmin(t, a, "ander", "Andere Organisatie", "admin@ander.test")
	baseA, baseB := "/e/"+strconv.FormatInt(entityA, 10), "/e/"+strconv.FormatInt(entityB, 10)
	adminA := a.LoginDemo(t, authz.Admin)
	adminB := a.Login(t, "admin@ander.test", testPassword)

	const address = "ciso@demo.weerbaar.test"
	_, _, squat := invite(t, adminB, baseB, address, "Squatter", "auditor")
	const pw = "the squatter's passphrase"
	if r := a.Client().PostForm(t, squat, url.Values{"new_password": {pw}, "confirm": {pw}}); r.StatusCode != http.StatusSeeOther {
		t.Fatalf("B's admin sets the password: %d", r.StatusCode)
	}
	_, _, linkA := invite(t, adminA, baseA, address, "CISO", "security_officer")

	squatter := a.Login(t, address, pw)
	accept := "/invitations/" + strconv.FormatInt(entityA, 10) + "/accept"
	for _, token := range []string{"", "guess", strings.TrimPrefix(squat, "/set-password/")} {
		if r := squatter.PostForm(t, accept, url.Values{"token": {token}}); r.StatusCode != http.StatusNotFound {
			t.Errorf("accept with token %q: %d", token, r.StatusCode)
		}
	}
	if r := squatter.Get(t, baseA+"/"); r.StatusCode != http.StatusNotFound {
		t.Fatalf("squatter in A: %d", r.StatusCode)
	}
	if n := auditRows(t, a, entityA, "membership.accepted"); n != 0 {
		t.Fatalf("accepted without A's link: %d", n)
	}
	// A's link is the proof: whoever holds it (the address's owner) and the
	// account accepts.
	if r := squatter.PostForm(t, accept, url.Values{"token": {strings.TrimPrefix(linkA, "/set-password/")}}); r.StatusCode != http.StatusSeeOther {
		t.Fatalf("accept with A's link: %d", r.StatusCode)
	}
}
