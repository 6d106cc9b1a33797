package server

import (
	"context"
	"crypto/ed25519"
	"encoding/base64"
	"errors"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/weerbaar/weerbaar/internal/authz"
	"github.com/weerbaar/weerbaar/internal/db"
	"github.com/weerbaar/weerbaar/internal/i18n"
	"github.com/weerbaar/weerbaar/internal/report"
	"github.com/weerbaar/weerbaar/internal/secretkey"
	"github.com/weerbaar/weerbaar/web/pages/exports"
)

// maxVerifyUpload is the largest package the verification form accepts.
const maxVerifyUpload = 1 << 30

// exportForm is the export form as typed.
type exportForm struct {
	From, To, Lang string
	// VerifyKey is the public key typed on the verification form ("" for
	// the instance's own).
	VerifyKey string
	Errors    map[string]string
	Verify    *exports.VerifyOutcome
}

func (s *Server) exportsPage(w http.ResponseWriter, r *http.Request) {
	now := today()
	p := report.LastYear(now)
	s.renderExports(w, r, http.StatusOK, exportForm{From: p.From.Format(time.DateOnly), To: p.To.Format(time.DateOnly),
		Lang: string(i18n.LangFrom(r.Context()))})
}

func (s *Server) renderExports(w http.ResponseWriter, r *http.Request, status int, f exportForm) {
	ctx := r.Context()
	actor := authz.ActorFrom(ctx)
	list, err := report.List(ctx, s.Pool, actor.EntityID)
	if err != nil {
		s.serverError(w, r, err)
		return
	}
	key, err := secretkey.SigningKey(s.Config.SecretKey)
	if err != nil {
		s.serverError(w, r, err)
		return
	}
	base := entityBase(actor.EntityID)
	p := exports.Props{Shell: s.shell(r, "exports.title", "audit"), Base: base, From: f.From, To: f.To, Lang: f.Lang,
		Errors: f.Errors, PublicKey: report.PublicKeyString(key), VerifyKey: f.VerifyKey, Notice: s.Sessions.PopString(ctx, sessFlash), Verify: f.Verify,
		MaxUploadMB: maxVerifyUpload >> 20}
	for _, pk := range list {
		if pk.Running() {
			p.Shell.Refresh, p.Running = 2, true
		}
		row := exports.PackageRow{ID: strconv.FormatInt(pk.ID, 10), CreatedAt: i18n.DateTime(ctx, pk.CreatedAt), By: pk.RequestedBy,
			Lang: pk.Lang, Period: i18n.Date(ctx, pk.From) + " – " + i18n.Date(ctx, pk.To),
			State: i18n.T(ctx, "exports.state."+pk.State), Done: pk.State == report.StateDone, Failed: pk.State == report.StateFailed,
			Error: pk.Error, DownloadHref: fmt.Sprintf("%s/exports/%d/download", base, pk.ID)}
		if pk.FilesTotal > 0 {
			row.Progress = i18n.T(ctx, "exports.progress", pk.FilesDone, pk.FilesTotal)
			row.FilesDone, row.FilesTotal = pk.FilesDone, pk.FilesTotal
		}
		if pk.Size != nil {
			row.Size = i18n.Decimal(ctx, float64(*pk.Size)/1024/1024, 1) + " MB"
		}
		if pk.ManifestSHA256 != nil {
			row.Hash = *pk.ManifestSHA256
		}
		p.Packages = append(p.Packages, row)
	}
	s.render(w, r, status, exports.Page(p))
}

// exportCreate queues a package and builds it in the background; the page
// shows its progress and then the download link.
func (s *Server) exportCreate(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	actor := authz.ActorFrom(ctx)
	f := exportForm{From: r.PostFormValue("from"), To: r.PostFormValue("to"), Lang: r.PostFormValue("lang"), Errors: map[string]string{}}
	from, err := time.Parse(time.DateOnly, f.From)
	if err != nil {
		f.Errors["from"] = "exports.error.date"
	}
	to, err := time.Parse(time.DateOnly, f.To)
	if err != nil {
		f.Errors["to"] = "exports.error.date"
	} else if f.Errors["from"] == "" && to.Before(from) {
		f.Errors["to"] = "exports.error.order"
	}
	lang, ok := i18n.Parse(f.Lang)
	if !ok {
		f.Errors["lang"] = "exports.error.lang"
	}
	if len(f.Errors) > 0 {
		s.renderExports(w, r, http.StatusUnprocessableEntity, f)
		return
	}
	key, err := secretkey.SigningKey(s.Config.SecretKey)
	if err != nil {
		s.serverError(w, r, err)
		return
	}
	id, err := report.Request(ctx, s.Pool, actor, report.Period{From: from, To: to}, lang)
	if err != nil {
		s.serverError(w, r, err)
		return
	}
	s.startBuild(actor.EntityID, id, key)
	s.Sessions.Put(ctx, sessFlash, "exports.started")
	http.Redirect(w, r, entityBase(actor.EntityID)+"/exports", http.StatusSeeOther)
}

