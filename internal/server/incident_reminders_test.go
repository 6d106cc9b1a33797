package server_test

import (
	"context"
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/weerbaar/weerbaar/internal/apptest"
	"github.com/weerbaar/weerbaar/internal/authz"
	"github.com/weerbaar/weerbaar/internal/i18n"
)

// TestIncidentPageShowsRemindersSent: the auditor sees on the incident's
// clock how many deadline reminders were e-mailed for a report, and when
// the last went.
func TestIncidentPageShowsRemindersSent(t *testing.T) {
	t.Parallel()
	a, id := startWithDemo(t, apptest.Options{})
	sig := firstID(t, a, `SELECT min(id) FROM incidents WHERE entity_id = $1`, id)
	page := fmt.Sprintf("/e/%d/incidents/%d", id, sig)
	auditor := a.LoginDemo(t, authz.Auditor)
	if r := auditor.Get(t, page); strings.Contains(r.Body, `data-testid="reminders"`) {
		t.Fatalf("reminders shown before any was sent")
	}
	last := time.Date(2026, 11, 30, 8, 15, 0, 0, time.UTC)
	if _, err := a.Pool.Exec(context.Background(), `INSERT INTO incident_reminders (entity_id, report_id, threshold, user_id, email, due_at,
			state, attempted_at, sent_at)
		SELECT r.entity_id, r.id, th, m.user_id, 'x@example.nl', r.due_at, 'sent', $3::timestamptz, $3::timestamptz - (th = '6h')::int * interval '5 hours'
		FROM incident_reports r JOIN memberships m ON m.entity_id = r.entity_id AND m.role = 'security_officer',
			unnest(ARRAY['6h', '1h']) th
		WHERE r.entity_id = $1 AND r.incident_id = $2 AND r.stage = 'notification'`, id, sig, last); err != nil {
		t.Fatal(err)
	}
	r := auditor.Get(t, page)
	want := tr(t, "incident.reminders.other", 2, i18n.DateTime(context.Background(), last))
	if r.StatusCode != http.StatusOK || !strings.Contains(r.Body, `data-testid="reminders">`+want) {
		t.Errorf("reminders on the clock: want %q\n%s", want, r.Body)
	}
}
