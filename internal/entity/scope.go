package entity

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"slices"
	"strconv"
	"strings"

	"github.com/weerbaar/weerbaar/internal/i18n"
)

// ScopeEngineVersion is stored with every assessment, so an old result can be
// explained with the rules that produced it after the rules change.
const ScopeEngineVersion = "scope-2026.1"

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

// ScopeInput is what an organisation tells us about itself. The engine takes
// it at its word; the reasons say which figures it used.
type ScopeInput struct {
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
func (in ScopeInput) Validate() error {
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

// Reason is one step of the assessment in plain words, with the articles it
// rests on, so a board member can follow and an auditor can check it.
type Reason struct {
	// Rule is a stable snake_case id, e.g. "annex1_large".
	Rule    string `json:"rule"`
	Article string `json:"article"`
	TextNL  string `json:"text_nl"`
	TextEN  string `json:"text_en"`
}

// ScopeResult is the outcome of AssessScope. Reasons start with the size
// class, then the reason that decided the class, then every other rule that
// applied, then notes (DORA, guidance).
type ScopeResult struct {
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

// AssessScope classifies an organisation under NIS2 Art. 2–3 and the Dutch
// Cbw. It is pure: the same input gives the same result. The strictest class
// over all subsectors and designations wins; every rule that applied is
// listed so the user sees the full picture.
func AssessScope(in ScopeInput) (ScopeResult, error) {
	if err := in.Validate(); err != nil {
		return ScopeResult{}, err
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
			TextNL:  "U bent aangewezen als kritieke entiteit onder de CER-richtlijn (in Nederland de Wet weerbaarheid kritieke entiteiten). Zo'n organisatie is altijd een essentiële entiteit, hoe groot of klein ook.",
			TextEN:  "You are designated as a critical entity under the CER Directive (in the Netherlands the Critical Entities Resilience Act, Wwke). Such an organisation is always an essential entity, whatever its size.",
		}})
	}
	switch Class(in.Designated) {
	case ClassEssential:
		findings = append(findings, scopeFinding{ClassEssential, Reason{
			Rule:    "designated_essential",
			Article: "art. 2 lid 2 onder b–e en art. 3 lid 1 onder e NIS2 · " + cbwScope,
			TextNL:  "De overheid heeft u aangewezen als essentiële entiteit, bijvoorbeeld omdat u de enige aanbieder van een onmisbare dienst bent of omdat een storing bij u grote gevolgen heeft. Die aanwijzing geldt ongeacht uw omvang.",
			TextEN:  "The government has designated you as an essential entity, for example because you are the sole provider of a vital service or because a disruption at your organisation would have serious consequences. The designation applies whatever your size.",
		}})
	case ClassImportant:
		findings = append(findings, scopeFinding{ClassImportant, Reason{
			Rule:    "designated_important",
			Article: "art. 2 lid 2 onder b–e en art. 3 lid 2 NIS2 · " + cbwScope,
			TextNL:  "De overheid heeft u aangewezen als belangrijke entiteit. U bent dus ten minste een belangrijke entiteit; volgt uit een andere regel een strengere klasse, dan blijft die gelden.",
			TextEN:  "The government has designated you as an important entity. You are therefore at least an important entity; if another rule gives a stricter class, that class stands.",
		}})
	}

	// Strictest first; the stable sort keeps input order among equals, so
	// the deciding reason is the first rule that reached the final class.
	slices.SortStableFunc(findings, func(a, b scopeFinding) int { return b.class.rank() - a.class.rank() })

	res := ScopeResult{
		Class:         findings[0].class,
		Size:          size,
		EngineVersion: ScopeEngineVersion,
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
	name := func(nl bool) string {
		if nl {
			return "De subsector " + s.NameNL + " (" + s.SectorNL + ")"
		}
		return "The subsector " + s.NameEN + " (" + s.SectorEN + ")"
	}
	small := sizeRank(size) < sizeRank(SizeMedium)
	switch s.Code {
	case "digital.trust_service":
		if qualified {
			return scopeFinding{ClassEssential, Reason{
				Rule:    "any_size_qualified_trust_service",
				Article: "art. 2 lid 2 onder a onder ii en art. 3 lid 1 onder b NIS2 · " + cbwScope,
				TextNL:  "U bent een gekwalificeerde verlener van vertrouwensdiensten. Die is altijd een essentiële entiteit, hoe groot of klein ook.",
				TextEN:  "You are a qualified trust service provider. That is always an essential entity, whatever its size.",
			}}
		}
		if small {
			return scopeFinding{ClassImportant, Reason{
				Rule:    "any_size_trust_service",
				Article: "art. 2 lid 2 onder a onder ii en art. 3 lid 2 NIS2 · " + cbwScope,
				TextNL:  "U verleent vertrouwensdiensten, maar niet als gekwalificeerde verlener. Ook een kleine of micro-organisatie valt daarmee onder NIS2, als belangrijke entiteit.",
				TextEN:  "You provide trust services, but not as a qualified provider. Even a small or micro organisation is then covered by NIS2, as an important entity.",
			}}
		}
	case "digital.tld":
		return scopeFinding{ClassEssential, Reason{
			Rule:    "any_size_tld",
			Article: "art. 2 lid 2 onder a onder iii en art. 3 lid 1 onder b NIS2 · " + cbwScope,
			TextNL:  "Een register voor topleveldomeinnamen is altijd een essentiële entiteit, hoe groot of klein ook.",
			TextEN:  "A top-level domain name registry is always an essential entity, whatever its size.",
		}}
	case "digital.dns":
		return scopeFinding{ClassEssential, Reason{
			Rule:    "any_size_dns",
			Article: "art. 2 lid 2 onder a onder iii en art. 3 lid 1 onder b NIS2 · " + cbwScope,
			TextNL:  "Een DNS-dienstverlener is altijd een essentiële entiteit, hoe groot of klein ook.",
			TextEN:  "A DNS service provider is always an essential entity, whatever its size.",
		}}
	case "digital.public_electronic_communications":
		if small {
			return scopeFinding{ClassImportant, Reason{
				Rule:    "any_size_public_ecomms",
				Article: "art. 2 lid 2 onder a onder i en art. 3 lid 2 NIS2 · " + cbwScope,
				TextNL:  "U biedt openbare elektronische communicatienetwerken of -diensten aan. Ook als kleine of micro-organisatie valt u daarmee onder NIS2, als belangrijke entiteit.",
				TextEN:  "You provide public electronic communications networks or services. Even as a small or micro organisation you are then covered by NIS2, as an important entity.",
			}}
		}
		return scopeFinding{ClassEssential, Reason{
			Rule:    "public_ecomms_medium_or_larger",
			Article: "art. 3 lid 1 onder a en c NIS2 · " + cbwScope,
			TextNL:  "U biedt openbare elektronische communicatienetwerken of -diensten aan en bent middelgroot of groter. Dan bent u een essentiële entiteit.",
			TextEN:  "You provide public electronic communications networks or services and are medium-sized or larger. That makes you an essential entity.",
		}}
	case "digital.domain_registration":
		return scopeFinding{ClassRegistrationOnly, Reason{
			Rule:    "domain_registration",
			Article: "art. 2 lid 4, art. 3 lid 3 en 4, art. 27 en 28 NIS2 · art. 44 en 47 Cbw",
			TextNL:  "Domeinnaamregistratiediensten vallen ongeacht hun omvang onder NIS2, maar alleen voor registratie: u geeft uw gegevens door aan de overheid en houdt juiste en volledige registratiegegevens van domeinnamen bij (WHOIS). Daarmee bent u nog geen essentiële of belangrijke entiteit.",
			TextEN:  "Domain name registration services are covered by NIS2 whatever their size, but only for registration: you submit your details to the government and keep accurate and complete domain name registration data (WHOIS). That alone does not make you an essential or important entity.",
		}}
	case "public_administration.central":
		return scopeFinding{ClassEssential, Reason{
			Rule:    "any_size_central_government",
			Article: "art. 2 lid 2 onder f onder i en art. 3 lid 1 onder d NIS2 · " + cbwScope,
			TextNL:  "Een overheidsinstantie van de centrale overheid is altijd een essentiële entiteit, hoe groot of klein ook.",
			TextEN:  "A central government body is always an essential entity, whatever its size.",
		}}
	case "public_administration.province":
		return decentralFinding("any_size_province", "art. 2 lid 2 onder f onder ii NIS2", "provincies", "provinces")
	case "public_administration.municipality":
		return decentralFinding("any_size_municipality", "art. 2 lid 5 onder a NIS2", "gemeenten", "municipalities")
	case "public_administration.water_board":
		return decentralFinding("any_size_water_board", "art. 2 lid 2 onder f onder ii NIS2", "waterschappen", "water boards")
	}

	switch {
	case s.Annex == 1 && size == SizeLarge:
		return scopeFinding{ClassEssential, Reason{
			Rule:    "annex1_large",
			Article: "art. 3 lid 1 onder a NIS2 · " + cbwScope,
			TextNL:  name(true) + " staat in bijlage I van NIS2: sectoren die voor de samenleving zeer kritiek zijn. Een grote organisatie in zo'n sector is een essentiële entiteit.",
			TextEN:  name(false) + " is listed in Annex I of NIS2: sectors of high criticality. A large organisation in such a sector is an essential entity.",
		}}
	case s.Annex == 1 && size == SizeMedium:
		return scopeFinding{ClassImportant, Reason{
			Rule:    "annex1_medium",
			Article: "art. 2 lid 1 en art. 3 lid 2 NIS2 · " + cbwScope,
			TextNL:  name(true) + " staat in bijlage I van NIS2: sectoren die voor de samenleving zeer kritiek zijn. Een middelgrote organisatie in zo'n sector is een belangrijke entiteit.",
			TextEN:  name(false) + " is listed in Annex I of NIS2: sectors of high criticality. A medium-sized organisation in such a sector is an important entity.",
		}}
	case s.Annex == 1:
		return scopeFinding{ClassOutOfScope, Reason{
			Rule:    "annex1_below_threshold",
			Article: "art. 2 lid 1 NIS2 · " + cbwScope,
			TextNL:  name(true) + " staat in bijlage I van NIS2, maar een kleine of micro-organisatie valt daar alleen onder als een regel voor elke omvang geldt of de overheid haar aanwijst. Op grond van deze subsector valt u buiten NIS2.",
			TextEN:  name(false) + " is listed in Annex I of NIS2, but a small or micro organisation is only covered when a rule for every size applies or the government designates it. On the basis of this subsector you are outside NIS2.",
		}}
	case s.Annex == 2 && !small:
		return scopeFinding{ClassImportant, Reason{
			Rule:    "annex2_medium_or_large",
			Article: "art. 2 lid 1 en art. 3 lid 2 NIS2 · " + cbwScope,
			TextNL:  name(true) + " staat in bijlage II van NIS2: andere kritieke sectoren. Een middelgrote of grote organisatie in zo'n sector is een belangrijke entiteit.",
			TextEN:  name(false) + " is listed in Annex II of NIS2: other critical sectors. A medium-sized or large organisation in such a sector is an important entity.",
		}}
	default:
		return scopeFinding{ClassOutOfScope, Reason{
			Rule:    "annex2_below_threshold",
			Article: "art. 2 lid 1 NIS2 · " + cbwScope,
			TextNL:  name(true) + " staat in bijlage II van NIS2, maar een kleine of micro-organisatie valt daar alleen onder als een regel voor elke omvang geldt of de overheid haar aanwijst. Op grond van deze subsector valt u buiten NIS2.",
			TextEN:  name(false) + " is listed in Annex II of NIS2, but a small or micro organisation is only covered when a rule for every size applies or the government designates it. On the basis of this subsector you are outside NIS2.",
		}}
	}
}

// decentralFinding is the Dutch choice (Cbw) to make provinces,
// municipalities and water boards essential whatever their size; NIS2 leaves
// regional and local government to the member states.
func decentralFinding(rule, nis2, whoNL, whoEN string) scopeFinding {
	return scopeFinding{ClassEssential, Reason{
		Rule:    rule,
		Article: nis2 + " · " + cbwScope,
		TextNL:  "De Cyberbeveiligingswet maakt " + whoNL + " altijd een essentiële entiteit, hoe groot of klein ook. NIS2 zelf laat die keuze voor regionale en lokale overheden aan de lidstaten; Nederland heeft hem zo gemaakt.",
		TextEN:  "The Dutch Cyber Security Act (Cbw) makes " + whoEN + " an essential entity whatever their size. NIS2 itself leaves this choice for regional and local government to the member states; the Netherlands made it this way.",
	}}
}

func doraReason(s Subsector) Reason {
	return Reason{
		Rule:    "lex_specialis_dora",
		Article: "art. 4 NIS2 · Verordening (EU) 2022/2554 (DORA)",
		TextNL:  "Voor " + strings.ToLower(s.NameNL) + " gaat DORA (Verordening (EU) 2022/2554) voor op NIS2: de maatregelen tegen digitale risico's en het melden van incidenten regelt u volgens DORA, onder toezicht van uw financiële toezichthouder. De NIS2-klasse hierboven laten we toch zien, zodat u het hele beeld hebt.",
		TextEN:  "For " + strings.ToLower(s.NameEN) + ", DORA (Regulation (EU) 2022/2554) takes precedence over NIS2: you follow DORA for ICT risk measures and incident reporting, supervised by your financial supervisor. We still show the NIS2 class above so you have the full picture.",
	}
}

func unverifiedReason(r subsectorRecord) Reason {
	return Reason{
		Rule:    "unverified_reference_data",
		Article: "art. 15 Cbw",
		TextNL:  "Let op, richtlijn: niet alle gegevens over " + strings.ToLower(r.NameNL) + " zijn bevestigd. " + r.NoteNL,
		TextEN:  "Note, guidance only: not all data on " + strings.ToLower(r.NameEN) + " is confirmed. " + r.NoteEN,
	}
}

// guidanceReason closes every result: it is an assessment on the user's own
// figures, and the Cbw article numbers follow the bill until checked.
var guidanceReason = Reason{
	Rule:    "guidance",
	Article: "Kamerstukken II 36 764 (Cbw)",
	TextNL:  "Dit is een inschatting op basis van uw eigen opgave, geen juridisch advies. Verwijzingen naar de Cyberbeveiligingswet volgen het wetsvoorstel; controleer ze op wetten.overheid.nl. De bevoegde autoriteit kan u ook zonder deze uitkomst aanwijzen.",
	TextEN:  "This is an assessment based on your own figures, not legal advice. References to the Dutch Cyber Security Act (Cbw) follow the bill; check them on wetten.overheid.nl. The competent authority can also designate you regardless of this outcome.",
}

var (
	scopeCtxNL = i18n.WithLang(context.Background(), i18n.NL)
	scopeCtxEN = i18n.WithLang(context.Background(), i18n.EN)
)

// scopeEuro formats whole euros as "€ 10.000.000" (nl) or "€10,000,000" (en).
func scopeEuro(nl bool, n int64) string {
	if nl {
		return "€ " + i18n.Int(scopeCtxNL, n)
	}
	return "€" + i18n.Int(scopeCtxEN, n)
}

func scopeCount(nl bool, n int) string {
	if nl {
		return i18n.Int(scopeCtxNL, int64(n))
	}
	return i18n.Int(scopeCtxEN, int64(n))
}

var sizeNames = map[Size][2]string{
	SizeMicro:  {"micro", "micro"},
	SizeSmall:  {"klein", "small"},
	SizeMedium: {"middelgroot", "medium-sized"},
	SizeLarge:  {"groot", "large"},
}

// sizeReason explains the size class with the user's figures, the ceilings
// of that class and which ceiling of the class below was passed.
func sizeReason(size Size, employees int, turnover, balance int64) Reason {
	text := func(nl bool) string {
		lang := 1
		if nl {
			lang = 0
		}
		var b strings.Builder
		if nl {
			fmt.Fprintf(&b, "Grootteklasse: %s. U telt %s medewerkers (omgerekend naar voltijdbanen per jaar), een jaaromzet van %s en een balanstotaal van %s.",
				sizeNames[size][0], scopeCount(nl, employees), scopeEuro(nl, turnover), scopeEuro(nl, balance))
		} else {
			fmt.Fprintf(&b, "Size class: %s. You have %s staff (in annual work units), an annual turnover of %s and a balance sheet total of %s.",
				sizeNames[size][1], scopeCount(nl, employees), scopeEuro(nl, turnover), scopeEuro(nl, balance))
		}
		// sizeLimits is indexed by sizeRank: micro 0, small 1, medium 2.
		if r := sizeRank(size); r < len(sizeLimits) {
			l := sizeLimits[r]
			if nl {
				fmt.Fprintf(&b, " %s betekent: minder dan %s medewerkers én een omzet van hoogstens %s of een balanstotaal van hoogstens %s.",
					scopeCapitalize(sizeNames[size][0]), scopeCount(nl, l.staff), scopeEuro(nl, l.turnover), scopeEuro(nl, l.balance))
			} else {
				fmt.Fprintf(&b, " %s means fewer than %s staff and a turnover of at most %s or a balance sheet total of at most %s.",
					scopeCapitalize(sizeNames[size][1]), scopeCount(nl, l.staff), scopeEuro(nl, l.turnover), scopeEuro(nl, l.balance))
			}
		}
		if r := sizeRank(size); r > 0 {
			below := sizeLimits[r-1]
			var why []string
			if employees >= below.staff {
				if nl {
					why = append(why, fmt.Sprintf("u %s of meer medewerkers telt", scopeCount(nl, below.staff)))
				} else {
					why = append(why, fmt.Sprintf("you have %s or more staff", scopeCount(nl, below.staff)))
				}
			}
			if turnover > below.turnover && balance > below.balance {
				if nl {
					why = append(why, fmt.Sprintf("zowel uw omzet boven %s als uw balanstotaal boven %s ligt", scopeEuro(nl, below.turnover), scopeEuro(nl, below.balance)))
				} else {
					why = append(why, fmt.Sprintf("both your turnover is above %s and your balance sheet total is above %s", scopeEuro(nl, below.turnover), scopeEuro(nl, below.balance)))
				}
			}
			if nl {
				fmt.Fprintf(&b, " U bent niet %s, omdat %s.", sizeNames[below.size][lang], strings.Join(why, " en "))
			} else {
				fmt.Fprintf(&b, " You are not %s because %s.", sizeNames[below.size][lang], strings.Join(why, " and "))
			}
		}
		if nl {
			b.WriteString(" Tel medewerkers en bedragen van partner- en verbonden ondernemingen mee.")
		} else {
			b.WriteString(" Include the staff and amounts of partner and linked enterprises.")
		}
		return b.String()
	}
	return Reason{
		Rule:    "size_class",
		Article: "art. 2 bijlage Aanbeveling 2003/361/EG · art. 2 lid 1 NIS2",
		TextNL:  text(true),
		TextEN:  text(false),
	}
}

func scopeCapitalize(s string) string {
	if s == "" {
		return s
	}
	return strings.ToUpper(s[:1]) + s[1:]
}

// ParseScopeArgs parses the `weerbaar scope` flags into a validated input:
// --subsector CODE (repeatable) --employees N --turnover EUR --balance EUR
// [--qualified] [--critical-entity] [--designated essential|important].
// The three figures are required, so a forgotten one cannot silently make an
// organisation micro. Numbers are plain decimal whole numbers.
func ParseScopeArgs(args []string) (ScopeInput, error) {
	var in ScopeInput
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
		return ScopeInput{}, err
	}
	if fs.NArg() > 0 {
		return ScopeInput{}, fmt.Errorf("unexpected argument %q", fs.Arg(0))
	}
	set := map[string]bool{}
	fs.Visit(func(f *flag.Flag) { set[f.Name] = true })
	if len(in.Subsectors) == 0 {
		return ScopeInput{}, &InputError{"subsector", "at least one --subsector is required (see `weerbaar scope --list`)"}
	}
	for _, name := range []string{"employees", "turnover", "balance"} {
		if !set[name] {
			return ScopeInput{}, &InputError{name, "--" + name + " is required"}
		}
	}
	if err := in.Validate(); err != nil {
		return ScopeInput{}, err
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
