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
	"github.com/weerbaar/weerbaar/internal/i18n"
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
	Title            i18n.Text  `db:"title"`
	Text             i18n.Text  `db:"text"`
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

const requirementSelect = `SELECT q.code, q.section, json_build_object('nl', q.title_nl, 'en', q.title_en) AS title,
		json_build_object('nl', q.text_nl, 'en', q.text_en) AS text, q.source, q.iso_controls,
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
	Label            i18n.Text  `db:"label"`
	Statute          i18n.Text  `db:"statute"`
	Explanation      i18n.Text  `db:"explanation"`
	Source           string     `db:"source"`
	ISOControls      []string   `db:"iso_controls"`
	ISOClauses       []string   `db:"iso_clauses"`
	Applicable       bool       `db:"applicable"`
	Justification    string     `db:"justification"`
	MaturityOverride *int       `db:"maturity_override"`
	OverrideReason   string     `db:"override_reason"`
	Status           Status     `db:"status"`
	OwnerID          *int64     `db:"owner_id"`
	OwnerName        string     `db:"owner_name"`
	DueDate          *time.Time `db:"due_date"`
	Notes            string     `db:"notes"`
	UpdatedAt        *time.Time `db:"updated_at"`
	UpdatedBy        string     `db:"updated_by_name"`
	Version          int        `db:"version"`
}

const measureSelect = `SELECT m.code::text AS code, json_build_object('nl', m.label_nl, 'en', m.label_en) AS label,
		json_build_object('nl', m.statute_nl, 'en', m.statute_en) AS statute,
		json_build_object('nl', m.explanation_nl, 'en', m.explanation_en) AS explanation, m.source, m.iso_controls, m.iso_clauses,
		coalesce(s.applicable, true) AS applicable, coalesce(s.justification, '') AS justification,
		s.maturity_override::int AS maturity_override, coalesce(s.override_reason, '') AS override_reason,
		coalesce(s.status, 'not_started') AS status, s.owner_id, coalesce(o.name, '') AS owner_name, s.due_date,
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
