package risk

import (
	"context"
	"fmt"
	"strconv"
	"sync"

	"github.com/jackc/pgx/v5"

	"github.com/weerbaar/weerbaar/internal/approval"
	"github.com/weerbaar/weerbaar/internal/audit"
	"github.com/weerbaar/weerbaar/internal/authz"
	"github.com/weerbaar/weerbaar/internal/db"
	"github.com/weerbaar/weerbaar/internal/i18n"
	"github.com/weerbaar/weerbaar/internal/validate"
)

// KindAnalysis is the approval kind of a risk analysis version: its method,
// crown jewels and scenarios with their levels and treatments. The
// reference is the analysis id. When the board approves it, the analysis is
// adopted ("vastgesteld").
const KindAnalysis = "risk_analysis"

func init() {
	approval.Register(approval.Kind{Name: KindAnalysis, Label: "approval.kind.risk_analysis", Permission: authz.RiskEdit,
		Snapshot: analysisSnapshot, Subjects: analysisSubjects,
		URL: func(entityID int64, ref string) string { return fmt.Sprintf("/e/%d/risks/%s", entityID, ref) },
		ValueKeys: map[string]string{"treatment": "risk.treatment.", "level": "risk.level.", "residual_level": "risk.level.",
			"tolerance": "risk.level.", "jewel_level": "risk.jewel.level.", "acceptance": "approval.value.acceptance."},
		Approved: adoptApproved,
	})
}

func parseRef(ref string) (int64, bool) {
	id, err := strconv.ParseInt(ref, 10, 64)
	return id, err == nil && id > 0 && strconv.FormatInt(id, 10) == ref
}

func analysisSubjects(ctx context.Context, q db.Querier, entityID int64) ([]approval.Subject, error) {
	list, err := Analyses(ctx, q, entityID)
	if err != nil {
		return nil, err
	}
	var out []approval.Subject
	for _, a := range list {
		if a.Status == StatusArchived {
			continue
		}
		out = append(out, approval.Subject{Ref: strconv.FormatInt(a.ID, 10), Title: analysisTitle(a)})
	}
	return out, nil
}

func analysisTitle(a Analysis) i18n.Text {
	return i18n.Text{NL: "Risicoanalyse " + a.Period, EN: "Risk analysis " + a.Period}
}

type snapJewel struct {
	Ref             string `json:"ref"`
	Level           string `json:"jewel_level"`
	Availability    int    `json:"availability"`
	Integrity       int    `json:"integrity"`
	Confidentiality int    `json:"confidentiality"`
	RTOHours        *int   `json:"rto_hours"`
	RPOHours        *int   `json:"rpo_hours"`
}

type snapScenario struct {
	Ref                string `json:"ref"`
	Likelihood         int    `json:"likelihood"`
	Impact             int    `json:"impact"`
	Level              string `json:"level"`
	ResidualLikelihood int    `json:"residual_likelihood"`
	ResidualImpact     int    `json:"residual_impact"`
	ResidualLevel      string `json:"residual_level"`
	Treatment          string `json:"treatment"`
	Justification      string `json:"justification"`
	Acceptance         string `json:"acceptance"`
}

type snapAnalysis struct {
	Period        string         `json:"period"`
	ReviewDate    string         `json:"review_date"`
	MethodVersion int            `json:"method_version"`
	Matrix        string         `json:"matrix"`
	Tolerance     string         `json:"tolerance"`
	Jewels        []snapJewel    `json:"jewels"`
	Scenarios     []snapScenario `json:"scenarios"`
}

func analysisSnapshot(ctx context.Context, q db.Querier, entityID int64, ref string) (approval.Content, error) {
	id, ok := parseRef(ref)
	if !ok {
		return approval.Content{}, fmt.Errorf("risk analysis %q: %w", ref, db.ErrNotFound)
	}
	c, _, err := loadContent(ctx, q, entityID, id)
	return c, err
}

// AllScenarios lists every scenario of an analysis (no cap, unlike
// Scenarios), for the evidence package, which holds the whole analysis.
func AllScenarios(ctx context.Context, q db.Querier, entityID, analysisID int64) ([]Scenario, error) {
	rows, err := q.Query(ctx, `SELECT `+scenarioColumns+` WHERE s.entity_id = @entity AND s.analysis_id = @analysis
		ORDER BY s.inherent_level DESC, s.id`, pgx.StrictNamedArgs{"entity": entityID, "analysis": analysisID})
	if err != nil {
		return nil, fmt.Errorf("scenarios of analysis %d: %w", analysisID, err)
	}
	return pgx.CollectRows(rows, pgx.RowToStructByName[Scenario])
}

