package incident

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"strconv"
	"strings"
	"time"

	"github.com/weerbaar/weerbaar/internal/i18n"
)

// The arguments of `weerbaar deadlines` and `weerbaar significance`, parsed
// by pure functions (args → request or error) so they can be fuzzed. The
// requests are answered with the same rules the app uses: EarlyWarningDue,
// NotificationDue, OneMonthAfter and Assess.

// maxEUR bounds every amount, and the losses added up, below 2^53: exact in
// JSON and never overflowing when turned into cents for the reasons' words.
const maxEUR = 1 << 53

// The years a time or date may name.
const minYear, maxYear = 2000, 2999

// ArgError is bad command-line input; the command prints it with its usage
// and exits 2.
type ArgError struct{ Msg string }

func (e *ArgError) Error() string { return e.Msg }

func argErr(format string, a ...any) error { return &ArgError{fmt.Sprintf(format, a...)} }

// DeadlinesRequest is `weerbaar deadlines`: at least one of Aware and
// Notified is set.
type DeadlinesRequest struct {
	Aware        *time.Time
	TrustService bool
	Notified     *time.Time
}

// DueTimes are the due times of a request; nil when the request does not
// ask for them.
type DueTimes struct {
	EarlyWarning, Notification, Final *time.Time
}

// Due applies the clock: the early warning and notification from Aware,
// the final report one month after Notified.
func (r DeadlinesRequest) Due() DueTimes {
	var d DueTimes
	if r.Aware != nil {
		ew, n := EarlyWarningDue(*r.Aware), NotificationDue(*r.Aware, r.TrustService)
		d.EarlyWarning, d.Notification = &ew, &n
	}
	if r.Notified != nil {
		f := OneMonthAfter(*r.Notified)
		d.Final = &f
	}
	return d
}

// ParseDeadlinesArgs reads `--aware "YYYY-MM-DD HH:MM" [--trust-service]
// [--notified "YYYY-MM-DD HH:MM"]`. -h/--help returns flag.ErrHelp.
func ParseDeadlinesArgs(args []string) (DeadlinesRequest, error) {
	var r DeadlinesRequest
	fs := flag.NewFlagSet("deadlines", flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	fs.Func("aware", "when the entity became aware, Europe/Amsterdam", func(v string) error {
		t, err := ParseAmsterdam(v)
		r.Aware = &t
		return err
	})
	fs.Func("notified", "when the notification was submitted, Europe/Amsterdam", func(v string) error {
		t, err := ParseAmsterdam(v)
		r.Notified = &t
		return err
	})
	fs.BoolVar(&r.TrustService, "trust-service", false, "a trust service provider's incident affecting its trust services")
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return DeadlinesRequest{}, err
		}
		return DeadlinesRequest{}, &ArgError{err.Error()}
	}
	if fs.NArg() > 0 {
		return DeadlinesRequest{}, argErr("unexpected argument %q", fs.Arg(0))
	}
	switch {
	case r.Aware == nil && r.TrustService:
		return DeadlinesRequest{}, argErr("--trust-service needs --aware")
	case r.Aware == nil && r.Notified == nil:
		return DeadlinesRequest{}, argErr("--aware or --notified is required")
	case r.Aware != nil && r.Notified != nil && r.Notified.Before(*r.Aware):
		return DeadlinesRequest{}, argErr("--notified is before --aware")
	}
	return r, nil
}

