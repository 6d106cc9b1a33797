package incident

import (
	"context"
	_ "embed"
	"encoding/json"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/weerbaar/weerbaar/internal/audit"
	"github.com/weerbaar/weerbaar/internal/authz"
	"github.com/weerbaar/weerbaar/internal/db"
	"github.com/weerbaar/weerbaar/internal/i18n"
	"github.com/weerbaar/weerbaar/internal/validate"
)

// The incident response plan (issue 12 item 5; Art. 21(2)(b) NIS2, Reg.
// 2024/2690 Annex 3.1/3.5): what an officer prepares before an incident —
// who is called in which role, how an incident escalates, how the entity
// communicates — together with the playbooks (playbook.go) and the
// exercises that test them (exercise.go). The board approves the plan as a
// whole (plan_approval.go).

// ContactRoles are the roles a contact of the plan can have, in the form's
// order: the people who handle an incident, the bodies it is reported to,
// the advisers and the critical suppliers.
var ContactRoles = []string{"manager", "deputy", "csirt", "supervisor", "authority", "insurer", "legal",
	"communications", "dpo", "supplier", "other"}

// Contact is one row of the plan's contact list. SupplierID links a
// critical supplier to the risk analysis's supplier of the same entity.
type Contact struct {
	Role         string `json:"role"`
	Name         string `json:"name"`
	Organisation string `json:"organisation"`
	Phone        string `json:"phone"`
	Email        string `json:"email"`
	Availability string `json:"availability"`
	SupplierID   *int64 `json:"supplier_id,omitempty"`
}

// EscalationLevel is one level of the escalation ladder: when an incident
// reaches it and who decides at that level.
type EscalationLevel struct {
	Criteria string `json:"criteria"`
	Decides  string `json:"decides"`
}

// ResponsePlan is an entity's current response plan with what its page
// needs around it, read in one query: the playbooks as the entity adopted
// them (else the defaults), the date of the last exercise and the
// subsectors of the latest scope assessment (for the suggested recipients).
// Version 0 means nothing has been saved yet.
type ResponsePlan struct {
	EntityID       int64
	Contacts       []Contact
	Escalation     []EscalationLevel
	CommInternal   string
	CommRecipients string
	CommPress      string
	UpdatedBy      string
	UpdatedAt      *time.Time
	Version        int
	Playbooks      []Playbook
	LastExercise   *time.Time
	Subsectors     []string
}

// ExerciseDue reports whether the plan has not been exercised in the twelve
// months before day (Annex 3.5 of Reg. 2024/2690: test the plan regularly).
func (p ResponsePlan) ExerciseDue(day time.Time) bool {
	return p.LastExercise == nil || p.LastExercise.Before(day.AddDate(-1, 0, 0))
}

// PlanConflict is returned when the plan changed after the form was
// opened; Current is the plan as saved.
type PlanConflict struct{ Current ResponsePlan }

func (e *PlanConflict) Error() string { return "changed by someone else meanwhile" }

// Unwrap lets callers test for db.ErrConflict.
func (e *PlanConflict) Unwrap() error { return db.ErrConflict }

