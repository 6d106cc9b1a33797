package demo

import (
	"context"
	"fmt"
	"strconv"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/weerbaar/weerbaar/internal/authz"
	"github.com/weerbaar/weerbaar/internal/incident"
	"github.com/weerbaar/weerbaar/internal/measure"
)

// seedIncidents tells three incidents of the drinking-water company: a
// ransomware attack on the OT of a treatment plant that the officer became
// aware of 30 hours ago (significant: the early warning went to the NCSC
// and the ministry within the day, the notification is due in 42 hours),
// a phishing e-mail three weeks ago that was contained the same morning,
// assessed as not significant and closed, and a DDoS attack four months
// ago that took the customer portal and the outage line down: significant,
// every report submitted on time, closed, with a completed post-incident
// review and a follow-up action on network security (6.7);
// the phishing incident was also reported voluntarily to the CSIRT as a
// near miss.
func seedIncidents(ctx context.Context, pool *pgxpool.Pool, officer authz.Actor) error {
	now := time.Now().UTC().Truncate(time.Minute)
	opts, err := incident.LoadOptions(ctx, pool, officer.EntityID)
	if err != nil {
		return err
	}
	idOf := func(list []incident.Option, name string) []string {
		for _, o := range list {
			if o.Name == name {
				return []string{strconv.FormatInt(o.ID, 10)}
			}
		}
		return nil
	}
	local := incident.LocalValue
	own := strconv.FormatInt(officer.UserID, 10)

	// 1. Ransomware on the SCADA of a treatment plant.
	aware := now.Add(-30 * time.Hour)
	id, err := incident.Save(ctx, pool, officer, 0, incident.Input{
		Title:       "Ransomware op SCADA zuivering Nieuwegein",
		Description: "Versleutelde HMI's en een historian-server op productielocatie Nieuwegein; de zuivering draait handmatig op lokale bediening. Binnenkomst vermoedelijk via de onderhoudsverbinding van de OT-leverancier.",
		DetectedAt:  local(aware.Add(-50 * time.Minute)), AwareAt: local(aware), Category: "ransomware", HandlerID: own,
		MemberStates: []string{"NL"}, SuspectedMalicious: true, RootCause: "Misbruik onderhoudsverbinding OT-leverancier",
		JewelIDs: idOf(opts.Jewels, "SCADA zuiveringsinstallaties"), SupplierIDs: idOf(opts.Suppliers, "AquaControl Automatisering B.V.")}, now)
	if err != nil {
		return fmt.Errorf("demo incident: %w", err)
	}
	for _, e := range []struct {
		after time.Duration
		text  string
	}{
		{-50 * time.Minute, "Operator meldt vastgelopen HMI's en een losgeldbericht op het scherm van de historian."},
		{0, "Security officer bevestigt ransomware op het OT-netwerk; crisisteam bijeengeroepen."},
		{40 * time.Minute, "Verbinding IT/OT en de onderhoudsverbinding van de leverancier verbroken; zuivering op lokale bediening."},
		{3 * time.Hour, "Waterkwaliteit gecontroleerd: binnen de normen, geen wijziging van doseringen gevonden."},
	} {
		if err := incident.AddEntry(ctx, pool, officer, id, incident.EntryInput{OccurredAt: local(aware.Add(e.after)), Text: e.text}, now); err != nil {
			return fmt.Errorf("demo timeline: %w", err)
		}
	}
	inc, err := incident.Get(ctx, pool, officer.EntityID, id)
	if err != nil {
		return err
	}
	if err := incident.SaveSignificance(ctx, pool, officer, id, incident.SignificanceInput{Answers: map[incident.Criterion]string{
		incident.CritTradeSecrets: "no", incident.CritDeath: "no", incident.CritHealth: "no",
		incident.CritMaliciousAccess: "yes", incident.CritDisruption: "yes"}, Version: inc.Version}, now); err != nil {
		return fmt.Errorf("demo significance: %w", err)
	}
	if inc, err = incident.Get(ctx, pool, officer.EntityID, id); err != nil {
		return err
	}
	if err := incident.ChangeStatus(ctx, pool, officer, id, incident.StatusContained, "OT-netwerk geïsoleerd", inc.Version, aware.Add(2*time.Hour)); err != nil {
		return fmt.Errorf("demo status: %w", err)
	}
	reports, err := incident.Reports(ctx, pool, officer.EntityID, id)
	if err != nil {
		return err
	}
	var early incident.Report
	for _, r := range reports {
		if r.Stage == incident.StageEarlyWarning {
			early = r
		}
	}
	if inc, err = incident.Get(ctx, pool, officer.EntityID, id); err != nil {
		return err
	}
	rc := incident.RecipientsOf(inc.Subsectors)
	recipients := rc.All
	if err := incident.Submit(ctx, pool, officer, id, incident.SubmitInput{Stage: string(incident.StageEarlyWarning),
		SubmittedAt: local(aware.Add(9 * time.Hour)), Recipients: recipients, Other: otherIfNone(recipients),
		Summary:  "Vermoedelijk kwaadwillig (ransomware via leverancierstoegang); geen aanwijzingen voor grensoverschrijdende gevolgen.",
		ProofRef: "NCSC-2026-0412", Version: early.Version}, rc, now); err != nil {
		return fmt.Errorf("demo early warning: %w", err)
	}
	// Per recipient: the NCSC's portal gave the reference (recorded with
	// the report); the others got the same report by e-mail, under their
	// own reference — corrected on the draft page.
	if inc, err = incident.Get(ctx, pool, officer.EntityID, id); err != nil {
		return err
	}
	for _, code := range recipients[min(1, len(recipients)):] {
		sent, _ := inc.Sent(string(incident.StageEarlyWarning), 0, code)
		in := incident.SubmissionInput{Recipient: code, SubmittedAt: local(aware.Add(9*time.Hour + 10*time.Minute)), Channel: "email",
			Reference: code + "-2026-0412", Version: sent.Version}
		if err := incident.RecordSubmission(ctx, pool, officer, id, incident.StageEarlyWarning, in, rc, now); err != nil {
			return fmt.Errorf("demo submission: %w", err)
		}
	}

	// 2. A phishing e-mail, contained the same morning, not significant.
	aware = now.AddDate(0, 0, -21).Add(-2 * time.Hour)
	id, err = incident.Save(ctx, pool, officer, 0, incident.Input{
		Title:       "Phishingmail met valse inlogpagina",
		Description: "Een medewerker van de klantenservice vulde zijn wachtwoord in op een valse inlogpagina. MFA hield de aanvaller tegen.",
		DetectedAt:  local(aware.Add(-20 * time.Minute)), AwareAt: local(aware), Category: "phishing", HandlerID: own,
		RootCause: "Phishing gericht op klantenservice"}, now)
	if err != nil {
		return fmt.Errorf("demo incident: %w", err)
	}
	if err := incident.AddEntry(ctx, pool, officer, id, incident.EntryInput{OccurredAt: local(aware.Add(30 * time.Minute)),
		Text: "Wachtwoord gereset, sessies ingetrokken; aanmeldlogboek toont alleen geweigerde pogingen (MFA)."}, now); err != nil {
		return err
	}
	if inc, err = incident.Get(ctx, pool, officer.EntityID, id); err != nil {
		return err
	}
	if err := incident.SaveSignificance(ctx, pool, officer, id, incident.SignificanceInput{LossEUR: "1500", Answers: map[incident.Criterion]string{
		incident.CritTradeSecrets: "no", incident.CritDeath: "no", incident.CritHealth: "no",
		incident.CritMaliciousAccess: "no", incident.CritDisruption: "no"}, Version: inc.Version}, now); err != nil {
		return fmt.Errorf("demo significance: %w", err)
	}
	for _, step := range []struct {
		to    incident.Status
		after time.Duration
		note  string
	}{
		{incident.StatusContained, time.Hour, "Account geblokkeerd en gereset"},
		{incident.StatusResolved, 26 * time.Hour, "Valse pagina offline gehaald; waarschuwing aan alle medewerkers"},
		{incident.StatusClosed, 5 * 24 * time.Hour, "Nabespreking gehouden; phishingoefening ingepland"},
	} {
		if inc, err = incident.Get(ctx, pool, officer.EntityID, id); err != nil {
			return err
		}
		if err := incident.ChangeStatus(ctx, pool, officer, id, step.to, step.note, inc.Version, aware.Add(step.after)); err != nil {
			return fmt.Errorf("demo status %s: %w", step.to, err)
		}
	}
	// Not significant, yet reported voluntarily to the CSIRT as a near
	// miss (Art. 30 NIS2): the phishing kit may target other water
	// companies.
	if inc, err = incident.Get(ctx, pool, officer.EntityID, id); err != nil {
		return err
	}
	if rc := incident.RecipientsOf(inc.Subsectors); len(rc.All) > 0 {
		if err := incident.RecordSubmission(ctx, pool, officer, id, incident.StageEarlyWarning, incident.SubmissionInput{
			Recipient: rc.All[0], SubmittedAt: local(aware.Add(3 * time.Hour)), Channel: "email", Reference: "NCSC-2026-0318"},
			rc, now); err != nil {
			return fmt.Errorf("demo voluntary report: %w", err)
		}
	}
	return seedClosedIncident(ctx, pool, officer, now)
}

