package seedlarge

import (
	"context"
	"encoding/json"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/weerbaar/weerbaar/internal/incident"
)

var incidentKinds = []struct{ category, title string }{
	{"phishing", "Phishingmail met inlogpagina"}, {"malware", "Malware op werkplek"}, {"ransomware", "Ransomware op server"},
	{"ddos", "DDoS-aanval op klantportaal"}, {"unauthorised_access", "Onbevoegde toegang tot beheeraccount"},
	{"data_breach", "Datalek klantgegevens"}, {"supplier", "Storing bij leverancier"}, {"outage", "Uitval datacenterverbinding"},
	{"physical", "Inbraak technische ruimte"}, {"other", "Verdachte netwerkactiviteit"},
}

// incidentRows collects the rows of all incidents for one COPY per table.
type incidentRows struct {
	incidents, timeline, reports, submissions, jewels, suppliers, reviews [][]any
}

// incidents builds the entity's incidents of the last three years: their
// timelines (with status changes and reports), the reports owed for the
// significant ones and their submissions, and the jewels and suppliers hit.
func (s *seed) incidents(ctx context.Context) error {
	n := s.e.Counts.Incidents
	ids, err := reserveIDs(ctx, s.tx, "incidents", n)
	if err != nil {
		return err
	}
	s.incidentIDs = ids
	rc := incident.RecipientsOf([]string{profiles[s.i].subsector})
	var rows incidentRows
	for k, id := range ids {
		s.incident(&rows, k, id, rc.All)
	}
	entryIDs, err := reserveIDs(ctx, s.tx, "incident_timeline", len(rows.timeline))
	if err != nil {
		return err
	}
	for k := range rows.timeline {
		rows.timeline[k][0] = entryIDs[k]
		if k%3 == 0 {
			s.entries = append(s.entries, entryRef{incident: rows.timeline[k][2].(int64), entry: entryIDs[k]})
		}
	}
	reportIDs, err := reserveIDs(ctx, s.tx, "incident_reports", len(rows.reports))
	if err != nil {
		return err
	}
	for k := range rows.reports {
		rows.reports[k][0] = reportIDs[k]
	}
	for _, t := range []struct {
		table  string
		cols   []string
		rows   [][]any
		withID bool
	}{
		{"incidents", []string{"id", "entity_id", "title", "description", "detected_at", "aware_at", "category", "status", "handler_id",
			"member_states", "suspected_malicious", "personal_data", "root_cause", "trade_secrets", "death", "health_damage",
			"malicious_access", "operational_disruption", "significance", "significance_reasons", "resolved_at", "closed_at",
			"created_by", "created_at", "updated_by", "updated_at"}, rows.incidents, true},
		{"incident_timeline", []string{"id", "entity_id", "incident_id", "occurred_at", "event", "entry", "created_by", "created_at"}, rows.timeline, true},
		{"incident_reports", []string{"id", "entity_id", "incident_id", "stage", "due_at", "submitted_at", "recipients", "summary",
			"proof_ref", "submitted_by", "updated_at"}, rows.reports, true},
		{"incident_report_submissions", []string{"entity_id", "incident_id", "stage", "recipient", "submitted_at", "channel",
			"reference", "updated_by", "updated_at"}, rows.submissions, false},
		{"incident_jewels", []string{"entity_id", "incident_id", "jewel_id"}, rows.jewels, false},
		{"incident_suppliers", []string{"entity_id", "incident_id", "supplier_id"}, rows.suppliers, false},
		{"incident_reviews", []string{"entity_id", "incident_id", "root_cause", "lessons", "completed_at", "updated_by", "updated_at"}, rows.reviews, false},
	} {
		if err := copyRows(ctx, s.tx, t.table, t.cols, t.rows, t.withID); err != nil {
			return err
		}
	}
	return nil
}

// incident adds incident k's rows.
func (s *seed) incident(rows *incidentRows, k int, id int64, recipients []string) {
	today := s.o.Today
	kind := pick(s.r, incidentKinds)
	aware := s.r.timeBetween(s.created.AddDate(0, 1, 0), today.Add(-2*time.Hour))
	detected := aware.Add(-time.Duration(s.r.between(5, 600)) * time.Minute)
	significant := s.r.chance(0.25)
	answer := map[bool]string{true: "yes", false: "no"}
	sig, reasons := "not_significant", []incident.Reason{}
	if significant {
		sig = "significant"
		reasons = []incident.Reason{{Key: "incident.sig.reason.met." + string(incident.CritMaliciousAccess)},
			{Key: "incident.sig.reason.met." + string(incident.CritDisruption)}}
	}
	// Older incidents are closed; recent ones still in hand.
	var resolved, closed *time.Time
	statuses := []string{"open"}
	if age := today.Sub(aware); age > 45*24*time.Hour || s.r.chance(0.4) {
		r := aware.Add(time.Duration(s.r.between(4, 24*14)) * time.Hour)
		if r.After(today) {
			r = today.Add(-time.Hour)
		}
		resolved = &r
		statuses = append(statuses, "contained", "resolved")
		if c := r.Add(time.Duration(s.r.between(24, 240)) * time.Hour); c.Before(today) {
			closed = &c
			statuses = append(statuses, "closed")
		}
	} else if s.r.chance(0.5) {
		statuses = append(statuses, "contained")
	}
	reasonsJSON, _ := json.Marshal(reasons)
	title := fmt.Sprintf("%s %s (%d)", kind.title, pick(s.r, places), k+1)
	last := aware
	if resolved != nil {
		last = *resolved
	}
	if closed != nil {
		last = *closed
	}
	rows.incidents = append(rows.incidents, []any{id, s.e.ID, title,
		"Gemeld door de servicedesk; onderzocht door het securityteam. Impact op de dienstverlening beperkt gebleven.",
		detected, aware, kind.category, statuses[len(statuses)-1], s.officer, []string{"NL"},
		kind.category != "outage" && kind.category != "supplier", kind.category == "data_breach", rootCause(kind.category),
		"no", "no", "no", answer[significant], answer[significant], sig, string(reasonsJSON), resolved, closed,
		s.officer, aware, s.officer, last})
	s.timeline(rows, id, detected, aware, statuses, resolved, closed)
	if significant {
		s.reports(rows, id, title, aware, resolved, recipients)
	}
	rows.jewels = append(rows.jewels, []any{s.e.ID, id, s.jewels[k%len(s.jewels)]})
	if s.r.chance(0.3) {
		rows.suppliers = append(rows.suppliers, []any{s.e.ID, id, s.suppliers[k%len(s.suppliers)]})
	}
	if closed != nil && significant {
		rows.reviews = append(rows.reviews, []any{s.e.ID, id, rootCause(kind.category),
			"Monitoring uitgebreid en het draaiboek aangepast; de meldtermijnen zijn gehaald.", *closed, s.officer, *closed})
	}
}

