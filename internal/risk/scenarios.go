package risk

import (
	"context"
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

// EntityThreat is a threat the entity adds to the catalogue's.
type EntityThreat struct {
	ID          int64     `db:"id"`
	Name        string    `db:"name"`
	Description string    `db:"description"`
	Avail       bool      `db:"availability"`
	Integ       bool      `db:"integrity"`
	Conf        bool      `db:"confidentiality"`
	UpdatedBy   string    `db:"updated_by"`
	UpdatedAt   time.Time `db:"updated_at"`
	Version     int       `db:"version"`
}

// Aspects returns the threat's aspects.
func (t EntityThreat) Aspects() Aspects {
	return Aspects{Availability: t.Avail, Integrity: t.Integ, Confidentiality: t.Conf}
}

const threatColumns = `t.id, t.name, t.description, t.availability, t.integrity, t.confidentiality,
	coalesce(u.name, '') AS updated_by, t.updated_at, t.version FROM risk_threats t LEFT JOIN users u ON u.id = t.updated_by`

// EntityThreats lists the entity's own threats by name.
func EntityThreats(ctx context.Context, q db.Querier, entityID int64) ([]EntityThreat, error) {
	rows, err := q.Query(ctx, `SELECT `+threatColumns+` WHERE t.entity_id = @entity ORDER BY t.name`, pgx.StrictNamedArgs{"entity": entityID})
	if err != nil {
		return nil, fmt.Errorf("threats of entity %d: %w", entityID, err)
	}
	return pgx.CollectRows(rows, pgx.RowToStructByName[EntityThreat])
}

// GetEntityThreat returns one of the entity's own threats.
func GetEntityThreat(ctx context.Context, q db.Querier, entityID, id int64) (EntityThreat, error) {
	return db.GetOne[EntityThreat](ctx, q, fmt.Sprintf("load threat %d", id), `SELECT `+threatColumns+` WHERE t.entity_id = @entity AND t.id = @id`,
		pgx.StrictNamedArgs{"entity": entityID, "id": id})
}

// ThreatInput is the form of an entity threat.
type ThreatInput struct {
	Name, Description string
	Aspects           Aspects
	Version           int
}

// SaveEntityThreat creates (id 0) or updates an entity threat after a
// version check, audit-logged.
func SaveEntityThreat(ctx context.Context, pool *pgxpool.Pool, actor authz.Actor, id int64, in ThreatInput) (EntityThreat, error) {
	errs := validate.Errors{}
	name, desc := strings.TrimSpace(in.Name), strings.TrimSpace(in.Description)
	if name == "" || len([]rune(name)) > 200 {
		errs.Add("name", "risk.error.name")
	}
	if len(desc) > 5000 {
		errs.Add("description", "validate.too_long")
	}
	if !in.Aspects.Any() {
		errs.Add("aspects", "risk.error.aspects")
	}
	if err := errs.Err(); err != nil {
		return EntityThreat{}, err
	}
	var saved EntityThreat
	err := db.InTx(ctx, pool, func(tx pgx.Tx) error {
		var cur EntityThreat
		if id != 0 {
			var err error
			if cur, err = GetEntityThreat(ctx, tx, actor.EntityID, id); err != nil {
				return err
			}
			if cur.Version != in.Version {
				return &Conflict{Current: cur}
			}
		}
		args := pgx.StrictNamedArgs{"entity": actor.EntityID, "name": name, "description": desc, "a": in.Aspects.Availability,
			"i": in.Aspects.Integrity, "c": in.Aspects.Confidentiality, "actor": actor.UserID}
		var err error
		if id == 0 {
			err = tx.QueryRow(ctx, `INSERT INTO risk_threats (entity_id, name, description, availability, integrity, confidentiality, updated_by)
				VALUES (@entity, @name, @description, @a, @i, @c, @actor) RETURNING id`, args).Scan(&id)
		} else {
			args["id"] = id
			_, err = tx.Exec(ctx, `UPDATE risk_threats SET name = @name, description = @description, availability = @a, integrity = @i,
				confidentiality = @c, updated_by = @actor, updated_at = now(), version = version + 1 WHERE entity_id = @entity AND id = @id`, args)
		}
		if err != nil {
			if errors.Is(db.MapError(err), db.ErrConflict) {
				return validate.Field("name", "risk.error.name_taken")
			}
			return fmt.Errorf("save threat: %w", err)
		}
		if saved, err = GetEntityThreat(ctx, tx, actor.EntityID, id); err != nil {
			return err
		}
		fields := func(t EntityThreat) map[string]any {
			return map[string]any{"name": t.Name, "description": t.Description, "availability": t.Avail, "integrity": t.Integ, "confidentiality": t.Conf}
		}
		action, before, after := "risk_threat.created", map[string]any(nil), fields(saved)
		if cur.ID != 0 {
			action = "risk_threat.updated"
			before, after = audit.Diff(fields(cur), fields(saved))
		}
		return audit.Record(ctx, tx, audit.Event{EntityID: actor.EntityID, Action: action, ObjectType: "risk_threat",
			ObjectID: strconv.FormatInt(id, 10), Before: before, After: after})
	})
	return saved, err
}

// ThreatRef names a scenario's threat in forms: "c:<code>" for a catalogue
// threat, "e:<id>" for an entity threat.
type ThreatRef struct {
	Code string
	ID   int64
}

// ParseThreatRef reads a ThreatRef from its form value.
func ParseThreatRef(s string) (ThreatRef, bool) {
	switch {
	case strings.HasPrefix(s, "c:"):
		_, ok := Threats().Threat(s[2:])
		return ThreatRef{Code: s[2:]}, ok
	case strings.HasPrefix(s, "e:"):
		id, err := strconv.ParseInt(s[2:], 10, 64)
		return ThreatRef{ID: id}, err == nil && id > 0
	}
	return ThreatRef{}, false
}

// String is the form value.
func (r ThreatRef) String() string {
	if r.Code != "" {
		return "c:" + r.Code
	}
	return "e:" + strconv.FormatInt(r.ID, 10)
}

// Scenario is a jewel × threat of an analysis with the affected aspects and
// the inherent (before existing controls) likelihood, impact and level.
type Scenario struct {
	ID         int64   `db:"id"`
	AnalysisID int64   `db:"analysis_id"`
	JewelID    int64   `db:"jewel_id"`
	JewelName  string  `db:"jewel_name"`
	ThreatCode *string `db:"threat_code"`
	ThreatID   *int64  `db:"threat_id"`
	ThreatName string  `db:"threat_name"` // entity threats only; catalogue names come from Threats()
	Avail      bool    `db:"availability"`
	Integ      bool    `db:"integrity"`
	Conf       bool    `db:"confidentiality"`
	Likelihood int     `db:"inherent_likelihood"`
	Impact     int     `db:"inherent_impact"`
	Level      Level   `db:"inherent_level"`
	// Residual (after existing controls, step 3) and treatment (step 4).
	ResidualLikelihood int        `db:"residual_likelihood"`
	ResidualImpact     int        `db:"residual_impact"`
	ResidualLevel      Level      `db:"residual_level"`
	Treatment          *string    `db:"treatment"`
	Justification      string     `db:"treatment_justification"`
	Acceptance         *string    `db:"acceptance"`
	AcceptedBy         string     `db:"accepted_by_name"`
	AcceptedAt         *time.Time `db:"accepted_at"`
	AcceptanceExpires  *time.Time `db:"acceptance_expires"`
	Description        string     `db:"description"`
	UpdatedBy          string     `db:"updated_by"`
	UpdatedAt          time.Time  `db:"updated_at"`
	Version            int        `db:"version"`
}

// Threat is the scenario's threat reference.
func (s Scenario) Threat() ThreatRef {
	if s.ThreatCode != nil {
		return ThreatRef{Code: *s.ThreatCode}
	}
	if s.ThreatID != nil {
		return ThreatRef{ID: *s.ThreatID}
	}
	return ThreatRef{}
}

// Aspects returns the scenario's affected aspects.
func (s Scenario) Aspects() Aspects {
	return Aspects{Availability: s.Avail, Integrity: s.Integ, Confidentiality: s.Conf}
}

const scenarioColumns = `s.id, s.analysis_id, s.jewel_id, j.name AS jewel_name, s.threat_code, s.threat_id,
	coalesce(t.name, '') AS threat_name, s.availability, s.integrity, s.confidentiality, s.inherent_likelihood,
	s.inherent_impact, s.inherent_level, s.residual_likelihood, s.residual_impact, s.residual_level, s.treatment,
	s.treatment_justification, s.acceptance, coalesce(ab.name, '') AS accepted_by_name, s.accepted_at, s.acceptance_expires,
	s.description, coalesce(u.name, '') AS updated_by, s.updated_at, s.version
	FROM risk_scenarios s JOIN risk_jewels j ON j.id = s.jewel_id LEFT JOIN risk_threats t ON t.id = s.threat_id
	LEFT JOIN users u ON u.id = s.updated_by LEFT JOIN users ab ON ab.id = s.accepted_by`

// ScenarioFilter narrows the scenario list; zero fields do not filter.
type ScenarioFilter struct {
	Likelihood, Impact int
	JewelID            int64
	Level              Level
	// ResidualLikelihood and ResidualImpact select a cell of the residual
	// heat map.
	ResidualLikelihood, ResidualImpact int
}

// MaxScenarioList caps the unpaginated scenario list of step 2; the
// register (with keyset pagination) is the place for larger analyses.
const MaxScenarioList = 500

// Scenarios lists an analysis's scenarios matching f, highest level first.
func Scenarios(ctx context.Context, q db.Querier, entityID, analysisID int64, f ScenarioFilter) ([]Scenario, error) {
	rows, err := q.Query(ctx, `SELECT `+scenarioColumns+` WHERE s.entity_id = @entity AND s.analysis_id = @analysis
			AND (@l = 0 OR s.inherent_likelihood = @l) AND (@i = 0 OR s.inherent_impact = @i)
			AND (@jewel = 0 OR s.jewel_id = @jewel) AND (@level = 0 OR s.inherent_level = @level)
			AND (@rl = 0 OR s.residual_likelihood = @rl) AND (@ri = 0 OR s.residual_impact = @ri)
		ORDER BY s.inherent_level DESC, s.id LIMIT @limit`,
		pgx.StrictNamedArgs{"entity": entityID, "analysis": analysisID, "l": f.Likelihood, "i": f.Impact, "jewel": f.JewelID,
			"level": int(f.Level), "rl": f.ResidualLikelihood, "ri": f.ResidualImpact, "limit": MaxScenarioList})
	if err != nil {
		return nil, fmt.Errorf("scenarios of analysis %d: %w", analysisID, err)
	}
	return pgx.CollectRows(rows, pgx.RowToStructByName[Scenario])
}

// GetScenario returns one scenario of the entity.
func GetScenario(ctx context.Context, q db.Querier, entityID, id int64) (Scenario, error) {
	return db.GetOne[Scenario](ctx, q, fmt.Sprintf("load scenario %d", id), `SELECT `+scenarioColumns+` WHERE s.entity_id = @entity AND s.id = @id`,
		pgx.StrictNamedArgs{"entity": entityID, "id": id})
}

// InherentCounts counts an analysis's scenarios per (likelihood, impact),
// for the inherent heat map (one query, whatever the number of scenarios).
func InherentCounts(ctx context.Context, q db.Querier, entityID, analysisID int64) (map[[2]int]int, error) {
	rows, err := q.Query(ctx, `SELECT inherent_likelihood, inherent_impact, count(*)::int FROM risk_scenarios
		WHERE entity_id = @entity AND analysis_id = @analysis GROUP BY 1, 2`,
		pgx.StrictNamedArgs{"entity": entityID, "analysis": analysisID})
	if err != nil {
		return nil, fmt.Errorf("heat map of analysis %d: %w", analysisID, err)
	}
	out := map[[2]int]int{}
	var l, i, n int
	_, err = pgx.ForEachRow(rows, []any{&l, &i, &n}, func() error {
		out[[2]int{l, i}] = n
		return nil
	})
	return out, err
}

// ScenarioInput is the scenario form as submitted.
type ScenarioInput struct {
	JewelID, Threat    string
	Aspects            Aspects
	Likelihood, Impact string
	Description        string
	Version            int
}

func (s Scenario) fields() map[string]any {
	return map[string]any{"jewel_id": s.JewelID, "threat": s.Threat().String(), "availability": s.Avail, "integrity": s.Integ,
		"confidentiality": s.Conf, "likelihood": s.Likelihood, "impact": s.Impact, "level": int(s.Level), "description": s.Description}
}

// SaveScenario creates (id 0, within analysisID) or updates a scenario after
// a version check; its level is the analysis's matrix applied to the
// inherent likelihood and impact.
func SaveScenario(ctx context.Context, pool *pgxpool.Pool, actor authz.Actor, analysisID, id int64, in ScenarioInput) (Scenario, error) {
	var saved Scenario
	err := db.InTx(ctx, pool, func(tx pgx.Tx) error {
		var cur Scenario
		if id != 0 {
			var err error
			if cur, err = GetScenario(ctx, tx, actor.EntityID, id); err != nil {
				return err
			}
			analysisID = cur.AnalysisID
		}
		a, err := lockAnalysis(ctx, tx, actor.EntityID, analysisID)
		if err != nil {
			return err
		}
		m, err := a.Method()
		if err != nil {
			return err
		}
		errs := validate.Errors{}
		jewelID, err := strconv.ParseInt(in.JewelID, 10, 64)
		if err == nil {
			var ok bool
			err = tx.QueryRow(ctx, `SELECT EXISTS (SELECT 1 FROM risk_jewels WHERE entity_id = @entity AND analysis_id = @analysis AND id = @id)`,
				pgx.StrictNamedArgs{"entity": actor.EntityID, "analysis": analysisID, "id": jewelID}).Scan(&ok)
			if err != nil {
				return err
			}
			if !ok {
				err = db.ErrNotFound
			}
		}
		if err != nil {
			errs.Add("jewel", "validate.choice")
		}
		ref, ok := ParseThreatRef(in.Threat)
		if ok && ref.ID != 0 {
			if _, err := GetEntityThreat(ctx, tx, actor.EntityID, ref.ID); errors.Is(err, db.ErrNotFound) {
				ok = false
			} else if err != nil {
				return err
			}
		}
		if !ok {
			errs.Add("threat", "validate.choice")
		}
		if !in.Aspects.Any() {
			errs.Add("aspects", "risk.error.aspects")
		}
		scale := func(field, v string) int {
			n, err := strconv.Atoi(v)
			if err != nil || n < 1 || n > ScaleMax {
				errs.Add(field, "risk.error.scale")
			}
			return n
		}
		l, i := scale("likelihood", in.Likelihood), scale("impact", in.Impact)
		desc := strings.TrimSpace(in.Description)
		if len(desc) > 5000 {
			errs.Add("description", "validate.too_long")
		}
		if err := errs.Err(); err != nil {
			return err
		}
		if id != 0 && cur.Version != in.Version {
			return &Conflict{Current: cur}
		}
		level, _ := m.Matrix.Score(l, i)
		var code *string
		var threatID *int64
		if ref.Code != "" {
			code = &ref.Code
		} else {
			threatID = &ref.ID
		}
		args := pgx.StrictNamedArgs{"entity": actor.EntityID, "analysis": analysisID, "jewel": jewelID, "code": code, "threat": threatID,
			"a": in.Aspects.Availability, "i": in.Aspects.Integrity, "c": in.Aspects.Confidentiality, "l": l, "im": i,
			"level": int(level), "description": desc, "actor": actor.UserID}
		if id == 0 {
			err = tx.QueryRow(ctx, `INSERT INTO risk_scenarios (entity_id, analysis_id, jewel_id, threat_code, threat_id, availability,
					integrity, confidentiality, inherent_likelihood, inherent_impact, inherent_level, residual_likelihood, residual_impact,
					residual_level, description, updated_by)
				VALUES (@entity, @analysis, @jewel, @code, @threat, @a, @i, @c, @l, @im, @level, @l, @im, @level, @description, @actor) RETURNING id`,
				args).Scan(&id)
		} else {
			args["id"] = id
			effects, cerr := controlEffects(ctx, tx, actor.EntityID, id)
			if cerr != nil {
				return cerr
			}
			rl, ri, rlevel, _ := Residual(m.Matrix, l, i, effects)
			args["rl"], args["ri"], args["rlevel"] = rl, ri, int(rlevel)
			_, err = tx.Exec(ctx, `UPDATE risk_scenarios SET jewel_id = @jewel, threat_code = @code, threat_id = @threat,
					availability = @a, integrity = @i, confidentiality = @c, inherent_likelihood = @l, inherent_impact = @im,
					inherent_level = @level, residual_likelihood = @rl, residual_impact = @ri, residual_level = @rlevel,
					description = @description, updated_by = @actor, updated_at = now(), version = version + 1
				WHERE entity_id = @entity AND analysis_id = @analysis AND id = @id`, args)
		}
		if err != nil {
			if errors.Is(db.MapError(err), db.ErrConflict) {
				return validate.Field("threat", "risk.error.scenario_taken")
			}
			return fmt.Errorf("save scenario: %w", err)
		}
		if saved, err = GetScenario(ctx, tx, actor.EntityID, id); err != nil {
			return err
		}
		action, before, after := "risk_scenario.created", map[string]any(nil), saved.fields()
		if cur.ID != 0 {
			action = "risk_scenario.updated"
			before, after = audit.Diff(cur.fields(), saved.fields())
		}
		return audit.Record(ctx, tx, audit.Event{EntityID: actor.EntityID, Action: action, ObjectType: "risk_scenario",
			ObjectID: strconv.FormatInt(id, 10), Before: before, After: after})
	})
	return saved, err
}
