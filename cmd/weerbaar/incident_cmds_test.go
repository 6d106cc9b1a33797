package main

import (
	"bytes"
	"context"
	"encoding/json"
	"maps"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/weerbaar/weerbaar/internal/i18n"
	"github.com/weerbaar/weerbaar/internal/incident"
)

// runJSON runs `weerbaar <args…>` and decodes its JSON output.
func runJSON(t *testing.T, args ...string) map[string]any {
	t.Helper()
	var stdout, stderr bytes.Buffer
	if err := run(context.Background(), args, noEnv, &stdout, &stderr); err != nil {
		t.Fatalf("%q: %v (stderr %s)", args, err, stderr.String())
	}
	if stderr.Len() != 0 {
		t.Errorf("%q: stderr not empty: %s", args, stderr.String())
	}
	var out map[string]any
	if err := json.Unmarshal(stdout.Bytes(), &out); err != nil {
		t.Fatalf("%q: not JSON: %v\n%s", args, err, stdout.String())
	}
	return out
}

// TestDeadlinesCmd: the due times as RFC 3339 at the Amsterdam offset,
// around both daylight-saving changes of 2026 and 2027, at 23:30, and the
// final report one month after notifications at month ends.
func TestDeadlinesCmd(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		args []string
		want map[string]any
	}{
		{"spring 2026, just before", []string{"--aware", "2026-03-29 01:59"},
			map[string]any{"early_warning_due": "2026-03-30T02:59:00+02:00", "notification_due": "2026-04-01T02:59:00+02:00"}},
		{"spring 2026, just after", []string{"--aware", "2026-03-29 03:00"},
			map[string]any{"early_warning_due": "2026-03-30T03:00:00+02:00", "notification_due": "2026-04-01T03:00:00+02:00"}},
		{"spring 2026, the day before: 24 h show as 25 on the clock", []string{"--aware", "2026-03-28 02:30"},
			map[string]any{"early_warning_due": "2026-03-29T03:30:00+02:00", "notification_due": "2026-03-31T03:30:00+02:00"}},
		{"autumn 2026, just before", []string{"--aware", "2026-10-25 01:59"},
			map[string]any{"early_warning_due": "2026-10-26T00:59:00+01:00", "notification_due": "2026-10-28T00:59:00+01:00"}},
		{"autumn 2026, just after", []string{"--aware", "2026-10-25 03:00"},
			map[string]any{"early_warning_due": "2026-10-26T03:00:00+01:00", "notification_due": "2026-10-28T03:00:00+01:00"}},
		{"autumn 2026, the repeated hour's first 02:30", []string{"--aware", "2026-10-25 02:30 +02:00"},
			map[string]any{"early_warning_due": "2026-10-26T01:30:00+01:00", "notification_due": "2026-10-28T01:30:00+01:00"}},
		{"autumn 2026, the repeated hour's second 02:30", []string{"--aware", "2026-10-25 02:30 +01:00"},
			map[string]any{"early_warning_due": "2026-10-26T02:30:00+01:00", "notification_due": "2026-10-28T02:30:00+01:00"}},
		{"autumn 2026, the day before: 24 h show as 23 on the clock", []string{"--aware", "2026-10-24 03:30"},
			map[string]any{"early_warning_due": "2026-10-25T02:30:00+01:00", "notification_due": "2026-10-27T02:30:00+01:00"}},
		{"spring 2027, just before", []string{"--aware", "2027-03-28 01:30"},
			map[string]any{"early_warning_due": "2027-03-29T02:30:00+02:00", "notification_due": "2027-03-31T02:30:00+02:00"}},
		{"spring 2027, just after", []string{"--aware", "2027-03-28 03:01"},
			map[string]any{"early_warning_due": "2027-03-29T03:01:00+02:00", "notification_due": "2027-03-31T03:01:00+02:00"}},
		{"autumn 2027, just before", []string{"--aware", "2027-10-31 01:45"},
			map[string]any{"early_warning_due": "2027-11-01T00:45:00+01:00", "notification_due": "2027-11-03T00:45:00+01:00"}},
		{"autumn 2027, just after", []string{"--aware", "2027-10-31 03:15"},
			map[string]any{"early_warning_due": "2027-11-01T03:15:00+01:00", "notification_due": "2027-11-03T03:15:00+01:00"}},
		{"aware at 23:30", []string{"--aware", "2026-06-30 23:30"},
			map[string]any{"early_warning_due": "2026-07-01T23:30:00+02:00", "notification_due": "2026-07-03T23:30:00+02:00"}},
		{"aware at 23:30, trust service: notification in 24 h", []string{"--aware", "2026-06-30 23:30", "--trust-service"},
			map[string]any{"early_warning_due": "2026-07-01T23:30:00+02:00", "notification_due": "2026-07-01T23:30:00+02:00"}},
		{"aware at 23:30 on 31 December, notified 31 January 2027 (not a leap year)",
			[]string{"--aware", "2026-12-31 23:30", "--notified", "2027-01-31 23:30"},
			map[string]any{"early_warning_due": "2027-01-01T23:30:00+01:00", "notification_due": "2027-01-03T23:30:00+01:00", "final_report_due": "2027-02-28T23:59:00+01:00"}},
		{"notified 31 January 2028 (a leap year)", []string{"--notified", "2028-01-31 10:00"},
			map[string]any{"final_report_due": "2028-02-29T23:59:00+01:00"}},
		{"notified 31 January 2027", []string{"--notified", "2027-01-31 00:00"},
			map[string]any{"final_report_due": "2027-02-28T23:59:00+01:00"}},
		{"notified 30 April", []string{"--notified", "2026-04-30 16:00"},
			map[string]any{"final_report_due": "2026-05-30T23:59:00+02:00"}},
		{"notified 31 December", []string{"--notified", "2026-12-31 09:00"},
			map[string]any{"final_report_due": "2027-01-31T23:59:00+01:00"}},
		{"notified in winter, due in summer time", []string{"--notified", "2026-03-01 12:00"},
			map[string]any{"final_report_due": "2026-04-01T23:59:00+02:00"}},
		{"flag=value form", []string{"--aware=2026-01-10 08:00", "--notified=2026-01-12 08:00"},
			map[string]any{"early_warning_due": "2026-01-11T08:00:00+01:00", "notification_due": "2026-01-13T08:00:00+01:00", "final_report_due": "2026-02-12T23:59:00+01:00"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			got := runJSON(t, append([]string{"deadlines"}, tt.args...)...)
			if !maps.Equal(got, tt.want) {
				t.Errorf("deadlines %q\n got %v\nwant %v", tt.args, got, tt.want)
			}
		})
	}
}

