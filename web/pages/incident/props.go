// Package incident renders the incident pages: the list, the form of a new
// incident and an incident's page with its significance, reporting clock
// and timeline. The handlers in internal/server fill the props, so these
// templates never query.
package incident

import (
	"github.com/weerbaar/weerbaar/web/components"
	"github.com/weerbaar/weerbaar/web/layout"
	"github.com/weerbaar/weerbaar/web/pages/measures"
)

// Row is one incident in the list.
type Row struct {
	ID                           int64
	Title, Category, Status      string
	Aware, Significance, Handler string
	// NextStage and NextDue name the first report still owed, Countdown
	// the time left (or how late it is), Overdue how many are late.
	NextStage, NextDue string
	Countdown          components.CountdownProps
	Overdue            int
	// OnTime and Late count the reports submitted by and after their due
	// time.
	OnTime, Late int
}

// ListProps is the incident register.
type ListProps struct {
	Shell    layout.Props
	Base     string
	Status   string
	Statuses []components.Option
	Rows     []Row
	CanEdit  bool
	Notice   string
	// Deadlines are the reports still owed, nearest first, across all
	// incidents (the rows are one page, newest first).
	Deadlines []DeadlineRow
	Pager     components.PagerProps
}

// Form is the incident's facts as the form shows them.
type Form struct {
	Title, Description, DetectedAt, AwareAt, Category, HandlerID, RootCause string
	MemberStates, Jewels, Suppliers                                         []string
	CrossBorder, SuspectedMalicious, PersonalData, TrustService             bool
	Version                                                                 int
}

// Check is one checkbox of a list (member states, jewels, suppliers).
type Check struct {
	Value, Label string
}

// FormProps is the facts form, on the new page and the incident's page.
type FormProps struct {
	Action     string
	Form       Form
	Errors     map[string]string
	Categories []components.Option
	Handlers   []components.Option
	States     []Check
	Jewels     []Check
	Suppliers  []Check
	CanEdit    bool
	// OnPage marks the facts form on the incident page, where the evidence
	// section has a title field too: the incident's title field then gets
	// its own id (ids must be unique on the page).
	OnPage bool
}

// titleName is the name the title field's id and error link are built from.
func (p FormProps) titleName() string {
	if p.OnPage {
		return "incident-title"
	}
	return "title"
}

// summaryErrors are the errors keyed as the error summary links them.
func (p FormProps) summaryErrors() map[string]string {
	if !p.OnPage || p.Errors["title"] == "" {
		return p.Errors
	}
	out := make(map[string]string, len(p.Errors))
	for k, v := range p.Errors {
		if k == "title" {
			k = p.titleName()
		}
		out[k] = v
	}
	return out
}

// NewProps is the page of a new incident.
type NewProps struct {
	Shell layout.Props
	Base  string
	Form  FormProps
}

// Criterion is one yes/no/unknown line of the significance checklist.
type Criterion struct {
	Name, Label, Value string
}

// TypeGroup is one fieldset of entity-type criteria (Art. 5–14 of
// Regulation 2024/2690), shown only to entities of that type.
type TypeGroup struct {
	Type, Title string
	Criteria    []Criterion
}

// SignificanceProps is the checklist with the result and its reasons.
type SignificanceProps struct {
	Outcome, OutcomeLabel string
	// Assessed is the rules' result when an override differs from it.
	Assessed   string
	Overridden bool
	Judgement  string
	Reasons    []string
	Threshold  string
	Recurring  []string
	// Guidance is set when the Regulation does not bind the entity.
	Guidance bool
	Loss     string
	Criteria []Criterion
	// TypeGroups are the entity-type criteria that apply; none for
	// entities the Regulation does not bind.
	TypeGroups        []TypeGroup
	Planned           bool
	Override          string
	OverrideJudgement string
	Errors            map[string]string
	Version           int
}

// StageRow is one report on the clock.
type StageRow struct {
	Stage, Label string
	ReportID     int64
	Version      int
	// Due is the due time in Europe/Amsterdam ("" when not due yet, Note
	// says why), Countdown the time left or how late it is.
	Due, DueValue, Note            string
	Countdown                      components.CountdownProps
	Overdue, Submitted, Late       bool
	SubmittedAt, Recipients, Proof string
	Summary, SubmittedBy           string
	RequestedAt, RequestedBy       string
	// Reminders says how many deadline reminders were e-mailed ("" none).
	Reminders string
	// The form, when this is the report whose submission failed.
	Form   SubmitForm
	Errors map[string]string
}

