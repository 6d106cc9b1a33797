package server

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"slices"
	"strconv"
	"strings"

	"github.com/go-chi/chi/v5"

	"github.com/weerbaar/weerbaar/internal/approval"
	"github.com/weerbaar/weerbaar/internal/authz"
	"github.com/weerbaar/weerbaar/internal/db"
	"github.com/weerbaar/weerbaar/internal/evidence"
	"github.com/weerbaar/weerbaar/internal/i18n"
	"github.com/weerbaar/weerbaar/internal/incident"
	"github.com/weerbaar/weerbaar/internal/scope"
	"github.com/weerbaar/weerbaar/web/components"
	incidentpages "github.com/weerbaar/weerbaar/web/pages/incident"
)

// The incident response plan, its playbooks and exercises (issue 12 item
// 5): what an officer prepares before an incident, and the board approves.

// planState is the plan page after a failed save.
type planState = FormState[incident.PlanInput, []components.Fact]

// spareRows are the empty rows the plan form offers for new contacts and
// escalation levels (the form works without JavaScript).
const spareRows = 2

func (s *Server) responsePlan(w http.ResponseWriter, r *http.Request) {
	s.renderPlan(w, r, planState{})
}

// recipientRoles maps a scope recipient's role to the plan's contact role.
var recipientRoles = map[scope.Role]string{scope.RoleCSIRT: "csirt", scope.RoleAuthority: "authority", scope.RoleSupervisor: "supervisor"}

func (s *Server) renderPlan(w http.ResponseWriter, r *http.Request, st planState) {
	ctx := r.Context()
	actor := authz.ActorFrom(ctx)
	plan, err := incident.LoadPlan(ctx, s.Pool, actor.EntityID)
	if err != nil {
		s.serverError(w, r, err)
		return
	}
	opts, err := incident.LoadOptions(ctx, s.Pool, actor.EntityID)
	if err != nil {
		s.serverError(w, r, err)
		return
	}
	standing, err := approval.StatusOf(ctx, s.Pool, actor.EntityID, incident.KindResponsePlan, incident.ResponsePlanRef,
		incident.PlanContent(plan).Data)
	if err != nil {
		s.serverError(w, r, err)
		return
	}
	base := entityBase(actor.EntityID)
	p := incidentpages.PlanProps{Shell: s.shell(r, "plan.title", "incidents"), Base: base, CanEdit: actor.Can(authz.IncidentEdit),
		Notice: s.Sessions.PopString(ctx, sessFlash), Approval: approvalProps(ctx, base, incident.KindResponsePlan, incident.ResponsePlanRef, standing),
		ExerciseDue: plan.ExerciseDue(today()), LastExercise: displayDate(ctx, plan.LastExercise),
		CommInternal: plan.CommInternal, CommRecipients: plan.CommRecipients, CommPress: plan.CommPress,
		Errors: st.Errors, Conflict: st.Conflict}
	if plan.UpdatedAt != nil {
		p.Updated = i18n.T(ctx, "plan.updated", plan.UpdatedBy, i18n.DateTime(ctx, *plan.UpdatedAt))
	}
	supplierName := func(id *int64) string {
		if id == nil {
			return ""
		}
		if k := slices.IndexFunc(opts.Suppliers, func(o incident.Option) bool { return o.ID == *id }); k >= 0 {
			return opts.Suppliers[k].Name
		}
		return "#" + strconv.FormatInt(*id, 10)
	}
	for _, c := range plan.Contacts {
		p.Contacts = append(p.Contacts, incidentpages.ContactRow{Role: i18n.T(ctx, "plan.role."+c.Role), Name: c.Name,
			Organisation: c.Organisation, Phone: c.Phone, Email: c.Email, Availability: c.Availability, Supplier: supplierName(c.SupplierID)})
	}
	for i, l := range plan.Escalation {
		p.Escalation = append(p.Escalation, incidentpages.EscalationForm{Index: i, Criteria: l.Criteria, Decides: l.Decides})
	}
	for _, b := range plan.Playbooks {
		link := incidentpages.PlaybookLink{Key: b.Key, Title: i18n.T(ctx, "playbook.title."+b.Key), Adopted: b.Adopted}
		p.Playbooks = append(p.Playbooks, link)
	}
	p.Roles = append(p.Roles, components.Option{Value: "", Label: i18n.T(ctx, "plan.role.choose")})
	for _, role := range incident.ContactRoles {
		p.Roles = append(p.Roles, components.Option{Value: role, Label: i18n.T(ctx, "plan.role."+role)})
	}
	p.Suppliers = append(p.Suppliers, components.Option{Value: "", Label: i18n.T(ctx, "plan.contact.supplier.none")})
	for _, sup := range opts.Suppliers {
		p.Suppliers = append(p.Suppliers, components.Option{Value: strconv.FormatInt(sup.ID, 10), Label: sup.Name})
	}
	if p.CanEdit {
		p.Form = s.planForm(ctx, plan, st, &p)
	}
	s.render(w, r, st.status(), incidentpages.Plan(p))
}

