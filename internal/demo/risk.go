package demo

import (
	"context"
	"fmt"
	"strconv"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/weerbaar/weerbaar/internal/audit"
	"github.com/weerbaar/weerbaar/internal/auth"
	"github.com/weerbaar/weerbaar/internal/authz"
	"github.com/weerbaar/weerbaar/internal/evidence"
	"github.com/weerbaar/weerbaar/internal/i18n"
	"github.com/weerbaar/weerbaar/internal/measure"
	"github.com/weerbaar/weerbaar/internal/risk"
)

// demoSupplier is a supplier of the demo analysis.
type demoSupplier struct {
	name, service, certs string
	clauses              []string
	certExpiredDays      int // > 0: expired that many days ago; < 0: valid that many days more
	result               string
	notes                string
}

// The drinking-water company's suppliers: the OT integrator with remote
// access to the treatment plants (on whom two critical jewels depend: a
// concentration warning), the billing SaaS provider, the telecom provider
// of the telemetry links and the laboratory software vendor.
var demoSuppliers = []demoSupplier{
	{name: "AquaControl Automatisering B.V.", service: "Beheer en onderhoud op afstand van SCADA en PLC's van de zuiveringsinstallaties en de telemetrie.",
		certs: "IEC 62443-2-4", clauses: []string{"incident", "vulnerability"}, certExpiredDays: 40, result: "improvements",
		notes: "Toegang op afstand via jump host met MFA; sessies worden nog niet opgenomen."},
	{name: "FacturaCloud B.V.", service: "Klantenportaal, facturatie en incasso als SaaS.", certs: "ISO/IEC 27001:2022",
		clauses: []string{"incident", "audit", "vulnerability", "subcontracting"}, certExpiredDays: -300, result: "sufficient",
		notes: "Exitregeling en teruggave van gegevens nog niet in het contract."},
	{name: "NetLink Telecom", service: "Mobiele datalijnen (LTE-M) voor de telemetrie van het distributienet.", certs: "ISO/IEC 27001:2013",
		clauses: []string{"incident"}, result: ""},
	{name: "LabSys Software", service: "Laboratoriuminformatiesysteem (LIMS) en ondersteuning.", certs: "",
		clauses: []string{"incident", "audit", "vulnerability", "subcontracting", "exit"}, result: "sufficient"},
}

// demoJewel is a crown jewel of the demo analysis.
type demoJewel struct {
	name, level, description string
	a, i, c                  int
	rto, rpo                 string
	suppliers                []string
	dependsOn                []string
}

var demoJewels = []demoJewel{
	{name: "Levering van betrouwbaar drinkwater", level: "goal", description: "Dag en nacht voldoende en veilig drinkwater voor 1,2 miljoen inwoners.", a: 4, i: 4, c: 1},
	{name: "Drinkwaterzuivering", level: "process", description: "Zuivering van grond- en oppervlaktewater op de productielocaties, inclusief dosering van chemicaliën.",
		a: 4, i: 4, c: 2, rto: "4", rpo: "1", dependsOn: []string{"SCADA zuiveringsinstallaties"}},
	{name: "Distributie en drukbeheer", level: "process", description: "Transport naar de klant en sturing van pompen en druk in het leidingnet.",
		a: 4, i: 3, c: 2, rto: "8", rpo: "4", dependsOn: []string{"Telemetrie distributienet"}},
	{name: "Kwaliteitscontrole laboratorium", level: "process", description: "Monsters en analyses volgens het Drinkwaterbesluit; vrijgave van water.",
		a: 3, i: 4, c: 2, rto: "24", rpo: "4", dependsOn: []string{"Laboratoriuminformatiesysteem (LIMS)"}},
	{name: "Klantcontact en facturatie", level: "process", description: "Klantgegevens, verbruik, facturen en incasso.",
		a: 2, i: 3, c: 3, rto: "72", rpo: "24", dependsOn: []string{"Klant- en facturatiesysteem"}},
	{name: "SCADA zuiveringsinstallaties", level: "system", description: "SCADA-servers, HMI's en PLC's van de vier zuiveringsinstallaties (OT).",
		a: 4, i: 4, c: 2, rto: "4", rpo: "1", suppliers: []string{"AquaControl Automatisering B.V."}},
	{name: "Telemetrie distributienet", level: "system", description: "Telemetrie-onderstations en centrale van pompstations, reservoirs en drukmeters.",
		a: 4, i: 3, c: 2, rto: "8", rpo: "4", suppliers: []string{"AquaControl Automatisering B.V.", "NetLink Telecom"}},
	{name: "Klant- en facturatiesysteem", level: "system", description: "SaaS-omgeving met gegevens van 540.000 klanten, inclusief bankrekeningnummers.",
		a: 2, i: 3, c: 4, rto: "72", rpo: "24", suppliers: []string{"FacturaCloud B.V."}},
	{name: "Laboratoriuminformatiesysteem (LIMS)", level: "system", description: "Registratie van monsters, meetwaarden en vrijgave.",
		a: 3, i: 4, c: 2, rto: "24", rpo: "4", suppliers: []string{"LabSys Software"}},
}

