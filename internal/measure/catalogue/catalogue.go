// Package catalogue is the reference catalogue of the ten zorgplicht measures
// (art. 21 lid 2 onder a–j NIS2, art. 21 lid 3 Cbw) and of the requirements
// in the Annex to Implementing Regulation (EU) 2024/2690 that spell them out,
// with their ISO/IEC 27001:2022 references.
//
// The catalogue is data, not code: the texts live in measures.json and
// requirements.json next to this file, so a reviewer reads and diffs prose
// rather than Go. The JSON is embedded in the binary and reaches the database
// through migration 000005, which gen/main.go writes from it; a test fails if
// the committed migration and the JSON drift apart.
package catalogue

//go:generate go run ./gen -out ../../../migrations

import (
	"bytes"
	_ "embed"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"regexp"
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"
)

// MigrationName is the file name, without ".up.sql" or ".down.sql", of the
// generated migration that creates the catalogue tables and loads the data.
const MigrationName = "000005_measure_catalogue"

// Measure is one of the ten zorgplicht measures, a to j.
type Measure struct {
	// Code is the letter of the measure in art. 21 lid 2 NIS2: "a" to "j".
	Code string `json:"code"`
	// LabelNL and LabelEN are short action labels for navigation and
	// headings; the statutory text is too long for that.
	LabelNL string `json:"label_nl"`
	LabelEN string `json:"label_en"`
	// StatuteNL is the measure as the Cbw words it; StatuteEN as the
	// Directive does. Shown so users see what the law itself says.
	StatuteNL string `json:"statute_nl"`
	StatuteEN string `json:"statute_en"`
	// ExplanationNL and ExplanationEN say, in our own words, what a good
	// implementation looks like.
	ExplanationNL string `json:"explanation_nl"`
	ExplanationEN string `json:"explanation_en"`
	// Source cites the articles, so users can check the law themselves.
	Source string `json:"source"`
	// ISOControls are the ISO/IEC 27001:2022 Annex A controls that ENISA maps
	// to the measure ("A.5.1"), in ascending order.
	ISOControls []string `json:"iso_controls"`
	// ISOClauses are the ISO/IEC 27001:2022 management-system clauses that
	// ENISA maps to the measure ("6.1"), in ascending order.
	ISOClauses []string `json:"iso_clauses"`
}

// Requirement is one numbered point of the Annex to Implementing Regulation
// (EU) 2024/2690, such as "6.8" (network segmentation), or a whole section
// where the Annex has no numbered subsections ("7", "9").
type Requirement struct {
	// Code is the Annex point, e.g. "6.8"; it is stable and used as a key.
	Code string `json:"code"`
	// Section is the Annex section the point belongs to (1 to 13), derived
	// from Code when the catalogue is loaded.
	Section int `json:"-"`
	// TitleNL and TitleEN are the point's title.
	TitleNL string `json:"title_nl"`
	TitleEN string `json:"title_en"`
	// TextNL and TextEN state the requirement in our own words, concretely
	// enough to check.
	TextNL string `json:"text_nl"`
	TextEN string `json:"text_en"`
	// Source cites the point of the Regulation.
	Source string `json:"source"`
	// Measures are the codes of the measures the requirement serves, in
	// ascending order.
	Measures []string `json:"measures"`
	// ISOControls are the most specific ISO/IEC 27001:2022 Annex A controls
	// for this requirement, taken from ENISA's mapping of its measures, in
	// ascending order. Empty where ENISA maps only management-system clauses.
	ISOControls []string `json:"iso_controls"`
	// WhereAppropriate marks requirements the Regulation words as applying
	// "where appropriate" or "to the extent feasible": an entity may leave
	// them out if it documents why (art. 2 lid 2 Uitvoeringsverordening).
	WhereAppropriate bool `json:"where_appropriate"`
}

// Catalogue is one version of the measures and requirements.
type Catalogue struct {
	// Version names this edition of the catalogue, e.g. "2026.1", so stored
	// assessments can say which texts they were made against.
	Version      string
	Measures     []Measure
	Requirements []Requirement
}

