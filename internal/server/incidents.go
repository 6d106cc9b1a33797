package server

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/weerbaar/weerbaar/internal/authz"
	"github.com/weerbaar/weerbaar/internal/db"
	"github.com/weerbaar/weerbaar/internal/entity"
	"github.com/weerbaar/weerbaar/internal/evidence"
	"github.com/weerbaar/weerbaar/internal/i18n"
	"github.com/weerbaar/weerbaar/internal/incident"
	"github.com/weerbaar/weerbaar/internal/measure"
	"github.com/weerbaar/weerbaar/internal/scope"
	"github.com/weerbaar/weerbaar/web/components"
	incidentpages "github.com/weerbaar/weerbaar/web/pages/incident"
	"github.com/weerbaar/weerbaar/web/pages/measures"
)

// incidentInputs are the user's input of whichever incident form failed.
type incidentInputs struct {
	Facts   *incident.Input
	Sig     *incident.SignificanceInput
	Entry   *incident.EntryInput
	Submit  *incident.SubmitInput
	Request *incident.RequestInput
	Review  *incident.ReviewInput
	Action  *incident.ActionInput
	GDPR    *incident.GDPRInput
	// Error is an i18n key shown above the page (e.g. a report already
	// submitted).
	Error string
}

// incidentState is an incident page after a failed save; Form names the
// form: facts, significance, status, entry, submit or request.
type incidentState = FormState[incidentInputs, []components.Fact]

func money(ctx context.Context, eur int64) string { return i18n.Money(ctx, eur*100) }

// countdown words the time until due (or since) without JavaScript.
func countdown(ctx context.Context, due, now time.Time) components.CountdownProps {
	d, overdue := incident.Remaining(due, now)
	days, hours, mins := int(d/(24*time.Hour)), int(d%(24*time.Hour)/time.Hour), int(d%time.Hour/time.Minute)
	var span string
	if days > 0 {
		span = i18n.T(ctx, "incident.duration.dhm", days, hours, mins)
	} else {
		span = i18n.T(ctx, "incident.duration.hm", hours, mins)
	}
	text := i18n.T(ctx, "incident.countdown.left", span)
	if overdue {
		text = i18n.T(ctx, "incident.countdown.overdue", span)
	}
	return components.CountdownProps{Due: due, Text: text, Overdue: overdue}
}

func statusOptions(ctx context.Context, all bool) []components.Option {
	var opts []components.Option
	if all {
		opts = append(opts, components.Option{Value: "", Label: i18n.T(ctx, "incident.status.all")})
	}
	for _, st := range incident.Statuses {
		opts = append(opts, components.Option{Value: string(st), Label: i18n.T(ctx, "incident.status."+string(st))})
	}
	return opts
}

// incidentList is the incident register: one page of the entity's
// incidents, newest first, by keyset; above the first page the reports
// still owed, nearest first, whatever page their incidents are on.
func (s *Server) incidentList(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	actor := authz.ActorFrom(ctx)
	q := r.URL.Query()
	lq := incident.ListQuery{Status: q.Get("status"), Last: q.Get("page") == "last"}
	if !slices.Contains(incident.Statuses, incident.Status(lq.Status)) {
		lq.Status = ""
	}
	for name, dst := range map[string]**incident.Cursor{"after": &lq.After, "before": &lq.Before} {
		if v := q.Get(name); v != "" {
			c, ok := incident.ParseCursor(v)
			if !ok {
				s.errorPage(w, r, http.StatusBadRequest)
				return
			}
			*dst = &c
		}
	}
	if lq.After != nil {
		lq.Before, lq.Last = nil, false
	} else if lq.Before != nil {
		lq.Last = false
	}
	now := time.Now()
	page, err := incident.List(ctx, s.Pool, actor.EntityID, lq, now)
	if err != nil {
		s.serverError(w, r, err)
		return
	}
	base := entityBase(actor.EntityID)
	p := incidentpages.ListProps{Shell: s.shell(r, "incident.title", "incidents"), Base: base,
		Status: lq.Status, Statuses: statusOptions(ctx, true), CanEdit: actor.Can(authz.IncidentEdit),
		Notice: s.Sessions.PopString(ctx, sessFlash)}
	if lq.Status == "" && lq.After == nil && lq.Before == nil && !lq.Last {
		// The register's front page leads with what is urgent, as its
		// order did before it was paginated.
		owed, err := incident.OwedReports(ctx, s.Pool, actor.EntityID)
		if err != nil {
			s.serverError(w, r, err)
			return
		}
		p.Deadlines = deadlineRows(ctx, base, owed, now)
	}
	for _, in := range page.Rows {
		row := incidentpages.Row{ID: in.ID, Title: in.Title, Category: i18n.T(ctx, "incident.category."+in.Category),
			Status: i18n.T(ctx, "incident.status."+string(in.Status)), Aware: i18n.DateTime(ctx, in.AwareAt),
			Significance: i18n.T(ctx, "incident.outcome."+string(in.Significance)), Handler: in.HandlerName, Overdue: in.Overdue,
			OnTime: in.OnTime, Late: in.Late}
		if in.NextDue != nil {
			row.NextStage = i18n.T(ctx, "incident.stage."+in.NextStage)
			row.NextDue = i18n.DateTime(ctx, *in.NextDue)
			row.Countdown = countdown(ctx, *in.NextDue, now)
		}
		p.Rows = append(p.Rows, row)
	}
	link := func(extra ...string) string {
		v := url.Values{}
		if lq.Status != "" {
			v.Set("status", lq.Status)
		}
		for i := 0; i+1 < len(extra); i += 2 {
			v.Set(extra[i], extra[i+1])
		}
		if len(v) == 0 {
			return base + "/incidents"
		}
		return base + "/incidents?" + v.Encode()
	}
	switch rows := page.Rows; {
	case len(rows) == 0:
		if lq.After != nil || lq.Before != nil || lq.Last {
			p.Pager.First = link()
		}
	default:
		if page.HasPrev {
			p.Pager.First, p.Pager.Prev = link(), link("before", rows[0].Cursor().String())
		}
		if page.HasNext {
			p.Pager.Next, p.Pager.Last = link("after", rows[len(rows)-1].Cursor().String()), link("page", "last")
		}
	}
	s.render(w, r, http.StatusOK, incidentpages.List(p))
}

