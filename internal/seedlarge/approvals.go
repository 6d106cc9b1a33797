package seedlarge

import (
	"context"
	"encoding/json"
	"fmt"
	"strconv"
	"time"

	"github.com/weerbaar/weerbaar/internal/approval"
	"github.com/weerbaar/weerbaar/internal/risk"
)

// approvals adds the board's decisions on acceptances of residual risk
// over the last two years (risk_acceptance requests, snapshots made by the
// kind itself); the newest tenth still waits for the board.
func (s *seed) approvals(ctx context.Context) error {
	n := s.e.Counts.Approvals
	if len(s.acceptScenarios) == 0 || n == 0 {
		return nil
	}
	kind, ok := approval.Lookup(risk.KindAcceptance)
	if !ok {
		return fmt.Errorf("approval kind %s is not registered", risk.KindAcceptance)
	}
	ids, err := reserveIDs(ctx, s.tx, "approval_requests", n)
	if err != nil {
		return err
	}
	type snap struct {
		doc, hash, title, summary string
	}
	snaps := map[string]snap{}
	pending := map[string]bool{}
	var requests, decisions [][]any
	span := s.o.Today.Sub(s.o.Today.AddDate(-2, 0, 0))
	for k, id := range ids {
		ref := strconv.FormatInt(s.acceptScenarios[k%len(s.acceptScenarios)], 10)
		sn, ok := snaps[ref]
		if !ok {
			content, err := kind.Snapshot(ctx, s.tx, s.e.ID, ref)
			if err != nil {
				return fmt.Errorf("snapshot of scenario %s: %w", ref, err)
			}
			doc, hash, err := approval.Canonical(content.Data)
			if err != nil {
				return err
			}
			title, _ := json.Marshal(content.Title)
			summary, _ := json.Marshal(content.Summary)
			sn = snap{string(doc), hash, string(title), string(summary)}
			snaps[ref] = sn
		}
		submitted := s.o.Today.AddDate(-2, 0, 0).Add(span * time.Duration(k) / time.Duration(n)).Add(10 * time.Hour)
		state, decidedAt := "approved", (*time.Time)(nil)
		if k >= n-max(1, n/10) && !pending[ref] {
			state, pending[ref] = "pending", true
		} else {
			d := submitted.Add(time.Duration(s.r.between(2, 24*10)) * time.Hour)
			if d.After(s.o.Today) {
				d = s.o.Today.Add(-time.Hour)
			}
			decidedAt = &d
			decision, comment := "approve", "Akkoord, besproken in de vergadering van de raad van bestuur."
			if s.r.chance(0.15) {
				state, decision, comment = "rejected", "reject", "Niet akkoord: eerst de aanvullende maatregelen uitwerken."
			}
			decisions = append(decisions, []any{s.e.ID, id, s.board, decision, comment, d, "password", sn.hash})
		}
		requests = append(requests, []any{id, s.e.ID, risk.KindAcceptance, ref, sn.title, sn.summary,
			"Verzoek om het restrisico te accepteren; zie de onderbouwing in de risicoanalyse.", s.officer, submitted,
			sn.doc, sn.hash, "majority", 1, true, []int64{s.board}, 1, state, decidedAt})
	}
	if err := copyRows(ctx, s.tx, "approval_requests", []string{"id", "entity_id", "kind", "subject_ref", "title", "summary", "cover_note",
		"submitted_by", "submitted_at", "snapshot", "snapshot_hash", "quorum", "min_approvals", "reject_at_first", "eligible",
		"required", "state", "decided_at"}, requests, true); err != nil {
		return err
	}
	return copyRows(ctx, s.tx, "approval_decisions", []string{"entity_id", "request_id", "user_id", "decision", "comment", "decided_at",
		"reauth", "snapshot_hash"}, decisions, false)
}
