package demo

import (
	"context"
	"fmt"
	"strconv"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/weerbaar/weerbaar/internal/authz"
	"github.com/weerbaar/weerbaar/internal/evidence"
	"github.com/weerbaar/weerbaar/internal/i18n"
	"github.com/weerbaar/weerbaar/internal/oversight"
)

// seedOversight gives the board the report of the previous quarter, made
// by the officer on its last day from the data as it stood then (the
// dosing four-eyes action was not yet overdue, the board member's
// certificate not yet ending), discussed by the board two weeks later with
// the minutes attached: the next report shows what changed since.
func seedOversight(ctx context.Context, pool *pgxpool.Pool, officer authz.Actor) error {
	now := time.Now().UTC()
	start := time.Date(now.Year(), time.Month((int(now.Month())-1)/3*3+1), 1, 0, 0, 0, 0, time.UTC)
	day := start.AddDate(0, 0, -1)
	title := i18n.Translate(i18n.NL, "oversight.period", day.Year(), (int(day.Month())+2)/3)
	id, err := oversight.Generate(ctx, pool, officer, oversight.GenerateInput{Title: title}, day, day.Add(15*time.Hour))
	if err != nil {
		return fmt.Errorf("demo board report: %w", err)
	}
	discussed := day.AddDate(0, 0, 14)
	if today := now.Truncate(24 * time.Hour); discussed.After(today) {
		discussed = today
	}
	minutes := "Notulen raad van bestuur " + discussed.Format("2-1-2006") + ", agendapunt 4"
	if err := oversight.RecordDiscussion(ctx, pool, officer, id, oversight.DiscussionInput{DiscussedOn: discussed.Format(time.DateOnly),
		MinutesRef: minutes, Version: 1}, now.Truncate(24*time.Hour)); err != nil {
		return fmt.Errorf("demo board report discussion: %w", err)
	}
	store := &evidence.Store{Pool: pool}
	if _, err := store.AddLink(ctx, officer, evidence.Subject{Type: oversight.SubjectReport, Ref: strconv.FormatInt(id, 10)},
		minutes, "https://intranet.drinkwater-demo.nl/bestuur/notulen/"+discussed.Format("2006-01-02"), ""); err != nil {
		return fmt.Errorf("demo minutes: %w", err)
	}
	return nil
}