// contentJewel and contentScenario are what the approved content holds of a
// jewel and a scenario, as contentQuery reads them.
type contentJewel struct {
	Name            string `json:"name"`
	Level           string `json:"level"`
	Availability    int    `json:"availability"`
	Integrity       int    `json:"integrity"`
	Confidentiality int    `json:"confidentiality"`
	RTOHours        *int   `json:"rto_hours"`
	RPOHours        *int   `json:"rpo_hours"`
}

type contentScenario struct {
	Jewel              string  `json:"jewel"`
	ThreatCode         *string `json:"threat_code"`
	ThreatName         string  `json:"threat_name"`
	Likelihood         int     `json:"likelihood"`
	Impact             int     `json:"impact"`
	Level              Level   `json:"level"`
	ResidualLikelihood int     `json:"residual_likelihood"`
	ResidualImpact     int     `json:"residual_impact"`
	ResidualLevel      Level   `json:"residual_level"`
	Treatment          *string `json:"treatment"`
	Justification      string  `json:"justification"`
	Acceptance         *string `json:"acceptance"`
}

// contentKey is one state of an analysis's approved content: its own row's
// version and content_version, which the database bumps on every change to
// its jewels, scenarios and the names of the threats they use (migration
// 000045).
type contentKey struct {
	entityID, id   int64
	version        int
	contentVersion int64
}

func keyOf(a Analysis) contentKey {
	return contentKey{entityID: a.EntityID, id: a.ID, version: a.Version, contentVersion: a.ContentVersion}
}

// contentQuery reads an analysis's whole approved content in one statement,
// so its parts and its key come from one snapshot of the database. The
// jewels are in the order of Jewels, the scenarios highest level first.
const contentQuery = `SELECT a.period, a.review_date, a.method_version, m.matrix, m.tolerance::int, a.version, a.content_version,
		(SELECT coalesce(json_agg(json_build_object('name', j.name, 'level', j.level, 'availability', j.availability,
				'integrity', j.integrity, 'confidentiality', j.confidentiality, 'rto_hours', j.rto_hours, 'rpo_hours', j.rpo_hours)
			ORDER BY array_position(ARRAY['goal','process','system'], j.level), j.name), '[]')
			FROM risk_jewels j WHERE j.entity_id = a.entity_id AND j.analysis_id = a.id),
		(SELECT coalesce(json_agg(json_build_object('jewel', j.name, 'threat_code', s.threat_code, 'threat_name', coalesce(t.name, ''),
				'likelihood', s.inherent_likelihood, 'impact', s.inherent_impact, 'level', s.inherent_level,
				'residual_likelihood', s.residual_likelihood, 'residual_impact', s.residual_impact, 'residual_level', s.residual_level,
				'treatment', s.treatment, 'justification', s.treatment_justification, 'acceptance', s.acceptance)
			ORDER BY s.inherent_level DESC, s.id), '[]')
			FROM risk_scenarios s JOIN risk_jewels j ON j.id = s.jewel_id LEFT JOIN risk_threats t ON t.id = s.threat_id
			WHERE s.entity_id = a.entity_id AND s.analysis_id = a.id)
	FROM risk_analyses a JOIN risk_methods m ON m.entity_id = a.entity_id AND m.method_version = a.method_version
	WHERE a.entity_id = @entity AND a.id = @id`

// loadContent reads analysis id's approved content (one query) with the key
// of the state it read.
func loadContent(ctx context.Context, q db.Querier, entityID, id int64) (approval.Content, contentKey, error) {
	a := Analysis{ID: id, EntityID: entityID}
	var jewels []contentJewel
	var scenarios []contentScenario
	err := q.QueryRow(ctx, contentQuery, pgx.StrictNamedArgs{"entity": entityID, "id": id}).Scan(&a.Period, &a.ReviewDate,
		&a.MethodVersion, &a.MatrixText, &a.ToleranceCode, &a.Version, &a.ContentVersion, &jewels, &scenarios)
	if err != nil {
		return approval.Content{}, contentKey{}, fmt.Errorf("content of analysis %d: %w", id, db.MapError(err))
	}
	return analysisContent(a, jewels, scenarios), keyOf(a), nil
}

