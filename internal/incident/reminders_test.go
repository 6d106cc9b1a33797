package incident_test

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/weerbaar/weerbaar/internal/apptest"
	"github.com/weerbaar/weerbaar/internal/audit"
	"github.com/weerbaar/weerbaar/internal/authz"
	"github.com/weerbaar/weerbaar/internal/db"
	"github.com/weerbaar/weerbaar/internal/dbtest"
	"github.com/weerbaar/weerbaar/internal/i18n"
	"github.com/weerbaar/weerbaar/internal/incident"
	"github.com/weerbaar/weerbaar/internal/mail"
	"github.com/weerbaar/weerbaar/internal/mail/mailtest"
)

func TestThresholdAt(t *testing.T) {
	t.Parallel()
	due := time.Date(2026, 3, 29, 1, 30, 0, 0, time.UTC) // the night clocks go forward
	for _, tc := range []struct {
		before time.Duration
		want   incident.Threshold
		ok     bool
	}{
		{7 * time.Hour, "", false},
		{6*time.Hour + time.Second, "", false},
		{6 * time.Hour, incident.Threshold6h, true},
		{5 * time.Hour, incident.Threshold6h, true},
		{time.Hour + time.Second, incident.Threshold6h, true},
		{time.Hour, incident.Threshold1h, true},
		{50 * time.Minute, incident.Threshold1h, true},
		{time.Second, incident.Threshold1h, true},
		{0, incident.ThresholdOverdue, true},
		{-10 * time.Minute, incident.ThresholdOverdue, true},
		{-40 * 24 * time.Hour, incident.ThresholdOverdue, true},
	} {
		got, ok := incident.ThresholdAt(due, due.Add(-tc.before))
		if got != tc.want || ok != tc.ok {
			t.Errorf("%s before due: %q %v, want %q %v", tc.before, got, ok, tc.want, tc.ok)
		}
	}
	// Monotone: as time passes, the threshold never goes back.
	rank := map[incident.Threshold]int{"": 0, incident.Threshold6h: 1, incident.Threshold1h: 2, incident.ThresholdOverdue: 3}
	prev := 0
	for m := 8 * 60; m >= -120; m-- {
		th, _ := incident.ThresholdAt(due, due.Add(-time.Duration(m)*time.Minute))
		if rank[th] < prev {
			t.Fatalf("%d min before due: %q after a later threshold", m, th)
		}
		prev = rank[th]
	}
}

// reminderFixture is one entity with a significant incident and members of
// every kind: who gets a reminder and who does not.
type reminderFixture struct {
	ctx      context.Context
	pool     *pgxpool.Pool
	conn     string
	officer  authz.Actor
	clock    *apptest.Clock
	smtp     *mailtest.Server
	aware    time.Time
	incident int64
	// recipients are the addresses that must get each reminder.
	recipients []string
}

func setupReminders(t *testing.T) reminderFixture {
	t.Helper()
	pool, conn := dbtest.NewWithConnString(t)
	ctx := context.Background()
	var entity, other int64
	if err := pool.QueryRow(ctx, `INSERT INTO entities (slug, name) VALUES ('waterbedrijf', 'Waterbedrijf Oost') RETURNING id`).Scan(&entity); err != nil {
		t.Fatal(err)
	}
	if err := pool.QueryRow(ctx, `INSERT INTO entities (slug, name) VALUES ('ander', 'Ander') RETURNING id`).Scan(&other); err != nil {
		t.Fatal(err)
	}
	member := func(entity int64, email, lang, role string, accepted, disabled bool) int64 {
		var id int64
		if err := pool.QueryRow(ctx, `INSERT INTO users (email, name, lang, disabled_at) VALUES ($1, $1, $2, CASE WHEN $3 THEN now() END)
			RETURNING id`, email, lang, disabled).Scan(&id); err != nil {
			t.Fatal(err)
		}
		if _, err := pool.Exec(ctx, `INSERT INTO memberships (entity_id, user_id, role, accepted_at) VALUES ($1, $2, $3, CASE WHEN $4 THEN now() END)`,
			entity, id, role, accepted); err != nil {
			t.Fatal(err)
		}
		return id
	}
	officer := member(entity, "anna@oost.nl", "en", "security_officer", true, false)
	member(entity, "beheer@oost.nl", "nl", "admin", true, false)
	handler := member(entity, "hans@oost.nl", "nl", "board_member", true, false)
	member(entity, "bestuur@oost.nl", "nl", "board_member", true, false)     // not the handler
	member(entity, "auditor@oost.nl", "nl", "auditor", true, false)          // reads, is not reminded
	member(entity, "nieuw@oost.nl", "nl", "security_officer", false, false)  // invitation not accepted
	member(entity, "vertrokken@oost.nl", "nl", "admin", true, true)          // disabled
	member(other, "officer@ander.nl", "nl", "security_officer", true, false) // another entity
	f := reminderFixture{pool: pool, conn: conn, smtp: mailtest.Start(t),
		officer:    authz.Actor{UserID: officer, Email: "anna@oost.nl", EntityID: entity, Role: authz.SecurityOfficer},
		recipients: []string{"anna@oost.nl", "beheer@oost.nl", "hans@oost.nl"}}
	f.ctx = audit.WithMeta(ctx, audit.Meta{ActorID: officer, ActorEmail: "anna@oost.nl"})
	// Aware 17 hours ago: the early warning is due in 7 hours.
	now := time.Now().UTC().Truncate(time.Minute)
	f.aware = now.Add(-17 * time.Hour)
	f.clock = apptest.NewClockAt(now)
	f.incident = f.newIncident(t, "Storing zuivering", fmt.Sprint(handler))
	return f
}