func TestSignificanceCmd(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name        string
		args        string
		significant bool
		threshold   float64
		reasons     []string
	}{
		{"€4M: exactly at the threshold", "--turnover 4000000 --loss 200000", false, 200_000,
			[]string{"The financial loss of €200,000 does not exceed the threshold.", "No criterion is met."}},
		{"€4M: one euro above", "--turnover 4000000 --loss 200001", true, 200_000,
			[]string{"The financial loss of €200,001 exceeds the threshold."}},
		{"€10M: exactly at the threshold", "--turnover 10000000 --loss 500000", false, 500_000, nil},
		{"€10M: one euro above", "--turnover 10000000 --loss 500001", true, 500_000, nil},
		{"€20M: the €500,000 ceiling, exactly at it", "--turnover 20000000 --loss 500000", false, 500_000, nil},
		{"€20M: one euro above the ceiling", "--turnover 20000000 --loss 500001", true, 500_000, nil},
		{"no turnover: 5 % of nothing", "--turnover 0 --loss 1", true, 0, nil},
		{"one incident with a date", "--turnover 4000000 --incident 200001@2026-05-01", true, 200_000, nil},
		{"recurrence: exactly six months before the newest counts", "--turnover 4000000 --incident 150000@2026-03-15 --incident 50001@2026-09-15 --same-root-cause", true, 200_000,
			[]string{"The financial loss of €50,001 does not exceed the threshold.",
				"Recurrence (Art. 4): 2 incidents in six months with the same root cause, together €200,001 of loss, above the threshold."}},
		{"recurrence: the newest decides, whatever the order given", "--turnover 4000000 --incident 50001@2026-09-15 --incident 150000@2026-03-15 --same-root-cause", true, 200_000,
			[]string{"The financial loss of €50,001 does not exceed the threshold.",
				"Recurrence (Art. 4): 2 incidents in six months with the same root cause, together €200,001 of loss, above the threshold."}},
		{"recurrence: one day more than six months before does not count", "--turnover 4000000 --incident 150000@2026-03-14 --incident 50001@2026-09-15 --same-root-cause", false, 200_000,
			[]string{"The financial loss of €50,001 does not exceed the threshold.", "No criterion is met."}},
		{"recurrence: together exactly at the threshold", "--turnover 4000000 --incident 100000@2026-04-01 --incident 60000@2026-05-01 --incident 40000@2026-06-01 --same-root-cause", false, 200_000,
			[]string{"The financial loss of €40,000 does not exceed the threshold.",
				"Recurrence (Art. 4): 3 incidents in six months with the same root cause, together €200,000 of loss, not above the threshold.",
				"No criterion is met."}},
		{"different root causes: no recurrence", "--turnover 4000000 --incident 150000@2026-08-01 --incident 50001@2026-09-15", false, 200_000,
			[]string{"The financial loss of €50,001 does not exceed the threshold.", "No criterion is met."}},
		{"reasons in Dutch", "--turnover 4000000 --incident 150000@2026-08-01 --incident 50001@2026-09-15 --same-root-cause --lang nl", true, 200_000,
			[]string{"Het financiële verlies van € 50.001 ligt niet boven de drempel.",
				"Herhaling (art. 4): 2 incidenten in zes maanden met dezelfde grondoorzaak, samen € 200.001 verlies, boven de drempel."}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			got := runJSON(t, append([]string{"significance"}, strings.Fields(tt.args)...)...)
			if keys := slices.Sorted(maps.Keys(got)); !slices.Equal(keys, []string{"reasons", "significant", "threshold_eur"}) {
				t.Fatalf("keys %v", keys)
			}
			if got["significant"] != tt.significant || got["threshold_eur"] != tt.threshold {
				t.Errorf("significant %v threshold %v, want %v %v", got["significant"], got["threshold_eur"], tt.significant, tt.threshold)
			}
			var reasons []string
			for _, r := range got["reasons"].([]any) {
				reasons = append(reasons, r.(string))
			}
			if len(reasons) == 0 {
				t.Error("no reasons")
			}
			if tt.reasons != nil && !slices.Equal(reasons, tt.reasons) {
				t.Errorf("reasons\n got %q\nwant %q", reasons, tt.reasons)
			}
		})
	}
}

