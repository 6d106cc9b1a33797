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
	"github.com/weerbaar/weerbaar/internal/scope"
	"github.com/weerbaar/weerbaar/internal/validate"
)

// Channels are how a report reaches a recipient.
var Channels = []string{"portal", "email", "phone"}

// Submission is what was submitted to one recipient for one stage (read
// with the incident: Incident.Submissions).
type Submission struct {
	ID    int64 `json:"id"`
	Stage Stage `json:"stage"`
	// ReportID names the intermediate report (each request its own); nil
	// for the other stages, which have one report per incident.
	ReportID    *int64    `json:"report_id"`
	Recipient   string    `json:"recipient"`
	SubmittedAt time.Time `json:"submitted_at"`
	Channel     string    `json:"channel"`
	Reference   string    `json:"reference"`
	Voluntary   bool      `json:"voluntary"`
	UpdatedBy   string    `json:"updated_by"`
	Version     int       `json:"version"`
}

// Sent is the submission of stage to recipient, if recorded; reportID
// names the intermediate report (0 for the other stages).
func (i Incident) Sent(stage string, reportID int64, recipient string) (Submission, bool) {
	for _, s := range i.Submissions {
		if string(s.Stage) == stage && s.Recipient == recipient && s.report() == reportID {
			return s, true
		}
	}
	return Submission{}, false
}

func (s Submission) report() int64 {
	if s.ReportID == nil {
		return 0
	}
	return *s.ReportID
}

// Recipients are the codes of the bodies an entity reports to (from the
// scope module): any of All may be named; a report counts as submitted
// once every one of Required — the CSIRT and the competent authority,
// Art. 23 NIS2 · Cbw — has received it.
type Recipients struct {
	All, Required []string
}

// RecipientsOf are the recipients of an entity with these subsectors,
// from the scope module's supervision model; one without a code (a
// supervisor not yet known) cannot be chosen.
func RecipientsOf(subsectors []string) Recipients {
	var rc Recipients
	for _, r := range scope.Recipients(subsectors) {
		if r.Code == "" {
			continue
		}
		rc.All = append(rc.All, r.Code)
		if r.Role == scope.RoleCSIRT || r.Role == scope.RoleAuthority {
			rc.Required = append(rc.Required, r.Code)
		}
	}
	return rc
}

// SubmissionInput is the per-recipient form of a draft page. Version is
// the recorded submission's version, 0 when none was recorded yet;
// ReportID names the intermediate report it answers.
type SubmissionInput struct {
	ReportID    string
	Recipient   string
	SubmittedAt string
	Channel     string
	Reference   string
	Version     int
}

// RecordSubmission records (or corrects) when, how and under which
// reference the stage's report reached one recipient (one of rc.All). A
// report of an incident that is not significant is recorded as voluntary
// (Art. 30 NIS2). Once every required recipient has it, the stage's report
// is marked submitted too (completeReport), so the clock and the drafts
// read one record. Version-checked, entity-scoped, audit-logged.
func RecordSubmission(ctx context.Context, pool *pgxpool.Pool, actor authz.Actor, incidentID int64, stage Stage,
	in SubmissionInput, rc Recipients, now time.Time) error {
	allowed := rc.All
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
		reportID, err := intermediateReport(ctx, tx, inc, stage, in.ReportID)
		if err != nil {
			return err
		}
		args := pgx.StrictNamedArgs{"entity": actor.EntityID, "incident": incidentID, "stage": string(stage), "recipient": in.Recipient,
			"report": reportID}
		var cur Submission
		err = tx.QueryRow(ctx, `SELECT id, submitted_at, channel, reference, version FROM incident_report_submissions
			WHERE entity_id = @entity AND incident_id = @incident AND stage = @stage AND recipient = @recipient
				AND coalesce(report_id, 0) = @report FOR UPDATE`, args).
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
			_, err = tx.Exec(ctx, `INSERT INTO incident_report_submissions (entity_id, incident_id, stage, report_id, recipient,
				submitted_at, channel, reference, voluntary, updated_by) VALUES (@entity, @incident, @stage, nullif(@report, 0),
				@recipient, @at, @channel, @reference, @voluntary, @actor)`, args)
		} else {
			_, err = tx.Exec(ctx, `UPDATE incident_report_submissions SET submitted_at = @at, channel = @channel, reference = @reference,
				voluntary = @voluntary, updated_by = @actor, updated_at = now(), version = version + 1
				WHERE entity_id = @entity AND id = @id`, pgx.StrictNamedArgs{"entity": actor.EntityID, "id": cur.ID, "at": at,
				"channel": in.Channel, "reference": ref, "voluntary": voluntary, "actor": actor.UserID})
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
		if err := audit.Record(ctx, tx, ev); err != nil {
			return err
		}
		if voluntary {
			return nil
		}
		return completeReport(ctx, tx, actor, inc, stage, reportID, rc.Required, now)
	})
}

