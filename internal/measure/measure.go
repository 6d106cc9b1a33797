// Package measure owns the ten zorgplicht measures of Art. 21(2) NIS2 and
// their requirements (Reg. 2024/2690) per entity: applicability, maturity,
// status, owner and due date, the derived maturity of a measure, and the
// proportionality inputs and results. It knows nothing of HTTP or HTML.
package measure

import (
	"context"
	"errors"
	"fmt"
	"math"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/weerbaar/weerbaar/internal/db"
	"github.com/weerbaar/weerbaar/internal/i18n"
	"github.com/weerbaar/weerbaar/internal/measure/catalogue"
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

// Requirement is a catalogue requirement, in the entity's edition, with the
// entity's state of it. The catalogue fields come from memory (catalogue.Get);
// only the state is read from the database.
type Requirement struct {
	Code             string     `db:"code"`
	Section          int        `db:"-"`
	Title            i18n.Text  `db:"-"`
	Text             i18n.Text  `db:"-"`
	Source           string     `db:"-"`
	ISOControls      []string   `db:"-"`
	WhereAppropriate bool       `db:"-"`
	Documented       bool       `db:"-"`
	Measures         []string   `db:"-"`
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

// withCatalogue fills the catalogue fields from the edition's requirement.
func (r Requirement) withCatalogue(c catalogue.Requirement) Requirement {
	r.Code, r.Section, r.Title, r.Text, r.Source = c.Code, c.Section, c.Title, c.Text, c.Source
	r.ISOControls, r.WhereAppropriate, r.Measures = c.ISOControls, c.WhereAppropriate, c.Measures
	r.Documented = c.Documented
	return r
}

// newRequirement is a requirement the entity has not touched yet.
func newRequirement(c catalogue.Requirement) Requirement {
	return Requirement{Applicable: true, Status: NotStarted}.withCatalogue(c)
}

const requirementStateSelect = `SELECT s.requirement_code AS code, s.applicable, s.justification, s.maturity, s.status, s.owner_id,
		coalesce(o.name, '') AS owner_name, s.due_date, s.notes, s.updated_at, coalesce(u.name, '') AS updated_by_name, s.version
	FROM entity_requirements s
	LEFT JOIN users o ON o.id = s.owner_id
	LEFT JOIN users u ON u.id = s.updated_by
	WHERE s.entity_id = @entity`

// EntityEdition returns the catalogue edition the entity assesses against
// (one small query; the edition itself comes from memory). Handlers that
// already loaded the entity use catalogue.Get with its CatalogueEdition.
func EntityEdition(ctx context.Context, q db.Querier, entityID int64) (*catalogue.Catalogue, error) {
	var version string
	if err := q.QueryRow(ctx, `SELECT catalogue_edition FROM entities WHERE id = $1`, entityID).Scan(&version); err != nil {
		return nil, fmt.Errorf("catalogue edition of entity %d: %w", entityID, db.MapError(err))
	}
	return catalogue.Get(ctx, q, version)
}

// Requirements lists every requirement of edition ed with the entity's
// state, in catalogue order. Requirements never touched have version 0.
func Requirements(ctx context.Context, q db.Querier, ed *catalogue.Catalogue, entityID int64) ([]Requirement, error) {
	rows, err := q.Query(ctx, requirementStateSelect, pgx.StrictNamedArgs{"entity": entityID})
	if err != nil {
		return nil, fmt.Errorf("requirements of entity %d: %w", entityID, err)
	}
	states, err := pgx.CollectRows(rows, pgx.RowToStructByName[Requirement])
	if err != nil {
		return nil, fmt.Errorf("requirements of entity %d: %w", entityID, err)
	}
	return withRequirementStates(ed, states), nil
}

// queueRequirements adds Requirements' query to b; *out holds the result
// once b's results are closed.
func queueRequirements(b *pgx.Batch, ed *catalogue.Catalogue, entityID int64, out *[]Requirement) {
	b.Queue(requirementStateSelect, pgx.StrictNamedArgs{"entity": entityID}).Query(func(rows pgx.Rows) error {
		states, err := pgx.CollectRows(rows, pgx.RowToStructByName[Requirement])
		if err != nil {
			return fmt.Errorf("requirements of entity %d: %w", entityID, err)
		}
		*out = withRequirementStates(ed, states)
		return nil
	})
}

// withRequirementStates is every requirement of ed in catalogue order, with
// the entity's state where it has one.
func withRequirementStates(ed *catalogue.Catalogue, states []Requirement) []Requirement {
	byCode := make(map[string]Requirement, len(states))
	for _, s := range states {
		byCode[s.Code] = s
	}
	out := make([]Requirement, 0, len(ed.Requirements))
	for _, c := range ed.Requirements {
		if s, ok := byCode[c.Code]; ok {
			out = append(out, s.withCatalogue(c))
		} else {
			out = append(out, newRequirement(c))
		}
	}
	return out
}

// GetRequirement returns one requirement of edition ed with the entity's
// state, or db.ErrNotFound for a code the edition does not have.
func GetRequirement(ctx context.Context, q db.Querier, ed *catalogue.Catalogue, entityID int64, code string) (Requirement, error) {
	c, ok := ed.Requirement(code)
	if !ok {
		return Requirement{}, fmt.Errorf("requirement %s: %w", code, db.ErrNotFound)
	}
	rows, err := q.Query(ctx, requirementStateSelect+` AND s.requirement_code = @code`, pgx.StrictNamedArgs{"entity": entityID, "code": code})
	if err != nil {
		return Requirement{}, fmt.Errorf("requirement %s: %w", code, err)
	}
	r, err := pgx.CollectExactlyOneRow(rows, pgx.RowToStructByName[Requirement])
	if errors.Is(err, pgx.ErrNoRows) {
		return newRequirement(c), nil
	}
	if err != nil {
		return Requirement{}, fmt.Errorf("requirement %s: %w", code, db.MapError(err))
	}
	return r.withCatalogue(c), nil
}

// Measure is one of the ten measures, in the entity's edition, with the
// entity's state of it.
type Measure struct {
	Code             string     `db:"code"`
	Label            i18n.Text  `db:"-"`
	Statute          i18n.Text  `db:"-"`
	Explanation      i18n.Text  `db:"-"`
	Source           string     `db:"-"`
	ISOControls      []string   `db:"-"`
	ISOClauses       []string   `db:"-"`
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

func (m Measure) withCatalogue(c catalogue.Measure) Measure {
	m.Code, m.Label, m.Statute, m.Explanation, m.Source = c.Code, c.Label, c.Statute, c.Explanation, c.Source
	m.ISOControls, m.ISOClauses = c.ISOControls, c.ISOClauses
	return m
}

func newMeasure(c catalogue.Measure) Measure {
	return Measure{Applicable: true}.withCatalogue(c)
}

const measureStateSelect = `SELECT s.measure_code::text AS code, s.applicable, s.justification,
		s.maturity_override::int AS maturity_override, s.override_reason, s.status_override, s.status_reason, s.owner_id,
		coalesce(o.name, '') AS owner_name, s.due_date, s.notes, s.updated_at, coalesce(u.name, '') AS updated_by_name, s.version
	FROM entity_measures s
	LEFT JOIN users o ON o.id = s.owner_id
	LEFT JOIN users u ON u.id = s.updated_by
	WHERE s.entity_id = @entity`

// Measures lists the ten measures of edition ed with the entity's state, a to j.
func Measures(ctx context.Context, q db.Querier, ed *catalogue.Catalogue, entityID int64) ([]Measure, error) {
	rows, err := q.Query(ctx, measureStateSelect, pgx.StrictNamedArgs{"entity": entityID})
	if err != nil {
		return nil, fmt.Errorf("measures of entity %d: %w", entityID, err)
	}
	states, err := pgx.CollectRows(rows, pgx.RowToStructByName[Measure])
	if err != nil {
		return nil, fmt.Errorf("measures of entity %d: %w", entityID, err)
	}
	return withMeasureStates(ed, states), nil
}

// queueMeasures adds Measures' query to b; *out holds the result once b's
// results are closed.
func queueMeasures(b *pgx.Batch, ed *catalogue.Catalogue, entityID int64, out *[]Measure) {
	b.Queue(measureStateSelect, pgx.StrictNamedArgs{"entity": entityID}).Query(func(rows pgx.Rows) error {
		states, err := pgx.CollectRows(rows, pgx.RowToStructByName[Measure])
		if err != nil {
			return fmt.Errorf("measures of entity %d: %w", entityID, err)
		}
		*out = withMeasureStates(ed, states)
		return nil
	})
}

// withMeasureStates is every measure of ed in catalogue order, with the
// entity's state where it has one.
func withMeasureStates(ed *catalogue.Catalogue, states []Measure) []Measure {
	byCode := make(map[string]Measure, len(states))
	for _, s := range states {
		byCode[s.Code] = s
	}
	out := make([]Measure, 0, len(ed.Measures))
	for _, c := range ed.Measures {
		if s, ok := byCode[c.Code]; ok {
			out = append(out, s.withCatalogue(c))
		} else {
			out = append(out, newMeasure(c))
		}
	}
	return out
}

// GetMeasure returns one measure, or db.ErrNotFound for an unknown code.
func GetMeasure(ctx context.Context, q db.Querier, ed *catalogue.Catalogue, entityID int64, code string) (Measure, error) {
	c, ok := ed.Measure(code)
	if !ok {
		return Measure{}, fmt.Errorf("measure %s: %w", code, db.ErrNotFound)
	}
	rows, err := q.Query(ctx, measureStateSelect+` AND s.measure_code = @code`, pgx.StrictNamedArgs{"entity": entityID, "code": code})
	if err != nil {
		return Measure{}, fmt.Errorf("measure %s: %w", code, err)
	}
	m, err := pgx.CollectExactlyOneRow(rows, pgx.RowToStructByName[Measure])
	if errors.Is(err, pgx.ErrNoRows) {
		return newMeasure(c), nil
	}
	if err != nil {
		return Measure{}, fmt.Errorf("measure %s: %w", code, db.MapError(err))
	}
	return m.withCatalogue(c), nil
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
