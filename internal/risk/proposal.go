package risk

import (
	"context"
	"errors"
	"fmt"
	"sort"

	"github.com/jackc/pgx/v5"

	"github.com/weerbaar/weerbaar/internal/db"
	"github.com/weerbaar/weerbaar/internal/i18n"
)

// ProposalScenario is what the proportionality proposal needs of a
// scenario: its inherent (before existing controls) likelihood and impact,
// and its name for the explanation.
type ProposalScenario struct {
	ID                 int64
	Name               i18n.Text
	Likelihood, Impact int
}

// Proposal is the analysis's proposal for the entity's likelihood and
// impact factors of the proportionality engine (1..5), each with its
// explanation.
type Proposal struct {
	Likelihood, Impact       int
	LikelihoodWhy, ImpactWhy i18n.Msg
	// Scenarios counts the analysis's scenarios; Significant those whose
	// inherent level is above the tolerance.
	Scenarios, Significant int
}

// Propose derives the factors from an analysis's scenarios under its
// method. The factors are scored before existing controls (the engine's
// guidance), so the inherent scores count, and only scenarios whose inherent
// level lies above the entity's tolerance do: those are the risks the
// entity cannot accept without a decision of its management body, i.e. the
// significant incidents the factors are about.
//
//   - Likelihood is the inherent likelihood reached by at least a quarter of
//     all scenarios (the upper quartile, k = ⌈n/4⌉-th highest) when every
//     scenario within tolerance counts as 1. One frequent but otherwise
//     isolated risk does not set the whole entity's likelihood; a quarter
//     of the analysis does.
//   - Impact is the highest inherent impact among the significant scenarios:
//     the factor is the worst credible consequence of a significant
//     incident, so one credible disaster is enough.
//
// No significant scenario gives 1 for both. Raising any scenario's
// likelihood or impact never lowers either factor (the matrix is monotone,
// so the scenario can only become significant, and an order statistic
// never falls when one value rises). No scenarios give no proposal (nil).
func Propose(m Method, scenarios []ProposalScenario) (*Proposal, error) {
	if len(scenarios) == 0 {
		return nil, nil
	}
	p := &Proposal{Likelihood: 1, Impact: 1, Scenarios: len(scenarios)}
	likelihoods := make([]int, len(scenarios))
	var worst *ProposalScenario
	for k := range scenarios {
		s := &scenarios[k]
		lvl, err := m.Matrix.Score(s.Likelihood, s.Impact)
		if err != nil {
			return nil, fmt.Errorf("proposal, scenario %d: %w", s.ID, err)
		}
		likelihoods[k] = 1
		if !AboveTolerance(lvl, m.Tolerance) {
			continue
		}
		p.Significant++
		likelihoods[k] = s.Likelihood
		if worst == nil || s.Impact > worst.Impact {
			worst = s
		}
	}
	tol := i18n.M("risk.level." + m.Tolerance.Key())
	if worst == nil {
		p.LikelihoodWhy = i18n.M("risk.proposal.none", len(scenarios), tol, 1)
		p.ImpactWhy = p.LikelihoodWhy
		return p, nil
	}
	sort.Sort(sort.Reverse(sort.IntSlice(likelihoods)))
	k := UpperQuartileRank(len(scenarios))
	p.Likelihood = likelihoods[k-1]
	// Counts of significant scenarios only (the others count as 1 but are
	// not "above the tolerance with likelihood 1 or more").
	atLeast := func(v int) int { return min(countAtLeast(likelihoods, v), p.Significant) }
	if p.Significant < k {
		p.LikelihoodWhy = i18n.M("risk.proposal.likelihood_few", p.Likelihood, p.Significant, len(scenarios), tol, k)
	} else {
		p.LikelihoodWhy = i18n.M("risk.proposal.likelihood", p.Likelihood, atLeast(p.Likelihood), len(scenarios), tol, k)
	}
	if p.Likelihood < ScaleMax && p.Significant >= k {
		p.LikelihoodWhy = i18n.Join(" ", p.LikelihoodWhy,
			i18n.M("risk.proposal.likelihood_next", p.Likelihood+1, atLeast(p.Likelihood+1)))
	}
	p.Impact = worst.Impact
	p.ImpactWhy = i18n.M("risk.proposal.impact", p.Impact, worst.Name, p.Significant, tol)
	return p, nil
}

// UpperQuartileRank is k = ⌈n/4⌉: the rank from the top that at least a
// quarter of n scenarios reach (at least 1).
func UpperQuartileRank(n int) int {
	return max(1, (n+3)/4)
}

func countAtLeast(values []int, v int) int {
	n := 0
	for _, x := range values {
		if x >= v {
			n++
		}
	}
	return n
}

// ProposalBasis is the analysis the proposal is made from, with its method
// and scenarios (each with its residual risk and the requirement codes of
// its controls).
type ProposalBasis struct {
	Analysis  Analysis
	Method    Method
	Scenarios []BasisScenario
}