//go:embed measures.json
var measuresJSON []byte

//go:embed requirements.json
var requirementsJSON []byte

type measuresFile struct {
	Version  string    `json:"version"`
	Measures []Measure `json:"measures"`
}

type requirementsFile struct {
	Requirements []Requirement `json:"requirements"`
}

// Load parses the embedded JSON and validates it. Each call returns a fresh
// copy, so callers may modify what they get.
func Load() (Catalogue, error) {
	c, err := parse(measuresJSON, requirementsJSON)
	if err != nil {
		return Catalogue{}, err
	}
	if err := c.Validate(); err != nil {
		return Catalogue{}, fmt.Errorf("catalogue %s: %w", c.Version, err)
	}
	return c, nil
}

func parse(measures, requirements []byte) (Catalogue, error) {
	var mf measuresFile
	if err := decodeStrict(measures, &mf); err != nil {
		return Catalogue{}, fmt.Errorf("measures.json: %w", err)
	}
	var rf requirementsFile
	if err := decodeStrict(requirements, &rf); err != nil {
		return Catalogue{}, fmt.Errorf("requirements.json: %w", err)
	}
	for i := range rf.Requirements {
		rf.Requirements[i].Section, _ = splitCode(rf.Requirements[i].Code)
	}
	return Catalogue{Version: mf.Version, Measures: mf.Measures, Requirements: rf.Requirements}, nil
}

// decodeStrict rejects unknown fields and trailing data, so a misspelt key
// is an error instead of a silently empty text.
func decodeStrict(b []byte, v any) error {
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.DisallowUnknownFields()
	if err := dec.Decode(v); err != nil {
		return err
	}
	if _, err := dec.Token(); err != io.EOF {
		return errors.New("unexpected data after the top-level object")
	}
	return nil
}

// measureCodes are the measure letters in their statutory order.
const measureCodes = "abcdefghij"

var (
	versionRE = regexp.MustCompile(`^[0-9]{4}\.[0-9]+$`)
	codeRE    = regexp.MustCompile(`^([1-9][0-9]?)(?:\.([1-9][0-9]?))?$`)
	controlRE = regexp.MustCompile(`^A\.([5-8])\.([0-9]{1,2})$`)
	clauseRE  = regexp.MustCompile(`^(4|5|6|7|8|9|10)(?:\.([0-9]+))?$`)
)

// annexAControls is the number of controls in each theme of ISO/IEC
// 27001:2022 Annex A: organisational (5), people (6), physical (7) and
// technological (8).
var annexAControls = map[int]int{5: 37, 6: 8, 7: 14, 8: 34}

// annexSections is the number of sections in the Annex to Regulation
// 2024/2690.
const annexSections = 13

