package incident

import (
	"context"
	"fmt"

	"github.com/weerbaar/weerbaar/internal/approval"
	"github.com/weerbaar/weerbaar/internal/authz"
	"github.com/weerbaar/weerbaar/internal/db"
	"github.com/weerbaar/weerbaar/internal/i18n"
)

// KindResponsePlan is the approval kind of the incident response plan: the
// contacts, escalation, communication and the playbooks the board adopts
// (art. 20 lid 1 NIS2: the management body approves the measures, of which
// incident handling is one). An entity has one plan, so its reference is
// always ResponsePlanRef.
const (
	KindResponsePlan = "response_plan"
	ResponsePlanRef  = "plan"
)

func init() {
	approval.Register(approval.Kind{Name: KindResponsePlan, Label: "approval.kind.response_plan", Permission: authz.IncidentEdit,
		Snapshot: func(ctx context.Context, q db.Querier, entityID int64, ref string) (approval.Content, error) {
			if ref != ResponsePlanRef {
				return approval.Content{}, fmt.Errorf("response plan %q: %w", ref, db.ErrNotFound)
			}
			p, err := LoadPlan(ctx, q, entityID)
			if err != nil {
				return approval.Content{}, err
			}
			return PlanContent(p), nil
		},
		Subjects: func(context.Context, db.Querier, int64) ([]approval.Subject, error) {
			return []approval.Subject{{Ref: ResponsePlanRef, Title: planTitle}}, nil
		},
		URL:       func(entityID int64, _ string) string { return fmt.Sprintf("/e/%d/incidents/plan", entityID) },
		ValueKeys: map[string]string{"role": "plan.role."},
	})
}

type snapshotContact struct {
	Role         string `json:"role"`
	Name         string `json:"name"`
	Organisation string `json:"organisation"`
	Phone        string `json:"phone"`
	Email        string `json:"email"`
	Reachability string `json:"reachability"`
	SupplierID   *int64 `json:"supplier_id,omitempty"`
}

type snapshotPlaybook struct {
	Adopted  bool                 `json:"adopted"`
	Sections map[string]i18n.Text `json:"sections"`
}

// planSnapshot is the document the board approves. Playbooks and their
// sections are objects keyed by their keys, so a difference reads
// "Draaiboeken › Ransomware › Indammen › Engels" through the catalogue
// (approval.field.*).
type planSnapshot struct {
	Contacts       []snapshotContact           `json:"contacts"`
	Escalation     []EscalationLevel           `json:"escalation"`
	CommInternal   string                      `json:"communication_internal"`
	CommRecipients string                      `json:"communication_recipients"`
	CommPress      string                      `json:"communication_press"`
	Playbooks      map[string]snapshotPlaybook `json:"playbooks"`
}

// PlanContent is the response plan's content for approval: what the board
// adopts, with nothing that depends on when or by whom it was read (no
// updated-at, no names of editors, no exercise dates), so the same plan
// always has the same hash.
func PlanContent(p ResponsePlan) approval.Content {
	s := planSnapshot{Contacts: []snapshotContact{}, Escalation: p.Escalation, CommInternal: p.CommInternal,
		CommRecipients: p.CommRecipients, CommPress: p.CommPress, Playbooks: map[string]snapshotPlaybook{}}
	for _, c := range p.Contacts {
		s.Contacts = append(s.Contacts, snapshotContact{Role: c.Role, Name: c.Name, Organisation: c.Organisation, Phone: c.Phone,
			Email: c.Email, Reachability: c.Availability, SupplierID: c.SupplierID})
	}
	if s.Escalation == nil {
		s.Escalation = []EscalationLevel{}
	}
	adopted := 0
	for _, b := range p.Playbooks {
		sp := snapshotPlaybook{Adopted: b.Adopted, Sections: map[string]i18n.Text{}}
		for _, sec := range b.Sections {
			sp.Sections[sec.Key] = sec.Text
		}
		if b.Adopted {
			adopted++
		}
		s.Playbooks[b.Key] = sp
	}
	summary := i18n.Text{
		NL: fmt.Sprintf("Het incidentresponsplan (art. 21 lid 2 onder b NIS2) met de contactpersonen en instanties (%d), de opschalingsniveaus (%d), de communicatie intern, naar afnemers en pers, en de draaiboeken (%d, waarvan door de organisatie vastgesteld: %d). Met uw goedkeuring stelt u het plan vast.",
			len(s.Contacts), len(s.Escalation), len(s.Playbooks), adopted),
		EN: fmt.Sprintf("The incident response plan (Art. 21(2)(b) NIS2) with the contacts and bodies (%d), the escalation levels (%d), communication internally, to recipients and to the press, and the playbooks (%d, adopted by the organisation: %d). By approving it you adopt the plan.",
			len(s.Contacts), len(s.Escalation), len(s.Playbooks), adopted),
	}
	return approval.Content{Data: s, Title: planTitle, Summary: summary}
}
