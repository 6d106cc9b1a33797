package i18n

import (
	"context"
	"encoding/json"
	"reflect"
	"testing"
)

func TestTextIn(t *testing.T) {
	t.Parallel()
	txt := Text{NL: "maatregel", EN: "measure"}
	if got := txt.In(WithLang(context.Background(), EN)); got != "measure" {
		t.Errorf("en = %q", got)
	}
	if got := txt.In(context.Background()); got != "maatregel" {
		t.Errorf("default = %q", got)
	}
	if got := (Text{NL: "alleen nl"}).Lang(EN); got != "alleen nl" {
		t.Errorf("missing en falls back to nl, got %q", got)
	}
}

// TestMsgRendersNestedArgumentsPerLanguage renders a message whose arguments
// are a Text, a nested Msg, a Join and a number, in both languages.
func TestMsgRendersNestedArgumentsPerLanguage(t *testing.T) {
	t.Parallel()
	m := M("scope.reason.size_not_below", M("scope.reason.size_name.small"),
		Join(M("scope.reason.and"), M("scope.reason.size_why_staff", Text{NL: "1.000", EN: "1,000"}), M("scope.reason.size_why_staff", "7")))
	if got, want := m.Render(NL), " U bent niet klein, omdat u 1.000 of meer medewerkers telt en u 7 of meer medewerkers telt."; got != want {
		t.Errorf("nl:\n got %q\nwant %q", got, want)
	}
	if got, want := m.Render(EN), " You are not small because you have 1,000 or more staff and you have 7 or more staff."; got != want {
		t.Errorf("en:\n got %q\nwant %q", got, want)
	}
	if got := (Msg{}).Render(EN); got != "" {
		t.Errorf("empty message renders %q", got)
	}
	if got := M("prop.explanation", "1", "2", "3", "4", 5, "6", "7", "8", 9, 10).Render(EN); got != "Weight 1 = 2. Target = 1 + round(4 × 3 = 4) = 5 (6). Current 7: 8. Priority 9 of 10." {
		t.Errorf("ints: %q", got)
	}
}

// TestMsgSurvivesJSON proves a stored message renders the same after it is
// read back: the argument types are kept.
func TestMsgSurvivesJSON(t *testing.T) {
	t.Parallel()
	m := M("scope.reason.size_class", M("scope.reason.size_name.large"), Text{NL: "1.000", EN: "1,000"}, "x", 42,
		Join(" + ", M("prop.gap.on_target"), M("prop.gap.shortfall", "1")), Msg{})
	b, err := json.Marshal(m)
	if err != nil {
		t.Fatal(err)
	}
	var back Msg
	if err := json.Unmarshal(b, &back); err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(m, back) {
		t.Errorf("round trip:\n got %#v\nwant %#v", back, m)
	}
	for _, l := range Langs {
		if m.Render(l) != back.Render(l) {
			t.Errorf("%s renders differently after JSON", l)
		}
	}
	if _, err := json.Marshal(M("x", 1.5)); err == nil {
		t.Error("a float argument was stored; it would come back as a different type")
	}
}
