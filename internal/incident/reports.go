package incident

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/weerbaar/weerbaar/internal/audit"
	"github.com/weerbaar/weerbaar/internal/authz"
	"github.com/weerbaar/weerbaar/internal/db"
	"github.com/weerbaar/weerbaar/internal/validate"
)

// Report is one report owed (or made) for a significant incident.
type Report struct {
	ID          int64      `db:"id"`
	Stage       Stage      `db:"stage"`
	DueAt       *time.Time `db:"due_at"`
	RequestedAt *time.Time `db:"requested_at"`
	RequestedBy string     `db:"requested_by"`
	SubmittedAt *time.Time `db:"submitted_at"`
	Recipients  []string   `db:"recipients"`
	Summary     string     `db:"summary"`
	ProofRef    string     `db:"proof_ref"`
	SubmittedBy string     `db:"submitted_by"`
	Version     int        `db:"version"`
	// Reminders is how many deadline reminders were e-mailed for the
	// report, the last at LastReminder.
	Reminders    int        `db:"reminders"`
	LastReminder *time.Time `db:"last_reminder"`
}

// Reports lists an incident's reports in stage order. One query.
func Reports(ctx context.Context, q db.Querier, entityID, incidentID int64) ([]Report, error) {
	rows, err := q.Query(ctx, `SELECT r.id, r.stage, r.due_at, r.requested_at, r.requested_by, r.submitted_at, r.recipients,
			r.summary, r.proof_ref, coalesce(u.name, '') AS submitted_by, r.version,
			(SELECT count(*)::int FROM incident_reminders x WHERE x.report_id = r.id AND x.state = 'sent') AS reminders,
			(SELECT max(x.sent_at) FROM incident_reminders x WHERE x.report_id = r.id) AS last_reminder
		FROM incident_reports r LEFT JOIN users u ON u.id = r.submitted_by
		WHERE r.entity_id = @entity AND r.incident_id = @incident
		ORDER BY array_position(ARRAY['early_warning', 'notification', 'intermediate', 'progress', 'final'], r.stage),
			r.requested_at, r.id`, pgx.StrictNamedArgs{"entity": entityID, "incident": incidentID})
	if err != nil {
		return nil, fmt.Errorf("reports of incident %d: %w", incidentID, err)
	}
	return pgx.CollectRows(rows, pgx.RowToStructByName[Report])
}

// Notified is when the notification was submitted, if it was.
func Notified(reports []Report) *time.Time {
	for _, r := range reports {
		if r.Stage == StageNotification && r.SubmittedAt != nil {
			return r.SubmittedAt
		}
	}
	return nil
}

// PlanFor is the incident's clock at now given its reports.
func PlanFor(inc Incident, reports []Report, now time.Time) Plan {
	return Schedule(Facts{Aware: inc.AwareAt, TrustService: inc.TrustService, Notified: Notified(reports),
		HandlingEnded: inc.ResolvedAt}, now)
}

// syncReports brings the stored reports in step with the incident: a
// significant incident owes the early warning, the notification and the
// final (or progress) report with their due times; unsubmitted reports of
// an incident that is not significant (any more) go. Submitted reports keep
// the due time they had.
func syncReports(ctx context.Context, tx pgx.Tx, inc Incident, now time.Time) error {
	args := pgx.StrictNamedArgs{"entity": inc.EntityID, "incident": inc.ID}
	if inc.Effective() != Significant {
		_, err := tx.Exec(ctx, `DELETE FROM incident_reports WHERE entity_id = @entity AND incident_id = @incident
			AND submitted_at IS NULL AND stage <> 'intermediate'`, args)
		return err
	}
	reports, err := Reports(ctx, tx, inc.EntityID, inc.ID)
	if err != nil {
		return err
	}
	p := PlanFor(inc, reports, now)
	due := map[Stage]*time.Time{StageEarlyWarning: &p.EarlyWarning, StageNotification: &p.Notification, StageFinal: p.Final}
	if p.Progress != nil {
		due[StageProgress] = p.Progress
	} else if _, err := tx.Exec(ctx, `DELETE FROM incident_reports WHERE entity_id = @entity AND incident_id = @incident
			AND submitted_at IS NULL AND stage = 'progress'`, args); err != nil {
		return err
	}
	for _, st := range []Stage{StageEarlyWarning, StageNotification, StageProgress, StageFinal} {
		d, ok := due[st]
		if !ok {
			continue
		}
		if _, err := tx.Exec(ctx, `INSERT INTO incident_reports (entity_id, incident_id, stage, due_at)
			VALUES (@entity, @incident, @stage, @due)
			ON CONFLICT (incident_id, stage) WHERE stage <> 'intermediate'
			DO UPDATE SET due_at = excluded.due_at WHERE incident_reports.submitted_at IS NULL`,
			pgx.StrictNamedArgs{"entity": inc.EntityID, "incident": inc.ID, "stage": string(st), "due": d}); err != nil {
			return fmt.Errorf("report %s of incident %d: %w", st, inc.ID, err)
		}
	}
	return nil
}