// intermediateReport resolves the intermediate report a submission
// answers (0 for the other stages); an id that is not an intermediate
// report of the incident is a field error.
func intermediateReport(ctx context.Context, tx pgx.Tx, inc Incident, stage Stage, ref string) (int64, error) {
	if stage != StageIntermediate {
		return 0, nil
	}
	id, err := strconv.ParseInt(strings.TrimSpace(ref), 10, 64)
	if err != nil {
		return 0, validate.Field("report", "incident.error.no_request")
	}
	var ok bool
	if err := tx.QueryRow(ctx, `SELECT EXISTS (SELECT 1 FROM incident_reports WHERE entity_id = @entity AND incident_id = @incident
			AND id = @id AND stage = 'intermediate')`, pgx.StrictNamedArgs{"entity": inc.EntityID, "incident": inc.ID, "id": id}).Scan(&ok); err != nil {
		return 0, err
	}
	if !ok {
		return 0, validate.Field("report", "incident.error.no_request")
	}
	return id, nil
}

// completeReport marks a stage's report submitted once every required
// recipient's submission is recorded: at the latest of their times (the
// duty is met when the last of them has it), to those recipients, with
// their references as the proof. A report already marked stays as it is;
// without required recipients (scope unknown) the officer marks it.
func completeReport(ctx context.Context, tx pgx.Tx, actor authz.Actor, inc Incident, stage Stage, reportID int64,
	required []string, now time.Time) error {
	if len(required) == 0 {
		return nil
	}
	if stage != StageIntermediate {
		if err := syncReports(ctx, tx, inc, now); err != nil {
			return err
		}
	}
	reports, err := Reports(ctx, tx, inc.EntityID, inc.ID)
	if err != nil {
		return err
	}
	idx := slices.IndexFunc(reports, func(r Report) bool {
		return r.Stage == stage && (stage != StageIntermediate || r.ID == reportID)
	})
	if idx < 0 || reports[idx].SubmittedAt != nil {
		return nil
	}
	rows, err := tx.Query(ctx, `SELECT recipient, submitted_at, reference FROM incident_report_submissions
		WHERE entity_id = @entity AND incident_id = @incident AND stage = @stage AND coalesce(report_id, 0) = @report
			AND recipient = ANY(@required)
		ORDER BY array_position(@required, recipient)`, pgx.StrictNamedArgs{"entity": inc.EntityID, "incident": inc.ID,
		"stage": string(stage), "report": reportID, "required": required})
	if err != nil {
		return err
	}
	var latest time.Time
	var refs []string
	n := 0
	var code, ref string
	var at time.Time
	if _, err := pgx.ForEachRow(rows, []any{&code, &at, &ref}, func() error {
		n++
		if at.After(latest) {
			latest = at
		}
		refs = append(refs, code+": "+ref)
		return nil
	}); err != nil {
		return err
	}
	if n < len(required) {
		return nil
	}
	proof := strings.Join(refs, "; ")
	if r := []rune(proof); len(r) > 200 {
		proof = string(r[:199]) + "…"
	}
	return markSubmitted(ctx, tx, actor, inc, reports[idx], latest, required, "", proof, now)
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
