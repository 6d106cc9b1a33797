package oversight

import (
	"math"
	"strconv"

	"github.com/weerbaar/weerbaar/internal/i18n"
)

// ContentSchema is the version of Content's JSON shape; a later shape reads
// older reports by this number.
const ContentSchema = 1

// Content is what a report says, frozen when it is generated: the numbers
// of that day, in both languages where they are catalogue content, so the
// report reads the same later and the next report can say what changed.
type Content struct {
	Schema int `json:"schema"`
	// Day is the calendar day the data describes (yyyy-mm-dd).
	Day              string        `json:"day"`
	Class            string        `json:"class"` // the entity's NIS2 class; "" before the scope assessment
	CatalogueEdition string        `json:"catalogue_edition"`
	EngineVersion    string        `json:"engine_version"`
	Readiness        Readiness     `json:"readiness"`
	Measures         []MeasureLine `json:"measures"`
	Risks            Risks         `json:"risks"`
	// Acceptances are accepted residual risks whose acceptance has ended or
	// ends within AcceptanceHorizon days.
	Acceptances []AcceptanceLine `json:"acceptances"`
	Overdue     []ActionLine     `json:"overdue_actions"`
	Training    []MemberLine     `json:"training"`
	// Incidents is true once the report includes incidents and the
	// timeliness of their reporting; until the incidents module exists it
	// is false and the report says so instead of showing numbers.
	Incidents bool `json:"incidents"`
	// Previous is the report this one is compared with; nil for the first.
	Previous *PreviousRef `json:"previous,omitempty"`
	Changes  *Changes     `json:"changes,omitempty"`
}

// Readiness is the share of applicable requirements at or above their
// measure's target.
type Readiness struct {
	Percent    int `json:"percent"`
	Ready      int `json:"ready"`
	Applicable int `json:"applicable"`
}

// MeasureLine is one of the ten measures: current maturity against its
// proportional target.
type MeasureLine struct {
	Code       string    `json:"code"`
	Label      i18n.Text `json:"label"`
	Applicable bool      `json:"applicable"`
	Current    float64   `json:"current"`
	Target     int       `json:"target"` // 0 when not applicable
	// Gap is what is missing to the target (never negative).
	Gap   float64 `json:"gap"`
	Done  int     `json:"done"`
	Total int     `json:"total"`
}

// Risks is the risk analysis that counts and its residual risks above the
// entity's tolerance.
type Risks struct {
	Analysis  bool       `json:"analysis"` // false before the first analysis
	Period    string     `json:"period"`
	Status    string     `json:"status"`
	Tolerance int        `json:"tolerance"` // risk.Level
	Above     int        `json:"above"`
	Items     []RiskLine `json:"items"`
}

// RiskLine is a residual risk above tolerance with where its treatment
// stands.
type RiskLine struct {
	// Key identifies the risk across analysis cycles (jewel and threat):
	// a new cycle copies scenarios under new ids.
	Key        string    `json:"key"`
	ScenarioID int64     `json:"scenario_id"`
	Jewel      string    `json:"jewel"`
	Threat     i18n.Text `json:"threat"`
	Level      int       `json:"level"`
	Treatment  string    `json:"treatment"`  // "" until decided
	Acceptance string    `json:"acceptance"` // "", "requested", "accepted"
}

// AcceptanceLine is an accepted risk whose acceptance has ended or ends
// soon.
type AcceptanceLine struct {
	Key        string    `json:"key"`
	ScenarioID int64     `json:"scenario_id"`
	Jewel      string    `json:"jewel"`
	Threat     i18n.Text `json:"threat"`
	Level      int       `json:"level"`
	Expires    string    `json:"expires"` // yyyy-mm-dd
	Expired    bool      `json:"expired"`
}

// ActionLine is an open mitigation action past its due date.
type ActionLine struct {
	ID          int64     `json:"id"`
	Title       string    `json:"title"`
	Requirement string    `json:"requirement"`
	Owner       string    `json:"owner"`
	Due         string    `json:"due"` // yyyy-mm-dd
	Period      string    `json:"period"`
	Jewel       string    `json:"jewel"`
	Threat      i18n.Text `json:"threat"`
}

// MemberLine is one board member's training status.
type MemberLine struct {
	UserID      int64  `json:"user_id"`
	Name        string `json:"name"`
	State       string `json:"state"` // training.State
	Deadline    string `json:"deadline"`
	Certificate string `json:"certificate"` // "course — provider", "" when none counts
	ValidUntil  string `json:"valid_until"`
}

// PreviousRef names the report a report is compared with.
type PreviousRef struct {
	ID    int64  `json:"id"`
	Title string `json:"title"`
	Day   string `json:"day"`
}

// Delta is a number then and now.
type Delta struct {
	From int `json:"from"`
	To   int `json:"to"`
}

// Changed reports whether the number moved.
func (d Delta) Changed() bool { return d.From != d.To }

