package catalogue_test

import (
	"context"
	"fmt"
	"reflect"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/jackc/pgx/v5"

	"github.com/weerbaar/weerbaar/internal/db"
	"github.com/weerbaar/weerbaar/internal/measure/catalogue"
)

// annexCodes is every numbered point of the Annex to Implementing Regulation
// (EU) 2024/2690, sections 1 to 13 (NIS2.md §2). Sections 7 and 9 have no
// numbered subsections.
var annexCodes = []string{
	"1.1", "1.2",
	"2.1", "2.2", "2.3",
	"3.1", "3.2", "3.3", "3.4", "3.5", "3.6",
	"4.1", "4.2", "4.3",
	"5.1", "5.2",
	"6.1", "6.2", "6.3", "6.4", "6.5", "6.6", "6.7", "6.8", "6.9", "6.10",
	"7",
	"8.1", "8.2",
	"9",
	"10.1", "10.2", "10.3", "10.4",
	"11.1", "11.2", "11.3", "11.4", "11.5", "11.6", "11.7",
	"12.1", "12.2", "12.3", "12.4", "12.5",
	"13.1", "13.2", "13.3",
}

// enisaPhysical are the Annex A controls ENISA maps to section 13 of the
// Annex (physical and environmental security) in addition to the controls of
// the measures it serves (NIS2.md §2).
var enisaPhysical = []string{"A.7.1", "A.7.2", "A.7.3", "A.7.4", "A.7.5", "A.7.11"}

var (
	controlRE = regexp.MustCompile(`^A\.([5-8])\.(\d{1,2})$`)
	clauseRE  = regexp.MustCompile(`^(4|5|6|7|8|9|10)(\.\d+)?$`)
	// annexAMax is the last control of each ISO/IEC 27001:2022 Annex A theme.
	annexAMax = map[string]int{"5": 37, "6": 8, "7": 14, "8": 34}
)

func load(t *testing.T) catalogue.Catalogue {
	t.Helper()
	c, err := catalogue.Load()
	if err != nil {
		t.Fatalf("Load: %v", err)
	}
	return c
}

func validControl(s string) bool {
	m := controlRE.FindStringSubmatch(s)
	if m == nil || strings.HasPrefix(m[2], "0") {
		return false
	}
	n, _ := strconv.Atoi(m[2])
	return n >= 1 && n <= annexAMax[m[1]]
}

func TestCatalogueMeasures(t *testing.T) {
	t.Parallel()
	c := load(t)
	if c.Version == "" {
		t.Error("no catalogue version")
	}
	var codes []string
	for _, m := range c.Measures {
		codes = append(codes, m.Code)
		for name, v := range map[string]string{
			"label.nl": m.Label.NL, "label.en": m.Label.EN,
			"statute.nl": m.Statute.NL, "statute.en": m.Statute.EN,
			"explanation.nl": m.Explanation.NL, "explanation.en": m.Explanation.EN,
			"source": m.Source,
		} {
			if strings.TrimSpace(v) == "" {
				t.Errorf("measure %s: empty %s", m.Code, name)
			}
		}
		if !strings.Contains(m.Source, "art. 21 lid 2 onder "+m.Code+" NIS2") {
			t.Errorf("measure %s: source %q does not cite art. 21 lid 2 onder %s", m.Code, m.Source, m.Code)
		}
		if len(m.ISOControls)+len(m.ISOClauses) == 0 {
			t.Errorf("measure %s: no ISO/IEC 27001 mapping", m.Code)
		}
		for _, ctl := range m.ISOControls {
			if !validControl(ctl) {
				t.Errorf("measure %s: ISO control %q is not an Annex A control", m.Code, ctl)
			}
		}
		for _, cl := range m.ISOClauses {
			if !clauseRE.MatchString(cl) {
				t.Errorf("measure %s: ISO clause %q is not a clause 4–10", m.Code, cl)
			}
		}
	}
	want := strings.Split("abcdefghij", "")
	if !slices.Equal(codes, want) {
		t.Errorf("measure codes %v, want %v", codes, want)
	}
}

