package server

import (
	"context"
	"errors"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/weerbaar/weerbaar/internal/authz"
	"github.com/weerbaar/weerbaar/internal/entity"
	"github.com/weerbaar/weerbaar/internal/i18n"
	nis2 "github.com/weerbaar/weerbaar/internal/scope"
	"github.com/weerbaar/weerbaar/internal/validate"
	"github.com/weerbaar/weerbaar/web/components"
	"github.com/weerbaar/weerbaar/web/pages/scope"
)

// wizardInput reads the answers of the self-assessment wizard from a query
// or form and validates those of the steps before step.
func wizardInput(v url.Values, step int) (scope.WizardValues, nis2.Input, validate.Errors) {
	vals := scope.WizardValues{
		Subsectors: v["subsector"], Employees: strings.TrimSpace(v.Get("employees")),
		Turnover: strings.TrimSpace(v.Get("turnover")), Balance: strings.TrimSpace(v.Get("balance")),
		PrevEmployees: strings.TrimSpace(v.Get("prev_employees")), PrevTurnover: strings.TrimSpace(v.Get("prev_turnover")),
		PrevBalance: strings.TrimSpace(v.Get("prev_balance")), PublicControl: v.Get("public_control") == "true",
		Qualified: v.Get("qualified") == "true", CriticalEntity: v.Get("critical_entity") == "true",
		Designated: v.Get("designated"), Exclusion: v.Get("exclusion"),
		MainEstablishmentElsewhere: v.Get("main_establishment_elsewhere") == "true", DORA: v.Get("dora") == "true",
	}
	for i := range vals.Others {
		vals.Others[i] = scope.OtherValues{
			Share: strings.TrimSpace(v.Get(scope.OtherName(i, "share"))), Employees: strings.TrimSpace(v.Get(scope.OtherName(i, "employees"))),
			Turnover: strings.TrimSpace(v.Get(scope.OtherName(i, "turnover"))), Balance: strings.TrimSpace(v.Get(scope.OtherName(i, "balance"))),
		}
	}
	in := nis2.Input{Subsectors: vals.Subsectors, Qualified: vals.Qualified, CriticalEntity: vals.CriticalEntity, Designated: vals.Designated,
		Exclusion: vals.Exclusion, MainEstablishmentElsewhere: vals.MainEstablishmentElsewhere, DORA: vals.DORA, PublicControl: vals.PublicControl}
	errs := validate.Errors{}
	if step > 1 {
		if len(vals.Subsectors) == 0 {
			errs.Add("subsector", "scope.error.subsector")
		}
		for _, code := range vals.Subsectors {
			if _, ok := nis2.LookupSubsector(code); !ok {
				errs.Add("subsector", "validate.choice")
			}
		}
	}
	if step > 2 {
		var ok bool
		if in.Employees, ok = wholeNumber(vals.Employees); !ok {
			errs.Add("employees", "scope.error.number")
		}
		var n int
		if n, ok = wholeNumber(vals.Turnover); !ok {
			errs.Add("turnover", "scope.error.number")
		}
		in.TurnoverEUR = int64(n)
		if n, ok = wholeNumber(vals.Balance); !ok {
			errs.Add("balance", "scope.error.number")
		}
		in.BalanceEUR = int64(n)
		in.Previous = previousYear(vals, errs)
		in.Others = otherEnterprises(vals, errs)
		if len(in.Others) > 0 && len(errs) == 0 {
			if _, ok := nis2.Aggregate(nis2.Figures{Employees: in.Employees, TurnoverEUR: in.TurnoverEUR, BalanceEUR: in.BalanceEUR}, in.Others); !ok {
				errs.Add(scope.OtherName(0, "employees"), "scope.error.others_total")
			}
		}
	}
	if step > 3 {
		if vals.Designated != "" && vals.Designated != "essential" && vals.Designated != "important" {
			errs.Add("designated", "validate.choice")
		}
		if vals.Exclusion != "" && !slices.Contains(nis2.Exclusions, vals.Exclusion) {
			errs.Add("exclusion", "validate.choice")
		}
	}
	return vals, in, errs
}