// ParseAmsterdam reads a Europe/Amsterdam wall-clock time "YYYY-MM-DD HH:MM".
// A time that does not exist (the hour skipped when the clocks go forward)
// is refused; one that occurs twice (the hour repeated when they go back) is
// refused unless the offset follows, "YYYY-MM-DD HH:MM +02:00" (summer time,
// the first) or "+01:00" (winter time, the second).
func ParseAmsterdam(v string) (time.Time, error) {
	wall, withOffset := v, ""
	if len(v) > len("2006-01-02 15:04") {
		wall, withOffset = v[:len("2006-01-02 15:04")], v
	}
	w, err := time.Parse("2006-01-02 15:04", wall)
	if err != nil {
		return time.Time{}, argErr("want a Europe/Amsterdam time as \"YYYY-MM-DD HH:MM\"")
	}
	if w.Year() < minYear || w.Year() > maxYear {
		return time.Time{}, argErr("the year must be from %d to %d", minYear, maxYear)
	}
	instants := amsterdamInstants(w)
	if len(instants) == 0 {
		return time.Time{}, argErr("does not exist in Europe/Amsterdam: the clocks are put forward over this hour that night")
	}
	var offsets []string
	for _, i := range instants {
		_, off := i.Zone()
		offsets = append(offsets, wall+" "+offsetText(off))
	}
	if withOffset != "" {
		t, err := time.Parse("2006-01-02 15:04 -07:00", withOffset)
		if err != nil {
			return time.Time{}, argErr("want \"YYYY-MM-DD HH:MM\", or with the offset as in %q", offsets[0])
		}
		for _, i := range instants {
			if i.Equal(t) {
				return i, nil
			}
		}
		return time.Time{}, argErr("Europe/Amsterdam is not at that offset then; say %s", strings.Join(quoteAll(offsets), " or "))
	}
	if len(instants) == 1 {
		return instants[0], nil
	}
	return time.Time{}, argErr("occurs twice in Europe/Amsterdam (the clocks go back over this hour that night); add the offset: %q (summer time, the first) or %q (winter time, the second)",
		offsets[0], offsets[1])
}

func quoteAll(s []string) []string {
	out := make([]string, len(s))
	for i, v := range s {
		out[i] = strconv.Quote(v)
	}
	return out
}

// amsterdamInstants are the instants, earliest first, whose Amsterdam wall
// clock reads w's date and time (w in UTC): none in the hour skipped in
// spring, two in the hour repeated in autumn.
func amsterdamInstants(w time.Time) []time.Time {
	var out []time.Time
	for _, probe := range []time.Duration{-26 * time.Hour, 26 * time.Hour} {
		_, off := w.Add(probe).In(i18n.Amsterdam).Zone()
		t := w.Add(-time.Duration(off) * time.Second).In(i18n.Amsterdam)
		if t.Format("2006-01-02 15:04") != w.Format("2006-01-02 15:04") {
			continue
		}
		if len(out) == 1 && out[0].Equal(t) {
			continue
		}
		if len(out) == 1 && t.Before(out[0]) {
			out = []time.Time{t, out[0]}
			continue
		}
		out = append(out, t)
	}
	return out
}

func offsetText(seconds int) string {
	return time.Date(2000, 1, 1, 0, 0, 0, 0, time.FixedZone("", seconds)).Format("-07:00")
}

// LossAt is one incident's loss for `weerbaar significance`; Date is
// midnight Europe/Amsterdam of its day (zero for --loss).
type LossAt struct {
	EUR  int64
	Date time.Time
}

// SignificanceRequest is `weerbaar significance`.
type SignificanceRequest struct {
	TurnoverEUR int64
	// Incidents has one entry for --loss, one per --incident otherwise.
	Incidents []LossAt
	// SameRootCause: the incidents share their apparent root cause, so
	// Art. 4 adds up the losses of those within six months of the newest.
	SameRootCause bool
	Lang          i18n.Lang
}

// Newest is the index of the incident assessed: the latest date, the last
// given among incidents of that date.
func (r SignificanceRequest) Newest() int {
	n := 0
	for i, inc := range r.Incidents {
		if !inc.Date.Before(r.Incidents[n].Date) {
			n = i
		}
	}
	return n
}

// Assess assesses the newest incident with Assess: its loss against the
// threshold from the turnover and, with SameRootCause, the other incidents
// under the recurrence rule. The command answers for the financial
// criteria only, so the other Art. 3 criteria are answered no.
func (r SignificanceRequest) Assess() Assessment {
	rootCause := ""
	if r.SameRootCause {
		rootCause = "same"
	}
	n := r.Newest()
	answers := map[Criterion]Answer{}
	for _, c := range Criteria {
		answers[c] = No
	}
	turnover, loss := r.TurnoverEUR, r.Incidents[n].EUR
	facts := SignificanceFacts{TurnoverEUR: &turnover, AwareAt: r.Incidents[n].Date, RootCause: rootCause}
	for i, inc := range r.Incidents {
		if i != n {
			facts.Others = append(facts.Others, Other{ID: int64(i + 1), AwareAt: inc.Date, RootCause: rootCause, LossEUR: &inc.EUR})
		}
	}
	return Assess(Checklist{LossEUR: &loss, Answers: answers}, facts)
}