// demoScenario is a scenario of the demo analysis: threat is a catalogue
// code, or "" for the entity's own threat (dosing manipulation).
type demoScenario struct {
	jewel, threat string
	aspects       risk.Aspects
	l, i          int
	description   string
}

var (
	aiAspects  = risk.Aspects{Availability: true, Integrity: true}
	aicAspects = risk.Aspects{Availability: true, Integrity: true, Confidentiality: true}
	aAspects   = risk.Aspects{Availability: true}
	iAspects   = risk.Aspects{Integrity: true}
	cAspects   = risk.Aspects{Confidentiality: true}
)

// The inherent picture: the OT of the treatment plants and the supplier's
// remote access sit in the critical corner; customer data and the
// laboratory in the middle.
var demoScenarios = []demoScenario{
	{"SCADA zuiveringsinstallaties", "ransomware", aiAspects, 4, 5, "Ransomware springt van IT naar OT en legt de besturing van de zuivering stil."},
	{"SCADA zuiveringsinstallaties", "supplier_compromise", aicAspects, 4, 5, "Een aanvaller misbruikt de toegang op afstand van de OT-leverancier."},
	{"SCADA zuiveringsinstallaties", "", iAspects, 2, 5, "Doseringsinstellingen van chemicaliën worden ongemerkt gewijzigd."},
	{"SCADA zuiveringsinstallaties", "hardware_failure", aAspects, 3, 3, "Uitval van een PLC of SCADA-server."},
	{"Telemetrie distributienet", "exploited_vulnerability", aiAspects, 3, 4, "Kwetsbaarheid in een telemetrie-onderstation wordt vanaf internet misbruikt."},
	{"Telemetrie distributienet", "utility_outage", aAspects, 3, 3, "Langdurige stroom- of telecomuitval bij pompstations."},
	{"Klant- en facturatiesysteem", "information_theft", cAspects, 3, 4, "Diefstal van klantgegevens en bankrekeningnummers bij de SaaS-leverancier."},
	{"Klant- en facturatiesysteem", "phishing_bec", risk.Aspects{Integrity: true, Confidentiality: true}, 4, 2, "Phishing op medewerkers klantenservice; omgeleide betalingen."},
	{"Laboratoriuminformatiesysteem (LIMS)", "information_manipulation", iAspects, 2, 4, "Onjuiste meetwaarden leiden tot onterechte vrijgave van water."},
	{"Laboratoriuminformatiesysteem (LIMS)", "human_error", iAspects, 3, 2, "Verkeerde invoer van monsters."},
	{"Drinkwaterzuivering", "fire_flood", aiAspects, 1, 5, "Overstroming van een productielocatie."},
	{"Distributie en drukbeheer", "sabotage", aAspects, 1, 4, "Fysieke sabotage van een pompstation."},
}

// demoTreatment is step 3 and 4 of a demo scenario (by jewel and threat
// code, "" for the entity's own threat): its controls, its treatment and,
// for accepted risks, how many months ago that was decided.
type demoTreatment struct {
	jewel, threat string
	controls      []risk.ControlInput
	treatment     string
	justification string
	acceptedAgo   int
}

