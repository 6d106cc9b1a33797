package incident

import (
	"context"
	"math/rand/v2"
	"slices"
	"strings"
	"testing"

	"github.com/weerbaar/weerbaar/internal/i18n"
	"github.com/weerbaar/weerbaar/internal/measure"
)

// The entity types with criteria are exactly the Art. 1 types that
// measure.RegulationBinds knows: one notion of "the Regulation binds".
func TestTypeSubsectorsAreTheRegulationsArt1Types(t *testing.T) {
	want := measure.RegulationSubsectors()
	slices.Sort(want)
	if got := TypeSubsectors(); !slices.Equal(got, want) {
		t.Fatalf("type subsectors %v, want measure.RegulationSubsectors %v", got, want)
	}
}

func codes(cs []TypeCriterion) []string {
	out := make([]string, len(cs))
	for k, c := range cs {
		out[k] = c.Code
	}
	return out
}

// generalNo is a checklist with every Art. 3(1) criterion answered no and
// no loss.
func generalNo(types map[string]Answer) Checklist {
	return Checklist{LossEUR: eur(0), Answers: allNo(), TypeAnswers: types}
}

func TestTypeCriteriaPerEntityType(t *testing.T) {
	for _, tt := range []struct {
		subsectors []string
		want       []string
	}{
		{[]string{"digital.dns"}, []string{"art5_a", "art5_b", "art5_c"}},
		{[]string{"digital.tld"}, []string{"art6_a", "art6_b", "art6_c"}},
		{[]string{"digital.cloud"}, []string{"art7_a", "art7_b", "art7_c", "art7_d"}},
		{[]string{"digital.data_centre"}, []string{"art8_a", "art8_b", "art8_c", "art8_d"}},
		{[]string{"digital.cdn"}, []string{"art9_a", "art9_b", "art9_c", "art9_d"}},
		{[]string{"ict.msp"}, []string{"art10_a", "art10_b", "art10_c", "art10_d"}},
		{[]string{"ict.mssp"}, []string{"art10_a", "art10_b", "art10_c", "art10_d"}},
		{[]string{"ict.msp", "ict.mssp"}, []string{"art10_a", "art10_b", "art10_c", "art10_d"}}, // Art. 10 once
		{[]string{"digital_providers.marketplace"}, []string{"art11_a", "art11_b", "art11_c", "art11_d"}},
		{[]string{"digital_providers.search_engine"}, []string{"art12_a", "art12_b", "art12_c", "art12_d"}},
		{[]string{"digital_providers.social_network"}, []string{"art13_a", "art13_b", "art13_c", "art13_d"}},
		{[]string{"digital.trust_service"}, []string{"art14_a", "art14_b", "art14_c", "art14_d", "art14_e"}},
		// Two types: both articles, in article order whatever the order of the subsectors.
		{[]string{"digital.data_centre", "drinking_water", "digital.cloud"}, []string{"art7_a", "art7_b", "art7_c", "art7_d", "art8_a", "art8_b", "art8_c", "art8_d"}},
		// No type of the Regulation: nothing shown.
		{[]string{"drinking_water"}, nil},
		{[]string{"digital.ixp", "digital.domain_registration"}, nil},
		{nil, nil},
	} {
		crit := CriteriaOf(TypeGroupsFor(tt.subsectors))
		if got := codes(crit); !slices.Equal(got, tt.want) {
			t.Errorf("%v: criteria %v, want %v", tt.subsectors, got, tt.want)
			continue
		}
		facts := SignificanceFacts{TurnoverEUR: eur(100_000_000), TypeCriteria: crit}
		// All no, general no: not significant.
		none := map[string]Answer{}
		for _, c := range crit {
			none[c.Code] = No
		}
		if a := Assess(generalNo(none), facts); a.Outcome != NotSignificant {
			t.Errorf("%v all no: %s %v", tt.subsectors, a.Outcome, a.Reasons)
		}
		for _, c := range crit {
			// Any one yes: significant, with its reason.
			yes := maps(none)
			yes[c.Code] = Yes
			a := Assess(generalNo(yes), facts)
			if a.Outcome != Significant || !hasReason(a, "incident.sig.reason.met."+c.Code) {
				t.Errorf("%v %s yes: %s %v", tt.subsectors, c.Code, a.Outcome, a.Reasons)
			}
			// Unknown (or unanswered): undetermined, with its reason.
			unk := maps(none)
			delete(unk, c.Code)
			a = Assess(generalNo(unk), facts)
			if a.Outcome != Undetermined || !hasReason(a, "incident.sig.reason.unknown."+c.Code) {
				t.Errorf("%v %s unanswered: %s %v", tt.subsectors, c.Code, a.Outcome, a.Reasons)
			}
			// Planned maintenance still excludes (Art. 3(2)).
			p := generalNo(yes)
			p.PlannedMaintenance = true
			if a := Assess(p, facts); a.Outcome != NotSignificant {
				t.Errorf("%v %s yes in planned maintenance: %s", tt.subsectors, c.Code, a.Outcome)
			}
		}
	}
}