// planForm fills the plan form: the saved plan (or the user's input after a
// failed save) with spare rows; a fresh form pre-fills a spare row for each
// reporting body of the scope assessment the plan does not name yet.
func (s *Server) planForm(ctx context.Context, plan incident.ResponsePlan, st planState, p *incidentpages.PlanProps) incidentpages.PlanForm {
	in := incident.PlanForm(plan)
	fresh := st.Input == nil
	if !fresh {
		version := in.Version
		in = *st.Input
		if st.Conflict != nil {
			in.Version = version
		}
	}
	f := incidentpages.PlanForm{CommInternal: in.CommInternal, CommRecipients: in.CommRecipients, CommPress: in.CommPress, Version: in.Version}
	for i, c := range in.Contacts {
		f.Contacts = append(f.Contacts, incidentpages.ContactForm{Index: i, Role: c.Role, Name: c.Name, Organisation: c.Organisation,
			Phone: c.Phone, Email: c.Email, Availability: c.Availability, Supplier: c.SupplierID})
	}
	// Pre-filled rows only on a plan never saved: on a saved plan a
	// suggestion is a hint, never a row saved without the officer noticing.
	if fresh {
		p.Prefilled = plan.Version == 0
		for _, rc := range scope.Recipients(plan.Subsectors) {
			role, ok := recipientRoles[rc.Role]
			if !ok || rc.Code == "" || slices.ContainsFunc(plan.Contacts, func(c incident.Contact) bool { return c.Role == role }) {
				continue
			}
			name := rc.Name.In(ctx)
			p.Suggestions = append(p.Suggestions, incidentpages.Suggestion{Role: role, RoleLabel: i18n.T(ctx, "plan.role."+role), Name: name})
			if p.Prefilled {
				f.Contacts = append(f.Contacts, incidentpages.ContactForm{Index: len(f.Contacts), Role: role, Organisation: name})
			}
		}
	}
	for range spareRows {
		f.Contacts = append(f.Contacts, incidentpages.ContactForm{Index: len(f.Contacts)})
	}
	for i, l := range in.Escalation {
		f.Escalation = append(f.Escalation, incidentpages.EscalationForm{Index: i, Criteria: l.Criteria, Decides: l.Decides})
	}
	spare := spareRows
	if len(in.Escalation) == 0 {
		spare = 3 // handler, incident manager, crisis team
	}
	for range spare {
		f.Escalation = append(f.Escalation, incidentpages.EscalationForm{Index: len(f.Escalation)})
	}
	return f
}

// maxFormRows bounds how many rows of the plan form are read.
const maxFormRows = 60

// planInput reads the plan form. A row marked for removal is read as blank,
// so the indexes of the other rows (and their errors) stay as the form
// showed them.
func planInput(r *http.Request) incident.PlanInput {
	_ = r.ParseForm()
	f := r.PostForm
	version, _ := strconv.Atoi(f.Get("version"))
	in := incident.PlanInput{CommInternal: f.Get("comm_internal"), CommRecipients: f.Get("comm_recipients"),
		CommPress: f.Get("comm_press"), Version: version}
	for i := 0; i < maxFormRows; i++ {
		key := func(field string) string { return incident.ContactField(i, field) }
		if _, ok := f[key("role")]; !ok {
			break
		}
		if f.Get(key("remove")) != "" {
			in.Contacts = append(in.Contacts, incident.ContactInput{})
			continue
		}
		in.Contacts = append(in.Contacts, incident.ContactInput{Role: f.Get(key("role")), Name: f.Get(key("name")),
			Organisation: f.Get(key("organisation")), Phone: f.Get(key("phone")), Email: f.Get(key("email")),
			Availability: f.Get(key("availability")), SupplierID: f.Get(key("supplier"))})
	}
	for i := 0; i < maxFormRows; i++ {
		key := func(field string) string { return incident.EscalationField(i, field) }
		if _, ok := f[key("criteria")]; !ok {
			break
		}
		if f.Get(key("remove")) != "" {
			in.Escalation = append(in.Escalation, incident.EscalationLevel{})
			continue
		}
		in.Escalation = append(in.Escalation, incident.EscalationLevel{Criteria: f.Get(key("criteria")), Decides: f.Get(key("decides"))})
	}
	return in
}