// factsForm fills the facts form from input and the options.
func factsForm(ctx context.Context, action string, in incident.Input, errs map[string]string, o incident.Options, canEdit bool) incidentpages.FormProps {
	p := incidentpages.FormProps{Action: action, Errors: errs, CanEdit: canEdit,
		Form: incidentpages.Form{Title: in.Title, Description: in.Description, DetectedAt: in.DetectedAt, AwareAt: in.AwareAt,
			Category: in.Category, HandlerID: in.HandlerID, RootCause: in.RootCause, MemberStates: in.MemberStates,
			Jewels: in.JewelIDs, Suppliers: in.SupplierIDs, CrossBorder: in.CrossBorder, SuspectedMalicious: in.SuspectedMalicious,
			PersonalData: in.PersonalData, TrustService: in.TrustService, Version: in.Version}}
	for _, c := range incident.Categories {
		p.Categories = append(p.Categories, components.Option{Value: c, Label: i18n.T(ctx, "incident.category."+c)})
	}
	p.Handlers = append(p.Handlers, components.Option{Value: "", Label: i18n.T(ctx, "incident.handler.none")})
	for _, m := range o.Members {
		p.Handlers = append(p.Handlers, components.Option{Value: strconv.FormatInt(m.ID, 10), Label: m.Name})
	}
	for _, ms := range entity.MemberStates() {
		p.States = append(p.States, incidentpages.Check{Value: ms.Code, Label: ms.Name.In(ctx)})
	}
	for _, j := range o.Jewels {
		p.Jewels = append(p.Jewels, incidentpages.Check{Value: strconv.FormatInt(j.ID, 10), Label: j.Name})
	}
	for _, sup := range o.Suppliers {
		p.Suppliers = append(p.Suppliers, incidentpages.Check{Value: strconv.FormatInt(sup.ID, 10), Label: sup.Name})
	}
	return p
}

func (s *Server) incidentNew(w http.ResponseWriter, r *http.Request) {
	s.renderIncidentNew(w, r, http.StatusOK, nil, nil)
}

func (s *Server) renderIncidentNew(w http.ResponseWriter, r *http.Request, status int, in *incident.Input, errs map[string]string) {
	ctx := r.Context()
	actor := authz.ActorFrom(ctx)
	opts, err := incident.LoadOptions(ctx, s.Pool, actor.EntityID)
	if err != nil {
		s.serverError(w, r, err)
		return
	}
	form := incident.Input{DetectedAt: incident.LocalValue(time.Now()), AwareAt: incident.LocalValue(time.Now()),
		HandlerID: strconv.FormatInt(actor.UserID, 10)}
	if in != nil {
		form = *in
	}
	base := entityBase(actor.EntityID)
	s.render(w, r, status, incidentpages.New(incidentpages.NewProps{Shell: s.shell(r, "incident.new", "incidents"), Base: base,
		Form: factsForm(ctx, base+"/incidents", form, errs, opts, true)}))
}

// factsInput reads the facts form.
func factsInput(r *http.Request) incident.Input {
	_ = r.ParseForm()
	f := r.PostForm
	version, _ := strconv.Atoi(f.Get("version"))
	return incident.Input{Title: f.Get("title"), Description: f.Get("description"), DetectedAt: f.Get("detected_at"),
		AwareAt: f.Get("aware_at"), Category: f.Get("category"), HandlerID: f.Get("handler_id"), MemberStates: f["member_states"],
		CrossBorder: f.Get("cross_border") != "", SuspectedMalicious: f.Get("suspected_malicious") != "",
		PersonalData: f.Get("personal_data") != "", TrustService: f.Get("trust_service") != "", RootCause: f.Get("root_cause"),
		JewelIDs: f["jewels"], SupplierIDs: f["suppliers"], Version: version}
}

func (s *Server) incidentCreate(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	actor := authz.ActorFrom(ctx)
	in := factsInput(r)
	id, err := incident.Save(ctx, s.Pool, actor, 0, in, time.Now())
	s.afterSave(w, r, err, func(errs map[string]string) {
		s.renderIncidentNew(w, r, http.StatusUnprocessableEntity, &in, errs)
	}, "incident.saved", fmt.Sprintf("%s/incidents/%d", entityBase(actor.EntityID), id))
}

func (s *Server) incidentPage(w http.ResponseWriter, r *http.Request) {
	id, ok := s.idParam(w, r, "incidentID")
	if !ok {
		return
	}
	s.renderIncident(w, r, id, incidentState{})
}

