package server

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strconv"

	"github.com/go-chi/chi/v5"

	"github.com/weerbaar/weerbaar/internal/authz"
	"github.com/weerbaar/weerbaar/internal/db"
	"github.com/weerbaar/weerbaar/internal/evidence"
	"github.com/weerbaar/weerbaar/internal/i18n"
	"github.com/weerbaar/weerbaar/internal/measure"
	"github.com/weerbaar/weerbaar/internal/validate"
	"github.com/weerbaar/weerbaar/web/pages/measures"
)

func (s *Server) evidence() *evidence.Store {
	return &evidence.Store{Pool: s.Pool, MaxBytes: s.Config.UploadLimit, Registry: evidence.Subjects}
}

// evidenceAction is where the forms of a subject's evidence section post:
// the upload route, and with "/link" appended the link route.
func evidenceAction(entityID int64, subj evidence.Subject) string {
	return entityBase(entityID) + "/evidence/attach/" + url.PathEscape(subj.Type) + "/" + url.PathEscape(subj.Ref)
}

// evidenceItemProps turns a stored item into the page's view of it.
func evidenceItemProps(it evidence.Item) measures.EvidenceItem {
	item := measures.EvidenceItem{ID: it.ID, Kind: it.Kind, Title: it.Title, URL: it.URL, Description: it.Description,
		CreatedAt: it.CreatedAt, CreatedBy: it.CreatedBy, ReviewState: it.ReviewState,
		Validity: evidence.RegisterRow{ValidUntil: it.ValidUntil}.Validity(today()),
		Register: entityBase(it.EntityID) + "/evidence/" + strconv.FormatInt(it.ID, 10)}
	for _, v := range it.Versions {
		item.Versions = append(item.Versions, measures.EvidenceVersion{ID: v.ID, No: v.No, Filename: v.Filename, Size: v.Size,
			SHA256: v.SHA256, UploadedAt: v.UploadedAt, UploadedBy: v.UploadedBy})
	}
	return item
}

// evidenceSection is a subject's evidence section around its items.
func (s *Server) evidenceSection(r *http.Request, subj evidence.Subject, items []evidence.Item) measures.EvidenceProps {
	actor := authz.ActorFrom(r.Context())
	p := measures.EvidenceProps{Base: entityBase(actor.EntityID), Action: evidenceAction(actor.EntityID, subj),
		CanEdit: actor.Can(authz.EvidenceEdit), LimitMB: s.Config.UploadLimit >> 20}
	if st, ok := s.evidence().Registry.Lookup(subj.Type); ok {
		p.CanEdit = p.CanEdit && actor.Can(st.Permission)
	}
	for _, it := range items {
		p.Items = append(p.Items, evidenceItemProps(it))
	}
	return p
}

// evidenceProps lists a subject's evidence for its page.
func (s *Server) evidenceProps(r *http.Request, subj evidence.Subject) (measures.EvidenceProps, error) {
	items, err := s.evidence().List(r.Context(), authz.ActorFrom(r.Context()).EntityID, subj)
	if err != nil {
		return measures.EvidenceProps{}, err
	}
	return s.evidenceSection(r, subj, items), nil
}

// evidenceSubject reads the subject of an attach route: an unregistered
// type or a reference that is not a valid path segment is a 404; an actor
// without the type's declared permission gets a 403. Whether the record
// exists in the entity is checked by the store, in its transaction.
func (s *Server) evidenceSubject(w http.ResponseWriter, r *http.Request) (evidence.Subject, bool) {
	// chi matches the escaped path when the URL has one (RawPath), the
	// decoded path otherwise; decode exactly once.
	ref, err := chi.URLParam(r, "subjectRef"), error(nil)
	if r.URL.RawPath != "" {
		ref, err = url.PathUnescape(ref)
	}
	subj := evidence.Subject{Type: chi.URLParam(r, "subjectType"), Ref: ref}
	st, ok := s.evidence().Registry.Lookup(subj.Type)
	switch {
	case err != nil || !ok:
		s.errorPage(w, r, http.StatusNotFound)
		return subj, false
	case !authz.ActorFrom(r.Context()).Can(st.Permission):
		s.errorPage(w, r, http.StatusForbidden)
		return subj, false
	}
	return subj, true
}

// evidencePages re-render a subject's page with the evidence section's
// field errors (422) and the user's input; a subject type without one gets
// an error page with the message.
func (s *Server) evidencePages() map[string]func(w http.ResponseWriter, r *http.Request, ref string, ev *measures.EvidenceProps) {
	return map[string]func(w http.ResponseWriter, r *http.Request, ref string, ev *measures.EvidenceProps){
		measure.SubjectRequirement: func(w http.ResponseWriter, r *http.Request, ref string, ev *measures.EvidenceProps) {
			s.renderRequirement(w, withCode(r, ref), evidenceFailed(ev))
		},
		measure.SubjectMeasure: func(w http.ResponseWriter, r *http.Request, ref string, ev *measures.EvidenceProps) {
			s.renderMeasure(w, withCode(r, ref), evidenceFailed(ev))
		},
	}
}

