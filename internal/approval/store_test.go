package approval_test

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"sync"
	"testing"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/weerbaar/weerbaar/internal/approval"
	"github.com/weerbaar/weerbaar/internal/audit"
	"github.com/weerbaar/weerbaar/internal/auth"
	"github.com/weerbaar/weerbaar/internal/authz"
	"github.com/weerbaar/weerbaar/internal/db"
	"github.com/weerbaar/weerbaar/internal/dbtest"
	"github.com/weerbaar/weerbaar/internal/demo"
	"github.com/weerbaar/weerbaar/internal/entity"
	"github.com/weerbaar/weerbaar/internal/measure"
	"github.com/weerbaar/weerbaar/internal/validate"
)

// fixture is the demo entity with its officer, admin and board member, and
// an account service to re-authenticate with.
type fixture struct {
	ctx                   context.Context
	pool                  *pgxpool.Pool
	entityID              int64
	officer, admin, board authz.Actor
	accounts              *auth.Service
}

func newFixture(t *testing.T) fixture {
	t.Helper()
	ctx := context.Background()
	pool := dbtest.New(t)
	if _, err := demo.Seed(ctx, pool); err != nil {
		t.Fatal(err)
	}
	f := fixture{ctx: audit.WithMeta(ctx, audit.Meta{ActorEmail: "test", IP: "192.0.2.7", UserAgent: "test-agent"}), pool: pool,
		accounts: &auth.Service{Pool: pool, Throttle: auth.NewThrottle(auth.ThrottleConfig{}, time.Now), Now: time.Now}}
	if err := pool.QueryRow(ctx, `SELECT id FROM entities WHERE slug = $1`, demo.EntitySlug).Scan(&f.entityID); err != nil {
		t.Fatal(err)
	}
	actor := func(i int) authz.Actor {
		u, err := auth.GetUserByEmail(ctx, pool, demo.Accounts[i].Email)
		if err != nil {
			t.Fatal(err)
		}
		return authz.Actor{UserID: u.ID, Email: u.Email, EntityID: f.entityID, Role: demo.Accounts[i].Role}
	}
	f.admin, f.officer, f.board = actor(0), actor(1), actor(2)
	return f
}

// addBoardMember adds an active board member with the demo password.
func (f fixture) addBoardMember(t *testing.T, email string) authz.Actor {
	t.Helper()
	var id int64
	if err := f.pool.QueryRow(f.ctx, `INSERT INTO users (email, name) VALUES ($1, $1) RETURNING id`, email).Scan(&id); err != nil {
		t.Fatal(err)
	}
	if err := auth.SetPasswordDirect(f.ctx, f.pool, id, demo.Password); err != nil {
		t.Fatal(err)
	}
	if err := entity.AddMembership(f.ctx, f.pool, f.entityID, id, authz.BoardMember); err != nil {
		t.Fatal(err)
	}
	return authz.Actor{UserID: id, Email: email, EntityID: f.entityID, Role: authz.BoardMember}
}

func (f fixture) submitPlan(t *testing.T) approval.Request {
	t.Helper()
	r, err := approval.Submit(f.ctx, f.pool, f.officer, approval.SubmitInput{Kind: measure.KindPlan, Ref: measure.PlanRef, CoverNote: "Plan"})
	if err != nil {
		t.Fatal(err)
	}
	return r
}

func (f fixture) decide(who authz.Actor, r approval.Request, d approval.Decision) (approval.State, error) {
	return approval.Decide(f.ctx, f.pool, f.accounts, who, r.ID, approval.DecideInput{Decision: string(d), Comment: "Toelichting",
		Secret: demo.Password, Hash: r.SnapshotHash})
}

func (f fixture) setQuorum(t *testing.T, q approval.Quorum, min string, first bool) {
	t.Helper()
	_, version, err := approval.Settings(f.ctx, f.pool, f.entityID)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := approval.SaveSettings(f.ctx, f.pool, f.admin, approval.SettingsInput{Quorum: string(q), MinApprovals: min,
		RejectAtFirst: first, Version: version}); err != nil {
		t.Fatal(err)
	}
}