func ctl(code string, eff risk.Effectiveness, reduces risk.Reduces) risk.ControlInput {
	return risk.ControlInput{RequirementCode: code, Effectiveness: strconv.Itoa(int(eff)), Reduces: string(reduces)}
}

// The residual picture: segmentation and offline back-ups pull OT ransomware
// out of the critical corner, but the OT supplier's remote access stays high
// (the supplier does not support MFA yet), so its acceptance is requested
// from the board; the laboratory's accepted risk is more than 12 months old
// and due for review.
var demoTreatments = []demoTreatment{
	{"SCADA zuiveringsinstallaties", "ransomware", []risk.ControlInput{ctl("6.8", risk.EffModerate, risk.ReducesLikelihood),
		ctl("4.2", risk.EffModerate, risk.ReducesImpact)}, risk.TreatMitigate,
		"Segmentatie IT/OT is er deels; offline back-ups van de OT-configuratie worden nog niet getest.", 0},
	{"SCADA zuiveringsinstallaties", "supplier_compromise", []risk.ControlInput{ctl("5.1", risk.EffLimited, risk.ReducesLikelihood),
		ctl("11.7", risk.EffLimited, risk.ReducesLikelihood)}, risk.TreatAccept,
		"De OT-leverancier ondersteunt nog geen MFA op de onderhoudsverbinding; vervanging staat gepland. Acceptatie tot dan gevraagd aan de directie.", 0},
	{"SCADA zuiveringsinstallaties", "", []risk.ControlInput{ctl("6.7", risk.EffLimited, risk.ReducesLikelihood)}, risk.TreatMitigate,
		"Wijzigingen van doseringsinstellingen krijgen een vier-ogenprincipe en alarmering.", 0},
	{"Telemetrie distributienet", "exploited_vulnerability", []risk.ControlInput{ctl("6.6", risk.EffStrong, risk.ReducesLikelihood)}, risk.TreatAccept,
		"Patchbeleid voor onderstations werkt aantoonbaar; restrisico laag.", 2},
	{"Klant- en facturatiesysteem", "information_theft", []risk.ControlInput{ctl("5.1", risk.EffLimited, risk.ReducesLikelihood)}, risk.TreatTransfer,
		"Aansprakelijkheid contractueel bij de SaaS-leverancier belegd; cyberverzekering dekt de kosten van een datalek.", 0},
	{"Klant- en facturatiesysteem", "phishing_bec", []risk.ControlInput{ctl("8.1", risk.EffModerate, risk.ReducesLikelihood)}, risk.TreatAccept,
		"Bewustwordingsprogramma en betaalverificatie; restrisico laag.", 3},
	{"Laboratoriuminformatiesysteem (LIMS)", "information_manipulation", nil, risk.TreatAccept,
		"Meetwaarden worden steekproefsgewijs handmatig gecontroleerd.", 13},
	{"Drinkwaterzuivering", "fire_flood", []risk.ControlInput{ctl("13.2", risk.EffModerate, risk.ReducesImpact)}, risk.TreatAccept,
		"Hoogwaterbescherming en uitwijklocatie; restrisico laag.", 4},
}

// demoMitigations are the actions of the current (2027) cycle.
var demoMitigations = []struct {
	jewel, threat, title, code string
	dueMonths                  int
}{
	{"SCADA zuiveringsinstallaties", "ransomware", "Hersteltest offline back-ups OT-configuratie", "4.2", 2},
	{"SCADA zuiveringsinstallaties", "ransomware", "Laatste IT/OT-koppelingen achter de datadiode", "6.8", 5},
	{"SCADA zuiveringsinstallaties", "supplier_compromise", "MFA en sessie-opname voor leverancierstoegang", "11.7", 4},
	{"SCADA zuiveringsinstallaties", "", "Vier-ogenprincipe op doseringswijzigingen", "6.7", -1},
}

