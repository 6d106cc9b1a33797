package server_test

import (
	"context"
	"net/http"
	"strings"
	"testing"

	"github.com/weerbaar/weerbaar/internal/apptest"
	"github.com/weerbaar/weerbaar/internal/demo"
)

// TestSessionRowNamesItsUser: the session store keeps the signed-in user's
// id in the session's row, and a request reads that user with the session
// (one round trip). The row's id is only a shortcut: when it names another
// user, or none (a session saved before the column existed), the request
// still gets the user the session itself names.
func TestSessionRowNamesItsUser(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	a := apptest.Start(t, apptest.Options{})
	a.SeedDemo(t)
	c := a.Login(t, officer.Email, demo.Password)
	token := sessionCookie(c, a).Value
	var officerID, auditorID int64
	if err := a.Pool.QueryRow(ctx, `SELECT id FROM users WHERE email = $1`, officer.Email).Scan(&officerID); err != nil {
		t.Fatal(err)
	}
	if err := a.Pool.QueryRow(ctx, `SELECT id FROM users WHERE email = $1`, demo.Accounts[3].Email).Scan(&auditorID); err != nil {
		t.Fatal(err)
	}
	var stored *int64
	if err := a.Pool.QueryRow(ctx, `SELECT user_id FROM sessions WHERE token = $1`, token).Scan(&stored); err != nil {
		t.Fatal(err)
	}
	if stored == nil || *stored != officerID {
		t.Fatalf("session row's user_id %v, want the officer %d", stored, officerID)
	}
	account := func(when string) {
		t.Helper()
		r := c.Get(t, "/account")
		if r.StatusCode != http.StatusOK || !strings.Contains(r.Body, officer.Email) || strings.Contains(r.Body, demo.Accounts[3].Email) {
			t.Fatalf("%s: status %d, the officer's account page expected", when, r.StatusCode)
		}
	}
	account("user read with the session")
	for _, set := range []struct {
		when string
		id   *int64
	}{{"the row names another user", &auditorID}, {"the row names no user", nil}} {
		if _, err := a.Pool.Exec(ctx, `UPDATE sessions SET user_id = $2 WHERE token = $1`, token, set.id); err != nil {
			t.Fatal(err)
		}
		account(set.when)
	}

	// Signing out deletes the row; an anonymous session's row names nobody.
	anon := a.Client()
	if r := anon.PostForm(t, "/login", map[string][]string{"email": {officer.Email}, "password": {"wrong"}}); r.StatusCode == http.StatusSeeOther {
		t.Fatalf("wrong password signed in")
	}
	if ck := sessionCookie(anon, a); ck != nil {
		if err := a.Pool.QueryRow(ctx, `SELECT user_id FROM sessions WHERE token = $1`, ck.Value).Scan(&stored); err == nil && stored != nil {
			t.Errorf("an anonymous session's row names user %d", *stored)
		}
	}
}
