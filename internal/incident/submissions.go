package incident

import (
	"context"
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

// Channels are how a report reaches a recipient.
var Channels = []string{"portal", "email", "phone"}

// Submission is what was submitted to one recipient for one stage (read
// with the incident: Incident.Submissions).
type Submission struct {
	ID          int64     `json:"id"`
	Stage       Stage     `json:"stage"`
	Recipient   string    `json:"recipient"`
	SubmittedAt time.Time `json:"submitted_at"`
	Channel     string    `json:"channel"`
	Reference   string    `json:"reference"`
	Voluntary   bool      `json:"voluntary"`
	UpdatedBy   string    `json:"updated_by"`
	Version     int       `json:"version"`
}

// Sent is the submission of stage to recipient, if recorded.
func (i Incident) Sent(stage, recipient string) (Submission, bool) {
	for _, s := range i.Submissions {
		if string(s.Stage) == stage && s.Recipient == recipient {
			return s, true
		}
	}
	return Submission{}, false
}

// SubmissionInput is the per-recipient form of a draft page. Version is
// the recorded submission's version, 0 when none was recorded yet.
type SubmissionInput struct {
	Recipient   string
	SubmittedAt string
	Channel     string
	Reference   string
	Version     int
}

// RecordSubmission records (or corrects) when, how and under which
// reference the stage's report reached one recipient (allowed: the codes of
// the entity's recipients). A report of an incident that is not
// significant is recorded as voluntary (Art. 30 NIS2). Version-checked,
// entity-scoped, audit-logged.
func RecordSubmission(ctx context.Context, pool *pgxpool.Pool, actor authz.Actor, incidentID int64, stage Stage,
	in SubmissionInput, allowed []string, now time.Time) error {
	if !slices.Contains(Stages, stage) {
		return validate.Field("stage", "validate.choice")
	}
	errs := validate.Errors{}
	if !slices.Contains(allowed, in.Recipient) {
		errs.Add("recipient", "validate.choice")
	}
	at, ok := ParseLocal(in.SubmittedAt)
	switch {
	case !ok:
		errs.Add("submitted_at", "incident.error.time")
	case at.After(now.Add(futureSlack)):
		errs.Add("submitted_at", "incident.error.future")
	}
	if !slices.Contains(Channels, in.Channel) {
		errs.Add("channel", "validate.choice")
	}
	ref := strings.TrimSpace(in.Reference)
	if ref == "" || len([]rune(ref)) > 200 {
		errs.Add("reference", "incident.error.proof")
	}
	if err := errs.Err(); err != nil {
		return err
	}
	return db.InTx(ctx, pool, func(tx pgx.Tx) error {
		inc, err := Get(ctx, tx, actor.EntityID, incidentID)
		if err != nil {
			return err
		}
		if at.Before(inc.AwareAt.Add(-futureSlack)) {
			return validate.Field("submitted_at", "incident.error.before_aware")
		}
		args := pgx.StrictNamedArgs{"entity": actor.EntityID, "incident": incidentID, "stage": string(stage), "recipient": in.Recipient}
		var cur Submission
		err = tx.QueryRow(ctx, `SELECT id, submitted_at, channel, reference, version FROM incident_report_submissions
			WHERE entity_id = @entity AND incident_id = @incident AND stage = @stage AND recipient = @recipient FOR UPDATE`, args).
			Scan(&cur.ID, &cur.SubmittedAt, &cur.Channel, &cur.Reference, &cur.Version)
		if err != nil && !errors.Is(err, pgx.ErrNoRows) {
			return err
		}
		if cur.Version != in.Version {
			return &Conflict{Current: inc}
		}
		voluntary := inc.Effective() != Significant
		args["at"], args["channel"], args["reference"], args["voluntary"], args["actor"] = at, in.Channel, ref, voluntary, actor.UserID
		if cur.ID == 0 {
			_, err = tx.Exec(ctx, `INSERT INTO incident_report_submissions (entity_id, incident_id, stage, recipient, submitted_at,
				channel, reference, voluntary, updated_by) VALUES (@entity, @incident, @stage, @recipient, @at, @channel, @reference,
				@voluntary, @actor)`, args)
		} else {
			_, err = tx.Exec(ctx, `UPDATE incident_report_submissions SET submitted_at = @at, channel = @channel, reference = @reference,
				voluntary = @voluntary, updated_by = @actor, updated_at = now(), version = version + 1
				WHERE entity_id = @entity AND incident_id = @incident AND stage = @stage AND recipient = @recipient`, args)
		}
		if err != nil {
			return fmt.Errorf("record submission: %w", err)
		}
		ev := audit.Event{EntityID: actor.EntityID, Action: "incident.submission_recorded", ObjectType: "incident",
			ObjectID: strconv.FormatInt(incidentID, 10),
			After: map[string]any{"title": inc.Title, "stage": string(stage), "recipient": in.Recipient, "submitted_at": stamp(at),
				"channel": in.Channel, "reference": ref, "voluntary": voluntary}}
		if cur.ID != 0 {
			ev.Before = map[string]any{"submitted_at": stamp(cur.SubmittedAt), "channel": cur.Channel, "reference": cur.Reference}
		}
		return audit.Record(ctx, tx, ev)
	})
}

// GDPRInput records the breach notification to the Autoriteit
// Persoonsgegevens; Version is the incident's.
type GDPRInput struct {
	NotifiedAt string
	Reference  string
	Version    int
}

// RecordGDPR records that the personal data breach was notified to the
// Autoriteit Persoonsgegevens (Art. 33 GDPR): when and its reference.
// Only for an incident involving personal data; version-checked against
// the incident, audit-logged.
func RecordGDPR(ctx context.Context, pool *pgxpool.Pool, actor authz.Actor, id int64, in GDPRInput, now time.Time) error {
	errs := validate.Errors{}
	at, ok := ParseLocal(in.NotifiedAt)
	switch {
	case !ok:
		errs.Add("gdpr_notified_at", "incident.error.time")
	case at.After(now.Add(futureSlack)):
		errs.Add("gdpr_notified_at", "incident.error.future")
	}
	ref := strings.TrimSpace(in.Reference)
	if ref == "" || len([]rune(ref)) > 200 {
		errs.Add("gdpr_ref", "incident.error.proof")
	}
	if err := errs.Err(); err != nil {
		return err
	}
	return db.InTx(ctx, pool, func(tx pgx.Tx) error {
		cur, err := Get(ctx, tx, actor.EntityID, id)
		if err != nil {
			return err
		}
		if cur.Version != in.Version {
			return &Conflict{Current: cur}
		}
		if !cur.PersonalData {
			return validate.Field("gdpr_notified_at", "incident.error.no_personal_data")
		}
		if at.Before(cur.AwareAt.Add(-futureSlack)) {
			return validate.Field("gdpr_notified_at", "incident.error.before_aware")
		}
		tag, err := tx.Exec(ctx, `UPDATE incidents SET gdpr_notified_at = @at, gdpr_ref = @ref, updated_by = @actor,
				updated_at = now(), version = version + 1
			WHERE entity_id = @entity AND id = @id AND version = @version`,
			pgx.StrictNamedArgs{"entity": actor.EntityID, "id": id, "version": in.Version, "at": at, "ref": ref, "actor": actor.UserID})
		if err != nil {
			return err
		}
		if tag.RowsAffected() == 0 {
			return &Conflict{Current: cur}
		}
		ev := audit.Event{EntityID: actor.EntityID, Action: "incident.gdpr_notified", ObjectType: "incident",
			ObjectID: strconv.FormatInt(id, 10),
			After:    map[string]any{"title": cur.Title, "gdpr_notified_at": stamp(at), "gdpr_ref": ref}}
		if cur.GDPRNotifiedAt != nil {
			ev.Before = map[string]any{"gdpr_notified_at": stamp(*cur.GDPRNotifiedAt), "gdpr_ref": cur.GDPRRef}
		}
		return audit.Record(ctx, tx, ev)
	})
}
