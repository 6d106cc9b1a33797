package risk

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
	"github.com/weerbaar/weerbaar/internal/evidence"
	"github.com/weerbaar/weerbaar/internal/validate"
)

// Control is an existing control of a scenario (step 3): a requirement of
// the ten measures with its assessed effectiveness.
type Control struct {
	RequirementCode string        `db:"requirement_code"`
	Effectiveness   Effectiveness `db:"effectiveness"`
	Reduces         Reduces       `db:"reduces"`
}

// Controls lists a scenario's controls by requirement code.
func Controls(ctx context.Context, q db.Querier, entityID, scenarioID int64) ([]Control, error) {
	rows, err := q.Query(ctx, `SELECT requirement_code, effectiveness, reduces FROM risk_scenario_controls
		WHERE entity_id = @entity AND scenario_id = @scenario ORDER BY requirement_code`,
		pgx.StrictNamedArgs{"entity": entityID, "scenario": scenarioID})
	if err != nil {
		return nil, fmt.Errorf("controls of scenario %d: %w", scenarioID, err)
	}
	return pgx.CollectRows(rows, pgx.RowToStructByName[Control])
}

func controlEffects(ctx context.Context, q db.Querier, entityID, scenarioID int64) ([]ControlEffect, error) {
	cs, err := Controls(ctx, q, entityID, scenarioID)
	if err != nil {
		return nil, err
	}
	out := make([]ControlEffect, len(cs))
	for k, c := range cs {
		out[k] = ControlEffect{Effectiveness: c.Effectiveness, Reduces: c.Reduces}
	}
	return out, nil
}

// ControlInput is one submitted control row.
type ControlInput struct {
	RequirementCode, Effectiveness, Reduces string
}

// MaxControls caps the controls of one scenario.
const MaxControls = 40

// SaveControls replaces a scenario's controls after a version check and
// stores the residual likelihood, impact and level they give, audit-logged.
// known reports whether a requirement code is in the entity's catalogue
// edition.
func SaveControls(ctx context.Context, pool *pgxpool.Pool, actor authz.Actor, scenarioID int64, in []ControlInput, version int,
	known func(code string) bool) (Scenario, error) {
	errs := validate.Errors{}
	var controls []Control
	seen := map[string]bool{}
	if len(in) > MaxControls {
		errs.Add("controls", "validate.too_long")
	}
	for k, c := range in {
		code := strings.TrimSpace(c.RequirementCode)
		if code == "" {
			continue
		}
		field := "control_" + strconv.Itoa(k)
		e, err := strconv.Atoi(c.Effectiveness)
		eff := Effectiveness(e)
		switch {
		case !known(code) || seen[code]:
			errs.Add(field, "risk.error.control")
		case err != nil || !eff.Valid() || !Reduces(c.Reduces).Valid():
			errs.Add(field, "validate.choice")
		}
		seen[code] = true
		controls = append(controls, Control{RequirementCode: code, Effectiveness: eff, Reduces: Reduces(c.Reduces)})
	}
	if err := errs.Err(); err != nil {
		return Scenario{}, err
	}
	var saved Scenario
	err := db.InTx(ctx, pool, func(tx pgx.Tx) error {
		cur, err := GetScenario(ctx, tx, actor.EntityID, scenarioID)
		if err != nil {
			return err
		}
		a, err := lockAnalysis(ctx, tx, actor.EntityID, cur.AnalysisID)
		if err != nil {
			return err
		}
		if cur.Version != version {
			return &Conflict{Current: cur}
		}
		m, err := a.Method()
		if err != nil {
			return err
		}
		before, err := Controls(ctx, tx, actor.EntityID, scenarioID)
		if err != nil {
			return err
		}
		effects := make([]ControlEffect, len(controls))
		codes, effs, reds := make([]string, len(controls)), make([]int, len(controls)), make([]string, len(controls))
		for k, c := range controls {
			effects[k] = ControlEffect{Effectiveness: c.Effectiveness, Reduces: c.Reduces}
			codes[k], effs[k], reds[k] = c.RequirementCode, int(c.Effectiveness), string(c.Reduces)
		}
		rl, ri, level, err := Residual(m.Matrix, cur.Likelihood, cur.Impact, effects)
		if err != nil {
			return err
		}
		if _, err := tx.Exec(ctx, `DELETE FROM risk_scenario_controls WHERE entity_id = @entity AND scenario_id = @scenario`,
			pgx.StrictNamedArgs{"entity": actor.EntityID, "scenario": scenarioID}); err != nil {
			return fmt.Errorf("save controls: %w", err)
		}
		args := pgx.StrictNamedArgs{"entity": actor.EntityID, "analysis": cur.AnalysisID, "scenario": scenarioID, "codes": codes, "effs": effs, "reds": reds}
		if _, err := tx.Exec(ctx, `INSERT INTO risk_scenario_controls (entity_id, analysis_id, scenario_id, requirement_code, effectiveness, reduces)
			SELECT @entity, @analysis, @scenario, c, e, r FROM unnest(@codes::text[], @effs::int[], @reds::text[]) AS x(c, e, r)`, args); err != nil {
			return fmt.Errorf("save controls: %w", err)
		}
		if _, err := tx.Exec(ctx, `UPDATE risk_scenarios SET residual_likelihood = @rl, residual_impact = @ri, residual_level = @level,
				updated_by = @actor, updated_at = now(), version = version + 1 WHERE entity_id = @entity AND id = @id`,
			pgx.StrictNamedArgs{"rl": rl, "ri": ri, "level": int(level), "actor": actor.UserID, "entity": actor.EntityID, "id": scenarioID}); err != nil {
			return fmt.Errorf("save residual: %w", err)
		}
		if saved, err = GetScenario(ctx, tx, actor.EntityID, scenarioID); err != nil {
			return err
		}
		list := func(cs []Control) string {
			parts := make([]string, len(cs))
			for k, c := range cs {
				parts[k] = c.RequirementCode + " " + c.Effectiveness.Key() + " (" + string(c.Reduces) + ")"
			}
			return strings.Join(parts, ", ")
		}
		b, af := audit.Diff(map[string]any{"controls": list(before), "residual_likelihood": cur.ResidualLikelihood,
			"residual_impact": cur.ResidualImpact, "residual_level": int(cur.ResidualLevel)},
			map[string]any{"controls": list(controls), "residual_likelihood": rl, "residual_impact": ri, "residual_level": int(level)})
		return audit.Record(ctx, tx, audit.Event{EntityID: actor.EntityID, Action: "risk_scenario.controls_saved", ObjectType: "risk_scenario",
			ObjectID: strconv.FormatInt(scenarioID, 10), Before: b, After: af})
	})
	return saved, err
}