// SubmitInput is the "mark submitted" form of one report. Channel is how
// it reached the entity's recipients named (portal, e-mail, phone).
type SubmitInput struct {
	Stage       string
	ReportID    string // intermediate reports only
	SubmittedAt string
	Recipients  []string
	Other       string
	Channel     string
	Summary     string
	ProofRef    string
	Version     int
}

// Submit records that a report was submitted: when, to whom (codes of the
// entity's recipients, plus any other named), what it said in short and the
// proof (the portal's reference). Each of the entity's recipients named
// gets its per-recipient submission record too (unless one was recorded
// already), so the draft pages and the clock read the same facts.
// Version-checked against the report, audit-logged, and written to the
// timeline.
func Submit(ctx context.Context, pool *pgxpool.Pool, actor authz.Actor, incidentID int64, in SubmitInput, rc Recipients, now time.Time) error {
	allowed := rc.All
	errs := validate.Errors{}
	channel := in.Channel
	if channel == "" {
		channel = Channels[0]
	}
	if !slices.Contains(Channels, channel) {
		errs.Add("channel", "validate.choice")
	}
	stage := Stage(in.Stage)
	if !slices.Contains(Stages, stage) {
		return validate.Field("stage", "validate.choice")
	}
	at, ok := ParseLocal(in.SubmittedAt)
	switch {
	case !ok:
		errs.Add("submitted_at", "incident.error.time")
	case at.After(now.Add(futureSlack)):
		errs.Add("submitted_at", "incident.error.future")
	}
	var recipients []string
	for _, r := range in.Recipients {
		if !slices.Contains(allowed, r) {
			errs.Add("recipients", "validate.choice")
			break
		}
		if !slices.Contains(recipients, r) {
			recipients = append(recipients, r)
		}
	}
	if other := strings.TrimSpace(in.Other); other != "" {
		if len([]rune(other)) > 200 {
			errs.Add("recipients", "validate.too_long")
		}
		recipients = append(recipients, other)
	}
	if len(recipients) == 0 {
		errs.Add("recipients", "incident.error.recipients")
	}
	summary, proof := strings.TrimSpace(in.Summary), strings.TrimSpace(in.ProofRef)
	if len([]rune(summary)) > 5000 {
		errs.Add("summary", "validate.too_long")
	}
	if proof == "" || len([]rune(proof)) > 200 {
		errs.Add("proof_ref", "incident.error.proof")
	}
	if err := errs.Err(); err != nil {
		return err
	}
	return db.InTx(ctx, pool, func(tx pgx.Tx) error {
		inc, err := Get(ctx, tx, actor.EntityID, incidentID)
		if err != nil {
			return err
		}
		if _, err := tx.Exec(ctx, `SELECT 1 FROM incidents WHERE id = $1 FOR UPDATE`, incidentID); err != nil {
			return err
		}
		if at.Before(inc.AwareAt.Add(-futureSlack)) {
			return validate.Field("submitted_at", "incident.error.before_aware")
		}
		if stage != StageIntermediate {
			if err := syncReports(ctx, tx, inc, now); err != nil {
				return err
			}
		}
		reports, err := Reports(ctx, tx, actor.EntityID, incidentID)
		if err != nil {
			return err
		}
		idx := slices.IndexFunc(reports, func(r Report) bool {
			if stage == StageIntermediate {
				return r.Stage == stage && strconv.FormatInt(r.ID, 10) == in.ReportID
			}
			return r.Stage == stage
		})
		if idx < 0 {
			return ErrNotSubmittable
		}
		rep := reports[idx]
		if rep.SubmittedAt != nil {
			return ErrNotSubmittable
		}
		if rep.Version != in.Version {
			return &Conflict{Current: inc}
		}
		// The per-recipient records of the entity's recipients named; one
		// recorded earlier on the draft page stays as it was.
		reportRef := int64(0)
		if stage == StageIntermediate {
			reportRef = rep.ID
		}
		for _, code := range recipients {
			if !slices.Contains(allowed, code) {
				continue
			}
			if _, err := tx.Exec(ctx, `INSERT INTO incident_report_submissions (entity_id, incident_id, stage, report_id, recipient,
					submitted_at, channel, reference, voluntary, updated_by)
				VALUES (@entity, @incident, @stage, nullif(@report, 0), @recipient, @at, @channel, @reference, false, @actor)
				ON CONFLICT DO NOTHING`, pgx.StrictNamedArgs{"entity": actor.EntityID, "incident": incidentID, "stage": string(stage),
				"report": reportRef, "recipient": code, "at": at, "channel": channel, "reference": proof, "actor": actor.UserID}); err != nil {
				return fmt.Errorf("submission of %s to %s: %w", stage, code, err)
			}
		}
		return markSubmitted(ctx, tx, actor, inc, rep, at, recipients, summary, proof, now, "channel", channel)
	})
}