// An entity without a type of the Regulation: type answers (say left over
// from an earlier scope) do not count, and the outcome is as before.
func TestTypeAnswersOfAnotherTypeDoNotCount(t *testing.T) {
	for _, base := range []Checklist{generalNo(nil), {Answers: allNo()}, {LossEUR: eur(600_000), Answers: allNo()}} {
		before := Assess(base, SignificanceFacts{})
		base.TypeAnswers = map[string]Answer{"art7_a": Yes, "art5_a": Unknown}
		after := Assess(base, SignificanceFacts{})
		if after.Outcome != before.Outcome || !slices.Equal(after.Reasons, before.Reasons) {
			t.Errorf("type answers changed an entity without types: %v → %v", before, after)
		}
	}
	// A cloud provider: an Art. 5 answer is not one of its criteria.
	cloud := CriteriaOf(TypeGroupsFor([]string{"digital.cloud"}))
	c := generalNo(map[string]Answer{"art5_a": Yes, "art7_a": No, "art7_b": No, "art7_c": No, "art7_d": No})
	if a := Assess(c, SignificanceFacts{TypeCriteria: cloud}); a.Outcome != NotSignificant {
		t.Errorf("cloud with a DNS answer yes: %s %v", a.Outcome, a.Reasons)
	}
}

func rank(o Outcome) int {
	switch o {
	case Significant:
		return 2
	case Undetermined:
		return 1
	}
	return 0
}

// Property: answering yes to any applicable type criterion never makes the
// outcome less significant.
func TestTypeYesNeverLowersTheOutcome(t *testing.T) {
	r := rand.New(rand.NewPCG(1, 2))
	subs := TypeSubsectors()
	answers := []Answer{Yes, No, Unknown, ""}
	for n := 0; n < 5000; n++ {
		var pick []string
		for _, s := range subs {
			if r.IntN(4) == 0 {
				pick = append(pick, s)
			}
		}
		crit := CriteriaOf(TypeGroupsFor(pick))
		if len(crit) == 0 {
			continue
		}
		c := Checklist{Answers: map[Criterion]Answer{}, TypeAnswers: map[string]Answer{}, PlannedMaintenance: r.IntN(5) == 0}
		if r.IntN(3) > 0 {
			c.LossEUR = eur(int64(r.IntN(1_000_000)))
		}
		for _, g := range Criteria {
			c.Answers[g] = answers[r.IntN(len(answers))]
		}
		for _, tc := range crit {
			c.TypeAnswers[tc.Code] = answers[r.IntN(len(answers))]
		}
		facts := SignificanceFacts{TypeCriteria: crit}
		if r.IntN(2) == 0 {
			facts.TurnoverEUR = eur(int64(r.IntN(50_000_000)))
		}
		before := Assess(c, facts)
		code := crit[r.IntN(len(crit))].Code
		c.TypeAnswers = maps(c.TypeAnswers)
		c.TypeAnswers[code] = Yes
		after := Assess(c, facts)
		if rank(after.Outcome) < rank(before.Outcome) {
			t.Fatalf("yes to %s lowered %s to %s (%+v)", code, before.Outcome, after.Outcome, c)
		}
		if !c.PlannedMaintenance && after.Outcome != Significant {
			t.Fatalf("yes to %s gave %s", code, after.Outcome)
		}
	}
}

// Every criterion and every type has its words in both languages, and the
// reasons name the article and point.
func TestTypeCriteriaHaveLabelsAndCitations(t *testing.T) {
	seen := map[string]bool{}
	n := 0
	for _, g := range AllTypeGroups() {
		for _, l := range []i18n.Lang{i18n.NL, i18n.EN} {
			if i18n.Translate(l, g.TitleKey()) == g.TitleKey() {
				t.Errorf("%s: no %s title", g.Type, l)
			}
		}
		for _, c := range g.Criteria {
			n++
			if seen[c.Code] || c.Article != g.Article || !strings.HasPrefix(c.Code, "art") {
				t.Errorf("criterion %+v in group %s", c, g.Type)
			}
			seen[c.Code] = true
			for _, l := range []i18n.Lang{i18n.NL, i18n.EN} {
				label := i18n.Translate(l, c.LabelKey())
				if label == c.LabelKey() || strings.Contains(label, "%") {
					t.Errorf("%s: %s label %q", c.Code, l, label)
				}
				ctx := i18n.WithLang(context.Background(), l)
				for _, key := range []string{"incident.sig.reason.met." + c.Code, "incident.sig.reason.unknown." + c.Code} {
					text := Reason{Key: key}.In(ctx)
					if !strings.Contains(text, c.Cite()) || !strings.Contains(text, label) || strings.Contains(text, "%!") {
						t.Errorf("%s in %s: %q", key, l, text)
					}
				}
			}
		}
	}
	// Articles 5 and 6 have three points, 14 five, the others four.
	if n != 39 {
		t.Errorf("%d criteria, want 39", n)
	}
	if got := (TypeCriterion{Code: "art7_b", Article: 7, Point: "b"}).Cite(); got != "art. 7(b)" {
		t.Errorf("cite %q", got)
	}
}

func maps(m map[string]Answer) map[string]Answer {
	out := make(map[string]Answer, len(m))
	for k, v := range m {
		out[k] = v
	}
	return out
}

func hasReason(a Assessment, key string) bool {
	return slices.ContainsFunc(a.Reasons, func(r Reason) bool { return r.Key == key })
}