// The four treatments of step 4.
const (
	TreatMitigate = "mitigate"
	TreatAccept   = "accept"
	TreatTransfer = "transfer"
	TreatAvoid    = "avoid"
)

// Treatments lists the treatments in form order.
var Treatments = []string{TreatMitigate, TreatAccept, TreatTransfer, TreatAvoid}

// Acceptance states: requested waits for the management body; accepted is
// within tolerance, recorded with who and when, until it expires.
const (
	AcceptanceRequested = "requested"
	AcceptanceAccepted  = "accepted"
)

// AcceptanceMonths is how long an acceptance holds before it comes back for
// review.
const AcceptanceMonths = 12

// TreatmentInput is the treatment form.
type TreatmentInput struct {
	Treatment, Justification string
	Version                  int
}

// ReviewDue reports whether an accepted risk's acceptance has expired on day.
func (s Scenario) ReviewDue(day time.Time) bool {
	return s.Acceptance != nil && *s.Acceptance == AcceptanceAccepted && s.AcceptanceExpires != nil && !s.AcceptanceExpires.After(day)
}

// SaveTreatment records a scenario's treatment decision after a version
// check, audit-logged. Accepting a residual risk within the entity's
// tolerance is recorded with who and when and expires after
// AcceptanceMonths; above tolerance only the management body may accept it,
// and until the board module exists the request is recorded
// ("acceptatie aangevraagd") and the scenario stays open: nobody in the app
// can grant it yet.
func SaveTreatment(ctx context.Context, pool *pgxpool.Pool, actor authz.Actor, scenarioID int64, in TreatmentInput, today time.Time) (Scenario, error) {
	errs := validate.Errors{}
	just := strings.TrimSpace(in.Justification)
	valid := false
	for _, t := range Treatments {
		valid = valid || t == in.Treatment
	}
	if !valid {
		errs.Add("treatment", "validate.choice")
	}
	if just == "" {
		errs.Add("justification", "risk.error.justification")
	} else if len(just) > 5000 {
		errs.Add("justification", "validate.too_long")
	}
	if err := errs.Err(); err != nil {
		return Scenario{}, err
	}
	var saved Scenario
	err := db.InTx(ctx, pool, func(tx pgx.Tx) error {
		cur, err := GetScenario(ctx, tx, actor.EntityID, scenarioID)
		if err != nil {
			return err
		}
		a, err := lockAnalysis(ctx, tx, actor.EntityID, cur.AnalysisID)
		if err != nil {
			return err
		}
		if cur.Version != in.Version {
			return &Conflict{Current: cur}
		}
		m, err := a.Method()
		if err != nil {
			return err
		}
		args := pgx.StrictNamedArgs{"treatment": in.Treatment, "just": just, "acceptance": nil, "by": nil, "at": nil, "expires": nil,
			"actor": actor.UserID, "entity": actor.EntityID, "id": scenarioID}
		if in.Treatment == TreatAccept {
			if AboveTolerance(cur.ResidualLevel, m.Tolerance) {
				args["acceptance"] = AcceptanceRequested
			} else {
				args["acceptance"], args["by"], args["at"] = AcceptanceAccepted, actor.UserID, time.Now()
				args["expires"] = today.AddDate(0, AcceptanceMonths, 0)
			}
		}
		if _, err := tx.Exec(ctx, `UPDATE risk_scenarios SET treatment = @treatment, treatment_justification = @just,
				acceptance = @acceptance, accepted_by = @by, accepted_at = @at, acceptance_expires = @expires,
				updated_by = @actor, updated_at = now(), version = version + 1 WHERE entity_id = @entity AND id = @id`, args); err != nil {
			return fmt.Errorf("save treatment: %w", err)
		}
		if saved, err = GetScenario(ctx, tx, actor.EntityID, scenarioID); err != nil {
			return err
		}
		fields := func(s Scenario) map[string]any {
			return map[string]any{"treatment": deref(s.Treatment), "justification": s.Justification, "acceptance": deref(s.Acceptance)}
		}
		action := "risk_scenario.treated"
		if deref(saved.Acceptance) == AcceptanceRequested {
			action = "risk_scenario.acceptance_requested"
		}
		b, af := audit.Diff(fields(cur), fields(saved))
		return audit.Record(ctx, tx, audit.Event{EntityID: actor.EntityID, Action: action, ObjectType: "risk_scenario",
			ObjectID: strconv.FormatInt(scenarioID, 10), Before: b, After: af})
	})
	return saved, err
}