// seedRisk gives the demo a risk analysis: cycle 2026, adopted by the board
// (approved through an approval request), and cycle 2027 as its copy, in concept, where
// the officer is working.
func seedRisk(ctx context.Context, pool *pgxpool.Pool, officer authz.Actor) error {
	day := time.Now().UTC().Truncate(24 * time.Hour)
	a, err := risk.CreateAnalysis(ctx, pool, officer, risk.AnalysisInput{Period: "2026", ReviewDate: day.AddDate(0, 1, 0).Format("2006-01-02")}, day)
	if err != nil {
		return fmt.Errorf("demo analysis: %w", err)
	}
	supplierIDs := map[string]string{}
	for _, s := range demoSuppliers {
		in := risk.SupplierInput{Name: s.name, Service: s.service, Certifications: s.certs, Clauses: s.clauses,
			AssessmentResult: s.result, Notes: s.notes}
		if s.certExpiredDays != 0 {
			in.CertificationExpiry = day.AddDate(0, 0, -s.certExpiredDays).Format("2006-01-02")
		}
		if s.result != "" {
			in.LastAssessed = day.AddDate(0, -5, 0).Format("2006-01-02")
		}
		saved, err := risk.SaveSupplier(ctx, pool, officer, a.ID, 0, in)
		if err != nil {
			return fmt.Errorf("demo supplier %s: %w", s.name, err)
		}
		supplierIDs[s.name] = strconv.FormatInt(saved.ID, 10)
	}
	jewelIDs := map[string]int64{}
	// Systems first, so processes can depend on them.
	for pass := 0; pass < 2; pass++ {
		for _, j := range demoJewels {
			if (j.level == "system") != (pass == 0) {
				continue
			}
			in := risk.JewelInput{Name: j.name, Level: j.level, Description: j.description, OwnerID: strconv.FormatInt(officer.UserID, 10),
				Availability: strconv.Itoa(j.a), Integrity: strconv.Itoa(j.i), Confidentiality: strconv.Itoa(j.c), RTOHours: j.rto, RPOHours: j.rpo}
			for _, s := range j.suppliers {
				in.Suppliers = append(in.Suppliers, supplierIDs[s])
			}
			for _, d := range j.dependsOn {
				in.DependsOn = append(in.DependsOn, strconv.FormatInt(jewelIDs[d], 10))
			}
			saved, err := risk.SaveJewel(ctx, pool, officer, a.ID, 0, in)
			if err != nil {
				return fmt.Errorf("demo jewel %s: %w", j.name, err)
			}
			jewelIDs[j.name] = saved.ID
		}
	}
	own, err := risk.SaveEntityThreat(ctx, pool, officer, 0, risk.ThreatInput{Name: "Manipulatie van doseringsinstellingen",
		Description: "Opzettelijke wijziging van de dosering van chemicaliën in de zuivering, met gevaar voor de volksgezondheid.",
		Aspects:     risk.Aspects{Availability: true, Integrity: true}})
	if err != nil {
		return fmt.Errorf("demo threat: %w", err)
	}
	scenarios := map[[2]string]risk.Scenario{}
	for _, s := range demoScenarios {
		ref := risk.ThreatRef{Code: s.threat}
		if s.threat == "" {
			ref = risk.ThreatRef{ID: own.ID}
		}
		saved, err := risk.SaveScenario(ctx, pool, officer, a.ID, 0, risk.ScenarioInput{JewelID: strconv.FormatInt(jewelIDs[s.jewel], 10),
			Threat: ref.String(), Aspects: s.aspects, Likelihood: strconv.Itoa(s.l), Impact: strconv.Itoa(s.i), Description: s.description})
		if err != nil {
			return fmt.Errorf("demo scenario %s × %s: %w", s.jewel, s.threat, err)
		}
		scenarios[[2]string{s.jewel, s.threat}] = saved
	}
	ed, err := measure.EntityEdition(ctx, pool, officer.EntityID)
	if err != nil {
		return err
	}
	known := func(code string) bool {
		_, ok := ed.Requirement(code)
		return ok
	}
	for _, t := range demoTreatments {
		sc, ok := scenarios[[2]string{t.jewel, t.threat}]
		if !ok {
			return fmt.Errorf("demo treatment of unknown scenario %s × %s", t.jewel, t.threat)
		}
		if sc, err = risk.SaveControls(ctx, pool, officer, sc.ID, t.controls, sc.Version, known); err != nil {
			return fmt.Errorf("demo controls %s × %s: %w", t.jewel, t.threat, err)
		}
		if _, err := risk.SaveTreatment(ctx, pool, officer, sc.ID, risk.TreatmentInput{Treatment: t.treatment, Justification: t.justification,
			Version: sc.Version}, day.AddDate(0, -t.acceptedAgo, 0)); err != nil {
			return fmt.Errorf("demo treatment %s × %s: %w", t.jewel, t.threat, err)
		}
	}
	if err := risk.SetStatus(ctx, pool, officer, a.ID, risk.StatusReview, "", 1); err != nil {
		return fmt.Errorf("demo review: %w", err)
	}
	// The board adopts it by approving it (internal/approval).
	if _, err := boardApproves(ctx, pool, officer, risk.KindAnalysis, strconv.FormatInt(a.ID, 10),
		"Risicoanalyse 2026 ter vaststelling, besproken in de vergadering van de raad van bestuur."); err != nil {
		return fmt.Errorf("demo adoption: %w", err)
	}
	// After the 2026 cycle the board asked for impact definitions in the
	// company's own terms (connections, boil-water advice, euros): method
	// version 2, used by the 2027 cycle; 2026 keeps version 1.
	admin, err := auth.GetUserByEmail(ctx, pool, Accounts[0].Email)
	if err != nil {
		return err
	}
	adminActor := authz.Actor{UserID: admin.ID, Email: admin.Email, Name: admin.Name, EntityID: officer.EntityID, Role: authz.Admin}
	adminCtx := audit.WithMeta(ctx, audit.Meta{ActorID: admin.ID, ActorEmail: admin.Email})
	if err := seedMethodScales(adminCtx, pool, adminActor); err != nil {
		return err
	}
	next, err := risk.CreateAnalysis(ctx, pool, officer, risk.AnalysisInput{Period: "2027",
		ReviewDate: day.AddDate(0, 11, 0).Format("2006-01-02")}, day)
	if err != nil {
		return fmt.Errorf("demo cycle 2027: %w", err)
	}
	rows, err := risk.Scenarios(ctx, pool, officer.EntityID, next.ID, risk.ScenarioFilter{})
	if err != nil {
		return err
	}
	current := map[[2]string]int64{}
	for _, sc := range rows {
		code := ""
		if sc.ThreatCode != nil {
			code = *sc.ThreatCode
		}
		current[[2]string{sc.JewelName, code}] = sc.ID
	}
	for _, m := range demoMitigations {
		id, ok := current[[2]string{m.jewel, m.threat}]
		if !ok {
			return fmt.Errorf("demo mitigation of unknown scenario %s × %s", m.jewel, m.threat)
		}
		if _, err := risk.AddMitigation(ctx, pool, officer, id, risk.MitigationInput{Title: m.title, RequirementCode: m.code,
			OwnerID: strconv.FormatInt(officer.UserID, 10), DueDate: day.AddDate(0, m.dueMonths, 0).Format(time.DateOnly)}, known); err != nil {
			return fmt.Errorf("demo mitigation %s: %w", m.title, err)
		}
	}
	return seedPumpStations(ctx, pool, officer, current[[2]string{"Distributie en drukbeheer", "sabotage"}], day, known)
}

