package incident

import (
	"math/rand/v2"
	"testing"
	"time"

	"github.com/weerbaar/weerbaar/internal/i18n"
)

func ams(s string) time.Time {
	t, err := time.ParseInLocation("2006-01-02 15:04", s, i18n.Amsterdam)
	if err != nil {
		panic(err)
	}
	return t
}

func TestDeadlinesAcrossDaylightSaving(t *testing.T) {
	for _, tt := range []struct {
		name                string
		aware               string
		trust               bool
		early, notification string // Amsterdam wall clock
	}{
		// 29 March 2026 02:00 CET → 03:00 CEST: a day after 01:30 CET is 02:30 CEST.
		{"before spring 2026", "2026-03-28 02:30", false, "2026-03-29 03:30", "2026-03-31 03:30"},
		{"after spring 2026", "2026-03-29 03:30", false, "2026-03-30 03:30", "2026-04-01 03:30"},
		{"just before the jump 2026", "2026-03-29 01:59", false, "2026-03-30 02:59", "2026-04-01 02:59"},
		// 25 October 2026 03:00 CEST → 02:00 CET: 24 h after 01:30 CEST is 00:30 CET.
		{"before autumn 2026", "2026-10-25 01:30", false, "2026-10-26 00:30", "2026-10-28 00:30"},
		{"after autumn 2026", "2026-10-25 03:30", false, "2026-10-26 03:30", "2026-10-28 03:30"},
		{"day before autumn 2026", "2026-10-24 12:00", false, "2026-10-25 11:00", "2026-10-27 11:00"},
		{"before spring 2027", "2027-03-27 12:00", false, "2027-03-28 13:00", "2027-03-30 13:00"},
		{"after spring 2027", "2027-03-28 04:00", false, "2027-03-29 04:00", "2027-03-31 04:00"},
		{"before autumn 2027", "2027-10-30 12:00", false, "2027-10-31 11:00", "2027-11-02 11:00"},
		{"after autumn 2027", "2027-10-31 04:00", false, "2027-11-01 04:00", "2027-11-03 04:00"},
		{"aware 23:30 local", "2026-06-10 23:30", false, "2026-06-11 23:30", "2026-06-13 23:30"},
		{"trust service 24 h", "2026-06-10 23:30", true, "2026-06-11 23:30", "2026-06-11 23:30"},
		{"trust service across autumn", "2026-10-24 12:00", true, "2026-10-25 11:00", "2026-10-25 11:00"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			aware := ams(tt.aware)
			early, note := EarlyWarningDue(aware), NotificationDue(aware, tt.trust)
			if got := early.In(i18n.Amsterdam).Format("2006-01-02 15:04"); got != tt.early {
				t.Errorf("early warning due %s, want %s", got, tt.early)
			}
			if got := note.In(i18n.Amsterdam).Format("2006-01-02 15:04"); got != tt.notification {
				t.Errorf("notification due %s, want %s", got, tt.notification)
			}
			if early.Sub(aware) != 24*time.Hour {
				t.Errorf("early warning is %v after aware, want exactly 24h", early.Sub(aware))
			}
			if early.Location() != time.UTC || note.Location() != time.UTC {
				t.Error("deadlines must be in UTC")
			}
		})
	}
}

func TestOneMonthAfter(t *testing.T) {
	for _, tt := range []struct{ notified, want string }{
		{"2027-01-31 10:00", "2027-02-28 23:59"}, // non-leap year
		{"2028-01-31 10:00", "2028-02-29 23:59"}, // leap year
		{"2028-01-29 10:00", "2028-02-29 23:59"},
		{"2026-04-30 16:00", "2026-05-30 23:59"},
		{"2026-03-31 09:00", "2026-04-30 23:59"},
		{"2026-12-31 22:00", "2027-01-31 23:59"},
		{"2026-12-31 23:59", "2027-01-31 23:59"},
		{"2026-09-25 08:00", "2026-10-25 23:59"}, // into the autumn change day
		{"2026-02-28 08:00", "2026-03-28 23:59"},
		{"2026-03-01 00:30", "2026-04-01 23:59"}, // 23:30 UTC on 28 Feb is 1 March in Amsterdam
	} {
		got := OneMonthAfter(ams(tt.notified))
		if s := got.In(i18n.Amsterdam).Format("2006-01-02 15:04"); s != tt.want {
			t.Errorf("one month after %s = %s, want %s", tt.notified, s, tt.want)
		}
		if got.Location() != time.UTC {
			t.Errorf("%s: not UTC", tt.notified)
		}
	}
}

