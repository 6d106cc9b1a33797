package app

import (
	"bytes"
	"context"
	"strings"
	"testing"
	"time"

	"github.com/weerbaar/weerbaar/internal/config"
	"github.com/weerbaar/weerbaar/internal/dbtest"
	"github.com/weerbaar/weerbaar/internal/mail/mailtest"
)

func reminderConfig(t *testing.T, extra map[string]string) config.Config {
	t.Helper()
	env := map[string]string{"WEERBAAR_SECRET_KEY": "MDEyMzQ1Njc4OWFiY2RlZjAxMjM0NTY3ODlhYmNkZWY=",
		"WEERBAAR_BASE_URL": "https://weerbaar.example.nl"}
	for k, v := range extra {
		env[k] = v
	}
	cfg, err := config.Load(func(k string) string { return env[k] })
	if err != nil {
		t.Fatal(err)
	}
	return cfg
}

// TestRemindersStartOnlyWithSMTP: without SMTP the scheduler does not
// start; with it, it runs at once (an overdue report is reminded, the link
// on the base URL) and stops when the context ends.
func TestRemindersStartOnlyWithSMTP(t *testing.T) {
	pool := dbtest.New(t)
	ctx := context.Background()
	var logs bytes.Buffer
	logger := NewLogger(&logs, 0)
	if done := StartReminders(ctx, reminderConfig(t, nil), pool, logger, time.Now); done != nil {
		t.Fatal("the reminder scheduler started without SMTP")
	}
	if !strings.Contains(logs.String(), "SMTP not configured") {
		t.Errorf("no log line says why reminders are off: %s", logs.String())
	}

	if _, err := pool.Exec(ctx, `WITH e AS (INSERT INTO entities (slug, name) VALUES ('oost', 'Waterbedrijf Oost') RETURNING id),
		u AS (INSERT INTO users (email, name) VALUES ('anna@oost.nl', 'Anna') RETURNING id),
		m AS (INSERT INTO memberships (entity_id, user_id, role, accepted_at) SELECT e.id, u.id, 'security_officer', now() FROM e, u),
		i AS (INSERT INTO incidents (entity_id, title, detected_at, aware_at, category, significance)
			SELECT id, 'Storing', now() - interval '30 hours', now() - interval '30 hours', 'outage', 'significant' FROM e RETURNING id, entity_id)
		INSERT INTO incident_reports (entity_id, incident_id, stage, due_at) SELECT entity_id, id, 'early_warning', now() - interval '6 hours' FROM i`); err != nil {
		t.Fatal(err)
	}
	smtp := mailtest.Start(t)
	runCtx, stop := context.WithCancel(ctx)
	defer stop()
	done := StartReminders(runCtx, reminderConfig(t, map[string]string{"WEERBAAR_SMTP_ADDR": smtp.Addr,
		"WEERBAAR_SMTP_FROM": "weerbaar@oost.nl"}), pool, logger, time.Now)
	if done == nil {
		t.Fatal("the reminder scheduler did not start with SMTP configured")
	}
	msg := smtp.Wait(t, 1, 20*time.Second)[0]
	if msg.To[0] != "anna@oost.nl" || !strings.Contains(msg.Body(), "https://weerbaar.example.nl/e/") {
		t.Errorf("reminder to %v:\n%s", msg.To, msg.Body())
	}
	stop()
	select {
	case <-done:
	case <-time.After(20 * time.Second):
		t.Fatal("the scheduler did not stop with its context")
	}
}
