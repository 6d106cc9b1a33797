package risk

import (
	"math/rand/v2"
	"strings"
	"testing"

	"github.com/weerbaar/weerbaar/internal/i18n"
)

func sc(l, i int) ProposalScenario {
	return ProposalScenario{Name: i18n.Text{NL: "s", EN: "s"}, Likelihood: l, Impact: i}
}

func TestProposeTable(t *testing.T) {
	t.Parallel()
	def := DefaultMethod() // product banding, tolerance medium: above is product >= 10
	strict := Method{Matrix: DefaultMatrix(), Tolerance: Low}
	cases := []struct {
		name         string
		m            Method
		in           []ProposalScenario
		wantL, wantI int
		significant  int
	}{
		{"one significant scenario", def, []ProposalScenario{sc(4, 5)}, 4, 5, 1},
		{"nothing above tolerance gives the lowest scores", def, []ProposalScenario{sc(3, 3), sc(1, 5), sc(4, 2)}, 1, 1, 0},
		// n = 4: k = 1, the highest likelihood among significant ones.
		{"four scenarios, k 1", def, []ProposalScenario{sc(2, 5), sc(5, 2), sc(1, 1), sc(3, 3)}, 5, 5, 2},
		// n = 5: k = 2; effective likelihoods 4, 3, 1, 1, 1.
		{"five scenarios, k 2", def, []ProposalScenario{sc(4, 4), sc(3, 4), sc(4, 2), sc(3, 3), sc(1, 1)}, 3, 4, 2},
		// Within tolerance a likelihood of 5 counts as 1: (5, 1) is medium.
		{"frequent but tolerable risks do not count", def, []ProposalScenario{sc(5, 1), sc(5, 1), sc(2, 5)}, 2, 5, 1},
		// A stricter tolerance (low) makes more scenarios significant.
		{"stricter tolerance", strict, []ProposalScenario{sc(5, 1), sc(5, 1), sc(2, 5)}, 5, 5, 3},
		// n = 8: k = 2, but only one scenario is significant: likelihood 1,
		// the impact still that of the one credible disaster.
		{"fewer significant scenarios than a quarter", def, []ProposalScenario{sc(4, 5), sc(1, 1), sc(2, 2), sc(3, 1), sc(1, 4),
			sc(2, 1), sc(1, 2), sc(3, 3)}, 1, 5, 1},
		// The demo's twelve scenarios (internal/demo): k = 3; significant
		// (4,5) (4,5) (2,5) (3,4) (3,4); effective 4 4 3 3 2 1… → 3; worst impact 5.
		{"demo analysis", def, []ProposalScenario{sc(4, 5), sc(4, 5), sc(2, 5), sc(3, 3), sc(3, 4), sc(3, 3), sc(3, 4), sc(4, 2),
			sc(2, 4), sc(3, 2), sc(1, 5), sc(1, 4)}, 3, 5, 5},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			p, err := Propose(c.m, c.in)
			if err != nil || p == nil {
				t.Fatalf("Propose: %v %v", p, err)
			}
			if p.Likelihood != c.wantL || p.Impact != c.wantI || p.Significant != c.significant || p.Scenarios != len(c.in) {
				t.Errorf("got likelihood %d impact %d significant %d/%d, want %d %d %d", p.Likelihood, p.Impact, p.Significant, p.Scenarios,
					c.wantL, c.wantI, c.significant)
			}
			wantKey := "risk.proposal.likelihood"
			switch {
			case c.significant == 0:
				wantKey = "risk.proposal.none"
			case c.significant < UpperQuartileRank(len(c.in)):
				wantKey = "risk.proposal.likelihood_few"
			}
			if key := p.LikelihoodWhy.Key; key != wantKey && (key != "_join" || p.LikelihoodWhy.Args[1].(i18n.Msg).Key != wantKey) {
				t.Errorf("likelihood explained by %v, want %s", p.LikelihoodWhy, wantKey)
			}
			for _, l := range []i18n.Lang{i18n.NL, i18n.EN} {
				for _, msg := range []i18n.Msg{p.LikelihoodWhy, p.ImpactWhy} {
					if s := msg.Render(l); s == "" || strings.Contains(s, "%!") || strings.HasPrefix(s, "risk.proposal") {
						t.Errorf("%s explanation %q", l, s)
					}
				}
			}
		})
	}
}

func TestProposeNoScenariosNoProposal(t *testing.T) {
	t.Parallel()
	p, err := Propose(DefaultMethod(), nil)
	if err != nil || p != nil {
		t.Fatalf("no scenarios: got %+v %v, want no proposal", p, err)
	}
}

func TestProposeRejectsScoresOffTheScale(t *testing.T) {
	t.Parallel()
	if _, err := Propose(DefaultMethod(), []ProposalScenario{sc(0, 3)}); err == nil {
		t.Fatal("likelihood 0 accepted")
	}
	if _, err := Propose(DefaultMethod(), []ProposalScenario{sc(3, 6)}); err == nil {
		t.Fatal("impact 6 accepted")
	}
}