// evidenceFailed is a record page's state after a failed upload or link.
func evidenceFailed(ev *measures.EvidenceProps) statePage {
	return statePage{FormState: stateForm{Status: http.StatusUnprocessableEntity, Form: "evidence"}, Evidence: ev}
}

// withCode gives r the {code} URL parameter of a record page, so an
// evidence route can render the page of its subject.
func withCode(r *http.Request, code string) *http.Request {
	rctx := chi.NewRouteContext()
	if prev := chi.RouteContext(r.Context()); prev != nil {
		rctx.RoutePatterns = prev.RoutePatterns
		for i, k := range prev.URLParams.Keys {
			rctx.URLParams.Add(k, prev.URLParams.Values[i])
		}
	}
	rctx.URLParams.Add("code", code)
	return r.WithContext(context.WithValue(r.Context(), chi.RouteCtxKey, rctx))
}

// errMalformedUpload marks a request body that is not the multipart form it
// claims to be (another boundary, a truncated part): the client's fault, so
// afterSave answers 400 and logs nothing as an error.
var errMalformedUpload = errors.New("malformed multipart request")

// multipartFile streams a multipart upload: small fields first (title), then
// the file part handed to store without buffering the request. The body is
// capped a little above the file limit for the multipart framing. Framing
// errors, also those met while store reads the file, come back wrapping
// errMalformedUpload; an over-long body stays an *http.MaxBytesError (413).
func (s *Server) multipartFile(w http.ResponseWriter, r *http.Request, store func(title, filename string, file io.Reader) error) error {
	r.Body = http.MaxBytesReader(w, r.Body, s.Config.UploadLimit+64<<10)
	mr, err := r.MultipartReader()
	if err != nil {
		return validate.Field("file", "evidence.error.empty")
	}
	title := ""
	for {
		part, err := mr.NextPart()
		if err == io.EOF {
			return validate.Field("file", "evidence.error.empty")
		}
		if err != nil {
			return malformed(err)
		}
		switch part.FormName() {
		case "title":
			b, err := io.ReadAll(io.LimitReader(part, 1024))
			if err != nil {
				return malformed(err)
			}
			title = string(b)
		case "file":
			return store(title, part.FileName(), malformedReader{part})
		}
		_ = part.Close()
	}
}

// malformed wraps a multipart framing error in errMalformedUpload, leaving
// the body-size limit's error as it is.
func malformed(err error) error {
	var maxErr *http.MaxBytesError
	if err == nil || err == io.EOF || errors.As(err, &maxErr) {
		return err
	}
	return fmt.Errorf("%w: %w", errMalformedUpload, err)
}

// malformedReader reads a file part, marking framing errors as malformed.
type malformedReader struct{ r io.Reader }

func (m malformedReader) Read(p []byte) (int, error) {
	n, err := m.r.Read(p)
	return n, malformed(err)
}

// uploadResult maps the outcome of an upload or link: 413 for too large,
// 403 for a subject the actor may not attach to, 422 with the error next to
// the field on the subject's page, else back to the subject's page.
func (s *Server) uploadResult(w http.ResponseWriter, r *http.Request, subj evidence.Subject, err error, title string) {
	if s.tooLarge(w, r, err) || s.forbidden(w, r, err) {
		return
	}
	actor := authz.ActorFrom(r.Context())
	st, _ := s.evidence().Registry.Lookup(subj.Type)
	s.afterSave(w, r, err, func(errs map[string]string) {
		pages := s.evidencePages()
		for k, v := range s.riskEvidencePages() {
			pages[k] = v
		}
		page, ok := pages[subj.Type]
		if !ok {
			s.errorPageDetail(w, r, http.StatusUnprocessableEntity, i18n.T(r.Context(), firstValue(errs)))
			return
		}
		ev, perr := s.evidenceProps(r, subj)
		if perr != nil {
			s.serverError(w, r, perr)
			return
		}
		ev.Errors, ev.Title = errs, title
		ev.LinkURL, ev.LinkTitle, ev.LinkDescription = r.PostFormValue("url"), r.PostFormValue("link_title"), r.PostFormValue("description")
		page(w, r, subj.Ref, &ev)
	}, "evidence.saved", st.URL(actor.EntityID, subj.Ref)+"#evidence")
}

// forbidden answers 403 when the subject type's permission was missing.
func (s *Server) forbidden(w http.ResponseWriter, r *http.Request, err error) bool {
	if !errors.Is(err, evidence.ErrForbidden) {
		return false
	}
	s.errorPage(w, r, http.StatusForbidden)
	return true
}

