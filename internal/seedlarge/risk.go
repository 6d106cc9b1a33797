package seedlarge

import (
	"context"
	"fmt"
	"math/rand/v2"
	"strconv"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/weerbaar/weerbaar/internal/measure/catalogue"
	"github.com/weerbaar/weerbaar/internal/risk"
)

// AnalysisSpec says what Analysis builds.
type AnalysisSpec struct {
	EntityID int64
	// OwnerID owns the jewels and mitigation actions; BoardID (0 = none)
	// adopts the analysis and accepts residual risks.
	OwnerID, BoardID int64
	Period           string
	// Adopted analyses are adopted two months before Today; others are
	// concepts.
	Adopted bool
	// Jewels and Suppliers are counts; Scenarios at most Jewels × the
	// threats of the catalogue (scenario k is jewel k mod Jewels × threat
	// k div Jewels).
	Jewels, Suppliers, Scenarios int
	// Treated gives scenarios existing controls (and residual risk from
	// them), treatments, acceptances and mitigation actions; untreated
	// scenarios have the inherent risk as residual risk and nothing else.
	Treated bool
	Today   time.Time
	Seed    uint64
}

// AnalysisIDs are the ids of what Analysis built.
type AnalysisIDs struct {
	ID                                        int64
	Jewels, Suppliers, Scenarios, Mitigations []int64
	// Accept are the scenarios treated with "accept" whose acceptance is
	// requested or given.
	Accept []int64
}

// Analysis builds a risk analysis of spec.EntityID in tx with COPY: jewels,
// suppliers linked to them, and scenarios scored with the entity's current
// method (the default method is stored first when it has none). Benchmarks
// and tests of the risk register call it on the demo entity.
func Analysis(ctx context.Context, tx pgx.Tx, spec AnalysisSpec) (AnalysisIDs, error) {
	threats := risk.Threats().Threats
	if spec.Jewels < 1 || spec.Scenarios > spec.Jewels*len(threats) {
		return AnalysisIDs{}, fmt.Errorf("seed analysis: %d scenarios need at least %d jewels", spec.Scenarios, (spec.Scenarios+len(threats)-1)/len(threats))
	}
	r := &randSource{rand.New(rand.NewPCG(spec.Seed, 0x5eed))}
	m, err := ensureMethod(ctx, tx, spec.EntityID, spec.OwnerID)
	if err != nil {
		return AnalysisIDs{}, err
	}
	var ids AnalysisIDs
	status, adoptedAt, adoptedBy := "concept", (*time.Time)(nil), (*int64)(nil)
	if spec.Adopted {
		at := spec.Today.AddDate(0, -2, 0).Add(15 * time.Hour)
		status, adoptedAt, adoptedBy = "adopted", &at, nilIfZero(spec.BoardID)
	}
	err = tx.QueryRow(ctx, `INSERT INTO risk_analyses (entity_id, period, status, review_date, method_version, adopted_by, adopted_at,
			adoption_note, created_by, updated_by) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $9) RETURNING id`,
		spec.EntityID, spec.Period, status, spec.Today.AddDate(0, 10, 0), m.Version, adoptedBy, adoptedAt,
		adoptionNote(spec.Adopted), spec.OwnerID).Scan(&ids.ID)
	if err != nil {
		return ids, fmt.Errorf("seed analysis: %w", err)
	}
	a := &analysisSeed{spec: spec, r: r, tx: tx, m: m, ids: &ids}
	for _, step := range []func(context.Context) error{a.jewels, a.suppliers, a.scenarios} {
		if err := step(ctx); err != nil {
			return ids, fmt.Errorf("seed analysis: %w", err)
		}
	}
	return ids, nil
}

func adoptionNote(adopted bool) string {
	if !adopted {
		return ""
	}
	return "Vastgesteld in de vergadering van de raad van bestuur."
}

func nilIfZero(id int64) *int64 {
	if id == 0 {
		return nil
	}
	return &id
}

// ensureMethod returns the entity's current method, storing the default as
// version 1 when it has none.
func ensureMethod(ctx context.Context, tx pgx.Tx, entityID, by int64) (risk.Method, error) {
	m, err := risk.CurrentMethod(ctx, tx, entityID)
	if err != nil || m.Set {
		return m, err
	}
	m.Version = 1
	_, err = tx.Exec(ctx, `INSERT INTO risk_methods (entity_id, method_version, matrix, tolerance, created_by) VALUES ($1, 1, $2, $3, $4)`,
		entityID, m.Matrix.String(), int(m.Tolerance), by)
	return m, err
}

