package demo

import (
	"context"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/weerbaar/weerbaar/internal/audit"
	"github.com/weerbaar/weerbaar/internal/auth"
	"github.com/weerbaar/weerbaar/internal/authz"
	"github.com/weerbaar/weerbaar/internal/evidence"
	"github.com/weerbaar/weerbaar/internal/measure"
)

// seedEvidenceReview tells the auditor's part of the evidence register:
// Fatima El Amrani accepted the policy, the risk management framework and
// the restore test report, and rejected the incident response plan (a
// link the auditor cannot open). The officer gave the policy its annual
// review date, due within a month, and the restore test report — made a
// year ago — its validity, now passed: the test must be repeated, which
// the officer's dashboard shows.
func seedEvidenceReview(ctx context.Context, pool *pgxpool.Pool, officer authz.Actor) error {
	u, err := auth.GetUserByEmail(ctx, pool, Accounts[3].Email)
	if err != nil {
		return err
	}
	auditor := authz.Actor{UserID: u.ID, Email: u.Email, Name: u.Name, EntityID: officer.EntityID, Role: authz.Auditor}
	actx := audit.WithMeta(ctx, audit.Meta{ActorID: u.ID, ActorEmail: u.Email})
	store := &evidence.Store{Pool: pool}
	item := func(code string) (int64, error) {
		var id int64
		err := pool.QueryRow(ctx, `SELECT min(id) FROM evidence_items WHERE entity_id = $1 AND subject_type = $2
			AND subject_ref = $3 AND deleted_at IS NULL`, officer.EntityID, measure.SubjectRequirement, code).Scan(&id)
		if err != nil {
			return 0, fmt.Errorf("demo evidence of %s: %w", code, err)
		}
		return id, nil
	}
	today := time.Now().UTC().Truncate(24 * time.Hour)
	// The restore test report was uploaded after the test a year ago; the
	// demo dates it back (the app itself never changes upload times).
	restore, err := item("4.2")
	if err != nil {
		return err
	}
	uploaded := today.AddDate(-1, 0, -20).Add(10 * time.Hour)
	if _, err := pool.Exec(ctx, `UPDATE evidence_items SET created_at = $2 WHERE id = $1`, restore, uploaded); err != nil {
		return fmt.Errorf("demo evidence date: %w", err)
	}
	if _, err := pool.Exec(ctx, `UPDATE evidence_versions SET uploaded_at = $2 WHERE item_id = $1`, restore, uploaded); err != nil {
		return fmt.Errorf("demo evidence date: %w", err)
	}
	for _, r := range []struct {
		code, state, comment string
	}{
		{"1.1", evidence.ReviewAccepted, ""},
		{"2.1", evidence.ReviewAccepted, ""},
		{"4.2", evidence.ReviewAccepted, "Hersteltest met logboek en handtekening van de teamleider OT."},
		{"3.5", evidence.ReviewRejected, "De link naar het intranet is voor de auditor niet bereikbaar. Lever de vastgestelde versie van het incidentresponsplan aan als PDF."},
	} {
		id, err := item(r.code)
		if err != nil {
			return err
		}
		if err := store.Review(actx, auditor, id, 1, r.state, r.comment); err != nil {
			return fmt.Errorf("demo review of %s: %w", r.code, err)
		}
	}
	for code, until := range map[string]time.Time{"1.1": today.AddDate(0, 0, 21), "4.2": today.AddDate(0, 0, -25)} {
		id, err := item(code)
		if err != nil {
			return err
		}
		if err := store.SetValidity(ctx, officer, id, 2, until.Format(time.DateOnly)); err != nil {
			return fmt.Errorf("demo validity of %s: %w", code, err)
		}
	}
	return nil
}