func TestCatalogueRequirements(t *testing.T) {
	t.Parallel()
	c := load(t)
	if n := len(c.Requirements); n < 45 {
		t.Errorf("%d requirements, want at least 45", n)
	}

	measures := map[string]catalogue.Measure{}
	for _, m := range c.Measures {
		measures[m.Code] = m
	}
	served := map[string]int{}
	seen := map[string]bool{}
	var codes []string
	for _, r := range c.Requirements {
		codes = append(codes, r.Code)
		if seen[r.Code] {
			t.Errorf("requirement %s: duplicate code", r.Code)
		}
		seen[r.Code] = true
		for name, v := range map[string]string{
			"title.nl": r.Title.NL, "title.en": r.Title.EN,
			"text.nl": r.Text.NL, "text.en": r.Text.EN,
			"source": r.Source,
		} {
			if strings.TrimSpace(v) == "" {
				t.Errorf("requirement %s: empty %s", r.Code, name)
			}
		}
		if want := "Uitvoeringsverordening (EU) 2024/2690, bijlage, punt " + r.Code; r.Source != want {
			t.Errorf("requirement %s: source %q, want %q", r.Code, r.Source, want)
		}
		if want, _ := strconv.Atoi(strings.Split(r.Code, ".")[0]); r.Section != want {
			t.Errorf("requirement %s: section %d, want %d", r.Code, r.Section, want)
		}
		if len(r.Measures) == 0 {
			t.Errorf("requirement %s: serves no measure", r.Code)
		}
		// The controls must come from ENISA's mapping of the measures the
		// requirement serves (plus the physical controls for section 13).
		allowed := map[string]bool{}
		for _, code := range r.Measures {
			m, ok := measures[code]
			if !ok {
				t.Errorf("requirement %s: unknown measure %q", r.Code, code)
				continue
			}
			served[code]++
			for _, ctl := range m.ISOControls {
				allowed[ctl] = true
			}
		}
		if r.Section == 13 {
			for _, ctl := range enisaPhysical {
				allowed[ctl] = true
			}
		}
		for _, ctl := range r.ISOControls {
			if !validControl(ctl) {
				t.Errorf("requirement %s: ISO control %q is not an Annex A control", r.Code, ctl)
			}
			if !allowed[ctl] {
				t.Errorf("requirement %s: ISO control %s is not in ENISA's mapping for measures %v", r.Code, ctl, r.Measures)
			}
		}
		if len(r.ISOControls) == 0 && len(allowed) > 0 {
			t.Errorf("requirement %s: no ISO control, though ENISA maps controls to measures %v", r.Code, r.Measures)
		}
	}
	for _, m := range c.Measures {
		if served[m.Code] == 0 {
			t.Errorf("measure %s: no requirement serves it", m.Code)
		}
	}
	if !slices.Equal(codes, annexCodes) {
		t.Errorf("requirement codes\n got %v\nwant %v", codes, annexCodes)
	}

	// Spot checks of the mapping in NIS2.md §2.
	byCode := map[string]catalogue.Requirement{}
	for _, r := range c.Requirements {
		byCode[r.Code] = r
	}
	for code, want := range map[string][]string{
		"1.1": {"a"}, "2.3": {"a"}, "3.2": {"b"}, "4.2": {"c"}, "5.2": {"d"},
		"6.10": {"e"}, "7": {"f"}, "8.1": {"g"}, "9": {"h"}, "10.2": {"i"},
		"11.1": {"i"}, "11.7": {"i", "j"}, "12.4": {"i"},
	} {
		if got := byCode[code].Measures; !slices.Equal(got, want) {
			t.Errorf("requirement %s serves %v, want %v", code, got, want)
		}
	}
	if !byCode["11.7"].WhereAppropriate {
		t.Error("11.7 (MFA, \"where appropriate\") is not marked where_appropriate")
	}
}

// mutate returns a copy of c changed by f; the slices of measures and
// requirements are copied, so f may assign to their elements.
func mutate(c catalogue.Catalogue, f func(*catalogue.Catalogue)) catalogue.Catalogue {
	c.Measures = slices.Clone(c.Measures)
	c.Requirements = slices.Clone(c.Requirements)
	f(&c)
	return c
}