// newIncident registers a significant incident the entity became aware of
// at f.aware.
func (f reminderFixture) newIncident(t *testing.T, title, handler string) int64 {
	t.Helper()
	id, err := incident.Save(f.ctx, f.pool, f.officer, 0, incident.Input{Title: title, DetectedAt: incident.LocalValue(f.aware),
		AwareAt: incident.LocalValue(f.aware), Category: "outage", HandlerID: handler}, f.clock.Now())
	if err != nil {
		t.Fatal(err)
	}
	in := incident.SignificanceInput{Version: 1, Answers: map[incident.Criterion]string{incident.CritTradeSecrets: "no",
		incident.CritDeath: "no", incident.CritHealth: "no", incident.CritMaliciousAccess: "no", incident.CritDisruption: "yes"}}
	if err := incident.SaveSignificance(f.ctx, f.pool, f.officer, id, in, f.clock.Now()); err != nil {
		t.Fatal(err)
	}
	return id
}

func (f reminderFixture) scheduler(pool *pgxpool.Pool, sender mail.Sender) *incident.Reminders {
	return &incident.Reminders{Pool: pool, Mailer: sender, BaseURL: "https://weerbaar.oost.nl/", Now: f.clock.Now}
}

func (f reminderFixture) sender() mail.Sender {
	return mail.SMTP{Addr: f.smtp.Addr, From: "weerbaar@oost.nl"}
}