// Validate checks the catalogue's integrity: the ten measures a–j in order,
// complete bilingual texts, unique requirement codes in Annex order, every
// requirement tied to existing measures, every measure served by at least
// one requirement, and well-formed ISO/IEC 27001:2022 references. It reports
// every problem it finds, not only the first.
func (c Catalogue) Validate() error {
	var errs []error
	fail := func(format string, args ...any) { errs = append(errs, fmt.Errorf(format, args...)) }

	if !versionRE.MatchString(c.Version) {
		fail("version %q: want YYYY.N, e.g. 2026.1", c.Version)
	}

	if len(c.Measures) != len(measureCodes) {
		fail("%d measures, want %d (a to j)", len(c.Measures), len(measureCodes))
	}
	served := map[string]bool{}
	for i, m := range c.Measures {
		if i < len(measureCodes) && m.Code != measureCodes[i:i+1] {
			fail("measure %d has code %q, want %q", i+1, m.Code, measureCodes[i:i+1])
		}
		where := "measure " + m.Code
		for _, f := range []struct{ name, val string }{
			{"label_nl", m.LabelNL}, {"label_en", m.LabelEN},
			{"statute_nl", m.StatuteNL}, {"statute_en", m.StatuteEN},
			{"explanation_nl", m.ExplanationNL}, {"explanation_en", m.ExplanationEN},
			{"source", m.Source},
		} {
			if err := checkText(f.val); err != nil {
				fail("%s: %s: %v", where, f.name, err)
			}
		}
		if len(m.ISOControls)+len(m.ISOClauses) == 0 {
			fail("%s: no ISO/IEC 27001 controls or clauses", where)
		}
		for _, err := range checkControls(m.ISOControls) {
			fail("%s: %v", where, err)
		}
		for _, err := range checkClauses(m.ISOClauses) {
			fail("%s: %v", where, err)
		}
		served[m.Code] = false
	}

	var prev [2]int
	for i, r := range c.Requirements {
		where := fmt.Sprintf("requirement %q", r.Code)
		section, sub := splitCode(r.Code)
		switch {
		case section == 0:
			fail("%s: code must look like 6.8 or 7", where)
		case section > annexSections:
			fail("%s: the Annex has sections 1 to %d", where, annexSections)
		case i > 0 && !less(prev, [2]int{section, sub}):
			fail("%s: codes must be unique and in Annex order (after %d.%d)", where, prev[0], prev[1])
		case i > 0 && section == prev[0] && (sub == 0 || prev[1] == 0):
			fail("%s: a section is either one requirement or numbered subsections, not both", where)
		}
		if section != 0 {
			prev = [2]int{section, sub}
		}
		if r.Section != section {
			fail("%s: section %d, want %d", where, r.Section, section)
		}
		for _, f := range []struct{ name, val string }{
			{"title_nl", r.TitleNL}, {"title_en", r.TitleEN},
			{"text_nl", r.TextNL}, {"text_en", r.TextEN},
			{"source", r.Source},
		} {
			if err := checkText(f.val); err != nil {
				fail("%s: %s: %v", where, f.name, err)
			}
		}
		if len(r.Measures) == 0 {
			fail("%s: serves no measure", where)
		}
		for j, code := range r.Measures {
			if _, ok := served[code]; !ok {
				fail("%s: unknown measure %q", where, code)
				continue
			}
			served[code] = true
			if j > 0 && code <= r.Measures[j-1] {
				fail("%s: measures must be unique and in order", where)
			}
		}
		for _, err := range checkControls(r.ISOControls) {
			fail("%s: %v", where, err)
		}
	}
	for _, m := range c.Measures {
		if !served[m.Code] {
			fail("measure %s: no requirement serves it", m.Code)
		}
	}
	return errors.Join(errs...)
}

// splitCode parses an Annex code: "6.8" → 6, 8; "7" → 7, 0. A malformed code
// gives 0, 0.
func splitCode(code string) (section, sub int) {
	m := codeRE.FindStringSubmatch(code)
	if m == nil {
		return 0, 0
	}
	section, _ = strconv.Atoi(m[1])
	if m[2] != "" {
		sub, _ = strconv.Atoi(m[2])
	}
	return section, sub
}

func less(a, b [2]int) bool {
	return a[0] < b[0] || a[0] == b[0] && a[1] < b[1]
}

// checkText requires a non-empty single-line text without surrounding space
// or control characters: texts are shown as paragraphs and go into SQL
// literals, where a NUL would be rejected by PostgreSQL.
func checkText(s string) error {
	switch {
	case strings.TrimSpace(s) == "":
		return errors.New("empty")
	case strings.TrimSpace(s) != s:
		return errors.New("leading or trailing space")
	case !utf8.ValidString(s):
		return errors.New("not valid UTF-8")
	case strings.ContainsFunc(s, unicode.IsControl):
		return errors.New("contains a control character")
	}
	return nil
}

// checkControls requires Annex A references that exist ("A.5.1" to
// "A.5.37", "A.6.1" to "A.6.8", "A.7.1" to "A.7.14", "A.8.1" to "A.8.34"),
// listed in ascending order without duplicates.
func checkControls(controls []string) []error {
	var errs []error
	var prev [2]int
	for i, s := range controls {
		theme, n, ok := parseControl(s)
		if !ok {
			errs = append(errs, fmt.Errorf("ISO control %q is not an ISO/IEC 27001:2022 Annex A control", s))
			continue
		}
		if i > 0 && !less(prev, [2]int{theme, n}) {
			errs = append(errs, fmt.Errorf("ISO control %q: controls must be unique and in ascending order", s))
		}
		prev = [2]int{theme, n}
	}
	return errs
}