func TestValidateRejects(t *testing.T) {
	t.Parallel()
	c := load(t)
	if err := c.Validate(); err != nil {
		t.Fatalf("loaded catalogue invalid: %v", err)
	}
	tests := []struct {
		name string
		f    func(*catalogue.Catalogue)
		want string
	}{
		{"bad version", func(c *catalogue.Catalogue) { c.Version = "" }, "version"},
		{"missing measure", func(c *catalogue.Catalogue) { c.Measures = c.Measures[:9] }, "9 measures"},
		{"measures out of order", func(c *catalogue.Catalogue) {
			c.Measures[0], c.Measures[1] = c.Measures[1], c.Measures[0]
		}, "want \"a\""},
		{"empty English text", func(c *catalogue.Catalogue) { c.Requirements[3].Text.EN = "" }, "text.en: empty"},
		{"empty Dutch title", func(c *catalogue.Catalogue) { c.Requirements[3].Title.NL = " " }, "title.nl: empty"},
		{"padded label", func(c *catalogue.Catalogue) { c.Measures[2].Label.NL += " " }, "label.nl: leading or trailing space"},
		{"control character", func(c *catalogue.Catalogue) { c.Measures[2].Explanation.EN += "\x00" }, "control character"},
		{"no source", func(c *catalogue.Catalogue) { c.Requirements[0].Source = "" }, "source: empty"},
		{"no measure", func(c *catalogue.Catalogue) { c.Requirements[0].Measures = nil }, "serves no measure"},
		{"unknown measure", func(c *catalogue.Catalogue) { c.Requirements[0].Measures = []string{"k"} }, "unknown measure \"k\""},
		{"measure not served", func(c *catalogue.Catalogue) {
			for i, r := range c.Requirements {
				if slices.Contains(r.Measures, "h") {
					c.Requirements[i].Measures = []string{"a"}
				}
			}
		}, "measure h: no requirement serves it"},
		{"duplicate code", func(c *catalogue.Catalogue) { c.Requirements[1].Code = c.Requirements[0].Code }, "unique"},
		{"out of Annex order", func(c *catalogue.Catalogue) {
			c.Requirements[0], c.Requirements[1] = c.Requirements[1], c.Requirements[0]
		}, "Annex order"},
		{"malformed code", func(c *catalogue.Catalogue) { c.Requirements[0].Code = "1.a" }, "code must look like"},
		{"section beyond Annex", func(c *catalogue.Catalogue) {
			last := len(c.Requirements) - 1
			c.Requirements[last].Code, c.Requirements[last].Section = "14.1", 14
		}, "sections 1 to 13"},
		{"wrong section", func(c *catalogue.Catalogue) { c.Requirements[0].Section = 2 }, "section 2, want 1"},
		{"control beyond theme", func(c *catalogue.Catalogue) { c.Requirements[0].ISOControls = []string{"A.5.38"} }, "\"A.5.38\""},
		{"control of no theme", func(c *catalogue.Catalogue) { c.Requirements[0].ISOControls = []string{"A.9.1"} }, "\"A.9.1\""},
		{"control with zero", func(c *catalogue.Catalogue) { c.Requirements[0].ISOControls = []string{"A.5.0"} }, "\"A.5.0\""},
		{"control leading zero", func(c *catalogue.Catalogue) { c.Requirements[0].ISOControls = []string{"A.5.01"} }, "\"A.5.01\""},
		{"controls unsorted", func(c *catalogue.Catalogue) {
			c.Requirements[0].ISOControls = []string{"A.8.1", "A.5.1"}
		}, "ascending"},
		{"clause out of range", func(c *catalogue.Catalogue) { c.Measures[0].ISOClauses = []string{"11"} }, "\"11\""},
		{"no ISO mapping", func(c *catalogue.Catalogue) {
			c.Measures[9].ISOControls, c.Measures[9].ISOClauses = nil, nil
		}, "measure j: no ISO"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := mutate(c, tt.f).Validate()
			if err == nil {
				t.Fatal("Validate accepted it")
			}
			if !strings.Contains(err.Error(), tt.want) {
				t.Errorf("error %q does not mention %q", err, tt.want)
			}
		})
	}
}

type dbMeasure struct {
	catalogue.Measure
	Ordinal int
	Version string
}

type dbRequirement struct {
	catalogue.Requirement
	Ordinal int
	Version string
}

func queryMeasures(t *testing.T, q db.Querier) []dbMeasure {
	t.Helper()
	rows, err := q.Query(context.Background(), `
		SELECT code, ordinal, label_nl, label_en, statute_nl, statute_en, explanation_nl, explanation_en,
		       source, iso_controls, iso_clauses, catalogue_version
		FROM measures ORDER BY ordinal`)
	if err != nil {
		t.Fatal(err)
	}
	ms, err := pgx.CollectRows(rows, func(row pgx.CollectableRow) (dbMeasure, error) {
		var m dbMeasure
		err := row.Scan(&m.Code, &m.Ordinal, &m.Label.NL, &m.Label.EN, &m.Statute.NL, &m.Statute.EN,
			&m.Explanation.NL, &m.Explanation.EN, &m.Source, &m.ISOControls, &m.ISOClauses, &m.Version)
		return m, err
	})
	if err != nil {
		t.Fatal(err)
	}
	return ms
}

