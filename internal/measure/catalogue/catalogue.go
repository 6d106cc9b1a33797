// Package catalogue is the reference catalogue of the ten zorgplicht measures
// (art. 21 lid 2 onder a–j NIS2, art. 21 lid 3 Cbw) and of the requirements
// in the Annex to Implementing Regulation (EU) 2024/2690 that spell them out,
// with their ISO/IEC 27001:2022 references.
//
// The catalogue is versioned data, not code and not a migration: each
// edition is one file, editions/<version>.json, embedded in the binary. At
// start Sync loads every edition into the database once, keyed by its version
// and SHA-256, and refuses an edition whose version is stored with another
// hash: a published edition is never edited, a corrected text is a new
// edition. Entities keep the edition they assessed against until they adopt a
// newer one. Codes are stable across editions (state and evidence refer to
// them). Editions are parsed once and kept in memory (Get), so pages need no
// query for catalogue texts.
package catalogue

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/weerbaar/weerbaar/internal/i18n"
)

// Measure is one of the ten zorgplicht measures, a to j.
type Measure struct {
	// Code is the letter of the measure in art. 21 lid 2 NIS2: "a" to "j".
	Code string `json:"code"`
	// Label is a short action label for navigation and headings; the
	// statutory text is too long for that.
	Label i18n.Text `json:"label"`
	// Statute is the measure as the Cbw (nl) and the Directive (en) word it,
	// shown so users see what the law itself says.
	Statute i18n.Text `json:"statute"`
	// Explanation says, in our own words, what a good implementation looks
	// like.
	Explanation i18n.Text `json:"explanation"`
	// Source cites the articles, so users can check the law themselves.
	Source string `json:"source"`
	// ISOControls are the ISO/IEC 27001:2022 Annex A controls that ENISA maps
	// to the measure ("A.5.1"), in ascending order.
	ISOControls []string `json:"iso_controls"`
	// ISOClauses are the ISO/IEC 27001:2022 management-system clauses that
	// ENISA maps to the measure ("6.1"), in ascending order.
	ISOClauses []string `json:"iso_clauses"`
	// StatuteSources are the wordings of the measure in the sources we
	// rely on, each with its source, so a reader sees where Dutch texts
	// differ (e.g. "herstelplannen" against "noodvoorzieningenplannen").
	// Empty in editions before 2026.2.
	StatuteSources []StatuteSource `json:"statute_sources,omitempty"`
}

// StatuteSource is the wording of a measure in one source.
type StatuteSource struct {
	// Lang is the language of Text: "nl" or "en".
	Lang string `json:"lang"`
	// Text is the wording as the source gives it.
	Text string `json:"text"`
	// Source names the document and where it can be read.
	Source string `json:"source"`
	// Verified is false when we could not check the wording against the
	// source itself; the page then says so.
	Verified bool `json:"verified"`
	// Note says what is not verified, or why the wording is shown.
	Note i18n.Text `json:"note,omitzero"`
}

// Qualifiers with which the Annex lets an entity deviate from a point with a
// documented reason (art. 2 lid 2 Uitvoeringsverordening 2024/2690).
const (
	WhereAppropriate = "where_appropriate"
	WhereApplicable  = "where_applicable"
	ToExtentFeasible = "to_the_extent_feasible"
)

// Point is one numbered point or lettered sub-point of the Annex to Regulation
// 2024/2690 under its requirement, in our own words: a checklist item an
// entity marks done, not done or not applicable.
type Point struct {
	// Ref is the Annex reference, e.g. "6.7.2(j)"; unique in an edition and
	// stable across editions (entity state refers to it).
	Ref string `json:"ref"`
	// Text states the point in our own words.
	Text i18n.Text `json:"text"`
	// Qualifier is "", or the Annex's "where appropriate", "where
	// applicable" or "to the extent feasible" that qualifies the point.
	Qualifier string `json:"qualifier,omitempty"`
	// Verified is false when the reference or the content could not be
	// checked against the official text; the page marks such points.
	Verified bool `json:"verified"`
	// Note explains what is unverified; required when Verified is false.
	Note i18n.Text `json:"note,omitzero"`
}

// Qualified reports whether the Annex lets an entity leave the point out with
// a documented reason.
func (p Point) Qualified() bool { return p.Qualifier != "" }