// Changes is what moved since the previous report (Diff).
type Changes struct {
	Readiness Delta `json:"readiness"`
	// Measures lists the measures whose maturity, target or applicability
	// changed, in the report's order.
	Measures []MeasureChange `json:"measures"`
	// Above is the number of residual risks above tolerance then and now.
	Above         Delta            `json:"above"`
	NewRisks      []RiskLine       `json:"new_risks"`
	ClosedRisks   []RiskLine       `json:"closed_risks"`
	NewOverdue    []ActionLine     `json:"new_overdue"`
	ClosedOverdue []ActionLine     `json:"closed_overdue"`
	NewDue        []AcceptanceLine `json:"new_due_acceptances"`
	ClosedDue     []AcceptanceLine `json:"closed_due_acceptances"`
	Training      []TrainingChange `json:"training"`
}

// None reports whether nothing changed.
func (c Changes) None() bool {
	return !c.Readiness.Changed() && !c.Above.Changed() && len(c.Measures) == 0 && len(c.NewRisks) == 0 &&
		len(c.ClosedRisks) == 0 && len(c.NewOverdue) == 0 && len(c.ClosedOverdue) == 0 && len(c.NewDue) == 0 &&
		len(c.ClosedDue) == 0 && len(c.Training) == 0
}

// MeasureChange is one measure then and now. Was is false for a measure
// the previous report did not have (another catalogue edition).
type MeasureChange struct {
	Code        string    `json:"code"`
	Label       i18n.Text `json:"label"`
	Was         bool      `json:"was"`
	FromCurrent float64   `json:"from_current"`
	ToCurrent   float64   `json:"to_current"`
	FromTarget  int       `json:"from_target"`
	ToTarget    int       `json:"to_target"`
}

// TrainingChange is a board member whose training status moved; From is ""
// for a member new on the board, To "" for one who left.
type TrainingChange struct {
	Name string `json:"name"`
	From string `json:"from"`
	To   string `json:"to"`
}

// maturityEpsilon is below the one decimal maturities are shown with.
const maturityEpsilon = 0.05

// Diff is what changed from prev to cur: readiness, each measure's
// maturity and target, the number of risks above tolerance and which risks
// came above or went below it, overdue actions that came or went,
// acceptances that came due or were renewed, and board members whose
// training status moved. Pure.
func Diff(prev, cur Content) Changes {
	c := Changes{Readiness: Delta{prev.Readiness.Percent, cur.Readiness.Percent}, Above: Delta{prev.Risks.Above, cur.Risks.Above}}
	before := map[string]MeasureLine{}
	for _, m := range prev.Measures {
		before[m.Code] = m
	}
	for _, m := range cur.Measures {
		p, was := before[m.Code]
		if was && math.Abs(p.Current-m.Current) < maturityEpsilon && p.Target == m.Target && p.Applicable == m.Applicable {
			continue
		}
		c.Measures = append(c.Measures, MeasureChange{Code: m.Code, Label: m.Label, Was: was, FromCurrent: p.Current,
			ToCurrent: m.Current, FromTarget: p.Target, ToTarget: m.Target})
	}
	riskKey := func(r RiskLine) string { return r.Key }
	c.NewRisks, c.ClosedRisks = added(prev.Risks.Items, cur.Risks.Items, riskKey), added(cur.Risks.Items, prev.Risks.Items, riskKey)
	actionKey := func(a ActionLine) string { return strconv.FormatInt(a.ID, 10) }
	c.NewOverdue, c.ClosedOverdue = added(prev.Overdue, cur.Overdue, actionKey), added(cur.Overdue, prev.Overdue, actionKey)
	dueKey := func(a AcceptanceLine) string { return a.Key }
	c.NewDue, c.ClosedDue = added(prev.Acceptances, cur.Acceptances, dueKey), added(cur.Acceptances, prev.Acceptances, dueKey)
	then := map[int64]MemberLine{}
	for _, m := range prev.Training {
		then[m.UserID] = m
	}
	for _, m := range cur.Training {
		p, ok := then[m.UserID]
		delete(then, m.UserID)
		if !ok || p.State != m.State {
			c.Training = append(c.Training, TrainingChange{Name: m.Name, From: p.State, To: m.State})
		}
	}
	for _, m := range prev.Training { // left the board, in the previous report's order
		if _, gone := then[m.UserID]; gone {
			c.Training = append(c.Training, TrainingChange{Name: m.Name, From: m.State})
		}
	}
	return c
}

// added returns the items of cur whose key is not among prev's, in cur's
// order.
func added[T any](prev, cur []T, key func(T) string) []T {
	seen := make(map[string]bool, len(prev))
	for _, p := range prev {
		seen[key(p)] = true
	}
	var out []T
	for _, c := range cur {
		if !seen[key(c)] {
			out = append(out, c)
		}
	}
	return out
}
