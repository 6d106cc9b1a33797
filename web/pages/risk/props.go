// Package risk renders the risk analysis pages: cycles, the method, the
// steps (crown jewels, threats and scenarios), suppliers and the heat map.
// Each page takes one Props struct; the handlers in internal/server fill
// them, so these templates never query.
package risk

import (
	"github.com/weerbaar/weerbaar/web/components"
	"github.com/weerbaar/weerbaar/web/layout"
	"github.com/weerbaar/weerbaar/web/pages/measures"
)

// AnalysisRow is one cycle in the list.
type AnalysisRow struct {
	ID                int64
	Period, Status    string
	ReviewDate        string
	ReviewOverdue     bool
	Jewels, Scenarios int
}

// AnalysisForm is the form of a new cycle or an analysis's details.
type AnalysisForm struct {
	Period, ReviewDate string
	Version            int
}

// ListProps is the list of analyses with the form for a new cycle.
type ListProps struct {
	Shell     layout.Props
	Base      string
	Analyses  []AnalysisRow
	CanEdit   bool
	CopyFrom  string // period the new cycle copies, "" for the first
	Form      AnalysisForm
	Errors    map[string]string
	Notice    string
	Tolerance string // the tolerance's level key
}

// MethodCell is one cell of the matrix form.
type MethodCell struct {
	Likelihood, Impact int
	Field, Value       string
	Error              string
}

// MethodProps is the method page: scales, matrix and tolerance, and the
// versions saved before.
type MethodProps struct {
	Shell   layout.Props
	Base    string
	Version int
	Default bool
	// Viewing is an older version shown read-only (0 for the current), with
	// the current version's number in Current.
	Viewing, Current int
	Scales           []ScaleAxis
	Rows             [5][5]MethodCell // Rows[0] is likelihood 5
	Tolerance        string
	CanEdit          bool
	Errors           map[string]string
	ErrorLabels      []components.FieldLabel
	Conflict         []components.Fact
	Notice           string
	History          []MethodVersionRow
}

// ScaleAxis is one scale of the method ("likelihood" or "impact") with its
// points.
type ScaleAxis struct {
	Key    string
	Points []ScalePointForm
}

// ScalePointForm is one point of a scale: its texts in the page's language
// and, for the form, its four fields (label and definition, NL and EN).
type ScalePointForm struct {
	N                 int
	Label, Definition string
	Fields            []components.FieldProps
}

// MethodVersionRow is one saved version of the method.
type MethodVersionRow struct {
	Version       int
	Date, By      string
	Changes, Href string
	Current       bool
}

// ScaleText is one point of a scale as an analysis's method defines it.
type ScaleText struct {
	N                 int
	Label, Definition string
}

// ScaleGuide is the likelihood and impact scales of the method version an
// analysis uses: the options of the scenario form and their definitions.
type ScaleGuide struct {
	MethodVersion              int
	Likelihood, Impact         []ScaleText
	LikelihoodOpts, ImpactOpts []components.Option
}

// Step is one step of the four-step stepper.
type Step struct {
	Key, Href string
	Count     int
	Current   bool
	Available bool
}

// StatusAction is a status change the user may make.
type StatusAction struct {
	To        string
	NeedsNote bool
}

// JewelRow is a jewel in a table.
type JewelRow struct {
	ID                 int64
	Name, Level, Owner string
	A, I, C            int
	RTO, RPO           string
	Suppliers          string
}

// SupplierRow is a supplier in the register.
type SupplierRow struct {
	ID             int64
	Name, Service  string
	Criticality    int // highest BIV of dependent jewels; 0 none
	Jewels         string
	ClausesMissing int
	Concentrated   bool
	CertExpired    bool
	Assessment     string
	LastAssessed   string
}

// SupplierSummaryProps counts what needs attention in a supplier register.
type SupplierSummaryProps struct {
	Total, Concentrated, ClausesMissing, CertExpired int
}

// RecordListProps is one page of a list of an analysis's records (the crown
// jewels, the supplier register), with keyset page links ("" when there is
// no such page).
type RecordListProps[T any] struct {
	Shell             layout.Props
	Base              string
	AnalysisID        int64
	Period            string
	Rows              []T
	Total             int
	Summary           SupplierSummaryProps
	First, Prev, Next string
}

// ImportRow is one line of an import report.
type ImportRow struct {
	Line   int
	Column string
	Text   string
}

// AnalysisProps is an analysis: status, details, stepper, jewels,
// suppliers and the inherent heat map.
type AnalysisProps struct {
	Shell         layout.Props
	Base          string
	ID            int64
	Period        string
	Status        string
	ReviewDate    string
	ReviewOverdue bool
	MethodVersion int
	Tolerance     string
	Adopted       string // who, when and note; "" when not adopted
	Actions       []StatusAction
	CanEdit       bool
	Editable      bool
	Form          AnalysisForm
	Errors        map[string]string
	StatusErrors  map[string]string
	Conflict      []components.Fact
	Notice        string
	Steps         []Step
	// Jewels and Suppliers are the first rows of each list (at most
	// risk.PreviewSize); JewelsTotal and SupplierSummary count them all.
	Jewels          []JewelRow
	JewelsTotal     int
	Suppliers       []SupplierRow
	SupplierSummary SupplierSummaryProps
	Heat            components.HeatMapProps
	Residual        components.HeatMapProps
	Scenarios       int
	ImportReport    []ImportRow
	ImportNotice    string
	// Approval is the board's approval of this analysis version.
	Approval components.ApprovalProps
}