// incidentFacts words an incident's saved facts (also the other person's
// version on a conflict).
func incidentFacts(ctx context.Context, inc incident.Incident, o incident.Options) []components.Fact {
	names := func(ids []int64, opts []incident.Option) string {
		var out []string
		for _, id := range ids {
			if k := slices.IndexFunc(opts, func(x incident.Option) bool { return x.ID == id }); k >= 0 {
				out = append(out, opts[k].Name)
			} else {
				out = append(out, "#"+strconv.FormatInt(id, 10))
			}
		}
		return strings.Join(out, ", ")
	}
	var flags []string
	for _, f := range []struct {
		on  bool
		key string
	}{{inc.SuspectedMalicious, "suspected_malicious"}, {inc.CrossBorder, "cross_border"}, {inc.PersonalData, "personal_data"},
		{inc.TrustService, "trust_service"}} {
		if f.on {
			flags = append(flags, i18n.T(ctx, "incident.field."+f.key))
		}
	}
	var states []string
	for _, code := range inc.MemberStates {
		if ms, ok := entity.LookupMemberState(code); ok {
			states = append(states, ms.Name.In(ctx))
		}
	}
	facts := []components.Fact{
		{Label: i18n.T(ctx, "incident.field.detected_at"), Value: i18n.DateTime(ctx, inc.DetectedAt)},
		{Label: i18n.T(ctx, "incident.field.aware_at"), Value: i18n.DateTime(ctx, inc.AwareAt)},
		{Label: i18n.T(ctx, "incident.field.category"), Value: i18n.T(ctx, "incident.category."+inc.Category)},
		{Label: i18n.T(ctx, "incident.field.handler_id"), Value: inc.HandlerName},
		{Label: i18n.T(ctx, "incident.field.root_cause"), Value: inc.RootCause},
		{Label: i18n.T(ctx, "incident.field.flags"), Value: strings.Join(flags, " · ")},
		{Label: i18n.T(ctx, "incident.field.member_states"), Value: strings.Join(states, ", ")},
		{Label: i18n.T(ctx, "incident.field.jewels"), Value: names(inc.JewelIDs, o.Jewels)},
		{Label: i18n.T(ctx, "incident.field.suppliers"), Value: names(inc.SupplierIDs, o.Suppliers)},
		{Label: i18n.T(ctx, "incident.field.description"), Value: inc.Description},
	}
	if inc.ResolvedAt != nil {
		facts = append(facts, components.Fact{Label: i18n.T(ctx, "incident.resolved_at"), Value: i18n.DateTime(ctx, *inc.ResolvedAt)})
	}
	return append(facts, components.Fact{Label: i18n.T(ctx, "conflict.saved_by"), Value: inc.UpdatedBy + ", " + i18n.DateTime(ctx, inc.UpdatedAt)})
}

// reasonText words one reason of the significance assessment.
func reasonText(ctx context.Context, r incident.Reason) string {
	switch {
	case strings.HasPrefix(r.Key, "incident.sig.reason.recurrence"):
		return i18n.T(ctx, r.Key, r.N, money(ctx, r.EUR))
	case r.Key == "incident.sig.reason.loss_exceeds", r.Key == "incident.sig.reason.loss_below", r.Key == "incident.sig.reason.turnover_unknown":
		return i18n.T(ctx, r.Key, money(ctx, r.EUR))
	}
	return i18n.T(ctx, r.Key)
}

