// Package measure owns the ten zorgplicht measures of Art. 21(2) NIS2 and
// their requirements (Reg. 2024/2690) per entity: applicability, maturity,
// status, owner and due date, the derived maturity of a measure, and the
// proportionality inputs and results. It knows nothing of HTTP or HTML.
package measure

import (
	"context"
	"fmt"
	"math"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/weerbaar/weerbaar/internal/db"
)

// Status is the implementation status of a requirement or measure.
type Status string

// The statuses, in order of progress.
const (
	NotStarted  Status = "not_started"
	InProgress  Status = "in_progress"
	Implemented Status = "implemented"
	Verified    Status = "verified"
)

// Statuses lists the statuses in order of progress.
var Statuses = []Status{NotStarted, InProgress, Implemented, Verified}

// Done reports whether the status counts as in place.
func (s Status) Done() bool { return s == Implemented || s == Verified }

// Requirement is a catalogue requirement with the entity's state of it.
type Requirement struct {
	Code             string     `db:"code"`
	Section          int        `db:"section"`
	TitleNL          string     `db:"title_nl"`
	TitleEN          string     `db:"title_en"`
	TextNL           string     `db:"text_nl"`
	TextEN           string     `db:"text_en"`
	Source           string     `db:"source"`
	ISOControls      []string   `db:"iso_controls"`
	WhereAppropriate bool       `db:"where_appropriate"`
	Measures         []string   `db:"measures"`
	Applicable       bool       `db:"applicable"`
	Justification    string     `db:"justification"`
	Maturity         int        `db:"maturity"`
	Status           Status     `db:"status"`
	OwnerID          *int64     `db:"owner_id"`
	OwnerName        string     `db:"owner_name"`
	DueDate          *time.Time `db:"due_date"`
	Notes            string     `db:"notes"`
	UpdatedAt        *time.Time `db:"updated_at"`
	UpdatedBy        string     `db:"updated_by_name"`
	Version          int        `db:"version"`
}

// Overdue reports whether the due date has passed while the work is not done.
func (r Requirement) Overdue(today time.Time) bool {
	return r.Applicable && r.DueDate != nil && r.DueDate.Before(today) && !r.Status.Done()
}

// Serves reports whether the requirement serves measure code.
func (r Requirement) Serves(code string) bool {
	for _, m := range r.Measures {
		if m == code {
			return true
		}
	}
	return false
}

const requirementSelect = `SELECT q.code, q.section, q.title_nl, q.title_en, q.text_nl, q.text_en, q.source, q.iso_controls,
		q.where_appropriate,
		ARRAY(SELECT rm.measure_code::text FROM requirement_measures rm WHERE rm.requirement_code = q.code ORDER BY rm.measure_code) AS measures,
		coalesce(s.applicable, true) AS applicable, coalesce(s.justification, '') AS justification,
		coalesce(s.maturity, 0) AS maturity, coalesce(s.status, 'not_started') AS status, s.owner_id,
		coalesce(o.name, '') AS owner_name, s.due_date, coalesce(s.notes, '') AS notes, s.updated_at,
		coalesce(u.name, '') AS updated_by_name, coalesce(s.version, 0) AS version
	FROM requirements q
	LEFT JOIN entity_requirements s ON s.requirement_code = q.code AND s.entity_id = @entity
	LEFT JOIN users o ON o.id = s.owner_id
	LEFT JOIN users u ON u.id = s.updated_by`

// Requirements lists every catalogue requirement with the entity's state,
// in catalogue order. Requirements never touched have version 0.
func Requirements(ctx context.Context, q db.Querier, entityID int64) ([]Requirement, error) {
	rows, err := q.Query(ctx, requirementSelect+` ORDER BY q.ordinal`, pgx.StrictNamedArgs{"entity": entityID})
	if err != nil {
		return nil, fmt.Errorf("requirements of entity %d: %w", entityID, err)
	}
	return pgx.CollectRows(rows, pgx.RowToStructByName[Requirement])
}

// GetRequirement returns one requirement with the entity's state, or
// db.ErrNotFound for an unknown code.
func GetRequirement(ctx context.Context, q db.Querier, entityID int64, code string) (Requirement, error) {
	rows, err := q.Query(ctx, requirementSelect+` WHERE q.code = @code`, pgx.StrictNamedArgs{"entity": entityID, "code": code})
	if err != nil {
		return Requirement{}, fmt.Errorf("requirement %s: %w", code, err)
	}
	r, err := pgx.CollectExactlyOneRow(rows, pgx.RowToStructByName[Requirement])
	if err != nil {
		return Requirement{}, fmt.Errorf("requirement %s: %w", code, db.MapError(err))
	}
	return r, nil
}

// Measure is one of the ten measures with the entity's state of it.
type Measure struct {
	Code             string     `db:"code"`
	LabelNL          string     `db:"label_nl"`
	LabelEN          string     `db:"label_en"`
	StatuteNL        string     `db:"statute_nl"`
	StatuteEN        string     `db:"statute_en"`
	ExplanationNL    string     `db:"explanation_nl"`
	ExplanationEN    string     `db:"explanation_en"`
	Source           string     `db:"source"`
	ISOControls      []string   `db:"iso_controls"`
	ISOClauses       []string   `db:"iso_clauses"`
	Applicable       bool       `db:"applicable"`
	Justification    string     `db:"justification"`
	MaturityOverride *int       `db:"maturity_override"`
	OverrideReason   string     `db:"override_reason"`
	StatusOverride   *Status    `db:"status_override"` // set by hand with StatusReason; nil: derived (CurrentStatus)
	StatusReason     string     `db:"status_reason"`
	OwnerID          *int64     `db:"owner_id"`
	OwnerName        string     `db:"owner_name"`
	DueDate          *time.Time `db:"due_date"`
	Notes            string     `db:"notes"`
	UpdatedAt        *time.Time `db:"updated_at"`
	UpdatedBy        string     `db:"updated_by_name"`
	Version          int        `db:"version"`
}