// TestIncidentCmdsBadInput: bad input exits 2 with the message and the usage
// on stderr and nothing on stdout.
func TestIncidentCmdsBadInput(t *testing.T) {
	t.Parallel()
	tests := []struct {
		args      []string
		stderrHas string
	}{
		{[]string{"deadlines"}, "--aware or --notified is required"},
		{[]string{"deadlines", "--aware", "2026-03-29 02:30"}, "does not exist in Europe/Amsterdam"},
		{[]string{"deadlines", "--aware", "2027-03-28 02:00"}, "does not exist in Europe/Amsterdam"},
		{[]string{"deadlines", "--aware", "2026-10-25 02:30"}, `occurs twice in Europe/Amsterdam (the clocks go back over this hour that night); add the offset: "2026-10-25 02:30 +02:00"`},
		{[]string{"deadlines", "--aware", "2027-10-31 02:00"}, "occurs twice"},
		{[]string{"deadlines", "--aware", "2026-10-25 02:30 +03:00"}, `not at that offset then; say "2026-10-25 02:30 +02:00" or "2026-10-25 02:30 +01:00"`},
		{[]string{"deadlines", "--aware", "2026-07-01 10:00 +01:00"}, `say "2026-07-01 10:00 +02:00"`},
		{[]string{"deadlines", "--aware", "2026-13-01 10:00"}, `want a Europe/Amsterdam time as "YYYY-MM-DD HH:MM"`},
		{[]string{"deadlines", "--aware", "2026-02-29 10:00"}, "YYYY-MM-DD HH:MM"},
		{[]string{"deadlines", "--aware", "2026-01-01T10:00"}, "YYYY-MM-DD HH:MM"},
		{[]string{"deadlines", "--aware", "1999-12-31 10:00"}, "the year must be from 2000 to 2999"},
		{[]string{"deadlines", "--trust-service"}, "--trust-service needs --aware"},
		{[]string{"deadlines", "--aware", "2026-05-02 10:00", "--notified", "2026-05-01 10:00"}, "--notified is before --aware"},
		{[]string{"deadlines", "--aware", "2026-05-02 10:00", "extra"}, `unexpected argument "extra"`},
		{[]string{"deadlines", "--now", "2026-05-02 10:00"}, "flag provided but not defined: -now"},
		{[]string{"significance", "--loss", "1"}, "--turnover is required"},
		{[]string{"significance", "--turnover", "1"}, "--loss or at least one --incident is required"},
		{[]string{"significance", "--turnover", "1", "--loss", "1", "--incident", "1@2026-01-01"}, "either --loss or --incident, not both"},
		{[]string{"significance", "--turnover", "1", "--loss", "1", "--same-root-cause"}, "--same-root-cause needs --incident"},
		{[]string{"significance", "--turnover", "-1", "--loss", "1"}, "must not be negative"},
		{[]string{"significance", "--turnover", "1e6", "--loss", "1"}, "not whole euros"},
		{[]string{"significance", "--turnover", "12M", "--loss", "1"}, "not whole euros"},
		{[]string{"significance", "--turnover", "1", "--loss", "99999999999999999999"}, "too large"},
		{[]string{"significance", "--turnover", "1", "--incident", "5000"}, "want EUR@YYYY-MM-DD"},
		{[]string{"significance", "--turnover", "1", "--incident", "5000@2026-02-30"}, "want a date as YYYY-MM-DD"},
		{[]string{"significance", "--turnover", "1", "--incident", "x@2026-02-01"}, "not whole euros"},
		{[]string{"significance", "--turnover", "1", "--incident", "5000000000000000@2026-01-01", "--incident", "5000000000000000@2026-01-02"}, "the losses together are too large"},
		{[]string{"significance", "--turnover", "1", "--loss", "1", "--lang", "de"}, "want en or nl"},
		{[]string{"significance", "--turnover", "1", "--loss", "1", "now"}, `unexpected argument "now"`},
	}
	for _, tt := range tests {
		t.Run(strings.Join(tt.args, " "), func(t *testing.T) {
			t.Parallel()
			var stdout, stderr bytes.Buffer
			err := run(context.Background(), tt.args, noEnv, &stdout, &stderr)
			if err == nil || exitCode(err) != 2 {
				t.Fatalf("err %v (exit %d), want exit 2", err, exitCode(err))
			}
			if !strings.Contains(stderr.String(), tt.stderrHas) || !strings.Contains(stderr.String(), "usage: weerbaar "+tt.args[0]) {
				t.Errorf("stderr lacks %q and the usage:\n%s", tt.stderrHas, stderr.String())
			}
			if stdout.Len() != 0 {
				t.Errorf("stdout not empty: %s", stdout.String())
			}
		})
	}
}

