package incident

import (
	"errors"
	"flag"
	"strings"
	"testing"
	"time"

	"github.com/weerbaar/weerbaar/internal/i18n"
)

// TestParseAmsterdam: wall-clock times map to one instant; the hour skipped
// in spring is refused; the hour repeated in autumn needs its offset.
func TestParseAmsterdam(t *testing.T) {
	t.Parallel()
	for _, tt := range []struct {
		in, wantUTC, errHas string
	}{
		{"2026-03-29 01:59", "2026-03-29T00:59:00Z", ""},
		{"2026-03-29 02:00", "", "does not exist"},
		{"2026-03-29 02:59", "", "does not exist"},
		{"2026-03-29 03:00", "2026-03-29T01:00:00Z", ""},
		{"2026-10-25 01:59", "2026-10-24T23:59:00Z", ""},
		{"2026-10-25 02:00", "", "occurs twice"},
		{"2026-10-25 02:59", "", "occurs twice"},
		{"2026-10-25 02:00 +02:00", "2026-10-25T00:00:00Z", ""},
		{"2026-10-25 02:00 +01:00", "2026-10-25T01:00:00Z", ""},
		{"2026-10-25 03:00", "2026-10-25T02:00:00Z", ""},
		{"2026-10-25 03:00 +01:00", "2026-10-25T02:00:00Z", ""},
		{"2026-10-25 03:00 +02:00", "", "not at that offset"},
		{"2026-03-29 02:30 +01:00", "", "does not exist"},
		{"2026-01-15 12:00 +1:00", "", "with the offset"},
		{"2026-01-15 12:00Z", "", "with the offset"},
		{"2026-01-15 24:00", "", "YYYY-MM-DD HH:MM"},
		{"2026-1-15 12:00", "", "YYYY-MM-DD HH:MM"},
		{"3000-01-01 00:00", "", "the year must be"},
		{"", "", "YYYY-MM-DD HH:MM"},
	} {
		got, err := ParseAmsterdam(tt.in)
		if tt.errHas != "" {
			var ae *ArgError
			if err == nil || !errors.As(err, &ae) || !strings.Contains(err.Error(), tt.errHas) {
				t.Errorf("%q: %v, %v; want an error with %q", tt.in, got, err, tt.errHas)
			}
			continue
		}
		if err != nil || got.UTC().Format(time.RFC3339) != tt.wantUTC || got.Location() != i18n.Amsterdam {
			t.Errorf("%q: %v (%v), want %s in Amsterdam", tt.in, got, err, tt.wantUTC)
		}
	}
}

func TestParseDeadlinesArgs(t *testing.T) {
	t.Parallel()
	r, err := ParseDeadlinesArgs([]string{"--aware", "2026-06-30 23:30", "--trust-service", "--notified", "2026-07-01 09:00"})
	if err != nil || r.Aware == nil || r.Notified == nil || !r.TrustService {
		t.Fatalf("%+v, %v", r, err)
	}
	d := r.Due()
	if !d.EarlyWarning.Equal(EarlyWarningDue(*r.Aware)) || !d.Notification.Equal(NotificationDue(*r.Aware, true)) || !d.Final.Equal(OneMonthAfter(*r.Notified)) {
		t.Errorf("due %+v", d)
	}
	r, err = ParseDeadlinesArgs([]string{"--notified", "2026-07-01 09:00"})
	if d := r.Due(); err != nil || d.EarlyWarning != nil || d.Notification != nil || d.Final == nil {
		t.Errorf("--notified alone: %+v, %v", d, err)
	}
	if _, err := ParseDeadlinesArgs([]string{"--help"}); !errors.Is(err, flag.ErrHelp) {
		t.Errorf("--help: %v", err)
	}
}

func TestParseSignificanceArgs(t *testing.T) {
	t.Parallel()
	r, err := ParseSignificanceArgs(strings.Fields("--turnover 4000000 --incident 10@2026-09-15 --incident 20@2026-03-15 --incident 30@2026-09-15 --same-root-cause --lang NL"))
	if err != nil {
		t.Fatal(err)
	}
	if r.TurnoverEUR != 4_000_000 || len(r.Incidents) != 3 || !r.SameRootCause || r.Lang != i18n.NL {
		t.Fatalf("%+v", r)
	}
	if r.Newest() != 2 {
		t.Errorf("newest %d: the last given among the latest date", r.Newest())
	}
	if d := r.Incidents[1].Date; d.Location() != i18n.Amsterdam || d.Format("2006-01-02 15:04") != "2026-03-15 00:00" {
		t.Errorf("date %v", d)
	}
	a := r.Assess()
	if a.Outcome != NotSignificant || a.RecurringLossEUR != 60 || len(a.Recurring) != 2 {
		t.Errorf("assessment %+v", a)
	}
	r, err = ParseSignificanceArgs(strings.Fields("--turnover 1 --loss 7"))
	if err != nil || len(r.Incidents) != 1 || r.Incidents[0].EUR != 7 || r.Lang != i18n.EN {
		t.Errorf("--loss: %+v, %v", r, err)
	}
}
