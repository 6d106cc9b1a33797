package incident

import (
	"context"
	"encoding/json"
	"fmt"
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

// The post-incident review (issue 12 item 6): what the root cause turned
// out to be, the lessons learned and follow-up actions, each linked to a
// requirement of the ten measures with an owner and a due date. The actions
// show on the requirement's page and on the owner's dashboard, like the
// risk analysis's mitigation actions.

// Review is an incident's post-incident review; Version 0 means none has
// been saved yet.
type Review struct {
	IncidentID  int64
	RootCause   string
	Lessons     string
	CompletedAt *time.Time
	UpdatedBy   string
	UpdatedAt   *time.Time
	Version     int
	Actions     []Action
}

// Action is a follow-up action of a review.
type Action struct {
	ID              int64      `json:"ID"`
	IncidentID      int64      `json:"IncidentID"`
	IncidentTitle   string     `json:"IncidentTitle"`
	Title           string     `json:"Title"`
	RequirementCode string     `json:"RequirementCode"`
	OwnerID         *int64     `json:"OwnerID"`
	OwnerName       string     `json:"OwnerName"`
	DueDate         time.Time  `json:"DueDate"`
	DoneOn          *time.Time `json:"DoneOn"`
	Version         int        `json:"Version"`
}

// Done reports whether the action has been carried out.
func (a Action) Done() bool { return a.DoneOn != nil }

// Overdue reports whether an open action's due date lies before day.
func (a Action) Overdue(day time.Time) bool { return a.DoneOn == nil && a.DueDate.Before(day) }

// MaxActionRows caps the follow-up actions one list shows.
const MaxActionRows = 50

// actionsColumn is a column expression: the follow-up actions matching cond
// (over incident_actions a, argument @entity) as a JSON array of Action,
// open ones by due date, then done ones, most recently done first.
func actionsColumn(cond string) string {
	return `coalesce((SELECT json_agg(x.j ORDER BY x.n) FROM (SELECT json_build_object('ID', a.id, 'IncidentID', a.incident_id,
			'IncidentTitle', i.title, 'Title', a.title, 'RequirementCode', a.requirement_code, 'OwnerID', a.owner_id,
			'OwnerName', coalesce(u.name, ''), 'DueDate', a.due_date::timestamp AT TIME ZONE 'UTC',
			'DoneOn', a.done_on::timestamp AT TIME ZONE 'UTC', 'Version', a.version) AS j,
			row_number() OVER (ORDER BY a.done_on IS NOT NULL, a.done_on DESC, a.due_date, a.id) AS n
		FROM incident_actions a JOIN incidents i ON i.entity_id = a.entity_id AND i.id = a.incident_id
		LEFT JOIN users u ON u.id = a.owner_id
		WHERE a.entity_id = @entity AND ` + cond + `
		ORDER BY a.done_on IS NOT NULL, a.done_on DESC, a.due_date, a.id LIMIT ` + strconv.Itoa(MaxActionRows) + `) x), '[]')`
}

// RequirementActionsColumn is a column expression (arguments @entity,
// @code): the follow-up actions linked to a requirement, as JSON for
// ParseActions.
var RequirementActionsColumn = actionsColumn(`a.requirement_code = @code`)

// OwnerActionsColumn is a column expression (arguments @entity, @user): the
// user's open follow-up actions, as JSON for ParseActions.
var OwnerActionsColumn = actionsColumn(`a.owner_id = @user AND a.done_on IS NULL`)

// ParseActions reads a column of actionsColumn.
func ParseActions(raw []byte) ([]Action, error) {
	var out []Action
	if len(raw) == 0 {
		return out, nil
	}
	if err := json.Unmarshal(raw, &out); err != nil {
		return nil, fmt.Errorf("follow-up actions: %w", err)
	}
	return out, nil
}

// LoadReview reads an incident's review and its follow-up actions in one
// query; an incident without a review gets an empty one (Version 0). The
// incident itself is not checked: load it first.
func LoadReview(ctx context.Context, q db.Querier, entityID, incidentID int64) (Review, error) {
	rv := Review{IncidentID: incidentID}
	var raw []byte
	err := q.QueryRow(ctx, `SELECT coalesce(r.root_cause, ''), coalesce(r.lessons, ''), r.completed_at, coalesce(u.name, ''),
			r.updated_at, coalesce(r.version, 0), `+actionsColumn(`a.incident_id = @id`)+`
		FROM (SELECT 1) one LEFT JOIN incident_reviews r ON r.entity_id = @entity AND r.incident_id = @id
		LEFT JOIN users u ON u.id = r.updated_by`, pgx.StrictNamedArgs{"entity": entityID, "id": incidentID}).
		Scan(&rv.RootCause, &rv.Lessons, &rv.CompletedAt, &rv.UpdatedBy, &rv.UpdatedAt, &rv.Version, &raw)
	if err != nil {
		return rv, fmt.Errorf("review of incident %d: %w", incidentID, err)
	}
	rv.Actions, err = ParseActions(raw)
	return rv, err
}

// ReviewConflict is returned when a review or an action changed after the
// form was opened; Current is the review as saved.
type ReviewConflict struct{ Current Review }

func (e *ReviewConflict) Error() string { return "changed by someone else meanwhile" }

// Unwrap lets callers test for db.ErrConflict.
func (e *ReviewConflict) Unwrap() error { return db.ErrConflict }

// ReviewInput is the review form.
type ReviewInput struct {
	RootCause, Lessons string
	Complete           bool
	Version            int
}

// ReviewForm is the saved review as the form shows it.
func ReviewForm(rv Review) ReviewInput {
	return ReviewInput{RootCause: rv.RootCause, Lessons: rv.Lessons, Complete: rv.CompletedAt != nil, Version: rv.Version}
}

func (rv Review) fields() map[string]any {
	return map[string]any{"root_cause": rv.RootCause, "lessons": rv.Lessons, "review_completed": rv.CompletedAt != nil}
}

// SaveReview stores an incident's review after a version check (0: none
// saved yet), audit-logged. A complete review needs the root cause and the
// lessons.
func SaveReview(ctx context.Context, pool *pgxpool.Pool, actor authz.Actor, incidentID int64, in ReviewInput, now time.Time) error {
	cause, lessons := strings.TrimSpace(in.RootCause), strings.TrimSpace(in.Lessons)
	errs := validate.Errors{}
	for _, f := range []struct{ name, v string }{{"review_root_cause", cause}, {"lessons", lessons}} {
		switch {
		case len([]rune(f.v)) > 5000:
			errs.Add(f.name, "validate.too_long")
		case f.v == "" && in.Complete:
			errs.Add(f.name, "incident.review.error.required")
		}
	}
	if err := errs.Err(); err != nil {
		return err
	}
	return db.InTx(ctx, pool, func(tx pgx.Tx) error {
		inc, err := Get(ctx, tx, actor.EntityID, incidentID)
		if err != nil {
			return err
		}
		cur, err := LoadReview(ctx, tx, actor.EntityID, incidentID)
		if err != nil {
			return err
		}
		if cur.Version != in.Version {
			return &ReviewConflict{Current: cur}
		}
		completed := cur.CompletedAt
		if !in.Complete {
			completed = nil
		} else if completed == nil {
			completed = &now
		}
		args := pgx.StrictNamedArgs{"entity": actor.EntityID, "id": incidentID, "cause": cause, "lessons": lessons,
			"completed": completed, "actor": actor.UserID, "version": in.Version}
		sql := `INSERT INTO incident_reviews (entity_id, incident_id, root_cause, lessons, completed_at, updated_by)
			VALUES (@entity, @id, @cause, @lessons, @completed, @actor) ON CONFLICT (incident_id) DO NOTHING`
		if in.Version != 0 {
			sql = `UPDATE incident_reviews SET root_cause = @cause, lessons = @lessons, completed_at = @completed,
					updated_by = @actor, updated_at = now(), version = version + 1
				WHERE entity_id = @entity AND incident_id = @id AND version = @version`
		} else {
			delete(args, "version")
		}
		tag, err := tx.Exec(ctx, sql, args)
		if err != nil {
			return fmt.Errorf("save review: %w", db.MapError(err))
		}
		if tag.RowsAffected() == 0 {
			return &ReviewConflict{Current: cur}
		}
		saved := Review{RootCause: cause, Lessons: lessons, CompletedAt: completed}
		before, after := audit.Diff(cur.fields(), saved.fields())
		if cur.Version == 0 {
			before = nil
		}
		return audit.Record(ctx, tx, audit.Event{EntityID: actor.EntityID, Action: "incident.review_saved", ObjectType: "incident",
			ObjectID: strconv.FormatInt(incidentID, 10), Before: before, After: mergeName(after, inc.Title)})
	})
}

// ActionInput is the form of a follow-up action.
type ActionInput struct {
	Title, RequirementCode, OwnerID, DueDate string
}

// AddAction adds a follow-up action to an incident's review, audit-logged.
// known reports whether a requirement code is in the entity's edition; the
// owner must be a member of the entity.
func AddAction(ctx context.Context, pool *pgxpool.Pool, actor authz.Actor, incidentID int64, in ActionInput,
	known func(code string) bool) error {
	errs := validate.Errors{}
	title, code := strings.TrimSpace(in.Title), strings.TrimSpace(in.RequirementCode)
	if title == "" || len([]rune(title)) > 200 {
		errs.Add("action_title", "incident.review.error.action_title")
	}
	if !known(code) {
		errs.Add("requirement", "validate.choice")
	}
	due, derr := time.Parse(time.DateOnly, strings.TrimSpace(in.DueDate))
	if derr != nil {
		errs.Add("due_date", "validate.date")
	}
	owner, oerr := strconv.ParseInt(strings.TrimSpace(in.OwnerID), 10, 64)
	return db.InTx(ctx, pool, func(tx pgx.Tx) error {
		inc, err := Get(ctx, tx, actor.EntityID, incidentID)
		if err != nil {
			return err
		}
		member := false
		if oerr == nil {
			if err := tx.QueryRow(ctx, `SELECT EXISTS (SELECT 1 FROM memberships WHERE entity_id = @entity AND user_id = @user
				AND accepted_at IS NOT NULL)`, pgx.StrictNamedArgs{"entity": actor.EntityID, "user": owner}).Scan(&member); err != nil {
				return err
			}
		}
		if !member {
			errs.Add("owner", "validate.choice")
		}
		if err := errs.Err(); err != nil {
			return err
		}
		var id int64
		if err := tx.QueryRow(ctx, `INSERT INTO incident_actions (entity_id, incident_id, title, requirement_code, owner_id,
				due_date, created_by, updated_by)
			VALUES (@entity, @incident, @title, @code, @owner, @due, @actor, @actor) RETURNING id`,
			pgx.StrictNamedArgs{"entity": actor.EntityID, "incident": incidentID, "title": title, "code": code, "owner": owner,
				"due": due, "actor": actor.UserID}).Scan(&id); err != nil {
			return fmt.Errorf("add follow-up action: %w", db.MapError(err))
		}
		return audit.Record(ctx, tx, audit.Event{EntityID: actor.EntityID, Action: "incident.action_added", ObjectType: "incident",
			ObjectID: strconv.FormatInt(incidentID, 10), After: map[string]any{"title": inc.Title, "action_title": title,
				"requirement": code, "owner_id": owner, "due_date": due.Format(time.DateOnly)}})
	})
}

// SetActionDone marks a follow-up action done on day, or open again, after
// a version check, audit-logged.
func SetActionDone(ctx context.Context, pool *pgxpool.Pool, actor authz.Actor, incidentID, actionID int64, done bool, version int,
	day time.Time) error {
	return db.InTx(ctx, pool, func(tx pgx.Tx) error {
		inc, err := Get(ctx, tx, actor.EntityID, incidentID)
		if err != nil {
			return err
		}
		var cur struct {
			title  string
			doneOn *time.Time
			ver    int
		}
		err = tx.QueryRow(ctx, `SELECT title, done_on::timestamp AT TIME ZONE 'UTC', version FROM incident_actions
			WHERE entity_id = @entity AND incident_id = @incident AND id = @id FOR UPDATE`,
			pgx.StrictNamedArgs{"entity": actor.EntityID, "incident": incidentID, "id": actionID}).Scan(&cur.title, &cur.doneOn, &cur.ver)
		if err != nil {
			return fmt.Errorf("follow-up action %d: %w", actionID, db.MapError(err))
		}
		if cur.ver != version {
			rv, err := LoadReview(ctx, tx, actor.EntityID, incidentID)
			if err != nil {
				return err
			}
			return &ReviewConflict{Current: rv}
		}
		var doneOn *time.Time
		if done {
			d := day
			if cur.doneOn != nil {
				d = *cur.doneOn
			}
			doneOn = &d
		}
		if _, err := tx.Exec(ctx, `UPDATE incident_actions SET done_on = @done, updated_by = @actor, updated_at = now(),
				version = version + 1 WHERE entity_id = @entity AND id = @id`,
			pgx.StrictNamedArgs{"entity": actor.EntityID, "id": actionID, "done": doneOn, "actor": actor.UserID}); err != nil {
			return err
		}
		str := func(t *time.Time) string {
			if t == nil {
				return ""
			}
			return t.Format(time.DateOnly)
		}
		if str(cur.doneOn) == str(doneOn) {
			return nil
		}
		return audit.Record(ctx, tx, audit.Event{EntityID: actor.EntityID, Action: "incident.action_done", ObjectType: "incident",
			ObjectID: strconv.FormatInt(incidentID, 10), Before: map[string]any{"done_on": str(cur.doneOn)},
			After: map[string]any{"title": inc.Title, "action_title": cur.title, "done_on": str(doneOn)}})
	})
}