// fuzzArgs splits a fuzzed command line on tabs: the times hold spaces.
func fuzzArgs(line string) []string { return strings.Split(line, "\t") }

// FuzzDeadlinesArgs: any command line is refused or parsed, never a panic;
// what parses prints valid JSON whose times are RFC 3339 at the Amsterdam
// offset, after the times given, early warning ≤ notification.
func FuzzDeadlinesArgs(f *testing.F) {
	for _, seed := range []string{
		"--aware\t2026-03-29 01:59",
		"--aware\t2026-10-25 02:30 +02:00\t--trust-service",
		"--aware=2026-12-31 23:30\t--notified=2027-01-31 23:30",
		"--notified\t2028-01-31 10:00",
		"--aware\t2026-03-29 02:30",
		"--aware\t2026-10-25 02:30",
		"--trust-service",
		"-h",
		"",
	} {
		f.Add(seed)
	}
	f.Fuzz(func(t *testing.T, line string) {
		req, err := incident.ParseDeadlinesArgs(fuzzArgs(line))
		if err != nil {
			return
		}
		var out bytes.Buffer
		if err := writeJSON(&out, deadlinesJSON(req)); err != nil || !json.Valid(out.Bytes()) {
			t.Fatalf("%q: invalid JSON %v: %s", line, err, out.String())
		}
		var got map[string]string
		if err := json.Unmarshal(out.Bytes(), &got); err != nil {
			t.Fatal(err)
		}
		due := map[string]time.Time{}
		for k, v := range got {
			tm, err := time.Parse(time.RFC3339, v)
			if err != nil {
				t.Fatalf("%q: %s %q is not RFC 3339", line, k, v)
			}
			if tm.Format("-07:00") != tm.In(i18n.Amsterdam).Format("-07:00") {
				t.Fatalf("%q: %s %q not at the Amsterdam offset", line, k, v)
			}
			due[k] = tm
		}
		if (req.Aware != nil) != (len(got) == 2 || len(got) == 3) || (req.Notified != nil) != (got["final_report_due"] != "") {
			t.Fatalf("%q: keys %v for %+v", line, got, req)
		}
		if req.Aware != nil {
			ew, n := due["early_warning_due"], due["notification_due"]
			if !ew.After(*req.Aware) || n.Before(ew) {
				t.Fatalf("%q: aware %v, early warning %v, notification %v", line, req.Aware, ew, n)
			}
		}
		if req.Notified != nil {
			if final := due["final_report_due"]; !final.After(*req.Notified) || req.Aware != nil && final.Before(due["early_warning_due"]) {
				t.Fatalf("%q: notified %v, final %v", line, req.Notified, final)
			}
		}
	})
}