func parseControl(s string) (theme, n int, ok bool) {
	m := controlRE.FindStringSubmatch(s)
	if m == nil || strings.HasPrefix(m[2], "0") {
		return 0, 0, false
	}
	theme, _ = strconv.Atoi(m[1])
	n, _ = strconv.Atoi(m[2])
	return theme, n, n >= 1 && n <= annexAControls[theme]
}

// checkClauses requires management-system clauses 4 to 10, optionally with
// a subclause ("6.1"), in ascending order without duplicates.
func checkClauses(clauses []string) []error {
	var errs []error
	var prev [2]int
	for i, s := range clauses {
		m := clauseRE.FindStringSubmatch(s)
		if m == nil || strings.HasPrefix(m[2], "0") {
			errs = append(errs, fmt.Errorf("ISO clause %q is not a clause 4 to 10 of ISO/IEC 27001:2022", s))
			continue
		}
		cur := [2]int{}
		cur[0], _ = strconv.Atoi(m[1])
		if m[2] != "" {
			cur[1], _ = strconv.Atoi(m[2])
		}
		if i > 0 && !less(prev, cur) {
			errs = append(errs, fmt.Errorf("ISO clause %q: clauses must be unique and in ascending order", s))
		}
		prev = cur
	}
	return errs
}

// MigrationSQL renders the up and down migration that creates the catalogue
// tables and loads this catalogue into them, marked as the current version.
// The output depends only on the catalogue, so the same JSON always gives
// byte-identical SQL. Call it on a validated catalogue (from Load): the
// validation keeps control characters out of the texts, and everything else
// is safe in a standard SQL string literal once quotes are doubled.
func (c Catalogue) MigrationSQL() (up, down string) {
	var b strings.Builder
	w := func(format string, args ...any) { fmt.Fprintf(&b, format, args...) }

	w("-- Code generated by \"go run ./internal/measure/catalogue/gen\"; DO NOT EDIT.\n")
	w("-- Source: internal/measure/catalogue/measures.json and requirements.json.\n")
	w("-- To change a text, edit the JSON and regenerate; a test fails if this file\n")
	w("-- differs from what the generator writes.\n")
	w("--\n")
	w("-- Catalogue %s: the ten zorgplicht measures (art. 21 lid 2 NIS2, art. 21\n", c.Version)
	w("-- lid 3 Cbw) and the %d requirements of the Annex to Implementing Regulation\n", len(c.Requirements))
	w("-- (EU) 2024/2690, with ISO/IEC 27001:2022 references after ENISA's mapping.\n")
	b.WriteString(schemaSQL)

	w("\nINSERT INTO catalogue_versions (version, current) VALUES (%s, true);\n", quote(c.Version))

	b.WriteString("\nINSERT INTO measures (code, ordinal, label_nl, label_en, statute_nl, statute_en, explanation_nl, explanation_en, source, iso_controls, iso_clauses, catalogue_version) VALUES\n")
	for i, m := range c.Measures {
		w("(%s, %d,\n", quote(m.Code), i+1)
		for _, s := range []string{m.LabelNL, m.LabelEN, m.StatuteNL, m.StatuteEN, m.ExplanationNL, m.ExplanationEN, m.Source} {
			w("    %s,\n", quote(s))
		}
		w("    %s,\n    %s,\n    %s)%s\n", array(m.ISOControls), array(m.ISOClauses), quote(c.Version), sep(i, len(c.Measures)))
	}

	b.WriteString("\nINSERT INTO requirements (code, ordinal, section, title_nl, title_en, text_nl, text_en, source, iso_controls, where_appropriate, catalogue_version) VALUES\n")
	for i, r := range c.Requirements {
		w("(%s, %d, %d,\n", quote(r.Code), i+1, r.Section)
		for _, s := range []string{r.TitleNL, r.TitleEN, r.TextNL, r.TextEN, r.Source} {
			w("    %s,\n", quote(s))
		}
		w("    %s,\n    %t,\n    %s)%s\n", array(r.ISOControls), r.WhereAppropriate, quote(c.Version), sep(i, len(c.Requirements)))
	}

	b.WriteString("\nINSERT INTO requirement_measures (requirement_code, measure_code) VALUES\n")
	var pairs []string
	for _, r := range c.Requirements {
		for _, m := range r.Measures {
			pairs = append(pairs, fmt.Sprintf("(%s, %s)", quote(r.Code), quote(m)))
		}
	}
	for i, p := range pairs {
		w("%s%s\n", p, sep(i, len(pairs)))
	}

	down = "-- Code generated by \"go run ./internal/measure/catalogue/gen\"; DO NOT EDIT.\n" +
		"DROP TABLE IF EXISTS requirement_measures;\n" +
		"DROP TABLE IF EXISTS requirements;\n" +
		"DROP TABLE IF EXISTS measures;\n" +
		"DROP TABLE IF EXISTS catalogue_versions;\n"
	return b.String(), down
}