// ParseSignificanceArgs reads `--turnover EUR (--loss EUR | --incident
// EUR@YYYY-MM-DD … [--same-root-cause]) [--lang en|nl]`. -h/--help returns
// flag.ErrHelp.
func ParseSignificanceArgs(args []string) (SignificanceRequest, error) {
	r := SignificanceRequest{Lang: i18n.EN}
	var loss *int64
	var incidents []LossAt
	fs := flag.NewFlagSet("significance", flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	fs.Func("turnover", "last year's annual turnover in whole euros", func(v string) error {
		n, err := parseEUR(v)
		r.TurnoverEUR = n
		return err
	})
	fs.Func("loss", "the incident's direct financial loss in whole euros", func(v string) error {
		n, err := parseEUR(v)
		loss = &n
		return err
	})
	fs.Func("incident", "EUR@YYYY-MM-DD: an incident's loss and the day the entity became aware (repeatable)", func(v string) error {
		amount, day, ok := strings.Cut(v, "@")
		if !ok {
			return errors.New("want EUR@YYYY-MM-DD, e.g. 120000@2026-03-14")
		}
		n, err := parseEUR(amount)
		if err != nil {
			return err
		}
		d, err := time.ParseInLocation("2006-01-02", day, i18n.Amsterdam)
		if err != nil || len(day) != len("2006-01-02") {
			return fmt.Errorf("want a date as YYYY-MM-DD after the @")
		}
		if d.Year() < minYear || d.Year() > maxYear {
			return fmt.Errorf("the year must be from %d to %d", minYear, maxYear)
		}
		incidents = append(incidents, LossAt{EUR: n, Date: d})
		return nil
	})
	fs.BoolVar(&r.SameRootCause, "same-root-cause", false, "the incidents have the same apparent root cause (Art. 4)")
	fs.Func("lang", "language of the reasons: en (default) or nl", func(v string) error {
		l, ok := i18n.Parse(v)
		if !ok {
			return errors.New("want en or nl")
		}
		r.Lang = l
		return nil
	})
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return SignificanceRequest{}, err
		}
		return SignificanceRequest{}, &ArgError{err.Error()}
	}
	if fs.NArg() > 0 {
		return SignificanceRequest{}, argErr("unexpected argument %q", fs.Arg(0))
	}
	set := map[string]bool{}
	fs.Visit(func(f *flag.Flag) { set[f.Name] = true })
	switch {
	case !set["turnover"]:
		return SignificanceRequest{}, argErr("--turnover is required")
	case loss != nil && len(incidents) > 0:
		return SignificanceRequest{}, argErr("give either --loss or --incident, not both")
	case loss == nil && len(incidents) == 0:
		return SignificanceRequest{}, argErr("--loss or at least one --incident is required")
	case loss != nil && r.SameRootCause:
		return SignificanceRequest{}, argErr("--same-root-cause needs --incident (with dates) instead of --loss")
	case loss != nil:
		r.Incidents = []LossAt{{EUR: *loss}}
	default:
		r.Incidents = incidents
	}
	total := int64(0)
	for _, inc := range r.Incidents {
		if total += inc.EUR; total >= maxEUR {
			return SignificanceRequest{}, argErr("the losses together are too large (at most %d)", int64(maxEUR-1))
		}
	}
	return r, nil
}

// parseEUR accepts whole euros in decimal digits only ("1e6", "12M",
// "1_000", "0x10" and negative amounts are refused, not guessed).
func parseEUR(v string) (int64, error) {
	n, err := strconv.ParseInt(v, 10, 64)
	switch {
	case err != nil && errors.Is(err, strconv.ErrRange), err == nil && n >= maxEUR:
		return 0, fmt.Errorf("too large (at most %d)", int64(maxEUR-1))
	case err != nil:
		return 0, errors.New("not whole euros (digits only, e.g. 12000000)")
	case n < 0:
		return 0, errors.New("must not be negative")
	}
	return n, nil
}
