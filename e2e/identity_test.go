package e2e

import (
	"context"
	"net/url"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
	"github.com/jackc/pgx/v5"

	"github.com/weerbaar/weerbaar/internal/apptest"
	"github.com/weerbaar/weerbaar/internal/audit"
	"github.com/weerbaar/weerbaar/internal/auth"
	"github.com/weerbaar/weerbaar/internal/authz"
	"github.com/weerbaar/weerbaar/internal/db"
	"github.com/weerbaar/weerbaar/internal/demo"
	"github.com/weerbaar/weerbaar/internal/entity"
)

// The second entity the demo officer belongs to; its name sorts after the
// demo entity's, so sign-in still lands on the demo entity.
const (
	secondSlug = "waterschap-noordkust"
	secondName = "Waterschap Noordkust"
)

// addSecondEntity creates a second entity and makes the user its security
// officer, so the top bar shows the entity switcher.
func addSecondEntity(t *testing.T, a *apptest.App, email string) int64 {
	t.Helper()
	ctx := audit.WithMeta(context.Background(), audit.Meta{ActorEmail: "test"})
	var id int64
	err := db.InTx(ctx, a.Pool, func(tx pgx.Tx) error {
		u, err := auth.GetUserByEmail(ctx, tx, email)
		if err != nil {
			return err
		}
		e, err := entity.Create(ctx, tx, entity.NewEntity{Slug: secondSlug, Name: secondName, LegalName: secondName, City: "Leeuwarden"})
		if err != nil {
			return err
		}
		id = e.ID
		return entity.AddMembership(ctx, tx, e.ID, u.ID, authz.SecurityOfficer)
	})
	if err != nil {
		t.Fatalf("add second entity: %v", err)
	}
	return id
}

// runStep runs one step of the journey with its own deadline, so a page that
// never comes fails in seconds with the step's name rather than at the
// browser's overall timeout.
func runStep(t *testing.T, ctx context.Context, step string, actions ...chromedp.Action) {
	t.Helper()
	ctx, cancel := context.WithTimeout(ctx, 15*time.Second)
	defer cancel()
	if err := chromedp.Run(ctx, actions...); err != nil {
		t.Fatalf("%s: %v", step, err)
	}
}

// failOnFieldError fails the test if the page shows a form field error,
// quoting it, after a submit that should have been accepted.
func failOnFieldError(t *testing.T, ctx context.Context, step string) {
	t.Helper()
	var errs string
	runStep(t, ctx, step+": read field errors",
		chromedp.Evaluate(`Array.from(document.querySelectorAll(".field-error, .error-summary")).map(e => e.textContent.trim()).join(" | ")`, &errs))
	if errs != "" {
		t.Fatalf("%s: the form was refused: %s", step, errs)
	}
}

// pathOf returns the path of the browser's current URL.
func pathOf(t *testing.T, loc string) string {
	t.Helper()
	u, err := url.Parse(loc)
	if err != nil {
		t.Fatalf("parse location %q: %v", loc, err)
	}
	return u.Path
}