// TestConcurrentDecisionsAreEachCountedOnce: two board members deciding at
// the same moment are both recorded, the request is approved once (one
// "approved" audit row), and the state matches the decisions.
func TestConcurrentDecisionsAreEachCountedOnce(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	b2, b3 := f.addBoardMember(t, "b2@demo.test"), f.addBoardMember(t, "b3@demo.test")
	f.setQuorum(t, approval.QuorumMajority, "", false) // 2 of 3
	r := f.submitPlan(t)
	if r.Required != 2 || len(r.Eligible) != 3 {
		t.Fatalf("frozen quorum: required %d of %v", r.Required, r.Eligible)
	}
	var wg sync.WaitGroup
	errs := make([]error, 2)
	for i, who := range []authz.Actor{b2, b3} {
		wg.Add(1)
		go func() {
			defer wg.Done()
			_, errs[i] = f.decide(who, r, approval.Approve)
		}()
	}
	wg.Wait()
	for i, err := range errs {
		if err != nil {
			t.Fatalf("decision %d: %v", i, err)
		}
	}
	got, err := approval.Get(f.ctx, f.pool, f.entityID, r.ID)
	if err != nil {
		t.Fatal(err)
	}
	if got.State != approval.StateApproved || got.Approvals != 2 || got.DecidedAt == nil {
		t.Errorf("after two concurrent approvals: %s with %d approvals", got.State, got.Approvals)
	}
	var approved int
	if err := f.pool.QueryRow(f.ctx, `SELECT count(*) FROM audit_log WHERE entity_id = $1 AND action = 'approval.approved' AND object_id = $2`,
		f.entityID, strconv.FormatInt(r.ID, 10)).Scan(&approved); err != nil || approved != 1 {
		t.Errorf("approved recorded %d times: %v", approved, err)
	}
	// The third member comes too late: the request is decided.
	if _, err := f.decide(f.board, r, approval.Approve); !errors.Is(err, approval.ErrDecided) {
		t.Errorf("decision on a decided request: %v", err)
	}
	// Decisions are append-only.
	if _, err := f.pool.Exec(f.ctx, `UPDATE approval_decisions SET decision = 'reject' WHERE request_id = $1`, r.ID); err == nil {
		t.Error("a decision could be changed")
	}
	if _, err := f.pool.Exec(f.ctx, `DELETE FROM approval_decisions WHERE request_id = $1`, r.ID); err == nil {
		t.Error("a decision could be deleted")
	}
	if _, err := f.pool.Exec(f.ctx, `UPDATE approval_requests SET snapshot_hash = repeat('0', 64) WHERE id = $1`, r.ID); err == nil {
		t.Error("an approved snapshot could be changed")
	}
}