// BasisScenario is a scenario of the proposal's analysis.
type BasisScenario struct {
	ID                 int64    `json:"id"`
	JewelName          string   `json:"jewel_name"`
	ThreatCode         *string  `json:"threat_code"`
	ThreatName         string   `json:"threat_name"` // entity threats only
	Likelihood         int      `json:"inherent_likelihood"`
	Impact             int      `json:"inherent_impact"`
	Level              Level    `json:"inherent_level"`
	ResidualLikelihood int      `json:"residual_likelihood"`
	ResidualImpact     int      `json:"residual_impact"`
	ResidualLevel      Level    `json:"residual_level"`
	Controls           []string `json:"controls"`
}

// Name is "jewel × threat" in both languages.
func (s BasisScenario) Name() i18n.Text {
	threat := i18n.Text{NL: s.ThreatName, EN: s.ThreatName}
	if s.ThreatCode != nil {
		threat = i18n.Text{NL: *s.ThreatCode, EN: *s.ThreatCode}
		if t, ok := Threats().Threat(*s.ThreatCode); ok {
			threat = t.Name
		}
	}
	return i18n.Text{NL: s.JewelName + " × " + threat.NL, EN: s.JewelName + " × " + threat.EN}
}

// Proposal is the proposal from the basis's scenarios (nil without
// scenarios).
func (b *ProposalBasis) Proposal() (*Proposal, error) {
	in := make([]ProposalScenario, len(b.Scenarios))
	for k, s := range b.Scenarios {
		in[k] = ProposalScenario{ID: s.ID, Name: s.Name(), Likelihood: s.Likelihood, Impact: s.Impact}
	}
	return Propose(b.Method, in)
}

// LoadProposalBasis returns the analysis the entity's proposal comes from:
// the newest adopted one, else the newest that is still being worked on
// (concept or review); nil when there is neither. One query, whatever the
// number of scenarios: they come along as JSON, highest residual level
// first, each with the requirement codes of its controls.
func LoadProposalBasis(ctx context.Context, q db.Querier, entityID int64) (*ProposalBasis, error) {
	type basisRow struct {
		Analysis
		Scenarios []BasisScenario `db:"basis_scenarios"`
	}
	row, err := db.GetOne[basisRow](ctx, q, "proposal analysis", `SELECT
			(SELECT coalesce(json_agg(json_build_object('id', s.id, 'jewel_name', j.name, 'threat_code', s.threat_code,
				'threat_name', coalesce(t.name, ''), 'inherent_likelihood', s.inherent_likelihood, 'inherent_impact', s.inherent_impact,
				'inherent_level', s.inherent_level, 'residual_likelihood', s.residual_likelihood, 'residual_impact', s.residual_impact,
				'residual_level', s.residual_level,
				'controls', (SELECT coalesce(json_agg(c.requirement_code ORDER BY c.requirement_code), '[]') FROM risk_scenario_controls c
					WHERE c.entity_id = s.entity_id AND c.scenario_id = s.id))
				ORDER BY s.residual_level DESC, s.inherent_level DESC, s.id), '[]')
			 FROM risk_scenarios s JOIN risk_jewels j ON j.id = s.jewel_id LEFT JOIN risk_threats t ON t.id = s.threat_id
			 WHERE s.entity_id = a.entity_id AND s.analysis_id = a.id) AS basis_scenarios, `+analysisColumns+`
		WHERE `+countingAnalysis, pgx.StrictNamedArgs{"entity": entityID})
	if errors.Is(err, db.ErrNotFound) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	b := &ProposalBasis{Analysis: row.Analysis, Scenarios: row.Scenarios}
	if b.Method, err = row.Analysis.Method(); err != nil {
		return nil, err
	}
	return b, nil
}

// MeasureRisks are the scenarios that depend on one measure: those with a
// control (a requirement) that serves it, in the basis's order (highest
// residual level first), and how many of them are above the tolerance.
type MeasureRisks struct {
	Scenarios      []BasisScenario
	AboveTolerance int
}

// RisksByMeasure groups scenarios by the measures their controls serve;
// measuresOf gives the measure codes a requirement serves (from the
// entity's catalogue edition). A scenario appears once per measure however
// many of its controls serve it.
func RisksByMeasure(scenarios []BasisScenario, tolerance Level, measuresOf func(requirementCode string) []string) map[string]*MeasureRisks {
	out := map[string]*MeasureRisks{}
	for _, s := range scenarios {
		seen := map[string]bool{}
		for _, code := range s.Controls {
			for _, m := range measuresOf(code) {
				if seen[m] {
					continue
				}
				seen[m] = true
				mr := out[m]
				if mr == nil {
					mr = &MeasureRisks{}
					out[m] = mr
				}
				mr.Scenarios = append(mr.Scenarios, s)
				if AboveTolerance(s.ResidualLevel, tolerance) {
					mr.AboveTolerance++
				}
			}
		}
	}
	return out
}