// previousYear reads the optional figures of the previous financial year:
// all three or none.
func previousYear(vals scope.WizardValues, errs validate.Errors) *nis2.Figures {
	fields := [3]struct{ name, val string }{{"prev_employees", vals.PrevEmployees}, {"prev_turnover", vals.PrevTurnover}, {"prev_balance", vals.PrevBalance}}
	if vals.PrevEmployees == "" && vals.PrevTurnover == "" && vals.PrevBalance == "" {
		return nil
	}
	var n [3]int
	for i, f := range fields {
		var ok bool
		switch n[i], ok = wholeNumber(f.val); {
		case f.val == "":
			errs.Add(f.name, "scope.error.prev_incomplete")
		case !ok:
			errs.Add(f.name, "scope.error.number")
		}
	}
	return &nis2.Figures{Employees: n[0], TurnoverEUR: int64(n[1]), BalanceEUR: int64(n[2])}
}

// otherEnterprises reads the linked and partner rows; a row is all or nothing.
func otherEnterprises(vals scope.WizardValues, errs validate.Errors) []nis2.Holding {
	var out []nis2.Holding
	for i, o := range vals.Others {
		if o.Blank() {
			continue
		}
		var h nis2.Holding
		for _, f := range []struct {
			field, val string
			dst        func(int)
		}{
			{"share", o.Share, func(n int) { h.SharePct = n }},
			{"employees", o.Employees, func(n int) { h.Employees = n }},
			{"turnover", o.Turnover, func(n int) { h.TurnoverEUR = int64(n) }},
			{"balance", o.Balance, func(n int) { h.BalanceEUR = int64(n) }},
		} {
			n, ok := wholeNumber(f.val)
			switch {
			case f.val == "":
				errs.Add(scope.OtherName(i, f.field), "scope.error.other_incomplete")
			case !ok:
				errs.Add(scope.OtherName(i, f.field), "scope.error.number")
			case f.field == "share" && n > 100:
				errs.Add(scope.OtherName(i, f.field), "scope.error.share")
			default:
				f.dst(n)
			}
		}
		out = append(out, h)
	}
	return out
}

// answersOf turns a stored input back into the wizard's answers.
func answersOf(in nis2.Input) url.Values {
	vals := scope.WizardValues{
		Subsectors: in.Subsectors, Employees: strconv.Itoa(in.Employees), Turnover: strconv.FormatInt(in.TurnoverEUR, 10),
		Balance: strconv.FormatInt(in.BalanceEUR, 10), PublicControl: in.PublicControl, Qualified: in.Qualified,
		CriticalEntity: in.CriticalEntity, Designated: in.Designated, Exclusion: in.Exclusion,
		MainEstablishmentElsewhere: in.MainEstablishmentElsewhere, DORA: in.DORA,
	}
	if p := in.Previous; p != nil {
		vals.PrevEmployees, vals.PrevTurnover, vals.PrevBalance = strconv.Itoa(p.Employees), strconv.FormatInt(p.TurnoverEUR, 10), strconv.FormatInt(p.BalanceEUR, 10)
	}
	for i, o := range in.Others {
		if i < len(vals.Others) {
			vals.Others[i] = scope.OtherValues{Share: strconv.Itoa(o.SharePct), Employees: strconv.Itoa(o.Employees),
				Turnover: strconv.FormatInt(o.TurnoverEUR, 10), Balance: strconv.FormatInt(o.BalanceEUR, 10)}
		}
	}
	return vals.Query()
}

// wholeNumber reads a non-negative whole number, allowing the thousands
// separators people type ("1.250.000", "1,250,000", "1 250 000").
func wholeNumber(s string) (int, bool) {
	s = strings.NewReplacer(".", "", ",", "", " ", "", "€", "").Replace(s)
	n, err := strconv.Atoi(s)
	return n, err == nil && n >= 0 && n < 1<<53
}

// firstStepWithError is the step that asks for the first invalid answer.
func firstStepWithError(errs validate.Errors) int {
	switch {
	case errs["subsector"] != "":
		return 1
	}
	for name := range errs {
		if name != "designated" && name != "exclusion" {
			return 2
		}
	}
	return 3
}

func sectorGroups(ctx context.Context) []scope.SectorGroup {
	var groups []scope.SectorGroup
	for _, s := range nis2.Subsectors() {
		label := s.SectorName.In(ctx)
		if len(groups) == 0 || groups[len(groups)-1].Label != label {
			groups = append(groups, scope.SectorGroup{Label: label})
		}
		g := &groups[len(groups)-1]
		g.Options = append(g.Options, scope.SubsectorOption{Code: s.Code, Label: s.Name.In(ctx), Annex: s.Annex})
	}
	return groups
}