// LoadPlan reads the entity's response plan, its playbooks, the last
// exercise and the scope subsectors in one query.
func LoadPlan(ctx context.Context, q db.Querier, entityID int64) (ResponsePlan, error) {
	p := ResponsePlan{EntityID: entityID}
	var contacts, escalation, playbooks []byte
	err := q.QueryRow(ctx, `SELECT coalesce(p.contacts, '[]'), coalesce(p.escalation, '[]'), coalesce(p.comm_internal, ''),
			coalesce(p.comm_recipients, ''), coalesce(p.comm_press, ''), coalesce(u.name, ''), p.updated_at, coalesce(p.version, 0),
			(SELECT coalesce(json_agg(json_build_object('key', b.key, 'sections', b.sections, 'updated_by', coalesce(bu.name, ''),
				'updated_at', b.updated_at, 'version', b.version) ORDER BY b.key), '[]')
			 FROM response_playbooks b LEFT JOIN users bu ON bu.id = b.updated_by WHERE b.entity_id = @entity),
			(SELECT max(held_on)::timestamp AT TIME ZONE 'UTC' FROM response_exercises WHERE entity_id = @entity),
			ARRAY(SELECT jsonb_array_elements_text(coalesce(a.inputs->'Subsectors', a.inputs->'subsectors', '[]'))
				FROM scope_assessments a WHERE a.entity_id = @entity ORDER BY a.created_at DESC, a.id DESC LIMIT 1)
		FROM (SELECT 1) one LEFT JOIN response_plans p ON p.entity_id = @entity LEFT JOIN users u ON u.id = p.updated_by`,
		pgx.StrictNamedArgs{"entity": entityID}).Scan(&contacts, &escalation, &p.CommInternal, &p.CommRecipients, &p.CommPress,
		&p.UpdatedBy, &p.UpdatedAt, &p.Version, &playbooks, &p.LastExercise, &p.Subsectors)
	if err != nil {
		return p, fmt.Errorf("response plan of entity %d: %w", entityID, err)
	}
	if err := json.Unmarshal(contacts, &p.Contacts); err != nil {
		return p, fmt.Errorf("response plan contacts: %w", err)
	}
	if err := json.Unmarshal(escalation, &p.Escalation); err != nil {
		return p, fmt.Errorf("response plan escalation: %w", err)
	}
	var saved []savedPlaybook
	if err := json.Unmarshal(playbooks, &saved); err != nil {
		return p, fmt.Errorf("response playbooks: %w", err)
	}
	p.Playbooks = effectivePlaybooks(saved)
	return p, nil
}

// ContactInput is one contact row of the form, as typed.
type ContactInput struct {
	Role, Name, Organisation, Phone, Email, Availability, SupplierID string
}

// blank reports whether the row was left empty (an unused spare row).
func (c ContactInput) blank() bool {
	return strings.TrimSpace(c.Name+c.Organisation+c.Phone+c.Email+c.Availability+c.SupplierID) == ""
}

// PlanInput is the plan form. Blank contact and escalation rows are
// dropped; a row marked for removal is left out by the handler.
type PlanInput struct {
	Contacts       []ContactInput
	Escalation     []EscalationLevel
	CommInternal   string
	CommRecipients string
	CommPress      string
	Version        int
}

// PlanForm is the saved plan as the form shows it.
func PlanForm(p ResponsePlan) PlanInput {
	in := PlanInput{Escalation: slices.Clone(p.Escalation), CommInternal: p.CommInternal, CommRecipients: p.CommRecipients,
		CommPress: p.CommPress, Version: p.Version}
	for _, c := range p.Contacts {
		ci := ContactInput{Role: c.Role, Name: c.Name, Organisation: c.Organisation, Phone: c.Phone, Email: c.Email,
			Availability: c.Availability}
		if c.SupplierID != nil {
			ci.SupplierID = strconv.FormatInt(*c.SupplierID, 10)
		}
		in.Contacts = append(in.Contacts, ci)
	}
	return in
}

// ContactField is the form field name of a contact row's field; errors are
// keyed by it, so they show next to the field.
func ContactField(i int, field string) string { return "contact-" + strconv.Itoa(i) + "-" + field }

// EscalationField is the form field name of an escalation row's field.
func EscalationField(i int, field string) string {
	return "escalation-" + strconv.Itoa(i) + "-" + field
}

const (
	maxPlanRows = 50
	maxPlanText = 5000
)