func queryRequirements(t *testing.T, q db.Querier) []dbRequirement {
	t.Helper()
	ctx := context.Background()
	rows, err := q.Query(ctx, `
		SELECT requirement_code, array_agg(measure_code::text ORDER BY measure_code)
		FROM requirement_measures GROUP BY requirement_code`)
	if err != nil {
		t.Fatal(err)
	}
	links := map[string][]string{}
	var code string
	var measures []string
	if _, err := pgx.ForEachRow(rows, []any{&code, &measures}, func() error {
		links[code] = measures
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	rows, err = q.Query(ctx, `
		SELECT code, ordinal, section, title_nl, title_en, text_nl, text_en, source, iso_controls,
		       where_appropriate, catalogue_version
		FROM requirements ORDER BY ordinal`)
	if err != nil {
		t.Fatal(err)
	}
	rs, err := pgx.CollectRows(rows, func(row pgx.CollectableRow) (dbRequirement, error) {
		var r dbRequirement
		err := row.Scan(&r.Code, &r.Ordinal, &r.Section, &r.Title.NL, &r.Title.EN, &r.Text.NL, &r.Text.EN,
			&r.Source, &r.ISOControls, &r.WhereAppropriate, &r.Version)
		r.Measures = links[r.Code]
		return r, err
	})
	if err != nil {
		t.Fatal(err)
	}
	return rs
}

// normalise makes empty slices nil so a JSON [] and an empty SQL array
// compare equal.
func normalise[T any](v T) T {
	rv := reflect.ValueOf(&v).Elem()
	var walk func(reflect.Value)
	walk = func(f reflect.Value) {
		switch f.Kind() {
		case reflect.Struct:
			for i := range f.NumField() {
				walk(f.Field(i))
			}
		case reflect.Slice:
			if f.Len() == 0 {
				f.Set(reflect.Zero(f.Type()))
			}
		}
	}
	walk(rv)
	return v
}

// compareWithDatabase checks that the tables hold exactly catalogue c.
func compareWithDatabase(t *testing.T, q db.Querier, c *catalogue.Catalogue) {
	t.Helper()
	ms := queryMeasures(t, q)
	if len(ms) != len(c.Measures) {
		t.Fatalf("%d measures in the database, want %d", len(ms), len(c.Measures))
	}
	for i, got := range ms {
		want := dbMeasure{Measure: c.Measures[i], Ordinal: i + 1, Version: c.Version}
		if !reflect.DeepEqual(normalise(got.Measure), normalise(want.Measure)) || got.Ordinal != want.Ordinal || got.Version != want.Version {
			t.Errorf("measure %d in the database:\n got %+v\nwant %+v", i+1, got, want)
		}
	}
	rs := queryRequirements(t, q)
	if len(rs) != len(c.Requirements) {
		t.Fatalf("%d requirements in the database, want %d", len(rs), len(c.Requirements))
	}
	for i, got := range rs {
		want := dbRequirement{Requirement: c.Requirements[i], Ordinal: i + 1, Version: c.Version}
		// The documented flag is not projected: only the proportionality
		// engine uses it, and it reads the edition from memory.
		want.Documented = false
		if !reflect.DeepEqual(normalise(got.Requirement), normalise(want.Requirement)) || got.Ordinal != want.Ordinal || got.Version != want.Version {
			t.Errorf("requirement %d in the database:\n got %+v\nwant %+v", i+1, got, want)
		}
	}
	var links, wantLinks int
	if err := q.QueryRow(context.Background(), `SELECT count(*) FROM requirement_measures`).Scan(&links); err != nil {
		t.Fatal(err)
	}
	for _, r := range c.Requirements {
		wantLinks += len(r.Measures)
	}
	if links != wantLinks {
		t.Errorf("%d requirement_measures rows, want %d", links, wantLinks)
	}
	var current []string
	rows, err := q.Query(context.Background(), `SELECT version FROM catalogue_versions WHERE current`)
	if err != nil {
		t.Fatal(err)
	}
	if current, err = pgx.CollectRows(rows, pgx.RowTo[string]); err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(current, []string{c.Version}) {
		t.Errorf("current catalogue versions %v, want [%s]", current, c.Version)
	}
}

func Example() {
	c, err := catalogue.Load()
	if err != nil {
		panic(err)
	}
	for _, r := range c.Requirements {
		if r.Code == "11.7" {
			fmt.Println(r.Title.EN, r.Measures, r.ISOControls, r.WhereAppropriate)
		}
	}
	// Output: Multi-factor authentication [i j] [A.8.5] true
}
