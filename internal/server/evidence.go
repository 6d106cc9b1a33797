package server

import (
	"errors"
	"io"
	"net/http"
	"strconv"
	"strings"

	"github.com/go-chi/chi/v5"

	"github.com/weerbaar/weerbaar/internal/authz"
	"github.com/weerbaar/weerbaar/internal/db"
	"github.com/weerbaar/weerbaar/internal/evidence"
	"github.com/weerbaar/weerbaar/internal/i18n"
	"github.com/weerbaar/weerbaar/internal/validate"
	"github.com/weerbaar/weerbaar/web/pages/measures"
)

func (s *Server) evidence() *evidence.Store {
	return &evidence.Store{Pool: s.Pool, MaxBytes: s.Config.UploadLimit}
}

func evidenceTargetRequirement(code string) evidence.Target {
	return evidence.Target{RequirementCode: code}
}
func evidenceTargetMeasure(code string) evidence.Target { return evidence.Target{MeasureCode: code} }

// evidenceProps lists a target's evidence for its page.
func (s *Server) evidenceProps(r *http.Request, targetPath string, t evidence.Target) (measures.EvidenceProps, error) {
	actor := authz.ActorFrom(r.Context())
	items, err := s.evidence().List(r.Context(), actor.EntityID, t)
	if err != nil {
		return measures.EvidenceProps{}, err
	}
	p := measures.EvidenceProps{Base: entityBase(actor.EntityID), Target: targetPath, CanEdit: actor.Can(authz.EvidenceEdit),
		LimitMB: s.Config.UploadLimit >> 20}
	for _, it := range items {
		item := measures.EvidenceItem{ID: it.ID, Kind: it.Kind, Title: it.Title, URL: it.URL, Description: it.Description,
			CreatedAt: it.CreatedAt, CreatedBy: it.CreatedBy}
		for _, v := range it.Versions {
			item.Versions = append(item.Versions, measures.EvidenceVersion{ID: v.ID, No: v.No, Filename: v.Filename, Size: v.Size,
				SHA256: v.SHA256, UploadedAt: v.UploadedAt, UploadedBy: v.UploadedBy})
		}
		p.Items = append(p.Items, item)
	}
	return p, nil
}

// evidenceTarget reads the requirement or measure of an evidence route.
func evidenceTarget(r *http.Request) (evidence.Target, string) {
	base := entityBase(authz.ActorFrom(r.Context()).EntityID)
	code := chi.URLParam(r, "code")
	if strings.Contains(chi.RouteContext(r.Context()).RoutePattern(), "/measures/") {
		return evidenceTargetMeasure(code), base + "/measures/" + code
	}
	return evidenceTargetRequirement(code), base + "/requirements/" + code
}

// multipartFile streams a multipart upload: small fields first (title), then
// the file part handed to store without buffering the request. The body is
// capped a little above the file limit for the multipart framing.
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
			return err
		}
		switch part.FormName() {
		case "title":
			b, err := io.ReadAll(io.LimitReader(part, 1024))
			if err != nil {
				return err
			}
			title = string(b)
		case "file":
			return store(title, part.FileName(), part)
		}
		_ = part.Close()
	}
}

// uploadResult maps the outcome of an upload: 413 for too large, 422 with
// the error next to the file field, else back to the page.
func (s *Server) uploadResult(w http.ResponseWriter, r *http.Request, err error, title string) {
	if s.tooLarge(w, r, err) {
		return
	}
	t, path := evidenceTarget(r)
	s.afterSave(w, r, err, func(errs map[string]string) {
		ev, perr := s.evidenceProps(r, path, t)
		if perr != nil {
			s.serverError(w, r, perr)
			return
		}
		ev.Errors, ev.Title = errs, title
		ev.LinkURL, ev.LinkTitle, ev.LinkDescription = r.PostFormValue("url"), r.PostFormValue("link_title"), r.PostFormValue("description")
		st := statePage{FormState: stateForm{Status: http.StatusUnprocessableEntity, Form: "evidence"}, Evidence: &ev}
		if t.MeasureCode != "" {
			s.renderMeasure(w, r, st)
		} else {
			s.renderRequirement(w, r, st)
		}
	}, "evidence.saved", path+"#evidence")
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
	t, _ := evidenceTarget(r)
	var title string
	err := s.multipartFile(w, r, func(ti, filename string, file io.Reader) error {
		title = ti
		_, err := s.evidence().Upload(r.Context(), actor, t, ti, filename, file)
		return err
	})
	s.uploadResult(w, r, err, title)
}

func (s *Server) addEvidenceLink(w http.ResponseWriter, r *http.Request) {
	actor := authz.ActorFrom(r.Context())
	t, _ := evidenceTarget(r)
	_, err := s.evidence().AddLink(r.Context(), actor, t, r.PostFormValue("link_title"), r.PostFormValue("url"), r.PostFormValue("description"))
	s.uploadResult(w, r, err, "")
}

// evidenceItemPath finds the page an item belongs to, for redirects.
func (s *Server) evidenceItemPath(r *http.Request, itemID int64) (string, error) {
	actor := authz.ActorFrom(r.Context())
	it, err := s.evidence().Get(r.Context(), actor.EntityID, itemID)
	if err != nil {
		return "", err
	}
	if it.MeasureCode != "" {
		return entityBase(actor.EntityID) + "/measures/" + it.MeasureCode, nil
	}
	return entityBase(actor.EntityID) + "/requirements/" + it.RequirementCode, nil
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
	if s.tooLarge(w, r, err) {
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
