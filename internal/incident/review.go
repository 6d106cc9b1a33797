package incident

import (
	"context"
	"encoding/json"
	"errors"
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

// ActionInput is the form of a follow-up action; Version is the action's
// when it is changed (unused when it is added).
type ActionInput struct {
	Title, RequirementCode, OwnerID, DueDate string
	Version                                  int
}

// actionFields are a valid action form's values.
type actionFields struct {
	title, code string
	owner       int64
	due         time.Time
}

// checkAction validates an action form in tx: known reports whether a
// requirement code is in the entity's edition; the owner must be an
// accepted member of the entity.
func checkAction(ctx context.Context, tx pgx.Tx, entityID int64, in ActionInput, known func(code string) bool) (actionFields, error) {
	errs := validate.Errors{}
	f := actionFields{title: strings.TrimSpace(in.Title), code: strings.TrimSpace(in.RequirementCode)}
	if f.title == "" || len([]rune(f.title)) > 200 {
		errs.Add("action_title", "incident.review.error.action_title")
	}
	if !known(f.code) {
		errs.Add("requirement", "validate.choice")
	}
	var derr error
	if f.due, derr = time.Parse(time.DateOnly, strings.TrimSpace(in.DueDate)); derr != nil {
		errs.Add("due_date", "validate.date")
	}
	member := false
	owner, oerr := strconv.ParseInt(strings.TrimSpace(in.OwnerID), 10, 64)
	if oerr == nil {
		if err := tx.QueryRow(ctx, `SELECT EXISTS (SELECT 1 FROM memberships WHERE entity_id = @entity AND user_id = @user
				AND accepted_at IS NOT NULL)`, pgx.StrictNamedArgs{"entity": entityID, "user": owner}).Scan(&member); err != nil {
			return f, err
		}
	}
	if !member {
		errs.Add("owner", "validate.choice")
	}
	f.owner = owner
	return f, errs.Err()
}

func (f actionFields) audit() map[string]any {
	return map[string]any{"action_title": f.title, "requirement": f.code, "owner_id": f.owner, "due_date": f.due.Format(time.DateOnly)}
}

// AddAction adds a follow-up action to an incident's review, audit-logged.
func AddAction(ctx context.Context, pool *pgxpool.Pool, actor authz.Actor, incidentID int64, in ActionInput,
	known func(code string) bool) error {
	return db.InTx(ctx, pool, func(tx pgx.Tx) error {
		inc, err := Get(ctx, tx, actor.EntityID, incidentID)
		if err != nil {
			return err
		}
		f, err := checkAction(ctx, tx, actor.EntityID, in, known)
		if err != nil {
			return err
		}
		if _, err := tx.Exec(ctx, `INSERT INTO incident_actions (entity_id, incident_id, title, requirement_code, owner_id,
				due_date, created_by, updated_by)
			VALUES (@entity, @incident, @title, @code, @owner, @due, @actor, @actor)`,
			pgx.StrictNamedArgs{"entity": actor.EntityID, "incident": incidentID, "title": f.title, "code": f.code, "owner": f.owner,
				"due": f.due, "actor": actor.UserID}); err != nil {
			return fmt.Errorf("add follow-up action: %w", db.MapError(err))
		}
		return audit.Record(ctx, tx, audit.Event{EntityID: actor.EntityID, Action: "incident.action_added", ObjectType: "incident",
			ObjectID: strconv.FormatInt(incidentID, 10), After: mergeName(f.audit(), inc.Title)})
	})
}

// GetAction reads one follow-up action of an incident; another entity's
// or another incident's action is db.ErrNotFound.
func GetAction(ctx context.Context, q db.Querier, entityID, incidentID, actionID int64) (Action, error) {
	var raw []byte
	if err := q.QueryRow(ctx, `SELECT `+actionsColumn(`a.incident_id = @incident AND a.id = @id`),
		pgx.StrictNamedArgs{"entity": entityID, "incident": incidentID, "id": actionID}).Scan(&raw); err != nil {
		return Action{}, fmt.Errorf("follow-up action %d: %w", actionID, err)
	}
	list, err := ParseActions(raw)
	if err != nil {
		return Action{}, err
	}
	if len(list) == 0 {
		return Action{}, fmt.Errorf("follow-up action %d: %w", actionID, db.ErrNotFound)
	}
	return list[0], nil
}

// ActionConflict is returned when a follow-up action changed after its
// form was opened; Current is the action as saved.
type ActionConflict struct{ Current Action }

func (e *ActionConflict) Error() string { return "changed by someone else meanwhile" }

// Unwrap lets callers test for db.ErrConflict.
func (e *ActionConflict) Unwrap() error { return db.ErrConflict }

// lockAction loads an action for a change and checks its version.
func lockAction(ctx context.Context, tx pgx.Tx, entityID, incidentID, actionID int64, version int) (Action, error) {
	if _, err := tx.Exec(ctx, `SELECT 1 FROM incident_actions WHERE entity_id = @entity AND incident_id = @incident AND id = @id FOR UPDATE`,
		pgx.StrictNamedArgs{"entity": entityID, "incident": incidentID, "id": actionID}); err != nil {
		return Action{}, err
	}
	cur, err := GetAction(ctx, tx, entityID, incidentID, actionID)
	if err != nil {
		return cur, err
	}
	if cur.Version != version {
		return cur, &ActionConflict{Current: cur}
	}
	return cur, nil
}

func (a Action) fields() map[string]any {
	owner := int64(0)
	if a.OwnerID != nil {
		owner = *a.OwnerID
	}
	return map[string]any{"action_title": a.Title, "requirement": a.RequirementCode, "owner_id": owner,
		"due_date": a.DueDate.Format(time.DateOnly)}
}

// UpdateAction changes a follow-up action's title, requirement, owner and
// due date after a version check, audit-logged with before and after.
func UpdateAction(ctx context.Context, pool *pgxpool.Pool, actor authz.Actor, incidentID, actionID int64, in ActionInput,
	known func(code string) bool) error {
	return db.InTx(ctx, pool, func(tx pgx.Tx) error {
		inc, err := Get(ctx, tx, actor.EntityID, incidentID)
		if err != nil {
			return err
		}
		cur, err := lockAction(ctx, tx, actor.EntityID, incidentID, actionID, in.Version)
		if err != nil {
			return err
		}
		f, err := checkAction(ctx, tx, actor.EntityID, in, known)
		if err != nil {
			return err
		}
		if _, err := tx.Exec(ctx, `UPDATE incident_actions SET title = @title, requirement_code = @code, owner_id = @owner,
				due_date = @due, updated_by = @actor, updated_at = now(), version = version + 1
			WHERE entity_id = @entity AND id = @id`, pgx.StrictNamedArgs{"entity": actor.EntityID, "id": actionID,
			"title": f.title, "code": f.code, "owner": f.owner, "due": f.due, "actor": actor.UserID}); err != nil {
			return fmt.Errorf("change follow-up action %d: %w", actionID, db.MapError(err))
		}
		before, after := audit.Diff(cur.fields(), f.audit())
		if len(after) == 0 {
			return nil
		}
		return audit.Record(ctx, tx, audit.Event{EntityID: actor.EntityID, Action: "incident.action_changed", ObjectType: "incident",
			ObjectID: strconv.FormatInt(incidentID, 10), Before: before,
			After: mergeName(mergeActionTitle(after, f.title), inc.Title)})
	})
}

// DeleteAction removes a follow-up action after a version check; the audit
// log keeps what it was.
func DeleteAction(ctx context.Context, pool *pgxpool.Pool, actor authz.Actor, incidentID, actionID int64, version int) error {
	return db.InTx(ctx, pool, func(tx pgx.Tx) error {
		inc, err := Get(ctx, tx, actor.EntityID, incidentID)
		if err != nil {
			return err
		}
		cur, err := lockAction(ctx, tx, actor.EntityID, incidentID, actionID, version)
		if err != nil {
			return err
		}
		if _, err := tx.Exec(ctx, `DELETE FROM incident_actions WHERE entity_id = @entity AND id = @id`,
			pgx.StrictNamedArgs{"entity": actor.EntityID, "id": actionID}); err != nil {
			return fmt.Errorf("delete follow-up action %d: %w", actionID, err)
		}
		return audit.Record(ctx, tx, audit.Event{EntityID: actor.EntityID, Action: "incident.action_deleted", ObjectType: "incident",
			ObjectID: strconv.FormatInt(incidentID, 10), Before: cur.fields(), After: map[string]any{"title": inc.Title}})
	})
}

// mergeActionTitle names the action in a change's after-values so the audit
// sentence says which action changed even when its title did not.
func mergeActionTitle(m map[string]any, title string) map[string]any {
	if _, ok := m["action_title"]; !ok {
		m["action_title"] = title
	}
	return m
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
		if dayString(cur.doneOn) == dayString(doneOn) {
			return nil
		}
		return audit.Record(ctx, tx, audit.Event{EntityID: actor.EntityID, Action: "incident.action_done", ObjectType: "incident",
			ObjectID: strconv.FormatInt(incidentID, 10), Before: map[string]any{"done_on": dayString(cur.doneOn)},
			After: map[string]any{"title": inc.Title, "action_title": cur.title, "done_on": dayString(doneOn)}})
	})
}

// IsActionConflict reports whether err is a follow-up action's version
// conflict.
func IsActionConflict(err error) (*ActionConflict, bool) {
	var c *ActionConflict
	ok := errors.As(err, &c)
	return c, ok
}

// dayString is a date as the audit log stores it ("" for none), for the
// done dates of follow-up actions.
func dayString(t *time.Time) string {
	if t == nil {
		return ""
	}
	return t.Format(time.DateOnly)
}