func (s *Server) renderIncident(w http.ResponseWriter, r *http.Request, id int64, st incidentState) {
	ctx := r.Context()
	actor := authz.ActorFrom(ctx)
	now := time.Now()
	inc, err := incident.Get(ctx, s.Pool, actor.EntityID, id)
	if errors.Is(err, db.ErrNotFound) {
		s.errorPage(w, r, http.StatusNotFound)
		return
	} else if err != nil {
		s.serverError(w, r, err)
		return
	}
	reports, err := incident.Reports(ctx, s.Pool, actor.EntityID, id)
	if err != nil {
		s.serverError(w, r, err)
		return
	}
	entries, err := incident.Timeline(ctx, s.Pool, actor.EntityID, id)
	if err != nil {
		s.serverError(w, r, err)
		return
	}
	opts, err := incident.LoadOptions(ctx, s.Pool, actor.EntityID)
	if err != nil {
		s.serverError(w, r, err)
		return
	}
	base := entityBase(actor.EntityID)
	canEdit := actor.Can(authz.IncidentEdit)
	in := st.Input
	if in == nil {
		in = &incidentInputs{}
	}
	p := incidentpages.PageProps{Shell: s.shell(r, "incident.title", "incidents"), Base: base, ID: id, Title: inc.Title,
		Status: string(inc.Status), StatusLabel: i18n.T(ctx, "incident.status."+string(inc.Status)), Version: inc.Version,
		Facts: incidentFacts(ctx, inc, opts), CanEdit: canEdit, Notice: s.Sessions.PopString(ctx, sessFlash),
		Error: in.Error}
	p.Playbook, _ = incident.PlaybookForCategory(inc.Category)
	if st.Form != "review" {
		p.Conflict = st.Conflict
	}
	for _, next := range incident.NextStatuses(inc.Status) {
		p.Next = append(p.Next, components.Option{Value: string(next), Label: i18n.T(ctx, "incident.status."+string(next))})
	}
	if st.Form == "status" {
		p.StatusErrors = st.Errors
	}
	facts := incident.FormInput(inc)
	var factErrs map[string]string
	if in.Facts != nil {
		facts, factErrs, p.EditOpen = *in.Facts, st.Errors, true
		facts.Version = inc.Version
	}
	p.Edit = factsForm(ctx, fmt.Sprintf("%s/incidents/%d", base, id), facts, factErrs, opts, canEdit)
	p.Edit.OnPage = true

	// Significance, assessed live (other incidents may have changed).
	a := inc.Assessment()
	b := measure.RegulationBinds(inc.ScopeClass != nil, derefString(inc.ScopeClass), inc.Subsectors)
	outcome := a.Outcome
	if inc.Override != nil {
		outcome = incident.Outcome(*inc.Override)
	}
	sig := incidentpages.SignificanceProps{Outcome: string(outcome), OutcomeLabel: i18n.T(ctx, "incident.outcome."+string(outcome)),
		Overridden: inc.Override != nil, Judgement: inc.OverrideJudgement, Assessed: i18n.T(ctx, "incident.outcome."+string(a.Outcome)),
		Threshold: money(ctx, a.ThresholdEUR), Guidance: !b.Bound, Version: inc.Version}
	for _, reason := range a.Reasons {
		sig.Reasons = append(sig.Reasons, reason.In(ctx))
	}
	for _, o := range a.Recurring {
		line := o.Title + " — " + i18n.Date(ctx, o.AwareAt)
		if o.LossEUR != nil {
			line += " — " + money(ctx, *o.LossEUR)
		}
		sig.Recurring = append(sig.Recurring, line)
	}
	form := incident.SignificanceForm(inc)
	if in.Sig != nil {
		form = *in.Sig
		sig.Errors = st.Errors
	}
	sig.Loss, sig.Planned, sig.Override, sig.OverrideJudgement = form.LossEUR, form.PlannedMaintenance, form.Override, form.OverrideJudgement
	for _, c := range incident.Criteria {
		v := form.Answers[c]
		if v == "" {
			v = string(incident.Unknown)
		}
		sig.Criteria = append(sig.Criteria, incidentpages.Criterion{Name: string(c), Label: i18n.T(ctx, "incident.criterion."+string(c)), Value: v})
	}
	for _, g := range inc.TypeGroups() {
		row := incidentpages.TypeGroup{Type: string(g.Type), Title: i18n.T(ctx, g.TitleKey())}
		for _, c := range g.Criteria {
			v := form.TypeAnswers[c.Code]
			if v == "" {
				v = string(incident.Unknown)
			}
			row.Criteria = append(row.Criteria, incidentpages.Criterion{Name: "type_" + c.Code,
				Label: i18n.T(ctx, c.LabelKey()) + " (" + c.Cite() + ")", Value: v})
		}
		sig.TypeGroups = append(sig.TypeGroups, row)
	}
	p.Significance = sig

	// The clock.
	p.Significant = inc.Effective() == incident.Significant || len(reports) > 0
	recipients := scope.Recipients(inc.Subsectors)
	names := map[string]string{}
	for _, rc := range recipients {
		label := i18n.T(ctx, "incident.role."+string(rc.Role)) + ": " + rc.Name.In(ctx)
		p.Clock.Recipients = append(p.Clock.Recipients, incidentpages.Recipient{Code: rc.Code, Label: label})
		if rc.Code != "" {
			names[rc.Code] = rc.Name.In(ctx)
		}
	}
	p.Clock.Unknown = len(recipients) == 0
	for _, c := range incident.Channels {
		p.Clock.Channels = append(p.Clock.Channels, components.Option{Value: c, Label: i18n.T(ctx, "incident.draft.channel."+c)})
	}
	if st.Form == "request" && in.Request != nil {
		p.Clock.RequestErrors = st.Errors
		p.Clock.Request = [3]string{in.Request.RequestedAt, in.Request.RequestedBy, in.Request.DueAt}
	} else {
		p.Clock.Request[0] = incident.LocalValue(now)
	}
	p.Clock.Stages = clockStages(ctx, inc, reports, names, now, st, in)

	// Drafts of the reports; a report of an incident that is not
	// significant is voluntary (Art. 30 NIS2).
	p.Voluntary = inc.Effective() != incident.Significant
	for _, k := range incident.DraftKinds {
		link := incidentpages.DraftLink{Kind: k, Label: draftKindLabel(ctx, k)}
		for _, sub := range inc.Submissions {
			if string(sub.Stage) != k {
				continue
			}
			to := sub.Recipient
			if n, ok := names[to]; ok {
				to = n
			}
			line := i18n.T(ctx, "incident.draft.sent", to, i18n.DateTime(ctx, sub.SubmittedAt),
				i18n.T(ctx, "incident.draft.channel."+sub.Channel), sub.Reference)
			if sub.Voluntary {
				line += " (" + i18n.T(ctx, "incident.draft.voluntary") + ")"
			}
			link.Sent = append(link.Sent, line)
		}
		p.Drafts = append(p.Drafts, link)
	}
	// The GDPR breach notification, on its own clock (Art. 33 GDPR).
	if inc.PersonalData {
		due := incident.GDPRDue(inc.AwareAt)
		g := incidentpages.GDPRProps{Due: i18n.DateTime(ctx, due), DueValue: due.Format(time.RFC3339), Version: inc.Version,
			At: incident.LocalValue(now)}
		if inc.GDPRNotifiedAt != nil {
			g.Done = i18n.T(ctx, "incident.gdpr.done", i18n.DateTime(ctx, *inc.GDPRNotifiedAt), inc.GDPRRef)
		} else {
			g.Countdown = countdown(ctx, due, now)
			g.Overdue = g.Countdown.Overdue
		}
		if st.Form == "gdpr" && in.GDPR != nil {
			g.At, g.Ref, g.Errors = in.GDPR.NotifiedAt, in.GDPR.Reference, st.Errors
		}
		p.GDPR = &g
	}

	// Evidence of the incident and of its entries, in one listing.
	subj := evidence.Subject{Type: incident.SubjectIncident, Ref: strconv.FormatInt(id, 10)}
	subjects := []evidence.Subject{subj}
	for _, e := range entries {
		subjects = append(subjects, evidence.Subject{Type: incident.SubjectEntry, Ref: incident.EntryRef(id, e.ID)})
	}
	items, err := s.evidence().ListSubjects(ctx, actor.EntityID, subjects)
	if err != nil {
		s.serverError(w, r, err)
		return
	}
	var own []evidence.Item
	byEntry := map[string][]evidence.Item{}
	for _, it := range items {
		if it.SubjectType == incident.SubjectIncident {
			own = append(own, it)
		} else {
			byEntry[it.SubjectRef] = append(byEntry[it.SubjectRef], it)
		}
	}
	ev := s.evidenceSection(r, subj, own)
	ev.RelatedTitle = "incident.evidence.entries"
	for _, e := range entries {
		row := incidentpages.EntryRow{ID: e.ID, At: i18n.DateTime(ctx, e.OccurredAt), Text: entryText(ctx, e, names), By: e.CreatedBy,
			CorrectedBy: e.CorrectedBy, Ref: incident.EntryRef(id, e.ID)}
		if e.CorrectsID != nil {
			row.Corrects = *e.CorrectsID
		}
		if ev.CanEdit {
			row.Attach = evidenceAction(actor.EntityID, evidence.Subject{Type: incident.SubjectEntry, Ref: row.Ref})
		}
		if list := byEntry[row.Ref]; len(list) > 0 {
			row.Evidence = len(list)
			g := measures.EvidenceGroup{Ref: row.Ref, Label: i18n.T(ctx, "incident.entry.evidence_group", e.ID, row.At),
				URL: fmt.Sprintf("%s/incidents/%d#entry-%d", base, id, e.ID)}
			for _, it := range list {
				g.Items = append(g.Items, evidenceItemProps(it))
			}
			ev.Related = append(ev.Related, g)
		}
		p.Timeline = append(p.Timeline, row)
	}
	if in.Entry != nil {
		p.Entry = incidentpages.EntryForm{OccurredAt: in.Entry.OccurredAt, Text: in.Entry.Text, Corrects: in.Entry.Corrects}
		p.EntryErrors = st.Errors
	}
	p.Evidence = &ev
	if p.Review, err = s.reviewProps(r, inc, opts, st, in); err != nil {
		s.serverError(w, r, err)
		return
	}
	s.render(w, r, st.status(), incidentpages.Page(p))
}

