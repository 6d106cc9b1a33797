// Package scope is the NIS2 scope engine: whether an organisation is an
// essential or important entity under NIS2 Art. 2–3 and the Dutch Cbw, and
// the sector reference data it rests on. It is pure and versioned like
// proportion: it imports nothing of db or http, and its reasons are catalogue
// messages rendered in the reader's language.
package scope

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"slices"
	"strconv"
	"strings"

	"github.com/weerbaar/weerbaar/internal/i18n"
)

// EngineVersion is stored with every assessment, so an old result can be
// explained with the rules that produced it after the rules change.
const EngineVersion = "scope-2026.1"

// Class is the NIS2 classification of an organisation.
type Class string

// The classes, from strictest to lightest. Registration-only is for domain
// name registration services: NIS2 applies to them only for registration and
// domain data (Art. 2(4), 27, 28), without the duty of care.
const (
	ClassEssential        Class = "essential"
	ClassImportant        Class = "important"
	ClassRegistrationOnly Class = "registration_only"
	ClassOutOfScope       Class = "out_of_scope"
)

// rank orders classes by strictness, so "the strictest wins" is a max.
func (c Class) rank() int {
	switch c {
	case ClassEssential:
		return 3
	case ClassImportant:
		return 2
	case ClassRegistrationOnly:
		return 1
	}
	return 0
}

// Size is the enterprise size class of Commission Recommendation 2003/361/EC.
type Size string

// The size classes, smallest first.
const (
	SizeMicro  Size = "micro"
	SizeSmall  Size = "small"
	SizeMedium Size = "medium"
	SizeLarge  Size = "large"
)

// Input is what an organisation tells us about itself. The engine takes
// it at its word; the reasons say which figures it used.
type Input struct {
	// Subsectors are codes from Subsectors(); at least one.
	Subsectors []string
	// Employees is the headcount in annual work units, aggregated with
	// linked/partner enterprises where applicable.
	Employees int
	// TurnoverEUR is the annual turnover in whole euros.
	TurnoverEUR int64
	// BalanceEUR is the annual balance sheet total in whole euros.
	BalanceEUR int64
	// Qualified marks a qualified trust service provider (eIDAS); it only
	// matters with subsector digital.trust_service.
	Qualified bool
	// CriticalEntity marks a designated critical entity under CER / Wwke.
	CriticalEntity bool
	// Designated is "", "essential" or "important": designated by the authority.
	Designated string
}

// InputError is bad scope input; Field names the offending field with the
// CLI flag / form field name (subsector, employees, turnover, balance,
// designated) so a form can show the message next to it.
type InputError struct {
	Field string
	Msg   string
}

func (e *InputError) Error() string { return e.Field + ": " + e.Msg }

// Validate reports the first problem in the input as an *InputError.
func (in Input) Validate() error {
	if len(in.Subsectors) == 0 {
		return &InputError{"subsector", "choose at least one subsector (see `weerbaar scope --list`)"}
	}
	for _, code := range in.Subsectors {
		if _, ok := LookupSubsector(code); !ok {
			return &InputError{"subsector", fmt.Sprintf("unknown subsector code %q (see `weerbaar scope --list`)", code)}
		}
	}
	if in.Employees < 0 {
		return &InputError{"employees", "must not be negative"}
	}
	if in.TurnoverEUR < 0 {
		return &InputError{"turnover", "must not be negative"}
	}
	if in.BalanceEUR < 0 {
		return &InputError{"balance", "must not be negative"}
	}
	switch in.Designated {
	case "", string(ClassEssential), string(ClassImportant):
	default:
		return &InputError{"designated", fmt.Sprintf("%q is not essential or important", in.Designated)}
	}
	return nil
}

// Reason is one step of the assessment, with the articles it rests on, so a
// board member can follow and an auditor can check it. The engine does not
// write sentences: Msg is a catalogue key ("scope.reason." + Rule) with its
// parameters, rendered in the reader's language.
type Reason struct {
	// Rule is a stable snake_case id, e.g. "annex1_large".
	Rule    string   `json:"rule"`
	Article string   `json:"article"`
	Msg     i18n.Msg `json:"msg"`
	// Legacy is the wording an assessment saved before reasons became
	// messages carries (JSON text_nl/text_en); shown when Msg is empty.
	Legacy i18n.Text `json:"-"`
}