type analysisSeed struct {
	spec AnalysisSpec
	r    *randSource
	tx   pgx.Tx
	m    risk.Method
	ids  *AnalysisIDs
}

var jewelKinds = []struct{ level, name string }{
	{"system", "SCADA"}, {"system", "Historian-server"}, {"system", "ERP-systeem"}, {"system", "Klantportaal"},
	{"system", "Werkplekbeheer"}, {"system", "Active Directory"}, {"system", "Back-upomgeving"}, {"system", "Telemetrienetwerk"},
	{"system", "Meetdatabase"}, {"system", "Laboratoriumsysteem (LIMS)"}, {"system", "Storingsmeldsysteem"}, {"system", "Firewallcluster"},
	{"process", "Procesbesturing"}, {"process", "Klantenservice"}, {"process", "Facturatie"}, {"process", "Storingsdienst"},
	{"goal", "Leveringszekerheid"}, {"goal", "Kwaliteit van de dienstverlening"},
}
var places = []string{"Nieuwegein", "Zwolle", "Amersfoort", "Ede", "Lelystad", "Hoorn", "Gouda", "Breda", "Venlo", "Emmen", "Sneek", "Delft"}

func (a *analysisSeed) jewels(ctx context.Context) error {
	n := a.spec.Jewels
	ids, err := reserveIDs(ctx, a.tx, "risk_jewels", n)
	if err != nil {
		return err
	}
	rows := make([][]any, n)
	for k := range n {
		kind := pick(a.r, jewelKinds)
		rto := a.r.between(1, 72)
		rows[k] = []any{ids[k], a.spec.EntityID, a.ids.ID, fmt.Sprintf("%s %s %03d", kind.name, pick(a.r, places), k+1), kind.level,
			"Onderdeel van de primaire dienstverlening; beheer door de afdeling " + pick(a.r, []string{"IT", "OT", "Facilitair", "Operatie"}) + ".",
			a.spec.OwnerID, a.r.between(1, 4), a.r.between(1, 4), a.r.between(1, 4), rto, a.r.between(0, rto), a.spec.OwnerID}
	}
	a.ids.Jewels = ids
	return copyRows(ctx, a.tx, "risk_jewels", []string{"id", "entity_id", "analysis_id", "name", "level", "description", "owner_id",
		"availability", "integrity", "confidentiality", "rto_hours", "rpo_hours", "updated_by"}, rows, true)
}

var supplierKinds = []struct{ name, service string }{
	{"Automatisering", "Onderhoud en beheer OT-installaties"}, {"Cloud Services", "Hosting van bedrijfsapplicaties"},
	{"Netwerken", "WAN en internetverbindingen"}, {"Beveiliging", "Security Operations Center (24/7)"},
	{"Software", "Licenties en support bedrijfssoftware"}, {"Telecom", "Mobiele telefonie en datalijnen"},
	{"Datacenter", "Colocatie en uitwijklocatie"}, {"Consultancy", "Advies en pentesten"},
}
var supplierNames = []string{"Aqua", "Delta", "Polder", "Noord", "Rijn", "Maas", "Horizon", "Vecht", "Kust", "Duin", "IJssel", "Veluwe"}

