// Package training keeps the training of the management body (art. 20
// lid 2 NIS2, Cbw art. 24): each board member's appointment date, training
// records (course, provider, dates, topics, certificate and its validity)
// and, from them, who still needs a valid certificate and by when. The
// certificate file is evidence attached to the record. The status rules
// are pure (status.go); this file is the store. It knows nothing of HTTP.
package training

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

// ErrForbidden is returned when a board member changes another member's
// training or appointment: board members keep their own records.
var ErrForbidden = errors.New("board members record their own training only")

// Conflict is returned when a record changed after the form was opened;
// Current holds the saved version.
type Conflict struct{ Current Record }

func (e *Conflict) Error() string { return "changed by someone else meanwhile" }

// Unwrap lets callers test for db.ErrConflict.
func (e *Conflict) Unwrap() error { return db.ErrConflict }

// Record is one training a member followed.
type Record struct {
	ID          int64      `db:"id"`
	UserID      int64      `db:"user_id"`
	MemberName  string     `db:"member_name"`
	Course      string     `db:"course"`
	Provider    string     `db:"provider"`
	StartedOn   *time.Time `db:"started_on"`
	CompletedOn time.Time  `db:"completed_on"`
	Topics      string     `db:"topics"`
	Certified   bool       `db:"certified"`
	ValidUntil  *time.Time `db:"valid_until"`
	UpdatedBy   string     `db:"updated_by"`
	UpdatedAt   time.Time  `db:"updated_at"`
	Version     int        `db:"version"`
}

func (r Record) certificate() Certificate {
	return Certificate{Completed: r.CompletedOn, Certified: r.Certified, ValidUntil: r.ValidUntil}
}

const recordColumns = `t.id, t.user_id, coalesce(m.invited_name, mu.name) AS member_name, t.course, t.provider, t.started_on,
	t.completed_on, t.topics, t.certified, t.valid_until, coalesce(u.name, '') AS updated_by, t.updated_at, t.version
	FROM training_records t JOIN users mu ON mu.id = t.user_id
	LEFT JOIN memberships m ON m.entity_id = t.entity_id AND m.user_id = t.user_id
	LEFT JOIN users u ON u.id = t.updated_by`

// GetRecord loads one record of the entity.
func GetRecord(ctx context.Context, q db.Querier, entityID, id int64) (Record, error) {
	return db.GetOne[Record](ctx, q, fmt.Sprintf("load training record %d", id),
		`SELECT `+recordColumns+` WHERE t.entity_id = @entity AND t.id = @id`, pgx.StrictNamedArgs{"entity": entityID, "id": id})
}

// Member is a person whose training the entity follows: every board member,
// and any other member with a training record.
type Member struct {
	UserID             int64
	Name               string
	Board              bool
	AppointedOn        *time.Time
	AppointmentVersion int
	Records            []Record // newest first
	Assessment         Assessment
}

// Current is the record that counts for the member's status, if any.
func (m Member) Current() *Record {
	if m.Assessment.Best < 0 {
		return nil
	}
	return &m.Records[m.Assessment.Best]
}