func deref(s *string) string {
	if s == nil {
		return ""
	}
	return *s
}

// Mitigation is an action of a scenario's treatment.
type Mitigation struct {
	ID              int64      `db:"id"`
	AnalysisID      int64      `db:"analysis_id"`
	ScenarioID      int64      `db:"scenario_id"`
	Title           string     `db:"title"`
	Description     string     `db:"description"`
	RequirementCode string     `db:"requirement_code"`
	OwnerID         int64      `db:"owner_id"`
	OwnerName       string     `db:"owner_name"`
	DueDate         time.Time  `db:"due_date"`
	Done            bool       `db:"done"`
	DoneOn          *time.Time `db:"done_on"`
	DoneBy          string     `db:"done_by"`
	UpdatedBy       string     `db:"updated_by"`
	UpdatedAt       time.Time  `db:"updated_at"`
	Version         int        `db:"version"`
}

// Overdue reports whether the action is past its due date and not done.
func (m Mitigation) Overdue(day time.Time) bool { return !m.Done && m.DueDate.Before(day) }

// State is the action's state for the pages: "done", "overdue" or "open".
func (m Mitigation) State(day time.Time) string {
	switch {
	case m.Done:
		return "done"
	case m.Overdue(day):
		return "overdue"
	}
	return "open"
}

const mitigationColumns = `m.id, m.analysis_id, m.scenario_id, m.title, m.description, m.requirement_code, m.owner_id,
	coalesce(u.name, '') AS owner_name, m.due_date, m.done, m.done_on, coalesce(dn.name, '') AS done_by,
	coalesce(ub.name, '') AS updated_by, m.updated_at, m.version`

const mitigationJoins = ` LEFT JOIN users u ON u.id = m.owner_id LEFT JOIN users dn ON dn.id = m.done_by
	LEFT JOIN users ub ON ub.id = m.updated_by`