// markSubmitted records a report as submitted at at to recipients with its
// proof, brings the final report's due time in step after the
// notification, and writes the timeline entry and the audit row. extra
// are further audit fields as key, value pairs.
func markSubmitted(ctx context.Context, tx pgx.Tx, actor authz.Actor, inc Incident, rep Report, at time.Time,
	recipients []string, summary, proof string, now time.Time, extra ...string) error {
	if _, err := tx.Exec(ctx, `UPDATE incident_reports SET submitted_at = @at, recipients = @recipients, summary = @summary,
			proof_ref = @proof, submitted_by = @actor, updated_at = now(), version = version + 1
		WHERE entity_id = @entity AND id = @id`, pgx.StrictNamedArgs{"entity": actor.EntityID, "id": rep.ID, "at": at,
		"recipients": recipients, "summary": summary, "proof": proof, "actor": actor.UserID}); err != nil {
		return fmt.Errorf("submit report: %w", err)
	}
	if rep.Stage == StageNotification {
		if err := syncReports(ctx, tx, inc, now); err != nil {
			return err
		}
	}
	if _, err := insertEntry(ctx, tx, actor, inc.ID, at, "report:"+string(rep.Stage), strings.Join(recipients, ", ")+" · "+proof, nil); err != nil {
		return err
	}
	after := map[string]any{"title": inc.Title, "stage": string(rep.Stage), "submitted_at": stamp(at),
		"recipients": strings.Join(recipients, ", "), "proof_ref": proof, "summary": summary}
	if rep.DueAt != nil {
		after["due_at"] = stamp(*rep.DueAt)
	}
	for i := 0; i+1 < len(extra); i += 2 {
		after[extra[i]] = extra[i+1]
	}
	return audit.Record(ctx, tx, audit.Event{EntityID: actor.EntityID, Action: "incident.report_submitted",
		ObjectType: "incident", ObjectID: strconv.FormatInt(inc.ID, 10), After: after})
}

// RequestInput records a request for an intermediate report (Art.
// 23(4)(c)): who asked, when, and by when if they said.
type RequestInput struct {
	RequestedAt string
	RequestedBy string
	DueAt       string
}

// RequestIntermediate records a CSIRT's or authority's request for an
// intermediate report, audit-logged.
func RequestIntermediate(ctx context.Context, pool *pgxpool.Pool, actor authz.Actor, incidentID int64, in RequestInput, now time.Time) error {
	errs := validate.Errors{}
	at, ok := ParseLocal(in.RequestedAt)
	if !ok {
		errs.Add("requested_at", "incident.error.time")
	} else if at.After(now.Add(futureSlack)) {
		errs.Add("requested_at", "incident.error.future")
	}
	by := strings.TrimSpace(in.RequestedBy)
	if by == "" || len([]rune(by)) > 200 {
		errs.Add("requested_by", "incident.error.requested_by")
	}
	var due *time.Time
	if v := strings.TrimSpace(in.DueAt); v != "" {
		d, ok := ParseLocal(v)
		if !ok {
			errs.Add("request_due_at", "incident.error.time")
		} else if ok && !d.After(at) {
			errs.Add("request_due_at", "incident.error.due_before_request")
		}
		due = &d
	}
	if err := errs.Err(); err != nil {
		return err
	}
	return db.InTx(ctx, pool, func(tx pgx.Tx) error {
		var title string
		if err := tx.QueryRow(ctx, `SELECT title FROM incidents WHERE entity_id = @entity AND id = @id FOR UPDATE`,
			pgx.StrictNamedArgs{"entity": actor.EntityID, "id": incidentID}).Scan(&title); err != nil {
			return fmt.Errorf("incident %d: %w", incidentID, db.MapError(err))
		}
		if _, err := tx.Exec(ctx, `INSERT INTO incident_reports (entity_id, incident_id, stage, due_at, requested_at, requested_by)
			VALUES (@entity, @incident, 'intermediate', @due, @at, @by)`, pgx.StrictNamedArgs{"entity": actor.EntityID,
			"incident": incidentID, "due": due, "at": at, "by": by}); err != nil {
			return fmt.Errorf("request intermediate report: %w", err)
		}
		after := map[string]any{"title": title, "stage": string(StageIntermediate), "requested_at": stamp(at), "requested_by": by}
		if due != nil {
			after["due_at"] = stamp(*due)
		}
		return audit.Record(ctx, tx, audit.Event{EntityID: actor.EntityID, Action: "incident.report_requested",
			ObjectType: "incident", ObjectID: strconv.FormatInt(incidentID, 10), After: after})
	})
}