// Overview lists the entity's board members (then others with records),
// each with records and status on day. Two queries.
func Overview(ctx context.Context, q db.Querier, entityID int64, day time.Time) ([]Member, error) {
	rows, err := q.Query(ctx, `SELECT m.user_id, coalesce(m.invited_name, u.name), m.role = 'board_member', a.appointed_on,
			coalesce(a.version, 0)
		FROM memberships m JOIN users u ON u.id = m.user_id
		LEFT JOIN board_appointments a ON a.entity_id = m.entity_id AND a.user_id = m.user_id
		WHERE m.entity_id = @entity AND m.accepted_at IS NOT NULL
			AND (m.role = 'board_member' OR EXISTS (SELECT 1 FROM training_records t WHERE t.entity_id = m.entity_id AND t.user_id = m.user_id))
		ORDER BY m.role <> 'board_member', lower(coalesce(m.invited_name, u.name)), m.user_id`, pgx.StrictNamedArgs{"entity": entityID})
	if err != nil {
		return nil, fmt.Errorf("training members of entity %d: %w", entityID, err)
	}
	var members []Member
	index := map[int64]int{}
	for rows.Next() {
		var m Member
		if err := rows.Scan(&m.UserID, &m.Name, &m.Board, &m.AppointedOn, &m.AppointmentVersion); err != nil {
			rows.Close()
			return nil, err
		}
		index[m.UserID] = len(members)
		members = append(members, m)
	}
	if err := rows.Err(); err != nil {
		return nil, err
	}
	rows, err = q.Query(ctx, `SELECT `+recordColumns+` WHERE t.entity_id = @entity ORDER BY t.completed_on DESC, t.id DESC`,
		pgx.StrictNamedArgs{"entity": entityID})
	if err != nil {
		return nil, fmt.Errorf("training records of entity %d: %w", entityID, err)
	}
	records, err := pgx.CollectRows(rows, pgx.RowToStructByName[Record])
	if err != nil {
		return nil, fmt.Errorf("training records of entity %d: %w", entityID, err)
	}
	for _, r := range records {
		if i, ok := index[r.UserID]; ok {
			members[i].Records = append(members[i].Records, r)
		}
	}
	for i := range members {
		certs := make([]Certificate, len(members[i].Records))
		for k, r := range members[i].Records {
			certs[k] = r.certificate()
		}
		members[i].Assessment = Assess(members[i].AppointedOn, certs, day)
	}
	return members, nil
}

// RecordInput is the training record form as submitted.
type RecordInput struct {
	UserID                             string
	Course, Provider, Topics           string
	StartedOn, CompletedOn, ValidUntil string
	Certified                          bool
	Version                            int
}

type parsedRecord struct {
	userID                        int64
	course, provider, topics      string
	startedOn, completedOn, until *time.Time
	certified                     bool
}

func (p parsedRecord) fields() map[string]any {
	return map[string]any{"user_id": p.userID, "course": p.course, "provider": p.provider, "topics": p.topics,
		"started_on": dateString(p.startedOn), "completed_on": dateString(p.completedOn), "certified": p.certified,
		"valid_until": dateString(p.until)}
}

func (r Record) fields() map[string]any {
	c := r.CompletedOn
	return parsedRecord{userID: r.UserID, course: r.Course, provider: r.Provider, topics: r.Topics, startedOn: r.StartedOn,
		completedOn: &c, until: r.ValidUntil, certified: r.Certified}.fields()
}

func dateString(t *time.Time) string {
	if t == nil {
		return ""
	}
	return t.Format("2006-01-02")
}

// parse validates the form; members are the entity's accepted members.
func (in RecordInput) parse(members map[int64]bool) (parsedRecord, error) {
	errs := validate.Errors{}
	p := parsedRecord{course: strings.TrimSpace(in.Course), provider: strings.TrimSpace(in.Provider),
		topics: strings.TrimSpace(in.Topics), certified: in.Certified}
	uid, err := strconv.ParseInt(in.UserID, 10, 64)
	if err != nil || !members[uid] {
		errs.Add("user_id", "validate.choice")
	}
	p.userID = uid
	if p.course == "" || len([]rune(p.course)) > 200 {
		errs.Add("course", "training.error.course")
	}
	if p.provider == "" || len([]rune(p.provider)) > 200 {
		errs.Add("provider", "training.error.provider")
	}
	if len([]rune(p.topics)) > 2000 {
		errs.Add("topics", "validate.too_long")
	}
	date := func(field, v string, required bool) *time.Time {
		v = strings.TrimSpace(v)
		if v == "" {
			if required {
				errs.Add(field, "validate.required")
			}
			return nil
		}
		d, err := time.Parse("2006-01-02", v)
		if err != nil || d.Year() < 1950 || d.Year() > 2200 {
			errs.Add(field, "validate.date")
			return nil
		}
		return &d
	}
	p.startedOn = date("started_on", in.StartedOn, false)
	p.completedOn = date("completed_on", in.CompletedOn, true)
	p.until = date("valid_until", in.ValidUntil, false)
	if p.startedOn != nil && p.completedOn != nil && p.startedOn.After(*p.completedOn) {
		errs.Add("started_on", "training.error.started_after")
	}
	if p.until != nil && p.completedOn != nil && p.until.Before(*p.completedOn) {
		errs.Add("valid_until", "training.error.until_before")
	}
	if p.until != nil && !p.certified {
		errs.Add("valid_until", "training.error.until_without_certificate")
	}
	return p, errs.Err()
}

