package server

import (
	"encoding/json"
	"fmt"
	"net/http"
	"sort"
	"strconv"
	"time"

	"github.com/weerbaar/weerbaar/internal/audit"
	"github.com/weerbaar/weerbaar/internal/authz"
	"github.com/weerbaar/weerbaar/internal/i18n"
	"github.com/weerbaar/weerbaar/internal/validate"
	"github.com/weerbaar/weerbaar/web/pages/auditlog"
)

// auditLog shows the entity's audit trail with the chain status, filtered and
// paginated on the server.
func (s *Server) auditLog(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	actor := authz.ActorFrom(ctx)
	q := r.URL.Query()
	p := auditlog.Props{
		Shell: s.shell(r, "audit.title", "audit"), Base: entityBase(actor.EntityID),
		Actor: q.Get("actor"), Action: q.Get("action"), ObjectType: q.Get("object"), From: q.Get("from"), To: q.Get("to"),
	}
	page, _ := strconv.Atoi(q.Get("page"))
	f := audit.Filter{EntityID: actor.EntityID, Actor: p.Actor, Action: p.Action, ObjectType: p.ObjectType, Page: page}
	errs := validate.Errors{}
	var err error
	if f.From, err = parseDay(p.From, 0); err != nil {
		errs.Add("from", "validate.date")
	}
	if f.To, err = parseDay(p.To, 1); err != nil { // "to" includes that whole day
		errs.Add("to", "validate.date")
	}
	p.Errors = errs
	status := http.StatusOK
	if len(errs) > 0 {
		status, f.From, f.To = http.StatusUnprocessableEntity, time.Time{}, time.Time{}
	}
	rows, total, err := audit.List(ctx, s.Pool, f)
	if err != nil {
		s.serverError(w, r, err)
		return
	}
	if p.Actions, err = audit.Actions(ctx, s.Pool, actor.EntityID); err != nil {
		s.serverError(w, r, err)
		return
	}
	res, err := audit.Verify(ctx, s.Pool, actor.EntityID, false)
	if err != nil {
		s.serverError(w, r, err)
		return
	}
	p.ChainOK, p.ChainRows = res.Broken == nil, res.Rows
	if res.Broken != nil {
		p.BrokenSeq, p.BrokenWhy = res.Broken.Seq, res.Broken.Reason
	}
	nf := f.Normalized()
	p.Page, p.Total = nf.Page, total
	p.Pages = max(1, (total+nf.PerPage-1)/nf.PerPage)
	for _, row := range rows {
		changes, err := changeLines(row)
		if err != nil {
			s.serverError(w, r, err)
			return
		}
		p.Rows = append(p.Rows, auditlog.Row{
			Seq: row.Seq, At: row.At, Actor: row.ActorEmail, Action: row.Action, ObjectType: row.ObjectType,
			ObjectID: row.ObjectID, IP: row.IP, UserAgent: row.UserAgent, Changes: changes,
		})
	}
	s.render(w, r, status, auditlog.Page(p))
}

// parseDay reads a yyyy-mm-dd date as midnight in Europe/Amsterdam, plus
// addDays; empty is the zero time (no bound).
func parseDay(s string, addDays int) (time.Time, error) {
	if s == "" {
		return time.Time{}, nil
	}
	t, err := time.ParseInLocation("2006-01-02", s, i18n.Amsterdam)
	if err != nil {
		return time.Time{}, err
	}
	return t.AddDate(0, 0, addDays), nil
}

// changeLines renders a row's before/after as "field: old → new" lines,
// sorted by field, so a reader sees what changed without reading JSON.
func changeLines(row audit.Row) ([]string, error) {
	before, after, err := row.BeforeAfter()
	if err != nil {
		return nil, err
	}
	fields := map[string]bool{}
	for k := range before {
		fields[k] = true
	}
	for k := range after {
		fields[k] = true
	}
	names := make([]string, 0, len(fields))
	for k := range fields {
		names = append(names, k)
	}
	sort.Strings(names)
	var out []string
	for _, k := range names {
		b, hasB := before[k]
		a, hasA := after[k]
		switch {
		case hasB && hasA:
			out = append(out, fmt.Sprintf("%s: %s → %s", k, valueText(b), valueText(a)))
		case hasA:
			out = append(out, fmt.Sprintf("%s: %s", k, valueText(a)))
		default:
			out = append(out, fmt.Sprintf("%s: %s → –", k, valueText(b)))
		}
	}
	return out, nil
}

func valueText(v any) string {
	switch x := v.(type) {
	case string:
		if x == "" {
			return "''"
		}
		return x
	case nil:
		return "–"
	case []any, map[string]any:
		b, _ := json.Marshal(x)
		return string(b)
	}
	return fmt.Sprint(v)
}
