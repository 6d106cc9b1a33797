package server_test

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/weerbaar/weerbaar/internal/apptest"
	"github.com/weerbaar/weerbaar/internal/audit"
	"github.com/weerbaar/weerbaar/internal/auth"
	"github.com/weerbaar/weerbaar/internal/authz"
	"github.com/weerbaar/weerbaar/internal/demo"
	"github.com/weerbaar/weerbaar/internal/measure"
)

// hashOf is a request's snapshot hash, as the decision form carries it.
func hashOf(t *testing.T, a *apptest.App, requestID int64) string {
	t.Helper()
	var h string
	if err := a.Pool.QueryRow(context.Background(), `SELECT snapshot_hash FROM approval_requests WHERE id = $1`, requestID).Scan(&h); err != nil {
		t.Fatal(err)
	}
	return h
}

// TestBoardApprovesTheMeasurePlan walks the journey over HTTP: the demo's
// approved plan is "verouderd" since a requirement improved; the officer
// submits it again; the request page shows the hash and what changed; a
// decision needs re-authentication and the board role (auditor and officer
// get 403); the board member approves; the plan is approved until the next
// change, which outdates it again.
func TestBoardApprovesTheMeasurePlan(t *testing.T) {
	t.Parallel()
	a, id := startWithDemo(t, apptest.Options{})
	base := "/e/" + strconv.FormatInt(id, 10)
	officer := a.LoginDemo(t, authz.SecurityOfficer)
	board := a.LoginDemo(t, authz.BoardMember)
	auditor := a.LoginDemo(t, authz.Auditor)

	if r := officer.Get(t, base+"/measures"); !strings.Contains(r.Body, `data-approval="outdated"`) || !strings.Contains(r.Body, tr(t, "approval.state.outdated")) {
		i := strings.Index(r.Body, "data-approval=")
		t.Fatalf("demo plan not verouderd: %d %s", r.StatusCode, r.Body[max(0, i):min(len(r.Body), max(0, i)+300)])
	}
	// Bad input: no subject → 422, the cover note kept.
	r := officer.PostForm(t, base+"/board/requests", url.Values{"subject": {""}, "cover_note": {"Mijn toelichting"}})
	if r.StatusCode != http.StatusUnprocessableEntity || !strings.Contains(r.Body, `id="f-subject-error"`) || !strings.Contains(r.Body, "Mijn toelichting") {
		t.Errorf("submit without subject: %d", r.StatusCode)
	}
	// The auditor and the board cannot submit.
	subject := url.Values{"subject": {measure.KindPlan + ":" + measure.PlanRef}, "cover_note": {"Doelniveaus 2027."}}
	for name, c := range map[string]*apptest.Client{"auditor": auditor, "board": board} {
		if r := c.PostForm(t, base+"/board/requests", subject); r.StatusCode != http.StatusForbidden {
			t.Errorf("%s submits: %d", name, r.StatusCode)
		}
	}
	r = officer.PostForm(t, base+"/board/requests", subject)
	if r.StatusCode != http.StatusSeeOther {
		t.Fatalf("submit: %d %s", r.StatusCode, r.Body)
	}
	reqPage := r.Header.Get("Location")
	reqID, err := strconv.ParseInt(reqPage[strings.LastIndex(reqPage, "/")+1:], 10, 64)
	if err != nil {
		t.Fatal(err)
	}
	hash := hashOf(t, a, reqID)
	// A second pending request for the plan is refused.
	if r := officer.PostForm(t, base+"/board/requests", subject); r.StatusCode != http.StatusUnprocessableEntity ||
		!strings.Contains(r.Body, tr(t, "approval.error.pending_exists")) {
		t.Errorf("second pending request: %d", r.StatusCode)
	}
	page := board.Get(t, reqPage)
	for _, want := range []string{hash, `data-testid="changes-rows"`, tr(t, "approval.field.target"), tr(t, "approval.decide.title"), "Doelniveaus 2027."} {
		if !strings.Contains(page.Body, want) {
			t.Errorf("request page lacks %q", want)
		}
	}
	decide := func(c *apptest.Client, v url.Values) apptest.Response {
		return c.PostForm(t, reqPage+"/decide", v)
	}
	approve := url.Values{"decision": {"approve"}, "hash": {hash}, "comment": {"Akkoord."}}
	// Auditor and officer cannot decide, even with their password.
	withPW := url.Values{"decision": {"approve"}, "hash": {hash}, "secret": {demo.Password}}
	if r := decide(auditor, withPW); r.StatusCode != http.StatusForbidden {
		t.Errorf("auditor decides: %d", r.StatusCode)
	}
	if r := decide(officer, withPW); r.StatusCode != http.StatusForbidden {
		t.Errorf("officer decides: %d", r.StatusCode)
	}
	// The session alone is not enough: no secret, a wrong password.
	if r := decide(board, approve); r.StatusCode != http.StatusUnprocessableEntity || !strings.Contains(r.Body, `id="f-secret-error"`) ||
		!strings.Contains(r.Body, "Akkoord.") {
		t.Errorf("decision without re-authentication: %d", r.StatusCode)
	}
	wrong := url.Values{"decision": {"approve"}, "hash": {hash}, "secret": {"not the password"}}
	if r := decide(board, wrong); r.StatusCode != http.StatusUnprocessableEntity || !strings.Contains(r.Body, tr(t, "reauth.error.invalid")) {
		t.Errorf("decision with a wrong password: %d", r.StatusCode)
	}
	if r := decide(board, url.Values{"decision": {"reject"}, "hash": {hash}, "secret": {demo.Password}}); r.StatusCode != http.StatusUnprocessableEntity ||
		!strings.Contains(r.Body, `id="f-comment-error"`) {
		t.Errorf("rejection without comment: %d", r.StatusCode)
	}
	var n int
	if err := a.Pool.QueryRow(context.Background(), `SELECT count(*) FROM approval_decisions WHERE request_id = $1`, reqID).Scan(&n); err != nil || n != 0 {
		t.Fatalf("refused decisions recorded: %d %v", n, err)
	}
	approve.Set("secret", demo.Password)
	if r := decide(board, approve); r.StatusCode != http.StatusSeeOther {
		t.Fatalf("board approves: %d %s", r.StatusCode, r.Body)
	}
	// No second decision.
	if r := decide(board, approve); r.StatusCode != http.StatusConflict {
		t.Errorf("second decision: %d", r.StatusCode)
	}
	done := auditor.Get(t, reqPage)
	if !strings.Contains(done.Body, `data-state="approved"`) || !strings.Contains(done.Body, "Pieter Jansen") ||
		!strings.Contains(done.Body, hash) || !strings.Contains(done.Body, tr(t, "approval.reauth.password")) {
		t.Errorf("approved request page for the auditor: %d", done.StatusCode)
	}
	if !strings.Contains(done.Body, `data-testid="hash-verified"`) {
		t.Errorf("request page does not verify the hash")
	}
	// The auditor downloads the frozen content and recomputes the hash.
	snap := auditor.Get(t, reqPage+"/snapshot.json")
	if sum := sha256.Sum256([]byte(snap.Body)); snap.StatusCode != http.StatusOK || hex.EncodeToString(sum[:]) != hash {
		t.Errorf("snapshot download: %d, hash %x, want %s", snap.StatusCode, sum, hash)
	}
	if r := officer.Get(t, base+"/measures"); !strings.Contains(r.Body, `data-approval="approved"`) || !strings.Contains(r.Body, hash) {
		t.Errorf("measures page after approval: %d", r.StatusCode)
	}
	// Verouderd after a change to the plan.
	officerID := userID(t, a, demo.Accounts[1].Email)
	actor := authz.Actor{UserID: officerID, EntityID: id, Role: authz.SecurityOfficer}
	ctx := audit.WithMeta(context.Background(), audit.Meta{ActorID: officerID, ActorEmail: demo.Accounts[1].Email})
	ed, err := measure.EntityEdition(ctx, a.Pool, id)
	if err != nil {
		t.Fatal(err)
	}
	rq, err := measure.GetRequirement(ctx, a.Pool, ed, id, "1.1")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := measure.UpdateRequirement(ctx, a.Pool, actor, "1.1", measure.StateInput{Applicable: false, Justification: "Geen eigen beleid nodig.",
		Status: string(rq.Status), Maturity: strconv.Itoa(rq.Maturity), Version: rq.Version}); err != nil {
		t.Fatal(err)
	}
	if r := officer.Get(t, base+"/measures"); !strings.Contains(r.Body, `data-approval="outdated"`) {
		t.Errorf("measures page after a change: not verouderd")
	}
	// The audit trail names every step.
	for _, action := range []string{"approval.submitted", "approval.decided", "approval.approved"} {
		if err := a.Pool.QueryRow(context.Background(), `SELECT count(*) FROM audit_log WHERE entity_id = $1 AND action = $2 AND object_id = $3`,
			id, action, strconv.FormatInt(reqID, 10)).Scan(&n); err != nil || n != 1 {
			t.Errorf("audit %s: %d %v", action, n, err)
		}
	}
}

