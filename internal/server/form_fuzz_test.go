package server

import (
	"net/url"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/weerbaar/weerbaar/internal/i18n"
	"github.com/weerbaar/weerbaar/internal/risk"
)

// FuzzWholeNumber: the scope wizard's numbers (employees, turnover,
// balance) as people type them. Accepted: 0 ≤ n < 2^53, and the number
// reads back the same plain and as either language formats it.
func FuzzWholeNumber(f *testing.F) {
	for _, s := range []string{"1.250.000", "1,250,000", "1 250 000", "€ 50", "-1", "+3", "9007199254740992", "", "1,5"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		n, ok := wholeNumber(s)
		if !ok {
			return
		}
		if n < 0 || n >= 1<<53 {
			t.Fatalf("%q accepted as %d", s, n)
		}
		for _, l := range []i18n.Lang{i18n.NL, i18n.EN} {
			for _, form := range []string{strconv.Itoa(n), i18n.Int(i18n.WithLang(t.Context(), l), int64(n))} {
				if m, ok := wholeNumber(form); !ok || m != n {
					t.Fatalf("%q: %d reads back from %q as %d, %v", s, n, form, m, ok)
				}
			}
		}
	})
}

// FuzzParseDay: the audit log's date filters. Empty is no bound; else the
// day is midnight in Amsterdam, addDays later, and formats back to the
// same date.
func FuzzParseDay(f *testing.F) {
	for _, s := range []string{"2026-03-29", "2026-10-25", "2026-02-29", "0000-01-01", "9999-12-31", "2026-1-1", ""} {
		f.Add(s, 1)
	}
	f.Fuzz(func(t *testing.T, s string, addDays int) {
		addDays %= 400
		d, err := parseDay(s, addDays)
		switch {
		case err != nil:
			if !d.IsZero() {
				t.Fatalf("%q: refused with %v", s, d)
			}
		case s == "":
			if !d.IsZero() {
				t.Fatalf("empty read as %v", d)
			}
		default:
			local := d.In(i18n.Amsterdam)
			if local.Hour() != 0 || local.Minute() != 0 || local.AddDate(0, 0, -addDays).Format(time.DateOnly) != s {
				t.Fatalf("%q +%d read as %v", s, addDays, local)
			}
		}
	})
}

// FuzzParseRegister: the risk register's URL. A malformed filter or cursor
// is refused (400); an accepted one has positive ids, a valid level or
// none, a listed sort, and the register's own links (registerQuery) read
// back to the same filter and sort.
func FuzzParseRegister(f *testing.F) {
	for _, s := range []string{"level=3&jewel=12&sort=-level", "threat=c:ransomware&overdue=1&after=4.17", "before=x", "level=9",
		"jewel=-1", "sort=nope&page=last", "treatment=accept&owner=2&supplier=3", "overdue=yes", "level=%zz"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, raw string) {
		q, _ := url.ParseQuery(raw)
		rr, ok := parseRegister(q)
		if !ok {
			return
		}
		fl := rr.query.Filter
		if fl.Level != 0 && !fl.Level.Valid() || fl.JewelID < 0 || fl.OwnerID < 0 || fl.SupplierID < 0 ||
			!risk.ValidRegisterTreatment(fl.Treatment) {
			t.Fatalf("%q accepted as %+v", raw, fl)
		}
		if _, ok := risk.ParseRegisterSort(rr.query.Sort.String()); !ok {
			t.Fatalf("%q: sort %+v", raw, rr.query.Sort)
		}
		for _, c := range []*risk.Cursor{rr.query.After, rr.query.Before} {
			if c != nil && c.ID <= 0 {
				t.Fatalf("%q: cursor %+v", raw, c)
			}
		}
		link := strings.TrimPrefix(registerQuery(rr.form), "?")
		q2, err := url.ParseQuery(link)
		if err != nil {
			t.Fatalf("%q: link %q: %v", raw, link, err)
		}
		rr2, ok := parseRegister(q2)
		if !ok || rr2.query.Filter != fl || rr2.query.Sort != rr.query.Sort {
			t.Fatalf("%q: link %q reads as %+v, want %+v", raw, link, rr2.query, rr.query)
		}
	})
}
