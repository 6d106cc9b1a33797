package demo

import (
	"bytes"
	"context"
	"fmt"
	"strconv"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/weerbaar/weerbaar/internal/audit"
	"github.com/weerbaar/weerbaar/internal/auth"
	"github.com/weerbaar/weerbaar/internal/authz"
	"github.com/weerbaar/weerbaar/internal/entity"
	"github.com/weerbaar/weerbaar/internal/evidence"
	"github.com/weerbaar/weerbaar/internal/measure"
	"github.com/weerbaar/weerbaar/internal/scope"
)

// requirementState is the demo state of one requirement.
type requirementState struct {
	code, status  string
	maturity      int
	dueInDays     int // 0 = no due date
	notes         string
	notApplicable string // justification when not applicable
	pdf, link     string // evidence title, if any
}

// demoRequirements tell a story: policy and backups in order, supply chain
// and awareness behind, two items overdue, two not applicable.
var demoRequirements = []requirementState{
	{code: "1.1", status: "implemented", maturity: 4, notes: "Vastgesteld door de directie op 12 maart 2026.", pdf: "Informatiebeveiligingsbeleid 2026.pdf"},
	{code: "1.2", status: "implemented", maturity: 4, notes: "CISO rapporteert elk kwartaal aan de directie."},
	{code: "2.1", status: "implemented", maturity: 4, pdf: "Risicomanagementkader.pdf"},
	{code: "2.2", status: "in_progress", maturity: 2, dueInDays: 30},
	{code: "2.3", status: "not_started", maturity: 1, dueInDays: -10, notes: "Externe audit nog niet ingepland."},
	{code: "3.1", status: "implemented", maturity: 4},
	{code: "3.2", status: "in_progress", maturity: 2, dueInDays: 45},
	{code: "3.3", status: "implemented", maturity: 4},
	{code: "3.4", status: "in_progress", maturity: 2},
	{code: "3.5", status: "implemented", maturity: 4, link: "Incidentresponsplan (intranet)"},
	{code: "3.6", status: "in_progress", maturity: 1},
	{code: "4.1", status: "in_progress", maturity: 2, dueInDays: -5, notes: "BIA voor de productielocaties loopt nog."},
	{code: "4.2", status: "verified", maturity: 5, notes: "Hersteltest van de SCADA-back-ups in september geslaagd.", pdf: "Rapport hersteltest back-ups.pdf"},
	{code: "4.3", status: "in_progress", maturity: 2},
	{code: "5.1", status: "not_started", maturity: 1, dueInDays: 60},
	{code: "5.2", status: "in_progress", maturity: 2},
	{code: "6.2", status: "not_started", notApplicable: "Wij ontwikkelen zelf geen software; alle applicaties worden ingekocht en vallen onder eis 6.1."},
	{code: "6.6", status: "implemented", maturity: 4},
	{code: "6.7", status: "implemented", maturity: 4},
	{code: "6.8", status: "verified", maturity: 5, notes: "IT en OT (zuiveringsinstallaties) zijn gescheiden netwerken."},
	{code: "6.9", status: "implemented", maturity: 4},
	{code: "8.1", status: "in_progress", maturity: 2},
	{code: "8.2", status: "not_started", maturity: 1, dueInDays: 90},
	{code: "9", status: "implemented", maturity: 4},
	{code: "10.2", status: "not_started", notApplicable: "Alle medewerkers leveren bij indiensttreding een VOG; verdere antecedentenonderzoeken zijn voor onze functies niet passend."},
	{code: "11.7", status: "implemented", maturity: 4, notes: "MFA op alle externe toegang en beheeraccounts."},
	{code: "12.4", status: "in_progress", maturity: 2},
	{code: "13.1", status: "implemented", maturity: 4},
}