func rootCause(category string) string {
	switch category {
	case "phishing", "unauthorised_access":
		return "Gestolen inloggegevens zonder MFA"
	case "supplier", "outage":
		return "Storing bij de leverancier"
	case "ransomware", "malware":
		return "Kwetsbaarheid in niet-gepatchte software"
	}
	return "Fout bij een wijziging zonder vier-ogencontrole"
}

// timeline adds the entries of an incident: detection, awareness, a few
// notes and the status changes.
func (s *seed) timeline(rows *incidentRows, id int64, detected, aware time.Time, statuses []string, resolved, closed *time.Time) {
	add := func(at time.Time, event, text string) {
		rows.timeline = append(rows.timeline, []any{int64(0), s.e.ID, id, at, event, text, s.officer, at})
	}
	add(detected, "", "Melding ontvangen via de servicedesk.")
	add(aware, "", "Security officer bevestigt het incident; incidentteam ingeschakeld.")
	notes := []string{"Getroffen systemen geïsoleerd.", "Leverancier ingeschakeld voor analyse.", "Logbestanden veiliggesteld.",
		"Wachtwoorden van betrokken accounts gereset.", "Communicatie naar medewerkers verstuurd."}
	end := aware.Add(6 * time.Hour)
	if resolved != nil {
		end = *resolved
	}
	for n := range s.r.between(1, 3) {
		add(aware.Add(end.Sub(aware)*time.Duration(n+1)/5), "", pick(s.r, notes))
	}
	for k := 1; k < len(statuses); k++ {
		at := aware.Add(end.Sub(aware) * time.Duration(k) / 4)
		switch statuses[k] {
		case "resolved":
			at = *resolved
		case "closed":
			at = *closed
		}
		add(at, "status:"+statuses[k-1]+":"+statuses[k], "")
	}
}

// reports adds the reports a significant incident owed, submitted on time
// where their moment has passed.
func (s *seed) reports(rows *incidentRows, id int64, title string, aware time.Time, resolved *time.Time, recipients []string) {
	today := s.o.Today
	first := incident.Schedule(incident.Facts{Aware: aware}, today)
	var notified *time.Time
	if n := first.Notification.Add(-3 * time.Hour); n.Before(today) {
		notified = &n
	}
	p := incident.Schedule(incident.Facts{Aware: aware, Notified: notified, HandlingEnded: resolved}, today)
	due := map[incident.Stage]*time.Time{incident.StageEarlyWarning: &p.EarlyWarning, incident.StageNotification: &p.Notification,
		incident.StageFinal: p.Final, incident.StageProgress: p.Progress}
	for _, st := range []incident.Stage{incident.StageEarlyWarning, incident.StageNotification, incident.StageProgress, incident.StageFinal} {
		d := due[st]
		if d == nil {
			continue
		}
		at := d.Add(-time.Duration(s.r.between(1, 6)) * time.Hour)
		if st == incident.StageNotification && notified != nil {
			at = *notified
		}
		if at.Before(aware) {
			at = aware.Add(time.Hour)
		}
		row := []any{int64(0), s.e.ID, id, string(st), *d, nil, []string{}, "", "", nil, aware}
		if at.Before(today) && (st != incident.StageFinal || resolved != nil) {
			proof := fmt.Sprintf("%s-%d-%04d", strings.ToUpper(recipientOr(recipients)), at.Year(), id%10000)
			row[5], row[6], row[7], row[8], row[9], row[10] = at, slices.Clone(recipients), "Stand van zaken: "+title+".", proof, s.officer, at
			for _, code := range recipients {
				rows.submissions = append(rows.submissions, []any{s.e.ID, id, string(st), code, at, "portal", proof, s.officer, at})
			}
			rows.timeline = append(rows.timeline, []any{int64(0), s.e.ID, id, at, "report:" + string(st),
				strings.Join(recipients, ", ") + " · " + proof, s.officer, at})
		}
		rows.reports = append(rows.reports, row)
	}
}

func recipientOr(codes []string) string {
	if len(codes) == 0 {
		return "CSIRT"
	}
	return codes[0]
}