// pick returns the text of the request's language.

// wizard serves both the entity's self-assessment and the public one.
func (s *Server) wizard(w http.ResponseWriter, r *http.Request, p scope.WizardProps) {
	step, _ := strconv.Atoi(r.URL.Query().Get("step"))
	s.wizardAt(w, r, p, r.URL.Query(), step)
}

// wizardAt renders the wizard at step for the answers in v; invalid answers
// send the user back to the step that asks for them, with 422.
func (s *Server) wizardAt(w http.ResponseWriter, r *http.Request, p scope.WizardProps, v url.Values, step int) {
	step = min(max(step, 1), 4)
	vals, in, errs := wizardInput(v, step)
	status := http.StatusOK
	if len(errs) > 0 {
		step, status = firstStepWithError(errs), http.StatusUnprocessableEntity
	}
	p.Step, p.Values, p.Errors, p.Sectors = step, vals, errs, sectorGroups(r.Context())
	if step == 4 {
		res, err := nis2.Assess(in)
		if err != nil {
			p.Step, p.Errors, status = 1, validate.Errors{"subsector": "validate.choice"}, http.StatusUnprocessableEntity
		} else {
			view := resultView(r.Context(), res)
			p.Result = &view
			if res.Class != nis2.ClassOutOfScope {
				p.Recipients, p.DORA = recipientsView(r.Context(), in.Subsectors)
			}
		}
	}
	s.render(w, r, status, scope.Wizard(p))
}

func (s *Server) entityWizard(w http.ResponseWriter, r *http.Request) {
	actor := authz.ActorFrom(r.Context())
	p := scope.WizardProps{Shell: s.shell(r, "scope.wizard.title", "scope"), Action: entityBase(actor.EntityID) + "/scope/wizard"}
	if actor.Can(authz.ScopeEdit) {
		p.SaveURL = entityBase(actor.EntityID) + "/scope/assessments"
	}
	if r.URL.Query().Get("step") == "" {
		// Start from the answers of the latest assessment, so a second run
		// does not silently drop e.g. public control, and from the
		// registered subsectors.
		q := r.URL.Query()
		if a, ok, err := entity.LatestAssessment(r.Context(), s.Pool, actor.EntityID); err == nil && ok {
			for k, v := range answersOf(a.Inputs) {
				q[k] = v
			}
		}
		if reg, err := entity.GetRegistration(r.Context(), s.Pool, actor.EntityID); err == nil && len(reg.Subsectors) > 0 {
			q["subsector"] = reg.Subsectors
		}
		r.URL.RawQuery = q.Encode()
	}
	s.wizard(w, r, p)
}

// publicWizard is the same self-assessment for visitors; nothing is stored.
func (s *Server) publicWizard(w http.ResponseWriter, r *http.Request) {
	s.wizard(w, r, scope.WizardProps{Shell: s.shell(r, "scope.wizard.title", ""), Action: "/zelfevaluatie", Public: true})
}

func (s *Server) saveAssessment(w http.ResponseWriter, r *http.Request) {
	if err := r.ParseForm(); err != nil {
		s.errorPage(w, r, http.StatusBadRequest)
		return
	}
	actor := authz.ActorFrom(r.Context())
	_, in, errs := wizardInput(r.PostForm, 4)
	if len(errs) > 0 {
		p := scope.WizardProps{Shell: s.shell(r, "scope.wizard.title", "scope"), Action: entityBase(actor.EntityID) + "/scope/wizard",
			SaveURL: entityBase(actor.EntityID) + "/scope/assessments"}
		s.wizardAt(w, r, p, r.PostForm, 4)
		return
	}
	if _, err := entity.SaveAssessment(r.Context(), s.Pool, actor, in); err != nil {
		s.serverError(w, r, err)
		return
	}
	s.Sessions.Put(r.Context(), sessFlash, "scope.saved")
	http.Redirect(w, r, entityBase(actor.EntityID)+"/scope", http.StatusSeeOther)
}

func resultView(ctx context.Context, res nis2.Result) scope.ResultView {
	v := scope.ResultView{Class: string(res.Class), Size: string(res.Size), EngineVersion: res.EngineVersion}
	for _, reason := range res.Reasons {
		v.Reasons = append(v.Reasons, scope.ReasonView{Text: reason.In(ctx), Article: reason.Article, Open: reason.Open})
	}
	return v
}

