package seedlarge

import (
	"context"
	"fmt"
	"time"

	"github.com/weerbaar/weerbaar/internal/measure/catalogue"
)

var requirementNotes = []string{"", "", "Vastgesteld door de directie.", "Onderdeel van het ISMS; jaarlijkse review.",
	"Uitvoering belegd bij de afdeling IT.", "Zie het verbeterplan.", "Getoetst bij de interne audit."}

// statusOf is a status that fits a maturity.
func statusOf(maturity int) string {
	switch {
	case maturity == 0:
		return "not_started"
	case maturity <= 2:
		return "in_progress"
	case maturity <= 4:
		return "implemented"
	}
	return "verified"
}

// requirements answers every requirement and every Annex point of the
// entity's edition: applicability, maturity, status, owner and, where not
// applicable, the justification.
func (s *seed) requirements(ctx context.Context) error {
	ed, err := catalogue.Get(ctx, s.tx, s.edition)
	if err != nil {
		return fmt.Errorf("catalogue %s: %w", s.edition, err)
	}
	var reqs, points [][]any
	for _, rq := range ed.Requirements {
		s.requirementCodes = append(s.requirementCodes, rq.Code)
		applicable := !(rq.WhereAppropriate && s.r.chance(0.3))
		justification, maturity := "", s.r.between(1, 5)
		if !applicable {
			justification, maturity = "Niet passend voor onze organisatie: de betreffende dienst of techniek gebruiken wij niet.", 0
		}
		var due *time.Time
		if applicable && maturity < 3 {
			d := s.o.Today.AddDate(0, 0, s.r.between(-60, 240))
			due = &d
		}
		updated := s.r.timeBetween(s.created, s.o.Today)
		reqs = append(reqs, []any{s.e.ID, rq.Code, applicable, justification, maturity, statusOf(maturity), s.officer, due,
			pick(s.r, requirementNotes), ed.Version, updated, s.officer})
		for _, p := range rq.Points {
			state, why := "done", ""
			switch {
			case p.Qualified() && (!applicable || s.r.chance(0.1)):
				state, why = "not_applicable", "Bij ons niet van toepassing; afgewogen in de risicoanalyse."
			case s.r.chance(float64(5-maturity) / 5):
				state = "not_done"
			}
			points = append(points, []any{s.e.ID, p.Ref, rq.Code, state, why, ed.Version, updated, s.officer})
		}
	}
	if err := copyRows(ctx, s.tx, "entity_requirements", []string{"entity_id", "requirement_code", "applicable", "justification",
		"maturity", "status", "owner_id", "due_date", "notes", "catalogue_version", "updated_at", "updated_by"}, reqs, false); err != nil {
		return err
	}
	return copyRows(ctx, s.tx, "entity_points", []string{"entity_id", "point_ref", "requirement_code", "state", "justification",
		"catalogue_version", "updated_at", "updated_by"}, points, false)
}

var courses = []struct{ course, provider, topics string }{
	{"NIS2 en de Cyberbeveiligingswet voor bestuurders", "Academie voor Digitale Weerbaarheid", "zorgplicht; meldplicht; aansprakelijkheid van bestuurders"},
	{"Bewustwording phishing en social engineering", "Veilig Online Training", "herkennen van phishing; melden van incidenten"},
	{"Tabletop-oefening ransomware", "Z-Cyber Oefencentrum", "escalatie; meldtermijnen 24/72 uur; herstel"},
	{"ISO/IEC 27001 Lead Implementer", "Normcentrum", "ISMS; risicobeoordeling; interne audit"},
}

// training records the board member's and the officer's training, and the
// response exercises of the last years.
func (s *seed) training(ctx context.Context) error {
	n := max(2, s.e.Counts.Incidents/25)
	ids, err := reserveIDs(ctx, s.tx, "training_records", n)
	if err != nil {
		return err
	}
	var rows [][]any
	for k := range n {
		c := courses[k%len(courses)]
		user := []int64{s.board, s.officer, s.admin, s.auditor}[k%4]
		done := s.o.Today.AddDate(0, 0, -s.r.between(20, 900))
		var until *time.Time
		certified := k%len(courses) == 0 || k%len(courses) == 3
		if certified {
			u := done.AddDate(2, 0, 0)
			until = &u
		}
		rows = append(rows, []any{ids[k], s.e.ID, user, c.course, c.provider, done.AddDate(0, 0, -1), done, c.topics, certified, until, s.officer, s.officer})
	}
	s.trainings = ids
	if err := copyRows(ctx, s.tx, "training_records", []string{"id", "entity_id", "user_id", "course", "provider", "started_on",
		"completed_on", "topics", "certified", "valid_until", "created_by", "updated_by"}, rows, true); err != nil {
		return err
	}
	m := max(1, n/4)
	if s.exercises, err = reserveIDs(ctx, s.tx, "response_exercises", m); err != nil {
		return err
	}
	rows = rows[:0]
	for k, id := range s.exercises {
		key := []string{"ransomware", "data_breach", "ddos", "supplier"}[k%4]
		rows = append(rows, []any{id, s.e.ID, s.o.Today.AddDate(0, -3*(k+1), 0), []string{"tabletop", "technical", "full_scale"}[k%3],
			"Oefenscenario " + key + ": uitval van een kroonjuweel buiten kantooruren.", key, "Crisisteam, IT, communicatie",
			"Contactgegevens van de leverancier bijwerken; meldtermijnen beter bewaken.", s.officer, s.officer})
	}
	return copyRows(ctx, s.tx, "response_exercises", []string{"id", "entity_id", "held_on", "kind", "scenario", "playbook_key",
		"participants", "lessons", "created_by", "updated_by"}, rows, true)
}