// TestBoardRequestsOfAnotherEntityAreNotFound: a request id of another
// entity is a 404 on every route, for reading and for deciding.
func TestBoardRequestsOfAnotherEntityAreNotFound(t *testing.T) {
	t.Parallel()
	a, idA := startWithDemo(t, apptest.Options{})
	entityB, _ := createEntityWithAdmin(t, a, "ander-bestuur", "Ander Bestuur", "admin@ander-bestuur.test")
	var theirs int64
	if err := a.Pool.QueryRow(context.Background(), `SELECT max(id) FROM approval_requests WHERE entity_id = $1`, idA).Scan(&theirs); err != nil {
		t.Fatal(err)
	}
	// The demo's board member, made a member of B too, addresses A's
	// request through B.
	boardID := userID(t, a, demo.Accounts[2].Email)
	if _, err := a.Pool.Exec(context.Background(), `INSERT INTO memberships (entity_id, user_id, role, accepted_at) VALUES ($1, $2, 'board_member', now())`,
		entityB, boardID); err != nil {
		t.Fatal(err)
	}
	c := a.LoginDemo(t, authz.BoardMember)
	page := fmt.Sprintf("/e/%d/board/requests/%d", entityB, theirs)
	if r := c.Get(t, page); r.StatusCode != http.StatusNotFound {
		t.Errorf("read another entity's request: %d", r.StatusCode)
	}
	if r := c.Get(t, page+"/snapshot.json"); r.StatusCode != http.StatusNotFound {
		t.Errorf("download another entity's snapshot: %d", r.StatusCode)
	}
	if r := c.PostForm(t, page+"/decide", url.Values{"decision": {"approve"}, "secret": {demo.Password}, "hash": {hashOf(t, a, theirs)}}); r.StatusCode != http.StatusNotFound {
		t.Errorf("decide another entity's request: %d", r.StatusCode)
	}
	if r := c.Get(t, fmt.Sprintf("/e/%d/board/requests/%d", idA, theirs)); r.StatusCode != http.StatusOK {
		t.Errorf("own entity's request: %d", r.StatusCode)
	}
}