// scopeOverview is the "Scope & registratie" page.
func (s *Server) scopeOverview(w http.ResponseWriter, r *http.Request) {
	s.renderScopeOverview(w, r, http.StatusOK, scope.SubmissionForm{})
}

func (s *Server) renderScopeOverview(w http.ResponseWriter, r *http.Request, status int, form scope.SubmissionForm) {
	ctx := r.Context()
	actor := authz.ActorFrom(ctx)
	reg, err := entity.GetRegistration(ctx, s.Pool, actor.EntityID)
	if err != nil {
		s.serverError(w, r, err)
		return
	}
	list, err := entity.Assessments(ctx, s.Pool, actor.EntityID)
	if err != nil {
		s.serverError(w, r, err)
		return
	}
	p := scope.OverviewProps{
		Shell: s.shell(r, "nav.scope", "scope"), Base: entityBase(actor.EntityID), CanEdit: actor.Can(authz.ScopeEdit),
		Registration: registrationFields(ctx, reg), SubmittedOn: reg.SubmittedOn, SubmissionRef: reg.SubmissionRef,
		Registered: reg.Version > 0, SubmissionForm: form, Notice: s.Sessions.PopString(ctx, sessFlash),
	}
	p.ReportDue = reportDueView(reg)
	p.Recipients, p.DORA = recipientsView(ctx, reg.Subsectors)
	p.SupervisionDiffers = reg.SupervisionDiffers()
	_, overlaps, _ := entity.RegistrationInput{IPRanges: strings.Join(reg.IPRanges, "\n")}.Normalise()
	p.Overlaps = overlapTexts(overlaps)
	if len(list) > 0 {
		latest := resultView(ctx, list[0].Result)
		latest.AssessedAt, latest.AssessedBy = &list[0].CreatedAt, list[0].CreatedBy
		p.Latest, p.InputsChanged = &latest, list[0].InputsDiffer(reg)
	}
	for _, a := range list {
		p.History = append(p.History, scope.HistoryRow{At: a.CreatedAt, By: a.CreatedBy, Class: string(a.Result.Class), Size: string(a.Result.Size), Version: a.EngineVersion})
	}
	s.render(w, r, status, scope.Overview(p))
}

// recipientsView lists, in the page's language, who the entity reports to and
// registers with for its subsectors (scope.Recipients), with the sources of
// each, and whether DORA takes precedence for any of them.
func recipientsView(ctx context.Context, subsectors []string) (list []scope.RecipientView, dora bool) {
	name := func(code string) string {
		if s, ok := nis2.LookupSubsector(code); ok {
			if s.LexSpecialis == "DORA" {
				dora = true
			}
			return s.Name.In(ctx)
		}
		return code
	}
	for _, r := range nis2.Recipients(subsectors) {
		v := scope.RecipientView{Role: string(r.Role), Name: r.Name.In(ctx), Verified: r.Verified}
		var subs []string
		for _, code := range r.Subsectors {
			subs = append(subs, name(code))
		}
		for _, ref := range r.Sources {
			v.Sources = append(v.Sources, scope.SourceView{Cite: ref.Cite, URL: ref.URL})
		}
		v.Subsectors = strings.Join(subs, ", ")
		for _, n := range r.Notes {
			v.Notes = append(v.Notes, n.In(ctx))
		}
		list = append(list, v)
	}
	return list, dora
}

// reportDueView is the pending-change warning of a registration, or nil.
func reportDueView(reg entity.Registration) *scope.ReportDue {
	d, ok := reg.ReportDue()
	if !ok {
		return nil
	}
	return &scope.ReportDue{Due: d.Due, Rule: d.Period.Rule, Article: d.Period.Article}
}

func overlapTexts(pairs [][2]string) []string {
	var out []string
	for _, p := range pairs {
		out = append(out, p[0]+" ∩ "+p[1])
	}
	return out
}