func (s *Server) responsePlanSave(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	actor := authz.ActorFrom(ctx)
	in := planInput(r)
	err := incident.SavePlan(ctx, s.Pool, actor, in)
	var c *incident.PlanConflict
	if errors.As(err, &c) {
		s.renderPlan(w, r, planState{Status: http.StatusConflict, Input: &in, Conflict: planFacts(ctx, c.Current)})
		return
	}
	s.afterSave(w, r, err, func(errs map[string]string) {
		s.renderPlan(w, r, planState{Status: http.StatusUnprocessableEntity, Input: &in, Errors: errs})
	}, "plan.saved", entityBase(actor.EntityID)+"/incidents/plan")
}

// planFacts words the other person's saved plan on a conflict.
func planFacts(ctx context.Context, cur incident.ResponsePlan) []components.Fact {
	var contacts []string
	for _, c := range cur.Contacts {
		contacts = append(contacts, i18n.T(ctx, "plan.role."+c.Role)+": "+strings.Join(nonEmpty(c.Name, c.Organisation), ", "))
	}
	facts := []components.Fact{{Label: i18n.T(ctx, "plan.contacts"), Value: strings.Join(contacts, "; ")},
		{Label: i18n.T(ctx, "plan.escalation"), Value: strconv.Itoa(len(cur.Escalation))}}
	if cur.UpdatedAt != nil {
		facts = append(facts, components.Fact{Label: i18n.T(ctx, "conflict.saved_by"), Value: cur.UpdatedBy + ", " + i18n.DateTime(ctx, *cur.UpdatedAt)})
	}
	return facts
}

// playbookKey is the {playbookKey} of the request, and false (after a 404)
// for a key that is not a playbook.
func (s *Server) playbookKey(w http.ResponseWriter, r *http.Request) (string, bool) {
	key := chi.URLParam(r, "playbookKey")
	if !slices.Contains(incident.PlaybookKeys, key) {
		s.errorPage(w, r, http.StatusNotFound)
		return "", false
	}
	return key, true
}

func (s *Server) playbookPage(w http.ResponseWriter, r *http.Request) {
	key, ok := s.playbookKey(w, r)
	if !ok {
		return
	}
	ctx := r.Context()
	actor := authz.ActorFrom(ctx)
	plan, err := incident.LoadPlan(ctx, s.Pool, actor.EntityID)
	if err != nil {
		s.serverError(w, r, err)
		return
	}
	b, _ := plan.PlaybookOf(key)
	p := incidentpages.PlaybookProps{Shell: s.shell(r, "playbook.title."+key, "incidents"), Base: entityBase(actor.EntityID), Key: key,
		Title: i18n.T(ctx, "playbook.title."+key), Notice: s.Sessions.PopString(ctx, sessFlash), Adopted: b.Adopted,
		CanEdit: actor.Can(authz.IncidentEdit)}
	if b.UpdatedAt != nil {
		p.Updated = i18n.T(ctx, "plan.updated", b.UpdatedBy, i18n.DateTime(ctx, *b.UpdatedAt))
	}
	for _, sec := range b.Sections {
		p.Sections = append(p.Sections, incidentpages.SectionText{Key: sec.Key, Title: i18n.T(ctx, "playbook.section."+sec.Key),
			Text: sec.Text.In(ctx)})
	}
	s.render(w, r, http.StatusOK, incidentpages.Playbook(p))
}

// playbookState is the playbook editor after a failed save.
type playbookState = FormState[incident.PlaybookInput, []components.Fact]

func (s *Server) playbookEdit(w http.ResponseWriter, r *http.Request) {
	key, ok := s.playbookKey(w, r)
	if !ok {
		return
	}
	s.renderPlaybookEdit(w, r, key, playbookState{})
}

