package server

import (
	"errors"
	"net/http"
	"net/url"
	"strconv"

	"github.com/weerbaar/weerbaar/internal/authz"
	"github.com/weerbaar/weerbaar/internal/db"
	"github.com/weerbaar/weerbaar/internal/evidence"
	"github.com/weerbaar/weerbaar/internal/i18n"
	"github.com/weerbaar/weerbaar/web/components"
	evpages "github.com/weerbaar/weerbaar/web/pages/evidence"
)

// evidenceRow words a register row for the pages.
func (s *Server) evidenceRow(r *http.Request, row evidence.RegisterRow) evpages.Row {
	ctx := r.Context()
	base := entityBase(authz.ActorFrom(ctx).EntityID)
	out := evpages.Row{ID: row.ID, Href: base + "/evidence/" + strconv.FormatInt(row.ID, 10), Kind: row.Kind,
		Title: row.Title, URL: row.URL, SubjectTitle: row.SubjectTitle, Owner: row.Owner, VersionNo: row.VersionNo,
		SHA256: row.SHA256, UploadedAt: i18n.DateTime(ctx, row.UploadedAt), ValidUntil: displayDate(ctx, row.ValidUntil),
		Validity: row.Validity(today()), ReviewState: row.ReviewState, ReviewedBy: row.ReviewedBy,
		ReviewComment: row.ReviewComment}
	if row.Kind == evidence.KindFile {
		out.FileName = row.FileName
	}
	if len(row.SHA256) >= 12 {
		out.SHAShort = row.SHA256[:12]
	}
	if row.ReviewedAt != nil {
		out.ReviewedAt = i18n.DateTime(ctx, *row.ReviewedAt)
	}
	if row.VersionID > 0 {
		out.Download = base + "/evidence/versions/" + strconv.FormatInt(row.VersionID, 10)
	}
	out.SubjectType = row.SubjectType
	if st, ok := s.evidence().Registry.Lookup(row.SubjectType); ok {
		out.SubjectType = i18n.T(ctx, st.Label)
		out.SubjectHref = st.URL(authz.ActorFrom(ctx).EntityID, row.SubjectRef)
	}
	if out.SubjectTitle == "" {
		out.SubjectTitle = row.SubjectRef
	}
	return out
}