// entryText words a timeline entry; the app's own entries (a status
// change, a report submitted) in the reader's language.
func entryText(ctx context.Context, e incident.Entry, names map[string]string) string {
	parts := strings.Split(e.Event, ":")
	var head string
	switch {
	case len(parts) == 3 && parts[0] == "status":
		head = i18n.T(ctx, "incident.entry.event.status", i18n.T(ctx, "incident.status."+parts[1]), i18n.T(ctx, "incident.status."+parts[2]))
	case len(parts) == 2 && parts[0] == "report":
		to, proof, _ := strings.Cut(e.Text, " · ")
		var list []string
		for _, code := range strings.Split(to, ", ") {
			if n, ok := names[code]; ok {
				code = n
			}
			list = append(list, code)
		}
		return i18n.T(ctx, "incident.entry.event.report", i18n.T(ctx, "incident.stage."+parts[1]), strings.Join(list, ", "), proof)
	default:
		return e.Text
	}
	if e.Text != "" {
		return head + " — " + e.Text
	}
	return head
}

func derefString(s *string) string {
	if s == nil {
		return ""
	}
	return *s
}

// clockStages lays out the reports: each stage with its due time (live from
// the clock while unsubmitted, as it was when submitted), the countdown and
// what was submitted.
func clockStages(ctx context.Context, inc incident.Incident, reports []incident.Report, names map[string]string, now time.Time,
	st incidentState, in *incidentInputs) []incidentpages.StageRow {
	plan := incident.PlanFor(inc, reports, now)
	stored := map[incident.Stage]incident.Report{}
	var intermediate []incident.Report
	for _, rep := range reports {
		if rep.Stage == incident.StageIntermediate {
			intermediate = append(intermediate, rep)
		} else {
			stored[rep.Stage] = rep
		}
	}
	row := func(stage incident.Stage, rep incident.Report, due *time.Time) incidentpages.StageRow {
		r := incidentpages.StageRow{Stage: string(stage), Label: i18n.T(ctx, "incident.stage."+string(stage)), ReportID: rep.ID,
			Version: rep.Version, RequestedBy: rep.RequestedBy}
		if rep.RequestedAt != nil {
			r.RequestedAt = i18n.DateTime(ctx, *rep.RequestedAt)
		}
		if rep.SubmittedAt != nil {
			due = rep.DueAt
		}
		if due != nil {
			r.Due, r.DueValue = i18n.DateTime(ctx, *due), due.Format(time.RFC3339)
		}
		if rep.Reminders > 0 && rep.LastReminder != nil {
			r.Reminders = i18n.N(ctx, "incident.reminders", rep.Reminders, rep.Reminders, i18n.DateTime(ctx, *rep.LastReminder))
		}
		if rep.SubmittedAt != nil {
			r.Submitted, r.SubmittedAt, r.Proof, r.Summary, r.SubmittedBy = true, i18n.DateTime(ctx, *rep.SubmittedAt), rep.ProofRef, rep.Summary, rep.SubmittedBy
			r.Late = due != nil && rep.SubmittedAt.After(*due)
			var to []string
			for _, code := range rep.Recipients {
				if n, ok := names[code]; ok {
					to = append(to, n)
				} else {
					to = append(to, code)
				}
			}
			r.Recipients = strings.Join(to, ", ")
		} else if due != nil {
			r.Countdown = countdown(ctx, *due, now)
			r.Overdue = r.Countdown.Overdue
		}
		r.Form.SubmittedAt, r.Form.Channel = incident.LocalValue(now), incident.Channels[0]
		if st.Form == "submit" && in.Submit != nil && in.Submit.Stage == string(stage) &&
			(stage != incident.StageIntermediate || in.Submit.ReportID == strconv.FormatInt(rep.ID, 10)) {
			r.Errors = st.Errors
			r.Form = incidentpages.SubmitForm{SubmittedAt: in.Submit.SubmittedAt, Other: in.Submit.Other, Summary: in.Submit.Summary,
				ProofRef: in.Submit.ProofRef, Recipients: in.Submit.Recipients, Channel: in.Submit.Channel}
		}
		return r
	}
	rows := []incidentpages.StageRow{
		row(incident.StageEarlyWarning, stored[incident.StageEarlyWarning], &plan.EarlyWarning),
		row(incident.StageNotification, stored[incident.StageNotification], &plan.Notification),
	}
	for _, rep := range intermediate {
		rows = append(rows, row(incident.StageIntermediate, rep, rep.DueAt))
	}
	if rep, ok := stored[incident.StageProgress]; ok || plan.Progress != nil {
		rows = append(rows, row(incident.StageProgress, rep, plan.Progress))
	}
	final := row(incident.StageFinal, stored[incident.StageFinal], plan.Final)
	switch {
	case final.Submitted:
	case incident.Notified(reports) == nil:
		final.Note = i18n.T(ctx, "incident.note.final_after_notification")
	case plan.FinalAfterHandling:
		final.Note = i18n.T(ctx, "incident.note.final_after_handling")
	case plan.Progress == nil && !inc.Handled():
		final.Note = i18n.T(ctx, "incident.note.progress_instead")
	}
	return append(rows, final)
}