// startBuild runs a package build in a goroutine owned by the server, with
// the app's lifetime context (not the request's): shutdown cancels it and
// WaitBackground waits for it.
func (s *Server) startBuild(entityID, id int64, key []byte) {
	ctx := s.Background
	if ctx == nil {
		ctx = context.Background()
	}
	s.jobs.Add(1)
	go func() {
		defer s.jobs.Done()
		if err := report.Run(db.ForEntity(ctx, entityID), s.Pool, key, entityID, id, time.Now); err != nil {
			s.Logger.Error("evidence package failed", "package", id, "entity", entityID, "err", err)
			return
		}
		// The package carries the entity's chain head; the checkpoint keeps
		// every chain's head outside the database as well.
		if s.Checkpoints != nil {
			if _, err := s.Checkpoints.Write(ctx); err != nil {
				s.Logger.Error("audit checkpoint after evidence package", "package", id, "err", err)
			}
		}
	}()
}

// WaitBackground waits for the background work the server started
// (evidence package builds) to end.
func (s *Server) WaitBackground() { s.jobs.Wait() }

func (s *Server) exportDownload(w http.ResponseWriter, r *http.Request) {
	id, ok := s.idParam(w, r, "packageID")
	if !ok {
		return
	}
	ctx := r.Context()
	actor := authz.ActorFrom(ctx)
	started := false
	err := report.Download(ctx, s.Pool, actor, id, w, func(p report.Package) {
		started = true
		name := fmt.Sprintf("%s-%s-%d.zip", i18n.T(ctx, "exports.file"), entityFrom(ctx).Slug, p.ID)
		attachment(w, "application/zip", name)
		if p.Size != nil {
			w.Header().Set("Content-Length", strconv.FormatInt(*p.Size, 10))
		}
		w.Header().Set("X-Content-Type-Options", "nosniff")
		w.WriteHeader(http.StatusOK)
	})
	switch {
	case errors.Is(err, db.ErrNotFound):
		s.errorPage(w, r, http.StatusNotFound)
	case err != nil && !started:
		s.serverError(w, r, err)
	case err != nil:
		s.Logger.Warn("evidence package download interrupted", "package", id, "err", err)
	}
}

// verifyKey is the key a package is verified with: the one the auditor
// typed (another instance's, or one received separately), else this
// instance's own. A key that does not parse is a 422 with the input kept.
func (s *Server) verifyKey(w http.ResponseWriter, r *http.Request, f *exportForm) (ed25519.PublicKey, bool) {
	f.VerifyKey = r.PostFormValue("public_key")
	if strings.TrimSpace(f.VerifyKey) != "" {
		k, err := report.ParsePublicKey(f.VerifyKey)
		if err != nil {
			f.Errors["public_key"] = "exports.error.public_key"
			s.renderExports(w, r, http.StatusUnprocessableEntity, *f)
			return nil, false
		}
		return k, true
	}
	key, err := secretkey.SigningKey(s.Config.SecretKey)
	if err != nil {
		s.serverError(w, r, err)
		return nil, false
	}
	return key.Public().(ed25519.PublicKey), true
}

// exportVerify checks an uploaded package and shows the outcome; the upload
// is not kept (multipart spill files are removed at once).
func (s *Server) exportVerify(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	now := today()
	p := report.LastYear(now)
	f := exportForm{From: p.From.Format(time.DateOnly), To: p.To.Format(time.DateOnly), Lang: string(i18n.LangFrom(ctx)),
		Errors: map[string]string{}}
	r.Body = http.MaxBytesReader(w, r.Body, maxVerifyUpload+1<<20)
	if err := r.ParseMultipartForm(8 << 20); err != nil {
		var tooBig *http.MaxBytesError
		if errors.As(err, &tooBig) {
			f.Errors["package"] = "exports.error.too_large"
		} else {
			f.Errors["package"] = "exports.error.file"
		}
		s.renderExports(w, r, http.StatusUnprocessableEntity, f)
		return
	}
	defer func() { _ = r.MultipartForm.RemoveAll() }()
	file, hdr, err := r.FormFile("package")
	if err != nil {
		f.Errors["package"] = "exports.error.file"
		s.renderExports(w, r, http.StatusUnprocessableEntity, f)
		return
	}
	defer file.Close()
	key, ok := s.verifyKey(w, r, &f)
	if !ok {
		return
	}
	res, err := report.Verify(file, hdr.Size, key)
	if err != nil {
		s.serverError(w, r, err)
		return
	}
	if res.OK {
		f.Verify = &exports.VerifyOutcome{OK: true, Text: i18n.T(ctx, "exports.verify.ok", res.Files, res.Chain.Seq, res.Chain.Hash) +
			" " + i18n.T(ctx, "exports.verify.key", base64.StdEncoding.EncodeToString(key))}
	} else {
		f.Verify = &exports.VerifyOutcome{Text: i18n.T(ctx, "exports.verify.mismatch", res.File, i18n.T(ctx, "exports.verify.reason."+res.Code)),
			Detail: res.Reason}
	}
	s.renderExports(w, r, http.StatusOK, f)
}