func (a *analysisSeed) suppliers(ctx context.Context) error {
	n := a.spec.Suppliers
	if n == 0 {
		return nil
	}
	ids, err := reserveIDs(ctx, a.tx, "risk_suppliers", n)
	if err != nil {
		return err
	}
	day := a.spec.Today
	rows := make([][]any, n)
	for k := range n {
		kind := pick(a.r, supplierKinds)
		var expiry, assessed *time.Time
		result := ""
		if a.r.chance(0.7) {
			e := day.AddDate(0, a.r.between(-3, 30), 0)
			expiry = &e
		}
		if a.r.chance(0.8) {
			d := day.AddDate(0, 0, -a.r.between(10, 700))
			assessed = &d
			result = pick(a.r, []string{"sufficient", "sufficient", "improvements", "insufficient"})
		}
		rows[k] = []any{ids[k], a.spec.EntityID, a.ids.ID, fmt.Sprintf("%s%s %03d B.V.", pick(a.r, supplierNames), kind.name, k+1), kind.service,
			a.r.chance(0.8), a.r.chance(0.6), a.r.chance(0.6), a.r.chance(0.5), a.r.chance(0.4),
			pick(a.r, []string{"ISO/IEC 27001", "ISO/IEC 27001, ISO 22301", "SOC 2 type II", ""}), expiry, assessed, result, "", a.spec.OwnerID}
	}
	a.ids.Suppliers = ids
	if err := copyRows(ctx, a.tx, "risk_suppliers", []string{"id", "entity_id", "analysis_id", "name", "service", "clause_incident",
		"clause_audit", "clause_vulnerability", "clause_subcontracting", "clause_exit", "certifications", "certification_expiry",
		"last_assessed", "assessment_result", "notes", "updated_by"}, rows, true); err != nil {
		return err
	}
	// Each jewel depends on one or two suppliers.
	var links [][]any
	for k, j := range a.ids.Jewels {
		first := k % n
		links = append(links, []any{a.spec.EntityID, a.ids.ID, j, ids[first]})
		if n > 1 && a.r.chance(0.5) {
			links = append(links, []any{a.spec.EntityID, a.ids.ID, j, ids[(first+1+a.r.IntN(n-1))%n]})
		}
	}
	return copyRows(ctx, a.tx, "risk_jewel_suppliers", []string{"entity_id", "analysis_id", "jewel_id", "supplier_id"}, links, false)
}

var treatments = []string{"mitigate", "mitigate", "mitigate", "accept", "transfer", "avoid"}

func (a *analysisSeed) scenarios(ctx context.Context) error {
	n := a.spec.Scenarios
	ids, err := reserveIDs(ctx, a.tx, "risk_scenarios", n)
	if err != nil {
		return err
	}
	threats := risk.Threats().Threats
	codes := requirementCodes()
	var rows, controls, mitigations [][]any
	for k := range n {
		jewel := a.ids.Jewels[k%len(a.ids.Jewels)]
		t := threats[k/len(a.ids.Jewels)]
		l, i := a.r.between(1, 5), a.r.between(1, 5)
		level, _ := a.m.Matrix.Score(l, i)
		rl, ri, rlevel := l, i, level
		row := []any{ids[k], a.spec.EntityID, a.ids.ID, jewel, t.Code, t.Availability || !t.Any(), t.Integrity, t.Confidentiality,
			l, i, int(level), "", a.spec.OwnerID}
		var treatment *string
		justification, acceptance := "", (*string)(nil)
		var acceptedBy *int64
		var acceptedAt, expires *time.Time
		if a.spec.Treated {
			var effects []risk.ControlEffect
			for c, code := range pickN(a.r, codes, a.r.between(0, 2)) {
				eff := risk.ControlEffect{Effectiveness: risk.Effectiveness(a.r.between(0, 3)), Reduces: risk.ReducesLikelihood}
				if c == 1 {
					eff.Reduces = risk.ReducesImpact
				}
				effects = append(effects, eff)
				controls = append(controls, []any{a.spec.EntityID, a.ids.ID, ids[k], code, int(eff.Effectiveness), string(eff.Reduces)})
			}
			rl, ri, rlevel, _ = risk.Residual(a.m.Matrix, l, i, effects)
			if a.r.chance(0.8) {
				tr := pick(a.r, treatments)
				treatment, justification = &tr, treatmentReason[tr]
				switch {
				case tr == "accept" && a.spec.BoardID != 0 && a.r.chance(0.5):
					acc, at, exp := "accepted", a.spec.Today.AddDate(0, 0, -a.r.between(5, 300)), time.Time{}
					exp = at.AddDate(0, risk.AcceptanceMonths, 0)
					acceptance, acceptedBy, acceptedAt, expires = &acc, &a.spec.BoardID, &at, &exp
					a.ids.Accept = append(a.ids.Accept, ids[k])
				case tr == "accept":
					acc := "requested"
					acceptance = &acc
					a.ids.Accept = append(a.ids.Accept, ids[k])
				case tr == "mitigate" && a.r.chance(0.3):
					mitigations = append(mitigations, a.mitigation(ids[k], pick(a.r, codes)))
				}
			}
		}
		rows = append(rows, append(row, rl, ri, int(rlevel), treatment, justification, acceptance, acceptedBy, acceptedAt, expires))
	}
	a.ids.Scenarios = ids
	if err := copyRows(ctx, a.tx, "risk_scenarios", []string{"id", "entity_id", "analysis_id", "jewel_id", "threat_code", "availability",
		"integrity", "confidentiality", "inherent_likelihood", "inherent_impact", "inherent_level", "description", "updated_by",
		"residual_likelihood", "residual_impact", "residual_level", "treatment", "treatment_justification", "acceptance",
		"accepted_by", "accepted_at", "acceptance_expires"}, rows, true); err != nil {
		return err
	}
	if err := copyRows(ctx, a.tx, "risk_scenario_controls", []string{"entity_id", "analysis_id", "scenario_id", "requirement_code",
		"effectiveness", "reduces"}, controls, false); err != nil {
		return err
	}
	mids, err := reserveIDs(ctx, a.tx, "risk_mitigations", len(mitigations))
	if err != nil {
		return err
	}
	for k := range mitigations {
		mitigations[k][0] = mids[k]
	}
	a.ids.Mitigations = mids
	return copyRows(ctx, a.tx, "risk_mitigations", []string{"id", "entity_id", "analysis_id", "scenario_id", "title", "description",
		"requirement_code", "owner_id", "due_date", "done", "done_on", "done_by", "updated_by"}, mitigations, true)
}