// incidentWriteError maps what every incident change can end in besides
// field errors; it reports whether it answered.
func (s *Server) incidentWriteError(w http.ResponseWriter, r *http.Request, id int64, err error, form string, in incidentInputs) bool {
	ctx := r.Context()
	if c, ok := incident.IsConflict(err); ok {
		opts, oerr := incident.LoadOptions(ctx, s.Pool, authz.ActorFrom(ctx).EntityID)
		if oerr != nil {
			s.serverError(w, r, oerr)
			return true
		}
		s.renderIncident(w, r, id, incidentState{Status: http.StatusConflict, Form: form, Input: &in, Conflict: incidentFacts(ctx, c.Current, opts)})
		return true
	}
	if errors.Is(err, incident.ErrNotSubmittable) {
		in.Error = "incident.error.not_submittable"
		s.renderIncident(w, r, id, incidentState{Status: http.StatusConflict, Form: form, Input: &in})
		return true
	}
	return false
}

func (s *Server) incidentSave(w http.ResponseWriter, r *http.Request) {
	id, ok := s.idParam(w, r, "incidentID")
	if !ok {
		return
	}
	ctx := r.Context()
	actor := authz.ActorFrom(ctx)
	in := factsInput(r)
	_, err := incident.Save(ctx, s.Pool, actor, id, in, time.Now())
	if s.incidentWriteError(w, r, id, err, "facts", incidentInputs{Facts: &in}) {
		return
	}
	s.afterSave(w, r, err, func(errs map[string]string) {
		s.renderIncident(w, r, id, incidentState{Status: http.StatusUnprocessableEntity, Form: "facts", Input: &incidentInputs{Facts: &in}, Errors: errs})
	}, "incident.saved", fmt.Sprintf("%s/incidents/%d", entityBase(actor.EntityID), id))
}

func (s *Server) incidentSignificance(w http.ResponseWriter, r *http.Request) {
	id, ok := s.idParam(w, r, "incidentID")
	if !ok {
		return
	}
	ctx := r.Context()
	actor := authz.ActorFrom(ctx)
	_ = r.ParseForm()
	version, _ := strconv.Atoi(r.PostForm.Get("version"))
	in := incident.SignificanceInput{LossEUR: r.PostForm.Get("loss_eur"), Answers: map[incident.Criterion]string{},
		PlannedMaintenance: r.PostForm.Get("planned_maintenance") != "", Override: r.PostForm.Get("override"),
		OverrideJudgement: r.PostForm.Get("override_judgement"), Version: version}
	for _, c := range incident.Criteria {
		in.Answers[c] = r.PostForm.Get(string(c))
	}
	in.TypeAnswers = map[string]string{}
	for name := range r.PostForm {
		if code, ok := strings.CutPrefix(name, "type_"); ok {
			in.TypeAnswers[code] = r.PostForm.Get(name)
		}
	}
	err := incident.SaveSignificance(ctx, s.Pool, actor, id, in, time.Now())
	if s.incidentWriteError(w, r, id, err, "significance", incidentInputs{Sig: &in}) {
		return
	}
	s.afterSave(w, r, err, func(errs map[string]string) {
		s.renderIncident(w, r, id, incidentState{Status: http.StatusUnprocessableEntity, Form: "significance", Input: &incidentInputs{Sig: &in}, Errors: errs})
	}, "incident.significance.saved", fmt.Sprintf("%s/incidents/%d", entityBase(actor.EntityID), id))
}

func (s *Server) incidentStatus(w http.ResponseWriter, r *http.Request) {
	id, ok := s.idParam(w, r, "incidentID")
	if !ok {
		return
	}
	ctx := r.Context()
	actor := authz.ActorFrom(ctx)
	version, _ := strconv.Atoi(r.PostFormValue("version"))
	err := incident.ChangeStatus(ctx, s.Pool, actor, id, incident.Status(r.PostFormValue("status")), r.PostFormValue("note"), version, time.Now())
	if s.incidentWriteError(w, r, id, err, "status", incidentInputs{}) {
		return
	}
	s.afterSave(w, r, err, func(errs map[string]string) {
		s.renderIncident(w, r, id, incidentState{Status: http.StatusUnprocessableEntity, Form: "status", Errors: errs})
	}, "incident.status.saved", fmt.Sprintf("%s/incidents/%d", entityBase(actor.EntityID), id))
}

