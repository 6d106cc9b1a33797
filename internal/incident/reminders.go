package incident

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"slices"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/weerbaar/weerbaar/internal/db"
	"github.com/weerbaar/weerbaar/internal/i18n"
	"github.com/weerbaar/weerbaar/internal/mail"
)

// E-mail reminders of reporting deadlines (issue 12 item 7). When SMTP is
// configured, a scheduler in every app instance wakes each minute; the one
// that gets the advisory lock looks for owed reports due within 6 hours,
// within 1 hour, or overdue, and e-mails the incident's handler and the
// entity's security officers and admins (accepted members, not disabled) in
// their own language.
//
// Delivery is at most once. Each reminder (report, threshold, recipient) is
// a row of incident_reminders with a unique key. It is claimed by an INSERT
// that commits before the mail server is contacted; then the outcome is
// recorded: 'sent', or 'failed' when the server refused the message or
// could not be reached — a failed reminder is claimed again by a later run
// (after ReminderRetryAfter, at most ReminderMaxAttempts times, and only
// while its threshold is still the current one). A process that stops
// between claim and outcome, or a send that times out, leaves the row in
// 'sending', and that reminder is never sent again: the issue asks that a
// reminder never goes out twice, and a lost reminder is followed by the
// next threshold's, while a doubled one cannot be taken back. (Claiming,
// sending and committing in one transaction would be at least once
// instead: a crash after the send rolls the claim back and the next run
// sends again.)

// Threshold is the moment a reminder is for.
type Threshold string

// The thresholds, in the order they are reached.
const (
	Threshold6h      Threshold = "6h"
	Threshold1h      Threshold = "1h"
	ThresholdOverdue Threshold = "overdue"
)

// ThresholdAt is the reminder a report due at due calls for at now: the
// most urgent threshold reached, none more than 6 hours before. A
// scheduler that was down sends only the current one, never a stale "6
// hours left" after the "1 hour left".
func ThresholdAt(due, now time.Time) (Threshold, bool) {
	switch left := due.Sub(now); {
	case left <= 0:
		return ThresholdOverdue, true
	case left <= time.Hour:
		return Threshold1h, true
	case left <= BannerWithin:
		return Threshold6h, true
	}
	return "", false
}

// Scheduling constants of the reminders.
const (
	// ReminderInterval is how often a scheduler looks for reminders.
	ReminderInterval = time.Minute
	// ReminderRetryAfter is how long a failed reminder waits for its next try.
	ReminderRetryAfter = 5 * time.Minute
	// ReminderMaxAttempts bounds the tries of one reminder.
	ReminderMaxAttempts = 12
	// reminderSendTimeout bounds one conversation with the mail server.
	reminderSendTimeout = 30 * time.Second
)

// reminderLock is the key of the transaction-scoped advisory lock that lets
// one app instance at a time work on the reminders.
const reminderLock = `SELECT pg_try_advisory_xact_lock(hashtextextended('weerbaar.incident_reminders', 0))`

// Reminders is the scheduler. Pool, Mailer and BaseURL are required.
type Reminders struct {
	Pool   *pgxpool.Pool
	Mailer mail.Sender
	// BaseURL is the app's public URL; links point to the incident there.
	BaseURL string
	Logger  *slog.Logger
	// Now is the clock (time.Now when nil); tests move it instead of sleeping.
	Now func() time.Time
	// Interval between runs (ReminderInterval when zero).
	Interval time.Duration
}

// RunResult says what one run did.
type RunResult struct {
	// Locked is false when another instance held the lock: nothing was done.
	Locked bool
	// Sent and Failed count the reminders of this run.
	Sent, Failed int
}

// Run runs the scheduler until ctx ends: once at start, then every
// Interval. A mail being sent when ctx ends is finished and recorded first.
func (r *Reminders) Run(ctx context.Context) {
	interval := r.Interval
	if interval <= 0 {
		interval = ReminderInterval
	}
	ticker := time.NewTicker(interval)
	defer ticker.Stop()
	for {
		if _, err := r.RunOnce(ctx); err != nil && ctx.Err() == nil {
			r.logger().Warn("incident reminders", "err", err.Error())
		}
		select {
		case <-ctx.Done():
			return
		case <-ticker.C:
		}
	}
}

// reminder is one e-mail due to one recipient.
type reminder struct {
	ReportID, EntityID, IncidentID int64
	Stage                          Stage
	DueAt                          time.Time
	Title, EntityName              string
	UserID                         int64
	Email, Name, Lang              string
	Threshold                      Threshold
}

