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
//
// scope-2026.2: designation only for Annex I/II types (domain name
// registration stays registration-only); exclusions (Art. 2(7)–(8), the
// judiciary, Art. 26 jurisdiction, DORA); public control (Annex art. 3(4)
// Rec. 2003/361) and the two-consecutive-years rule (Annex art. 4(2)).
const EngineVersion = "scope-2026.2"

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
	// Employees is the headcount in annual work units: of the enterprise
	// alone when Others lists its linked and partner enterprises, otherwise
	// already aggregated with them.
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
	// Exclusion is "" or one of ExclusionSecurity, ExclusionExempted,
	// ExclusionJudiciary: activities that NIS2 leaves out (Art. 2(7)–(8)) or
	// bodies that are no public administration entity (Art. 6).
	Exclusion string
	// MainEstablishmentElsewhere: the main establishment in the Union (or,
	// for an entity outside the Union, its representative) is in another
	// member state. It matters for the types of Art. 26(1)(b) only.
	MainEstablishmentElsewhere bool
	// DORA marks a financial entity covered by Regulation (EU) 2022/2554;
	// it matters for the subsectors whose lex specialis is DORA (Art. 4).
	DORA bool
	// PublicControl: 25 % or more of the capital or voting rights is
	// controlled, directly or indirectly, by public bodies (Annex art. 3(4)
	// Rec. 2003/361), as for Dutch drinking-water companies and grid operators.
	PublicControl bool
	// Previous holds the figures of the previous accounting period, or nil
	// when there is none (a new enterprise): a size class changes only when
	// the ceilings are crossed in two consecutive periods (Annex art. 4(2)).
	Previous *Figures
	// Others are linked and partner enterprises whose figures are added to
	// this year's by Aggregate before the size class is decided.
	Others []Holding
}

// Figures are the three size figures of one accounting period, already
// including linked and partner enterprises (see Aggregate).
type Figures struct {
	Employees   int
	TurnoverEUR int64
	BalanceEUR  int64
}

// The exclusions of Input.Exclusion.
const (
	// ExclusionSecurity: a public administration entity active in national
	// security, public security, defence or law enforcement (Art. 2(7)).
	ExclusionSecurity = "security"
	// ExclusionExempted: exempted by the member state because the entity
	// works exclusively in those areas or exclusively for such bodies (Art. 2(8)).
	ExclusionExempted = "exempted"
	// ExclusionJudiciary: the judiciary, a parliament or a central bank,
	// which NIS2 does not count as public administration entities (Art. 6).
	ExclusionJudiciary = "judiciary"
)

// Exclusions lists the valid non-empty values of Input.Exclusion.
var Exclusions = []string{ExclusionSecurity, ExclusionExempted, ExclusionJudiciary}

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
	if in.Exclusion != "" && !slices.Contains(Exclusions, in.Exclusion) {
		return &InputError{"exclusion", fmt.Sprintf("%q is not one of %s", in.Exclusion, strings.Join(Exclusions, ", "))}
	}
	if _, ok := Aggregate(Figures{max(0, in.Employees), max(0, in.TurnoverEUR), max(0, in.BalanceEUR)}, in.Others); !ok {
		return &InputError{"others", "linked and partner enterprises: share 0–100, figures 0 or more, totals below 2^53"}
	}
	if p := in.Previous; p != nil {
		switch {
		case p.Employees < 0:
			return &InputError{"prev_employees", "must not be negative"}
		case p.TurnoverEUR < 0:
			return &InputError{"prev_turnover", "must not be negative"}
		case p.BalanceEUR < 0:
			return &InputError{"prev_balance", "must not be negative"}
		}
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
	// Open marks a point the law or the Dutch position does not settle, or
	// that we could not verify: the reason then shows both outcomes and the
	// page marks it as guidance.
	Open bool `json:"open,omitempty"`
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
		Open    bool      `json:"open"`
		TextNL  string    `json:"text_nl"`
		TextEN  string    `json:"text_en"`
	}
	if err := json.Unmarshal(b, &w); err != nil {
		return err
	}
	*r = Reason{Rule: w.Rule, Article: w.Article, Open: w.Open, Legacy: i18n.Text{NL: w.TextNL, EN: w.TextEN}}
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

// Holding is another enterprise in a holding relation with the enterprise,
// upstream or downstream: its figures (consolidated with its own linked
// enterprises) and SharePct, the higher of the share of capital or voting
// rights held, in whole percent.
type Holding struct {
	Figures
	SharePct int
}