// TestDecisionRules: no double decision; no decision without the password;
// a member who joined after submission cannot decide; reject at first.
func TestDecisionRules(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	b2 := f.addBoardMember(t, "b2@demo.test")
	f.setQuorum(t, approval.QuorumAll, "", true)
	r := f.submitPlan(t)
	late := f.addBoardMember(t, "laat@demo.test")

	// Without re-authentication, or with a wrong secret: refused, nothing recorded.
	for _, secret := range []string{"", "wrong password", "123456"} {
		_, err := approval.Decide(f.ctx, f.pool, f.accounts, f.board, r.ID, approval.DecideInput{Decision: "approve", Secret: secret, Hash: r.SnapshotHash})
		if validate.Fields(err)["secret"] == "" {
			t.Errorf("secret %q: %v", secret, err)
		}
	}
	// A stale page (another hash) is refused.
	if _, err := approval.Decide(f.ctx, f.pool, f.accounts, f.board, r.ID, approval.DecideInput{Decision: "approve", Secret: demo.Password,
		Hash: fmt.Sprintf("%064d", 0)}); !errors.Is(err, approval.ErrDecided) {
		t.Errorf("other hash: %v", err)
	}
	// Officer and auditor roles cannot decide.
	if _, err := f.decide(f.officer, r, approval.Approve); !errors.Is(err, approval.ErrForbidden) {
		t.Errorf("officer decides: %v", err)
	}
	// Joined later: not in the frozen set.
	if _, err := f.decide(late, r, approval.Approve); !errors.Is(err, approval.ErrForbidden) {
		t.Errorf("member who joined later decides: %v", err)
	}
	if st, err := f.decide(f.board, r, approval.Approve); err != nil || st != approval.StatePending {
		t.Fatalf("first approval: %s %v", st, err)
	}
	if _, err := f.decide(f.board, r, approval.Approve); !errors.Is(err, approval.ErrAlreadyDecided) {
		t.Errorf("second decision by the same member: %v", err)
	}
	// Rejection without a reason is a field error; with one, reject at first.
	if _, err := approval.Decide(f.ctx, f.pool, f.accounts, b2, r.ID, approval.DecideInput{Decision: "reject", Secret: demo.Password,
		Hash: r.SnapshotHash}); validate.Fields(err)["comment"] == "" {
		t.Errorf("rejection without comment: %v", err)
	}
	if st, err := f.decide(b2, r, approval.Reject); err != nil || st != approval.StateRejected {
		t.Errorf("rejection: %s %v", st, err)
	}
	var n int
	if err := f.pool.QueryRow(f.ctx, `SELECT count(*) FROM approval_decisions WHERE request_id = $1`, r.ID).Scan(&n); err != nil || n != 2 {
		t.Errorf("%d decisions recorded, want 2: %v", n, err)
	}
	var ip, ua, method string
	if err := f.pool.QueryRow(f.ctx, `SELECT ip, user_agent, reauth FROM approval_decisions WHERE request_id = $1 AND user_id = $2`,
		r.ID, f.board.UserID).Scan(&ip, &ua, &method); err != nil || ip != "192.0.2.7" || ua != "test-agent" || method != "password" {
		t.Errorf("decision record: %q %q %q %v", ip, ua, method, err)
	}
}