// Mitigations lists a scenario's actions by due date.
func Mitigations(ctx context.Context, q db.Querier, entityID, scenarioID int64) ([]Mitigation, error) {
	rows, err := q.Query(ctx, `SELECT `+mitigationColumns+` FROM risk_mitigations m`+mitigationJoins+`
		WHERE m.entity_id = @entity AND m.scenario_id = @scenario ORDER BY m.due_date, m.id`,
		pgx.StrictNamedArgs{"entity": entityID, "scenario": scenarioID})
	if err != nil {
		return nil, fmt.Errorf("mitigations of scenario %d: %w", scenarioID, err)
	}
	return pgx.CollectRows(rows, pgx.RowToStructByName[Mitigation])
}

// GetMitigation loads one of the entity's mitigation actions
// (db.ErrNotFound for another entity's).
func GetMitigation(ctx context.Context, q db.Querier, entityID, id int64) (Mitigation, error) {
	return db.GetOne[Mitigation](ctx, q, fmt.Sprintf("load mitigation %d", id), `SELECT `+mitigationColumns+` FROM risk_mitigations m`+
		mitigationJoins+` WHERE m.entity_id = @entity AND m.id = @id`, pgx.StrictNamedArgs{"entity": entityID, "id": id})
}

// MitigationInput is the form of a mitigation action.
type MitigationInput struct {
	Title, Description, RequirementCode, OwnerID, DueDate string
	Version                                               int // when editing
}

// mitigationValues is a validated MitigationInput.
type mitigationValues struct {
	title, description, code string
	owner                    int64
	due                      time.Time
	ownerOK                  bool
}

// check validates the input's own fields into errs; whether the owner is a
// member is checked in the transaction (checkOwner).
func (in MitigationInput) check(errs validate.Errors, known func(code string) bool) mitigationValues {
	v := mitigationValues{title: strings.TrimSpace(in.Title), description: strings.TrimSpace(in.Description),
		code: strings.TrimSpace(in.RequirementCode)}
	if v.title == "" || len([]rune(v.title)) > 200 {
		errs.Add("title", "risk.error.name")
	}
	if len(v.description) > 5000 {
		errs.Add("description", "validate.too_long")
	}
	if !known(v.code) {
		errs.Add("requirement", "validate.choice")
	}
	due, derr := time.Parse(time.DateOnly, in.DueDate)
	if derr != nil {
		errs.Add("due_date", "validate.date")
	}
	v.due = due
	owner, oerr := strconv.ParseInt(in.OwnerID, 10, 64)
	v.owner, v.ownerOK = owner, oerr == nil
	return v
}

// checkOwner adds a field error unless the owner is a member of the entity.
func (v mitigationValues) checkOwner(ctx context.Context, tx pgx.Tx, entityID int64, errs validate.Errors) error {
	member := false
	if v.ownerOK {
		if err := tx.QueryRow(ctx, `SELECT EXISTS (SELECT 1 FROM memberships WHERE entity_id = @entity AND user_id = @user AND accepted_at IS NOT NULL)`,
			pgx.StrictNamedArgs{"entity": entityID, "user": v.owner}).Scan(&member); err != nil {
			return err
		}
	}
	if !member {
		errs.Add("owner", "validate.choice")
	}
	return nil
}

// mitigationAudit is what the audit log keeps of an action.
func mitigationAudit(m Mitigation) map[string]any {
	done := ""
	if m.DoneOn != nil {
		done = m.DoneOn.Format(time.DateOnly)
	}
	return map[string]any{"scenario_id": m.ScenarioID, "title": m.Title, "description": m.Description, "requirement": m.RequirementCode,
		"owner_id": m.OwnerID, "due_date": m.DueDate.Format(time.DateOnly), "done_on": done}
}

