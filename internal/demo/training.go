package demo

import (
	"context"
	"fmt"
	"strconv"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/weerbaar/weerbaar/internal/auth"
	"github.com/weerbaar/weerbaar/internal/authz"
	"github.com/weerbaar/weerbaar/internal/training"
)

// seedTraining records the board member's appointment and training: a
// certified NIS2 course for directors whose certificate ends in seven
// weeks (so the overview asks for a refresher), and the officer's own
// incident-response exercise as staff training.
func seedTraining(ctx context.Context, pool *pgxpool.Pool, officer authz.Actor) error {
	day := time.Now().UTC().Truncate(24 * time.Hour)
	board, err := auth.GetUserByEmail(ctx, pool, Accounts[2].Email)
	if err != nil {
		return err
	}
	if err := training.SaveAppointment(ctx, pool, officer, board.ID, "2023-05-01", 0); err != nil {
		return fmt.Errorf("demo appointment: %w", err)
	}
	for _, rec := range []training.RecordInput{
		{UserID: strconv.FormatInt(board.ID, 10), Course: "NIS2 en de Cyberbeveiligingswet voor bestuurders", Provider: "Academie voor Digitale Weerbaarheid",
			Topics:    "zorgplicht en de tien maatregelen; risicobeheer en risicoacceptatie; meldplicht; persoonlijke aansprakelijkheid van bestuurders",
			StartedOn: day.AddDate(-2, 0, -3).Format("2006-01-02"), CompletedOn: day.AddDate(-2, 0, -2).Format("2006-01-02"), Certified: true,
			ValidUntil: day.AddDate(0, 0, 49).Format("2006-01-02")},
		{UserID: strconv.FormatInt(officer.UserID, 10), Course: "Tabletop-oefening ransomware OT", Provider: "Z-Cyber Oefencentrum",
			Topics: "escalatie, meldtermijnen 24/72 uur, herstel vanuit offline back-ups", CompletedOn: day.AddDate(0, -4, 0).Format("2006-01-02")},
	} {
		if _, err := training.SaveRecord(ctx, pool, officer, 0, rec); err != nil {
			return fmt.Errorf("demo training %s: %w", rec.Course, err)
		}
	}
	return nil
}