// seedPumpStations: sabotage of a pumping station was left undecided in
// 2026; in 2027 the officer treats it (the comparison of the cycles shows
// the new decision): intrusion detection at the pumping stations, already
// done, with the acceptance test report attached as evidence.
func seedPumpStations(ctx context.Context, pool *pgxpool.Pool, officer authz.Actor, scenarioID int64, day time.Time, known func(string) bool) error {
	sc, err := risk.GetScenario(ctx, pool, officer.EntityID, scenarioID)
	if err != nil {
		return fmt.Errorf("demo pumping station scenario: %w", err)
	}
	if _, err := risk.SaveTreatment(ctx, pool, officer, sc.ID, risk.TreatmentInput{Treatment: risk.TreatMitigate, Version: sc.Version,
		Justification: "Na de inbraak bij een collega-drinkwaterbedrijf: detectie op alle pompstations, zodat sabotage binnen minuten wordt opgemerkt."},
		day); err != nil {
		return fmt.Errorf("demo pumping station treatment: %w", err)
	}
	m, err := risk.AddMitigation(ctx, pool, officer, sc.ID, risk.MitigationInput{Title: "Inbraakdetectie op alle pompstations",
		Description:     "Deur- en bewegingsmelders op alle pompstations, doorgemeld aan de meldkamer van de bedrijfsvoering.",
		RequirementCode: "13.3", OwnerID: strconv.FormatInt(officer.UserID, 10), DueDate: day.AddDate(0, 0, -14).Format(time.DateOnly)}, known)
	if err != nil {
		return fmt.Errorf("demo pumping station action: %w", err)
	}
	if _, err := risk.SetMitigationDone(ctx, pool, officer, m.ID, true, m.Version, day.AddDate(0, 0, -20)); err != nil {
		return fmt.Errorf("demo pumping station action done: %w", err)
	}
	store := &evidence.Store{Pool: pool}
	if _, err := store.AddLink(ctx, officer, evidence.Subject{Type: risk.SubjectMitigation, Ref: strconv.FormatInt(m.ID, 10)},
		"Opleverrapport inbraakdetectie pompstations", "https://intranet.drinkwater-demo.nl/techniek/oplevering-inbraakdetectie",
		"Alle pompstations getest; meldingen komen binnen twee minuten bij de meldkamer binnen."); err != nil {
		return fmt.Errorf("demo pumping station evidence: %w", err)
	}
	return nil
}