// evidenceRegister is the evidence register: every item of the entity, with
// filters and sort from the query string (a GET form, so it works without
// JavaScript and a filtered view can be bookmarked).
func (s *Server) evidenceRegister(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	actor := authz.ActorFrom(ctx)
	base := entityBase(actor.EntityID)
	qv := r.URL.Query()
	form := evpages.RegisterForm{Type: qv.Get("type"), State: qv.Get("state"), Validity: qv.Get("validity"),
		Owner: qv.Get("owner"), Text: qv.Get("q"), Sort: qv.Get("sort")}
	rq := evidence.RegisterQuery{SubjectType: form.Type, ReviewState: form.State, Validity: form.Validity,
		Text: form.Text, Sort: form.Sort, Lang: string(i18n.LangFrom(ctx)), Today: today()}
	if len(rq.Text) > 100 {
		rq.Text = rq.Text[:100]
	}
	rq.OwnerID, _ = strconv.ParseInt(form.Owner, 10, 64)
	if c, ok := evidence.ParseRegisterCursor(qv.Get("after")); ok {
		rq.After = &c
	} else if c, ok := evidence.ParseRegisterCursor(qv.Get("before")); ok {
		rq.Before = &c
	} else {
		rq.Last = qv.Get("page") == "last"
	}
	page, err := s.evidence().Register(ctx, s.Pool, actor.EntityID, rq)
	if err != nil {
		s.serverError(w, r, err)
		return
	}
	owners, err := evidence.Owners(ctx, s.Pool, actor.EntityID)
	if err != nil {
		s.serverError(w, r, err)
		return
	}
	if page.SortRefused {
		form.Sort = ""
	}
	p := evpages.RegisterProps{Shell: s.shell(r, "evidence.register.title", "audit"), Base: base,
		ShowAudit: actor.Can(authz.AuditRead), Notice: s.Sessions.PopString(ctx, sessFlash), Form: form,
		Total: page.Total, SortRefused: page.SortRefused, Clear: base + "/evidence",
		Filtered: form.Type != "" || form.State != "" || form.Validity != "" || form.Owner != "" || form.Text != ""}
	all := components.Option{Value: "", Label: i18n.T(ctx, "evidence.register.all")}
	p.Types = []components.Option{all}
	for _, name := range s.evidence().Registry.Names() {
		st, _ := s.evidence().Registry.Lookup(name)
		p.Types = append(p.Types, components.Option{Value: name, Label: i18n.T(ctx, st.Label)})
	}
	p.States = []components.Option{all}
	for _, st := range evidence.ReviewStates {
		p.States = append(p.States, components.Option{Value: st, Label: i18n.T(ctx, "evidence.badge."+st)})
	}
	p.Validities = []components.Option{all}
	for _, v := range evidence.Validities {
		p.Validities = append(p.Validities, components.Option{Value: v, Label: i18n.T(ctx, "evidence.register.validity."+v)})
	}
	p.Owners = []components.Option{all}
	for _, o := range owners {
		p.Owners = append(p.Owners, components.Option{Value: strconv.FormatInt(o.ID, 10), Label: o.Name})
	}
	// Links keep the filters; a sort link starts at the first page.
	link := func(sort, cursorKey, cursor string) string {
		v := url.Values{}
		for k, val := range map[string]string{"type": form.Type, "state": form.State, "validity": form.Validity,
			"owner": form.Owner, "q": form.Text, "sort": sort, cursorKey: cursor} {
			if val != "" && k != "" {
				v.Set(k, val)
			}
		}
		if len(v) == 0 {
			return base + "/evidence"
		}
		return base + "/evidence?" + v.Encode()
	}
	p.Headers = map[string]evpages.SortHeader{}
	for _, key := range evidence.RegisterSortKeys {
		h := evpages.SortHeader{Label: i18n.T(ctx, "evidence.register.sort."+key), Href: link(key, "", "")}
		switch page.Sort {
		case key:
			h.Current, h.Href = "ascending", link("-"+key, "", "")
		case "-" + key:
			h.Current = "descending"
		}
		p.Headers[key] = h
	}
	sort := form.Sort
	if page.HasPrev && len(page.Rows) > 0 {
		p.Pager.First = link(sort, "", "")
		p.Pager.Prev = link(sort, "before", page.Rows[0].Cursor().String())
	}
	if page.HasNext && len(page.Rows) > 0 {
		p.Pager.Next = link(sort, "after", page.Rows[len(page.Rows)-1].Cursor().String())
		p.Pager.Last = link(sort, "page", "last")
	}
	for _, row := range page.Rows {
		p.Rows = append(p.Rows, s.evidenceRow(r, row))
	}
	s.render(w, r, http.StatusOK, evpages.Register(p))
}

// evidenceItemState is an item page after a failed review or validity
// change: which form, the input as typed, and the errors or the conflict.
type evidenceItemState struct {
	Status                    int
	Form                      string
	State, Comment, ValidDate string
	Errors                    map[string]string
	Conflict                  *evidence.RegisterRow
}

func (s *Server) evidenceItemPage(w http.ResponseWriter, r *http.Request) {
	id, ok := s.idParam(w, r, "itemID")
	if !ok {
		return
	}
	s.renderEvidenceItem(w, r, id, evidenceItemState{})
}