func (s *Server) renderPlaybookEdit(w http.ResponseWriter, r *http.Request, key string, st playbookState) {
	ctx := r.Context()
	actor := authz.ActorFrom(ctx)
	plan, err := incident.LoadPlan(ctx, s.Pool, actor.EntityID)
	if err != nil {
		s.serverError(w, r, err)
		return
	}
	b, _ := plan.PlaybookOf(key)
	p := incidentpages.PlaybookEditProps{Shell: s.shell(r, "playbook.edit", "incidents"), Base: entityBase(actor.EntityID), Key: key,
		Title: i18n.T(ctx, "playbook.title."+key), Version: b.Version, Errors: st.Errors, Conflict: st.Conflict}
	for _, sec := range b.Sections {
		t := sec.Text
		if st.Input != nil {
			t = st.Input.Sections[sec.Key]
		}
		p.Sections = append(p.Sections, incidentpages.SectionForm{Key: sec.Key, Title: i18n.T(ctx, "playbook.section."+sec.Key),
			NL: t.NL, EN: t.EN})
	}
	if st.Input != nil && st.Conflict == nil {
		p.Version = st.Input.Version
	}
	s.render(w, r, st.status(), incidentpages.PlaybookEdit(p))
}

func (s *Server) playbookSave(w http.ResponseWriter, r *http.Request) {
	key, ok := s.playbookKey(w, r)
	if !ok {
		return
	}
	ctx := r.Context()
	actor := authz.ActorFrom(ctx)
	_ = r.ParseForm()
	version, _ := strconv.Atoi(r.PostForm.Get("version"))
	in := incident.PlaybookInput{Sections: map[string]i18n.Text{}, Version: version}
	for _, sec := range incident.PlaybookSections {
		in.Sections[sec] = i18n.Text{NL: r.PostForm.Get(incident.PlaybookField(sec, i18n.NL)), EN: r.PostForm.Get(incident.PlaybookField(sec, i18n.EN))}
	}
	err := incident.SavePlaybook(ctx, s.Pool, actor, key, in)
	var c *incident.PlaybookConflict
	if errors.As(err, &c) {
		facts := []components.Fact{{Label: i18n.T(ctx, "playbook.title"), Value: i18n.T(ctx, "playbook.title."+key)}}
		if c.Current.UpdatedAt != nil {
			facts = append(facts, components.Fact{Label: i18n.T(ctx, "conflict.saved_by"),
				Value: c.Current.UpdatedBy + ", " + i18n.DateTime(ctx, *c.Current.UpdatedAt)})
		}
		s.renderPlaybookEdit(w, r, key, playbookState{Status: http.StatusConflict, Input: &in, Conflict: facts})
		return
	}
	s.afterSave(w, r, err, func(errs map[string]string) {
		s.renderPlaybookEdit(w, r, key, playbookState{Status: http.StatusUnprocessableEntity, Input: &in, Errors: errs})
	}, "playbook.saved", entityBase(actor.EntityID)+"/incidents/playbooks/"+key)
}

func (s *Server) exerciseList(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	actor := authz.ActorFrom(ctx)
	list, err := incident.Exercises(ctx, s.Pool, actor.EntityID)
	if err != nil {
		s.serverError(w, r, err)
		return
	}
	p := incidentpages.ExercisesProps{Shell: s.shell(r, "exercise.title", "incidents"), Base: entityBase(actor.EntityID),
		Notice: s.Sessions.PopString(ctx, sessFlash), CanEdit: actor.Can(authz.IncidentEdit)}
	plan := incident.ResponsePlan{}
	if len(list) > 0 {
		plan.LastExercise = &list[0].HeldOn
		p.LastExercise = i18n.Date(ctx, list[0].HeldOn)
	}
	p.ExerciseDue = plan.ExerciseDue(today())
	for _, e := range list {
		row := incidentpages.ExerciseRow{ID: e.ID, Date: i18n.Date(ctx, e.HeldOn), Kind: i18n.T(ctx, "exercise.kind."+e.Kind),
			Scenario: shortLabel(e.Scenario, 120), OpenActions: e.OpenActions}
		if e.PlaybookKey != nil {
			row.Playbook = i18n.T(ctx, "playbook.title."+*e.PlaybookKey)
		}
		p.Rows = append(p.Rows, row)
	}
	s.render(w, r, http.StatusOK, incidentpages.Exercises(p))
}

// exerciseState is an exercise page after a failed save: Form "" for the
// exercise's form, "action" for the new follow-up action.
type exerciseState = FormState[exerciseInputs, []components.Fact]

