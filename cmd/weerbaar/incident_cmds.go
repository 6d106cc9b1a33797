package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"time"

	"github.com/weerbaar/weerbaar/internal/i18n"
	"github.com/weerbaar/weerbaar/internal/incident"
)

const deadlinesUsage = `usage: weerbaar deadlines --aware "YYYY-MM-DD HH:MM" [--trust-service] [--notified "YYYY-MM-DD HH:MM"]
       weerbaar deadlines --notified "YYYY-MM-DD HH:MM"

Prints when the reports of a significant incident are due (Art. 23(4) NIS2), as JSON with
RFC 3339 times at the Europe/Amsterdam offset: early_warning_due (aware + 24 h),
notification_due (aware + 72 h; 24 h with --trust-service) and, with --notified,
final_report_due (23:59 on the same date one month after the notification, the month's last
day when that date does not exist). --notified alone prints only final_report_due.
Hours are added in absolute time, so a daylight-saving change never moves a deadline.

  --aware TIME       when the entity became aware of the incident
  --notified TIME    when the incident notification was submitted
  --trust-service    a trust service provider's incident affecting its trust services

TIME is Europe/Amsterdam wall-clock time, "YYYY-MM-DD HH:MM". A time that does not exist (the
hour skipped when the clocks go forward) is refused. A time that occurs twice (the hour repeated
when the clocks go back) is refused unless the offset follows: "2026-10-25 02:30 +02:00" is the
first (summer time), "2026-10-25 02:30 +01:00" the second (winter time).`

const significanceUsage = `usage: weerbaar significance --turnover EUR --loss EUR [--lang en|nl]
       weerbaar significance --turnover EUR --incident EUR@YYYY-MM-DD [--incident EUR@YYYY-MM-DD…]
                             [--same-root-cause] [--lang en|nl]

Prints whether the financial criterion of Implementing Regulation (EU) 2024/2690 makes an incident
significant, as JSON: {"significant": bool, "threshold_eur": N, "reasons": […]}. The threshold is
the lower of €500,000 and 5 % of last year's turnover; the loss must exceed it (Art. 3(1)(a)).
Only the financial criteria are answered here: the other Art. 3 criteria (trade secrets, death,
health, malicious access, operational disruption) count as not met.

  --turnover EUR          last year's annual turnover in whole euros, e.g. 12000000
  --loss EUR              the incident's direct financial loss in whole euros
  --incident EUR@DATE     an incident's loss and the date the entity became aware of it
                          (repeatable). The newest is assessed (the last given among those of
                          its date); the others only count with --same-root-cause
  --same-root-cause       the incidents share their apparent root cause: Art. 4 adds up the
                          losses of those dated from six months before the newest up to it
  --lang en|nl            language of the reasons (default en)`

// deadlinesCmd: `weerbaar deadlines …` prints the reporting clock as JSON.
// Like scope it needs no configuration or database.
func deadlinesCmd(args []string, stdout, stderr io.Writer) error {
	req, err := incident.ParseDeadlinesArgs(args)
	if err != nil {
		return incidentArgsError("deadlines", deadlinesUsage, err, stdout, stderr)
	}
	return writeJSON(stdout, deadlinesJSON(req))
}

// significanceCmd: `weerbaar significance …` prints the financial
// significance test as JSON.
func significanceCmd(args []string, stdout, stderr io.Writer) error {
	req, err := incident.ParseSignificanceArgs(args)
	if err != nil {
		return incidentArgsError("significance", significanceUsage, err, stdout, stderr)
	}
	return writeJSON(stdout, significanceJSON(req))
}

// incidentArgsError answers --help on stdout, and bad input with the
// message and the usage on stderr (exit 2).
func incidentArgsError(name, usage string, err error, stdout, stderr io.Writer) error {
	if errors.Is(err, flag.ErrHelp) {
		fmt.Fprintln(stdout, usage)
		return nil
	}
	msg := name + ": " + err.Error()
	fmt.Fprintf(stderr, "%s\n%s\n", msg, usage)
	return usageError{msg}
}

type cliDeadlines struct {
	EarlyWarningDue string `json:"early_warning_due,omitempty"`
	NotificationDue string `json:"notification_due,omitempty"`
	FinalReportDue  string `json:"final_report_due,omitempty"`
}

func deadlinesJSON(req incident.DeadlinesRequest) cliDeadlines {
	due := req.Due()
	amsterdam := func(t *time.Time) string {
		if t == nil {
			return ""
		}
		return t.In(i18n.Amsterdam).Format(time.RFC3339)
	}
	return cliDeadlines{EarlyWarningDue: amsterdam(due.EarlyWarning), NotificationDue: amsterdam(due.Notification), FinalReportDue: amsterdam(due.Final)}
}

type cliSignificance struct {
	Significant  bool     `json:"significant"`
	ThresholdEUR int64    `json:"threshold_eur"`
	Reasons      []string `json:"reasons"`
}

func significanceJSON(req incident.SignificanceRequest) cliSignificance {
	a := req.Assess()
	ctx := i18n.WithLang(context.Background(), req.Lang)
	out := cliSignificance{Significant: a.Outcome == incident.Significant, ThresholdEUR: a.ThresholdEUR, Reasons: []string{}}
	for _, r := range a.Reasons {
		out.Reasons = append(out.Reasons, r.In(ctx))
	}
	return out
}