// analysisContent is a risk analysis's content for approval.
func analysisContent(a Analysis, jewels []contentJewel, scenarios []contentScenario) approval.Content {
	s := snapAnalysis{Period: a.Period, ReviewDate: a.ReviewDate.Format("2006-01-02"), MethodVersion: a.MethodVersion,
		Matrix: a.MatrixText, Tolerance: Level(a.ToleranceCode).Key(), Jewels: []snapJewel{}, Scenarios: []snapScenario{}}
	for _, j := range jewels {
		s.Jewels = append(s.Jewels, snapJewel{Ref: j.Name, Level: j.Level, Availability: j.Availability, Integrity: j.Integrity,
			Confidentiality: j.Confidentiality, RTOHours: j.RTOHours, RPOHours: j.RPOHours})
	}
	above := 0
	for _, sc := range scenarios {
		threat := sc.ThreatName
		if sc.ThreatCode != nil {
			threat = *sc.ThreatCode
		}
		row := snapScenario{Ref: sc.Jewel + " × " + threat, Likelihood: sc.Likelihood, Impact: sc.Impact, Level: sc.Level.Key(),
			ResidualLikelihood: sc.ResidualLikelihood, ResidualImpact: sc.ResidualImpact, ResidualLevel: sc.ResidualLevel.Key(),
			Treatment: orEmpty(sc.Treatment), Justification: sc.Justification, Acceptance: orEmpty(sc.Acceptance)}
		if AboveTolerance(sc.ResidualLevel, Level(a.ToleranceCode)) {
			above++
		}
		s.Scenarios = append(s.Scenarios, row)
	}
	return approval.Content{Data: s, Title: analysisTitle(a), Summary: i18n.Text{
		NL: fmt.Sprintf("Risicoanalyse %s met %d kroonjuwelen en %d scenario's; %d restrisico's liggen boven de risicotolerantie. Met uw goedkeuring wordt deze analyse vastgesteld.", a.Period, len(jewels), len(scenarios), above),
		EN: fmt.Sprintf("Risk analysis %s with %d crown jewels and %d scenarios; %d residual risks are above the risk tolerance. Approving it adopts this analysis.", a.Period, len(jewels), len(scenarios), above),
	}}
}

// contentHashes keeps the approval hash of the analysis contents hashed
// lately, per contentKey: a key never names two contents, so an entry is
// never stale, only unused. The map is emptied when it is full.
var contentHashes = struct {
	sync.Mutex
	m map[contentKey]string
}{m: map[contentKey]string{}}

// maxContentHashes bounds contentHashes (a few hundred bytes an entry).
const maxContentHashes = 4096

func cachedHash(k contentKey) (string, bool) {
	contentHashes.Lock()
	defer contentHashes.Unlock()
	h, ok := contentHashes.m[k]
	return h, ok
}

func storeHash(k contentKey, hash string) {
	contentHashes.Lock()
	defer contentHashes.Unlock()
	if len(contentHashes.m) >= maxContentHashes {
		clear(contentHashes.m)
	}
	contentHashes.m[k] = hash
}

// AnalysisStanding is the board's approval standing of analysis a, as just
// loaded by GetAnalysis. The hash of its content is computed once per state
// (contentKey) and then kept in memory, so a view of an unchanged analysis
// reads neither its scenarios nor the approved snapshot: one query. A
// changed or outdated analysis costs one query more (its content, to hash
// it or to list what changed since the approval).
func AnalysisStanding(ctx context.Context, q db.Querier, a Analysis) (approval.Status, error) {
	var doc []byte
	current := func() ([]byte, error) {
		if doc != nil {
			return doc, nil
		}
		c, k, err := loadContent(ctx, q, a.EntityID, a.ID)
		if err != nil {
			return nil, err
		}
		d, h, err := approval.Canonical(c.Data)
		if err != nil {
			return nil, err
		}
		storeHash(k, h)
		doc = d
		return doc, nil
	}
	hash, ok := cachedHash(keyOf(a))
	if !ok {
		d, err := current()
		if err != nil {
			return approval.Status{}, err
		}
		hash = approval.Hash(d)
	}
	return approval.StatusOfHash(ctx, q, a.EntityID, KindAnalysis, strconv.FormatInt(a.ID, 10), hash, current)
}