// maxFigure keeps aggregated figures within what forms and the CLI accept.
const maxFigure = 1 << 53

// Aggregate adds other enterprises to own as Recommendation 2003/361/EC
// Annex art. 3 and 6 require: a linked enterprise (a majority, more than
// 50 %) counts in full, a partner enterprise (25 % up to and including
// 50 %) pro rata to the share, and below 25 % the other enterprise is
// independent and not counted. Pro rata amounts round half up to whole
// units. It reports false for a share outside 0–100, a negative figure or
// a total beyond 2^53.
func Aggregate(own Figures, others []Holding) (Figures, bool) {
	if own.Employees < 0 || own.TurnoverEUR < 0 || own.BalanceEUR < 0 {
		return Figures{}, false
	}
	total := own
	for _, o := range others {
		if o.SharePct < 0 || o.SharePct > 100 || o.Employees < 0 || o.TurnoverEUR < 0 || o.BalanceEUR < 0 ||
			o.Employees >= maxFigure || o.TurnoverEUR >= maxFigure || o.BalanceEUR >= maxFigure {
			return Figures{}, false
		}
		pct := int64(o.SharePct)
		switch {
		case pct > 50:
			pct = 100
		case pct < 25:
			pct = 0
		}
		part := func(n int64) int64 { return (n*pct + 50) / 100 }
		total.Employees += int(part(int64(o.Employees)))
		total.TurnoverEUR += part(o.TurnoverEUR)
		total.BalanceEUR += part(o.BalanceEUR)
		if total.Employees >= maxFigure || total.TurnoverEUR >= maxFigure || total.BalanceEUR >= maxFigure {
			return Figures{}, false
		}
	}
	return total, true
}

// scopeFinding is a rule that decided a class for the input.
type scopeFinding struct {
	class  Class
	reason Reason
}

// Assess classifies an organisation under NIS2 Art. 2–3 and the Dutch
// Cbw. It is pure: the same input gives the same result. The strictest class
// over all subsectors and designations wins; every rule that applied is
// listed so the user sees the full picture. Exclusions (Art. 2(7)–(8), the
// judiciary, jurisdiction under Art. 26, DORA) lower what they cover and say
// what the class would be without them.
func Assess(in Input) (Result, error) {
	if err := in.Validate(); err != nil {
		return Result{}, err
	}
	fig, _ := Aggregate(Figures{in.Employees, in.TurnoverEUR, in.BalanceEUR}, in.Others)
	figSize := SizeClass(fig.Employees, fig.TurnoverEUR, fig.BalanceEUR)
	size := figSize
	sizeReasons := []Reason{sizeReason(figSize, fig.Employees, fig.TurnoverEUR, fig.BalanceEUR)}
	if len(in.Others) > 0 {
		sizeReasons = append(sizeReasons, aggregateReason(in))
	}
	if p := in.Previous; p != nil {
		prev := SizeClass(p.Employees, p.TurnoverEUR, p.BalanceEUR)
		if prev != figSize {
			// One period across a ceiling does not change the status: the
			// class of the previous period holds (Annex art. 4(2)).
			size = prev
			sizeReasons = append(sizeReasons, Reason{
				Rule:    "size_two_years",
				Article: "art. 4 lid 2 bijlage Aanbeveling 2003/361/EG",
				Msg: i18n.M("scope.reason.size_two_years", i18n.M("scope.reason.size_name."+string(figSize)),
					i18n.M("scope.reason.size_name."+string(prev)), scopeCount(p.Employees), scopeEuro(p.TurnoverEUR), scopeEuro(p.BalanceEUR)),
			})
		}
	}

	findings, notes := classify(in, size)
	res := Result{Class: findings[0].class, Size: size, EngineVersion: EngineVersion}
	if in.PublicControl && size != SizeLarge {
		// Annex art. 3(4) Rec. 2003/361: 25 % or more public control means
		// not an SME. NIS2 Art. 2(1) and 3(1)(a) refer to the ceilings of
		// Annex art. 2 only; whether art. 3(4) still makes such an entity
		// "large" is not settled in what we could verify, so both outcomes
		// are shown and the stricter one is the class (the safe side).
		strict, strictNotes := classify(in, SizeLarge)
		literal := findings[0].class
		sizeReasons = append(sizeReasons, Reason{
			Rule:    "public_control_open",
			Article: "art. 3 lid 4 en art. 2 bijlage Aanbeveling 2003/361/EG · art. 2 lid 1 en art. 3 lid 1 onder a NIS2",
			Msg:     i18n.M("scope.reason.public_control_open", classMsg(strict[0].class), classMsg(literal)),
			Open:    true,
		})
		if strict[0].class.rank() > literal.rank() {
			findings, notes = strict, strictNotes
			res.Class = strict[0].class
		}
	} else if in.PublicControl {
		sizeReasons = append(sizeReasons, Reason{
			Rule:    "public_control_large",
			Article: "art. 3 lid 4 bijlage Aanbeveling 2003/361/EG",
			Msg:     i18n.M("scope.reason.public_control_large"),
		})
	}

	res.Reasons = make([]Reason, 0, len(sizeReasons)+len(findings)+len(notes)+2)
	res.Reasons = append(res.Reasons, sizeReasons...)
	switch in.Exclusion {
	case ExclusionSecurity:
		res.Reasons = append(res.Reasons, Reason{
			Rule:    "excluded_security",
			Article: "art. 2 lid 7 NIS2",
			Msg:     i18n.M("scope.reason.excluded_security", classMsg(res.Class)),
		})
		res.Class = ClassOutOfScope
	case ExclusionExempted:
		res.Reasons = append(res.Reasons, Reason{
			Rule:    "exempted_security_open",
			Article: "art. 2 lid 8 NIS2",
			Msg:     i18n.M("scope.reason.exempted_security_open", classMsg(res.Class)),
			Open:    true,
		})
		res.Class = ClassOutOfScope
	}
	for _, f := range findings {
		res.Reasons = append(res.Reasons, f.reason)
	}
	res.Reasons = append(res.Reasons, notes...)
	res.Reasons = append(res.Reasons, guidanceReason)
	return res, nil
}