// TestSubmitWithdrawAndStatus: one pending request per record; only its
// submitter withdraws it, only while pending; the plan's standing goes from
// never to approved to verouderd when the plan changes, with the change.
func TestSubmitWithdrawAndStatus(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	current := func() approval.Status {
		t.Helper()
		ed, err := measure.EntityEdition(f.ctx, f.pool, f.entityID)
		if err != nil {
			t.Fatal(err)
		}
		o, err := measure.BuildOverview(f.ctx, f.pool, ed, f.entityID, time.Now())
		if err != nil {
			t.Fatal(err)
		}
		st, err := approval.StatusOf(f.ctx, f.pool, f.entityID, measure.KindPlan, measure.PlanRef, measure.PlanContent(o).Data)
		if err != nil {
			t.Fatal(err)
		}
		return st
	}
	// The demo's plan: approved, then a target raised → verouderd.
	if st := current(); st.Standing != approval.Outdated || len(st.Changes) == 0 || st.PendingID != 0 {
		t.Fatalf("demo plan: %+v", st)
	}
	r := f.submitPlan(t)
	if _, err := approval.Submit(f.ctx, f.pool, f.officer, approval.SubmitInput{Kind: measure.KindPlan, Ref: measure.PlanRef}); validate.Fields(err)["ref"] != "approval.error.pending_exists" {
		t.Errorf("second pending request: %v", err)
	}
	if st := current(); st.PendingID != r.ID {
		t.Errorf("pending request not shown: %+v", st)
	}
	if err := approval.Withdraw(f.ctx, f.pool, f.admin, r.ID); !errors.Is(err, approval.ErrForbidden) {
		t.Errorf("admin withdraws the officer's request: %v", err)
	}
	if err := approval.Withdraw(f.ctx, f.pool, f.officer, r.ID); err != nil {
		t.Fatal(err)
	}
	if err := approval.Withdraw(f.ctx, f.pool, f.officer, r.ID); !errors.Is(err, approval.ErrDecided) {
		t.Errorf("withdraw twice: %v", err)
	}
	if _, err := f.decide(f.board, r, approval.Approve); !errors.Is(err, approval.ErrDecided) {
		t.Errorf("decide a withdrawn request: %v", err)
	}
	// Submitted again and approved (one board member, majority of one).
	r = f.submitPlan(t)
	if st, err := f.decide(f.board, r, approval.Approve); err != nil || st != approval.StateApproved {
		t.Fatalf("approve: %s %v", st, err)
	}
	st := current()
	if st.Standing != approval.Approved || st.LastHash != r.SnapshotHash || st.CurrentHash != r.SnapshotHash || st.LastID != r.ID {
		t.Fatalf("after approval: %+v", st)
	}
	// Same content, same hash: submitting again freezes the same snapshot.
	again := f.submitPlan(t)
	if again.SnapshotHash != r.SnapshotHash || again.Snapshot != r.Snapshot {
		t.Errorf("same content, different snapshot: %s vs %s", again.SnapshotHash, r.SnapshotHash)
	}
	if err := approval.Withdraw(f.ctx, f.pool, f.officer, again.ID); err != nil {
		t.Fatal(err)
	}
	// A measure declared not applicable: verouderd, and the diff says so.
	ed, err := measure.EntityEdition(f.ctx, f.pool, f.entityID)
	if err != nil {
		t.Fatal(err)
	}
	m, err := measure.GetMeasure(f.ctx, f.pool, ed, f.entityID, "j")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := measure.UpdateMeasure(f.ctx, f.pool, f.officer, "j", measure.StateInput{Applicable: false, Justification: "Geen eigen netwerk.",
		Version: m.Version}); err != nil {
		t.Fatal(err)
	}
	st = current()
	if st.Standing != approval.Outdated || st.LastID != r.ID {
		t.Fatalf("after a change: %+v", st)
	}
	found := false
	for _, c := range st.Changes {
		if len(c.Path) == 3 && c.Path[0] == "measures" && c.Path[1] == "[j]" && c.Path[2] == "applicable" && c.Before == "true" && c.After == "false" {
			found = true
		}
	}
	if !found {
		t.Errorf("changes do not say measure j no longer applies: %+v", st.Changes)
	}
	// Another entity's request is not found.
	if _, err := approval.Get(f.ctx, f.pool, f.entityID+1000, r.ID); !errors.Is(err, db.ErrNotFound) {
		t.Errorf("another entity's request: %v", err)
	}
}

// TestQuorumSettings: validation, version check, and requests keep the rule
// they were submitted under.
func TestQuorumSettings(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	if _, err := approval.SaveSettings(f.ctx, f.pool, f.officer, approval.SettingsInput{Quorum: "all"}); !errors.Is(err, approval.ErrForbidden) {
		t.Errorf("officer sets the quorum: %v", err)
	}
	_, err := approval.SaveSettings(f.ctx, f.pool, f.admin, approval.SettingsInput{Quorum: "at_least", MinApprovals: "0"})
	if validate.Fields(err)["min_approvals"] == "" {
		t.Errorf("at least 0: %v", err)
	}
	if _, err := approval.SaveSettings(f.ctx, f.pool, f.admin, approval.SettingsInput{Quorum: "some"}); validate.Fields(err)["quorum"] == "" {
		t.Errorf("unknown rule: %v", err)
	}
	f.setQuorum(t, approval.QuorumAtLeast, "2", false)
	var c *approval.Conflict
	if _, err := approval.SaveSettings(f.ctx, f.pool, f.admin, approval.SettingsInput{Quorum: "all", Version: 0}); !errors.As(err, &c) {
		t.Errorf("stale version: %v", err)
	}
	// At least 2 of the demo's one board member cannot be reached.
	if _, err := approval.Submit(f.ctx, f.pool, f.officer, approval.SubmitInput{Kind: measure.KindPlan, Ref: measure.PlanRef}); validate.Fields(err)["kind"] != "approval.error.quorum_unreachable" {
		t.Errorf("unreachable quorum: %v", err)
	}
	f.addBoardMember(t, "b2@demo.test")
	r := f.submitPlan(t)
	f.setQuorum(t, approval.QuorumAtLeast, "1", false)
	got, err := approval.Get(f.ctx, f.pool, f.entityID, r.ID)
	if err != nil || got.Required != 2 || got.Quorum != approval.QuorumAtLeast || got.MinApprovals != 2 {
		t.Errorf("request's frozen rule changed: %+v %v", got, err)
	}
	if st, err := f.decide(f.board, r, approval.Approve); err != nil || st != approval.StatePending {
		t.Errorf("one of two required: %s %v", st, err)
	}
}

