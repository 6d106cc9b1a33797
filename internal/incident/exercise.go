package incident

import (
	"context"
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
	"github.com/weerbaar/weerbaar/internal/evidence"
	"github.com/weerbaar/weerbaar/internal/validate"
)

// Exercises test the response plan and its playbooks (Annex 3.5 and 4.3 of
// Reg. 2024/2690): a tabletop, technical or full-scale exercise with its
// scenario, participants, lessons and follow-up actions. Their reports
// attach as evidence (SubjectExercise).

// ExerciseKinds are the kinds of exercise, in the form's order.
var ExerciseKinds = []string{"tabletop", "technical", "full_scale"}

// SubjectExercise is the evidence subject type of an exercise (its report,
// the attendance list); the reference is the exercise's id.
const SubjectExercise = "response_exercise"

func init() {
	evidence.Register(evidence.SubjectType{Name: SubjectExercise, Label: "evidence.subject.response_exercise",
		Permission: authz.IncidentEdit,
		URL: func(entityID int64, ref string) string {
			return fmt.Sprintf("/e/%d/incidents/exercises/%s", entityID, ref)
		},
		Exists: evidence.RowExists("response_exercises")})
}

// Exercise is one exercise with its follow-up actions.
type Exercise struct {
	ID           int64            `db:"id"`
	HeldOn       time.Time        `db:"held_on"`
	Kind         string           `db:"kind"`
	Scenario     string           `db:"scenario"`
	PlaybookKey  *string          `db:"playbook_key"`
	Participants string           `db:"participants"`
	Lessons      string           `db:"lessons"`
	UpdatedBy    string           `db:"updated_by"`
	UpdatedAt    time.Time        `db:"updated_at"`
	Version      int              `db:"version"`
	OpenActions  int              `db:"open_actions"`
	Actions      []ExerciseAction `db:"actions"`
}

// ExerciseAction is a follow-up action of an exercise.
type ExerciseAction struct {
	ID        int64      `json:"id"`
	Title     string     `json:"title"`
	OwnerID   *int64     `json:"owner_id"`
	OwnerName string     `json:"owner_name"`
	DueDate   time.Time  `json:"due_date"`
	DoneOn    *time.Time `json:"done_on"`
	Version   int        `json:"version"`
}

// Done reports whether the action has been carried out.
func (a ExerciseAction) Done() bool { return a.DoneOn != nil }

// MaxExercises caps the list.
const MaxExercises = 200

const exerciseSelect = `SELECT e.id, e.held_on::timestamp AT TIME ZONE 'UTC' AS held_on, e.kind, e.scenario, e.playbook_key,
		e.participants, e.lessons, coalesce(u.name, '') AS updated_by, e.updated_at, e.version,
		(SELECT count(*) FROM response_exercise_actions x WHERE x.exercise_id = e.id AND x.done_on IS NULL)::int AS open_actions,
		(SELECT coalesce(json_agg(json_build_object('id', x.id, 'title', x.title, 'owner_id', x.owner_id,
			'owner_name', coalesce(ou.name, ''), 'due_date', x.due_date::timestamp AT TIME ZONE 'UTC',
			'done_on', x.done_on::timestamp AT TIME ZONE 'UTC', 'version', x.version)
			ORDER BY x.done_on IS NOT NULL, x.due_date, x.id), '[]')
		 FROM response_exercise_actions x LEFT JOIN users ou ON ou.id = x.owner_id WHERE x.exercise_id = e.id) AS actions
	FROM response_exercises e LEFT JOIN users u ON u.id = e.updated_by`

// Exercises lists the entity's exercises, newest first, in one query.
func Exercises(ctx context.Context, q db.Querier, entityID int64) ([]Exercise, error) {
	rows, err := q.Query(ctx, exerciseSelect+` WHERE e.entity_id = @entity ORDER BY e.held_on DESC, e.id DESC LIMIT `+
		strconv.Itoa(MaxExercises), pgx.StrictNamedArgs{"entity": entityID})
	if err != nil {
		return nil, fmt.Errorf("exercises of entity %d: %w", entityID, err)
	}
	return pgx.CollectRows(rows, pgx.RowToStructByName[Exercise])
}

// GetExercise loads one exercise of the entity; another entity's id is
// db.ErrNotFound.
func GetExercise(ctx context.Context, q db.Querier, entityID, id int64) (Exercise, error) {
	return db.GetOne[Exercise](ctx, q, fmt.Sprintf("load exercise %d", id),
		exerciseSelect+` WHERE e.entity_id = @entity AND e.id = @id`, pgx.StrictNamedArgs{"entity": entityID, "id": id})
}