// Requirement is one numbered point of the Annex to Implementing Regulation
// (EU) 2024/2690, such as "6.8" (network segmentation), or a whole section
// where the Annex has no numbered subsections ("7", "9").
type Requirement struct {
	// Code is the Annex point, e.g. "6.8"; it is stable and used as a key.
	Code string `json:"code"`
	// Section is the Annex section the point belongs to (1 to 13), derived
	// from Code when the catalogue is loaded.
	Section int `json:"-"`
	// Title is the point's title.
	Title i18n.Text `json:"title"`
	// Text states the requirement in our own words, concretely enough to
	// check.
	Text i18n.Text `json:"text"`
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
	// ISOClauses are ISO/IEC 27001:2022 management-system clauses for the
	// requirement ("6.1.2"), in ascending order; a requirement's clauses are
	// among its measures'.
	ISOClauses []string `json:"iso_clauses,omitempty"`
	// Documented marks a requirement worded as a documented policy,
	// procedure or plan: the proportionality engine gives it a legal floor
	// of maturity 3 ("defined"), whatever the factors say. Editions from
	// 2026.2 carry it in the file; for edition 2026.1, which predates the
	// field, Parse derives it from documented2026_1.
	Documented bool `json:"documented,omitempty"`
	// Points are the Annex's numbered points and lettered sub-points under
	// the requirement, in Annex order (none in editions before 2026.2).
	Points []Point `json:"points,omitempty"`
}

// InAnnex reports whether the requirement is a point of the Annex to
// Regulation 2024/2690; a requirement coded after its measure ("j.1")
// comes from Art. 21(2) NIS2 itself, where the Annex has no point.
func (r Requirement) InAnnex() bool { return r.Section != 0 }

// Catalogue is one edition of the measures and requirements.
type Catalogue struct {
	// Version names this edition of the catalogue, e.g. "2026.1", so stored
	// assessments can say which texts they were made against.
	Version      string        `json:"version"`
	Measures     []Measure     `json:"measures"`
	Requirements []Requirement `json:"requirements"`
	// SHA256 is the hex SHA-256 of the edition file as published; an edition
	// stored with the same version and another hash is refused.
	SHA256 string `json:"-"`

	measureIndex, requirementIndex map[string]int
	// pointIndex maps a point's Ref to the index of its requirement and of
	// the point in it.
	pointIndex map[string][2]int
	// file is the edition file as published, stored by Sync.
	file []byte
}

// Parse decodes and validates an edition file and computes its hash.
func Parse(raw []byte) (*Catalogue, error) {
	var c Catalogue
	if err := decodeStrict(raw, &c); err != nil {
		return nil, err
	}
	for i := range c.Requirements {
		c.Requirements[i].Section, _ = splitCode(c.Requirements[i].Code)
	}
	deriveDocumented(&c)
	if err := c.Validate(); err != nil {
		return nil, fmt.Errorf("catalogue %s: %w", c.Version, err)
	}
	sum := sha256.Sum256(raw)
	c.SHA256 = hex.EncodeToString(sum[:])
	c.file = slices.Clone(raw)
	c.index()
	return &c, nil
}

func (c *Catalogue) index() {
	c.measureIndex = make(map[string]int, len(c.Measures))
	for i, m := range c.Measures {
		c.measureIndex[m.Code] = i
	}
	c.requirementIndex = make(map[string]int, len(c.Requirements))
	c.pointIndex = map[string][2]int{}
	for i, r := range c.Requirements {
		c.requirementIndex[r.Code] = i
		for j, p := range r.Points {
			c.pointIndex[p.Ref] = [2]int{i, j}
		}
	}
}

// Point returns the point with ref and the requirement it belongs to, and
// false when the edition has none.
func (c *Catalogue) Point(ref string) (Point, Requirement, bool) {
	at, ok := c.pointIndex[ref]
	if !ok {
		return Point{}, Requirement{}, false
	}
	r := c.Requirements[at[0]]
	return r.Points[at[1]], r, true
}

// Measure returns the measure with code, and false when the edition has none.
func (c *Catalogue) Measure(code string) (Measure, bool) {
	i, ok := c.measureIndex[code]
	if !ok {
		return Measure{}, false
	}
	return c.Measures[i], true
}

// Requirement returns the requirement with code, and false when the edition
// has none.
func (c *Catalogue) Requirement(code string) (Requirement, bool) {
	i, ok := c.requirementIndex[code]
	if !ok {
		return Requirement{}, false
	}
	return c.Requirements[i], true
}

