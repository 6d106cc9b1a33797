package server

import "net/http"

// FormState is the state a form page is rendered in: fresh (the zero value:
// 200 with the saved values), or again after a failed save with the status
// (422 field errors, 409 conflict), the user's input as typed, the field
// errors (i18n keys) and, on a conflict, the other person's saved version.
// One value instead of positional parameters, so every call says what it
// passes; new form pages take one too.
type FormState[Input, Other any] struct {
	// Status is the response status; 0 means 200.
	Status int
	// Form names which of the page's forms failed, on pages with more than
	// one ("" for the main form).
	Form string
	// Input is the user's input; nil shows the saved values.
	Input *Input
	// Errors are field errors (i18n keys by field name).
	Errors map[string]string
	// Conflict is the other person's saved version (409); zero when none.
	Conflict Other
}

// status is the response status of the page.
func (f FormState[Input, Other]) status() int {
	if f.Status == 0 {
		return http.StatusOK
	}
	return f.Status
}