// In renders the reason in the request's language.
func (r Reason) In(ctx context.Context) string { return r.Lang(i18n.LangFrom(ctx)) }

// Lang renders the reason in l.
func (r Reason) Lang(l i18n.Lang) string {
	if r.Msg.Key == "" {
		return r.Legacy.Lang(l)
	}
	return r.Msg.Render(l)
}

// UnmarshalJSON also reads reasons stored before they became messages.
func (r *Reason) UnmarshalJSON(b []byte) error {
	var w struct {
		Rule    string    `json:"rule"`
		Article string    `json:"article"`
		Msg     *i18n.Msg `json:"msg"`
		TextNL  string    `json:"text_nl"`
		TextEN  string    `json:"text_en"`
	}
	if err := json.Unmarshal(b, &w); err != nil {
		return err
	}
	*r = Reason{Rule: w.Rule, Article: w.Article, Legacy: i18n.Text{NL: w.TextNL, EN: w.TextEN}}
	if w.Msg != nil {
		r.Msg = *w.Msg
	}
	return nil
}

// Result is the outcome of Assess. Reasons start with the size
// class, then the reason that decided the class, then every other rule that
// applied, then notes (DORA, guidance).
type Result struct {
	Class         Class    `json:"class"`
	Size          Size     `json:"size"`
	Reasons       []Reason `json:"reasons"`
	EngineVersion string   `json:"engine_version"`
}

// sizeLimit is one ceiling of Recommendation 2003/361/EC Annex art. 2: a
// class holds fewer than staff persons with turnover OR balance sheet total
// at most the amounts.
type sizeLimit struct {
	size     Size
	staff    int
	turnover int64
	balance  int64
}

var sizeLimits = [...]sizeLimit{
	{SizeMicro, 10, 2_000_000, 2_000_000},
	{SizeSmall, 50, 10_000_000, 10_000_000},
	{SizeMedium, 250, 50_000_000, 43_000_000},
}

func (l sizeLimit) fits(employees int, turnover, balance int64) bool {
	return employees < l.staff && (turnover <= l.turnover || balance <= l.balance)
}

// SizeClass applies Recommendation 2003/361/EC Annex art. 2 as worded: the
// smallest class whose staff ceiling is not reached and whose turnover OR
// balance sheet ceiling is not exceeded; large when none fits. Linked and
// partner enterprises must already be included in the figures.
func SizeClass(employees int, turnoverEUR, balanceEUR int64) Size {
	for _, l := range sizeLimits {
		if l.fits(employees, turnoverEUR, balanceEUR) {
			return l.size
		}
	}
	return SizeLarge
}

func sizeRank(s Size) int {
	switch s {
	case SizeSmall:
		return 1
	case SizeMedium:
		return 2
	case SizeLarge:
		return 3
	}
	return 0
}

// scopeFinding is a rule that decided a class for the input.
type scopeFinding struct {
	class  Class
	reason Reason
}

// Assess classifies an organisation under NIS2 Art. 2–3 and the Dutch
// Cbw. It is pure: the same input gives the same result. The strictest class
// over all subsectors and designations wins; every rule that applied is
// listed so the user sees the full picture.
func Assess(in Input) (Result, error) {
	if err := in.Validate(); err != nil {
		return Result{}, err
	}
	size := SizeClass(in.Employees, in.TurnoverEUR, in.BalanceEUR)

	var findings []scopeFinding
	var notes []Reason
	seen := map[string]bool{}
	for _, code := range in.Subsectors {
		if seen[code] {
			continue
		}
		seen[code] = true
		sub, _ := LookupSubsector(code)
		findings = append(findings, subsectorFinding(sub, size, in.Qualified))
		if sub.LexSpecialis == "DORA" {
			notes = append(notes, doraReason(sub))
		}
		if sub.Unverified {
			notes = append(notes, unverifiedReason(refData.records[code]))
		}
	}
	if in.CriticalEntity {
		findings = append(findings, scopeFinding{ClassEssential, Reason{
			Rule:    "critical_entity_cer",
			Article: "art. 2 lid 3 en art. 3 lid 1 onder f NIS2 · " + cbwScope + " · Wwke",
			Msg:     i18n.M("scope.reason.critical_entity_cer"),
		}})
	}
	switch Class(in.Designated) {
	case ClassEssential:
		findings = append(findings, scopeFinding{ClassEssential, Reason{
			Rule:    "designated_essential",
			Article: "art. 2 lid 2 onder b–e en art. 3 lid 1 onder e NIS2 · " + cbwScope,
			Msg:     i18n.M("scope.reason.designated_essential"),
		}})
	case ClassImportant:
		findings = append(findings, scopeFinding{ClassImportant, Reason{
			Rule:    "designated_important",
			Article: "art. 2 lid 2 onder b–e en art. 3 lid 2 NIS2 · " + cbwScope,
			Msg:     i18n.M("scope.reason.designated_important"),
		}})
	}

	// Strictest first; the stable sort keeps input order among equals, so
	// the deciding reason is the first rule that reached the final class.
	slices.SortStableFunc(findings, func(a, b scopeFinding) int { return b.class.rank() - a.class.rank() })

	res := Result{
		Class:         findings[0].class,
		Size:          size,
		EngineVersion: EngineVersion,
		Reasons:       make([]Reason, 0, len(findings)+len(notes)+2),
	}
	res.Reasons = append(res.Reasons, sizeReason(size, in.Employees, in.TurnoverEUR, in.BalanceEUR))
	for _, f := range findings {
		res.Reasons = append(res.Reasons, f.reason)
	}
	res.Reasons = append(res.Reasons, notes...)
	res.Reasons = append(res.Reasons, guidanceReason)
	return res, nil
}

