package measure

import (
	"context"
	"encoding/json"
	"fmt"
	"math"
	"time"

	"github.com/weerbaar/weerbaar/internal/approval"
	"github.com/weerbaar/weerbaar/internal/authz"
	"github.com/weerbaar/weerbaar/internal/db"
	"github.com/weerbaar/weerbaar/internal/i18n"
)

// KindPlan is the approval kind of the measure plan: the ten measures with
// their applicability, status and maturity, the proportional advice and the
// targets the board adopts, and the justifications of what does not apply
// (art. 20 lid 1 NIS2: the management body approves the measures). An
// entity has one plan, so its reference is always PlanRef.
const (
	KindPlan = "measure_plan"
	PlanRef  = "plan"
)

func init() {
	approval.Register(approval.Kind{Name: KindPlan, Label: "approval.kind.measure_plan", Permission: authz.MeasureEdit,
		Snapshot: planSnapshot,
		Subjects: func(context.Context, db.Querier, int64) ([]approval.Subject, error) {
			return []approval.Subject{{Ref: PlanRef, Title: planTitle}}, nil
		},
		URL:       func(entityID int64, _ string) string { return fmt.Sprintf("/e/%d/measures", entityID) },
		ValueKeys: map[string]string{"status": "status."},
	})
}

var planTitle = i18n.Text{NL: "Maatregelenplan", EN: "Measure plan"}

func planSnapshot(ctx context.Context, q db.Querier, entityID int64, ref string) (approval.Content, error) {
	if ref != PlanRef {
		return approval.Content{}, fmt.Errorf("measure plan %q: %w", ref, db.ErrNotFound)
	}
	ed, err := EntityEdition(ctx, q, entityID)
	if err != nil {
		return approval.Content{}, err
	}
	o, err := BuildOverview(ctx, q, ed, entityID, time.Now())
	if err != nil {
		return approval.Content{}, err
	}
	return PlanContent(o), nil
}

type planMeasure struct {
	Code          string  `json:"code"`
	Applicable    bool    `json:"applicable"`
	Justification string  `json:"justification,omitempty"`
	Status        string  `json:"status"`
	StatusReason  string  `json:"status_reason,omitempty"`
	Maturity      float64 `json:"maturity"`
	Advice        int     `json:"advice"`
	Target        int     `json:"target"`
	TargetReason  string  `json:"target_reason,omitempty"`
	DueDate       string  `json:"due_date,omitempty"`
}

type planRequirement struct {
	Code          string `json:"code"`
	Justification string `json:"justification"`
}

type plan struct {
	Catalogue     string            `json:"catalogue_edition"`
	Engine        string            `json:"engine_version"`
	Measures      []planMeasure     `json:"measures"`
	NotApplicable []planRequirement `json:"not_applicable"`
}

// PlanContent is the measure plan's content for approval, computed from an
// overview the caller already has (the measures page shows its approval
// status without another query for it). It holds nothing that depends on
// the day it is computed.
func PlanContent(o Overview) approval.Content {
	p := plan{Catalogue: o.CatalogueVersion, Engine: o.EngineVersion, Measures: []planMeasure{}, NotApplicable: []planRequirement{}}
	applicable := 0
	for _, ms := range o.Measures {
		m := planMeasure{Code: ms.Measure.Code, Applicable: ms.Measure.Applicable, Status: string(ms.Progress.Value),
			Maturity: math.Round(ms.Maturity.Value*10) / 10, Advice: ms.Result.Proposal, Target: ms.Result.Target}
		if ms.Measure.Applicable {
			applicable++
		} else {
			m.Justification = ms.Measure.Justification
		}
		if ms.Progress.Overridden {
			m.StatusReason = ms.Progress.Reason
		}
		if ms.Consideration.AdoptedTarget != 0 {
			m.TargetReason = ms.Consideration.TargetReason
		}
		if ms.Measure.DueDate != nil {
			m.DueDate = ms.Measure.DueDate.Format("2006-01-02")
		}
		p.Measures = append(p.Measures, m)
	}
	for _, r := range o.Requirements {
		if !r.Applicable {
			p.NotApplicable = append(p.NotApplicable, planRequirement{Code: r.Code, Justification: r.Justification})
		}
	}
	pct := int(math.Round(o.Readiness * 100))
	summary := i18n.Text{
		NL: fmt.Sprintf("Het plan voor de tien zorgplichtmaatregelen (art. 21 lid 2 NIS2): %d van de %d maatregelen zijn van toepassing, %d eisen zijn niet van toepassing (met onderbouwing). %d van de %d toepasselijke eisen halen hun doelniveau (%d%%). Met uw goedkeuring stelt u de streefniveaus per maatregel vast.",
			applicable, len(o.Measures), len(p.NotApplicable), o.Ready, o.Applicable, pct),
		EN: fmt.Sprintf("The plan for the ten cybersecurity risk-management measures (Art. 21(2) NIS2): %d of the %d measures apply, %d requirements do not apply (with justification). %d of the %d applicable requirements meet their target (%d%%). By approving it you adopt the target level of each measure.",
			applicable, len(o.Measures), len(p.NotApplicable), o.Ready, o.Applicable, pct),
	}
	return approval.Content{Data: p, Title: planTitle, Summary: summary}
}

// MaturityChange is one measure's current maturity beside the maturity in
// the last approved plan.
type MaturityChange struct {
	Code          string
	Approved, Now float64
}

// MaturitySinceApproval compares the current maturity of each applicable
// measure with the approved plan's snapshot (the canonical document the
// board approved): the board's trend since its last decision. Measures
// that are new or no longer applicable are left out. Pure.
func MaturitySinceApproval(approvedDoc string, o Overview) ([]MaturityChange, error) {
	var approved plan
	if err := json.Unmarshal([]byte(approvedDoc), &approved); err != nil {
		return nil, fmt.Errorf("approved measure plan: %w", err)
	}
	then := map[string]float64{}
	for _, m := range approved.Measures {
		if m.Applicable {
			then[m.Code] = m.Maturity
		}
	}
	var out []MaturityChange
	for _, ms := range o.Measures {
		before, ok := then[ms.Measure.Code]
		if !ok || !ms.Measure.Applicable {
			continue
		}
		out = append(out, MaturityChange{Code: ms.Measure.Code, Approved: before, Now: math.Round(ms.Maturity.Value*10) / 10})
	}
	return out, nil
}