// mayRecordFor reports whether actor may change the training of user:
// officers and admins for anyone, a board member for themselves.
func mayRecordFor(actor authz.Actor, userID int64) bool {
	return actor.Role != authz.BoardMember || actor.UserID == userID
}

func acceptedMembers(ctx context.Context, q db.Querier, entityID int64) (map[int64]bool, error) {
	rows, err := q.Query(ctx, `SELECT user_id FROM memberships WHERE entity_id = @entity AND accepted_at IS NOT NULL`,
		pgx.StrictNamedArgs{"entity": entityID})
	if err != nil {
		return nil, err
	}
	ids, err := pgx.CollectRows(rows, pgx.RowTo[int64])
	set := make(map[int64]bool, len(ids))
	for _, id := range ids {
		set[id] = true
	}
	return set, err
}

// SaveRecord creates (id 0) or updates a training record after a version
// check, audit-logged in the same transaction.
func SaveRecord(ctx context.Context, pool *pgxpool.Pool, actor authz.Actor, id int64, in RecordInput) (Record, error) {
	var saved Record
	err := db.InTx(ctx, pool, func(tx pgx.Tx) error {
		members, err := acceptedMembers(ctx, tx, actor.EntityID)
		if err != nil {
			return err
		}
		p, err := in.parse(members)
		if err != nil {
			return err
		}
		var cur Record
		if id != 0 {
			if cur, err = GetRecord(ctx, tx, actor.EntityID, id); err != nil {
				return err
			}
			if !mayRecordFor(actor, cur.UserID) {
				return ErrForbidden
			}
		}
		if !mayRecordFor(actor, p.userID) {
			return ErrForbidden
		}
		args := pgx.StrictNamedArgs{"entity": actor.EntityID, "user": p.userID, "course": p.course,
			"provider": p.provider, "topics": p.topics, "started": p.startedOn, "completed": p.completedOn,
			"certified": p.certified, "until": p.until, "actor": actor.UserID}
		if id == 0 {
			err = tx.QueryRow(ctx, `INSERT INTO training_records (entity_id, user_id, course, provider, topics, started_on,
					completed_on, certified, valid_until, created_by, updated_by)
				VALUES (@entity, @user, @course, @provider, @topics, @started, @completed, @certified, @until, @actor, @actor)
				RETURNING id`, args).Scan(&id)
		} else {
			args["id"], args["version"] = id, in.Version
			var tag interface{ RowsAffected() int64 }
			tag, err = tx.Exec(ctx, `UPDATE training_records SET user_id = @user, course = @course, provider = @provider,
					topics = @topics, started_on = @started, completed_on = @completed, certified = @certified,
					valid_until = @until, updated_by = @actor, updated_at = now(), version = version + 1
				WHERE entity_id = @entity AND id = @id AND version = @version`, args)
			if err == nil && tag.RowsAffected() == 0 {
				return &Conflict{Current: cur}
			}
		}
		if err != nil {
			return fmt.Errorf("save training record: %w", db.MapError(err))
		}
		ev := audit.Event{EntityID: actor.EntityID, Action: "training.record_created", ObjectType: "training_record",
			ObjectID: strconv.FormatInt(id, 10), After: p.fields()}
		if cur.ID != 0 {
			ev.Action = "training.record_changed"
			ev.Before, ev.After = audit.Diff(cur.fields(), p.fields())
		}
		if err := audit.Record(ctx, tx, ev); err != nil {
			return err
		}
		saved, err = GetRecord(ctx, tx, actor.EntityID, id)
		return err
	})
	return saved, err
}