// cleanPlan validates the form: each non-blank contact has a role of the
// list and a name (or organisation), a well-formed e-mail address and phone
// when given; suppliers are checked against the entity in the transaction.
// Errors are keyed by the row's index in the input, as the form shows it.
func cleanPlan(in PlanInput) (ResponsePlan, map[int]int64, validate.Errors) {
	errs := validate.Errors{}
	out := ResponsePlan{Contacts: []Contact{}, Escalation: []EscalationLevel{}}
	suppliers := map[int]int64{} // index in out.Contacts → supplier id
	for i, c := range in.Contacts {
		if c.blank() {
			continue
		}
		ct := Contact{Role: c.Role, Name: strings.TrimSpace(c.Name), Organisation: strings.TrimSpace(c.Organisation),
			Phone: strings.TrimSpace(c.Phone), Availability: strings.TrimSpace(c.Availability)}
		if !slices.Contains(ContactRoles, c.Role) {
			errs.Add(ContactField(i, "role"), "validate.choice")
		}
		if ct.Name == "" && ct.Organisation == "" {
			errs.Add(ContactField(i, "name"), "plan.error.contact_name")
		}
		if len([]rune(ct.Name)) > 200 || len([]rune(ct.Organisation)) > 200 {
			errs.Add(ContactField(i, "name"), "validate.too_long")
		}
		if ct.Phone != "" && !validPhone(ct.Phone) {
			errs.Add(ContactField(i, "phone"), "plan.error.phone")
		}
		if e := strings.TrimSpace(c.Email); e != "" {
			norm, ok := validate.Email(e)
			if !ok {
				errs.Add(ContactField(i, "email"), "validate.email")
			}
			ct.Email = norm
		}
		if len([]rune(ct.Availability)) > 200 {
			errs.Add(ContactField(i, "availability"), "validate.too_long")
		}
		if s := strings.TrimSpace(c.SupplierID); s != "" {
			id, err := strconv.ParseInt(s, 10, 64)
			if err != nil || id <= 0 || c.Role != "supplier" {
				errs.Add(ContactField(i, "supplier"), "validate.choice")
			} else {
				suppliers[len(out.Contacts)] = id
				ct.SupplierID = &id
			}
		}
		out.Contacts = append(out.Contacts, ct)
	}
	for i, l := range in.Escalation {
		l := EscalationLevel{Criteria: strings.TrimSpace(l.Criteria), Decides: strings.TrimSpace(l.Decides)}
		if l.Criteria == "" && l.Decides == "" {
			continue
		}
		if l.Criteria == "" {
			errs.Add(EscalationField(i, "criteria"), "plan.error.criteria")
		}
		if l.Decides == "" {
			errs.Add(EscalationField(i, "decides"), "plan.error.decides")
		}
		if len([]rune(l.Criteria)) > 1000 || len([]rune(l.Decides)) > 200 {
			errs.Add(EscalationField(i, "criteria"), "validate.too_long")
		}
		out.Escalation = append(out.Escalation, l)
	}
	if len(out.Contacts) > maxPlanRows || len(out.Escalation) > maxPlanRows {
		errs.Add("contacts", "plan.error.too_many")
	}
	out.CommInternal, out.CommRecipients, out.CommPress = strings.TrimSpace(in.CommInternal),
		strings.TrimSpace(in.CommRecipients), strings.TrimSpace(in.CommPress)
	for name, v := range map[string]string{"comm_internal": out.CommInternal, "comm_recipients": out.CommRecipients,
		"comm_press": out.CommPress} {
		if len([]rune(v)) > maxPlanText {
			errs.Add(name, "validate.too_long")
		}
	}
	return out, suppliers, errs
}

// validPhone accepts the characters of a written telephone number: digits,
// spaces, +, -, ( and ), with at least six digits.
func validPhone(s string) bool {
	digits := 0
	for _, r := range s {
		switch {
		case r >= '0' && r <= '9':
			digits++
		case strings.ContainsRune(" +-()", r):
		default:
			return false
		}
	}
	return digits >= 6 && len(s) <= 40
}

func (p ResponsePlan) fields() map[string]any {
	contacts := make([]string, 0, len(p.Contacts))
	for _, c := range p.Contacts {
		contacts = append(contacts, c.Role+": "+strings.Join(nonBlank(c.Name, c.Organisation, c.Phone, c.Email, c.Availability), ", "))
	}
	escalation := make([]string, 0, len(p.Escalation))
	for _, l := range p.Escalation {
		escalation = append(escalation, l.Criteria+" → "+l.Decides)
	}
	return map[string]any{"contacts": contacts, "escalation": escalation, "comm_internal": p.CommInternal,
		"comm_recipients": p.CommRecipients, "comm_press": p.CommPress}
}