// aggregateReason shows the enterprise's own figures and how many linked,
// partner and independent enterprises were added (Annex art. 3 and 6).
func aggregateReason(in Input) Reason {
	var linked, partners, independent int
	for _, o := range in.Others {
		switch {
		case o.SharePct > 50:
			linked++
		case o.SharePct >= 25:
			partners++
		default:
			independent++
		}
	}
	var parts []i18n.Msg
	for _, c := range []struct {
		kind string
		n    int
	}{{"linked", linked}, {"partner", partners}, {"independent", independent}} {
		if c.n > 0 {
			form := ".other"
			if c.n == 1 {
				form = ".one"
			}
			parts = append(parts, i18n.M("scope.reason.size_agg."+c.kind+form, c.n))
		}
	}
	return Reason{
		Rule:    "size_aggregated",
		Article: "art. 3 en 6 bijlage Aanbeveling 2003/361/EG",
		Msg: i18n.M("scope.reason.size_aggregated", scopeCount(in.Employees), scopeEuro(in.TurnoverEUR), scopeEuro(in.BalanceEUR),
			i18n.Join("; ", parts...)),
	}
}

// classMsg names a class inside a sentence.
func classMsg(c Class) i18n.Msg { return i18n.M("scope.reason.class." + string(c)) }

// art26MainEstablishment are the types of Art. 26(1)(b) NIS2: they fall
// under the member state of their main establishment in the Union (or of
// their representative, Art. 26(3)), not of every member state they serve.
var art26MainEstablishment = map[string]bool{
	"digital.dns": true, "digital.tld": true, "digital.domain_registration": true, "digital.cloud": true,
	"digital.data_centre": true, "digital.cdn": true, "ict.msp": true, "ict.mssp": true,
	"digital_providers.marketplace": true, "digital_providers.search_engine": true, "digital_providers.social_network": true,
}