// cbwScope cites the Cbw chapter on essential and important entities
// (chapter 4, art. 8–13 in bill 36 764). We cite the chapter rather than a
// single article until the numbering of the act in force is checked.
const cbwScope = "art. 8–13 Cbw"

// subsectorFinding applies the size and any-size rules to one subsector.
func subsectorFinding(s Subsector, size Size, qualified bool) scopeFinding {
	name := i18n.M("scope.reason.subsector_name", s.Name, s.SectorName)
	small := sizeRank(size) < sizeRank(SizeMedium)
	switch s.Code {
	case "digital.trust_service":
		if qualified {
			return scopeFinding{ClassEssential, Reason{
				Rule:    "any_size_qualified_trust_service",
				Article: "art. 2 lid 2 onder a onder ii en art. 3 lid 1 onder b NIS2 · " + cbwScope,
				Msg:     i18n.M("scope.reason.any_size_qualified_trust_service"),
			}}
		}
		if small {
			return scopeFinding{ClassImportant, Reason{
				Rule:    "any_size_trust_service",
				Article: "art. 2 lid 2 onder a onder ii en art. 3 lid 2 NIS2 · " + cbwScope,
				Msg:     i18n.M("scope.reason.any_size_trust_service"),
			}}
		}
	case "digital.tld":
		return scopeFinding{ClassEssential, Reason{
			Rule:    "any_size_tld",
			Article: "art. 2 lid 2 onder a onder iii en art. 3 lid 1 onder b NIS2 · " + cbwScope,
			Msg:     i18n.M("scope.reason.any_size_tld"),
		}}
	case "digital.dns":
		return scopeFinding{ClassEssential, Reason{
			Rule:    "any_size_dns",
			Article: "art. 2 lid 2 onder a onder iii en art. 3 lid 1 onder b NIS2 · " + cbwScope,
			Msg:     i18n.M("scope.reason.any_size_dns"),
		}}
	case "digital.public_electronic_communications":
		if small {
			return scopeFinding{ClassImportant, Reason{
				Rule:    "any_size_public_ecomms",
				Article: "art. 2 lid 2 onder a onder i en art. 3 lid 2 NIS2 · " + cbwScope,
				Msg:     i18n.M("scope.reason.any_size_public_ecomms"),
			}}
		}
		return scopeFinding{ClassEssential, Reason{
			Rule:    "public_ecomms_medium_or_larger",
			Article: "art. 3 lid 1 onder a en c NIS2 · " + cbwScope,
			Msg:     i18n.M("scope.reason.public_ecomms_medium_or_larger"),
		}}
	case "digital.domain_registration":
		return scopeFinding{ClassRegistrationOnly, Reason{
			Rule:    "domain_registration",
			Article: "art. 2 lid 4, art. 3 lid 3 en 4, art. 27 en 28 NIS2 · art. 44 en 47 Cbw",
			Msg:     i18n.M("scope.reason.domain_registration"),
		}}
	case "public_administration.central":
		return scopeFinding{ClassEssential, Reason{
			Rule:    "any_size_central_government",
			Article: "art. 2 lid 2 onder f onder i en art. 3 lid 1 onder d NIS2 · " + cbwScope,
			Msg:     i18n.M("scope.reason.any_size_central_government"),
		}}
	case "public_administration.province":
		return decentralFinding("any_size_province", "art. 2 lid 2 onder f onder ii NIS2")
	case "public_administration.municipality":
		return decentralFinding("any_size_municipality", "art. 2 lid 5 onder a NIS2")
	case "public_administration.water_board":
		return decentralFinding("any_size_water_board", "art. 2 lid 2 onder f onder ii NIS2")
	}

	switch {
	case s.Annex == 1 && size == SizeLarge:
		return scopeFinding{ClassEssential, Reason{
			Rule:    "annex1_large",
			Article: "art. 3 lid 1 onder a NIS2 · " + cbwScope,
			Msg:     i18n.M("scope.reason.annex1_large", name),
		}}
	case s.Annex == 1 && size == SizeMedium:
		return scopeFinding{ClassImportant, Reason{
			Rule:    "annex1_medium",
			Article: "art. 2 lid 1 en art. 3 lid 2 NIS2 · " + cbwScope,
			Msg:     i18n.M("scope.reason.annex1_medium", name),
		}}
	case s.Annex == 1:
		return scopeFinding{ClassOutOfScope, Reason{
			Rule:    "annex1_below_threshold",
			Article: "art. 2 lid 1 NIS2 · " + cbwScope,
			Msg:     i18n.M("scope.reason.annex1_below_threshold", name),
		}}
	case s.Annex == 2 && !small:
		return scopeFinding{ClassImportant, Reason{
			Rule:    "annex2_medium_or_large",
			Article: "art. 2 lid 1 en art. 3 lid 2 NIS2 · " + cbwScope,
			Msg:     i18n.M("scope.reason.annex2_medium_or_large", name),
		}}
	default:
		return scopeFinding{ClassOutOfScope, Reason{
			Rule:    "annex2_below_threshold",
			Article: "art. 2 lid 1 NIS2 · " + cbwScope,
			Msg:     i18n.M("scope.reason.annex2_below_threshold", name),
		}}
	}
}