func (f reminderFixture) run(t *testing.T, r *incident.Reminders) incident.RunResult {
	t.Helper()
	res, err := r.RunOnce(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	return res
}

// expectMails checks that exactly want messages arrived so far, each
// recipient and subject at most once.
func (f reminderFixture) expectMails(t *testing.T, want int) []mailtest.Message {
	t.Helper()
	got := f.smtp.Messages()
	if len(got) != want {
		t.Fatalf("%d e-mails, want %d", len(got), want)
	}
	seen := map[string]bool{}
	for _, m := range got {
		key := strings.Join(m.To, ",") + " " + m.Subject()
		if seen[key] {
			t.Errorf("sent twice: %s", key)
		}
		seen[key] = true
	}
	return got
}

// TestRemindersAtEachThreshold: no mail 7 hours before the early warning is
// due, one per recipient 5 hours before, one more 50 minutes before, one
// when overdue — each once however often the scheduler runs — in the
// recipient's language with the Amsterdam time and the link; a report
// submitted before its thresholds gets none.
func TestRemindersAtEachThreshold(t *testing.T) {
	t.Parallel()
	f := setupReminders(t)
	r := f.scheduler(f.pool, f.sender())

	if res := f.run(t, r); !res.Locked || res.Sent != 0 {
		t.Fatalf("7 hours before: %+v, want nothing sent", res)
	}
	f.expectMails(t, 0)

	f.clock.Advance(2 * time.Hour) // 5 hours before
	if res := f.run(t, r); res.Sent != 3 {
		t.Fatalf("5 hours before: %+v, want 3 sent", res)
	}
	f.run(t, r)
	msgs := f.expectMails(t, 3)
	var to []string
	for _, m := range msgs {
		to = append(to, m.To...)
	}
	slices.Sort(to)
	if !slices.Equal(to, f.recipients) {
		t.Errorf("recipients %v, want the handler, the officer and the admin %v", to, f.recipients)
	}
	due := f.aware.Add(24 * time.Hour)
	link := fmt.Sprintf("https://weerbaar.oost.nl/e/%d/incidents/%d", f.officer.EntityID, f.incident)
	for _, m := range msgs {
		lang := i18n.NL
		if m.To[0] == "anna@oost.nl" {
			lang = i18n.EN
		}
		stage := i18n.Translate(lang, "incident.stage.early_warning")
		wantSubject := i18n.Translate(lang, "mail.reminder.subject.6h", stage, "Storing zuivering")
		when := i18n.DateTime(i18n.WithLang(context.Background(), lang), due) + " " + due.In(i18n.Amsterdam).Format("MST")
		body := m.Body()
		if m.Subject() != wantSubject {
			t.Errorf("%s: subject %q, want %q", m.To[0], m.Subject(), wantSubject)
		}
		for _, want := range []string{link, when, "Waterbedrijf Oost", stage, i18n.Translate(lang, "mail.reminder.lead.6h")} {
			if !strings.Contains(body, want) {
				t.Errorf("%s: body lacks %q:\n%s", m.To[0], want, body)
			}
		}
	}

	f.clock.Advance(4*time.Hour + 10*time.Minute) // 50 minutes before
	f.run(t, r)
	f.run(t, r)
	msgs = f.expectMails(t, 6)
	if !strings.Contains(msgs[5].Body(), i18n.Translate(i18n.NL, "mail.reminder.lead.1h")) &&
		!strings.Contains(msgs[5].Body(), i18n.Translate(i18n.EN, "mail.reminder.lead.1h")) {
		t.Errorf("the 1-hour reminder says: %s", msgs[5].Body())
	}

	f.clock.Advance(time.Hour) // 10 minutes overdue
	f.run(t, r)
	f.clock.Advance(3 * time.Hour)
	f.run(t, r)
	msgs = f.expectMails(t, 9)
	if s := msgs[8].Subject(); !strings.Contains(s, "te laat") && !strings.Contains(s, "overdue") {
		t.Errorf("the overdue reminder's subject: %q", s)
	}

	// The notification is submitted long before its thresholds: nothing
	// more arrives, neither for it nor for the final report it now owes.
	reports, err := incident.Reports(f.ctx, f.pool, f.officer.EntityID, f.incident)
	if err != nil {
		t.Fatal(err)
	}
	for _, rep := range reports {
		if rep.Stage == incident.StageEarlyWarning && (rep.Reminders != 9 || rep.LastReminder == nil || !rep.LastReminder.Equal(f.clock.Now().Add(-3*time.Hour))) {
			t.Errorf("the early warning shows %d reminders, the last at %v; want 9, the last 3 hours ago", rep.Reminders, rep.LastReminder)
		}
		if rep.Stage != incident.StageNotification {
			continue
		}
		if err := incident.Submit(f.ctx, f.pool, f.officer, f.incident, incident.SubmitInput{Stage: string(rep.Stage),
			SubmittedAt: incident.LocalValue(f.clock.Now()), Other: "NCSC", ProofRef: "NCSC-2026-17", Version: rep.Version}, incident.Recipients{}, f.clock.Now()); err != nil {
			t.Fatal(err)
		}
	}
	for _, step := range []time.Duration{40 * time.Hour, 4 * time.Hour, 2 * time.Hour} { // 5 h, 1 h before and past the notification's due time
		f.clock.Advance(step)
		f.run(t, r)
	}
	f.expectMails(t, 9)

	// The record: every reminder sent once, to whom and for which due time.
	var sent int
	if err := f.pool.QueryRow(f.ctx, `SELECT count(*) FROM incident_reminders WHERE state = 'sent' AND sent_at IS NOT NULL
		AND due_at = $1 AND entity_id = $2`, due, f.officer.EntityID).Scan(&sent); err != nil || sent != 9 {
		t.Errorf("recorded reminders: %d (%v), want 9", sent, err)
	}
}

// TestTwoSchedulersSendEachReminderOnce: two app instances (two pools)
// run their schedulers at the same time, again and again; each reminder
// reaches each recipient exactly once.
func TestTwoSchedulersSendEachReminderOnce(t *testing.T) {
	t.Parallel()
	f := setupReminders(t)
	f.newIncident(t, "Phishing bij klantenservice", "")
	f.newIncident(t, "DDoS op de website", "")
	other, err := db.NewPool(context.Background(), f.conn)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(other.Close)
	f.smtp.Delay(20 * time.Millisecond) // runs overlap
	schedulers := []*incident.Reminders{f.scheduler(f.pool, f.sender()), f.scheduler(other, f.sender())}

	runAll := func() {
		var wg sync.WaitGroup
		for _, s := range schedulers {
			wg.Add(1)
			go func() {
				defer wg.Done()
				for range 3 {
					if _, err := s.RunOnce(context.Background()); err != nil {
						t.Error(err)
					}
				}
			}()
		}
		wg.Wait()
	}
	// Three incidents; the handler of the first is a recipient, the others
	// have no handler: 3 + 2 + 2 reminders per threshold.
	want := 0
	for _, step := range []time.Duration{2 * time.Hour, 4*time.Hour + 10*time.Minute, time.Hour} {
		f.clock.Advance(step)
		runAll()
		want += 7
		f.expectMails(t, want)
	}
}

// TestRunWaitsForTheLock: while another instance holds the advisory lock,
// a run does nothing.
func TestRunWaitsForTheLock(t *testing.T) {
	t.Parallel()
	f := setupReminders(t)
	f.clock.Advance(2 * time.Hour)
	tx, err := f.pool.Begin(f.ctx)
	if err != nil {
		t.Fatal(err)
	}
	defer func() { _ = tx.Rollback(f.ctx) }() // also when the test fails: the pool closes only with the connection back
	var got bool
	if err := tx.QueryRow(f.ctx, `SELECT pg_try_advisory_xact_lock(hashtextextended('weerbaar.incident_reminders', 0))`).Scan(&got); err != nil || !got {
		t.Fatalf("take the lock: %v %v", got, err)
	}
	r := f.scheduler(f.pool, f.sender())
	if res := f.run(t, r); res.Locked || res.Sent != 0 {
		t.Fatalf("run while locked: %+v", res)
	}
	f.expectMails(t, 0)
	if err := tx.Rollback(f.ctx); err != nil {
		t.Fatal(err)
	}
	if res := f.run(t, r); !res.Locked || res.Sent != 3 {
		t.Fatalf("run after the lock: %+v", res)
	}
}

// TestFailedReminderIsRetried: a reminder the mail server refuses is
// recorded as failed and sent by a later run (after the retry delay), once.
func TestFailedReminderIsRetried(t *testing.T) {
	t.Parallel()
	f := setupReminders(t)
	f.clock.Advance(2 * time.Hour)
	r := f.scheduler(f.pool, f.sender())
	f.smtp.Reject(1)
	if res := f.run(t, r); res.Sent != 2 || res.Failed != 1 {
		t.Fatalf("first run: %+v, want 2 sent and 1 refused", res)
	}
	var failedTo, lastErr string
	if err := f.pool.QueryRow(f.ctx, `SELECT email, last_error FROM incident_reminders WHERE state = 'failed'`).Scan(&failedTo, &lastErr); err != nil ||
		!strings.Contains(lastErr, "554") {
		t.Fatalf("failed reminder: %q %q %v", failedTo, lastErr, err)
	}
	f.clock.Advance(time.Minute)
	if res := f.run(t, r); res.Sent != 0 {
		t.Fatalf("retried before the retry delay: %+v", res)
	}
	f.clock.Advance(incident.ReminderRetryAfter)
	if res := f.run(t, r); res.Sent != 1 {
		t.Fatalf("retry: %+v, want 1 sent", res)
	}
	f.run(t, r)
	msgs := f.expectMails(t, 3)
	if !slices.ContainsFunc(msgs, func(m mailtest.Message) bool { return m.To[0] == failedTo }) {
		t.Errorf("%s never got the reminder", failedTo)
	}
	var attempts int
	if err := f.pool.QueryRow(f.ctx, `SELECT attempts FROM incident_reminders WHERE email = $1 AND state = 'sent'`, failedTo).Scan(&attempts); err != nil || attempts != 2 {
		t.Errorf("attempts %d (%v), want 2", attempts, err)
	}
}

// TestClosedIncidentGetsNoReminders: a resolved incident still owes its
// reports and is reminded of them; closing it stops the reminders.
func TestClosedIncidentGetsNoReminders(t *testing.T) {
	t.Parallel()
	f := setupReminders(t)
	status := func(to incident.Status) {
		t.Helper()
		inc, err := incident.Get(f.ctx, f.pool, f.officer.EntityID, f.incident)
		if err != nil {
			t.Fatal(err)
		}
		if err := incident.ChangeStatus(f.ctx, f.pool, f.officer, f.incident, to, "", inc.Version, f.clock.Now()); err != nil {
			t.Fatal(err)
		}
	}
	status(incident.StatusResolved)
	r := f.scheduler(f.pool, f.sender())
	f.clock.Advance(2 * time.Hour)
	f.run(t, r)
	f.expectMails(t, 3)
	status(incident.StatusClosed)
	for range 3 {
		f.clock.Advance(3 * time.Hour)
		f.run(t, r)
	}
	f.expectMails(t, 3)
}