// RunOnce looks for due reminders and sends them, if it gets the lock.
func (r *Reminders) RunOnce(ctx context.Context) (RunResult, error) {
	// The scheduler serves every entity's incidents.
	ctx = db.AcrossEntities(ctx)
	var res RunResult
	now := r.now().UTC()
	// The lock transaction holds the advisory lock for the whole run; the
	// claims and outcomes commit on their own, so a claim is durable before
	// its mail goes out.
	lockTx, err := r.Pool.Begin(ctx)
	if err != nil {
		return res, fmt.Errorf("reminders: begin: %w", err)
	}
	defer func() { _ = lockTx.Rollback(context.WithoutCancel(ctx)) }()
	if err := lockTx.QueryRow(ctx, reminderLock).Scan(&res.Locked); err != nil {
		return res, fmt.Errorf("reminders: lock: %w", err)
	}
	if !res.Locked {
		return res, nil
	}
	due, err := dueReminders(ctx, lockTx, now)
	if err != nil {
		return res, err
	}
	for _, rem := range due {
		if ctx.Err() != nil {
			break
		}
		claimed, err := r.claim(ctx, rem, now)
		if err != nil {
			return res, err
		}
		if !claimed {
			continue
		}
		if r.send(ctx, rem, now) {
			res.Sent++
		} else {
			res.Failed++
		}
	}
	return res, nil
}

// dueReminders lists the reminders due at now that are not sent, being
// sent, or failed beyond retrying: one row per owed report due within 6
// hours and recipient (the handler if still an accepted member, and the
// accepted admins and security officers), with the thresholds already
// taken for that pair. Closed incidents get no reminders.
func dueReminders(ctx context.Context, q db.Querier, now time.Time) ([]reminder, error) {
	rows, err := q.Query(ctx, `SELECT r.id, r.entity_id, r.incident_id, r.stage, r.due_at, i.title, e.name,
			u.id, u.email, coalesce(m.invited_name, u.name), u.lang,
			coalesce((SELECT array_agg(x.threshold) FROM incident_reminders x WHERE x.report_id = r.id AND x.user_id = u.id
				AND NOT (x.state = 'failed' AND x.attempts < @max AND x.attempted_at <= @retry)), '{}')
		FROM incident_reports r
		JOIN incidents i ON i.entity_id = r.entity_id AND i.id = r.incident_id
		JOIN entities e ON e.id = r.entity_id
		JOIN memberships m ON m.entity_id = r.entity_id AND m.accepted_at IS NOT NULL
			AND (m.role IN ('admin', 'security_officer') OR m.user_id = i.handler_id)
		JOIN users u ON u.id = m.user_id AND u.disabled_at IS NULL
		WHERE r.submitted_at IS NULL AND r.due_at IS NOT NULL AND r.due_at <= @soon AND i.status <> 'closed'
		ORDER BY r.due_at, r.id, u.id`, pgx.StrictNamedArgs{"soon": now.Add(BannerWithin), "max": ReminderMaxAttempts,
		"retry": now.Add(-ReminderRetryAfter)})
	if err != nil {
		return nil, fmt.Errorf("due reminders: %w", err)
	}
	var out []reminder
	var rem reminder
	var taken []string
	_, err = pgx.ForEachRow(rows, []any{&rem.ReportID, &rem.EntityID, &rem.IncidentID, &rem.Stage, &rem.DueAt, &rem.Title,
		&rem.EntityName, &rem.UserID, &rem.Email, &rem.Name, &rem.Lang, &taken}, func() error {
		th, ok := ThresholdAt(rem.DueAt, now)
		if ok && !slices.Contains(taken, string(th)) {
			rem.Threshold = th
			out = append(out, rem)
		}
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("due reminders: %w", err)
	}
	return out, nil
}

// claim records the reminder as being sent, in a transaction of its own;
// false when another run has it (sent, sending, or failed but not yet to
// be retried). The unique key decides: of two claims, one inserts.
func (r *Reminders) claim(ctx context.Context, rem reminder, now time.Time) (bool, error) {
	var id int64
	err := r.Pool.QueryRow(ctx, `INSERT INTO incident_reminders (entity_id, report_id, threshold, user_id, email, due_at, attempted_at)
		VALUES (@entity, @report, @threshold, @user, @email, @due, @now)
		ON CONFLICT (report_id, threshold, user_id) DO UPDATE SET state = 'sending', attempts = incident_reminders.attempts + 1,
			email = excluded.email, due_at = excluded.due_at, attempted_at = excluded.attempted_at
			WHERE incident_reminders.state = 'failed' AND incident_reminders.attempts < @max
				AND incident_reminders.attempted_at <= @retry
		RETURNING id`, pgx.StrictNamedArgs{"entity": rem.EntityID, "report": rem.ReportID, "threshold": string(rem.Threshold),
		"user": rem.UserID, "email": rem.Email, "due": rem.DueAt, "now": now, "max": ReminderMaxAttempts,
		"retry": now.Add(-ReminderRetryAfter)}).Scan(&id)
	if errors.Is(err, pgx.ErrNoRows) {
		return false, nil
	}
	if err != nil {
		return false, fmt.Errorf("claim reminder: %w", err)
	}
	return true, nil
}

// send delivers one claimed reminder and records the outcome; true when
// the mail server accepted it. The send and the record survive the end of
// ctx (shutdown), bounded by a timeout.
func (r *Reminders) send(ctx context.Context, rem reminder, now time.Time) bool {
	ctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), reminderSendTimeout)
	defer cancel()
	subject, body := ReminderMessage(rem.Lang, rem.Name, rem.EntityName, rem.Title, rem.Stage, rem.DueAt, rem.Threshold,
		r.link(rem.EntityID, rem.IncidentID))
	args := pgx.StrictNamedArgs{"report": rem.ReportID, "threshold": string(rem.Threshold), "user": rem.UserID}
	err := r.Mailer.Send(ctx, rem.Email, subject, body)
	var sql string
	switch {
	case err == nil:
		sql, args["now"] = `UPDATE incident_reminders SET state = 'sent', sent_at = @now, last_error = ''`, now
	case ctx.Err() != nil:
		// The server may still deliver what it was given: leave the claim
		// in 'sending' rather than risk a second mail.
		r.logger().Warn("incident reminder: outcome unknown, not retried", "report", rem.ReportID,
			"threshold", string(rem.Threshold), "user", rem.UserID, "err", err.Error())
		return false
	default:
		msg := err.Error()
		if len(msg) > 1000 {
			msg = msg[:1000]
		}
		sql, args["err"] = `UPDATE incident_reminders SET state = 'failed', last_error = @err`, msg
	}
	if _, dbErr := r.Pool.Exec(context.WithoutCancel(ctx), sql+`
		WHERE report_id = @report AND threshold = @threshold AND user_id = @user AND state = 'sending'`, args); dbErr != nil {
		r.logger().Error("incident reminder: outcome not recorded", "report", rem.ReportID, "err", dbErr.Error())
	}
	if err != nil {
		r.logger().Warn("incident reminder not sent, retried later", "report", rem.ReportID,
			"threshold", string(rem.Threshold), "user", rem.UserID, "err", err.Error())
		return false
	}
	return true
}

