package proportion

import (
	"slices"
	"strconv"
	"sync"
)

// The engine is a pure function of its inputs, and every page with the
// measures overview (five of them, the dashboard among them) asks it the same
// question on every view until the entity changes something. Compute keeps
// the answers to the last memoLimit distinct valid questions; building an
// explanation for every measure was 6–7 % of the server's CPU on those pages.
const memoLimit = 1024

var memo = struct {
	sync.Mutex
	results map[string][]Result
}{results: map[string][]Result{}}

// memoized returns the results of an earlier identical computation; the
// slice is the caller's own, the results' own slices (floors, contributions,
// explanation arguments) are shared and read-only.
func memoized(key []byte) ([]Result, bool) {
	memo.Lock()
	rs, ok := memo.results[string(key)]
	memo.Unlock()
	return slices.Clone(rs), ok
}

func remember(key []byte, rs []Result) {
	memo.Lock()
	defer memo.Unlock()
	if len(memo.results) >= memoLimit {
		clear(memo.results) // rare: a thousand entities' states between two changes
	}
	memo.results[string(key)] = slices.Clone(rs)
}

// appendMemoKey encodes everything Compute reads, unambiguously (strings
// quoted, floats exact). TestMemoKeyCoversEveryInput fails when an input
// struct gains a field this does not encode.
func appendMemoKey(b []byte, version string, f Factors, ms []MeasureInput) []byte {
	b = strconv.AppendQuote(b, version)
	for _, n := range []int{f.Exposure, f.Likelihood, f.Impact} {
		b = strconv.AppendInt(append(b, ','), int64(n), 10)
	}
	b = strconv.AppendQuote(append(b, ','), string(f.Size))
	b = strconv.AppendQuote(append(b, ','), string(f.Class))
	b = strconv.AppendBool(append(b, ','), f.AnySize)
	b = strconv.AppendBool(append(b, ','), f.RegulationBound)
	for _, m := range ms {
		b = strconv.AppendQuote(append(b, '|'), m.Code)
		s := m.Sensitivity
		for _, x := range []float64{m.Current, s.Exposure, s.Size, s.Likelihood, s.Impact, s.Class} {
			b = strconv.AppendFloat(append(b, ','), x, 'g', -1, 64)
		}
		b = strconv.AppendInt(append(b, ','), int64(m.Adopted), 10)
		for _, r := range m.Requirements {
			b = strconv.AppendQuote(append(b, ';'), r.Code)
			b = strconv.AppendBool(append(b, ','), r.Applicable)
			b = strconv.AppendBool(append(b, ','), r.Documented)
		}
	}
	return b
}