func (s *Server) incidentEntry(w http.ResponseWriter, r *http.Request) {
	id, ok := s.idParam(w, r, "incidentID")
	if !ok {
		return
	}
	ctx := r.Context()
	actor := authz.ActorFrom(ctx)
	in := incident.EntryInput{OccurredAt: r.PostFormValue("occurred_at"), Text: r.PostFormValue("entry"), Corrects: r.PostFormValue("corrects")}
	err := incident.AddEntry(ctx, s.Pool, actor, id, in, time.Now())
	s.afterSave(w, r, err, func(errs map[string]string) {
		s.renderIncident(w, r, id, incidentState{Status: http.StatusUnprocessableEntity, Form: "entry", Input: &incidentInputs{Entry: &in}, Errors: errs})
	}, "incident.entry.saved", fmt.Sprintf("%s/incidents/%d#timeline-h", entityBase(actor.EntityID), id))
}

func (s *Server) incidentSubmit(w http.ResponseWriter, r *http.Request) {
	id, ok := s.idParam(w, r, "incidentID")
	if !ok {
		return
	}
	ctx := r.Context()
	actor := authz.ActorFrom(ctx)
	_ = r.ParseForm()
	version, _ := strconv.Atoi(r.PostForm.Get("version"))
	in := incident.SubmitInput{Stage: r.PostForm.Get("stage"), ReportID: r.PostForm.Get("report"), SubmittedAt: r.PostForm.Get("submitted_at"),
		Recipients: r.PostForm["recipients"], Other: r.PostForm.Get("recipient_other"), Summary: r.PostForm.Get("summary"),
		ProofRef: r.PostForm.Get("proof_ref"), Channel: r.PostForm.Get("channel"), Version: version}
	inc, err := incident.Get(ctx, s.Pool, actor.EntityID, id)
	if err == nil {
		err = incident.Submit(ctx, s.Pool, actor, id, in, incident.RecipientsOf(inc.Subsectors), time.Now())
	}
	if s.incidentWriteError(w, r, id, err, "submit", incidentInputs{Submit: &in}) {
		return
	}
	s.afterSave(w, r, err, func(errs map[string]string) {
		s.renderIncident(w, r, id, incidentState{Status: http.StatusUnprocessableEntity, Form: "submit", Input: &incidentInputs{Submit: &in}, Errors: errs})
	}, "incident.report.saved", fmt.Sprintf("%s/incidents/%d#clock-h", entityBase(actor.EntityID), id))
}

func (s *Server) incidentRequest(w http.ResponseWriter, r *http.Request) {
	id, ok := s.idParam(w, r, "incidentID")
	if !ok {
		return
	}
	ctx := r.Context()
	actor := authz.ActorFrom(ctx)
	in := incident.RequestInput{RequestedAt: r.PostFormValue("requested_at"), RequestedBy: r.PostFormValue("requested_by"), DueAt: r.PostFormValue("request_due_at")}
	err := incident.RequestIntermediate(ctx, s.Pool, actor, id, in, time.Now())
	s.afterSave(w, r, err, func(errs map[string]string) {
		s.renderIncident(w, r, id, incidentState{Status: http.StatusUnprocessableEntity, Form: "request", Input: &incidentInputs{Request: &in}, Errors: errs})
	}, "incident.request.saved", fmt.Sprintf("%s/incidents/%d#clock-h", entityBase(actor.EntityID), id))
}

// reviewProps lays out the post-incident review with its follow-up actions
// (one query).
func (s *Server) reviewProps(r *http.Request, inc incident.Incident, opts incident.Options, st incidentState, in *incidentInputs) (incidentpages.ReviewProps, error) {
	ctx := r.Context()
	base := entityBase(inc.EntityID)
	rv, err := incident.LoadReview(ctx, s.Pool, inc.EntityID, inc.ID)
	if err != nil {
		return incidentpages.ReviewProps{}, err
	}
	ed, err := s.edition(r)
	if err != nil {
		return incidentpages.ReviewProps{}, err
	}
	form := incident.ReviewForm(rv)
	p := incidentpages.ReviewProps{}
	if st.Form == "review" {
		p.Conflict = st.Conflict
	}
	if in.Review != nil {
		form, p.Errors = *in.Review, st.Errors
		form.Version = rv.Version
	}
	p.Form = incidentpages.ReviewForm{RootCause: form.RootCause, Lessons: form.Lessons, Complete: form.Complete, Version: form.Version}
	if rv.CompletedAt != nil {
		p.Completed = i18n.Date(ctx, rv.CompletedAt.In(i18n.Amsterdam))
	}
	if inc.Effective() == incident.Significant {
		p.RiskHref = base + "/risks"
	}
	day := today()
	for _, a := range rv.Actions {
		row := incidentpages.ReviewAction{ID: a.ID, Version: int64(a.Version), Title: a.Title, Requirement: a.RequirementCode,
			Href: base + "/requirements/" + a.RequirementCode, Owner: a.OwnerName, Due: i18n.Date(ctx, a.DueDate), Overdue: a.Overdue(day)}
		if req, ok := ed.Requirement(a.RequirementCode); ok {
			row.Requirement = a.RequirementCode + " " + req.Title.In(ctx)
		}
		if a.DoneOn != nil {
			row.DoneOn = i18n.Date(ctx, *a.DoneOn)
		}
		p.Actions = append(p.Actions, row)
	}
	p.Requirements, p.Owners = actionOptions(ctx, ed, opts.Members)
	if in.Action != nil {
		p.ActionForm = incidentpages.ActionForm{Title: in.Action.Title, Requirement: in.Action.RequirementCode, Owner: in.Action.OwnerID, Due: in.Action.DueDate}
		p.ActionErrors = st.Errors
	}
	return p, nil
}