// IsConflict reports whether err is a version conflict.
func IsConflict(err error) (*Conflict, bool) {
	var c *Conflict
	ok := errors.As(err, &c)
	return c, ok
}

// Deadline is a report still owed for an incident, for the dashboards.
type Deadline struct {
	IncidentID int64     `json:"id"`
	Title      string    `json:"title"`
	Stage      Stage     `json:"stage"`
	DueAt      time.Time `json:"due_at"`
}

// BannerWithin is how close a deadline is before every member sees a
// banner.
const BannerWithin = 6 * time.Hour

// StageGDPR names, on the dashboards' deadline list, the breach
// notification to the Autoriteit Persoonsgegevens (Art. 33 GDPR): not a
// NIS2 stage, but due on its own 72-hour clock beside them.
const StageGDPR Stage = "gdpr"

// DeadlinesColumn is an SQL expression (with @entity) giving the entity's
// owed reports as JSON, nearest first — the NIS2 reports and, for incidents
// with personal data, the GDPR breach notification not yet recorded (due
// at aware + 72 h, GDPRDue) — so every member sees them on their first
// screen. Pages that keep a tight query budget fold it into a query of
// their own (ParseDeadlines reads it).
const DeadlinesColumn = `(SELECT coalesce(json_agg(json_build_object('id', d.incident_id, 'title', d.title, 'stage', d.stage,
		'due_at', d.due_at) ORDER BY d.due_at, d.id), '[]')
	FROM (SELECT r.id, r.incident_id, i.title, r.stage, r.due_at FROM incident_reports r JOIN incidents i ON i.id = r.incident_id
		WHERE r.entity_id = @entity AND r.submitted_at IS NULL AND r.due_at IS NOT NULL AND i.status <> 'closed'
		UNION ALL
		SELECT 0, i.id, i.title, 'gdpr', i.aware_at + interval '72 hours' FROM incidents i
		WHERE i.entity_id = @entity AND i.personal_data AND i.gdpr_notified_at IS NULL AND i.status <> 'closed'
		ORDER BY due_at, id LIMIT 10) d)`

// ParseDeadlines reads DeadlinesColumn.
func ParseDeadlines(raw []byte) ([]Deadline, error) {
	var out []Deadline
	if err := json.Unmarshal(raw, &out); err != nil {
		return nil, fmt.Errorf("incident deadlines: %w", err)
	}
	return out, nil
}

// ReviewTriggerColumn is a column expression (argument @entity): the newest
// significant incident the entity became aware of after its risk analysis
// was last adopted, as JSON {"id", "title", "aware_at"}, or NULL. Annex 2.1
// of Reg. 2024/2690 asks for the analysis to be reviewed after significant
// incidents, so the dashboards warn until a newer analysis is adopted.
const ReviewTriggerColumn = `(SELECT json_build_object('id', i.id, 'title', i.title, 'aware_at', i.aware_at)
	FROM incidents i WHERE i.entity_id = @entity AND i.significance = 'significant'
		AND i.aware_at > coalesce((SELECT max(a.adopted_at) FROM risk_analyses a
			WHERE a.entity_id = @entity AND a.status = 'adopted'), '-infinity')
	ORDER BY i.aware_at DESC, i.id DESC LIMIT 1)`

// ReviewTrigger is the incident of ReviewTriggerColumn.
type ReviewTrigger struct {
	ID      int64     `json:"id"`
	Title   string    `json:"title"`
	AwareAt time.Time `json:"aware_at"`
}

// ParseReviewTrigger reads ReviewTriggerColumn; nil when there is none.
func ParseReviewTrigger(raw []byte) (*ReviewTrigger, error) {
	if len(raw) == 0 || string(raw) == "null" {
		return nil, nil
	}
	var t ReviewTrigger
	if err := json.Unmarshal(raw, &t); err != nil {
		return nil, fmt.Errorf("review trigger: %w", err)
	}
	return &t, nil
}