// seedState fills the demo entity's scope assessment, registration,
// proportionality factors, requirement states and evidence, acting as the
// demo officer through the same services the pages use (so it is all
// audit-logged).
func seedState(ctx context.Context, pool *pgxpool.Pool, entityID int64) error {
	officer, err := auth.GetUserByEmail(ctx, pool, Accounts[1].Email)
	if err != nil {
		return err
	}
	actor := authz.Actor{UserID: officer.ID, Email: officer.Email, Name: officer.Name, EntityID: entityID, Role: authz.SecurityOfficer}
	ctx = audit.WithMeta(ctx, audit.Meta{ActorID: officer.ID, ActorEmail: officer.Email})
	// Dutch drinking-water companies are owned by provinces and
	// municipalities: publicly controlled (Rec. 2003/361 Annex art. 3(4)).
	// At 420 staff the company is large either way, so the result says the
	// open point makes no difference here.
	if _, err := entity.SaveAssessment(ctx, pool, actor, scope.Input{Subsectors: []string{"drinking_water"},
		Employees: 420, TurnoverEUR: 95_000_000, BalanceEUR: 310_000_000, PublicControl: true,
		Previous: &scope.Figures{Employees: 410, TurnoverEUR: 92_000_000, BalanceEUR: 305_000_000}}); err != nil {
		return fmt.Errorf("demo scope: %w", err)
	}
	if _, _, err := entity.UpdateRegistration(ctx, pool, actor, entity.RegistrationInput{
		LegalName: "Drinkwaterbedrijf Demo B.V.", KvK: "30123456", Street: "Waterleidingweg 12", Postcode: "3511 AB",
		City: "Utrecht", Country: "NL", ContactName: Accounts[1].Name, ContactEmail: "ciso@drinkwater-demo.nl",
		ContactPhone: "+31 30 123 4567", IPRanges: "192.0.2.0/24\n2001:db8:1200::/40", Subsectors: []string{"drinking_water"},
		MemberStates: []string{"NL"}, Authority: "IENW", CSIRT: "NCSC", InfoSharing: true,
		InfoSharingDetails: "ISAC Drinkwater",
	}); err != nil {
		return fmt.Errorf("demo registration: %w", err)
	}
	if err := entity.RecordSubmission(ctx, pool, actor, time.Date(2026, 9, 15, 0, 0, 0, 0, time.UTC), "NCSC-REG-2026-1184"); err != nil {
		return fmt.Errorf("demo submission: %w", err)
	}
	// Scored by hand before the risk analysis: the adopted 2026 analysis
	// later proposes likelihood 3 and impact 5 (the manipulated dosing of
	// chemicals and OT ransomware are credible disasters), which the
	// officer can adopt on the proportionality page.
	if err := measure.SaveFactors(ctx, pool, actor, measure.FactorsInput{Exposure: "3", Likelihood: "3", Impact: "4"}); err != nil {
		return fmt.Errorf("demo factors: %w", err)
	}
	store := &evidence.Store{Pool: pool}
	today := time.Now().UTC().Truncate(24 * time.Hour)
	for _, st := range demoRequirements {
		in := measure.StateInput{Applicable: st.notApplicable == "", Justification: st.notApplicable, Status: st.status,
			Maturity: strconv.Itoa(st.maturity), OwnerID: strconv.FormatInt(officer.ID, 10), Notes: st.notes}
		if st.dueInDays != 0 {
			in.DueDate = today.AddDate(0, 0, st.dueInDays).Format("2006-01-02")
		}
		if _, err := measure.UpdateRequirement(ctx, pool, actor, st.code, in); err != nil {
			return fmt.Errorf("demo requirement %s: %w", st.code, err)
		}
		target := evidence.Subject{Type: measure.SubjectRequirement, Ref: st.code}
		if st.pdf != "" {
			if _, err := store.Upload(ctx, actor, target, "", st.pdf, bytes.NewReader(MinimalPDF(st.pdf))); err != nil {
				return fmt.Errorf("demo evidence %s: %w", st.code, err)
			}
		}
		if st.link != "" {
			if _, err := store.AddLink(ctx, actor, target, st.link, "https://intranet.drinkwater-demo.nl/incidentrespons", ""); err != nil {
				return fmt.Errorf("demo link %s: %w", st.code, err)
			}
		}
	}
	// Art. 21(1) considerations the officer recorded for two measures.
	for _, c := range []struct {
		code string
		in   measure.ConsiderationInput
	}{
		{"c", measure.ConsiderationInput{StateOfArt: "Back-ups volgens de 3-2-1-regel met een offline kopie; herstel getest volgens NEN-EN-ISO 22301 en de NCSC-factsheet over back-ups.", Cost: "medium"}},
		{"h", measure.ConsiderationInput{StateOfArt: "TLS 1.3 volgens de NCSC-beveiligingsrichtlijnen voor TLS; versleuteling van telemetrie op de pompstations vraagt vervanging van oudere PLC's.", Cost: "high"}},
	} {
		if _, err := measure.SaveConsideration(ctx, pool, actor, c.code, c.in); err != nil {
			return fmt.Errorf("demo considerations %s: %w", c.code, err)
		}
	}
	if err := seedRisk(ctx, pool, actor); err != nil {
		return err
	}
	if err := seedTraining(ctx, pool, actor); err != nil {
		return err
	}
	if err := seedResponsePlan(ctx, pool, actor); err != nil {
		return err
	}
	if err := seedApprovals(ctx, pool, actor); err != nil {
		return err
	}
	if err := seedOversight(ctx, pool, actor); err != nil {
		return err
	}
	if err := seedIncidents(ctx, pool, actor); err != nil {
		return err
	}
	return seedEvidenceReview(ctx, pool, actor)
}

// MinimalPDF returns a small valid one-page PDF with a title line, for demo
// and test evidence.
func MinimalPDF(title string) []byte {
	var b bytes.Buffer
	stream := fmt.Sprintf("BT /F1 14 Tf 72 720 Td (%s) Tj ET", pdfEscape(title))
	objects := []string{
		"<< /Type /Catalog /Pages 2 0 R >>",
		"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
		"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Contents 4 0 R /Resources << /Font << /F1 5 0 R >> >> >>",
		fmt.Sprintf("<< /Length %d >>\nstream\n%s\nendstream", len(stream), stream),
		"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>",
	}
	b.WriteString("%PDF-1.4\n")
	offsets := make([]int, len(objects))
	for i, o := range objects {
		offsets[i] = b.Len()
		fmt.Fprintf(&b, "%d 0 obj\n%s\nendobj\n", i+1, o)
	}
	xref := b.Len()
	fmt.Fprintf(&b, "xref\n0 %d\n0000000000 65535 f \n", len(objects)+1)
	for _, off := range offsets {
		fmt.Fprintf(&b, "%010d 00000 n \n", off)
	}
	fmt.Fprintf(&b, "trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n", len(objects)+1, xref)
	return b.Bytes()
}

func pdfEscape(s string) string {
	var out []rune
	for _, r := range s {
		if r == '(' || r == ')' || r == '\\' {
			out = append(out, '\\')
		}
		if r > 126 {
			r = '?'
		}
		out = append(out, r)
	}
	return string(out)
}
