package proportion

import "github.com/weerbaar/weerbaar/internal/i18n"

// Guidance describes one level of one factor for the scoring form, so that two
// officers who look at the same organisation pick the same level. Texts are
// guidance written for Weerbaar, not law; the size and class texts restate the
// NIS2 thresholds the scope assessment uses.
type Guidance struct {
	Factor string // "exposure", "size", "likelihood", "impact", "class"
	Level  string // "1".."5", a Size or a Class
	// Label is the short name of the level, e.g. "hoog"/"high", for select
	// options and the explanation texts.
	Label i18n.Text
	Text  i18n.Text
}

// FactorGuidance returns the guidance for every level of every factor, in the
// order exposure 1–5, size micro–large, likelihood 1–5, impact 1–5, class
// important–essential. The slice is a fresh copy the caller may modify.
func FactorGuidance() []Guidance {
	return append([]Guidance(nil), guidance...)
}

// levelLabel is the short label of a factor level, for the explanations.
func levelLabel(factor, level string) i18n.Text {
	for _, g := range guidance {
		if g.Factor == factor && g.Level == level {
			return g.Label
		}
	}
	return i18n.Text{NL: level, EN: level}
}

var guidance = []Guidance{
	// Exposure to risk: how visible, reachable and attractive the entity's
	// network and information systems are to attackers and other hazards.
	{FactorExposure, "1", i18n.Text{NL: "zeer laag", EN: "very low"},
		i18n.Text{NL: "Weinig systemen, nauwelijks vanaf internet bereikbaar (alleen e-mail en website bij een grote aanbieder). Geen bekende belangstelling van aanvallers voor de organisatie of sector; weinig afhankelijkheid van leveranciers.",
			EN: "Few systems, hardly reachable from the internet (only e-mail and a website at a large provider). No known attacker interest in the organisation or its sector; little dependence on suppliers."}},
	{FactorExposure, "2", i18n.Text{NL: "laag", EN: "low"},
		i18n.Text{NL: "Enkele internetdiensten of beperkte toegang op afstand. De sector is vooral doelwit van ongerichte aanvallen (phishing, massascans); een paar belangrijke leveranciers.",
			EN: "A few internet-facing services or limited remote access. The sector mainly sees untargeted attacks (phishing, mass scanning); a few important suppliers."}},
	{FactorExposure, "3", i18n.Text{NL: "gemiddeld", EN: "moderate"},
		i18n.Text{NL: "Meerdere internetdiensten, klant- of burgerportalen of toegang op afstand voor veel medewerkers en leveranciers. De sector wordt regelmatig getroffen door ransomware of fraude; diensten hangen af van enkele kritieke leveranciers (cloud, beheerpartij).",
			EN: "Several internet-facing services, customer or citizen portals, or remote access for many staff and suppliers. The sector is regularly hit by ransomware or fraud; services depend on a few critical suppliers (cloud, managed service provider)."}},
	{FactorExposure, "4", i18n.Text{NL: "hoog", EN: "high"},
		i18n.Text{NL: "Groot aanvalsoppervlak: veel internetdiensten, gekoppelde operationele technologie (OT) of ketenkoppelingen. De sector wordt actief en gericht aangevallen (waarschuwingen van NCSC of sector-CERT); de organisatie beheert waardevolle gegevens, geld of toegang tot anderen.",
			EN: "Large attack surface: many internet-facing services, connected operational technology (OT) or links into other organisations' systems. The sector is actively and deliberately targeted (NCSC or sector CERT warnings); the organisation holds valuable data, money or access to others."}},
	{FactorExposure, "5", i18n.Text{NL: "zeer hoog", EN: "very high"},
		i18n.Text{NL: "Een bekend doelwit van statelijke actoren of georganiseerde criminaliteit, of een knooppunt waar veel anderen van afhangen (digitale infrastructuur, beheerdienst, vitale aanbieder). Eerdere gerichte aanvallen op de organisatie zelf.",
			EN: "A known target of state actors or organised crime, or a hub many others depend on (digital infrastructure, managed service, critical provider). Earlier targeted attacks on the organisation itself."}},

	// Size: from the scope assessment (Recommendation 2003/361/EC, linked and
	// partner enterprises aggregated).
	{FactorSize, string(SizeMicro), i18n.Text{NL: "micro", EN: "micro"},
		i18n.Text{NL: "Minder dan 10 medewerkers en een jaaromzet of balanstotaal van hoogstens € 2 miljoen (uit de scopebepaling).",
			EN: "Fewer than 10 staff and annual turnover or balance sheet total of at most €2 million (from the scope assessment)."}},
	{FactorSize, string(SizeSmall), i18n.Text{NL: "klein", EN: "small"},
		i18n.Text{NL: "Minder dan 50 medewerkers en een jaaromzet of balanstotaal van hoogstens € 10 miljoen, maar geen micro-onderneming (uit de scopebepaling).",
			EN: "Fewer than 50 staff and annual turnover or balance sheet total of at most €10 million, but not micro (from the scope assessment)."}},
	{FactorSize, string(SizeMedium), i18n.Text{NL: "middelgroot", EN: "medium"},
		i18n.Text{NL: "50 tot 250 medewerkers, of omzet én balanstotaal boven € 10 miljoen, maar niet groot (uit de scopebepaling).",
			EN: "50 to 250 staff, or turnover and balance sheet total both above €10 million, but not large (from the scope assessment)."}},
	{FactorSize, string(SizeLarge), i18n.Text{NL: "groot", EN: "large"},
		i18n.Text{NL: "250 medewerkers of meer, of een jaaromzet boven € 50 miljoen én een balanstotaal boven € 43 miljoen (uit de scopebepaling).",
			EN: "250 staff or more, or annual turnover above €50 million and balance sheet total above €43 million (from the scope assessment)."}},

	// Likelihood of incidents: how often a significant incident is to be
	// expected BEFORE existing controls (inherent likelihood). Scoring it
	// after controls would be circular: better controls would lower the
	// likelihood, and with it the target those controls are measured by.
	{FactorLikelihood, "1", i18n.Text{NL: "zeer klein", EN: "rare"},
		i18n.Text{NL: "Minder dan eens per 10 jaar te verwachten, zonder rekening te houden met de maatregelen die u al heeft (inherente kans). Geen incidenten bij de organisatie of vergelijkbare organisaties bekend.",
			EN: "Expected less than once in 10 years, leaving aside the controls you already have (inherent likelihood). No incidents known at the organisation or at comparable organisations."}},
	{FactorLikelihood, "2", i18n.Text{NL: "klein", EN: "unlikely"},
		i18n.Text{NL: "Ongeveer eens per 5 tot 10 jaar. Incidenten bij vergelijkbare organisaties komen voor, maar zelden.",
			EN: "About once in 5 to 10 years. Incidents at comparable organisations happen, but rarely."}},
	{FactorLikelihood, "3", i18n.Text{NL: "mogelijk", EN: "possible"},
		i18n.Text{NL: "Ongeveer eens per 2 tot 5 jaar. Vergelijkbare organisaties hadden de afgelopen jaren incidenten; bijna-incidenten bij de organisatie zelf.",
			EN: "About once in 2 to 5 years. Comparable organisations had incidents in recent years; near misses at the organisation itself."}},
	{FactorLikelihood, "4", i18n.Text{NL: "waarschijnlijk", EN: "likely"},
		i18n.Text{NL: "Ongeveer eens per jaar. De organisatie had zelf recent een incident of ziet regelmatig geslaagde phishing, malware of storingen.",
			EN: "About once a year. The organisation had an incident recently or regularly sees successful phishing, malware or outages."}},
	{FactorLikelihood, "5", i18n.Text{NL: "bijna zeker", EN: "almost certain"},
		i18n.Text{NL: "Meerdere keren per jaar, of een lopende dreiging: aanhoudende aanvallen of een recent significant incident waarvan de oorzaak nog niet is weggenomen.",
			EN: "Several times a year, or an ongoing threat: sustained attacks or a recent significant incident whose cause has not yet been removed."}},

	// Severity of impact, including societal and economic impact: the worst
	// credible consequence of a significant incident, for the entity and for
	// the recipients of its services and society.
	{FactorImpact, "1", i18n.Text{NL: "verwaarloosbaar", EN: "negligible"},
		i18n.Text{NL: "Hinder voor interne processen, binnen een dag hersteld. Geen gevolgen voor afnemers of de samenleving; geen of onbelangrijke persoonsgegevens.",
			EN: "Nuisance for internal processes, restored within a day. No effect on service recipients or society; no or unimportant personal data."}},
	{FactorImpact, "2", i18n.Text{NL: "beperkt", EN: "limited"},
		i18n.Text{NL: "Dienstverlening aan een deel van de afnemers enkele uren verstoord; financiële schade klein ten opzichte van de omzet; beperkte persoonsgegevens geraakt.",
			EN: "Service to some recipients disrupted for hours; financial loss small relative to turnover; limited personal data affected."}},
	{FactorImpact, "3", i18n.Text{NL: "aanzienlijk", EN: "considerable"},
		i18n.Text{NL: "Dienst een dag of langer onbeschikbaar voor veel afnemers; schade in de buurt van € 500.000 of 5 % van de jaaromzet, als dat lager is (de drempel voor een significant incident, art. 3 lid 1 onder b Uitvoeringsverordening 2024/2690); een meldplichtig datalek.",
			EN: "Service unavailable for a day or more for many recipients; loss approaching €500,000 or 5 % of annual turnover, whichever is lower (the significant-incident threshold, Art. 3(1)(b) of Implementing Regulation 2024/2690); a notifiable personal data breach."}},
	{FactorImpact, "4", i18n.Text{NL: "ernstig", EN: "severe"},
		i18n.Text{NL: "Grootschalige of meerdaagse uitval die duizenden mensen of andere organisaties raakt; schade boven de drempel voor een significant incident; schade aan gezondheid mogelijk; regionale maatschappelijke ontwrichting.",
			EN: "Large-scale or multi-day outage affecting thousands of people or other organisations; loss above the significant-incident threshold; damage to health possible; regional societal disruption."}},
	{FactorImpact, "5", i18n.Text{NL: "zeer ernstig", EN: "very severe"},
		i18n.Text{NL: "Uitval van diensten waar de samenleving van afhangt (water, energie, zorg, overheid, digitale infrastructuur) op landelijke of grensoverschrijdende schaal; gevaar voor mensenlevens; ontwrichting van de economie.",
			EN: "Disruption of services society depends on (water, energy, health, government, digital infrastructure) at national or cross-border scale; danger to life; disruption of the economy."}},

	// Class: from the scope assessment.
	{FactorClass, string(ClassImportant), i18n.Text{NL: "belangrijk", EN: "important"},
		i18n.Text{NL: "Belangrijke entiteit: toezicht achteraf (na signalen of incidenten); boete tot € 7 miljoen of 1,4 % van de wereldwijde jaaromzet, als dat hoger is (art. 34 NIS2). Art. 21 stelt dezelfde eisen als aan essentiële entiteiten.",
			EN: "Important entity: supervision after the fact (on indications or incidents); fines up to €7 million or 1.4 % of worldwide annual turnover, whichever is higher (Art. 34 NIS2). Art. 21 sets the same requirements as for essential entities."}},
	{FactorClass, string(ClassEssential), i18n.Text{NL: "essentieel", EN: "essential"},
		i18n.Text{NL: "Essentiële entiteit: toezicht vooraf (audits, inspecties, scans, opvragen van bewijs; art. 32 NIS2); boete tot € 10 miljoen of 2 % van de wereldwijde jaaromzet, als dat hoger is (art. 34 NIS2). Krijgt een toeslag op gevoelige maatregelen en nooit een lager doel dan een belangrijke entiteit. De toeslag weerspiegelt dat zwaardere toezicht, geen andere wettelijke norm: art. 21 geldt gelijk voor beide klassen.",
			EN: "Essential entity: supervision in advance (audits, inspections, scans, evidence requests; Art. 32 NIS2); fines up to €10 million or 2 % of worldwide annual turnover, whichever is higher (Art. 34 NIS2). Gets a bonus on sensitive measures and never a lower target than an important entity. The bonus reflects that more intensive supervision, not a different legal standard: Art. 21 is the same for both classes."}},
}
