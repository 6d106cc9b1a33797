package catalogue_test

import (
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/weerbaar/weerbaar/internal/measure/catalogue"
)

// TestMeasureISOIsUnionOfRequirements: a measure's Annex A controls are
// exactly the union of the controls of the requirements that serve it, and
// every clause of a requirement is among its measures' clauses (issue 9:
// a measure must not list controls no requirement backs, nor miss one).
func TestMeasureISOIsUnionOfRequirements(t *testing.T) {
	t.Parallel()
	c := catalogue.Latest()
	for _, m := range c.Measures {
		union := map[string]bool{}
		for _, r := range c.Requirements {
			if !slices.Contains(r.Measures, m.Code) {
				continue
			}
			for _, ctl := range r.ISOControls {
				union[ctl] = true
			}
			for _, cl := range r.ISOClauses {
				if !slices.Contains(m.ISOClauses, cl) {
					t.Errorf("measure %s: clause %s of requirement %s is not among the measure's clauses %v", m.Code, cl, r.Code, m.ISOClauses)
				}
			}
		}
		for _, ctl := range m.ISOControls {
			if !union[ctl] {
				t.Errorf("measure %s lists %s, which none of its requirements has", m.Code, ctl)
			}
			delete(union, ctl)
		}
		for ctl := range union {
			t.Errorf("measure %s misses %s, which one of its requirements has", m.Code, ctl)
		}
	}
}

// TestISOCorrectionsOfIssue9 pins the mapping corrections the legal review
// asked for.
func TestISOCorrectionsOfIssue9(t *testing.T) {
	t.Parallel()
	c := catalogue.Latest()
	req := func(code string) catalogue.Requirement {
		r, ok := c.Requirement(code)
		if !ok {
			t.Fatalf("no requirement %s", code)
		}
		return r
	}
	if r := req("2.1"); slices.Contains(r.ISOControls, "A.5.7") || !slices.Equal(r.ISOClauses, []string{"6.1.2", "6.1.3", "8.2", "8.3"}) {
		t.Errorf("2.1: controls %v clauses %v, want clauses 6.1.2, 6.1.3, 8.2, 8.3 and not A.5.7", r.ISOControls, r.ISOClauses)
	}
	if r := req("7"); !slices.Contains(r.ISOClauses, "9.1") {
		t.Errorf("7: clauses %v, want 9.1", r.ISOClauses)
	}
	for code, want := range map[string][]string{
		"11.6": {"A.8.5"}, "4.3": {"A.5.5", "A.5.6"}, "6.10": {"A.5.5", "A.5.6"},
		"6.2": {"A.8.26", "A.8.27", "A.8.28"}, "12.2": {"A.8.10", "A.7.14"}, "6.6": {"A.8.19"}, "6.9": {"A.8.19"},
		"10.3": {"A.6.6"},
	} {
		for _, ctl := range want {
			if !slices.Contains(req(code).ISOControls, ctl) {
				t.Errorf("%s: controls %v lack %s", code, req(code).ISOControls, ctl)
			}
		}
	}
	a, _ := c.Measure("a")
	i, _ := c.Measure("i")
	for _, ctl := range []string{"A.5.7", "A.5.19", "A.5.20", "A.5.21"} {
		if slices.Contains(a.ISOControls, ctl) {
			t.Errorf("measure a still lists %s", ctl)
		}
	}
	for _, ctl := range []string{"A.5.28", "A.8.21"} {
		if slices.Contains(i.ISOControls, ctl) {
			t.Errorf("measure i still lists %s", ctl)
		}
	}
}

var annexRefRE = regexp.MustCompile(`^(\d+(?:\.\d+)*)(?:\([a-z]\))?$`)

