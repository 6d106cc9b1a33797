package measure

import (
	"context"
	"encoding/json"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/weerbaar/weerbaar/internal/audit"
	"github.com/weerbaar/weerbaar/internal/authz"
	"github.com/weerbaar/weerbaar/internal/db"
	"github.com/weerbaar/weerbaar/internal/measure/catalogue"
	"github.com/weerbaar/weerbaar/internal/validate"
)

// PointState is an entity's answer for one checklist point.
type PointState string

// The states; a point never touched has none ("").
const (
	PointDone          PointState = "done"
	PointNotDone       PointState = "not_done"
	PointNotApplicable PointState = "not_applicable"
)

// PointStates lists the states in the order forms offer them.
var PointStates = []PointState{PointDone, PointNotDone, PointNotApplicable}

// Point is a checklist point of the entity's edition with the entity's
// answer.
type Point struct {
	catalogue.Point
	Requirement   string
	State         PointState // "" until answered
	Justification string
	UpdatedAt     *time.Time
	UpdatedBy     string
	Version       int // 0 until answered
}

// pointRow is a saved answer as the checklist query returns it.
type pointRow struct {
	Ref           string     `json:"ref"`
	Requirement   string     `json:"requirement"`
	State         PointState `json:"state"`
	Justification string     `json:"justification"`
	UpdatedAt     *time.Time `json:"updated_at"`
	UpdatedBy     string     `json:"updated_by"`
	Version       int        `json:"version"`
}

// Checklist is the entity's answers to the checklist points (of one
// requirement or of all) and whether the Annex binds the entity.
type Checklist struct {
	Binding Binding
	rows    map[string]pointRow
}

// checklistSelect reads the answers (of one requirement, or all when @code
// is empty) and the latest scope assessment's class and subsectors in one
// query.
const checklistSelect = `SELECT
		(SELECT coalesce(json_agg(json_build_object('ref', p.point_ref, 'requirement', p.requirement_code, 'state', p.state,
			'justification', p.justification, 'updated_at', p.updated_at, 'updated_by', coalesce(u.name, ''), 'version', p.version)), '[]')
		 FROM entity_points p LEFT JOIN users u ON u.id = p.updated_by
		 WHERE p.entity_id = e.id AND (@code = '' OR p.requirement_code = @code)),
		a.class, coalesce(a.inputs->'Subsectors', a.inputs->'subsectors', '[]')
	FROM (SELECT @entity::bigint AS id) e
	LEFT JOIN LATERAL (SELECT class, inputs FROM scope_assessments WHERE entity_id = e.id
		ORDER BY created_at DESC, id DESC LIMIT 1) a ON true`

// LoadChecklist reads the entity's answers to the points of requirement code
// ("" for every requirement) and its Binding, in one query.
func LoadChecklist(ctx context.Context, q db.Querier, entityID int64, code string) (Checklist, error) {
	var raw, subsectors []byte
	var class *string
	if err := q.QueryRow(ctx, checklistSelect, pgx.StrictNamedArgs{"entity": entityID, "code": code}).Scan(&raw, &class, &subsectors); err != nil {
		return Checklist{}, fmt.Errorf("checklist of entity %d: %w", entityID, err)
	}
	var rows []pointRow
	if err := json.Unmarshal(raw, &rows); err != nil {
		return Checklist{}, fmt.Errorf("checklist of entity %d: %w", entityID, err)
	}
	var subs []string
	if err := json.Unmarshal(subsectors, &subs); err != nil {
		return Checklist{}, fmt.Errorf("subsectors of entity %d: %w", entityID, err)
	}
	cl := Checklist{rows: make(map[string]pointRow, len(rows))}
	cl.Binding = RegulationBinds(class != nil, deref(class), subs)
	for _, r := range rows {
		cl.rows[r.Ref] = r
	}
	return cl, nil
}

func deref(s *string) string {
	if s == nil {
		return ""
	}
	return *s
}

// Points returns requirement r's points with the entity's answers, in
// catalogue order.
func (cl Checklist) Points(r catalogue.Requirement) []Point {
	out := make([]Point, 0, len(r.Points))
	for _, p := range r.Points {
		pt := Point{Point: p, Requirement: r.Code}
		if row, ok := cl.rows[p.Ref]; ok {
			pt.State, pt.Justification, pt.UpdatedAt, pt.UpdatedBy, pt.Version = row.State, row.Justification, row.UpdatedAt, row.UpdatedBy, row.Version
		}
		out = append(out, pt)
	}
	return out
}