// reviewFacts words a review as saved (the other person's version on a
// conflict).
func reviewFacts(ctx context.Context, rv incident.Review) []components.Fact {
	facts := []components.Fact{
		{Label: i18n.T(ctx, "incident.review.root_cause"), Value: rv.RootCause},
		{Label: i18n.T(ctx, "incident.review.lessons"), Value: rv.Lessons},
	}
	if rv.UpdatedAt != nil {
		facts = append(facts, components.Fact{Label: i18n.T(ctx, "conflict.saved_by"), Value: rv.UpdatedBy + ", " + i18n.DateTime(ctx, *rv.UpdatedAt)})
	}
	return facts
}

// reviewWriteError answers a review change that met a newer version (409,
// input kept); it reports whether it answered.
func (s *Server) reviewWriteError(w http.ResponseWriter, r *http.Request, id int64, err error, in incidentInputs) bool {
	var c *incident.ReviewConflict
	if !errors.As(err, &c) {
		return false
	}
	if in.Review == nil && in.Action == nil {
		in.Error = "incident.review.error.conflict"
	}
	s.renderIncident(w, r, id, incidentState{Status: http.StatusConflict, Form: "review", Input: &in, Conflict: reviewFacts(r.Context(), c.Current)})
	return true
}

func (s *Server) incidentReview(w http.ResponseWriter, r *http.Request) {
	id, ok := s.idParam(w, r, "incidentID")
	if !ok {
		return
	}
	ctx := r.Context()
	actor := authz.ActorFrom(ctx)
	version, _ := strconv.Atoi(r.PostFormValue("version"))
	in := incident.ReviewInput{RootCause: r.PostFormValue("review_root_cause"), Lessons: r.PostFormValue("lessons"),
		Complete: r.PostFormValue("complete") != "", Version: version}
	err := incident.SaveReview(ctx, s.Pool, actor, id, in, time.Now())
	if s.reviewWriteError(w, r, id, err, incidentInputs{Review: &in}) {
		return
	}
	s.afterSave(w, r, err, func(errs map[string]string) {
		s.renderIncident(w, r, id, incidentState{Status: http.StatusUnprocessableEntity, Form: "review", Input: &incidentInputs{Review: &in}, Errors: errs})
	}, "incident.review.saved", fmt.Sprintf("%s/incidents/%d#review-h", entityBase(actor.EntityID), id))
}

func (s *Server) incidentActionAdd(w http.ResponseWriter, r *http.Request) {
	id, ok := s.idParam(w, r, "incidentID")
	if !ok {
		return
	}
	ctx := r.Context()
	actor := authz.ActorFrom(ctx)
	known, err := s.knownRequirement(r)
	if err != nil {
		s.serverError(w, r, err)
		return
	}
	in := incident.ActionInput{Title: r.PostFormValue("action_title"), RequirementCode: r.PostFormValue("requirement"),
		OwnerID: r.PostFormValue("owner"), DueDate: r.PostFormValue("due_date")}
	err = incident.AddAction(ctx, s.Pool, actor, id, in, known)
	s.afterSave(w, r, err, func(errs map[string]string) {
		s.renderIncident(w, r, id, incidentState{Status: http.StatusUnprocessableEntity, Form: "action", Input: &incidentInputs{Action: &in}, Errors: errs})
	}, "incident.review.action.saved", fmt.Sprintf("%s/incidents/%d#review-actions-h", entityBase(actor.EntityID), id))
}

func (s *Server) incidentActionDone(w http.ResponseWriter, r *http.Request) {
	id, actionID, ok := s.actionParams(w, r)
	if !ok {
		return
	}
	ctx := r.Context()
	actor := authz.ActorFrom(ctx)
	version, _ := strconv.Atoi(r.PostFormValue("version"))
	err := incident.SetActionDone(ctx, s.Pool, actor, id, actionID, r.PostFormValue("done") == "1", version, today())
	if s.reviewWriteError(w, r, id, err, incidentInputs{}) {
		return
	}
	s.afterSave(w, r, err, func(map[string]string) {}, "incident.review.action.saved",
		fmt.Sprintf("%s/incidents/%d#review-actions-h", entityBase(actor.EntityID), id))
}

// incidentActionRows shows follow-up actions of post-incident reviews on a
// requirement page or the dashboard, next to the risk mitigation actions,
// each linked to its incident's review.
func incidentActionRows(ctx context.Context, base string, rows []incident.Action) []measures.RiskAction {
	out := make([]measures.RiskAction, 0, len(rows))
	day := today()
	for _, a := range rows {
		href := fmt.Sprintf("%s/incidents/%d", base, a.IncidentID)
		out = append(out, measures.RiskAction{Title: a.Title, ActionHref: fmt.Sprintf("%s#action-%d", href, a.ID),
			Scenario: i18n.T(ctx, "incident.review.action.source", a.IncidentTitle), Href: href + "#review-h", Owner: a.OwnerName,
			Due: i18n.Date(ctx, a.DueDate), Overdue: a.Overdue(day), Done: a.Done()})
	}
	return out
}

// deadlineRows words the reports still owed for the dashboards.
func deadlineRows(ctx context.Context, base string, list []incident.Deadline, now time.Time) []incidentpages.DeadlineRow {
	rows := make([]incidentpages.DeadlineRow, 0, len(list))
	for _, d := range list {
		rows = append(rows, incidentpages.DeadlineRow{Href: fmt.Sprintf("%s/incidents/%d", base, d.IncidentID), Title: d.Title,
			Stage: i18n.T(ctx, "incident.stage."+string(d.Stage)), Due: i18n.DateTime(ctx, d.DueAt), DueValue: d.DueAt.Format(time.RFC3339),
			Countdown: countdown(ctx, d.DueAt, now), Overdue: now.After(d.DueAt), Soon: d.DueAt.Sub(now) <= incident.BannerWithin})
	}
	return rows
}