// AddMitigation adds an action to a scenario, audit-logged. known reports
// whether a requirement code is in the entity's edition; the owner must be
// a member of the entity.
func AddMitigation(ctx context.Context, pool *pgxpool.Pool, actor authz.Actor, scenarioID int64, in MitigationInput,
	known func(code string) bool) (Mitigation, error) {
	errs := validate.Errors{}
	v := in.check(errs, known)
	var out Mitigation
	err := db.InTx(ctx, pool, func(tx pgx.Tx) error {
		cur, err := GetScenario(ctx, tx, actor.EntityID, scenarioID)
		if err != nil {
			return err
		}
		if _, err := lockAnalysis(ctx, tx, actor.EntityID, cur.AnalysisID); err != nil {
			return err
		}
		if err := v.checkOwner(ctx, tx, actor.EntityID, errs); err != nil {
			return err
		}
		if err := errs.Err(); err != nil {
			return err
		}
		var id int64
		if err := tx.QueryRow(ctx, `INSERT INTO risk_mitigations (entity_id, analysis_id, scenario_id, title, description, requirement_code, owner_id, due_date, updated_by)
			VALUES (@entity, @analysis, @scenario, @title, @description, @code, @owner, @due, @actor) RETURNING id`,
			pgx.StrictNamedArgs{"entity": actor.EntityID, "analysis": cur.AnalysisID, "scenario": scenarioID, "title": v.title,
				"description": v.description, "code": v.code, "owner": v.owner, "due": v.due, "actor": actor.UserID}).Scan(&id); err != nil {
			return fmt.Errorf("add mitigation: %w", err)
		}
		if out, err = GetMitigation(ctx, tx, actor.EntityID, id); err != nil {
			return err
		}
		_, after := audit.Diff(nil, mitigationAudit(out))
		for k, v := range after {
			if v == "" { // no description, not done: nothing to say
				delete(after, k)
			}
		}
		return audit.Record(ctx, tx, audit.Event{EntityID: actor.EntityID, Action: "risk_mitigation.created", ObjectType: "risk_mitigation",
			ObjectID: strconv.FormatInt(id, 10), After: after})
	})
	return out, err
}

// lockMitigation loads an action for a change: the action of the entity
// (db.ErrNotFound otherwise), its analysis editable (ErrLocked otherwise)
// and its version the one the form carried (*Conflict otherwise).
func lockMitigation(ctx context.Context, tx pgx.Tx, actor authz.Actor, id int64, version int) (Mitigation, error) {
	cur, err := GetMitigation(ctx, tx, actor.EntityID, id)
	if err != nil {
		return cur, err
	}
	if _, err := lockAnalysis(ctx, tx, actor.EntityID, cur.AnalysisID); err != nil {
		return cur, err
	}
	if cur, err = GetMitigation(ctx, tx, actor.EntityID, id); err != nil { // as of the lock
		return cur, err
	}
	if cur.Version != version {
		return cur, &Conflict{Current: cur}
	}
	return cur, nil
}

// UpdateMitigation changes an action's title, description, requirement,
// owner and due date after a version check, audit-logged.
func UpdateMitigation(ctx context.Context, pool *pgxpool.Pool, actor authz.Actor, id int64, in MitigationInput,
	known func(code string) bool) (Mitigation, error) {
	errs := validate.Errors{}
	v := in.check(errs, known)
	var out Mitigation
	err := db.InTx(ctx, pool, func(tx pgx.Tx) error {
		cur, err := lockMitigation(ctx, tx, actor, id, in.Version)
		if err != nil {
			return err
		}
		if err := v.checkOwner(ctx, tx, actor.EntityID, errs); err != nil {
			return err
		}
		if err := errs.Err(); err != nil {
			return err
		}
		if _, err := tx.Exec(ctx, `UPDATE risk_mitigations SET title = @title, description = @description, requirement_code = @code,
				owner_id = @owner, due_date = @due, updated_by = @actor, updated_at = now(), version = version + 1
			WHERE entity_id = @entity AND id = @id`,
			pgx.StrictNamedArgs{"title": v.title, "description": v.description, "code": v.code, "owner": v.owner, "due": v.due,
				"actor": actor.UserID, "entity": actor.EntityID, "id": id}); err != nil {
			return fmt.Errorf("update mitigation %d: %w", id, err)
		}
		if out, err = GetMitigation(ctx, tx, actor.EntityID, id); err != nil {
			return err
		}
		b, af := audit.Diff(mitigationAudit(cur), mitigationAudit(out))
		return audit.Record(ctx, tx, audit.Event{EntityID: actor.EntityID, Action: "risk_mitigation.updated", ObjectType: "risk_mitigation",
			ObjectID: strconv.FormatInt(id, 10), Before: b, After: af})
	})
	return out, err
}