// SubmitForm is the "mark submitted" form's values.
type SubmitForm struct {
	SubmittedAt, Other, Summary, ProofRef, Channel string
	Recipients                                     []string
}

// Recipient is a body the entity reports to.
type Recipient struct {
	Code, Label string
}

// ClockProps is the reporting clock of a significant incident.
type ClockProps struct {
	Stages     []StageRow
	Recipients []Recipient
	// Channels are how a report reaches the recipients (portal, e-mail,
	// phone).
	Channels []components.Option
	// Unknown is set when the entity's scope gives no recipients yet.
	Unknown       bool
	RequestErrors map[string]string
	Request       [3]string // requested at, by, due
}

// EntryRow is one timeline entry.
type EntryRow struct {
	ID                int64
	At, Text, By, Ref string
	Corrects          int64
	CorrectedBy       []int64
	// Evidence counts the entry's evidence (listed in the evidence
	// section); Attach is its attach route, "" when the reader may not.
	Evidence int
	Attach   string
}

// EntryForm is the timeline form's values.
type EntryForm struct {
	OccurredAt, Text, Corrects string
}

// PageProps is an incident's page.
type PageProps struct {
	Shell        layout.Props
	Base         string
	ID           int64
	Title        string
	Status       string
	StatusLabel  string
	Next         []components.Option
	Version      int
	Facts        []components.Fact
	CanEdit      bool
	Notice       string
	Error        string
	Conflict     []components.Fact
	Significance SignificanceProps
	Significant  bool
	Clock        ClockProps
	Timeline     []EntryRow
	Entry        EntryForm
	EntryErrors  map[string]string
	StatusErrors map[string]string
	Edit         FormProps
	EditOpen     bool
	Evidence     *measures.EvidenceProps
	// Drafts link to the draft reports (the stages and the message to the
	// service's recipients); Voluntary: the incident is not significant, so
	// a report is voluntary (Art. 30 NIS2).
	Drafts    []DraftLink
	Voluntary bool
	// Playbook is the key of the playbook of the incident's category ("" when
	// none matches), derived from the category without a query.
	Playbook string
	// GDPR is the breach notification to the Autoriteit Persoonsgegevens,
	// for an incident involving personal data; nil otherwise.
	GDPR   *GDPRProps
	Review ReviewProps
}

// ReviewProps is the post-incident review: root cause, lessons learned and
// follow-up actions linked to requirements of the ten measures.
type ReviewProps struct {
	Form         ReviewForm
	Errors       map[string]string
	Conflict     []components.Fact
	Completed    string // when the review was completed, "" while open
	Actions      []ReviewAction
	ActionForm   ActionForm
	ActionErrors map[string]string
	Requirements []components.Option
	Owners       []components.Option
	// RiskHref links to the risk analysis to review after a significant
	// incident (Annex 2.1 of Reg. 2024/2690); "" otherwise.
	RiskHref string
}

// ReviewForm is the review form's input.
type ReviewForm struct {
	RootCause, Lessons string
	Complete           bool
	Version            int
}

// ReviewAction is one follow-up action with its done toggle.
type ReviewAction struct {
	ID, Version              int64
	Title, Requirement, Href string
	Owner, Due, DoneOn       string
	Overdue                  bool
}

// ActionForm is the follow-up action form's input.
type ActionForm struct {
	Title, Requirement, Owner, Due string
}

// DraftLink links to one draft with what was recorded as submitted for its
// stage, one line per recipient.
type DraftLink struct {
	Kind, Label string
	Sent        []string
}

// GDPRProps is the reminder of the breach notification (Art. 33 GDPR) with
// its own due time, and the form recording it.
type GDPRProps struct {
	Due, DueValue string
	Countdown     components.CountdownProps
	Overdue       bool
	// Done words when it was notified and the reference; "" when not yet.
	Done    string
	At, Ref string
	Errors  map[string]string
	Version int
}

// stageDraftURL is the draft of a stage on the clock; an intermediate
// report's names its request.
func stageDraftURL(p PageProps, st StageRow) string {
	u := p.Base + "/incidents/" + itoa(p.ID) + "/reports/" + st.Stage + "/draft"
	if st.Stage == "intermediate" && st.ReportID != 0 {
		u += "?report=" + itoa(st.ReportID)
	}
	return u
}