// TestRecordCurrency: a decision record tells whether its approval still
// holds. The demo's approved plan is verouderd (a target was raised since);
// approved again, the new request holds and the old one is superseded by
// it; a change to the plan outdates the new one; a pending request has no
// standing; another entity's id is not found.
func TestRecordCurrency(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	currency := func(id int64) (approval.Record, approval.Currency) {
		t.Helper()
		rec, err := approval.GetRecord(f.ctx, f.pool, f.entityID, id)
		if err != nil {
			t.Fatal(err)
		}
		c, err := approval.CurrencyOf(f.ctx, f.pool, rec)
		if err != nil {
			t.Fatal(err)
		}
		return rec, c
	}
	var demoPlan int64
	if err := f.pool.QueryRow(f.ctx, `SELECT id FROM approval_requests WHERE entity_id = $1 AND kind = $2 AND state = 'approved'`,
		f.entityID, measure.KindPlan).Scan(&demoPlan); err != nil {
		t.Fatal(err)
	}
	if rec, c := currency(demoPlan); c.Standing != approval.Outdated || c.SupersededBy != 0 || c.Gone || rec.SupersededBy != nil {
		t.Fatalf("demo plan: %+v", c)
	}
	r := f.submitPlan(t)
	if _, c := currency(r.ID); c != (approval.Currency{}) {
		t.Errorf("pending request has a standing: %+v", c)
	}
	if st, err := f.decide(f.board, r, approval.Approve); err != nil || st != approval.StateApproved {
		t.Fatalf("approve: %s %v", st, err)
	}
	if rec, c := currency(r.ID); c.Standing != approval.Approved || rec.SupersededBy != nil || rec.SnapshotHash != r.SnapshotHash {
		t.Errorf("new approval: %+v", c)
	}
	if _, c := currency(demoPlan); c.Standing != approval.Outdated || c.SupersededBy != r.ID {
		t.Errorf("old approval not superseded by %d: %+v", r.ID, c)
	}
	ed, err := measure.EntityEdition(f.ctx, f.pool, f.entityID)
	if err != nil {
		t.Fatal(err)
	}
	m, err := measure.GetMeasure(f.ctx, f.pool, ed, f.entityID, "j")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := measure.UpdateMeasure(f.ctx, f.pool, f.officer, "j", measure.StateInput{Applicable: false, Justification: "Geen eigen netwerk.",
		Version: m.Version}); err != nil {
		t.Fatal(err)
	}
	if _, c := currency(r.ID); c.Standing != approval.Outdated || c.SupersededBy != 0 {
		t.Errorf("after a change: %+v", c)
	}
	if _, err := approval.GetRecord(f.ctx, f.pool, f.entityID+1000, r.ID); !errors.Is(err, db.ErrNotFound) {
		t.Errorf("another entity's record: %v", err)
	}
}

// TestBoardViewOfARecordNeverApproved: the board's screen lists the
// requests waiting for the member also when the record it shows the
// standing of was never approved (no last approved request to compare).
func TestBoardViewOfARecordNeverApproved(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	// The demo's 2027 risk analysis waits for the board; no request for
	// this plan reference was ever approved.
	waiting, st, err := approval.BoardView(f.ctx, f.pool, f.entityID, f.board.UserID, measure.KindPlan, "never-approved", map[string]any{"x": 1})
	if err != nil {
		t.Fatal(err)
	}
	if len(waiting) == 0 || st.Standing != approval.Never {
		t.Errorf("waiting %d, standing %v", len(waiting), st.Standing)
	}
}
