package risk

import (
	"cmp"
	"context"
	"fmt"
	"slices"

	"github.com/jackc/pgx/v5"

	"github.com/weerbaar/weerbaar/internal/db"
)

// CycleScenario is a scenario as two cycles are compared: matched across
// cycles by its jewel's name and its threat (a catalogue code or an entity
// threat, both of which outlive a cycle).
type CycleScenario struct {
	Jewel  string
	Threat ThreatRef
	Level  Level
	// Treatment is the treatment decision as TreatmentState words it
	// ("none", "requested" or a treatment).
	Treatment string
}

// Cycle is what of an analysis the comparison looks at.
type Cycle struct {
	Jewels    []string
	Scenarios []CycleScenario
}

// LevelChange is a scenario present in both cycles whose level changed.
type LevelChange struct {
	Jewel    string
	Threat   ThreatRef
	From, To Level
}

// TreatmentChange is a scenario present in both cycles whose treatment
// decision changed (TreatmentState values).
type TreatmentChange struct {
	Jewel    string
	Threat   ThreatRef
	From, To string
}

// CycleDiff is what changed from one cycle to the next.
type CycleDiff struct {
	JewelsAdded, JewelsRemoved       []string
	ScenariosAdded, ScenariosRemoved []CycleScenario
	LevelsChanged                    []LevelChange
	TreatmentsChanged                []TreatmentChange
}

// Empty reports whether nothing changed.
func (d CycleDiff) Empty() bool {
	return len(d.JewelsAdded)+len(d.JewelsRemoved)+len(d.ScenariosAdded)+len(d.ScenariosRemoved)+len(d.LevelsChanged)+
		len(d.TreatmentsChanged) == 0
}

// TreatmentState words a scenario's treatment decision: "none" while
// undecided, "requested" while the acceptance waits for the management
// body, otherwise the treatment (the register's filter values).
func TreatmentState(treatment, acceptance *string) string {
	switch {
	case treatment == nil:
		return TreatmentNone
	case acceptance != nil && *acceptance == AcceptanceRequested:
		return TreatmentRequested
	}
	return *treatment
}

type scenarioKey struct {
	jewel  string
	threat ThreatRef
}

// CompareCycles is the difference from one cycle to another: jewels added
// and removed (by name), scenarios added and removed and levels changed
// and treatment decisions changed (scenarios matched by jewel name and
// threat). Lists are sorted by name, level changes by the size of the
// change, largest first. Pure.
func CompareCycles(from, to Cycle) CycleDiff {
	var d CycleDiff
	inFrom, inTo := map[string]bool{}, map[string]bool{}
	for _, j := range from.Jewels {
		inFrom[j] = true
	}
	for _, j := range to.Jewels {
		inTo[j] = true
		if !inFrom[j] {
			d.JewelsAdded = append(d.JewelsAdded, j)
		}
	}
	for _, j := range from.Jewels {
		if !inTo[j] {
			d.JewelsRemoved = append(d.JewelsRemoved, j)
		}
	}
	before := map[scenarioKey]CycleScenario{}
	for _, s := range from.Scenarios {
		before[scenarioKey{s.Jewel, s.Threat}] = s
	}
	after := map[scenarioKey]bool{}
	for _, s := range to.Scenarios {
		k := scenarioKey{s.Jewel, s.Threat}
		after[k] = true
		old, ok := before[k]
		if !ok {
			d.ScenariosAdded = append(d.ScenariosAdded, s)
			continue
		}
		if old.Level != s.Level {
			d.LevelsChanged = append(d.LevelsChanged, LevelChange{Jewel: s.Jewel, Threat: s.Threat, From: old.Level, To: s.Level})
		}
		if old.Treatment != s.Treatment {
			d.TreatmentsChanged = append(d.TreatmentsChanged, TreatmentChange{Jewel: s.Jewel, Threat: s.Threat, From: old.Treatment, To: s.Treatment})
		}
	}
	for _, s := range from.Scenarios {
		if !after[scenarioKey{s.Jewel, s.Threat}] {
			d.ScenariosRemoved = append(d.ScenariosRemoved, s)
		}
	}
	slices.Sort(d.JewelsAdded)
	slices.Sort(d.JewelsRemoved)
	byName := func(a, b CycleScenario) int {
		return cmp.Or(cmp.Compare(a.Jewel, b.Jewel), cmp.Compare(a.Threat.String(), b.Threat.String()))
	}
	slices.SortFunc(d.ScenariosAdded, byName)
	slices.SortFunc(d.ScenariosRemoved, byName)
	slices.SortFunc(d.TreatmentsChanged, func(a, b TreatmentChange) int {
		return cmp.Or(cmp.Compare(a.Jewel, b.Jewel), cmp.Compare(a.Threat.String(), b.Threat.String()))
	})
	slices.SortFunc(d.LevelsChanged, func(a, b LevelChange) int {
		abs := func(n Level) int { return max(int(n), -int(n)) }
		return cmp.Or(cmp.Compare(abs(b.To-b.From), abs(a.To-a.From)), cmp.Compare(b.To, a.To),
			cmp.Compare(a.Jewel, b.Jewel), cmp.Compare(a.Threat.String(), b.Threat.String()))
	})
	return d
}

// LoadCycles reads the jewels and scenarios of two analyses of the entity
// in one query, for CompareCycles.
func LoadCycles(ctx context.Context, q db.Querier, entityID, fromID, toID int64) (from, to Cycle, err error) {
	rows, err := q.Query(ctx, `SELECT j.analysis_id, j.name, s.threat_code, s.threat_id, s.inherent_level, s.treatment, s.acceptance
		FROM risk_jewels j LEFT JOIN risk_scenarios s ON s.entity_id = j.entity_id AND s.jewel_id = j.id
		WHERE j.entity_id = @entity AND j.analysis_id IN (@from, @to)
		ORDER BY j.analysis_id, j.name`, pgx.StrictNamedArgs{"entity": entityID, "from": fromID, "to": toID})
	if err != nil {
		return from, to, fmt.Errorf("compare analyses %d and %d: %w", fromID, toID, err)
	}
	var analysis int64
	var name string
	var code *string
	var threat *int64
	var level *int16
	var treatment, acceptance *string
	last := map[*Cycle]string{}
	_, err = pgx.ForEachRow(rows, []any{&analysis, &name, &code, &threat, &level, &treatment, &acceptance}, func() error {
		for _, c := range []struct {
			id int64
			c  *Cycle
		}{{fromID, &from}, {toID, &to}} {
			if c.id != analysis {
				continue
			}
			if n, ok := last[c.c]; !ok || n != name {
				c.c.Jewels = append(c.c.Jewels, name)
				last[c.c] = name
			}
			if level != nil {
				s := CycleScenario{Jewel: name, Level: Level(*level), Treatment: TreatmentState(treatment, acceptance)}
				if code != nil {
					s.Threat.Code = *code
				} else if threat != nil {
					s.Threat.ID = *threat
				}
				c.c.Scenarios = append(c.c.Scenarios, s)
			}
		}
		return nil
	})
	if err != nil {
		return from, to, fmt.Errorf("compare analyses %d and %d: %w", fromID, toID, err)
	}
	return from, to, nil
}