// classify applies the rules per subsector, the exclusions that work per
// subsector, the CER and designation rules at one size, and returns the
// findings strictest first (never empty) and the notes.
func classify(in Input, size Size) ([]scopeFinding, []Reason) {
	var findings []scopeFinding
	var notes []Reason
	seen := map[string]bool{}
	annexType, dora, art26, publicAdmin := false, false, false, false
	for _, code := range in.Subsectors {
		if seen[code] {
			continue
		}
		seen[code] = true
		sub, _ := LookupSubsector(code)
		name := i18n.M("scope.reason.subsector_name", sub.Name, sub.SectorName)
		f := subsectorFinding(sub, size, in.Qualified)
		annexType = annexType || sub.Annex > 0
		switch {
		case in.Exclusion == ExclusionJudiciary && sub.SectorCode == "public_administration":
			publicAdmin = true
			f = scopeFinding{ClassOutOfScope, Reason{
				Rule:    "excluded_judiciary",
				Article: "art. 6 NIS2 (definitie overheidsinstantie) · art. 2 lid 2 onder f NIS2",
				Msg:     i18n.M("scope.reason.excluded_judiciary", name, classMsg(f.class)),
			}}
		case in.MainEstablishmentElsewhere && art26MainEstablishment[code]:
			art26 = true
			f = scopeFinding{ClassOutOfScope, Reason{
				Rule:    "jurisdiction_main_establishment",
				Article: "art. 26 lid 1 onder b en lid 3 NIS2",
				Msg:     i18n.M("scope.reason.jurisdiction_main_establishment", name, classMsg(f.class)),
			}}
		case in.DORA && sub.LexSpecialis == "DORA":
			dora = true
			f = scopeFinding{ClassOutOfScope, Reason{
				Rule:    "dora_lex_specialis_open",
				Article: "art. 4 NIS2 · art. 1 lid 2 en art. 2 Verordening (EU) 2022/2554 (DORA)",
				Msg:     i18n.M("scope.reason.dora_lex_specialis_open", name, classMsg(f.class)),
				Open:    true,
			}}
		case sub.LexSpecialis == "DORA":
			notes = append(notes, doraReason(sub))
		}
		findings = append(findings, f)
		if sub.Unverified {
			notes = append(notes, unverifiedReason(refData.records[code]))
		}
	}
	if in.Exclusion == ExclusionJudiciary && !publicAdmin {
		notes = append(notes, Reason{Rule: "excluded_judiciary_no_effect", Article: "art. 6 NIS2 (definitie overheidsinstantie)",
			Msg: i18n.M("scope.reason.excluded_judiciary_no_effect")})
	}
	if in.MainEstablishmentElsewhere && !art26 {
		notes = append(notes, Reason{Rule: "jurisdiction_establishment", Article: "art. 26 lid 1 NIS2",
			Msg: i18n.M("scope.reason.jurisdiction_establishment")})
	}
	if in.DORA && !dora {
		notes = append(notes, Reason{Rule: "dora_no_financial_subsector", Article: "art. 4 NIS2",
			Msg: i18n.M("scope.reason.dora_no_financial_subsector")})
	}
	if in.CriticalEntity {
		findings = append(findings, scopeFinding{ClassEssential, Reason{
			Rule:    "critical_entity_cer",
			Article: "art. 2 lid 3 en art. 3 lid 1 onder f NIS2 · " + cbwScope + " · Wwke",
			Msg:     i18n.M("scope.reason.critical_entity_cer"),
		}})
	}
	switch {
	case in.Designated != "" && !annexType:
		// Designation (Art. 2(2)(b)–(e), 3(1)(e)) is for entities of a type
		// in Annex I or II; domain name registration services are in neither.
		notes = append(notes, Reason{
			Rule:    "designation_not_applicable",
			Article: "art. 2 lid 2 onder b–e en art. 3 lid 1 onder e NIS2",
			Msg:     i18n.M("scope.reason.designation_not_applicable"),
		})
	case Class(in.Designated) == ClassEssential:
		findings = append(findings, scopeFinding{ClassEssential, Reason{
			Rule:    "designated_essential",
			Article: "art. 2 lid 2 onder b–e en art. 3 lid 1 onder e NIS2 · " + cbwScope,
			Msg:     i18n.M("scope.reason.designated_essential"),
		}})
	case Class(in.Designated) == ClassImportant:
		findings = append(findings, scopeFinding{ClassImportant, Reason{
			Rule:    "designated_important",
			Article: "art. 2 lid 2 onder b–e en art. 3 lid 2 NIS2 · " + cbwScope,
			Msg:     i18n.M("scope.reason.designated_important"),
		}})
	}
	// Strictest first; the stable sort keeps input order among equals, so
	// the deciding reason is the first rule that reached the final class.
	slices.SortStableFunc(findings, func(a, b scopeFinding) int { return b.class.rank() - a.class.rank() })
	return findings, notes
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
// [--qualified] [--critical-entity] [--designated essential|important]
// [--exclusion security|exempted|judiciary] [--main-establishment-elsewhere]
// [--dora] [--public-control] [--prev-employees N --prev-turnover EUR
// --prev-balance EUR] [--linked N:EUR:EUR]… [--partner PCT:N:EUR:EUR]….
// The three figures are required, so a forgotten one cannot silently make an
// organisation micro; linked and partner enterprises are added to them with
// Aggregate in Assess. Numbers are plain decimal whole numbers.
func ParseArgs(args []string) (Input, error) {
	var in Input
	var prev Figures
	var others []Holding
	fs := flag.NewFlagSet("scope", flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	fs.Func("subsector", "subsector code (repeatable; see --list)", func(v string) error {
		in.Subsectors = append(in.Subsectors, v)
		return nil
	})
	intFlag := func(name, usage string, dst *int) {
		fs.Func(name, usage, func(v string) error {
			n, err := parseWhole(v, strconv.IntSize)
			*dst = int(n)
			return err
		})
	}
	moneyFlag := func(name, usage string, dst *int64) {
		fs.Func(name, usage, func(v string) error {
			n, err := parseWhole(v, 64)
			*dst = n
			return err
		})
	}
	intFlag("employees", "staff in annual work units", &in.Employees)
	moneyFlag("turnover", "annual turnover in whole euros", &in.TurnoverEUR)
	moneyFlag("balance", "balance sheet total in whole euros", &in.BalanceEUR)
	intFlag("prev-employees", "staff in the previous accounting period", &prev.Employees)
	moneyFlag("prev-turnover", "turnover in the previous accounting period", &prev.TurnoverEUR)
	moneyFlag("prev-balance", "balance sheet total in the previous accounting period", &prev.BalanceEUR)
	fs.Func("linked", "linked enterprise (more than 50 %): STAFF:TURNOVER:BALANCE (repeatable)", func(v string) error {
		h, err := parseHolding("100:" + v)
		others = append(others, h)
		return err
	})
	fs.Func("partner", "partner enterprise: PCT:STAFF:TURNOVER:BALANCE; 25–50 % pro rata, above 50 % in full, below 25 % not counted (repeatable)", func(v string) error {
		h, err := parseHolding(v)
		others = append(others, h)
		return err
	})
	fs.BoolVar(&in.Qualified, "qualified", false, "qualified trust service provider")
	fs.BoolVar(&in.CriticalEntity, "critical-entity", false, "designated critical entity (CER / Wwke)")
	fs.StringVar(&in.Designated, "designated", "", "designated by the authority: essential or important")
	fs.StringVar(&in.Exclusion, "exclusion", "", "security, exempted or judiciary (Art. 2(7)–(8), Art. 6 NIS2)")
	fs.BoolVar(&in.MainEstablishmentElsewhere, "main-establishment-elsewhere", false, "main establishment in another member state (Art. 26)")
	fs.BoolVar(&in.DORA, "dora", false, "financial entity covered by DORA (Art. 4)")
	fs.BoolVar(&in.PublicControl, "public-control", false, "25 % or more controlled by public bodies (Rec. 2003/361 Annex art. 3(4))")
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
	if set["prev-employees"] || set["prev-turnover"] || set["prev-balance"] {
		for _, name := range []string{"prev-employees", "prev-turnover", "prev-balance"} {
			if !set[name] {
				return Input{}, &InputError{strings.ReplaceAll(name, "-", "_"), "--" + name + " is required with the other --prev-* flags"}
			}
		}
		in.Previous = &prev
	}
	in.Others = others
	if err := in.Validate(); err != nil {
		return Input{}, err
	}
	return in, nil
}

// parseHolding reads PCT:STAFF:TURNOVER:BALANCE.
func parseHolding(v string) (Holding, error) {
	parts := strings.Split(v, ":")
	if len(parts) != 4 {
		return Holding{}, errors.New("want STAFF:TURNOVER:BALANCE (linked) or PCT:STAFF:TURNOVER:BALANCE (partner)")
	}
	var n [4]int64
	for i, p := range parts {
		x, err := parseWhole(p, 64)
		if err != nil {
			return Holding{}, err
		}
		if x < 0 || x >= maxFigure {
			return Holding{}, errors.New("figures must be 0 or more and below 2^53")
		}
		n[i] = x
	}
	if n[0] > 100 {
		return Holding{}, errors.New("share must be 0–100")
	}
	return Holding{Figures{int(n[1]), n[2], n[3]}, int(n[0])}, nil
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
