package server_test

import (
	"context"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"github.com/weerbaar/weerbaar/internal/apptest"
	"github.com/weerbaar/weerbaar/internal/authz"
	"github.com/weerbaar/weerbaar/internal/i18n"
	"github.com/weerbaar/weerbaar/internal/proportion"
)

// TestDutchPagesWriteDutchNumbersAndWords: Dutch pages write decimal commas,
// translated factor values and roles, right plurals, and no "bijlage 0";
// English pages keep decimal points.
func TestDutchPagesWriteDutchNumbersAndWords(t *testing.T) {
	t.Parallel()
	a := apptest.Start(t, apptest.Options{})
	id := a.SeedDemo(t)
	base := "/e/" + strconv.FormatInt(id, 10)
	admin := a.LoginDemo(t, authz.Admin)
	nl := i18n.WithLang(context.Background(), i18n.NL)

	pointDecimal := regexp.MustCompile(`>\s*\d+\.\d+\s*(/\d|<)|\d\.\d van doel`)
	for _, path := range []string{"/", "/measures", "/measures/d", "/proportionality"} {
		body := admin.Get(t, base+path).Body
		if m := pointDecimal.FindString(body); m != "" {
			t.Errorf("%s shows a decimal point in Dutch: %q", path, m)
		}
	}
	if body := admin.Get(t, base+"/").Body; !regexp.MustCompile(`\d,\d/\d`).MatchString(body) {
		t.Errorf("dashboard chart does not write maturity as 3,0/4")
	}

	measure := admin.Get(t, base+"/measures/d").Body
	var groot string
	for _, g := range proportion.FactorGuidance() {
		if g.Factor == "size" && g.Level == "large" {
			groot = g.Label.In(nl)
		}
	}
	if !strings.Contains(measure, "<td data-label=\""+i18n.T(nl, "proportion.value")+"\">"+groot+"</td>") ||
		strings.Contains(measure, ">large<") || strings.Contains(measure, ">essential<") {
		t.Errorf("measure page does not translate the factor values (want %q)", groot)
	}

	list := admin.Get(t, base+"/measures").Body
	one, two := i18n.N(nl, "measures.card.evidence", 1), i18n.N(nl, "measures.card.evidence", 2)
	if !strings.Contains(list, one+"<") || !strings.Contains(list, two) || strings.Contains(list, "1 "+strings.TrimPrefix(two, "2 ")) {
		t.Errorf("measure cards: want %q and %q, never the plural after 1", one, two)
	}

	wizard := admin.Get(t, base+"/scope/wizard").Body
	if strings.Contains(wizard, i18n.Translate(i18n.NL, "scope.annex", 0)) || !strings.Contains(wizard, i18n.T(nl, "scope.annex.none")) {
		t.Errorf("wizard labels domain registration with annex 0")
	}
	users := admin.Get(t, base+"/users").Body
	if strings.Contains(users, "Security officer") || !strings.Contains(users, i18n.T(nl, "role.security_officer")) {
		t.Errorf("role not translated on the users page")
	}

	inEnglish(t, admin)
	if body := admin.Get(t, base+"/").Body; !regexp.MustCompile(`\d\.\d/\d`).MatchString(body) {
		t.Errorf("English dashboard does not write maturity as 3.0/4")
	}
}

// TestErrorSummaryUsesLabelsInFormOrder: a refused requirement form lists its
// errors by the fields' labels, in the order of the form.
func TestErrorSummaryUsesLabelsInFormOrder(t *testing.T) {
	t.Parallel()
	a := apptest.Start(t, apptest.Options{})
	id := a.SeedDemo(t)
	base := "/e/" + strconv.FormatInt(id, 10)
	off := a.LoginDemo(t, authz.SecurityOfficer)
	form := requirementForm(requirementVersion(t, a, id, "6.3"), "in_progress", "2")
	form.Set("applicable", "false")
	form.Set("due_date", "morgen")
	r := off.PostForm(t, base+"/requirements/6.3", form)
	nl := i18n.WithLang(context.Background(), i18n.NL)
	i := strings.Index(r.Body, `class="error-summary"`)
	if r.StatusCode != 422 || i < 0 {
		t.Fatalf("refused form: %d, summary %v", r.StatusCode, i >= 0)
	}
	summary := r.Body[i:]
	summary = summary[:strings.Index(summary, "</ul>")]
	just, due := strings.Index(summary, i18n.T(nl, "soa.justification")+": "), strings.Index(summary, i18n.T(nl, "soa.due")+": ")
	if just < 0 || due < 0 || just > due {
		t.Errorf("summary not by label in form order: %s", summary)
	}
	if strings.Contains(summary, "justification:") || strings.Contains(summary, "due_date:") {
		t.Errorf("summary shows field keys: %s", summary)
	}
}