// DeleteRecord removes a record that has no evidence attached (a
// certificate is evidence and is never silently dropped), after a version
// check, audit-logged.
func DeleteRecord(ctx context.Context, pool *pgxpool.Pool, actor authz.Actor, id int64, version int) error {
	return db.InTx(ctx, pool, func(tx pgx.Tx) error {
		cur, err := GetRecord(ctx, tx, actor.EntityID, id)
		if err != nil {
			return err
		}
		if !mayRecordFor(actor, cur.UserID) {
			return ErrForbidden
		}
		if cur.Version != version {
			return &Conflict{Current: cur}
		}
		var attached bool
		if err := tx.QueryRow(ctx, `SELECT EXISTS (SELECT 1 FROM evidence_items WHERE entity_id = @entity
				AND subject_type = @type AND subject_ref = @ref)`, pgx.StrictNamedArgs{"entity": actor.EntityID,
			"type": SubjectRecord, "ref": strconv.FormatInt(id, 10)}).Scan(&attached); err != nil {
			return err
		}
		if attached {
			return ErrHasEvidence
		}
		if _, err := tx.Exec(ctx, `DELETE FROM training_records WHERE entity_id = @entity AND id = @id`,
			pgx.StrictNamedArgs{"entity": actor.EntityID, "id": id}); err != nil {
			return err
		}
		return audit.Record(ctx, tx, audit.Event{EntityID: actor.EntityID, Action: "training.record_deleted",
			ObjectType: "training_record", ObjectID: strconv.FormatInt(id, 10), Before: cur.fields()})
	})
}

// ErrHasEvidence is returned when a record to delete still has evidence.
var ErrHasEvidence = errors.New("the record has evidence attached")

// SaveAppointment stores the date a member was appointed to the board,
// version-checked (0: none stored yet), audit-logged.
func SaveAppointment(ctx context.Context, pool *pgxpool.Pool, actor authz.Actor, userID int64, date string, version int) error {
	return db.InTx(ctx, pool, func(tx pgx.Tx) error {
		var role string
		var before *time.Time
		var curVersion int
		err := tx.QueryRow(ctx, `SELECT m.role, a.appointed_on, coalesce(a.version, 0) FROM memberships m
			LEFT JOIN board_appointments a ON a.entity_id = m.entity_id AND a.user_id = m.user_id
			WHERE m.entity_id = @entity AND m.user_id = @user AND m.accepted_at IS NOT NULL FOR UPDATE OF m`,
			pgx.StrictNamedArgs{"entity": actor.EntityID, "user": userID}).Scan(&role, &before, &curVersion)
		if err != nil {
			return fmt.Errorf("member %d: %w", userID, db.MapError(err))
		}
		if role != string(authz.BoardMember) {
			return db.ErrNotFound
		}
		// The member is looked up first: another entity's member is absent,
		// whatever the date.
		d, err := time.Parse("2006-01-02", strings.TrimSpace(date))
		if err != nil || d.Year() < 1950 || d.Year() > 2200 {
			return validate.Errors{"appointed_on": "validate.date"}.Err()
		}
		if !mayRecordFor(actor, userID) {
			return ErrForbidden
		}
		if curVersion != version {
			return &Conflict{}
		}
		if _, err := tx.Exec(ctx, `INSERT INTO board_appointments AS a (entity_id, user_id, appointed_on, updated_by)
			VALUES (@entity, @user, @date, @actor)
			ON CONFLICT (entity_id, user_id) DO UPDATE SET appointed_on = excluded.appointed_on,
				updated_by = excluded.updated_by, updated_at = now(), version = a.version + 1`,
			pgx.StrictNamedArgs{"entity": actor.EntityID, "user": userID, "date": d, "actor": actor.UserID}); err != nil {
			return fmt.Errorf("save appointment: %w", err)
		}
		return audit.Record(ctx, tx, audit.Event{EntityID: actor.EntityID, Action: "training.appointment_set",
			ObjectType: "board_appointment", ObjectID: strconv.FormatInt(userID, 10),
			Before: map[string]any{"appointed_on": dateString(before)}, After: map[string]any{"appointed_on": d.Format("2006-01-02")}})
	})
}

