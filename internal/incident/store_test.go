package incident_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/weerbaar/weerbaar/internal/audit"
	"github.com/weerbaar/weerbaar/internal/authz"
	"github.com/weerbaar/weerbaar/internal/db"
	"github.com/weerbaar/weerbaar/internal/dbtest"
	"github.com/weerbaar/weerbaar/internal/incident"
)

type fixture struct {
	ctx        context.Context
	pool       *pgxpool.Pool
	anna, bert authz.Actor
	now        time.Time
}

func setup(t *testing.T) fixture {
	t.Helper()
	pool := dbtest.New(t)
	ctx := context.Background()
	actor := func(slug, email string) authz.Actor {
		var entity, user int64
		if err := pool.QueryRow(ctx, `INSERT INTO entities (slug, name) VALUES ($1, $1) RETURNING id`, slug).Scan(&entity); err != nil {
			t.Fatal(err)
		}
		if err := pool.QueryRow(ctx, `INSERT INTO users (email, name) VALUES ($1, $1) RETURNING id`, email).Scan(&user); err != nil {
			t.Fatal(err)
		}
		if _, err := pool.Exec(ctx, `INSERT INTO memberships (entity_id, user_id, role, accepted_at) VALUES ($1, $2, 'security_officer', now())`,
			entity, user); err != nil {
			t.Fatal(err)
		}
		return authz.Actor{UserID: user, Email: email, EntityID: entity, Role: authz.SecurityOfficer}
	}
	f := fixture{pool: pool, anna: actor("water-a", "anna@a.nl"), bert: actor("water-b", "bert@b.nl"), now: time.Now().UTC().Truncate(time.Minute)}
	f.ctx = audit.WithMeta(ctx, audit.Meta{ActorID: f.anna.UserID, ActorEmail: f.anna.Email})
	return f
}

func (f fixture) create(t *testing.T, aware time.Time, trust bool, cause string) int64 {
	t.Helper()
	id, err := incident.Save(f.ctx, f.pool, f.anna, 0, incident.Input{Title: "Storing " + cause, DetectedAt: incident.LocalValue(aware),
		AwareAt: incident.LocalValue(aware), Category: "outage", TrustService: trust, RootCause: cause}, f.now)
	if err != nil {
		t.Fatal(err)
	}
	return id
}

func (f fixture) assess(t *testing.T, id int64, loss, disruption, override string) {
	t.Helper()
	inc, err := incident.Get(f.ctx, f.pool, f.anna.EntityID, id)
	if err != nil {
		t.Fatal(err)
	}
	in := incident.SignificanceInput{LossEUR: loss, Version: inc.Version, Override: override, Answers: map[incident.Criterion]string{
		incident.CritTradeSecrets: "no", incident.CritDeath: "no", incident.CritHealth: "no", incident.CritMaliciousAccess: "no",
		incident.CritDisruption: disruption}}
	if override != "" {
		in.OverrideJudgement = "Beoordeeld door de security officer"
	}
	if err := incident.SaveSignificance(f.ctx, f.pool, f.anna, id, in, f.now); err != nil {
		t.Fatal(err)
	}
}

func (f fixture) reports(t *testing.T, id int64) map[incident.Stage]incident.Report {
	t.Helper()
	list, err := incident.Reports(f.ctx, f.pool, f.anna.EntityID, id)
	if err != nil {
		t.Fatal(err)
	}
	m := map[incident.Stage]incident.Report{}
	for _, r := range list {
		m[r.Stage] = r
	}
	return m
}

func (f fixture) status(t *testing.T, id int64, to incident.Status, at time.Time) {
	t.Helper()
	inc, err := incident.Get(f.ctx, f.pool, f.anna.EntityID, id)
	if err != nil {
		t.Fatal(err)
	}
	if err := incident.ChangeStatus(f.ctx, f.pool, f.anna, id, to, "", inc.Version, at); err != nil {
		t.Fatal(err)
	}
}