// TestBoardDecidesWithATOTPCodeOnce: a board member with a second factor
// may confirm with a TOTP code; the same code cannot be used twice.
func TestBoardDecidesWithATOTPCodeOnce(t *testing.T) {
	t.Parallel()
	clock := apptest.NewClock()
	a, id := startWithDemo(t, apptest.Options{Clock: clock.Now})
	base := "/e/" + strconv.FormatInt(id, 10)
	ctx := context.Background()
	// A second board member: majority of two is two, so the request stays
	// open after the first decision.
	second := addMember(t, a, id, "tweede@demo.weerbaar.test", authz.BoardMember)
	secret, _, err := auth.NewTOTPKey("tweede@demo.weerbaar.test")
	if err != nil {
		t.Fatal(err)
	}
	sealed, err := a.Auth.Sealer.Seal([]byte(secret))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := a.Pool.Exec(ctx, `UPDATE users SET totp_secret = $1, totp_enabled_at = now() WHERE id = $2`, sealed, second); err != nil {
		t.Fatal(err)
	}
	officer := a.LoginDemo(t, authz.SecurityOfficer)
	r := officer.PostForm(t, base+"/board/requests", url.Values{"subject": {measure.KindPlan + ":" + measure.PlanRef}})
	if r.StatusCode != http.StatusSeeOther {
		t.Fatalf("submit: %d", r.StatusCode)
	}
	reqPage := r.Header.Get("Location")
	reqID, _ := strconv.ParseInt(reqPage[strings.LastIndex(reqPage, "/")+1:], 10, 64)
	hash := hashOf(t, a, reqID)
	code, err := auth.TOTPCode(secret, clock.Now())
	if err != nil {
		t.Fatal(err)
	}
	c := a.Client()
	if r := c.PostForm(t, "/login", url.Values{"email": {"tweede@demo.weerbaar.test"}, "password": {testPassword}}); r.StatusCode != http.StatusSeeOther {
		t.Fatalf("login: %d", r.StatusCode)
	}
	// The login's second factor uses the current code: the decision needs a
	// fresh one, so move the clock one step.
	if r := c.PostForm(t, "/login/mfa", url.Values{"code": {code}}); r.StatusCode != http.StatusSeeOther {
		t.Fatalf("second factor: %d %s", r.StatusCode, r.Body)
	}
	if r := c.PostForm(t, reqPage+"/decide", url.Values{"decision": {"approve"}, "hash": {hash}, "secret": {code}}); r.StatusCode != http.StatusUnprocessableEntity {
		t.Errorf("replayed login code accepted: %d", r.StatusCode)
	}
	clock.Advance(30 * time.Second)
	next, _ := auth.TOTPCode(secret, clock.Now())
	if r := c.PostForm(t, reqPage+"/decide", url.Values{"decision": {"approve"}, "hash": {hash}, "secret": {next}}); r.StatusCode != http.StatusSeeOther {
		t.Fatalf("decision with a fresh code: %d %s", r.StatusCode, r.Body)
	}
	var method, state string
	if err := a.Pool.QueryRow(ctx, `SELECT d.reauth, r.state FROM approval_decisions d JOIN approval_requests r ON r.id = d.request_id
		WHERE d.request_id = $1 AND d.user_id = $2`, reqID, second).Scan(&method, &state); err != nil || method != "totp" || state != "pending" {
		t.Errorf("decision: %q %q %v", method, state, err)
	}
}