// Check is one checkbox of a multiple choice.
type Check struct {
	Value, Label string
	Checked      bool
}

// JewelForm is the jewel form's values.
type JewelForm struct {
	Name, Level, Description, Owner          string
	Availability, Integrity, Confidentiality string
	RTO, RPO                                 string
	Version                                  int
}

// JewelProps is a new or existing crown jewel.
type JewelProps struct {
	Shell      layout.Props
	Base       string
	AnalysisID int64
	Period     string
	ID         int64 // 0 = new
	Form       JewelForm
	Owners     []components.Option
	Levels     []components.Option
	BIV        []components.Option
	Suppliers  []Check
	Jewels     []Check
	// Profile is the saved jewel's availability, integrity and confidentiality.
	Profile  [3]int
	CanEdit  bool
	Errors   map[string]string
	Conflict []components.Fact
	Notice   string
	Evidence *measures.EvidenceProps
}

// SupplierForm is the supplier form's values.
type SupplierForm struct {
	Name, Service, Certifications, CertificationExpiry string
	LastAssessed, AssessmentResult, Notes              string
	Clauses                                            []Check
	Version                                            int
}

// SupplierProps is a new or existing supplier.
type SupplierProps struct {
	Shell        layout.Props
	Base         string
	AnalysisID   int64
	Period       string
	ID           int64
	Form         SupplierForm
	Results      []components.Option
	Jewels       string
	Criticality  int
	Concentrated bool
	CanEdit      bool
	Errors       map[string]string
	Conflict     []components.Fact
	Notice       string
	Evidence     *measures.EvidenceProps
}

// ThreatRow is a threat of the catalogue or of the entity.
type ThreatRow struct {
	ID                int64 // entity threats; 0 for catalogue threats
	Code              string
	Name, Description string
	Group             string
	Aspects           string
}

// ThreatForm is the entity-threat form's values.
type ThreatForm struct {
	Name, Description string
	A, I, C           bool
	Version           int
}

// ThreatsProps is the threat catalogue with the entity's own threats, or
// (Edit) the form of one entity threat.
type ThreatsProps struct {
	Shell     layout.Props
	Base      string
	Version   string
	Catalogue []ThreatRow
	Own       []ThreatRow
	EditID    int64 // the entity threat being edited; 0 = the new form
	Form      ThreatForm
	CanEdit   bool
	Errors    map[string]string
	Conflict  []components.Fact
	Notice    string
}

// ScenarioRow is a scenario in a list.
type ScenarioRow struct {
	ID                 int64
	Jewel, Threat      string
	Aspects            string
	Likelihood, Impact int
	Level              string
	AboveTolerance     bool
	// Residual is the residual level's key (after existing controls).
	Residual               string
	ResidualAboveTolerance bool
	// Treatment is the decided treatment's label ("" when undecided);
	// Acceptance is "requested" (waiting for the board) or "due" (an
	// acceptance that expired and comes back for review).
	Treatment, Acceptance string
}

// ScenarioForm is the scenario form's values.
type ScenarioForm struct {
	Jewel, Threat      string
	A, I, C            bool
	Likelihood, Impact string
	Description        string
	Version            int
}

// ScenariosProps is step 2 of an analysis: its scenarios (filtered by a
// heat-map cell, a jewel or a level) and the form to add one.
type ScenariosProps struct {
	Shell      layout.Props
	Base       string
	AnalysisID int64
	Period     string
	Filter     string // what the list is filtered on, "" for all
	Rows       []ScenarioRow
	Truncated  bool
	Jewels     []components.Option
	Threats    []components.Option
	Scale      ScaleGuide
	Form       ScenarioForm
	CanEdit    bool
	Errors     map[string]string
	Notice     string
	Heat       components.HeatMapProps
}

// ScenarioProps is one scenario's page.
type ScenarioProps struct {
	Shell          layout.Props
	Base           string
	AnalysisID     int64
	Period         string
	ID             int64
	Title          string
	Level          string
	AboveTolerance bool
	ThreatText     string
	Jewels         []components.Option
	Threats        []components.Option
	Scale          ScaleGuide
	Form           ScenarioForm
	CanEdit        bool
	Errors         map[string]string
	Conflict       []components.Fact
	Notice         string
	Evidence       *measures.EvidenceProps
}

// DeleteLink is a named link on a deletion page.
type DeleteLink struct {
	Label, Href string
}

// DeleteProps is the confirmation page of a deletion: what goes with the
// record, or why it cannot go.
type DeleteProps struct {
	Shell      layout.Props
	Base       string
	AnalysisID int64 // 0 for an entity threat (not part of one cycle)
	Period     string
	Kind       string // "jewel", "supplier", "scenario" or "threat"
	Name       string
	Back       string // the record's page
	Action     string
	Version    int
	Impact     string // risk.Impact.Key of what the page shows
	// Goes lists what is deleted with the record, as sentences.
	Goes []string
	// Scenarios are deleted with a jewel, or stop a threat's deletion.
	Scenarios []DeleteLink
	// Evidence is the live evidence that stops the deletion.
	Evidence     []DeleteLink
	Blocked      bool
	NeedsConfirm bool
	Errors       map[string]string
	Conflict     []components.Fact
}