// OwnColumn is a column expression (arguments @entity and @user) holding
// one member's training as JSON (NULL when the user is no accepted member),
// for pages that fold it into a query of their own; ParseOwn reads it.
const OwnColumn = `(SELECT json_build_object('user_id', m.user_id, 'name', coalesce(m.invited_name, u.name),
		'board', m.role = 'board_member', 'appointed_on', a.appointed_on,
		'records', (SELECT coalesce(json_agg(json_build_object('id', t.id, 'course', t.course, 'provider', t.provider,
			'completed_on', t.completed_on, 'certified', t.certified, 'valid_until', t.valid_until)
			ORDER BY t.completed_on DESC, t.id DESC), '[]')
		 FROM training_records t WHERE t.entity_id = m.entity_id AND t.user_id = m.user_id))
	FROM memberships m JOIN users u ON u.id = m.user_id
	LEFT JOIN board_appointments a ON a.entity_id = m.entity_id AND a.user_id = m.user_id
	WHERE m.entity_id = @entity AND m.user_id = @user AND m.accepted_at IS NOT NULL)`

// ParseOwn reads OwnColumn into the member with their status on day; ok is
// false when the user is neither a board member nor has training records.
func ParseOwn(raw []byte, day time.Time) (m Member, ok bool, err error) {
	if len(raw) == 0 || string(raw) == "null" {
		return m, false, nil
	}
	var own struct {
		UserID      int64   `json:"user_id"`
		Name        string  `json:"name"`
		Board       bool    `json:"board"`
		AppointedOn *string `json:"appointed_on"`
		Records     []struct {
			ID          int64   `json:"id"`
			Course      string  `json:"course"`
			Provider    string  `json:"provider"`
			CompletedOn string  `json:"completed_on"`
			Certified   bool    `json:"certified"`
			ValidUntil  *string `json:"valid_until"`
		} `json:"records"`
	}
	if err := json.Unmarshal(raw, &own); err != nil {
		return m, false, fmt.Errorf("own training: %w", err)
	}
	m = Member{UserID: own.UserID, Name: own.Name, Board: own.Board}
	if m.AppointedOn, err = jsonDate(own.AppointedOn); err != nil {
		return m, false, err
	}
	certs := make([]Certificate, 0, len(own.Records))
	for _, r := range own.Records {
		rec := Record{ID: r.ID, UserID: own.UserID, MemberName: own.Name, Course: r.Course, Provider: r.Provider, Certified: r.Certified}
		completed, err := jsonDate(&r.CompletedOn)
		if err != nil {
			return m, false, err
		}
		rec.CompletedOn = *completed
		if rec.ValidUntil, err = jsonDate(r.ValidUntil); err != nil {
			return m, false, err
		}
		m.Records = append(m.Records, rec)
		certs = append(certs, rec.certificate())
	}
	m.Assessment = Assess(m.AppointedOn, certs, day)
	return m, m.Board || len(m.Records) > 0, nil
}

// jsonDate reads a date as json_build_object writes it ("2026-08-15").
func jsonDate(s *string) (*time.Time, error) {
	if s == nil {
		return nil, nil
	}
	d, err := time.Parse("2006-01-02", *s)
	if err != nil {
		return nil, fmt.Errorf("date %q: %w", *s, err)
	}
	return &d, nil
}