// SetMitigationDone marks an action done on day (recording who) or reopens
// it (clearing both), after a version check, audit-logged. Marking a done
// action done again keeps its date.
func SetMitigationDone(ctx context.Context, pool *pgxpool.Pool, actor authz.Actor, id int64, done bool, version int, day time.Time) (Mitigation, error) {
	var out Mitigation
	err := db.InTx(ctx, pool, func(tx pgx.Tx) error {
		cur, err := lockMitigation(ctx, tx, actor, id, version)
		if err != nil {
			return err
		}
		if cur.Done == done {
			out = cur
			return nil
		}
		args := pgx.StrictNamedArgs{"done": done, "on": nil, "by": nil, "actor": actor.UserID, "entity": actor.EntityID, "id": id}
		action := "risk_mitigation.reopened"
		if done {
			args["on"], args["by"], action = day, actor.UserID, "risk_mitigation.done"
		}
		if _, err := tx.Exec(ctx, `UPDATE risk_mitigations SET done = @done, done_on = @on, done_by = @by,
				updated_by = @actor, updated_at = now(), version = version + 1 WHERE entity_id = @entity AND id = @id`, args); err != nil {
			return fmt.Errorf("mitigation %d done: %w", id, err)
		}
		if out, err = GetMitigation(ctx, tx, actor.EntityID, id); err != nil {
			return err
		}
		b, af := audit.Diff(mitigationAudit(cur), mitigationAudit(out))
		return audit.Record(ctx, tx, audit.Event{EntityID: actor.EntityID, Action: action, ObjectType: "risk_mitigation",
			ObjectID: strconv.FormatInt(id, 10), Before: b, After: af})
	})
	return out, err
}

// DeleteMitigation deletes an action after a version check, audit-logged
// with what it was. Evidence attached to it stays in the evidence store
// (deleting evidence is its own, audited step).
func DeleteMitigation(ctx context.Context, pool *pgxpool.Pool, actor authz.Actor, id int64, version int) (Mitigation, error) {
	var cur Mitigation
	err := db.InTx(ctx, pool, func(tx pgx.Tx) error {
		var err error
		if cur, err = lockMitigation(ctx, tx, actor, id, version); err != nil {
			return err
		}
		if _, err := tx.Exec(ctx, `DELETE FROM risk_mitigations WHERE entity_id = @entity AND id = @id`,
			pgx.StrictNamedArgs{"entity": actor.EntityID, "id": id}); err != nil {
			return fmt.Errorf("delete mitigation %d: %w", id, err)
		}
		before, _ := audit.Diff(mitigationAudit(cur), nil)
		return audit.Record(ctx, tx, audit.Event{EntityID: actor.EntityID, Action: "risk_mitigation.deleted", ObjectType: "risk_mitigation",
			ObjectID: strconv.FormatInt(id, 10), Before: before})
	})
	return cur, err
}

// Counts are an analysis's scenarios counted for its page: per inherent and
// per residual (likelihood, impact) for the two heat maps, how many have
// controls assessed (step 3) and how many a treatment decided (step 4).
type Counts struct {
	Inherent, Residual map[[2]int]int
	Assessed, Treated  int
}

// HeatCounts counts an analysis's scenarios for its page in one query and one
// pass over them (grouping sets), whatever their number.
func HeatCounts(ctx context.Context, q db.Querier, entityID, analysisID int64) (Counts, error) {
	rows, err := q.Query(ctx, `SELECT GROUPING(s.inherent_likelihood) = 0,
			coalesce(s.inherent_likelihood, s.residual_likelihood), coalesce(s.inherent_impact, s.residual_impact), count(*)::int,
			-- Counted once (an init plan), not probed per scenario: a
			-- plan without statistics would search a list per row.
			(SELECT count(DISTINCT c.scenario_id) FROM risk_scenario_controls c
				WHERE c.entity_id = @entity AND c.analysis_id = @analysis)::int,
			(count(*) FILTER (WHERE s.treatment IS NOT NULL))::int
		FROM risk_scenarios s WHERE s.entity_id = @entity AND s.analysis_id = @analysis
		GROUP BY GROUPING SETS ((s.inherent_likelihood, s.inherent_impact), (s.residual_likelihood, s.residual_impact))`,
		pgx.StrictNamedArgs{"entity": entityID, "analysis": analysisID})
	if err != nil {
		return Counts{}, fmt.Errorf("heat maps of analysis %d: %w", analysisID, err)
	}
	out := Counts{Inherent: map[[2]int]int{}, Residual: map[[2]int]int{}}
	var inherent bool
	var l, i, n, a, t int
	_, err = pgx.ForEachRow(rows, []any{&inherent, &l, &i, &n, &a, &t}, func() error {
		if inherent {
			out.Inherent[[2]int{l, i}] = n
			return nil
		}
		out.Residual[[2]int{l, i}] = n
		out.Assessed = a
		out.Treated += t
		return nil
	})
	if err != nil {
		return Counts{}, fmt.Errorf("heat maps of analysis %d: %w", analysisID, err)
	}
	return out, nil
}