// seedClosedIncident: the DDoS attack, reported at every stage before its
// due time, and its review.
func seedClosedIncident(ctx context.Context, pool *pgxpool.Pool, officer authz.Actor, now time.Time) error {
	local := incident.LocalValue
	own := strconv.FormatInt(officer.UserID, 10)
	aware := now.AddDate(0, -4, 0).Add(-3 * time.Hour)
	id, err := incident.Save(ctx, pool, officer, 0, incident.Input{
		Title:       "DDoS-aanval op klantportaal en storingsnummer",
		Description: "Een DDoS-aanval legde het klantportaal en de VoIP-aansluiting van het storingsnummer ruim zes uur plat; klanten konden geen storingen of waterkwaliteitsklachten melden.",
		DetectedAt:  local(aware.Add(-25 * time.Minute)), AwareAt: local(aware), Category: "ddos", HandlerID: own,
		MemberStates: []string{"NL"}, SuspectedMalicious: true, RootCause: "Geen DDoS-bescherming bij de hostingpartij"}, now)
	if err != nil {
		return fmt.Errorf("demo closed incident: %w", err)
	}
	inc, err := incident.Get(ctx, pool, officer.EntityID, id)
	if err != nil {
		return err
	}
	if err := incident.SaveSignificance(ctx, pool, officer, id, incident.SignificanceInput{LossEUR: "42000", Answers: map[incident.Criterion]string{
		incident.CritTradeSecrets: "no", incident.CritDeath: "no", incident.CritHealth: "no",
		incident.CritMaliciousAccess: "no", incident.CritDisruption: "yes"}, Version: inc.Version}, now); err != nil {
		return fmt.Errorf("demo closed incident significance: %w", err)
	}
	if err := incident.AddEntry(ctx, pool, officer, id, incident.EntryInput{OccurredAt: local(aware.Add(90 * time.Minute)),
		Text: "Hostingpartij zet verkeer om naar een scrubbingdienst; storingsnummer tijdelijk doorgeschakeld naar mobiele nummers."}, now); err != nil {
		return err
	}
	if inc, err = incident.Get(ctx, pool, officer.EntityID, id); err != nil {
		return err
	}
	rc := incident.RecipientsOf(inc.Subsectors)
	recipients := rc.All
	submit := func(stage incident.Stage, after time.Duration, summary, proof string) error {
		reports, err := incident.Reports(ctx, pool, officer.EntityID, id)
		if err != nil {
			return err
		}
		version := 0
		for _, r := range reports {
			if r.Stage == stage {
				version = r.Version
			}
		}
		if err := incident.Submit(ctx, pool, officer, id, incident.SubmitInput{Stage: string(stage), SubmittedAt: local(aware.Add(after)),
			Recipients: recipients, Other: otherIfNone(recipients), Summary: summary, ProofRef: proof, Version: version}, rc, now); err != nil {
			return fmt.Errorf("demo closed incident %s: %w", stage, err)
		}
		return nil
	}
	status := func(to incident.Status, after time.Duration, note string) error {
		inc, err := incident.Get(ctx, pool, officer.EntityID, id)
		if err != nil {
			return err
		}
		if err := incident.ChangeStatus(ctx, pool, officer, id, to, note, inc.Version, aware.Add(after)); err != nil {
			return fmt.Errorf("demo closed incident status %s: %w", to, err)
		}
		return nil
	}
	if err := submit(incident.StageEarlyWarning, 5*time.Hour,
		"Vermoedelijk kwaadwillig (DDoS); geen aanwijzingen voor grensoverschrijdende gevolgen.", "NCSC-2026-0198"); err != nil {
		return err
	}
	if err := status(incident.StatusContained, 7*time.Hour, "Verkeer loopt via scrubbingdienst; portaal en storingsnummer bereikbaar"); err != nil {
		return err
	}
	if err := submit(incident.StageNotification, 46*time.Hour,
		"Ernst: klantportaal en storingsnummer 6 uur onbereikbaar, drinkwaterlevering niet geraakt. Indicator: verkeer uit een botnet van IoT-apparaten.",
		"NCSC-2026-0198-M"); err != nil {
		return err
	}
	if err := status(incident.StatusResolved, 6*24*time.Hour, "Scrubbingdienst structureel ingeregeld"); err != nil {
		return err
	}
	if err := submit(incident.StageFinal, 20*24*time.Hour,
		"Grondoorzaak: geen DDoS-bescherming bij de hostingpartij. Maatregelen: permanente scrubbingdienst, storingsnummer via een tweede provider. Geen grensoverschrijdende gevolgen.",
		"NCSC-2026-0198-E"); err != nil {
		return err
	}
	if err := status(incident.StatusClosed, 22*24*time.Hour, "Eindrapport ingediend; evaluatie afgerond"); err != nil {
		return err
	}
	if err := incident.SaveReview(ctx, pool, officer, id, incident.ReviewInput{Complete: true,
		RootCause: "Het klantportaal en de VoIP-aansluiting stonden bij een hostingpartij zonder DDoS-bescherming; het contract regelde dat niet en de telefonie had geen tweede route.",
		Lessons:   "Bereikbaarheid voor klanten is bij een storing net zo kritiek als de productie: leg DDoS-bescherming vast in contracten en geef het storingsnummer een tweede route. Het doorschakelen naar mobiele nummers stond niet in het draaiboek."},
		aware.Add(21*24*time.Hour)); err != nil {
		return fmt.Errorf("demo review: %w", err)
	}
	ed, err := measure.EntityEdition(ctx, pool, officer.EntityID)
	if err != nil {
		return err
	}
	known := func(code string) bool {
		_, ok := ed.Requirement(code)
		return ok
	}
	if err := incident.AddAction(ctx, pool, officer, id, incident.ActionInput{Title: "DDoS-bescherming en tweede route storingsnummer",
		RequirementCode: "6.7", OwnerID: own, DueDate: now.AddDate(0, 1, 0).Format(time.DateOnly)}, known); err != nil {
		return fmt.Errorf("demo follow-up action: %w", err)
	}
	return nil
}

// otherIfNone names the NCSC when the scope gives no recipient codes.
func otherIfNone(codes []string) string {
	if len(codes) == 0 {
		return "NCSC"
	}
	return ""
}