// ExerciseInput is the exercise form.
type ExerciseInput struct {
	HeldOn, Kind, Scenario, PlaybookKey, Participants, Lessons string
	Version                                                    int
}

// ExerciseForm is the saved exercise as the form shows it.
func ExerciseForm(e Exercise) ExerciseInput {
	in := ExerciseInput{HeldOn: e.HeldOn.Format(time.DateOnly), Kind: e.Kind, Scenario: e.Scenario,
		Participants: e.Participants, Lessons: e.Lessons, Version: e.Version}
	if e.PlaybookKey != nil {
		in.PlaybookKey = *e.PlaybookKey
	}
	return in
}

// ExerciseConflict is returned when an exercise or one of its actions
// changed after the form was opened; Current is the exercise as saved.
type ExerciseConflict struct{ Current Exercise }

func (e *ExerciseConflict) Error() string { return "changed by someone else meanwhile" }

// Unwrap lets callers test for db.ErrConflict.
func (e *ExerciseConflict) Unwrap() error { return db.ErrConflict }

func (e Exercise) fields() map[string]any {
	pb := ""
	if e.PlaybookKey != nil {
		pb = *e.PlaybookKey
	}
	return map[string]any{"held_on": e.HeldOn.Format(time.DateOnly), "exercise_kind": e.Kind, "scenario": e.Scenario,
		"playbook": pb, "participants": e.Participants, "lessons": e.Lessons}
}

// SaveExercise creates (id 0) or changes an exercise after validation and a
// version check, audit-logged; it returns the exercise's id. An exercise
// cannot lie in the future (it records what happened).
func SaveExercise(ctx context.Context, pool *pgxpool.Pool, actor authz.Actor, id int64, in ExerciseInput, day time.Time) (int64, error) {
	errs := validate.Errors{}
	held, err := time.Parse(time.DateOnly, strings.TrimSpace(in.HeldOn))
	switch {
	case err != nil:
		errs.Add("held_on", "validate.date")
	case held.After(day):
		errs.Add("held_on", "exercise.error.future")
	}
	if !slices.Contains(ExerciseKinds, in.Kind) {
		errs.Add("kind", "validate.choice")
	}
	scenario := strings.TrimSpace(in.Scenario)
	if scenario == "" {
		errs.Add("scenario", "exercise.error.scenario")
	} else if len([]rune(scenario)) > 2000 {
		errs.Add("scenario", "validate.too_long")
	}
	var playbook *string
	if in.PlaybookKey != "" {
		if !slices.Contains(PlaybookKeys, in.PlaybookKey) {
			errs.Add("playbook", "validate.choice")
		}
		playbook = &in.PlaybookKey
	}
	participants, lessons := strings.TrimSpace(in.Participants), strings.TrimSpace(in.Lessons)
	if len([]rune(participants)) > 2000 {
		errs.Add("participants", "validate.too_long")
	}
	if len([]rune(lessons)) > 5000 {
		errs.Add("lessons", "validate.too_long")
	}
	if err := errs.Err(); err != nil {
		return 0, err
	}
	saved := Exercise{HeldOn: held, Kind: in.Kind, Scenario: scenario, PlaybookKey: playbook, Participants: participants, Lessons: lessons}
	err = db.InTx(ctx, pool, func(tx pgx.Tx) error {
		args := pgx.StrictNamedArgs{"entity": actor.EntityID, "held": held, "kind": in.Kind, "scenario": scenario,
			"playbook": playbook, "participants": participants, "lessons": lessons, "actor": actor.UserID}
		if id == 0 {
			if err := tx.QueryRow(ctx, `INSERT INTO response_exercises (entity_id, held_on, kind, scenario, playbook_key,
					participants, lessons, created_by, updated_by)
				VALUES (@entity, @held, @kind, @scenario, @playbook, @participants, @lessons, @actor, @actor) RETURNING id`, args).Scan(&id); err != nil {
				return fmt.Errorf("create exercise: %w", db.MapError(err))
			}
			return audit.Record(ctx, tx, audit.Event{EntityID: actor.EntityID, Action: "exercise.created", ObjectType: "exercise",
				ObjectID: strconv.FormatInt(id, 10), After: saved.fields()})
		}
		cur, err := GetExercise(ctx, tx, actor.EntityID, id)
		if err != nil {
			return err
		}
		if cur.Version != in.Version {
			return &ExerciseConflict{Current: cur}
		}
		args["id"], args["version"] = id, in.Version
		tag, err := tx.Exec(ctx, `UPDATE response_exercises SET held_on = @held, kind = @kind, scenario = @scenario,
				playbook_key = @playbook, participants = @participants, lessons = @lessons, updated_by = @actor,
				updated_at = now(), version = version + 1
			WHERE entity_id = @entity AND id = @id AND version = @version`, args)
		if err != nil {
			return fmt.Errorf("save exercise %d: %w", id, db.MapError(err))
		}
		if tag.RowsAffected() == 0 {
			return &ExerciseConflict{Current: cur}
		}
		before, after := audit.Diff(cur.fields(), saved.fields())
		if len(after) == 0 && len(before) == 0 {
			return nil
		}
		return audit.Record(ctx, tx, audit.Event{EntityID: actor.EntityID, Action: "exercise.updated", ObjectType: "exercise",
			ObjectID: strconv.FormatInt(id, 10), Before: before, After: after})
	})
	return id, err
}