func nonBlank(parts ...string) []string {
	out := parts[:0:0]
	for _, s := range parts {
		if s != "" {
			out = append(out, s)
		}
	}
	return out
}

// SavePlan stores the entity's response plan after validation and a version
// check (0: none saved yet), audit-logged in the same transaction. A
// supplier must be one of the entity's risk suppliers.
func SavePlan(ctx context.Context, pool *pgxpool.Pool, actor authz.Actor, in PlanInput) error {
	clean, suppliers, errs := cleanPlan(in)
	if err := errs.Err(); err != nil {
		return err
	}
	return db.InTx(ctx, pool, func(tx pgx.Tx) error {
		if len(suppliers) > 0 {
			ids := make([]int64, 0, len(suppliers))
			for _, id := range suppliers {
				ids = append(ids, id)
			}
			var known []int64
			rows, err := tx.Query(ctx, `SELECT id FROM risk_suppliers WHERE entity_id = @entity AND id = ANY(@ids)`,
				pgx.StrictNamedArgs{"entity": actor.EntityID, "ids": ids})
			if err == nil {
				known, err = pgx.CollectRows(rows, pgx.RowTo[int64])
			}
			if err != nil {
				return fmt.Errorf("plan suppliers: %w", err)
			}
			bad := validate.Errors{}
			for idx, id := range suppliers {
				if !slices.Contains(known, id) {
					bad.Add(ContactField(inputIndex(in, idx), "supplier"), "validate.choice")
				}
			}
			if err := bad.Err(); err != nil {
				return err
			}
		}
		cur, err := LoadPlan(ctx, tx, actor.EntityID)
		if err != nil {
			return err
		}
		if cur.Version != in.Version {
			return &PlanConflict{Current: cur}
		}
		contacts, err := json.Marshal(clean.Contacts)
		if err != nil {
			return err
		}
		escalation, err := json.Marshal(clean.Escalation)
		if err != nil {
			return err
		}
		args := pgx.StrictNamedArgs{"entity": actor.EntityID, "contacts": string(contacts), "escalation": string(escalation),
			"internal": clean.CommInternal, "recipients": clean.CommRecipients, "press": clean.CommPress, "actor": actor.UserID,
			"version": in.Version}
		sql := `INSERT INTO response_plans (entity_id, contacts, escalation, comm_internal, comm_recipients, comm_press, updated_by)
			VALUES (@entity, @contacts, @escalation, @internal, @recipients, @press, @actor) ON CONFLICT (entity_id) DO NOTHING`
		if in.Version != 0 {
			sql = `UPDATE response_plans SET contacts = @contacts, escalation = @escalation, comm_internal = @internal,
					comm_recipients = @recipients, comm_press = @press, updated_by = @actor, updated_at = now(), version = version + 1
				WHERE entity_id = @entity AND version = @version`
		} else {
			delete(args, "version")
		}
		tag, err := tx.Exec(ctx, sql, args)
		if err != nil {
			return fmt.Errorf("save response plan: %w", db.MapError(err))
		}
		if tag.RowsAffected() == 0 {
			return &PlanConflict{Current: cur}
		}
		before, after := audit.Diff(cur.fields(), clean.fields())
		if cur.Version == 0 {
			before = nil
		}
		if len(after) == 0 && before != nil {
			return nil
		}
		return audit.Record(ctx, tx, audit.Event{EntityID: actor.EntityID, Action: "response_plan.saved", ObjectType: "response_plan",
			ObjectID: strconv.FormatInt(actor.EntityID, 10), Before: before, After: after})
	})
}

// inputIndex maps the index of a kept contact back to its row in the form.
func inputIndex(in PlanInput, kept int) int {
	n := -1
	for i, c := range in.Contacts {
		if c.blank() {
			continue
		}
		n++
		if n == kept {
			return i
		}
	}
	return kept
}

// planTitle names the plan on the board's pages.
var planTitle = i18n.Text{NL: "Incidentresponsplan", EN: "Incident response plan"}