// TestReportsFollowSignificance: a trust service provider's significant
// incident owes the notification in 24 h; an override to not significant
// (with a judgement) drops the reports not yet made, and back brings them.
func TestReportsFollowSignificance(t *testing.T) {
	t.Parallel()
	f := setup(t)
	aware := f.now.Add(-2 * time.Hour)
	id := f.create(t, aware, true, "")
	if len(f.reports(t, id)) != 0 {
		t.Fatalf("an undetermined incident owes no reports yet")
	}
	f.assess(t, id, "", "yes", "")
	r := f.reports(t, id)
	if r[incident.StageNotification].DueAt == nil || !r[incident.StageNotification].DueAt.Equal(aware.Add(24*time.Hour)) ||
		!r[incident.StageEarlyWarning].DueAt.Equal(aware.Add(24*time.Hour)) {
		t.Fatalf("trust service deadlines: %+v", r)
	}
	if fin, ok := r[incident.StageFinal]; !ok || fin.DueAt != nil {
		t.Errorf("the final report is owed, due only once the notification is submitted: %+v", fin)
	}
	f.assess(t, id, "", "yes", "not_significant")
	if len(f.reports(t, id)) != 0 {
		t.Errorf("overridden to not significant: the unsubmitted reports should go")
	}
	f.assess(t, id, "", "no", "significant")
	if len(f.reports(t, id)) != 3 {
		t.Errorf("overridden to significant: want early warning, notification and final, got %v", f.reports(t, id))
	}
	if err := incident.SaveSignificance(f.ctx, f.pool, f.anna, id, incident.SignificanceInput{Override: "significant",
		OverrideJudgement: "x", Version: 1}, f.now); !errors.As(err, new(*incident.Conflict)) {
		t.Errorf("stale significance: %v, want a conflict", err)
	}
	// Another entity's officer sees nothing of it.
	if _, err := incident.Get(f.ctx, f.pool, f.bert.EntityID, id); !errors.Is(err, db.ErrNotFound) {
		t.Errorf("another entity reads the incident: %v", err)
	}
	if err := incident.AddEntry(f.ctx, f.pool, f.bert, id, incident.EntryInput{Text: "x"}, f.now); !errors.Is(err, db.ErrNotFound) {
		t.Errorf("another entity writes the timeline: %v", err)
	}
}

// TestProgressReportWhenStillHandled: an incident still being handled a
// month after the notification owes a progress report then, and the final
// report one month after it is resolved.
func TestProgressReportWhenStillHandled(t *testing.T) {
	t.Parallel()
	f := setup(t)
	aware := f.now.AddDate(0, 0, -45)
	id := f.create(t, aware, false, "")
	f.assess(t, id, "", "yes", "")
	notified := aware.Add(30 * time.Hour)
	for _, stage := range []incident.Stage{incident.StageEarlyWarning, incident.StageNotification} {
		err := incident.Submit(f.ctx, f.pool, f.anna, id, incident.SubmitInput{Stage: string(stage), SubmittedAt: incident.LocalValue(notified),
			Other: "NCSC", ProofRef: "REF-" + string(stage), Version: f.reports(t, id)[stage].Version}, incident.Recipients{}, f.now)
		if err != nil {
			t.Fatal(err)
		}
	}
	r := f.reports(t, id)
	if !r[incident.StageEarlyWarning].SubmittedAt.After(*r[incident.StageEarlyWarning].DueAt) {
		t.Errorf("the early warning 30 h after becoming aware was late")
	}
	// A status change brings the reports in step: the month has passed.
	f.status(t, id, incident.StatusContained, f.now)
	r = f.reports(t, id)
	month := incident.OneMonthAfter(notified)
	if p, ok := r[incident.StageProgress]; !ok || !p.DueAt.Equal(month) {
		t.Fatalf("progress report: %+v, want due %v", p, month)
	}
	if r[incident.StageFinal].DueAt != nil {
		t.Errorf("final report due %v while still handled, want none yet", r[incident.StageFinal].DueAt)
	}
	f.status(t, id, incident.StatusResolved, f.now)
	r = f.reports(t, id)
	if want := incident.OneMonthAfter(f.now); r[incident.StageFinal].DueAt == nil || !r[incident.StageFinal].DueAt.Equal(want) {
		t.Errorf("final report due %v, want one month after resolving: %v", r[incident.StageFinal].DueAt, want)
	}
}

// TestRecurrenceFromTheStore: two incidents with the same root cause within
// six months whose losses together exceed the threshold make the second
// significant; another root cause does not count.
func TestRecurrenceFromTheStore(t *testing.T) {
	t.Parallel()
	f := setup(t)
	first := f.create(t, f.now.AddDate(0, -2, 0), false, "Verlopen certificaat")
	f.assess(t, first, "300000", "no", "")
	other := f.create(t, f.now.AddDate(0, -1, 0), false, "Stroomstoring")
	f.assess(t, other, "300000", "no", "")
	second := f.create(t, f.now.Add(-time.Hour), false, "verlopen  certificaat")
	f.assess(t, second, "250000", "no", "")
	inc, err := incident.Get(f.ctx, f.pool, f.anna.EntityID, second)
	if err != nil {
		t.Fatal(err)
	}
	a := inc.Assessment()
	if inc.Significance != incident.Significant || a.RecurringLossEUR != 550_000 || len(a.Recurring) != 1 || a.Recurring[0].ID != first {
		t.Errorf("recurrence: %s, %d over %v", inc.Significance, a.RecurringLossEUR, a.Recurring)
	}
}