// adoptApproved adopts the analysis whose request the board approved, in the
// decision's transaction; the adoption note names the request and its hash.
// An analysis that was adopted or archived meanwhile stays as it is.
func adoptApproved(ctx context.Context, tx pgx.Tx, actor authz.Actor, req approval.Request) error {
	id, ok := parseRef(req.SubjectRef)
	if !ok {
		return nil
	}
	var st Status
	err := tx.QueryRow(ctx, `SELECT status FROM risk_analyses WHERE entity_id = @entity AND id = @id FOR UPDATE`,
		pgx.StrictNamedArgs{"entity": actor.EntityID, "id": id}).Scan(&st)
	if err != nil {
		if db.MapError(err) == db.ErrNotFound {
			return nil
		}
		return fmt.Errorf("lock analysis %d: %w", id, err)
	}
	if !st.Editable() {
		return nil
	}
	note := fmt.Sprintf("Bestuursbesluit #%d (SHA-256 %s)", req.ID, req.SnapshotHash)
	if _, err := tx.Exec(ctx, `UPDATE risk_analyses SET status = 'adopted', adopted_by = @actor, adopted_at = now(), adoption_note = @note,
		updated_by = @actor, updated_at = now(), version = version + 1 WHERE entity_id = @entity AND id = @id`,
		pgx.StrictNamedArgs{"actor": actor.UserID, "note": note, "entity": actor.EntityID, "id": id}); err != nil {
		return fmt.Errorf("adopt analysis %d: %w", id, err)
	}
	return audit.Record(ctx, tx, audit.Event{EntityID: actor.EntityID, Action: "risk_analysis.status_changed",
		ObjectType: "risk_analysis", ObjectID: strconv.FormatInt(id, 10), Before: map[string]any{"status": string(st)},
		After: map[string]any{"status": string(StatusAdopted), "note": note}})
}

// boardAdopts refuses the admin's own adoption when the entity has board
// members: the management body adopts the analysis through an approval
// request. Without board members an admin still records the adoption.
func boardAdopts(ctx context.Context, q db.Querier, entityID int64) error {
	board, err := approval.BoardMembers(ctx, q, entityID)
	if err != nil {
		return err
	}
	if len(board) > 0 {
		return validate.Field("note", "risk.error.board_adopts")
	}
	return nil
}

func orEmpty(s *string) string {
	if s == nil {
		return ""
	}
	return *s
}

// KindAcceptance is the approval kind of a residual risk above the
// entity's tolerance that the treatment asks to accept: only the management
// body may accept it. The reference is the scenario id; approval records the
// acceptance (by the deciding board member, for AcceptanceMonths).
const KindAcceptance = "risk_acceptance"

func init() {
	approval.Register(approval.Kind{Name: KindAcceptance, Label: "approval.kind.risk_acceptance", Permission: authz.RiskEdit,
		Snapshot: acceptanceSnapshot, Subjects: acceptanceSubjects,
		URL: func(entityID int64, ref string) string {
			return fmt.Sprintf("/e/%d/risks/scenarios/%s/resilience", entityID, ref)
		},
		ValueKeys: map[string]string{"treatment": "risk.treatment.", "level": "risk.level.", "residual_level": "risk.level.",
			"tolerance": "risk.level.", "acceptance": "approval.value.acceptance."},
		Approved: acceptApproved,
	})
}

// threatText is a scenario's threat as bilingual text.
func threatText(sc Scenario) i18n.Text {
	if sc.ThreatCode != nil {
		if t, ok := Threats().Threat(*sc.ThreatCode); ok {
			return t.Name
		}
		return i18n.Text{NL: *sc.ThreatCode, EN: *sc.ThreatCode}
	}
	return i18n.Text{NL: sc.ThreatName, EN: sc.ThreatName}
}

func acceptanceTitle(sc Scenario) i18n.Text {
	t := threatText(sc)
	return i18n.Text{NL: "Restrisico accepteren: " + sc.JewelName + " × " + t.NL, EN: "Accept residual risk: " + sc.JewelName + " × " + t.Lang(i18n.EN)}
}

func acceptanceSubjects(ctx context.Context, q db.Querier, entityID int64) ([]approval.Subject, error) {
	rows, err := q.Query(ctx, `SELECT `+scenarioColumns+` WHERE s.entity_id = @entity AND s.acceptance = 'requested' ORDER BY s.residual_level DESC, s.id`,
		pgx.StrictNamedArgs{"entity": entityID})
	if err != nil {
		return nil, fmt.Errorf("requested acceptances of entity %d: %w", entityID, err)
	}
	list, err := pgx.CollectRows(rows, pgx.RowToStructByName[Scenario])
	if err != nil {
		return nil, err
	}
	out := make([]approval.Subject, 0, len(list))
	for _, sc := range list {
		out = append(out, approval.Subject{Ref: strconv.FormatInt(sc.ID, 10), Title: acceptanceTitle(sc)})
	}
	return out, nil
}