func TestScheduleFinalOrProgress(t *testing.T) {
	aware := ams("2026-01-30 09:00")
	notified := ams("2026-01-31 10:00")
	month := ams("2026-02-28 23:59")
	before, after := ams("2026-02-20 12:00"), ams("2026-03-10 12:00")
	for _, tt := range []struct {
		name          string
		notified      *time.Time
		ended         *time.Time
		now           time.Time
		progress, fin string
		afterHandling bool
	}{
		{"not notified yet", nil, nil, before, "", "", false},
		{"resolved before a month", &notified, &before, after, "", "2026-02-28 23:59", false},
		{"still handled, month not reached", &notified, nil, before, "", "2026-02-28 23:59", false},
		{"still handled at the month", &notified, nil, month, "2026-02-28 23:59", "", true},
		{"resolved after the month", &notified, &after, after, "2026-02-28 23:59", "2026-04-10 23:59", false},
	} {
		t.Run(tt.name, func(t *testing.T) {
			p := Schedule(Facts{Aware: aware, Notified: tt.notified, HandlingEnded: tt.ended}, tt.now)
			show := func(x *time.Time) string {
				if x == nil {
					return ""
				}
				return x.In(i18n.Amsterdam).Format("2006-01-02 15:04")
			}
			if show(p.Progress) != tt.progress || show(p.Final) != tt.fin || p.FinalAfterHandling != tt.afterHandling {
				t.Errorf("progress %q final %q after handling %v; want %q %q %v", show(p.Progress), show(p.Final),
					p.FinalAfterHandling, tt.progress, tt.fin, tt.afterHandling)
			}
		})
	}
}

// randomInstant is a minute between 2025 and 2030.
func randomInstant(r *rand.Rand) time.Time {
	start := time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC)
	return start.Add(time.Duration(r.IntN(5*366*24*60)) * time.Minute)
}

func TestClockProperties(t *testing.T) {
	r := rand.New(rand.NewPCG(12, 2690))
	for i := 0; i < 20000; i++ {
		a1, a2 := randomInstant(r), randomInstant(r)
		if a2.Before(a1) {
			a1, a2 = a2, a1
		}
		trust := r.IntN(2) == 0
		// Monotone in the aware time.
		if EarlyWarningDue(a2).Before(EarlyWarningDue(a1)) || NotificationDue(a2, trust).Before(NotificationDue(a1, trust)) {
			t.Fatalf("deadlines not monotone for %v ≤ %v", a1, a2)
		}
		if OneMonthAfter(a2).Before(OneMonthAfter(a1)) {
			t.Fatalf("one month not monotone for %v ≤ %v", a1, a2)
		}
		// Every deadline after aware; early warning ≤ notification ≤ final.
		notified := a1.Add(time.Duration(r.IntN(96*60)) * time.Minute)
		var ended *time.Time
		if r.IntN(2) == 0 {
			e := notified.Add(time.Duration(r.IntN(90*24*60)) * time.Minute)
			ended = &e
		}
		now := notified.Add(time.Duration(r.IntN(90*24*60)) * time.Minute)
		p := Schedule(Facts{Aware: a1, TrustService: trust, Notified: &notified, HandlingEnded: ended}, now)
		if !p.EarlyWarning.After(a1) || p.Notification.Before(p.EarlyWarning) {
			t.Fatalf("aware %v: early %v notification %v", a1, p.EarlyWarning, p.Notification)
		}
		if p.Final == nil && !p.FinalAfterHandling {
			t.Fatalf("notified %v: no final report and not waiting for handling", notified)
		}
		if p.Final != nil {
			if p.Final.Before(notified) || p.Final.Before(p.Notification) && notified.After(p.Notification) {
				t.Fatalf("final %v before notification %v", *p.Final, notified)
			}
			// At least 27 days after the submission, at most 33.
			if d := p.Final.Sub(notified); d < 27*24*time.Hour && p.Progress == nil || d > 33*24*time.Hour && p.Progress == nil {
				t.Fatalf("final %v is %v after notification %v", *p.Final, d, notified)
			}
			if ended != nil && p.Final.Before(*ended) {
				t.Fatalf("final %v before handling ended %v", *p.Final, *ended)
			}
		}
		if p.Progress != nil && p.Final != nil && p.Final.Before(*p.Progress) {
			t.Fatalf("final %v before progress %v", *p.Final, *p.Progress)
		}
		// The final report falls at 23:59 Amsterdam.
		if m := OneMonthAfter(notified).In(i18n.Amsterdam); m.Hour() != 23 || m.Minute() != 59 {
			t.Fatalf("one month after %v is %v, not 23:59", notified, m)
		}
	}
}