// TestBoardAcceptsAResidualRisk: the demo's scenario whose residual risk
// above tolerance awaits the board is offered on the new-request form; once
// the board approves it, the scenario is accepted by the board member.
func TestBoardAcceptsAResidualRisk(t *testing.T) {
	t.Parallel()
	a, id := startWithDemo(t, apptest.Options{})
	base := "/e/" + strconv.FormatInt(id, 10)
	scenario := firstID(t, a, `SELECT min(id) FROM risk_scenarios WHERE entity_id = $1 AND acceptance = 'requested'`, id)
	subject := "risk_acceptance:" + strconv.FormatInt(scenario, 10)
	officer := a.LoginDemo(t, authz.SecurityOfficer)
	if r := officer.Get(t, base+"/board/requests/new"); !strings.Contains(r.Body, `value="`+subject+`"`) {
		t.Fatalf("new-request form does not offer the requested acceptance: %d", r.StatusCode)
	}
	// A scenario without a requested acceptance is not a subject.
	other := firstID(t, a, `SELECT min(id) FROM risk_scenarios WHERE entity_id = $1 AND acceptance IS NULL`, id)
	if r := officer.PostForm(t, base+"/board/requests", url.Values{"subject": {"risk_acceptance:" + strconv.FormatInt(other, 10)}}); r.StatusCode != http.StatusUnprocessableEntity {
		t.Errorf("acceptance of a scenario that asks none: %d", r.StatusCode)
	}
	r := officer.PostForm(t, base+"/board/requests", url.Values{"subject": {subject}, "cover_note": {"Leverancierstoegang: MFA volgt in Q2."}})
	if r.StatusCode != http.StatusSeeOther {
		t.Fatalf("submit: %d %s", r.StatusCode, r.Body)
	}
	reqPage := r.Header.Get("Location")
	reqID, _ := strconv.ParseInt(reqPage[strings.LastIndex(reqPage, "/")+1:], 10, 64)
	board := a.LoginDemo(t, authz.BoardMember)
	if r := board.PostForm(t, reqPage+"/decide", url.Values{"decision": {"approve"}, "secret": {demo.Password}, "hash": {hashOf(t, a, reqID)}}); r.StatusCode != http.StatusSeeOther {
		t.Fatalf("board accepts: %d %s", r.StatusCode, r.Body)
	}
	var acceptance, by string
	if err := a.Pool.QueryRow(context.Background(), `SELECT s.acceptance, u.name FROM risk_scenarios s JOIN users u ON u.id = s.accepted_by
		WHERE s.id = $1`, scenario).Scan(&acceptance, &by); err != nil || acceptance != "accepted" || by != "Pieter Jansen" {
		t.Errorf("scenario after the board's approval: %q %q %v", acceptance, by, err)
	}
}