// registrationFields lists the registration data in the page's language.
func registrationFields(ctx context.Context, reg entity.Registration) []scope.Field {
	label := func(k string) string { return i18n.T(ctx, "registration.field."+k) }
	var subsectors, states []string
	for _, code := range reg.Subsectors {
		if s, ok := nis2.LookupSubsector(code); ok {
			subsectors = append(subsectors, s.Name.In(ctx))
		}
	}
	for _, code := range reg.MemberStates {
		if m, ok := entity.LookupMemberState(code); ok {
			states = append(states, m.Name.In(ctx))
		}
	}
	authority := reg.Authority
	if a, ok := nis2.LookupAuthority(reg.Authority); ok {
		authority = a.Name.In(ctx)
	}
	sharing := i18n.T(ctx, "common.no")
	if reg.InfoSharing {
		sharing = strings.TrimSpace(i18n.T(ctx, "common.yes") + " " + reg.InfoSharingDetails)
	}
	address := strings.TrimSpace(strings.Join(nonEmpty(reg.Street, strings.TrimSpace(reg.Postcode+" "+reg.City), reg.Country), ", "))
	fields := []scope.Field{
		{Label: label("legal_name"), Value: reg.LegalName},
		{Label: label("kvk"), Value: reg.KvK},
		{Label: i18n.T(ctx, "registration.address"), Value: address},
		{Label: label("postal_address"), Value: reg.PostalAddress},
		{Label: i18n.T(ctx, "registration.contact"), Value: strings.Join(nonEmpty(reg.ContactName, reg.ContactEmail, reg.ContactPhone), " · ")},
		{Label: label("ip_ranges"), Value: strings.Join(reg.IPRanges, ", ")},
		{Label: label("subsectors"), Value: strings.Join(subsectors, ", ")},
		{Label: label("member_states"), Value: strings.Join(states, ", ")},
		{Label: label("authority"), Value: authority},
		{Label: label("csirt"), Value: reg.CSIRT},
		{Label: label("info_sharing"), Value: sharing},
	}
	if reg.NeedsArt27Data() {
		fields = append(fields,
			scope.Field{Label: label("main_establishment"), Value: reg.MainEstablishment},
			scope.Field{Label: label("other_establishments"), Value: strings.Join(reg.OtherEstablishments, "; ")},
			scope.Field{Label: label("eu_representative"), Value: reg.EURepresentative})
	}
	return fields
}

// recordSubmission records the date and reference of a submission to the
// authority, which ends the two-week warning.
func (s *Server) recordSubmission(w http.ResponseWriter, r *http.Request) {
	actor := authz.ActorFrom(r.Context())
	form := scope.SubmissionForm{On: r.PostFormValue("submitted_on"), Ref: r.PostFormValue("submission_ref")}
	on, perr := time.ParseInLocation("2006-01-02", form.On, i18n.Amsterdam)
	if perr != nil {
		on = time.Time{}
	}
	err := entity.RecordSubmission(r.Context(), s.Pool, actor, on, form.Ref)
	if fields := validate.Fields(err); fields != nil {
		form.Errors = fields
		s.renderScopeOverview(w, r, http.StatusUnprocessableEntity, form)
		return
	}
	if err != nil {
		s.serverError(w, r, err)
		return
	}
	s.Sessions.Put(r.Context(), sessFlash, "submission.saved")
	http.Redirect(w, r, entityBase(actor.EntityID)+"/scope", http.StatusSeeOther)
}

// registrationForm builds the edit form from a registration (or the user's
// input) with the subsector, member-state and authority options.
func registrationForm(ctx context.Context, reg entity.Registration, ipText string) scope.RegistrationForm {
	f := scope.RegistrationForm{
		LegalName: reg.LegalName, KvK: reg.KvK, Street: reg.Street, Postcode: reg.Postcode, City: reg.City, Country: reg.Country,
		PostalAddress: reg.PostalAddress, ContactName: reg.ContactName, ContactEmail: reg.ContactEmail, ContactPhone: reg.ContactPhone,
		IPRanges: ipText, Authority: reg.Authority, CSIRT: reg.CSIRT, InfoSharing: reg.InfoSharing,
		InfoSharingDetails: reg.InfoSharingDetails, Version: reg.Version,
		Art27: reg.NeedsArt27Data(), MainEstablishment: reg.MainEstablishment, EURepresentative: reg.EURepresentative,
		OtherEstablishments: strings.Join(reg.OtherEstablishments, "\n"),
	}
	f.Recipients, f.DORA = recipientsView(ctx, reg.Subsectors)
	f.SupervisionDiffers = reg.SupervisionDiffers()
	period := nis2.ChangePeriodFor(reg.Subsectors)
	f.PeriodRule, f.PeriodArticle = period.Rule, period.Article
	has := func(list []string, v string) bool {
		for _, x := range list {
			if x == v {
				return true
			}
		}
		return false
	}
	for _, s := range nis2.Subsectors() {
		f.Subsectors = append(f.Subsectors, scope.Choice{Value: s.Code, Label: s.Name.In(ctx), Checked: has(reg.Subsectors, s.Code)})
	}
	for _, m := range entity.MemberStates() {
		f.MemberStates = append(f.MemberStates, scope.Choice{Value: m.Code, Label: m.Name.In(ctx), Checked: has(reg.MemberStates, m.Code)})
	}
	f.Authorities = []components.Option{{Value: "", Label: i18n.T(ctx, "registration.authority.none")}}
	for _, a := range nis2.Authorities() {
		f.Authorities = append(f.Authorities, components.Option{Value: a.Code, Label: a.Name.In(ctx)})
	}
	return f
}

