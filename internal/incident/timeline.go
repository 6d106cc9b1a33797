package incident

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/weerbaar/weerbaar/internal/audit"
	"github.com/weerbaar/weerbaar/internal/authz"
	"github.com/weerbaar/weerbaar/internal/db"
	"github.com/weerbaar/weerbaar/internal/validate"
)

// Entry is one timeline entry: who recorded what happened when. Entries are
// never edited; a correction is a new entry that names the one it corrects.
type Entry struct {
	ID         int64     `db:"id"`
	OccurredAt time.Time `db:"occurred_at"`
	Text       string    `db:"entry"`
	// Event is set on entries the app wrote (a status change, a report
	// submitted): "status:<from>:<to>" or "report:<stage>".
	Event      string `db:"event"`
	CorrectsID *int64 `db:"corrects_id"`
	// CorrectedBy are the entries that correct this one.
	CorrectedBy []int64   `db:"corrected_by"`
	CreatedBy   string    `db:"created_by"`
	CreatedAt   time.Time `db:"created_at"`
}

// Timeline lists an incident's entries in the order things happened. One
// query.
func Timeline(ctx context.Context, q db.Querier, entityID, incidentID int64) ([]Entry, error) {
	rows, err := q.Query(ctx, `SELECT t.id, t.occurred_at, t.entry, t.event, t.corrects_id,
			ARRAY(SELECT c.id FROM incident_timeline c WHERE c.incident_id = t.incident_id AND c.corrects_id = t.id ORDER BY c.id) AS corrected_by,
			coalesce(u.name, '') AS created_by, t.created_at
		FROM incident_timeline t LEFT JOIN users u ON u.id = t.created_by
		WHERE t.entity_id = @entity AND t.incident_id = @incident ORDER BY t.occurred_at, t.id`,
		pgx.StrictNamedArgs{"entity": entityID, "incident": incidentID})
	if err != nil {
		return nil, fmt.Errorf("timeline of incident %d: %w", incidentID, err)
	}
	return pgx.CollectRows(rows, pgx.RowToStructByName[Entry])
}

// EntryInput is the timeline form: when it happened (Amsterdam wall clock;
// empty is now), what, and optionally the entry it corrects.
type EntryInput struct {
	OccurredAt string
	Text       string
	Corrects   string
}

func insertEntry(ctx context.Context, tx pgx.Tx, actor authz.Actor, incidentID int64, at time.Time, event, text string, corrects *int64) (int64, error) {
	var id int64
	err := tx.QueryRow(ctx, `INSERT INTO incident_timeline (entity_id, incident_id, occurred_at, event, entry, corrects_id, created_by)
		VALUES (@entity, @incident, @at, @event, @entry, @corrects, @actor) RETURNING id`,
		pgx.StrictNamedArgs{"entity": actor.EntityID, "incident": incidentID, "at": at, "event": event, "entry": text,
			"corrects": corrects, "actor": actor.UserID}).Scan(&id)
	if err != nil {
		return 0, fmt.Errorf("add timeline entry: %w", err)
	}
	return id, nil
}

// AddEntry appends a timeline entry (a correction when in.Corrects names an
// entry of the same incident), audit-logged.
func AddEntry(ctx context.Context, pool *pgxpool.Pool, actor authz.Actor, incidentID int64, in EntryInput, now time.Time) error {
	errs := validate.Errors{}
	text := strings.TrimSpace(in.Text)
	if text == "" || len([]rune(text)) > 2000 {
		errs.Add("entry", "incident.error.entry")
	}
	at := now
	if v := strings.TrimSpace(in.OccurredAt); v != "" {
		t, ok := ParseLocal(v)
		switch {
		case !ok:
			errs.Add("occurred_at", "incident.error.time")
		case t.After(now.Add(futureSlack)):
			errs.Add("occurred_at", "incident.error.future")
		default:
			at = t
		}
	}
	var corrects *int64
	if v := strings.TrimSpace(in.Corrects); v != "" {
		id, err := strconv.ParseInt(v, 10, 64)
		if err != nil {
			errs.Add("corrects", "validate.choice")
		}
		corrects = &id
	}
	if err := errs.Err(); err != nil {
		return err
	}
	return db.InTx(ctx, pool, func(tx pgx.Tx) error {
		var title string
		if err := tx.QueryRow(ctx, `SELECT title FROM incidents WHERE entity_id = @entity AND id = @id FOR UPDATE`,
			pgx.StrictNamedArgs{"entity": actor.EntityID, "id": incidentID}).Scan(&title); err != nil {
			return fmt.Errorf("incident %d: %w", incidentID, db.MapError(err))
		}
		action := "incident.entry_added"
		after := map[string]any{"title": title, "occurred_at": stamp(at), "entry": text}
		if corrects != nil {
			var old string
			err := tx.QueryRow(ctx, `SELECT entry FROM incident_timeline WHERE entity_id = @entity AND incident_id = @incident AND id = @id`,
				pgx.StrictNamedArgs{"entity": actor.EntityID, "incident": incidentID, "id": *corrects}).Scan(&old)
			if errors.Is(err, pgx.ErrNoRows) {
				return validate.Field("corrects", "validate.choice")
			} else if err != nil {
				return err
			}
			action = "incident.entry_corrected"
			after["corrects"] = *corrects
		}
		id, err := insertEntry(ctx, tx, actor, incidentID, at, "", text, corrects)
		if err != nil {
			return err
		}
		after["entry_id"] = id
		return audit.Record(ctx, tx, audit.Event{EntityID: actor.EntityID, Action: action, ObjectType: "incident",
			ObjectID: strconv.FormatInt(incidentID, 10), After: after})
	})
}