// exerciseInputs are the user's input of whichever exercise form failed.
type exerciseInputs struct {
	Exercise *incident.ExerciseInput
	Action   *incident.ExerciseActionInput
}

func (s *Server) exerciseNew(w http.ResponseWriter, r *http.Request) {
	s.renderExercise(w, r, 0, exerciseState{})
}

func (s *Server) exercisePage(w http.ResponseWriter, r *http.Request) {
	id, ok := s.idParam(w, r, "exerciseID")
	if !ok {
		return
	}
	s.renderExercise(w, r, id, exerciseState{})
}

func (s *Server) renderExercise(w http.ResponseWriter, r *http.Request, id int64, st exerciseState) {
	ctx := r.Context()
	actor := authz.ActorFrom(ctx)
	base := entityBase(actor.EntityID)
	var ex incident.Exercise
	in := incident.ExerciseInput{HeldOn: today().Format("2006-01-02"), Kind: "tabletop"}
	if id != 0 {
		var err error
		if ex, err = incident.GetExercise(ctx, s.Pool, actor.EntityID, id); errors.Is(err, db.ErrNotFound) {
			s.errorPage(w, r, http.StatusNotFound)
			return
		} else if err != nil {
			s.serverError(w, r, err)
			return
		}
		in = incident.ExerciseForm(ex)
	}
	if st.Input != nil && st.Input.Exercise != nil {
		version := in.Version
		in = *st.Input.Exercise
		if st.Conflict != nil {
			in.Version = version
		}
	}
	p := incidentpages.ExerciseProps{Shell: s.shell(r, "exercise.title", "incidents"), Base: base, ID: id,
		Title: i18n.T(ctx, "exercise.new"), Notice: s.Sessions.PopString(ctx, sessFlash), CanEdit: actor.Can(authz.IncidentEdit),
		Conflict: st.Conflict,
		Form: incidentpages.ExerciseForm{HeldOn: in.HeldOn, Kind: in.Kind, Scenario: in.Scenario, Playbook: in.PlaybookKey,
			Participants: in.Participants, Lessons: in.Lessons, Version: in.Version}}
	if st.Form == "action" {
		p.ActionErrors = st.Errors
		if st.Input != nil && st.Input.Action != nil {
			a := st.Input.Action
			p.ActionForm = incidentpages.ExerciseActionForm{Title: a.Title, OwnerID: a.OwnerID, DueDate: a.DueDate}
		}
	} else {
		p.Errors = st.Errors
	}
	if id != 0 {
		p.Title = i18n.T(ctx, "exercise.title.one", i18n.T(ctx, "exercise.kind."+ex.Kind), i18n.Date(ctx, ex.HeldOn))
	}
	for _, k := range incident.ExerciseKinds {
		p.Kinds = append(p.Kinds, components.Option{Value: k, Label: i18n.T(ctx, "exercise.kind."+k)})
	}
	p.Playbooks = append(p.Playbooks, components.Option{Value: "", Label: i18n.T(ctx, "exercise.playbook.none")})
	for _, k := range incident.PlaybookKeys {
		p.Playbooks = append(p.Playbooks, components.Option{Value: k, Label: i18n.T(ctx, "playbook.title."+k)})
	}
	if id != 0 {
		for _, a := range ex.Actions {
			row := incidentpages.ExerciseActionRow{ID: a.ID, Title: a.Title, Owner: a.OwnerName, Due: i18n.Date(ctx, a.DueDate),
				Done: a.Done(), DoneOn: displayDate(ctx, a.DoneOn), Version: a.Version}
			p.Actions = append(p.Actions, row)
		}
		if p.CanEdit {
			opts, err := incident.LoadOptions(ctx, s.Pool, actor.EntityID)
			if err != nil {
				s.serverError(w, r, err)
				return
			}
			p.Owners = append(p.Owners, components.Option{Value: "", Label: i18n.T(ctx, "incident.handler.none")})
			for _, m := range opts.Members {
				p.Owners = append(p.Owners, components.Option{Value: strconv.FormatInt(m.ID, 10), Label: m.Name})
			}
		}
		ev, err := s.evidenceProps(r, evidence.Subject{Type: incident.SubjectExercise, Ref: strconv.FormatInt(id, 10)})
		if err != nil {
			s.serverError(w, r, err)
			return
		}
		p.Evidence = &ev
	}
	s.render(w, r, st.status(), incidentpages.Exercise(p))
}

