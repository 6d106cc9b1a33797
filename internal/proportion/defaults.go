package proportion

import "github.com/weerbaar/weerbaar/internal/i18n"

// DefaultSensitivity is the reference sensitivity of one measure with the
// reason for it, shown to the entity admin who may adjust the numbers. The
// reasons are Weerbaar's judgement, not law.
type DefaultSensitivity struct {
	Code        string
	Sensitivity Sensitivity
	Rationale   i18n.Text
}

// Defaults returns the reference sensitivities of the ten measures a–j of
// Art. 21(2) NIS2, in code order. Seed the measure reference data from it;
// saved results keep the sensitivities they were computed with, so changing a
// default later does not change an old result. The slice is a fresh copy.
func Defaults() []DefaultSensitivity {
	return append([]DefaultSensitivity(nil), defaults...)
}

var defaults = []DefaultSensitivity{
	{"a", Sensitivity{Exposure: 0.6, Size: 0.7, Likelihood: 0.6, Impact: 0.7, Class: 0.5},
		i18n.Text{NL: "Risicoanalyse en beveiligingsbeleid zijn de basis voor alle andere maatregelen en hangen dus van alle factoren af. Omvang en impact wegen iets zwaarder: een grote organisatie met veel op het spel heeft een formeler en vaker herzien beleid nodig.",
			EN: "Risk analysis and security policy underpin every other measure, so they follow all factors. Size and impact weigh a little more: a large organisation with much at stake needs a more formal, more often reviewed policy."}},
	{"b", Sensitivity{Exposure: 0.8, Size: 0.4, Likelihood: 0.9, Impact: 0.7, Class: 0.5},
		i18n.Text{NL: "Incidentenbehandeling moet vooral volwassen zijn waar incidenten waarschijnlijk zijn en de blootstelling groot is; de impact bepaalt hoe snel en hoe goed de respons moet zijn. Omvang telt minder: ook een kleine organisatie moet binnen 24 uur kunnen waarschuwen.",
			EN: "Incident handling must be mature above all where incidents are likely and exposure is high; impact decides how fast and how good the response must be. Size counts less: a small organisation must also be able to send an early warning within 24 hours."}},
	{"c", Sensitivity{Exposure: 0.3, Size: 0.5, Likelihood: 0.6, Impact: 1.0, Class: 0.5},
		i18n.Text{NL: "Bedrijfscontinuïteit (back-ups, herstelplannen, crisisbeheer) draait om de gevolgen van uitval: de ernst van de impact, inclusief maatschappelijke gevolgen, weegt het zwaarst. Blootstelling telt weinig, want uitval heeft ook niet-digitale oorzaken.",
			EN: "Business continuity (backups, disaster recovery, crisis management) is about the consequences of disruption: severity of impact, societal impact included, weighs most. Exposure counts little, since outages also have non-digital causes."}},
	{"d", Sensitivity{Exposure: 0.9, Size: 0.8, Likelihood: 0.4, Impact: 0.5, Class: 0.4},
		i18n.Text{NL: "Ketenbeveiliging volgt de blootstelling via leveranciers en beheerpartijen, en de omvang: grotere organisaties hebben meer en kritiekere leveranciers en meer inkoopmacht om eisen te stellen.",
			EN: "Supply chain security follows exposure through suppliers and service providers, and size: larger organisations have more and more critical suppliers and more purchasing power to impose requirements."}},
	{"e", Sensitivity{Exposure: 0.9, Size: 0.5, Likelihood: 0.6, Impact: 0.5, Class: 0.4},
		i18n.Text{NL: "Veilig verwerven, ontwikkelen en onderhouden (patchen, configuratie, kwetsbaarheden) is het belangrijkst waar veel systemen bereikbaar zijn voor aanvallers: blootstelling weegt het zwaarst.",
			EN: "Secure acquisition, development and maintenance (patching, configuration, vulnerability handling) matters most where many systems are reachable by attackers: exposure weighs most."}},
	{"f", Sensitivity{Exposure: 0.2, Size: 0.9, Likelihood: 0.3, Impact: 0.4, Class: 1.0},
		i18n.Text{NL: "Het beoordelen van de effectiviteit (metingen, audits, managementreview) schaalt met de omvang van de organisatie en met de klasse: essentiële entiteiten krijgen toezicht vooraf en moeten de werking van hun maatregelen kunnen aantonen.",
			EN: "Assessing effectiveness (metrics, audits, management review) scales with the size of the organisation and with its class: essential entities are supervised in advance and must be able to show that their measures work."}},
	{"g", Sensitivity{Exposure: 0.7, Size: 0.3, Likelihood: 0.7, Impact: 0.3, Class: 0.3},
		i18n.Text{NL: "Basishygiëne en training zijn goedkoop en voor iedereen nodig; ze worden belangrijker naarmate medewerkers vaker doelwit zijn (blootstelling) en incidenten waarschijnlijker zijn. Omvang en impact tellen weinig.",
			EN: "Basic hygiene and training are cheap and needed by everyone; they matter more as staff are targeted more often (exposure) and incidents are more likely. Size and impact count little."}},
	{"h", Sensitivity{Exposure: 0.8, Size: 0.2, Likelihood: 0.3, Impact: 0.8, Class: 0.3},
		i18n.Text{NL: "Cryptografie beschermt gegevens die onderweg of opgeslagen bereikbaar zijn voor anderen: blootstelling, en de impact van een lek van vertrouwelijke of de manipulatie van integere gegevens, wegen het zwaarst.",
			EN: "Cryptography protects data that others can reach in transit or at rest: exposure, and the impact of leaking confidential or tampering with critical data, weigh most."}},
	{"i", Sensitivity{Exposure: 0.5, Size: 0.8, Likelihood: 0.5, Impact: 0.6, Class: 0.4},
		i18n.Text{NL: "Personeelsbeveiliging, toegangsbeleid en assetbeheer worden zwaarder naarmate er meer mensen, rollen en middelen zijn: omvang weegt het zwaarst, gevolgd door impact.",
			EN: "HR security, access control and asset management grow with the number of people, roles and assets: size weighs most, followed by impact."}},
	{"j", Sensitivity{Exposure: 1.0, Size: 0.2, Likelihood: 0.6, Impact: 0.6, Class: 0.3},
		i18n.Text{NL: "Multifactorauthenticatie en beveiligde communicatie zijn de eerste verdediging tegen aanvallen van buiten: zeer gevoelig voor blootstelling. Omvang telt nauwelijks; MFA is ook voor kleine organisaties eenvoudig in te voeren.",
			EN: "Multi-factor authentication and secured communications are the first defence against attacks from outside: highly sensitive to exposure. Size hardly counts; MFA is easy to introduce for small organisations too."}},
}
