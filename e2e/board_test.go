package e2e

import (
	"context"
	"fmt"
	"strconv"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"
	"github.com/jackc/pgx/v5"

	"github.com/weerbaar/weerbaar/internal/apptest"
	"github.com/weerbaar/weerbaar/internal/audit"
	"github.com/weerbaar/weerbaar/internal/auth"
	"github.com/weerbaar/weerbaar/internal/authz"
	"github.com/weerbaar/weerbaar/internal/db"
	"github.com/weerbaar/weerbaar/internal/demo"
	"github.com/weerbaar/weerbaar/internal/entity"
	"github.com/weerbaar/weerbaar/internal/measure"
)

// TestBoardApprovesTheMeasurePlan: the officer submits the measure plan
// with a cover note; two board members each find it on their own first
// screen and approve it after re-entering their password; the officer then
// sees "goedgekeurd" with the SHA-256 of the frozen content, the measures
// page says approved, and a later change to a measure shows "verouderd".
// The board's screen and the request page pass axe-core.
func TestBoardApprovesTheMeasurePlan(t *testing.T) {
	a := apptest.Start(t, apptest.Options{PlainHTTP: true})
	id := a.SeedDemo(t)
	base := a.URL("/e/" + strconv.FormatInt(id, 10))
	const secondEmail, secondPassword = "tweede.bestuurder@demo.weerbaar.test", "Tweede-bestuurder-2026!"
	ctx := audit.WithMeta(context.Background(), audit.Meta{ActorEmail: "test"})
	if err := db.InTx(ctx, a.Pool, func(tx pgx.Tx) error {
		var uid int64
		if err := tx.QueryRow(ctx, `INSERT INTO users (email, name) VALUES ($1, 'Marieke de Groot') RETURNING id`, secondEmail).Scan(&uid); err != nil {
			return err
		}
		if err := auth.SetPasswordDirect(ctx, tx, uid, secondPassword); err != nil {
			return err
		}
		return entity.AddMembership(ctx, tx, id, uid, authz.BoardMember)
	}); err != nil {
		t.Fatal(err)
	}

	officer := newBrowser(t)
	var reqURL, hash, state string
	runStep(t, officer, "the officer submits the measure plan",
		chromedp.Navigate(a.URL("/login")),
		login(demo.Accounts[1].Email, demo.Password),
		chromedp.WaitVisible(`nav.sidenav`, chromedp.ByQuery),
		chromedp.Navigate(fmt.Sprintf("%s/board/requests/new?subject=%s:%s", base, measure.KindPlan, measure.PlanRef)),
		chromedp.WaitVisible(`#f-cover_note`, chromedp.ByQuery),
		chromedp.SendKeys(`#f-cover_note`, "Doelniveaus voor 2027 ter vaststelling.", chromedp.ByQuery),
		chromedp.Submit(`#f-cover_note`, chromedp.ByQuery),
		chromedp.WaitVisible(`[data-testid="request-hash"]`, chromedp.ByQuery),
		chromedp.Location(&reqURL),
		chromedp.Text(`[data-testid="request-hash"]`, &hash, chromedp.ByQuery),
	)
	reqPath := reqURL[strings.Index(reqURL, "/e/"):]
	if len(strings.TrimSpace(hash)) != 64 {
		t.Fatalf("request page shows no SHA-256: %q", hash)
	}

	for i, member := range []struct{ email, password string }{{demo.Accounts[2].Email, demo.Password}, {secondEmail, secondPassword}} {
		b := newBrowser(t)
		runStep(t, b, fmt.Sprintf("board member %d finds the request on the first screen", i+1),
			chromedp.Navigate(a.URL("/login")),
			login(member.email, member.password),
			chromedp.WaitVisible(`[data-testid="board-waiting"]`, chromedp.ByQuery),
		)
		if i == 0 {
			if vs := runAxe(b, t); len(vs) > 0 {
				t.Errorf("board screen: axe-core found serious or critical violations:%s", describeViolations(vs))
			}
		}
		runStep(t, b, fmt.Sprintf("board member %d approves with the password", i+1),
			chromedp.Click(fmt.Sprintf(`[data-testid="board-waiting"] a[href="%s"]`, reqPath), chromedp.ByQuery),
			chromedp.WaitVisible(`#f-secret`, chromedp.ByQuery),
			chromedp.SetValue(`#f-decision`, "approve", chromedp.ByQuery),
			chromedp.SendKeys(`#f-comment`, "Akkoord.", chromedp.ByQuery),
			chromedp.SendKeys(`#f-secret`, member.password, chromedp.ByQuery),
			chromedp.Submit(`#f-secret`, chromedp.ByQuery),
			chromedp.WaitVisible(`[data-testid="already-decided"]`, chromedp.ByQuery),
			chromedp.AttributeValue(`[data-testid="request-state"]`, "data-state", &state, nil, chromedp.ByQuery),
		)
		if want := []string{"pending", "approved"}[i]; state != want {
			t.Errorf("after decision %d the request is %q, want %q", i+1, state, want)
		}
		if i == 0 {
			if vs := runAxe(b, t); len(vs) > 0 {
				t.Errorf("request page: axe-core found serious or critical violations:%s", describeViolations(vs))
			}
		}
	}

	var shownHash, standing string
	runStep(t, officer, "the officer sees the approval and its hash",
		chromedp.Navigate(reqURL),
		chromedp.WaitVisible(`[data-testid="request-hash"]`, chromedp.ByQuery),
		chromedp.AttributeValue(`[data-testid="request-state"]`, "data-state", &state, nil, chromedp.ByQuery),
		chromedp.Text(`[data-testid="request-hash"]`, &shownHash, chromedp.ByQuery),
		chromedp.Navigate(base+"/measures"),
		chromedp.AttributeValue(`[data-approval]`, "data-approval", &standing, nil, chromedp.ByQuery),
	)
	if state != "approved" || shownHash != hash || standing != "approved" {
		t.Errorf("officer sees state %q, hash %q (submitted %q), measures page %q", state, shownHash, hash, standing)
	}
	// A later change to the plan: measure b's maturity is set by hand.
	if _, err := a.Pool.Exec(context.Background(), `INSERT INTO entity_measures (entity_id, measure_code, maturity_override, override_reason, catalogue_version)
		SELECT $1, 'b', 5, 'Externe audit', catalogue_edition FROM entities WHERE id = $1
		ON CONFLICT (entity_id, measure_code) DO UPDATE SET maturity_override = 5, override_reason = 'Externe audit'`, id); err != nil {
		t.Fatal(err)
	}
	runStep(t, officer, "a later change outdates the approval",
		chromedp.Navigate(base+"/measures"),
		chromedp.AttributeValue(`[data-approval]`, "data-approval", &standing, nil, chromedp.ByQuery),
	)
	if standing != "outdated" {
		t.Errorf("after a change the plan reads %q, want outdated (verouderd)", standing)
	}
}
