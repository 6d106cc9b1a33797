package demo

import (
	"context"
	"fmt"
	"strconv"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/weerbaar/weerbaar/internal/authz"
	"github.com/weerbaar/weerbaar/internal/i18n"
	"github.com/weerbaar/weerbaar/internal/incident"
	"github.com/weerbaar/weerbaar/internal/scope"
)

// seedResponsePlan tells what the drinking-water company prepared before
// its incidents: the response plan with who is called in which role (the
// OT integrator as critical supplier, NCSC as CSIRT without an invented
// phone number), the escalation ladder up to the crisis team, the four
// playbooks adopted from Weerbaar's defaults, a tabletop exercise earlier
// this year with one follow-up action still open, and the plan approved by
// the board.
func seedResponsePlan(ctx context.Context, pool *pgxpool.Pool, officer authz.Actor) error {
	opts, err := incident.LoadOptions(ctx, pool, officer.EntityID)
	if err != nil {
		return err
	}
	integrator := ""
	for _, s := range opts.Suppliers {
		if s.Name == "AquaControl Automatisering B.V." {
			integrator = strconv.FormatInt(s.ID, 10)
		}
	}
	if integrator == "" {
		return fmt.Errorf("demo response plan: the OT integrator is not a supplier of the analysis")
	}
	// The bodies the scope assessment names (NCSC, the minister, the ILT),
	// with their role and no invented phone numbers.
	bodies := map[scope.Role]string{}
	for _, rc := range scope.Recipients([]string{"drinking_water"}) {
		if rc.Code != "" {
			bodies[rc.Role] = rc.Name.Lang(i18n.NL)
		}
	}
	if bodies[scope.RoleCSIRT] == "" || bodies[scope.RoleAuthority] == "" || bodies[scope.RoleSupervisor] == "" {
		return fmt.Errorf("demo response plan: drinking water lacks a CSIRT, authority or supervisor: %v", bodies)
	}
	in := incident.PlanInput{
		Contacts: []incident.ContactInput{
			{Role: "manager", Name: Accounts[1].Name, Organisation: "Informatiebeveiliging", Phone: "+31 30 123 4567",
				Email: Accounts[1].Email, Availability: "24/7 via de piketdienst"},
			{Role: "deputy", Name: "J. de Vries", Organisation: "ICT-beheer", Email: "j.devries@demo.weerbaar.test",
				Availability: "Kantooruren; buiten kantooruren via de piketdienst"},
			{Role: "csirt", Organisation: bodies[scope.RoleCSIRT], Availability: "24/7 (melden via het portaal)"},
			{Role: "authority", Organisation: bodies[scope.RoleAuthority]},
			{Role: "supervisor", Organisation: bodies[scope.RoleSupervisor]},
			{Role: "dpo", Name: "M. Bakker", Organisation: "Functionaris gegevensbescherming", Email: "fg@demo.weerbaar.test",
				Availability: "Kantooruren"},
			{Role: "communications", Name: "L. Jansen", Organisation: "Communicatie", Email: "pers@demo.weerbaar.test",
				Availability: "24/7 via de woordvoerder van dienst"},
			{Role: "supplier", Name: "Storingsdienst", Organisation: "AquaControl Automatisering B.V.", Availability: "24/7",
				SupplierID: integrator},
			{Role: "insurer", Organisation: "Cyberverzekeraar (polis CYB-2026-031)", Availability: "Kantooruren"},
		},
		Escalation: []incident.EscalationLevel{
			{Criteria: "Verstoring of melding zonder gevolgen voor de levering van drinkwater; afhandeling binnen het team.",
				Decides: "Behandelaar van dienst"},
			{Criteria: "Vermoeden van een aanval, uitval van een systeem uit de kroonjuwelen of mogelijk meldplichtig (24 uur).",
				Decides: "Incidentmanager"},
			{Criteria: "Levering of kwaliteit van drinkwater in gevaar, losgeldeis, of aandacht van pers en toezichthouder.",
				Decides: "Crisisteam onder leiding van de directeur; het bestuur wordt direct geïnformeerd"},
		},
		CommInternal:   "De incidentmanager informeert het management via de crisisapp; medewerkers krijgen een bericht via intranet en, als dat niet werkt, via sms.",
		CommRecipients: "Bij gevolgen voor de levering informeren we gemeenten, de veiligheidsregio en grootverbruikers telefonisch; huishoudens via de website, sociale media en de storingslijn (art. 23 lid 1 NIS2).",
		CommPress:      "Alleen de woordvoerder van dienst staat de pers te woord, na afstemming met het crisisteam. Geen details over aanvallers of losgeld.",
	}
	if err := incident.SavePlan(ctx, pool, officer, in); err != nil {
		return fmt.Errorf("demo response plan: %w", err)
	}
	for _, key := range incident.PlaybookKeys {
		b, _ := incident.DefaultPlaybook(key)
		pb := incident.PlaybookInput{Sections: map[string]i18n.Text{}}
		for _, s := range b.Sections {
			pb.Sections[s.Key] = s.Text
		}
		if key == "ransomware" {
			t := pb.Sections["contain"]
			t.NL += "\n- OT: zet de zuiveringen op lokale bediening volgens de werkinstructie handbediening en verbreek de verbinding met de leverancier."
			t.EN += "\n- OT: switch the treatment plants to local control per the manual-operation work instruction and cut the supplier's connection."
			pb.Sections["contain"] = t
		}
		if err := incident.SavePlaybook(ctx, pool, officer, key, pb); err != nil {
			return fmt.Errorf("demo playbook %s: %w", key, err)
		}
	}
	today := time.Now().UTC().Truncate(24 * time.Hour)
	held := today.AddDate(0, -4, 0)
	id, err := incident.SaveExercise(ctx, pool, officer, 0, incident.ExerciseInput{HeldOn: held.Format(time.DateOnly),
		Kind: "tabletop", PlaybookKey: "ransomware",
		Scenario:     "Ransomware op de procesautomatisering van zuivering Noord via de onderhoudsverbinding van de OT-leverancier, op een zaterdagnacht.",
		Participants: "Crisisteam (directeur, incidentmanager, hoofd productie, communicatie), piketdienst ICT, AquaControl Automatisering B.V.",
		Lessons:      "Overschakelen op handbediening lukte binnen een uur. De 24-uursmelding aan het CSIRT werd pas na 20 uur voorbereid: niemand wist wie het portaal mocht gebruiken. De offline back-up van de OT-configuratie was niet op de locatie beschikbaar."},
		today)
	if err != nil {
		return fmt.Errorf("demo exercise: %w", err)
	}
	if err := incident.AddExerciseAction(ctx, pool, officer, id, incident.ExerciseActionInput{
		Title: "Twee medewerkers per dienst toegang tot het meldportaal van het CSIRT geven", OwnerID: strconv.FormatInt(officer.UserID, 10),
		DueDate: today.AddDate(0, 0, 30).Format(time.DateOnly)}); err != nil {
		return fmt.Errorf("demo exercise action: %w", err)
	}
	_, err = boardApproves(ctx, pool, officer, incident.KindResponsePlan, incident.ResponsePlanRef,
		"Het incidentresponsplan met de contactpersonen, de opschaling en de vier draaiboeken, na de tafeloefening van dit jaar.")
	return err
}
