package measure

import (
	"context"
	"encoding/json"
	"fmt"
	"strconv"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/weerbaar/weerbaar/internal/audit"
	"github.com/weerbaar/weerbaar/internal/authz"
	"github.com/weerbaar/weerbaar/internal/db"
	"github.com/weerbaar/weerbaar/internal/risk"
)

// label names the source analysis in the audit trail ("2026 (#12)"), "" for
// none.
func (s *FactorsSource) label() string {
	if s == nil {
		return ""
	}
	return s.AnalysisPeriod + " (#" + strconv.FormatInt(s.AnalysisID, 10) + ")"
}

// RiskProposalInput is the officer's acceptance of the proposal as the page
// showed it: the analysis it came from, the proposed likelihood and impact,
// and the factors' version.
type RiskProposalInput struct {
	AnalysisID         int64
	Likelihood, Impact int
	Version            int
}

// AcceptRiskProposal adopts the risk analysis's proposal for the likelihood
// and impact factors (risk.Propose); exposure is unchanged. The proposal is
// recomputed in the transaction: when the analysis it comes from or its
// values differ from what the officer saw, or the factors changed
// meanwhile, nothing is saved (*Conflict). An analysis id of another entity
// is db.ErrNotFound. The factors record the analysis and the explanation,
// the change is audit-logged as its own action, and the proportionality
// snapshot is saved as SaveFactors does.
func AcceptRiskProposal(ctx context.Context, pool *pgxpool.Pool, actor authz.Actor, in RiskProposalInput) error {
	return db.InTx(ctx, pool, func(tx pgx.Tx) error {
		if _, err := risk.GetAnalysis(ctx, tx, actor.EntityID, in.AnalysisID); err != nil {
			return err
		}
		cur, err := LoadFactors(ctx, tx, actor.EntityID)
		if err != nil {
			return err
		}
		basis, err := risk.LoadProposalBasis(ctx, tx, actor.EntityID)
		if err != nil {
			return err
		}
		if basis == nil || basis.Analysis.ID != in.AnalysisID {
			return &Conflict{Current: cur}
		}
		p, err := basis.Proposal()
		if err != nil {
			return err
		}
		if p == nil || p.Likelihood != in.Likelihood || p.Impact != in.Impact {
			return &Conflict{Current: cur}
		}
		why, err := json.Marshal(SourceExplanation{Likelihood: p.LikelihoodWhy, Impact: p.ImpactWhy})
		if err != nil {
			return err
		}
		tag, err := tx.Exec(ctx, `INSERT INTO proportion_factors AS p (entity_id, exposure, likelihood, impact, updated_by,
				source_analysis_id, source_explanation)
			VALUES (@entity, @exposure, @likelihood, @impact, @actor, @analysis, @why)
			ON CONFLICT (entity_id) DO UPDATE SET likelihood = excluded.likelihood, impact = excluded.impact,
				updated_by = excluded.updated_by, updated_at = now(), version = p.version + 1,
				source_analysis_id = excluded.source_analysis_id, source_explanation = excluded.source_explanation
			WHERE p.version = @version`,
			pgx.StrictNamedArgs{"entity": actor.EntityID, "exposure": cur.Exposure, "likelihood": p.Likelihood, "impact": p.Impact,
				"actor": actor.UserID, "analysis": in.AnalysisID, "why": why, "version": in.Version})
		if err != nil {
			return fmt.Errorf("adopt risk proposal: %w", err)
		}
		if tag.RowsAffected() == 0 || cur.Set != (in.Version > 0) {
			return &Conflict{Current: cur}
		}
		source := (&FactorsSource{AnalysisID: basis.Analysis.ID, AnalysisPeriod: basis.Analysis.Period}).label()
		before, after := audit.Diff(
			map[string]any{"likelihood": cur.Likelihood, "impact": cur.Impact, "set": cur.Set},
			map[string]any{"likelihood": p.Likelihood, "impact": p.Impact, "set": true})
		// The analysis is always recorded, even when the values did not
		// change: the acceptance itself is the decision.
		before["source_analysis"], after["source_analysis"] = cur.Source.label(), source
		if err := audit.Record(ctx, tx, audit.Event{EntityID: actor.EntityID, Action: "proportion.factors_from_risk",
			ObjectType: "proportion_factors", ObjectID: strconv.FormatInt(actor.EntityID, 10), Before: before, After: after}); err != nil {
			return err
		}
		_, err = SaveSnapshot(ctx, tx, actor.EntityID)
		return err
	})
}
