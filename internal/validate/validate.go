// Package validate is the one way services report bad input: an error that
// carries, per form field, the catalogue key of the message to show next to
// that field. Handlers turn it into a 422 page with the user's input kept.
package validate

import (
	"errors"
	"net/mail"
	"sort"
	"strings"
)

// Errors maps a form field name to the i18n key of its message.
type Errors map[string]string

// Add records the first problem of a field; later ones for the same field are
// ignored so the user sees one clear message at a time.
func (e Errors) Add(field, key string) {
	if _, ok := e[field]; !ok {
		e[field] = key
	}
}

// Err returns a *Error when any field has a problem, else nil.
func (e Errors) Err() error {
	if len(e) == 0 {
		return nil
	}
	return &Error{Fields: e}
}

// Error is a validation failure.
type Error struct {
	Fields Errors
}

func (e *Error) Error() string {
	keys := make([]string, 0, len(e.Fields))
	for f := range e.Fields {
		keys = append(keys, f+": "+e.Fields[f])
	}
	sort.Strings(keys)
	return "invalid input: " + strings.Join(keys, ", ")
}

// Fields returns the field errors of err, or nil when err is not a validation error.
func Fields(err error) Errors {
	var v *Error
	if errors.As(err, &v) {
		return v.Fields
	}
	return nil
}

// Field is a one-field validation error.
func Field(field, key string) error {
	return &Error{Fields: Errors{field: key}}
}

// Email normalises an e-mail address (trimmed, lower case) and reports
// whether it is a plain address (no display name).
func Email(s string) (string, bool) {
	s = strings.ToLower(strings.TrimSpace(s))
	if len(s) < 3 || len(s) > 254 {
		return s, false
	}
	a, err := mail.ParseAddress(s)
	if err != nil || a.Address != s || !strings.Contains(s[strings.LastIndex(s, "@")+1:], ".") {
		return s, false
	}
	return s, true
}