// decentralFinding is the Dutch choice (Cbw) to make provinces,
// municipalities and water boards essential whatever their size; NIS2 leaves
// regional and local government to the member states.
func decentralFinding(rule, nis2 string) scopeFinding {
	return scopeFinding{ClassEssential, Reason{
		Rule:    rule,
		Article: nis2 + " · " + cbwScope,
		Msg:     i18n.M("scope.reason." + rule),
	}}
}

// lower is a Text in lower case, for names used inside a sentence.
func lower(t i18n.Text) i18n.Text {
	return i18n.Text{NL: strings.ToLower(t.NL), EN: strings.ToLower(t.EN)}
}

func doraReason(s Subsector) Reason {
	return Reason{
		Rule:    "lex_specialis_dora",
		Article: "art. 4 NIS2 · Verordening (EU) 2022/2554 (DORA)",
		Msg:     i18n.M("scope.reason.lex_specialis_dora", lower(s.Name)),
	}
}

func unverifiedReason(r subsectorRecord) Reason {
	return Reason{
		Rule:    "unverified_reference_data",
		Article: "art. 15 Cbw",
		Msg:     i18n.M("scope.reason.unverified_reference_data", lower(r.Name), r.Note),
	}
}

// guidanceReason closes every result: it is an assessment on the user's own
// figures, and the Cbw article numbers follow the bill until checked.
var guidanceReason = Reason{
	Rule:    "guidance",
	Article: "Kamerstukken II 36 764 (Cbw)",
	Msg:     i18n.M("scope.reason.guidance"),
}

var (
	scopeCtxNL = i18n.WithLang(context.Background(), i18n.NL)
	scopeCtxEN = i18n.WithLang(context.Background(), i18n.EN)
)

// scopeEuro formats whole euros as "€ 10.000.000" (nl) and "€10,000,000" (en).
func scopeEuro(n int64) i18n.Text {
	return i18n.Text{NL: "€ " + i18n.Int(scopeCtxNL, n), EN: "€" + i18n.Int(scopeCtxEN, n)}
}

// scopeCount formats a whole number in both languages.
func scopeCount(n int) i18n.Text {
	return i18n.Text{NL: i18n.Int(scopeCtxNL, int64(n)), EN: i18n.Int(scopeCtxEN, int64(n))}
}