// TestIdentityMFAJourney is issue 3's journey: the demo officer enrols TOTP
// with a code computed from the secret on the page, logs out, logs in again
// with password and TOTP, and switches to their second entity.
func TestIdentityMFAJourney(t *testing.T) {
	clock := apptest.NewClock()
	a := apptest.Start(t, apptest.Options{PlainHTTP: true, Clock: clock.Now})
	demoID := a.SeedDemo(t)
	officer := demo.Accounts[1]
	if officer.Role != authz.SecurityOfficer {
		t.Fatalf("demo.Accounts[1] is %s, want the security officer", officer.Role)
	}
	secondID := addSecondEntity(t, a, officer.Email)
	demoPath := "/e/" + strconv.FormatInt(demoID, 10) + "/"
	secondPath := "/e/" + strconv.FormatInt(secondID, 10) + "/"
	ctx := newBrowser(t)

	// Sign in with the password only, then open enrolment.
	var secret string
	runStep(t, ctx, "sign in with the password and open /account/mfa",
		chromedp.Navigate(a.URL("/")),
		login(officer.Email, demo.Password),
		chromedp.WaitVisible(`details.user-menu`, chromedp.ByQuery), // signed in
		chromedp.Navigate(a.URL("/account/mfa")),
		chromedp.WaitVisible(`#totp-secret`, chromedp.ByQuery),
		chromedp.Text(`#totp-secret`, &secret, chromedp.ByQuery),
	)
	secret = strings.TrimSpace(secret)
	if secret == "" {
		t.Fatal("enrolment page shows no TOTP secret in #totp-secret")
	}

	// Confirm the enrolment with a code computed from the shown secret.
	code, err := auth.TOTPCode(secret, clock.Now())
	if err != nil {
		t.Fatalf("compute TOTP code from secret %q: %v", secret, err)
	}
	runStep(t, ctx, "submit the enrolment form",
		chromedp.SendKeys(`#f-code`, code, chromedp.ByQuery),
		chromedp.SendKeys(`#f-password`, demo.Password, chromedp.ByQuery),
		chromedp.Submit(`#f-password`, chromedp.ByQuery),
		chromedp.WaitVisible(`ul.recovery-codes, .error-summary`, chromedp.ByQuery),
	)
	failOnFieldError(t, ctx, "enrol with code "+code)
	var recovery []string
	runStep(t, ctx, "read the recovery codes",
		chromedp.Evaluate(`Array.from(document.querySelectorAll("ul.recovery-codes li")).map(li => li.textContent.trim())`, &recovery))
	if len(recovery) != 10 {
		t.Fatalf("recovery codes page lists %d codes, want 10: %q", len(recovery), recovery)
	}
	seen := map[string]bool{}
	for _, c := range recovery {
		if c == "" || seen[c] {
			t.Fatalf("recovery codes must be non-empty and distinct: %q", recovery)
		}
		seen[c] = true
	}

	// Continue to the dashboard, then log out through the user menu.
	var loc string
	runStep(t, ctx, "continue after the recovery codes",
		chromedp.Click(`main a.button-primary`, chromedp.ByQuery),
		chromedp.WaitVisible(`nav.sidenav`, chromedp.ByQuery),
		chromedp.Location(&loc),
	)
	if got := pathOf(t, loc); got != demoPath {
		t.Fatalf("continue after the recovery codes went to %s, want the demo dashboard %s", got, demoPath)
	}
	runStep(t, ctx, "log out through the user menu",
		chromedp.Click(`details.user-menu > summary`, chromedp.ByQuery),
		chromedp.WaitVisible(`details.user-menu form[action="/logout"] button`, chromedp.ByQuery),
		chromedp.Click(`details.user-menu form[action="/logout"] button`, chromedp.ByQuery),
		chromedp.WaitVisible(`#f-email`, chromedp.ByQuery),
		chromedp.Location(&loc),
	)
	if got := pathOf(t, loc); got != "/login" {
		t.Fatalf("after logout the browser is on %s, want /login", got)
	}

	// Sign in again: the password is no longer enough.
	var signedInParts int
	runStep(t, ctx, "password step of the second sign-in",
		login(officer.Email, demo.Password),
		chromedp.WaitVisible(`#f-code`, chromedp.ByQuery),
		chromedp.Location(&loc),
		chromedp.Evaluate(`document.querySelectorAll("details.user-menu, nav.sidenav").length`, &signedInParts),
	)
	if got := pathOf(t, loc); got != "/login/mfa" {
		t.Fatalf("after the password the browser is on %s, want the MFA step /login/mfa", got)
	}
	if signedInParts != 0 {
		t.Fatal("the MFA step page shows the user menu or the navigation before the second factor")
	}

	// The enrolment code is used up; the code of the next step signs in.
	clock.Advance(30 * time.Second)
	code2, err := auth.TOTPCode(secret, clock.Now())
	if err != nil {
		t.Fatal(err)
	}
	runStep(t, ctx, "submit the second factor",
		chromedp.SendKeys(`#f-code`, code2, chromedp.ByQuery),
		chromedp.Submit(`#f-code`, chromedp.ByQuery),
		chromedp.WaitVisible(`nav.sidenav, .field-error`, chromedp.ByQuery),
	)
	failOnFieldError(t, ctx, "second factor with code "+code2)
	var current string
	runStep(t, ctx, "read the dashboard",
		chromedp.WaitVisible(`nav.sidenav`, chromedp.ByQuery),
		chromedp.Location(&loc),
		chromedp.Text(`details.entity-switcher > summary`, &current, chromedp.ByQuery),
	)
	if got := pathOf(t, loc); got != demoPath {
		t.Fatalf("after the second factor the browser is on %s, want the demo dashboard %s", got, demoPath)
	}
	if strings.TrimSpace(current) != demo.EntityName {
		t.Fatalf("top bar names %q, want %q", current, demo.EntityName)
	}

	// Switch to the second entity.
	link := `details.entity-switcher a[href="` + secondPath + `"]`
	runStep(t, ctx, "switch to "+secondName,
		chromedp.Click(`details.entity-switcher > summary`, chromedp.ByQuery),
		chromedp.WaitVisible(link, chromedp.ByQuery),
		chromedp.Click(link, chromedp.ByQuery),
		chromedp.WaitReady(link+`[aria-current="true"]`, chromedp.ByQuery), // the new page marks it current
		chromedp.WaitVisible(`nav.sidenav`, chromedp.ByQuery),
		chromedp.Location(&loc),
		chromedp.Text(`details.entity-switcher > summary`, &current, chromedp.ByQuery),
	)
	if got := pathOf(t, loc); got != secondPath {
		t.Fatalf("after switching the browser is on %s, want %s", got, secondPath)
	}
	if strings.TrimSpace(current) != secondName {
		t.Fatalf("after switching the top bar names %q, want %q", current, secondName)
	}
}