// Owner is a member who can own a mitigation action.
type Owner struct {
	ID   int64  `json:"id"`
	Name string `json:"name"`
}

// Owners lists the entity's members who can own a mitigation action, by name.
func Owners(ctx context.Context, q db.Querier, entityID int64) ([]Owner, error) {
	rows, err := q.Query(ctx, `SELECT u.id, u.name FROM memberships ms JOIN users u ON u.id = ms.user_id
		WHERE ms.entity_id = @entity AND ms.accepted_at IS NOT NULL ORDER BY u.name, u.id`, pgx.StrictNamedArgs{"entity": entityID})
	if err != nil {
		return nil, fmt.Errorf("owners of entity %d: %w", entityID, err)
	}
	return pgx.CollectRows(rows, func(row pgx.CollectableRow) (Owner, error) {
		var o Owner
		return o, row.Scan(&o.ID, &o.Name)
	})
}

// TreatmentData is what the resilience and treatment page of a scenario
// shows besides the scenario: its controls, its mitigation actions with
// their evidence and the members who can own one.
type TreatmentData struct {
	Controls    []Control
	Mitigations []Mitigation
	// Evidence is each action's live evidence (as evidence.Store lists it:
	// newest first, files with their versions), parallel to Mitigations.
	Evidence [][]evidence.Item
	Owners   []Owner
}

// LoadTreatment reads a scenario's controls, mitigation actions with their
// evidence and the possible owners in one query (the page keeps the query
// budget).
func LoadTreatment(ctx context.Context, q db.Querier, entityID, scenarioID int64) (TreatmentData, error) {
	var controls, mitigations, owners []byte
	err := q.QueryRow(ctx, `SELECT
		coalesce((SELECT json_agg(json_build_object('code', c.requirement_code, 'eff', c.effectiveness, 'reduces', c.reduces)
			ORDER BY c.requirement_code) FROM risk_scenario_controls c WHERE c.entity_id = @entity AND c.scenario_id = @scenario), '[]'),
		coalesce((SELECT json_agg(json_build_object('id', m.id, 'title', m.title, 'code', m.requirement_code, 'owner', m.owner_id,
			'owner_name', coalesce(u.name, ''), 'due', m.due_date, 'done', m.done, 'done_on', m.done_on, 'description', m.description,
			'version', m.version, 'evidence', coalesce((SELECT json_agg(json_build_object('ID', i.id, 'EntityID', i.entity_id,
				'SubjectType', i.subject_type, 'SubjectRef', i.subject_ref, 'Kind', i.kind, 'Title', i.title, 'URL', coalesce(i.url, ''),
				'Description', i.description, 'CreatedAt', i.created_at, 'CreatedBy', coalesce(iu.name, ''),
				'Versions', coalesce((SELECT json_agg(json_build_object('ID', v.id, 'ItemID', v.item_id, 'No', v.version_no,
					'Filename', v.filename, 'ContentType', v.content_type, 'Size', v.size, 'SHA256', v.sha256,
					'UploadedAt', v.uploaded_at, 'UploadedBy', coalesce(vu.name, '')) ORDER BY v.version_no DESC)
					FROM evidence_versions v LEFT JOIN users vu ON vu.id = v.uploaded_by
					WHERE v.entity_id = i.entity_id AND v.item_id = i.id), '[]')) ORDER BY i.created_at DESC, i.id DESC)
				FROM evidence_items i LEFT JOIN users iu ON iu.id = i.created_by
				WHERE i.entity_id = @entity AND i.subject_type = @subject AND i.subject_ref = m.id::text AND i.deleted_at IS NULL), '[]'))
			ORDER BY m.done, m.due_date, m.id)
			FROM risk_mitigations m LEFT JOIN users u ON u.id = m.owner_id WHERE m.entity_id = @entity AND m.scenario_id = @scenario), '[]'),
		coalesce((SELECT json_agg(json_build_object('id', u.id, 'name', u.name) ORDER BY u.name, u.id)
			FROM memberships ms JOIN users u ON u.id = ms.user_id WHERE ms.entity_id = @entity AND ms.accepted_at IS NOT NULL), '[]')`,
		pgx.StrictNamedArgs{"entity": entityID, "scenario": scenarioID, "subject": SubjectMitigation}).Scan(&controls, &mitigations, &owners)
	if err != nil {
		return TreatmentData{}, fmt.Errorf("treatment of scenario %d: %w", scenarioID, err)
	}
	var out TreatmentData
	var cs []struct {
		Code    string `json:"code"`
		Eff     int    `json:"eff"`
		Reduces string `json:"reduces"`
	}
	var ms []struct {
		ID        int64           `json:"id"`
		Title     string          `json:"title"`
		Code      string          `json:"code"`
		Owner     int64           `json:"owner"`
		OwnerName string          `json:"owner_name"`
		Due       string          `json:"due"`
		Done      bool            `json:"done"`
		DoneOn    string          `json:"done_on"`
		Desc      string          `json:"description"`
		Version   int             `json:"version"`
		Evidence  []evidence.Item `json:"evidence"`
	}
	if err := errors.Join(json.Unmarshal(controls, &cs), json.Unmarshal(mitigations, &ms), json.Unmarshal(owners, &out.Owners)); err != nil {
		return TreatmentData{}, fmt.Errorf("treatment of scenario %d: %w", scenarioID, err)
	}
	for _, c := range cs {
		out.Controls = append(out.Controls, Control{RequirementCode: c.Code, Effectiveness: Effectiveness(c.Eff), Reduces: Reduces(c.Reduces)})
	}
	for _, m := range ms {
		due, err := time.Parse(time.DateOnly, m.Due)
		if err != nil {
			return TreatmentData{}, fmt.Errorf("treatment of scenario %d: due date %q: %w", scenarioID, m.Due, err)
		}
		mt := Mitigation{ID: m.ID, ScenarioID: scenarioID, Title: m.Title, Description: m.Desc, RequirementCode: m.Code,
			OwnerID: m.Owner, OwnerName: m.OwnerName, DueDate: due, Done: m.Done, Version: m.Version}
		if m.DoneOn != "" {
			on, err := time.Parse(time.DateOnly, m.DoneOn)
			if err != nil {
				return TreatmentData{}, fmt.Errorf("treatment of scenario %d: done date %q: %w", scenarioID, m.DoneOn, err)
			}
			mt.DoneOn = &on
		}
		out.Mitigations = append(out.Mitigations, mt)
		out.Evidence = append(out.Evidence, m.Evidence)
	}
	return out, nil
}