// FuzzSignificanceArgs: any command line is refused or parsed, never a
// panic; what parses prints valid JSON with the threshold of Art. 3(1)(a),
// reasons, and a result the losses bear out.
func FuzzSignificanceArgs(f *testing.F) {
	for _, seed := range []string{
		"--turnover\t4000000\t--loss\t200001",
		"--turnover=20000000\t--loss=500000\t--lang=nl",
		"--turnover\t4000000\t--incident\t150000@2026-03-15\t--incident\t50001@2026-09-15\t--same-root-cause",
		"--turnover\t0\t--incident\t1@2999-12-31\t--incident\t9007199254740990@2000-01-01",
		"--turnover\t1\t--loss\t-1",
		"--turnover\t1\t--loss\t1\t--same-root-cause",
		"-h",
		"",
	} {
		f.Add(seed)
	}
	f.Fuzz(func(t *testing.T, line string) {
		req, err := incident.ParseSignificanceArgs(fuzzArgs(line))
		if err != nil {
			return
		}
		var out bytes.Buffer
		if err := writeJSON(&out, significanceJSON(req)); err != nil || !json.Valid(out.Bytes()) {
			t.Fatalf("%q: invalid JSON %v: %s", line, err, out.String())
		}
		var got cliSignificance
		if err := json.Unmarshal(out.Bytes(), &got); err != nil {
			t.Fatal(err)
		}
		if want := min(500_000, req.TurnoverEUR*5/100); got.ThresholdEUR != want || len(got.Reasons) == 0 {
			t.Fatalf("%q: threshold %d (want %d), reasons %q", line, got.ThresholdEUR, want, got.Reasons)
		}
		newest, total := req.Incidents[req.Newest()].EUR, int64(0)
		for _, inc := range req.Incidents {
			total += inc.EUR
		}
		switch {
		case newest > got.ThresholdEUR && !got.Significant:
			t.Fatalf("%q: the loss alone exceeds the threshold but not significant", line)
		case !req.SameRootCause && got.Significant != (newest > got.ThresholdEUR):
			t.Fatalf("%q: without a shared root cause only the newest loss counts", line)
		case got.Significant && total <= got.ThresholdEUR:
			t.Fatalf("%q: significant though all losses together do not exceed the threshold", line)
		}
		for _, r := range got.Reasons {
			if strings.HasPrefix(r, "incident.sig.") {
				t.Fatalf("%q: untranslated reason %q", line, r)
			}
		}
	})
}