// sizeReason explains the size class with the user's figures, the ceilings
// of that class and which ceiling of the class below was passed.
func sizeReason(size Size, employees int, turnover, balance int64) Reason {
	var ceiling, notBelow i18n.Msg
	// sizeLimits is indexed by sizeRank: micro 0, small 1, medium 2.
	if r := sizeRank(size); r < len(sizeLimits) {
		l := sizeLimits[r]
		ceiling = i18n.M("scope.reason.size_ceiling", i18n.M("scope.reason.size_title."+string(size)),
			scopeCount(l.staff), scopeEuro(l.turnover), scopeEuro(l.balance))
	}
	if r := sizeRank(size); r > 0 {
		below := sizeLimits[r-1]
		var why []i18n.Msg
		if employees >= below.staff {
			why = append(why, i18n.M("scope.reason.size_why_staff", scopeCount(below.staff)))
		}
		if turnover > below.turnover && balance > below.balance {
			why = append(why, i18n.M("scope.reason.size_why_money", scopeEuro(below.turnover), scopeEuro(below.balance)))
		}
		notBelow = i18n.M("scope.reason.size_not_below", i18n.M("scope.reason.size_name."+string(below.size)),
			i18n.Join(i18n.M("scope.reason.and"), why...))
	}
	return Reason{
		Rule:    "size_class",
		Article: "art. 2 bijlage Aanbeveling 2003/361/EG · art. 2 lid 1 NIS2",
		Msg: i18n.M("scope.reason.size_class", i18n.M("scope.reason.size_name."+string(size)),
			scopeCount(employees), scopeEuro(turnover), scopeEuro(balance), ceiling, notBelow),
	}
}

// ParseArgs parses the `weerbaar scope` flags into a validated input:
// --subsector CODE (repeatable) --employees N --turnover EUR --balance EUR
// [--qualified] [--critical-entity] [--designated essential|important].
// The three figures are required, so a forgotten one cannot silently make an
// organisation micro. Numbers are plain decimal whole numbers.
func ParseArgs(args []string) (Input, error) {
	var in Input
	fs := flag.NewFlagSet("scope", flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	fs.Func("subsector", "subsector code (repeatable; see --list)", func(v string) error {
		in.Subsectors = append(in.Subsectors, v)
		return nil
	})
	fs.Func("employees", "staff in annual work units", func(v string) error {
		n, err := parseWhole(v, strconv.IntSize)
		in.Employees = int(n)
		return err
	})
	fs.Func("turnover", "annual turnover in whole euros", func(v string) error {
		n, err := parseWhole(v, 64)
		in.TurnoverEUR = n
		return err
	})
	fs.Func("balance", "balance sheet total in whole euros", func(v string) error {
		n, err := parseWhole(v, 64)
		in.BalanceEUR = n
		return err
	})
	fs.BoolVar(&in.Qualified, "qualified", false, "qualified trust service provider")
	fs.BoolVar(&in.CriticalEntity, "critical-entity", false, "designated critical entity (CER / Wwke)")
	fs.StringVar(&in.Designated, "designated", "", "designated by the authority: essential or important")
	if err := fs.Parse(args); err != nil {
		return Input{}, err
	}
	if fs.NArg() > 0 {
		return Input{}, fmt.Errorf("unexpected argument %q", fs.Arg(0))
	}
	set := map[string]bool{}
	fs.Visit(func(f *flag.Flag) { set[f.Name] = true })
	if len(in.Subsectors) == 0 {
		return Input{}, &InputError{"subsector", "at least one --subsector is required (see `weerbaar scope --list`)"}
	}
	for _, name := range []string{"employees", "turnover", "balance"} {
		if !set[name] {
			return Input{}, &InputError{name, "--" + name + " is required"}
		}
	}
	if err := in.Validate(); err != nil {
		return Input{}, err
	}
	return in, nil
}

var errNotWhole = errors.New("not a whole number")

// parseWhole accepts optional sign and decimal digits only, so "1e6", "0x10"
// or "12M" are rejected instead of guessed.
func parseWhole(v string, bits int) (int64, error) {
	n, err := strconv.ParseInt(v, 10, bits)
	if err != nil {
		var ne *strconv.NumError
		if errors.As(err, &ne) && errors.Is(ne.Err, strconv.ErrRange) {
			return 0, errors.New("number too large")
		}
		return 0, errNotWhole
	}
	return n, nil
}