// TestCheckListPoints: every point has a reference under its requirement
// and texts in both languages; the points issue 9 names exist with the
// right qualifier; unverified points say why.
func TestCheckListPoints(t *testing.T) {
	t.Parallel()
	c := catalogue.Latest()
	total := 0
	for _, r := range c.Requirements {
		if len(r.Points) == 0 {
			t.Errorf("requirement %s has no checklist points", r.Code)
		}
		for _, p := range r.Points {
			total++
			if r.InAnnex() {
				m := annexRefRE.FindStringSubmatch(p.Ref)
				if m == nil || !strings.HasPrefix(m[1]+".", r.Code+".") {
					t.Errorf("point %q under %s: not an Annex reference under the requirement", p.Ref, r.Code)
				}
			}
			if p.Text.NL == "" || p.Text.EN == "" {
				t.Errorf("point %s: text missing", p.Ref)
			}
			if !p.Verified && (p.Note.NL == "" || p.Note.EN == "") {
				t.Errorf("point %s: unverified without a note", p.Ref)
			}
			got, owner, ok := c.Point(p.Ref)
			if !ok || got.Ref != p.Ref || owner.Code != r.Code {
				t.Errorf("Point(%q) = %q in %s, %v", p.Ref, got.Ref, owner.Code, ok)
			}
		}
	}
	if total < 170 {
		t.Errorf("%d points, want at least the ~170 numbered points of the Annex", total)
	}
	for ref, qualifier := range map[string]string{
		"6.7.2(j)": "", "6.7.2(k)": "", "6.7.2(l)": "", "6.10.2(e)": "",
		"4.1.2(f)": catalogue.WhereAppropriate, "4.2.2(c)": "", "5.1.2(d)": catalogue.WhereApplicable,
		"6.1.2(b)": "", "6.1.2(c)": "", "6.1.2(d)": "", "6.1.2(e)": "", "6.1.2(f)": "",
		"3.2.3(a)": catalogue.WhereAppropriate, "3.2.3(l)": catalogue.WhereAppropriate,
		"9.2(b)": catalogue.WhereAppropriate, "11.2.2(e)": "", "11.7.1": catalogue.WhereAppropriate,
		"10.2.1": catalogue.ToExtentFeasible, "3.2.2": catalogue.ToExtentFeasible,
	} {
		p, _, ok := c.Point(ref)
		if !ok {
			t.Errorf("point %s is missing", ref)
			continue
		}
		if p.Qualifier != qualifier {
			t.Errorf("point %s: qualifier %q, want %q", ref, p.Qualifier, qualifier)
		}
	}
	if p, _, _ := c.Point("4.1.2(f)"); !strings.Contains(p.Text.NL, "RTO") || !strings.Contains(p.Text.NL, "RPO") {
		t.Errorf("4.1.2(f) does not name RTO and RPO: %q", p.Text.NL)
	}
	if p, _, _ := c.Point("6.7.2(l)"); !strings.Contains(p.Text.EN, "DNSSEC") || !strings.Contains(p.Text.EN, "RPKI") {
		t.Errorf("6.7.2(l) does not name DNSSEC and RPKI: %q", p.Text.EN)
	}
	// Art. 21(2)(j) secured communications: a requirement of its own.
	j, ok := c.Requirement("j.1")
	if !ok || !slices.Equal(j.Measures, []string{"j"}) || !j.WhereAppropriate || j.InAnnex() {
		t.Errorf("j.1: %+v, %v", j, ok)
	}
	documented := 0
	for _, r := range c.Requirements {
		if r.Documented {
			documented++
		}
	}
	if r, _ := c.Requirement("1.1"); !r.Documented || documented < 10 {
		t.Errorf("documented flags: 1.1 %v, %d in all", r.Documented, documented)
	}
}

// TestStatuteSources: every measure shows its wording with sources; where
// the Dutch sources differ (c, a) every wording is there with its source.
func TestStatuteSources(t *testing.T) {
	t.Parallel()
	c := catalogue.Latest()
	for _, m := range c.Measures {
		var en bool
		for _, s := range m.StatuteSources {
			en = en || s.Lang == "en" && s.Text == m.Statute.EN
		}
		if !en {
			t.Errorf("measure %s: the English statute has no source", m.Code)
		}
	}
	texts := func(code string) []string {
		m, _ := c.Measure(code)
		var out []string
		for _, s := range m.StatuteSources {
			if s.Lang == "nl" {
				out = append(out, s.Text)
			}
		}
		return out
	}
	for code, words := range map[string][]string{
		"c": {"noodvoorzieningenplannen", "noodvoorzieningsplannen", "herstelplannen"},
		"a": {"beleid over", "beleid inzake"},
	} {
		all := strings.Join(texts(code), " | ")
		for _, w := range words {
			if !strings.Contains(all, w) {
				t.Errorf("measure %s: no source with %q (have %s)", code, w, all)
			}
		}
	}
}

func TestValidateRejectsBadPoints(t *testing.T) {
	t.Parallel()
	base, err := catalogue.Load()
	if err != nil {
		t.Fatal(err)
	}
	at := func(c *catalogue.Catalogue, code string) *catalogue.Requirement {
		for i := range c.Requirements {
			if c.Requirements[i].Code == code {
				c.Requirements[i].Points = slices.Clone(c.Requirements[i].Points)
				return &c.Requirements[i]
			}
		}
		t.Fatalf("no %s", code)
		return nil
	}
	for name, tt := range map[string]struct {
		f    func(*catalogue.Catalogue)
		want string
	}{
		"ref of another requirement": {func(c *catalogue.Catalogue) { at(c, "6.7").Points[0].Ref = "6.8.9" }, "Annex point under 6.7"},
		"duplicate ref":              {func(c *catalogue.Catalogue) { r := at(c, "6.7"); r.Points[1].Ref = r.Points[0].Ref }, "duplicate reference"},
		"unknown qualifier":          {func(c *catalogue.Catalogue) { at(c, "6.7").Points[0].Qualifier = "if_convenient" }, "qualifier"},
		"unverified without note": {func(c *catalogue.Catalogue) {
			p := &at(c, "6.7").Points[0]
			p.Verified, p.Note.NL, p.Note.EN = false, "", ""
		}, "unverified point needs a note"},
		"empty text":             {func(c *catalogue.Catalogue) { at(c, "6.7").Points[0].Text.EN = "" }, "text.en: empty"},
		"article code wrong one": {func(c *catalogue.Catalogue) { at(c, "j.1").Measures = []string{"i"} }, "must serve measure j"},
		"bad clause":             {func(c *catalogue.Catalogue) { at(c, "2.1").ISOClauses = []string{"6.1.0"} }, "\"6.1.0\""},
	} {
		t.Run(name, func(t *testing.T) {
			err := mutate(base, tt.f).Validate()
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("Validate: %v, want it to mention %q", err, tt.want)
			}
		})
	}
}
