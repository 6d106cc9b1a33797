package server_test

import (
	"context"
	"errors"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"testing"

	"github.com/weerbaar/weerbaar/internal/apptest"
	"github.com/weerbaar/weerbaar/internal/authz"
)

type sentMail struct{ to, subject, body string }

// fakeMailer records messages, or fails when fail is set.
type fakeMailer struct {
	mu   sync.Mutex
	sent []sentMail
	fail bool
}

func (m *fakeMailer) Send(_ context.Context, to, subject, body string) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.fail {
		return errors.New("connection refused")
	}
	m.sent = append(m.sent, sentMail{to, subject, body})
	return nil
}

func TestInviteIsMailedWhenSMTPIsConfigured(t *testing.T) {
	t.Parallel()
	for _, fail := range []bool{false, true} {
		mailer := &fakeMailer{fail: fail}
		a := apptest.Start(t, apptest.Options{Mailer: mailer})
		id := a.SeedDemo(t)
		base := "/e/" + strconv.FormatInt(id, 10)
		admin := a.LoginDemo(t, authz.Admin)
		r := admin.PostForm(t, base+"/users", url.Values{"email": {"Nieuw@Demo.Weerbaar.test"}, "name": {"Nieuwe Collega"}, "role": {"board_member"}})
		if r.StatusCode != http.StatusSeeOther {
			t.Fatalf("invite: %d", r.StatusCode)
		}
		page := admin.Get(t, base+"/users")
		i := strings.Index(page.Body, "/set-password/")
		if i < 0 {
			t.Fatalf("link not shown (mail failing: %v)", fail)
		}
		link := page.Body[i : i+len("/set-password/")+43]
		if fail {
			if !strings.Contains(page.Body, tr(t, "users.mail.failed")) {
				t.Errorf("failed mail not reported")
			}
			continue
		}
		if len(mailer.sent) != 1 || mailer.sent[0].to != "nieuw@demo.weerbaar.test" || !strings.Contains(mailer.sent[0].body, link) ||
			!strings.Contains(mailer.sent[0].body, "Drinkwaterbedrijf Demo") {
			t.Fatalf("mail: %+v (link %s)", mailer.sent, link)
		}
		if !strings.Contains(page.Body, tr(t, "users.mail.sent")) {
			t.Errorf("sent mail not reported")
		}
	}
}

func TestInviteFormKeepsInputOnErrors(t *testing.T) {
	t.Parallel()
	a := apptest.Start(t, apptest.Options{})
	id := a.SeedDemo(t)
	base := "/e/" + strconv.FormatInt(id, 10)
	admin := a.LoginDemo(t, authz.Admin)
	r := admin.PostForm(t, base+"/users", url.Values{"email": {"geen-adres"}, "name": {"Jan de Vries"}, "role": {"god"}})
	if r.StatusCode != http.StatusUnprocessableEntity {
		t.Fatalf("status %d", r.StatusCode)
	}
	for _, want := range []string{`value="geen-adres"`, `value="Jan de Vries"`, `id="f-email-error"`, `id="f-role-error"`, `aria-invalid="true"`, `href="#f-email"`} {
		if !strings.Contains(r.Body, want) {
			t.Errorf("invalid invite lacks %s", want)
		}
	}
	r = admin.PostForm(t, base+"/users", url.Values{"email": {"officer@demo.weerbaar.test"}, "name": {"Dubbel"}, "role": {"auditor"}})
	if r.StatusCode != http.StatusUnprocessableEntity || !strings.Contains(r.Body, tr(t, "users.error.already_member")) {
		t.Fatalf("existing member: %d", r.StatusCode)
	}
}