// TestBoardQuorumSettingsAndWithdraw: the admin sets the quorum (422 with
// the input kept, 409 on a stale version, 403 for others); the officer
// withdraws their own pending request, which then cannot be decided.
func TestBoardQuorumSettingsAndWithdraw(t *testing.T) {
	t.Parallel()
	a, id := startWithDemo(t, apptest.Options{})
	base := "/e/" + strconv.FormatInt(id, 10)
	admin := a.LoginDemo(t, authz.Admin)
	officer := a.LoginDemo(t, authz.SecurityOfficer)
	bad := url.Values{"version": {"0"}, "quorum": {"at_least"}, "min_approvals": {"0"}}
	if r := admin.PostForm(t, base+"/board/settings", bad); r.StatusCode != http.StatusUnprocessableEntity ||
		!strings.Contains(r.Body, `id="f-min_approvals-error"`) || !strings.Contains(r.Body, `value="0"`) {
		t.Errorf("invalid quorum: %d", r.StatusCode)
	}
	if r := officer.PostForm(t, base+"/board/settings", url.Values{"version": {"0"}, "quorum": {"all"}}); r.StatusCode != http.StatusForbidden {
		t.Errorf("officer sets the quorum: %d", r.StatusCode)
	}
	if r := admin.PostForm(t, base+"/board/settings", url.Values{"version": {"0"}, "quorum": {"all"}}); r.StatusCode != http.StatusSeeOther {
		t.Fatalf("save quorum: %d %s", r.StatusCode, r.Body)
	}
	stale := url.Values{"version": {"0"}, "quorum": {"at_least"}, "min_approvals": {"3"}}
	if r := admin.PostForm(t, base+"/board/settings", stale); r.StatusCode != http.StatusConflict ||
		!strings.Contains(r.Body, tr(t, "approval.quorum.conflict")) || !strings.Contains(r.Body, `value="3"`) {
		t.Errorf("stale quorum: %d", r.StatusCode)
	}
	if r := officer.Get(t, base+"/board/requests"); !strings.Contains(r.Body, tr(t, "approval.quorum.all")) {
		t.Errorf("quorum not shown")
	}
	// The demo's pending request (the 2027 analysis) is the officer's.
	req := firstID(t, a, `SELECT id FROM approval_requests WHERE entity_id = $1 AND state = 'pending'`, id)
	page := fmt.Sprintf("%s/board/requests/%d", base, req)
	if r := admin.PostForm(t, page+"/withdraw", nil); r.StatusCode != http.StatusForbidden {
		t.Errorf("admin withdraws the officer's request: %d", r.StatusCode)
	}
	if r := officer.PostForm(t, page+"/withdraw", nil); r.StatusCode != http.StatusSeeOther {
		t.Fatalf("withdraw: %d %s", r.StatusCode, r.Body)
	}
	if r := officer.Get(t, page); !strings.Contains(r.Body, `data-state="withdrawn"`) || strings.Contains(r.Body, "/withdraw") {
		t.Errorf("withdrawn request page: %d", r.StatusCode)
	}
	board := a.LoginDemo(t, authz.BoardMember)
	if r := board.PostForm(t, page+"/decide", url.Values{"decision": {"approve"}, "secret": {demo.Password}, "hash": {hashOf(t, a, req)}}); r.StatusCode != http.StatusConflict {
		t.Errorf("decide a withdrawn request: %d", r.StatusCode)
	}
	// Filters: the withdrawn request under its state, not under pending.
	if r := officer.Get(t, base+"/board/requests?state=pending"); strings.Contains(r.Body, page+`"`) {
		t.Errorf("withdrawn request listed as pending")
	}
	if r := officer.Get(t, base+"/board/requests?state=withdrawn&kind=risk_analysis"); !strings.Contains(r.Body, page+`"`) {
		t.Errorf("withdrawn request not under its filter")
	}
}