const measureSelect = `SELECT m.code::text AS code, m.label_nl, m.label_en, m.statute_nl, m.statute_en, m.explanation_nl,
		m.explanation_en, m.source, m.iso_controls, m.iso_clauses,
		coalesce(s.applicable, true) AS applicable, coalesce(s.justification, '') AS justification,
		s.maturity_override::int AS maturity_override, coalesce(s.override_reason, '') AS override_reason,
		s.status_override, coalesce(s.status_reason, '') AS status_reason, s.owner_id, coalesce(o.name, '') AS owner_name, s.due_date,
		coalesce(s.notes, '') AS notes, s.updated_at, coalesce(u.name, '') AS updated_by_name, coalesce(s.version, 0) AS version
	FROM measures m
	LEFT JOIN entity_measures s ON s.measure_code = m.code AND s.entity_id = @entity
	LEFT JOIN users o ON o.id = s.owner_id
	LEFT JOIN users u ON u.id = s.updated_by`

// Measures lists the ten measures with the entity's state, a to j.
func Measures(ctx context.Context, q db.Querier, entityID int64) ([]Measure, error) {
	rows, err := q.Query(ctx, measureSelect+` ORDER BY m.ordinal`, pgx.StrictNamedArgs{"entity": entityID})
	if err != nil {
		return nil, fmt.Errorf("measures of entity %d: %w", entityID, err)
	}
	return pgx.CollectRows(rows, pgx.RowToStructByName[Measure])
}

// GetMeasure returns one measure, or db.ErrNotFound for an unknown code.
func GetMeasure(ctx context.Context, q db.Querier, entityID int64, code string) (Measure, error) {
	rows, err := q.Query(ctx, measureSelect+` WHERE m.code = @code`, pgx.StrictNamedArgs{"entity": entityID, "code": code})
	if err != nil {
		return Measure{}, fmt.Errorf("measure %s: %w", code, err)
	}
	m, err := pgx.CollectExactlyOneRow(rows, pgx.RowToStructByName[Measure])
	if err != nil {
		return Measure{}, fmt.Errorf("measure %s: %w", code, db.MapError(err))
	}
	return m, nil
}

// Maturity is a measure's current maturity and how it was arrived at.
type Maturity struct {
	// Value is 0..5 with one decimal.
	Value float64
	// Applicable is the number of applicable requirements it is derived from.
	Applicable int
	// Overridden is true when the entity set the value with a reason.
	Overridden bool
	Reason     string
}

// CurrentMaturity derives a measure's maturity: the mean maturity of the
// applicable requirements that serve it (one decimal), unless the entity set
// it explicitly with a reason. The mean, not the minimum, because one
// immature requirement should lower the picture without hiding the rest; the
// requirements list shows the weakest ones.
func CurrentMaturity(m Measure, reqs []Requirement) Maturity {
	if m.MaturityOverride != nil {
		return Maturity{Value: float64(*m.MaturityOverride), Overridden: true, Reason: m.OverrideReason}
	}
	sum, n := 0, 0
	for _, r := range reqs {
		if r.Applicable && r.Serves(m.Code) {
			sum += r.Maturity
			n++
		}
	}
	if n == 0 {
		return Maturity{}
	}
	return Maturity{Value: math.Round(float64(sum)*10/float64(n)) / 10, Applicable: n}
}

// Progress is a measure's implementation status and how it was arrived at.
type Progress struct {
	Value Status
	// Overridden is true when the entity set the status by hand with a reason.
	Overridden bool
	Reason     string
	// Done and Applicable count the applicable requirements serving the
	// measure that are implemented or verified, and all of them.
	Done, Applicable int
}

// CurrentStatus derives a measure's status from the applicable requirements
// that serve it, unless the entity set it with a reason (as with
// CurrentMaturity): none applicable or all not started is not started; all
// verified is verified; all implemented or verified is implemented;
// anything else is in progress. Requirements that do not apply do not count.
func CurrentStatus(m Measure, reqs []Requirement) Progress {
	var p Progress
	notStarted, verified := 0, 0
	for _, r := range reqs {
		if !r.Applicable || !r.Serves(m.Code) {
			continue
		}
		p.Applicable++
		switch {
		case r.Status == NotStarted:
			notStarted++
		case r.Status == Verified:
			verified++
		}
		if r.Status.Done() {
			p.Done++
		}
	}
	switch {
	case m.StatusOverride != nil:
		p.Value, p.Overridden, p.Reason = *m.StatusOverride, true, m.StatusReason
	case notStarted == p.Applicable:
		p.Value = NotStarted
	case verified == p.Applicable:
		p.Value = Verified
	case p.Done == p.Applicable:
		p.Value = Implemented
	default:
		p.Value = InProgress
	}
	return p
}
