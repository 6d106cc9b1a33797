package i18n

import (
	"context"
	"strconv"
	"strings"
	"time"
)

// Amsterdam is the zone every time is shown in; times are stored in UTC.
var Amsterdam = mustZone("Europe/Amsterdam")

func mustZone(name string) *time.Location {
	loc, err := time.LoadLocation(name)
	if err != nil {
		panic("i18n: time zone " + name + " not available: " + err.Error())
	}
	return loc
}

var monthsNL = [12]string{"jan.", "feb.", "mrt.", "apr.", "mei", "jun.", "jul.", "aug.", "sep.", "okt.", "nov.", "dec."}

// DateTime formats t as "27 nov. 2026 14:05" (nl) or "27 Nov 2026 14:05" (en)
// in Europe/Amsterdam.
func DateTime(ctx context.Context, t time.Time) string {
	return Date(ctx, t) + " " + t.In(Amsterdam).Format("15:04")
}

// Date formats the calendar day of t in Europe/Amsterdam.
func Date(ctx context.Context, t time.Time) string {
	t = t.In(Amsterdam)
	if LangFrom(ctx) == EN {
		return t.Format("2 Jan 2006")
	}
	return strconv.Itoa(t.Day()) + " " + monthsNL[t.Month()-1] + " " + strconv.Itoa(t.Year())
}

// Int formats n with the locale's thousands separator: 1.234.567 / 1,234,567.
func Int(ctx context.Context, n int64) string {
	sep := "."
	if LangFrom(ctx) == EN {
		sep = ","
	}
	return group(n, sep)
}

// Money formats an amount in euro cents, without cents when they are zero:
// "€ 500.000" (nl) / "€500,000" (en); "€ 12,50" / "€12.50".
func Money(ctx context.Context, cents int64) string {
	en := LangFrom(ctx) == EN
	neg := cents < 0
	if neg {
		cents = -cents
	}
	whole, frac := cents/100, cents%100
	thousands, decimal, prefix := ".", ",", "€ "
	if en {
		thousands, decimal, prefix = ",", ".", "€"
	}
	s := prefix + group(whole, thousands)
	if frac != 0 {
		s += decimal + strconv.FormatInt(100+frac, 10)[1:]
	}
	if neg {
		s = "-" + s
	}
	return s
}

func group(n int64, sep string) string {
	neg := n < 0
	if neg {
		n = -n
	}
	digits := strconv.FormatInt(n, 10)
	var b strings.Builder
	if neg {
		b.WriteByte('-')
	}
	for i, d := range digits {
		if i > 0 && (len(digits)-i)%3 == 0 {
			b.WriteString(sep)
		}
		b.WriteRune(d)
	}
	return b.String()
}

// Decimal formats v with exactly places decimals in the context's language:
// decimal comma and thousands point in Dutch (1.234,5), the reverse in
// English (1,234.5). It is the one number formatter for fractional numbers
// shown to people (maturity, weights, sensitivities).
func Decimal(ctx context.Context, v float64, places int) string {
	return FormatDecimal(LangFrom(ctx), v, places, false)
}

// DecimalTrim is Decimal without trailing zeros (0.250 → "0,25", 3.0 → "3").
func DecimalTrim(ctx context.Context, v float64, maxPlaces int) string {
	return FormatDecimal(LangFrom(ctx), v, maxPlaces, true)
}

// FormatDecimal is Decimal for an explicit language (exports); trim drops
// trailing zeros of the fraction.
func FormatDecimal(l Lang, v float64, places int, trim bool) string {
	s := strconv.FormatFloat(v, 'f', places, 64)
	if s == "-0" || strings.HasPrefix(s, "-0.") && strings.Trim(s[3:], "0") == "" {
		s = s[1:] // no "-0,0"
	}
	neg := strings.HasPrefix(s, "-")
	s = strings.TrimPrefix(s, "-")
	whole, frac, _ := strings.Cut(s, ".")
	if trim {
		frac = strings.TrimRight(frac, "0")
	}
	thousands, decimal := ".", ","
	if l == EN {
		thousands, decimal = ",", "."
	}
	n, _ := strconv.ParseInt(whole, 10, 64)
	out := group(n, thousands)
	if frac != "" {
		out += decimal + frac
	}
	if neg {
		out = "-" + out
	}
	return out
}