func TestUpperQuartileRank(t *testing.T) {
	t.Parallel()
	for n, want := range map[int]int{0: 1, 1: 1, 4: 1, 5: 2, 8: 2, 9: 3, 12: 3, 13: 4, 3000: 750} {
		if got := UpperQuartileRank(n); got != want {
			t.Errorf("UpperQuartileRank(%d) = %d, want %d", n, got, want)
		}
	}
}

// TestProposeMonotone checks over random monotone matrices, tolerances and
// analyses that raising any scenario's likelihood or impact never lowers
// either proposed factor, and that the factors stay within 1..5.
func TestProposeMonotone(t *testing.T) {
	t.Parallel()
	r := rand.New(rand.NewPCG(10, 10))
	for range 3000 {
		m := Method{Matrix: randomMonotoneMatrix(r), Tolerance: Levels[r.IntN(len(Levels))]}
		n := 1 + r.IntN(14)
		in := make([]ProposalScenario, n)
		for k := range in {
			in[k] = sc(1+r.IntN(ScaleMax), 1+r.IntN(ScaleMax))
		}
		before, err := Propose(m, in)
		if err != nil || before == nil {
			t.Fatalf("Propose: %v", err)
		}
		raised := append([]ProposalScenario(nil), in...)
		k := r.IntN(n)
		if r.IntN(2) == 0 {
			raised[k].Likelihood = raised[k].Likelihood + r.IntN(ScaleMax-raised[k].Likelihood+1)
		} else {
			raised[k].Impact = raised[k].Impact + r.IntN(ScaleMax-raised[k].Impact+1)
		}
		after, err := Propose(m, raised)
		if err != nil {
			t.Fatal(err)
		}
		if after.Likelihood < before.Likelihood || after.Impact < before.Impact {
			t.Fatalf("raising scenario %d %+v → %+v lowered the proposal %d/%d → %d/%d (matrix %s, tolerance %d)", k, in[k], raised[k],
				before.Likelihood, before.Impact, after.Likelihood, after.Impact, m.Matrix, m.Tolerance)
		}
		for _, v := range []int{after.Likelihood, after.Impact} {
			if v < 1 || v > ScaleMax {
				t.Fatalf("factor %d off the scale", v)
			}
		}
	}
}

func TestRisksByMeasure(t *testing.T) {
	t.Parallel()
	serves := map[string][]string{"5.1": {"d"}, "6.8": {"e", "i"}, "11.7": {"i", "j"}, "4.2": {"c"}}
	measuresOf := func(code string) []string { return serves[code] }
	in := []BasisScenario{
		{ID: 1, ResidualLevel: High, Controls: []string{"5.1", "11.7"}},
		{ID: 2, ResidualLevel: Medium, Controls: []string{"6.8", "11.7"}},  // i twice: counted once
		{ID: 3, ResidualLevel: Critical, Controls: []string{"4.2", "9.9"}}, // 9.9 serves nothing
		{ID: 4, ResidualLevel: Low},
	}
	got := RisksByMeasure(in, Medium, measuresOf)
	want := map[string]struct {
		ids   []int64
		above int
	}{"c": {[]int64{3}, 1}, "d": {[]int64{1}, 1}, "e": {[]int64{2}, 0}, "i": {[]int64{1, 2}, 1}, "j": {[]int64{1, 2}, 1}}
	if len(got) != len(want) {
		t.Fatalf("measures %v, want %v", got, want)
	}
	for code, w := range want {
		g := got[code]
		if g == nil {
			t.Fatalf("measure %s missing", code)
		}
		var ids []int64
		for _, s := range g.Scenarios {
			ids = append(ids, s.ID)
		}
		if len(ids) != len(w.ids) || g.AboveTolerance != w.above {
			t.Errorf("measure %s: scenarios %v above %d, want %v above %d", code, ids, g.AboveTolerance, w.ids, w.above)
			continue
		}
		for k := range ids {
			if ids[k] != w.ids[k] {
				t.Errorf("measure %s: scenarios %v, want %v (basis order)", code, ids, w.ids)
			}
		}
	}
}

func TestBasisScenarioName(t *testing.T) {
	t.Parallel()
	code := "disruption"
	cat := BasisScenario{JewelName: "SCADA", ThreatCode: &code}.Name()
	if cat.NL != "SCADA × Verstoring" || cat.EN != "SCADA × Disruption" {
		t.Errorf("catalogue threat name %+v, want Dutch and English", cat)
	}
	own := BasisScenario{JewelName: "SCADA", ThreatName: "Dosering"}.Name()
	if own.NL != "SCADA × Dosering" || own.EN != own.NL {
		t.Errorf("entity threat name %+v", own)
	}
}