// tooLarge answers 413 when the file or the request body was over the limit.
func (s *Server) tooLarge(w http.ResponseWriter, r *http.Request, err error) bool {
	var maxErr *http.MaxBytesError
	if !errors.Is(err, evidence.ErrTooLarge) && !errors.As(err, &maxErr) {
		return false
	}
	s.errorPageDetail(w, r, http.StatusRequestEntityTooLarge, i18n.T(r.Context(), "evidence.error.too_large", s.Config.UploadLimit>>20))
	return true
}

func (s *Server) uploadEvidence(w http.ResponseWriter, r *http.Request) {
	actor := authz.ActorFrom(r.Context())
	subj, ok := s.evidenceSubject(w, r)
	if !ok {
		return
	}
	var title string
	err := s.multipartFile(w, r, func(ti, filename string, file io.Reader) error {
		title = ti
		_, err := s.evidence().Upload(r.Context(), actor, subj, ti, filename, file)
		return err
	})
	s.uploadResult(w, r, subj, err, title)
}

func (s *Server) addEvidenceLink(w http.ResponseWriter, r *http.Request) {
	actor := authz.ActorFrom(r.Context())
	subj, ok := s.evidenceSubject(w, r)
	if !ok {
		return
	}
	_, err := s.evidence().AddLink(r.Context(), actor, subj, r.PostFormValue("link_title"), r.PostFormValue("url"), r.PostFormValue("description"))
	s.uploadResult(w, r, subj, err, "")
}

// evidenceItemPath finds the page of the record an item belongs to, for
// redirects; an item whose subject type the actor may not change is
// evidence.ErrForbidden (the store checks it again in its transaction).
func (s *Server) evidenceItemPath(r *http.Request, itemID int64) (string, error) {
	actor := authz.ActorFrom(r.Context())
	it, err := s.evidence().Get(r.Context(), actor.EntityID, itemID)
	if err != nil {
		return "", err
	}
	st, ok := s.evidence().Registry.Lookup(it.SubjectType)
	if !ok {
		return "", fmt.Errorf("evidence %d of subject type %q: %w", itemID, it.SubjectType, db.ErrNotFound)
	}
	if !actor.Can(st.Permission) {
		return "", evidence.ErrForbidden
	}
	return st.URL(actor.EntityID, it.SubjectRef), nil
}

func itemIDParam(r *http.Request) (int64, bool) {
	id, err := strconv.ParseInt(chi.URLParam(r, "itemID"), 10, 64)
	return id, err == nil && id > 0
}

func (s *Server) addEvidenceVersion(w http.ResponseWriter, r *http.Request) {
	actor := authz.ActorFrom(r.Context())
	id, ok := itemIDParam(r)
	if !ok {
		s.errorPage(w, r, http.StatusNotFound)
		return
	}
	path, err := s.evidenceItemPath(r, id)
	if err == nil {
		err = s.multipartFile(w, r, func(_, filename string, file io.Reader) error {
			_, err := s.evidence().AddVersion(r.Context(), actor, id, filename, file)
			return err
		})
	}
	s.itemResult(w, r, err, path)
}

func (s *Server) deleteEvidence(w http.ResponseWriter, r *http.Request) {
	actor := authz.ActorFrom(r.Context())
	id, ok := itemIDParam(r)
	if !ok {
		s.errorPage(w, r, http.StatusNotFound)
		return
	}
	path, err := s.evidenceItemPath(r, id)
	if err == nil {
		err = s.evidence().Delete(r.Context(), actor, id)
	}
	s.itemResult(w, r, err, path)
}

// itemResult maps the outcome of a change to an existing evidence item.
func (s *Server) itemResult(w http.ResponseWriter, r *http.Request, err error, path string) {
	if s.tooLarge(w, r, err) || s.forbidden(w, r, err) {
		return
	}
	s.afterSave(w, r, err, func(errs map[string]string) {
		s.errorPageDetail(w, r, http.StatusUnprocessableEntity, i18n.T(r.Context(), firstValue(errs)))
	}, "evidence.saved", path+"#evidence")
}

// downloadEvidence sends one stored version as an attachment that the
// browser will neither render nor sniff.
func (s *Server) downloadEvidence(w http.ResponseWriter, r *http.Request) {
	actor := authz.ActorFrom(r.Context())
	id, err := strconv.ParseInt(chi.URLParam(r, "versionID"), 10, 64)
	if err != nil {
		s.errorPage(w, r, http.StatusNotFound)
		return
	}
	v, data, err := s.evidence().Download(r.Context(), actor.EntityID, id)
	if errors.Is(err, db.ErrNotFound) {
		s.errorPage(w, r, http.StatusNotFound)
		return
	}
	if err != nil {
		s.serverError(w, r, err)
		return
	}
	h := w.Header()
	h.Set("Content-Type", v.ContentType)
	h.Set("Content-Disposition", evidence.ContentDisposition(v.Filename))
	h.Set("Content-Security-Policy", "sandbox")
	h.Set("X-Content-Type-Options", "nosniff")
	h.Set("Content-Length", strconv.Itoa(len(data)))
	h.Set("Cache-Control", "private, no-store")
	_, _ = w.Write(data)
}