const schemaSQL = `
-- Each loaded edition of the catalogue; exactly one is current.
CREATE TABLE catalogue_versions (
    version   text PRIMARY KEY,
    loaded_at timestamptz NOT NULL DEFAULT now(),
    current   boolean NOT NULL DEFAULT false
);
CREATE UNIQUE INDEX catalogue_versions_one_current ON catalogue_versions (current) WHERE current;

-- The ten zorgplicht measures, a to j.
CREATE TABLE measures (
    code              char(1) PRIMARY KEY CHECK (code BETWEEN 'a' AND 'j'),
    ordinal           int NOT NULL,
    label_nl          text NOT NULL,
    label_en          text NOT NULL,
    statute_nl        text NOT NULL,
    statute_en        text NOT NULL,
    explanation_nl    text NOT NULL,
    explanation_en    text NOT NULL,
    source            text NOT NULL,
    iso_controls      text[] NOT NULL,
    iso_clauses       text[] NOT NULL DEFAULT '{}',
    catalogue_version text NOT NULL REFERENCES catalogue_versions (version)
);

-- The numbered points of the Annex to Implementing Regulation (EU) 2024/2690.
CREATE TABLE requirements (
    code              text PRIMARY KEY,
    ordinal           int NOT NULL,
    section           int NOT NULL,
    title_nl          text NOT NULL,
    title_en          text NOT NULL,
    text_nl           text NOT NULL,
    text_en           text NOT NULL,
    source            text NOT NULL,
    iso_controls      text[] NOT NULL,
    -- The Regulation allows leaving it out with a documented reason.
    where_appropriate boolean NOT NULL DEFAULT false,
    catalogue_version text NOT NULL REFERENCES catalogue_versions (version)
);

-- Which measures each requirement serves.
CREATE TABLE requirement_measures (
    requirement_code text NOT NULL REFERENCES requirements (code),
    measure_code     char(1) NOT NULL REFERENCES measures (code),
    PRIMARY KEY (requirement_code, measure_code)
);
`

// quote renders s as a standard SQL string literal. PostgreSQL has treated
// backslashes in such literals as ordinary characters by default since 9.1
// (standard_conforming_strings), so doubling single quotes is all it takes.
func quote(s string) string {
	return "'" + strings.ReplaceAll(s, "'", "''") + "'"
}

func array(items []string) string {
	quoted := make([]string, len(items))
	for i, s := range items {
		quoted[i] = quote(s)
	}
	return "ARRAY[" + strings.Join(quoted, ", ") + "]::text[]"
}

// sep ends a row of a multi-row INSERT: a comma, or a semicolon after the
// last row.
func sep(i, n int) string {
	if i == n-1 {
		return ";"
	}
	return ","
}