type snapAcceptance struct {
	Period             string `json:"period"`
	Tolerance          string `json:"tolerance"`
	Scenario           string `json:"ref"`
	Likelihood         int    `json:"likelihood"`
	Impact             int    `json:"impact"`
	Level              string `json:"level"`
	ResidualLikelihood int    `json:"residual_likelihood"`
	ResidualImpact     int    `json:"residual_impact"`
	ResidualLevel      string `json:"residual_level"`
	Treatment          string `json:"treatment"`
	Justification      string `json:"justification"`
}

// acceptanceSnapshot is what the board accepts: the scenario's risk before
// and after controls against the tolerance, and the justification. A
// scenario whose treatment does not ask for or hold an acceptance is not a
// subject (db.ErrNotFound).
func acceptanceSnapshot(ctx context.Context, q db.Querier, entityID int64, ref string) (approval.Content, error) {
	id, ok := parseRef(ref)
	if !ok {
		return approval.Content{}, fmt.Errorf("scenario %q: %w", ref, db.ErrNotFound)
	}
	sc, err := GetScenario(ctx, q, entityID, id)
	if err != nil {
		return approval.Content{}, err
	}
	if sc.Acceptance == nil {
		return approval.Content{}, fmt.Errorf("scenario %d asks no acceptance: %w", id, db.ErrNotFound)
	}
	a, err := GetAnalysis(ctx, q, entityID, sc.AnalysisID)
	if err != nil {
		return approval.Content{}, err
	}
	tol := Level(a.ToleranceCode)
	threat := threatText(sc)
	data := snapAcceptance{Period: a.Period, Tolerance: tol.Key(), Scenario: sc.JewelName + " × " + orEmpty(sc.ThreatCode) + sc.ThreatName,
		Likelihood: sc.Likelihood, Impact: sc.Impact, Level: sc.Level.Key(), ResidualLikelihood: sc.ResidualLikelihood,
		ResidualImpact: sc.ResidualImpact, ResidualLevel: sc.ResidualLevel.Key(), Treatment: orEmpty(sc.Treatment), Justification: sc.Justification}
	return approval.Content{Data: data, Title: acceptanceTitle(sc), Summary: i18n.Text{
		NL: fmt.Sprintf("In risicoanalyse %s blijft voor %s bij de dreiging %s na de bestaande maatregelen een restrisico over (kans %d, impact %d) dat boven de risicotolerantie ligt. Met uw goedkeuring accepteert het bestuur dit restrisico voor %d maanden, met de onderbouwing hieronder.",
			a.Period, sc.JewelName, threat.NL, sc.ResidualLikelihood, sc.ResidualImpact, AcceptanceMonths),
		EN: fmt.Sprintf("In risk analysis %s, %s under the threat %s keeps a residual risk after existing controls (likelihood %d, impact %d) above the risk tolerance. By approving, the board accepts this residual risk for %d months, with the justification below.",
			a.Period, sc.JewelName, threat.Lang(i18n.EN), sc.ResidualLikelihood, sc.ResidualImpact, AcceptanceMonths),
	}}, nil
}

// acceptApproved records the board's acceptance on the scenario, in the
// decision's transaction: accepted by the board member whose decision
// reached the quorum, for AcceptanceMonths. A scenario whose treatment
// changed meanwhile (no longer asking) stays as it is.
func acceptApproved(ctx context.Context, tx pgx.Tx, actor authz.Actor, req approval.Request) error {
	id, ok := parseRef(req.SubjectRef)
	if !ok {
		return nil
	}
	tag, err := tx.Exec(ctx, `UPDATE risk_scenarios SET acceptance = 'accepted', accepted_by = @actor, accepted_at = now(),
			acceptance_expires = (now() AT TIME ZONE 'Europe/Amsterdam')::date + make_interval(months => @months),
			updated_by = @actor, updated_at = now(), version = version + 1
		WHERE entity_id = @entity AND id = @id AND acceptance = 'requested'`,
		pgx.StrictNamedArgs{"actor": actor.UserID, "months": AcceptanceMonths, "entity": actor.EntityID, "id": id})
	if err != nil {
		return fmt.Errorf("accept scenario %d: %w", id, err)
	}
	if tag.RowsAffected() == 0 {
		return nil
	}
	return audit.Record(ctx, tx, audit.Event{EntityID: actor.EntityID, Action: "risk_scenario.accepted_by_board",
		ObjectType: "risk_scenario", ObjectID: req.SubjectRef, Before: map[string]any{"acceptance": AcceptanceRequested},
		After: map[string]any{"acceptance": AcceptanceAccepted, "snapshot_hash": req.SnapshotHash}})
}
