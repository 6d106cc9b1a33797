package server

import (
	"net/http"
	"net/url"
	"strconv"

	"github.com/weerbaar/weerbaar/internal/authz"
	"github.com/weerbaar/weerbaar/internal/risk"
	riskpages "github.com/weerbaar/weerbaar/web/pages/risk"
)

// parseListQuery reads a list page's position: ?after= (next) or ?before=
// (previous) a row's cursor, or neither (the first page); both, or a cursor
// that is not one, is refused.
func parseListQuery(v url.Values, withLevel bool) (risk.ListQuery, bool) {
	q := risk.ListQuery{Limit: risk.ListPageSize}
	after, before := v.Get("after"), v.Get("before")
	if after != "" && before != "" {
		return q, false
	}
	for _, c := range []struct {
		raw string
		to  **risk.NameCursor
	}{{after, &q.After}, {before, &q.Before}} {
		if c.raw == "" {
			continue
		}
		cur, ok := risk.ParseNameCursor(c.raw, withLevel)
		if !ok {
			return q, false
		}
		*c.to = &cur
	}
	return q, true
}

// listLinks are a list page's first, previous and next links ("" when there
// is no such page).
func listLinks(path string, first, last risk.NameCursor, hasPrev, hasNext bool) (firstHref, prev, next string) {
	if hasPrev {
		firstHref = path
		prev = path + "?before=" + url.QueryEscape(first.String())
	}
	if hasNext {
		next = path + "?after=" + url.QueryEscape(last.String())
	}
	return firstHref, prev, next
}

// riskListRequest reads a risk list page's position (cursors with a level
// when withLevel) and its analysis; when it returns false it has answered
// (400 for a bad position, or what riskAnalysisBase answers).
func (s *Server) riskListRequest(w http.ResponseWriter, r *http.Request, withLevel bool) (risk.ListQuery, risk.Analysis, bool) {
	q, ok := parseListQuery(r.URL.Query(), withLevel)
	if !ok {
		s.errorPage(w, r, http.StatusBadRequest)
		return q, risk.Analysis{}, false
	}
	a, _, ok := s.riskAnalysisBase(w, r)
	return q, a, ok
}

// riskJewelList is the whole list of an analysis's crown jewels, a page of
// risk.ListPageSize at a time (the analysis page shows the first ones).
func (s *Server) riskJewelList(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	actor := authz.ActorFrom(ctx)
	q, a, ok := s.riskListRequest(w, r, true)
	if !ok {
		return
	}
	rows, hasPrev, hasNext, err := risk.JewelList(ctx, s.Pool, actor.EntityID, a.ID, q)
	if err != nil {
		s.serverError(w, r, err)
		return
	}
	base := entityBase(actor.EntityID)
	p := riskpages.RecordListProps[riskpages.JewelRow]{Shell: s.shell(r, "risk.step.jewels", "risks"), Base: base, AnalysisID: a.ID,
		Period: a.Period, Rows: jewelRows(ctx, rows), Total: a.Jewels}
	if len(rows) > 0 {
		p.First, p.Prev, p.Next = listLinks(base+"/risks/"+strconv.FormatInt(a.ID, 10)+"/jewels", rows[0].Cursor(), rows[len(rows)-1].Cursor(), hasPrev, hasNext)
	}
	s.render(w, r, http.StatusOK, riskpages.JewelList(p))
}

// riskSupplierList is the supplier register of an analysis, a page of
// risk.ListPageSize at a time, with what needs attention in all of it.
func (s *Server) riskSupplierList(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	actor := authz.ActorFrom(ctx)
	q, a, ok := s.riskListRequest(w, r, false)
	if !ok {
		return
	}
	day := today()
	rows, summary, hasPrev, hasNext, err := risk.SupplierList(ctx, s.Pool, actor.EntityID, a.ID, q, day)
	if err != nil {
		s.serverError(w, r, err)
		return
	}
	base := entityBase(actor.EntityID)
	p := riskpages.RecordListProps[riskpages.SupplierRow]{Shell: s.shell(r, "risk.suppliers", "risks"), Base: base, AnalysisID: a.ID,
		Period: a.Period, Rows: supplierRows(ctx, rows, day), Total: summary.Total, Summary: supplierSummary(summary)}
	if len(rows) > 0 {
		first, last := risk.NameCursor{Name: rows[0].Name}, risk.NameCursor{Name: rows[len(rows)-1].Name}
		p.First, p.Prev, p.Next = listLinks(base+"/risks/"+strconv.FormatInt(a.ID, 10)+"/suppliers", first, last, hasPrev, hasNext)
	}
	s.render(w, r, http.StatusOK, riskpages.SupplierList(p))
}