// ExerciseActionInput is the form of an exercise's follow-up action.
type ExerciseActionInput struct {
	Title, OwnerID, DueDate string
}

// AddExerciseAction adds a follow-up action to an exercise, audit-logged;
// the owner must be a member of the entity.
func AddExerciseAction(ctx context.Context, pool *pgxpool.Pool, actor authz.Actor, exerciseID int64, in ExerciseActionInput) error {
	errs := validate.Errors{}
	title := strings.TrimSpace(in.Title)
	if title == "" || len([]rune(title)) > 200 {
		errs.Add("action_title", "incident.review.error.action_title")
	}
	due, derr := time.Parse(time.DateOnly, strings.TrimSpace(in.DueDate))
	if derr != nil {
		errs.Add("due_date", "validate.date")
	}
	owner, oerr := strconv.ParseInt(strings.TrimSpace(in.OwnerID), 10, 64)
	return db.InTx(ctx, pool, func(tx pgx.Tx) error {
		ex, err := GetExercise(ctx, tx, actor.EntityID, exerciseID)
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
		if err := tx.QueryRow(ctx, `INSERT INTO response_exercise_actions (entity_id, exercise_id, title, owner_id, due_date, updated_by)
			VALUES (@entity, @exercise, @title, @owner, @due, @actor) RETURNING id`,
			pgx.StrictNamedArgs{"entity": actor.EntityID, "exercise": exerciseID, "title": title, "owner": owner, "due": due,
				"actor": actor.UserID}).Scan(&id); err != nil {
			return fmt.Errorf("add exercise action: %w", db.MapError(err))
		}
		return audit.Record(ctx, tx, audit.Event{EntityID: actor.EntityID, Action: "exercise.action_added", ObjectType: "exercise",
			ObjectID: strconv.FormatInt(exerciseID, 10), After: map[string]any{"scenario": ex.Scenario, "action_title": title,
				"owner_id": owner, "due_date": due.Format(time.DateOnly)}})
	})
}

// SetExerciseActionDone marks an exercise's follow-up action done on day,
// or open again, after a version check, audit-logged.
func SetExerciseActionDone(ctx context.Context, pool *pgxpool.Pool, actor authz.Actor, exerciseID, actionID int64, done bool,
	version int, day time.Time) error {
	return db.InTx(ctx, pool, func(tx pgx.Tx) error {
		ex, err := GetExercise(ctx, tx, actor.EntityID, exerciseID)
		if err != nil {
			return err
		}
		i := slices.IndexFunc(ex.Actions, func(a ExerciseAction) bool { return a.ID == actionID })
		if i < 0 {
			return fmt.Errorf("exercise action %d: %w", actionID, db.ErrNotFound)
		}
		cur := ex.Actions[i]
		if cur.Version != version {
			return &ExerciseConflict{Current: ex}
		}
		var doneOn *time.Time
		if done {
			d := day
			if cur.DoneOn != nil {
				d = *cur.DoneOn
			}
			doneOn = &d
		}
		tag, err := tx.Exec(ctx, `UPDATE response_exercise_actions SET done_on = @done, updated_by = @actor, updated_at = now(),
				version = version + 1 WHERE entity_id = @entity AND exercise_id = @exercise AND id = @id AND version = @version`,
			pgx.StrictNamedArgs{"entity": actor.EntityID, "exercise": exerciseID, "id": actionID, "done": doneOn,
				"actor": actor.UserID, "version": version})
		if err != nil {
			return err
		}
		if tag.RowsAffected() == 0 {
			return &ExerciseConflict{Current: ex}
		}
		if dayString(cur.DoneOn) == dayString(doneOn) {
			return nil
		}
		return audit.Record(ctx, tx, audit.Event{EntityID: actor.EntityID, Action: "exercise.action_done", ObjectType: "exercise",
			ObjectID: strconv.FormatInt(exerciseID, 10), Before: map[string]any{"done_on": dayString(cur.DoneOn)},
			After: map[string]any{"scenario": ex.Scenario, "action_title": cur.Title, "done_on": dayString(doneOn)}})
	})
}