func (s *Server) renderEvidenceItem(w http.ResponseWriter, r *http.Request, id int64, st evidenceItemState) {
	ctx := r.Context()
	actor := authz.ActorFrom(ctx)
	base := entityBase(actor.EntityID)
	row, err := s.evidence().Entry(ctx, s.Pool, actor.EntityID, id, string(i18n.LangFrom(ctx)))
	if errors.Is(err, db.ErrNotFound) {
		s.errorPage(w, r, http.StatusNotFound)
		return
	}
	if err != nil {
		s.serverError(w, r, err)
		return
	}
	item, err := s.evidence().Get(ctx, actor.EntityID, id)
	if err != nil {
		s.serverError(w, r, err)
		return
	}
	p := evpages.ItemProps{Shell: s.shell(r, "evidence.register.item", "audit"), Base: base,
		ShowAudit: actor.Can(authz.AuditRead), Notice: s.Sessions.PopString(ctx, sessFlash), Row: s.evidenceRow(r, row),
		Version: row.Version, CanReview: actor.Can(authz.EvidenceReview),
		ReviewState: row.ReviewState, ReviewComment: row.ReviewComment, ValidUntil: dateValue(row.ValidUntil),
		Form: st.Form, Errors: st.Errors}
	if t, ok := s.evidence().Registry.Lookup(row.SubjectType); ok {
		p.CanEditValidity = actor.Can(authz.EvidenceEdit) && actor.Can(t.Permission)
	}
	p.Shell.Title = row.Title
	for _, v := range item.Versions {
		ver := evpages.Version{No: v.No, FileName: v.Filename, SHA256: v.SHA256, UploadedAt: i18n.DateTime(ctx, v.UploadedAt),
			UploadedBy: v.UploadedBy, Download: base + "/evidence/versions/" + strconv.FormatInt(v.ID, 10)}
		if len(v.SHA256) >= 12 {
			ver.SHAShort = v.SHA256[:12]
		}
		p.Versions = append(p.Versions, ver)
	}
	switch st.Form {
	case "review":
		p.ReviewState, p.ReviewComment = st.State, st.Comment
	case "validity":
		p.ValidUntil = st.ValidDate
	}
	if c := st.Conflict; c != nil {
		// The form posts the version now saved; the user's input stays.
		cur := s.evidenceRow(r, *c)
		p.Conflict = []components.Fact{
			{Label: i18n.T(ctx, "evidence.register.review"), Value: i18n.T(ctx, "evidence.badge."+c.ReviewState)},
			{Label: i18n.T(ctx, "evidence.review.comment"), Value: c.ReviewComment},
			{Label: i18n.T(ctx, "evidence.register.valid_until"), Value: cur.ValidUntil},
			{Label: i18n.T(ctx, "conflict.saved_by"), Value: cur.ReviewedBy + " " + cur.ReviewedAt}}
	}
	status := st.Status
	if status == 0 {
		status = http.StatusOK
	}
	s.render(w, r, status, evpages.Item(p))
}

// evidenceChangeResult maps the outcome of a review or validity change.
func (s *Server) evidenceChangeResult(w http.ResponseWriter, r *http.Request, id int64, err error, st evidenceItemState) {
	var conflict *evidence.ReviewConflict
	switch {
	case s.forbidden(w, r, err):
	case errors.As(err, &conflict):
		st.Status, st.Conflict = http.StatusConflict, &conflict.Current
		s.renderEvidenceItem(w, r, id, st)
	default:
		s.afterSave(w, r, err, func(errs map[string]string) {
			st.Status, st.Errors = http.StatusUnprocessableEntity, errs
			s.renderEvidenceItem(w, r, id, st)
		}, "evidence.review.saved", entityBase(authz.ActorFrom(r.Context()).EntityID)+"/evidence/"+strconv.FormatInt(id, 10))
	}
}

func (s *Server) evidenceReview(w http.ResponseWriter, r *http.Request) {
	id, ok := s.idParam(w, r, "itemID")
	if !ok {
		return
	}
	version, _ := strconv.Atoi(r.PostFormValue("version"))
	st := evidenceItemState{Form: "review", State: r.PostFormValue("state"), Comment: r.PostFormValue("comment")}
	err := s.evidence().Review(r.Context(), authz.ActorFrom(r.Context()), id, version, st.State, st.Comment)
	s.evidenceChangeResult(w, r, id, err, st)
}

func (s *Server) evidenceValidity(w http.ResponseWriter, r *http.Request) {
	id, ok := s.idParam(w, r, "itemID")
	if !ok {
		return
	}
	version, _ := strconv.Atoi(r.PostFormValue("version"))
	st := evidenceItemState{Form: "validity", ValidDate: r.PostFormValue("valid_until")}
	err := s.evidence().SetValidity(r.Context(), authz.ActorFrom(r.Context()), id, version, st.ValidDate)
	s.evidenceChangeResult(w, r, id, err, st)
}