var treatmentReason = map[string]string{
	"mitigate": "Aanvullende maatregelen brengen het restrisico binnen de risicobereidheid.",
	"accept":   "De kosten van verdere maatregelen wegen niet op tegen het restrisico.",
	"transfer": "Het risico is verzekerd en contractueel bij de leverancier belegd.",
	"avoid":    "De activiteit wordt beëindigd; het systeem wordt uitgefaseerd.",
}

var mitigationTitles = []string{"Netwerksegmentatie aanscherpen", "MFA op beheeraccounts", "Offline back-up inrichten",
	"Leverancierscontract aanvullen met meldplicht", "Logging naar het SOC", "Patchbeleid OT herzien", "Hersteltest uitvoeren",
	"Bewustwordingstraining phishing"}

// mitigation is a mitigation action row of scenario (id filled in later).
func (a *analysisSeed) mitigation(scenario int64, code string) []any {
	due := a.spec.Today.AddDate(0, 0, a.r.between(-120, 180))
	done := due.Before(a.spec.Today) && a.r.chance(0.7)
	var doneOn *time.Time
	var doneBy *int64
	if done {
		d := due.AddDate(0, 0, -a.r.between(0, 20))
		doneOn, doneBy = &d, &a.spec.OwnerID
	}
	return []any{int64(0), a.spec.EntityID, a.ids.ID, scenario, pick(a.r, mitigationTitles), "", code, a.spec.OwnerID, due, done, doneOn, doneBy, a.spec.OwnerID}
}

// pickN is n distinct random elements of list.
func pickN[T any](r *randSource, list []T, n int) []T {
	out := make([]T, 0, n)
	for _, k := range r.Perm(len(list))[:min(n, len(list))] {
		out = append(out, list[k])
	}
	return out
}

// requirementCodes are the requirement codes of the latest catalogue
// edition (controls and actions refer to them).
func requirementCodes() []string {
	var out []string
	for _, r := range catalogue.Latest().Requirements {
		out = append(out, r.Code)
	}
	return out
}

// riskAnalysis is the entity's adopted analysis for this year.
func (s *seed) riskAnalysis(ctx context.Context) error {
	c := s.e.Counts
	if _, err := s.tx.Exec(ctx, `INSERT INTO risk_methods (entity_id, method_version, matrix, tolerance, created_by, created_at)
		VALUES ($1, 1, $2, $3, $4, $5)`, s.e.ID, risk.DefaultMatrix().String(), int(risk.DefaultTolerance), s.officer, s.created); err != nil {
		return fmt.Errorf("risk method: %w", err)
	}
	ids, err := Analysis(ctx, s.tx, AnalysisSpec{EntityID: s.e.ID, OwnerID: s.officer, BoardID: s.board,
		Period: strconv.Itoa(s.o.Today.Year()), Adopted: true, Jewels: c.Jewels, Suppliers: c.Suppliers, Scenarios: c.Scenarios,
		Treated: true, Today: s.o.Today, Seed: s.o.Seed<<8 | uint64(s.i)})
	if err != nil {
		return err
	}
	s.e.AnalysisID = ids.ID
	s.jewels, s.suppliers, s.scenarios, s.mitigations, s.acceptScenarios = ids.Jewels, ids.Suppliers, ids.Scenarios, ids.Mitigations, ids.Accept
	return nil
}