// demoImpact are the drinking-water company's own impact definitions: on
// customers and public health (societal), damage (economic), its own
// operations, finances and reputation.
var demoImpact = [risk.ScaleMax]i18n.Text{
	{NL: "Geen merkbaar effect voor afnemers; storing binnen enkele uren verholpen; schade onder € 10.000; geen publiciteit.",
		EN: "No noticeable effect on customers; disruption resolved within hours; damage below € 10,000; no publicity."},
	{NL: "Lage druk of korte onderbreking voor minder dan 1.000 aansluitingen; schade tot € 100.000; hooguit lokale aandacht.",
		EN: "Low pressure or a short interruption for fewer than 1,000 connections; damage up to € 100,000; local attention at most."},
	{NL: "Onderbreking of kookadvies voor 1.000 tot 10.000 aansluitingen, of een datalek bij een deel van de klanten; schade tot € 1 miljoen; regionale aandacht.",
		EN: "Interruption or boil-water advice for 1,000 to 10,000 connections, or a data breach affecting some customers; damage up to € 1 million; regional attention."},
	{NL: "Onderbreking of kookadvies voor meer dan 10.000 aansluitingen langer dan 24 uur, of een groot datalek; schade tot € 10 miljoen; landelijke aandacht, melding aan ILT en CSIRT.",
		EN: "Interruption or boil-water advice for more than 10,000 connections for over 24 hours, or a major data breach; damage up to € 10 million; national attention, notification to the ILT and the CSIRT."},
	{NL: "Gevaar voor de volksgezondheid door verontreinigd drinkwater, of uitval in een heel voorzieningsgebied; schade boven € 10 miljoen; vergunning en voortbestaan in het geding.",
		EN: "A danger to public health from contaminated drinking water, or loss of supply in an entire supply area; damage above € 10 million; licence and continuity at stake."},
}

// seedMethodScales stores method version 2 with the company's impact
// definitions (the labels stay the standard ones).
func seedMethodScales(ctx context.Context, pool *pgxpool.Pool, admin authz.Actor) error {
	cur, err := risk.CurrentMethod(ctx, pool, admin.EntityID)
	if err != nil {
		return err
	}
	in := risk.MethodForm(cur)
	for n, def := range demoImpact {
		in.Scales[risk.ScaleField(risk.AxisImpact, n+1, risk.PartDefinition, i18n.NL)] = def.NL
		in.Scales[risk.ScaleField(risk.AxisImpact, n+1, risk.PartDefinition, i18n.EN)] = def.EN
	}
	if _, err := risk.SaveMethod(ctx, pool, admin, in); err != nil {
		return fmt.Errorf("demo method version 2: %w", err)
	}
	return nil
}