// PointCount summarises a requirement's checklist.
type PointCount struct {
	// Done, NotApplicable and Total count the requirement's points in the
	// edition: done, not applicable, and all.
	Done, NotApplicable, Total int
}

// Counts returns the point counts of every requirement of edition ed.
func (cl Checklist) Counts(ed *catalogue.Catalogue) map[string]PointCount {
	out := make(map[string]PointCount, len(ed.Requirements))
	for _, r := range ed.Requirements {
		var c PointCount
		for _, p := range r.Points {
			c.Total++
			switch cl.rows[p.Ref].State {
			case PointDone:
				c.Done++
			case PointNotApplicable:
				c.NotApplicable++
			}
		}
		out[r.Code] = c
	}
	return out
}

// Warn reports whether a point's "not applicable" deserves the warning for
// entities the Annex does not bind (the Annex states it without qualifier).
func (p Point) Warn(b Binding) bool {
	return p.State == PointNotApplicable && CheckNotApplicable(b, p.Qualified()) == NAWarn
}

// Refused reports whether a point marked not applicable earlier is no longer
// allowed to be: the entity is bound and the Annex states it without
// qualifier.
func (p Point) Refused(b Binding) bool {
	return p.State == PointNotApplicable && CheckNotApplicable(b, p.Qualified()) == NARefused
}

// PointInput is the small form of one checklist point.
type PointInput struct {
	Ref           string
	State         string
	Justification string
	Version       int
}

// UpdatePoint saves the entity's answer to checklist point in.Ref of
// requirement code, after a version check, audit-logged. A point the entity's
// edition does not have under code is db.ErrNotFound; "not applicable" needs
// a justification and, for an entity the Annex binds, a point the Annex
// qualifies (field errors).
func UpdatePoint(ctx context.Context, pool *pgxpool.Pool, actor authz.Actor, code string, in PointInput) (Point, error) {
	var saved Point
	err := db.InTx(ctx, pool, func(tx pgx.Tx) error {
		ed, err := EntityEdition(ctx, tx, actor.EntityID)
		if err != nil {
			return err
		}
		_, req, ok := ed.Point(in.Ref)
		if !ok || req.Code != code {
			return fmt.Errorf("point %q of requirement %s: %w", in.Ref, code, db.ErrNotFound)
		}
		cl, err := LoadChecklist(ctx, tx, actor.EntityID, code)
		if err != nil {
			return err
		}
		cur := cl.Points(req)[slices.IndexFunc(req.Points, func(p catalogue.Point) bool { return p.Ref == in.Ref })]
		state := PointState(in.State)
		justification := strings.TrimSpace(in.Justification)
		errs := validate.Errors{}
		switch {
		case !slices.Contains(PointStates, state):
			errs.Add("state", "validate.choice")
		case state == PointNotApplicable:
			checkNotApplicable(errs, "state", cl.Binding, cur.Qualified())
			if justification == "" {
				errs.Add("justification", "measure.error.justification")
			}
		}
		if len(justification) > 2000 {
			errs.Add("justification", "validate.too_long")
		}
		if err := errs.Err(); err != nil {
			return err
		}
		tag, err := tx.Exec(ctx, `INSERT INTO entity_points AS p (entity_id, point_ref, requirement_code, state, justification,
				catalogue_version, updated_by, version)
			VALUES (@entity, @ref, @code, @state, @justification, @catalogue, @actor, 1)
			ON CONFLICT (entity_id, point_ref) DO UPDATE SET requirement_code = excluded.requirement_code, state = excluded.state,
				justification = excluded.justification, catalogue_version = excluded.catalogue_version,
				updated_by = excluded.updated_by, updated_at = now(), version = p.version + 1
			WHERE p.version = @version`,
			pgx.StrictNamedArgs{"entity": actor.EntityID, "ref": in.Ref, "code": code, "state": string(state),
				"justification": justification, "catalogue": ed.Version, "actor": actor.UserID, "version": in.Version})
		if err != nil {
			return fmt.Errorf("save point %s: %w", in.Ref, err)
		}
		if tag.RowsAffected() == 0 || (cur.Version == 0) != (in.Version == 0) {
			return &Conflict{Current: cur}
		}
		saved = cur
		saved.State, saved.Justification, saved.Version = state, justification, in.Version+1
		before := map[string]any{"state": string(cur.State), "justification": cur.Justification}
		after := map[string]any{"state": string(state), "justification": justification}
		b, a := audit.Diff(before, after)
		return audit.Record(ctx, tx, audit.Event{EntityID: actor.EntityID, Action: "point.updated",
			ObjectType: "requirement_point", ObjectID: in.Ref, Before: b, After: a})
	})
	return saved, err
}