func (s *Server) exerciseCreate(w http.ResponseWriter, r *http.Request) { s.exerciseWrite(w, r, 0) }

func (s *Server) exerciseSave(w http.ResponseWriter, r *http.Request) {
	id, ok := s.idParam(w, r, "exerciseID")
	if !ok {
		return
	}
	s.exerciseWrite(w, r, id)
}

func (s *Server) exerciseWrite(w http.ResponseWriter, r *http.Request, id int64) {
	ctx := r.Context()
	actor := authz.ActorFrom(ctx)
	_ = r.ParseForm()
	f := r.PostForm
	version, _ := strconv.Atoi(f.Get("version"))
	in := incident.ExerciseInput{HeldOn: f.Get("held_on"), Kind: f.Get("kind"), Scenario: f.Get("scenario"),
		PlaybookKey: f.Get("playbook"), Participants: f.Get("participants"), Lessons: f.Get("lessons"), Version: version}
	saved, err := incident.SaveExercise(ctx, s.Pool, actor, id, in, today())
	var c *incident.ExerciseConflict
	if errors.As(err, &c) {
		s.renderExercise(w, r, id, exerciseState{Status: http.StatusConflict, Input: &exerciseInputs{Exercise: &in},
			Conflict: exerciseFacts(ctx, c.Current)})
		return
	}
	s.afterSave(w, r, err, func(errs map[string]string) {
		s.renderExercise(w, r, id, exerciseState{Status: http.StatusUnprocessableEntity, Input: &exerciseInputs{Exercise: &in}, Errors: errs})
	}, "exercise.saved", fmt.Sprintf("%s/incidents/exercises/%d", entityBase(actor.EntityID), saved))
}

// exerciseFacts words the other person's saved exercise on a conflict.
func exerciseFacts(ctx context.Context, cur incident.Exercise) []components.Fact {
	return []components.Fact{{Label: i18n.T(ctx, "exercise.held_on"), Value: i18n.Date(ctx, cur.HeldOn)},
		{Label: i18n.T(ctx, "exercise.scenario"), Value: cur.Scenario},
		{Label: i18n.T(ctx, "exercise.lessons"), Value: cur.Lessons},
		{Label: i18n.T(ctx, "conflict.saved_by"), Value: cur.UpdatedBy + ", " + i18n.DateTime(ctx, cur.UpdatedAt)}}
}

func (s *Server) exerciseActionAdd(w http.ResponseWriter, r *http.Request) {
	id, ok := s.idParam(w, r, "exerciseID")
	if !ok {
		return
	}
	ctx := r.Context()
	actor := authz.ActorFrom(ctx)
	_ = r.ParseForm()
	in := incident.ExerciseActionInput{Title: r.PostForm.Get("action_title"), OwnerID: r.PostForm.Get("owner"), DueDate: r.PostForm.Get("due_date")}
	err := incident.AddExerciseAction(ctx, s.Pool, actor, id, in)
	s.afterSave(w, r, err, func(errs map[string]string) {
		s.renderExercise(w, r, id, exerciseState{Status: http.StatusUnprocessableEntity, Form: "action",
			Input: &exerciseInputs{Action: &in}, Errors: errs})
	}, "exercise.action.saved", fmt.Sprintf("%s/incidents/exercises/%d#exercise-actions-h", entityBase(actor.EntityID), id))
}

func (s *Server) exerciseActionDone(w http.ResponseWriter, r *http.Request) {
	id, ok := s.idParam(w, r, "exerciseID")
	if !ok {
		return
	}
	actionID, ok := s.idParam(w, r, "followupID")
	if !ok {
		return
	}
	ctx := r.Context()
	actor := authz.ActorFrom(ctx)
	version, _ := strconv.Atoi(r.PostFormValue("version"))
	err := incident.SetExerciseActionDone(ctx, s.Pool, actor, id, actionID, r.PostFormValue("done") != "", version, today())
	var c *incident.ExerciseConflict
	if errors.As(err, &c) {
		s.renderExercise(w, r, id, exerciseState{Status: http.StatusConflict, Conflict: exerciseFacts(ctx, c.Current)})
		return
	}
	s.afterSave(w, r, err, nil, "exercise.action.saved", fmt.Sprintf("%s/incidents/exercises/%d#exercise-action-%d",
		entityBase(actor.EntityID), id, actionID))
}
