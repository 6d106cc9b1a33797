package incident

import (
	"github.com/weerbaar/weerbaar/web/components"
	"github.com/weerbaar/weerbaar/web/layout"
	"github.com/weerbaar/weerbaar/web/pages/measures"
)

// The response plan, playbook and exercise pages (issue 12 item 5).

// ContactRow is one contact of the plan as read.
type ContactRow struct {
	Role, Name, Organisation, Phone, Email, Availability, Supplier string
}

// ContactForm is one contact row of the plan form, as typed.
type ContactForm struct {
	Index                                                          int
	Role, Name, Organisation, Phone, Email, Availability, Supplier string
}

// EscalationForm is one escalation level of the plan form.
type EscalationForm struct {
	Index             int
	Criteria, Decides string
}

// Suggestion is a body from the scope assessment the plan may add as a
// contact (CSIRT, competent authority, supervisor).
type Suggestion struct {
	Role, RoleLabel, Name string
}

// PlaybookLink is one playbook in the plan's list.
type PlaybookLink struct {
	Key, Title string
	Adopted    bool
	Updated    string
}

// PlanForm is the plan's edit form.
type PlanForm struct {
	Contacts                                []ContactForm
	Escalation                              []EscalationForm
	CommInternal, CommRecipients, CommPress string
	Version                                 int
}

// PlanProps is the response plan page.
type PlanProps struct {
	Shell    layout.Props
	Base     string
	Notice   string
	CanEdit  bool
	Approval components.ApprovalProps
	// LastExercise is the date of the last exercise ("" when none);
	// ExerciseDue warns when none was held in the last twelve months.
	LastExercise                            string
	ExerciseDue                             bool
	Updated                                 string
	Contacts                                []ContactRow
	Escalation                              []EscalationForm
	CommInternal, CommRecipients, CommPress string
	Playbooks                               []PlaybookLink
	Suggestions                             []Suggestion
	// Prefilled: the suggestions are pre-filled rows of a plan never saved
	// (else they are a hint only).
	Prefilled bool
	Form      PlanForm
	Errors    map[string]string
	Conflict  []components.Fact
	Roles     []components.Option
	Suppliers []components.Option
}

// SectionText is one playbook section in the reader's language.
type SectionText struct {
	Key, Title, Text string
}

// PlaybookProps is a playbook as read.
type PlaybookProps struct {
	Shell    layout.Props
	Base     string
	Key      string
	Title    string
	Notice   string
	Adopted  bool
	Updated  string
	CanEdit  bool
	Sections []SectionText
}

// SectionForm is one playbook section in both languages, as the editor
// shows it.
type SectionForm struct {
	Key, Title, NL, EN string
}

// PlaybookEditProps is the playbook editor.
type PlaybookEditProps struct {
	Shell    layout.Props
	Base     string
	Key      string
	Title    string
	Sections []SectionForm
	Version  int
	Errors   map[string]string
	Conflict []components.Fact
}

// ExerciseRow is one exercise in the list.
type ExerciseRow struct {
	ID                             int64
	Date, Kind, Scenario, Playbook string
	OpenActions                    int
}

// ExercisesProps is the list of exercises.
type ExercisesProps struct {
	Shell        layout.Props
	Base         string
	Notice       string
	CanEdit      bool
	Rows         []ExerciseRow
	LastExercise string
	ExerciseDue  bool
}

// ExerciseForm is an exercise's form.
type ExerciseForm struct {
	HeldOn, Kind, Scenario, Playbook, Participants, Lessons string
	Version                                                 int
}

// ExerciseActionRow is one follow-up action of an exercise.
type ExerciseActionRow struct {
	ID                int64
	Title, Owner, Due string
	Done              bool
	DoneOn            string
	Version           int
}

// ExerciseActionForm is the form of a new follow-up action, as typed.
type ExerciseActionForm struct {
	Title, OwnerID, DueDate string
}

// ExerciseProps is an exercise's page (or the form of a new one, ID 0).
type ExerciseProps struct {
	Shell        layout.Props
	Base         string
	ID           int64
	Title        string
	Notice       string
	CanEdit      bool
	Form         ExerciseForm
	Errors       map[string]string
	Conflict     []components.Fact
	Kinds        []components.Option
	Playbooks    []components.Option
	Actions      []ExerciseActionRow
	ActionForm   ExerciseActionForm
	ActionErrors map[string]string
	Owners       []components.Option
	Evidence     *measures.EvidenceProps
}