// ActionRow is a mitigation action with its scenario's name, for the
// requirement page and the owner's dashboard.
type ActionRow struct {
	Mitigation
	JewelName  string  `db:"jewel_name"`
	ThreatCode *string `db:"threat_code"`
	ThreatName string  `db:"threat_name"`
}

// MaxActionRows caps the actions a requirement page or dashboard lists.
const MaxActionRows = 50

const actionSelect = `SELECT ` + mitigationColumns + `, j.name AS jewel_name, s.threat_code, coalesce(t.name, '') AS threat_name
	FROM risk_mitigations m JOIN risk_scenarios s ON s.id = m.scenario_id JOIN risk_jewels j ON j.id = s.jewel_id
	LEFT JOIN risk_threats t ON t.id = s.threat_id` + mitigationJoins

// RequirementActions lists the mitigation actions that improve a
// requirement: the open ones by due date, then the done ones, most recently
// done first.
func RequirementActions(ctx context.Context, q db.Querier, entityID int64, code string) ([]ActionRow, error) {
	rows, err := q.Query(ctx, actionSelect+` WHERE m.entity_id = @entity AND m.requirement_code = @code
		ORDER BY m.done, CASE WHEN m.done THEN m.done_on END DESC, m.due_date, m.id LIMIT @limit`, pgx.StrictNamedArgs{"entity": entityID, "code": code, "limit": MaxActionRows})
	if err != nil {
		return nil, fmt.Errorf("actions of requirement %s: %w", code, err)
	}
	return pgx.CollectRows(rows, pgx.RowToStructByName[ActionRow])
}

// OwnerActions lists the user's open mitigation actions, by due date.
func OwnerActions(ctx context.Context, q db.Querier, entityID, userID int64) ([]ActionRow, error) {
	rows, err := q.Query(ctx, actionSelect+` WHERE m.entity_id = @entity AND m.owner_id = @user AND NOT m.done
		ORDER BY m.due_date, m.id LIMIT @limit`, pgx.StrictNamedArgs{"entity": entityID, "user": userID, "limit": MaxActionRows})
	if err != nil {
		return nil, fmt.Errorf("actions of user %d: %w", userID, err)
	}
	return pgx.CollectRows(rows, pgx.RowToStructByName[ActionRow])
}
