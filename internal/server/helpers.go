package server

// Helpers shared by the handler files: the current entity, paths, dates,
// and downloads. A helper used by one file only stays in that file.

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/weerbaar/weerbaar/internal/db"
	"github.com/weerbaar/weerbaar/internal/entity"
	"github.com/weerbaar/weerbaar/internal/i18n"
)

type entityKey struct{}

// entityFrom is the entity of an /e/{entityID}/ request (resolved by inEntity).
func entityFrom(ctx context.Context) entity.Entity {
	e, _ := ctx.Value(entityKey{}).(entity.Entity)
	return e
}

// firstValue is one value of a map of field errors, for pages that show a
// single message.
func firstValue(m map[string]string) string {
	for _, v := range m {
		return v
	}
	return ""
}

// entityBase is the path prefix of an entity's pages.
func entityBase(id int64) string { return "/e/" + strconv.FormatInt(id, 10) }

// today is the current calendar day in Amsterdam, for due dates.
func today() time.Time {
	now := time.Now().In(i18n.Amsterdam)
	return time.Date(now.Year(), now.Month(), now.Day(), 0, 0, 0, 0, time.UTC)
}

// shortLabel cuts s to n runes with an ellipsis.
func shortLabel(s string, n int) string {
	if r := []rune(s); len(r) > n {
		return string(r[:n-1]) + "…"
	}
	return s
}

// dateValue formats a date for an <input type=date>; nil is empty.
func dateValue(t *time.Time) string {
	if t == nil {
		return ""
	}
	return t.Format("2006-01-02")
}

// displayDate formats a date in the request's language; nil is empty.
func displayDate(ctx context.Context, t *time.Time) string {
	if t == nil {
		return ""
	}
	return i18n.Date(ctx, *t)
}

// idValue formats an optional id as a form value; nil is empty.
func idValue(id *int64) string {
	if id == nil {
		return ""
	}
	return strconv.FormatInt(*id, 10)
}

// attachment sets the headers of a download with an ASCII file name.
func attachment(w http.ResponseWriter, contentType, filename string) {
	w.Header().Set("Content-Type", contentType)
	w.Header().Set("Content-Disposition", fmt.Sprintf(`attachment; filename="%s"`, filename))
}

// nonEmpty drops the blank strings.
func nonEmpty(parts ...string) []string {
	var out []string
	for _, p := range parts {
		if strings.TrimSpace(p) != "" {
			out = append(out, p)
		}
	}
	return out
}

// lookupFailed answers a failed load of a page's record: 404 for a record
// that is not the entity's, the generic 500 page otherwise. It reports
// whether it answered.
func (s *Server) lookupFailed(w http.ResponseWriter, r *http.Request, err error) bool {
	switch {
	case err == nil:
		return false
	case errors.Is(err, db.ErrNotFound):
		s.errorPage(w, r, http.StatusNotFound)
	default:
		s.serverError(w, r, err)
	}
	return true
}
