package measure

import (
	"cmp"
	"slices"
	"strings"
	"time"
)

// SoAQuery is what a reader of the Statement of Applicability asks for: the
// requirements serving one measure (Measure, "" for all), of one status
// (Status: a Status, "not_applicable", or "" for all), sorted by one of
// SoASortKeys (Sort, "" or unknown for the catalogue order), descending when
// Desc.
type SoAQuery struct {
	Measure, Status, Sort string
	Desc                  bool
}

// SoAEntry is one requirement of the Statement of Applicability with the
// number of evidence items attached to it.
type SoAEntry struct {
	Requirement
	Evidence int
}

// Matches reports whether the filter of q keeps r: a not-applicable
// requirement only appears under "not_applicable" or without a status filter,
// because its status says nothing while it does not apply.
func (q SoAQuery) Matches(r Requirement) bool {
	if q.Measure != "" && !r.Serves(q.Measure) {
		return false
	}
	switch {
	case q.Status == "not_applicable":
		return !r.Applicable
	case q.Status != "":
		return r.Applicable && string(r.Status) == q.Status
	}
	return true
}

// soaSortKeys are the columns the SoA sorts by (an allow-list); the catalogue
// order is the tie-breaker, so sorting is stable and predictable. Not
// applicable requirements sort before every status.
var soaSortKeys = map[string]func(a, b SoAEntry) int{
	"code":     func(a, b SoAEntry) int { return 0 },
	"maturity": func(a, b SoAEntry) int { return cmp.Compare(a.Maturity, b.Maturity) },
	"status":   func(a, b SoAEntry) int { return cmp.Compare(statusOrder(a.Requirement), statusOrder(b.Requirement)) },
	"owner":    func(a, b SoAEntry) int { return strings.Compare(a.OwnerName, b.OwnerName) },
	"due":      func(a, b SoAEntry) int { return compareDue(a.DueDate, b.DueDate) },
	"evidence": func(a, b SoAEntry) int { return cmp.Compare(a.Evidence, b.Evidence) },
}

// SoASortKeys lists the keys SoAQuery.Sort accepts.
func SoASortKeys() []string {
	keys := make([]string, 0, len(soaSortKeys))
	for k := range soaSortKeys {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	return keys
}

func statusOrder(r Requirement) int {
	if !r.Applicable {
		return -1
	}
	return slices.Index(Statuses, r.Status)
}

// compareDue orders requirements without a due date first, then by date.
func compareDue(a, b *time.Time) int {
	switch {
	case a == nil && b == nil:
		return 0
	case a == nil:
		return -1
	case b == nil:
		return 1
	}
	return a.Compare(*b)
}

// StatementOfApplicability filters reqs (in catalogue order) by q and sorts
// them, with the evidence count per requirement code. It returns the query in
// effect: an unknown sort key falls back to the catalogue order, ascending.
func StatementOfApplicability(reqs []Requirement, evidence map[string]int, q SoAQuery) ([]SoAEntry, SoAQuery) {
	var out []SoAEntry
	for _, r := range reqs {
		if q.Matches(r) {
			out = append(out, SoAEntry{Requirement: r, Evidence: evidence[r.Code]})
		}
	}
	by, ok := soaSortKeys[q.Sort]
	if !ok {
		q.Sort, q.Desc, by = "code", false, soaSortKeys["code"]
	}
	slices.SortStableFunc(out, func(a, b SoAEntry) int {
		if q.Desc {
			return by(b, a)
		}
		return by(a, b)
	})
	if q.Sort == "code" && q.Desc {
		slices.Reverse(out)
	}
	return out, q
}