// Load returns a copy of the newest embedded edition, which callers may
// modify (tests, tools).
func Load() (Catalogue, error) {
	eds, err := embedded()
	if err != nil {
		return Catalogue{}, err
	}
	c := *eds[len(eds)-1]
	c.Measures = slices.Clone(c.Measures)
	c.Requirements = slices.Clone(c.Requirements)
	return c, nil
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
	// articleCodeRE is a requirement taken from Art. 21(2) NIS2 itself
	// where the Annex has no point: the measure's letter and a number.
	articleCodeRE = regexp.MustCompile(`^([a-j])\.([1-9])$`)
	pointRefRE    = regexp.MustCompile(`^[0-9]+(?:\.[0-9]+)*(?:\([a-z]\))?(?:\([ivx]+\))?$`)
	controlRE     = regexp.MustCompile(`^A\.([5-8])\.([0-9]{1,2})$`)
	clauseRE      = regexp.MustCompile(`^(4|5|6|7|8|9|10)(?:\.([0-9]+))?(?:\.([0-9]+))?$`)
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
			{"label.nl", m.Label.NL}, {"label.en", m.Label.EN},
			{"statute.nl", m.Statute.NL}, {"statute.en", m.Statute.EN},
			{"explanation.nl", m.Explanation.NL}, {"explanation.en", m.Explanation.EN},
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
		for j, v := range m.StatuteSources {
			sw := fmt.Sprintf("%s: statute source %d", where, j+1)
			if v.Lang != "nl" && v.Lang != "en" {
				fail("%s: lang %q, want nl or en", sw, v.Lang)
			}
			if checkText(v.Text) != nil || checkText(v.Source) != nil {
				fail("%s: text and source are required", sw)
			}
			if !v.Verified && (checkText(v.Note.NL) != nil || checkText(v.Note.EN) != nil) {
				fail("%s: an unverified wording needs a note in both languages", sw)
			}
		}
		served[m.Code] = false
	}

	var prev [2]int
	articles := map[string]bool{}
	refs := map[string]bool{}
	for i, r := range c.Requirements {
		where := fmt.Sprintf("requirement %q", r.Code)
		section, sub := splitCode(r.Code)
		if m := articleCodeRE.FindStringSubmatch(r.Code); m != nil {
			// A requirement from Art. 21(2) itself: after the Annex's,
			// serving its own measure.
			if articles[r.Code] {
				fail("%s: duplicate code", where)
			}
			articles[r.Code] = true
			if !slices.Contains(r.Measures, m[1]) {
				fail("%s: must serve measure %s", where, m[1])
			}
			if r.Section != 0 {
				fail("%s: section %d, want none", where, r.Section)
			}
		} else {
			switch {
			case section == 0:
				fail("%s: code must look like 6.8 or 7", where)
			case len(articles) > 0:
				fail("%s: Annex requirements come before those from Art. 21(2)", where)
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
		}
		for _, err := range checkClauses(r.ISOClauses) {
			fail("%s: %v", where, err)
		}
		for _, p := range r.Points {
			pw := fmt.Sprintf("%s: point %q", where, p.Ref)
			switch {
			case refs[p.Ref]:
				fail("%s: duplicate reference", pw)
			case r.InAnnex() && (!pointRefRE.MatchString(p.Ref) || !strings.HasPrefix(p.Ref, r.Code+".")):
				fail("%s: reference must be an Annex point under %s, e.g. %s.1 or %s.2(a)", pw, r.Code, r.Code, r.Code)
			case !r.InAnnex() && checkText(p.Ref) != nil:
				fail("%s: empty reference", pw)
			}
			refs[p.Ref] = true
			for _, f := range []struct{ name, val string }{{"text.nl", p.Text.NL}, {"text.en", p.Text.EN}} {
				if err := checkText(f.val); err != nil {
					fail("%s: %s: %v", pw, f.name, err)
				}
			}
			switch p.Qualifier {
			case "", WhereAppropriate, WhereApplicable, ToExtentFeasible:
			default:
				fail("%s: qualifier %q is not %s, %s or %s", pw, p.Qualifier, WhereAppropriate, WhereApplicable, ToExtentFeasible)
			}
			if !p.Verified && (checkText(p.Note.NL) != nil || checkText(p.Note.EN) != nil) {
				fail("%s: an unverified point needs a note in both languages saying what is unverified", pw)
			}
		}
		for _, f := range []struct{ name, val string }{
			{"title.nl", r.Title.NL}, {"title.en", r.Title.EN},
			{"text.nl", r.Text.NL}, {"text.en", r.Text.EN},
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

func less3(a, b [3]int) bool {
	return a[0] < b[0] || a[0] == b[0] && less([2]int{a[1], a[2]}, [2]int{b[1], b[2]})
}

func less(a, b [2]int) bool {
	return a[0] < b[0] || a[0] == b[0] && a[1] < b[1]
}

// checkText requires a non-empty single-line text without surrounding space
// or control characters: texts are shown as paragraphs and stored in
// PostgreSQL, which rejects a NUL.
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
	var prev [3]int
	for i, s := range clauses {
		m := clauseRE.FindStringSubmatch(s)
		if m == nil || strings.HasPrefix(m[2], "0") {
			errs = append(errs, fmt.Errorf("ISO clause %q is not a clause 4 to 10 of ISO/IEC 27001:2022", s))
			continue
		}
		if strings.HasPrefix(m[3], "0") || m[2] == "" && m[3] != "" {
			errs = append(errs, fmt.Errorf("ISO clause %q is not a clause 4 to 10 of ISO/IEC 27001:2022", s))
			continue
		}
		cur := [3]int{}
		cur[0], _ = strconv.Atoi(m[1])
		if m[2] != "" {
			cur[1], _ = strconv.Atoi(m[2])
		}
		if m[3] != "" {
			cur[2], _ = strconv.Atoi(m[3])
		}
		if i > 0 && !less3(prev, cur) {
			errs = append(errs, fmt.Errorf("ISO clause %q: clauses must be unique and in ascending order", s))
		}
		prev = cur
	}
	return errs
}