func (s *Server) registrationEdit(w http.ResponseWriter, r *http.Request) {
	actor := authz.ActorFrom(r.Context())
	reg, err := entity.GetRegistration(r.Context(), s.Pool, actor.EntityID)
	if err != nil {
		s.serverError(w, r, err)
		return
	}
	reg.ProposeSupervision()
	s.render(w, r, http.StatusOK, scope.RegistrationEdit(scope.RegistrationProps{
		Shell: s.shell(r, "registration.edit", "scope"), Base: entityBase(actor.EntityID),
		Form: registrationForm(r.Context(), reg, strings.Join(reg.IPRanges, "\n")),
	}))
}

// registrationSave validates and saves; errors come back next to their
// fields with the input kept, and a concurrent save shows the other version.
func (s *Server) registrationSave(w http.ResponseWriter, r *http.Request) {
	if err := r.ParseForm(); err != nil {
		s.errorPage(w, r, http.StatusBadRequest)
		return
	}
	ctx := r.Context()
	actor := authz.ActorFrom(ctx)
	f := r.PostForm
	version, _ := strconv.Atoi(f.Get("version"))
	in := entity.RegistrationInput{
		LegalName: f.Get("legal_name"), KvK: f.Get("kvk"), Street: f.Get("street"), Postcode: f.Get("postcode"),
		City: f.Get("city"), Country: f.Get("country"), PostalAddress: f.Get("postal_address"),
		ContactName: f.Get("contact_name"), ContactEmail: f.Get("contact_email"), ContactPhone: f.Get("contact_phone"),
		IPRanges: f.Get("ip_ranges"), Subsectors: f["subsectors"], MemberStates: f["member_states"],
		Authority: f.Get("authority"), CSIRT: f.Get("csirt"), InfoSharing: f.Get("info_sharing") == "true",
		InfoSharingDetails: f.Get("info_sharing_details"), Version: version,
		MainEstablishment: f.Get("main_establishment"), OtherEstablishments: f.Get("other_establishments"),
		EURepresentative: f.Get("eu_representative"),
	}
	saved, overlaps, err := entity.UpdateRegistration(ctx, s.Pool, actor, in)
	var conflict *entity.RegistrationConflict
	if fields := validate.Fields(err); fields != nil || errors.As(err, &conflict) {
		typed, _, _ := in.Normalise()
		typed.Version = version
		p := scope.RegistrationProps{
			Shell: s.shell(r, "registration.edit", "scope"), Base: entityBase(actor.EntityID),
			Form: registrationForm(ctx, typed, in.IPRanges), Errors: fields, Overlaps: overlapTexts(overlaps),
		}
		p.Form.Postcode, p.Form.KvK, p.Form.ContactEmail = in.Postcode, in.KvK, in.ContactEmail // exactly as typed
		if p.Form.Art27 {
			p.Form.MainEstablishment, p.Form.OtherEstablishments, p.Form.EURepresentative = in.MainEstablishment, in.OtherEstablishments, in.EURepresentative
		}
		status := http.StatusUnprocessableEntity
		if conflict != nil {
			status = http.StatusConflict
			p.Conflict = registrationFields(ctx, conflict.Current)
			p.Form.Version = conflict.Current.Version // saving again overwrites knowingly
		}
		s.render(w, r, status, scope.RegistrationEdit(p))
		return
	}
	if err != nil {
		s.serverError(w, r, err)
		return
	}
	notice := "registration.saved"
	if _, pending := saved.ReportDue(); pending {
		notice = "registration.saved_report"
	}
	s.Sessions.Put(ctx, sessFlash, notice)
	http.Redirect(w, r, entityBase(actor.EntityID)+"/scope", http.StatusSeeOther)
}