// link is the incident's page on the app's public URL.
func (r *Reminders) link(entityID, incidentID int64) string {
	return fmt.Sprintf("%s/e/%d/incidents/%d", strings.TrimSuffix(r.BaseURL, "/"), entityID, incidentID)
}

func (r *Reminders) now() time.Time {
	if r.Now != nil {
		return r.Now()
	}
	return time.Now()
}

func (r *Reminders) logger() *slog.Logger {
	if r.Logger != nil {
		return r.Logger
	}
	return slog.Default()
}

// ReminderMessage is the e-mail of one reminder in the recipient's language
// (Dutch when the stored language is unknown): the incident's title, the
// report, its due time in Europe/Amsterdam with the zone, and the link.
func ReminderMessage(lang, name, entityName, title string, stage Stage, due time.Time, th Threshold, link string) (subject, body string) {
	l, _ := i18n.Parse(lang)
	ctx := i18n.WithLang(context.Background(), l)
	// A subject is one header line: a title never breaks it.
	oneLine := strings.NewReplacer("\r", " ", "\n", " ").Replace(title)
	stageName := i18n.Translate(l, "incident.stage."+string(stage))
	when := i18n.DateTime(ctx, due) + " " + due.In(i18n.Amsterdam).Format("MST")
	subject = i18n.Translate(l, "mail.reminder.subject."+string(th), stageName, oneLine)
	body = i18n.Translate(l, "mail.reminder.body", name, i18n.Translate(l, "mail.reminder.lead."+string(th)),
		entityName, title, stageName, when, link, entityName)
	return subject, body
}
