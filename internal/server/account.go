package server

import (
	"crypto/ed25519"
	"crypto/sha256"
	"encoding/hex"
	"net/http"

	"github.com/weerbaar/weerbaar/internal/report"
	"github.com/weerbaar/weerbaar/internal/secretkey"
	"github.com/weerbaar/weerbaar/internal/validate"
	"github.com/weerbaar/weerbaar/web/pages/about"
	"github.com/weerbaar/weerbaar/web/pages/account"
)

func (s *Server) accountProps(r *http.Request) account.Props {
	u, _ := userFrom(r.Context())
	return account.Props{
		Shell: s.shell(r, "account.title", ""), Name: u.Name, Email: u.Email,
		MFAEnabled: u.MFAEnabled(), MFARequired: mfaRequired(u),
	}
}

func (s *Server) account(w http.ResponseWriter, r *http.Request) {
	p := s.accountProps(r)
	p.Notice = s.Sessions.PopString(r.Context(), sessFlash)
	s.render(w, r, http.StatusOK, account.Page(p))
}

// accountFormResult shows a failed account form again with its errors (422),
// or flashes the notice and returns to the account page.
func (s *Server) accountFormResult(w http.ResponseWriter, r *http.Request, form string, err error, notice string) {
	if fields := validate.Fields(err); fields != nil {
		p := s.accountProps(r)
		p.Form, p.Errors, p.NewEmail = form, fields, r.PostFormValue("email")
		s.render(w, r, http.StatusUnprocessableEntity, account.Page(p))
		return
	}
	if err != nil {
		s.serverError(w, r, err)
		return
	}
	s.Sessions.Put(r.Context(), sessFlash, notice)
	http.Redirect(w, r, "/account", http.StatusSeeOther)
}

// changePassword ends the user's other sessions and keeps this one, with a
// new token.
func (s *Server) changePassword(w http.ResponseWriter, r *http.Request) {
	u, _ := userFrom(r.Context())
	epoch, err := s.Auth.ChangePassword(r.Context(), u.ID, r.PostFormValue("password"), r.PostFormValue("new_password"), r.PostFormValue("confirm"))
	if err == nil {
		if err = s.Sessions.RenewToken(r.Context()); err == nil {
			s.Sessions.Put(r.Context(), sessEpoch, epoch)
		}
	}
	s.accountFormResult(w, r, "password", err, "account.password.done")
}

func (s *Server) changeEmail(w http.ResponseWriter, r *http.Request) {
	u, _ := userFrom(r.Context())
	err := s.Auth.ChangeEmail(r.Context(), u.ID, r.PostFormValue("password"), r.PostFormValue("email"))
	s.accountFormResult(w, r, "email", err, "account.email.done")
}

// mfaEnrolForm offers a new TOTP secret (kept sealed in the session until it
// is confirmed with a code).
func (s *Server) mfaEnrolForm(w http.ResponseWriter, r *http.Request) {
	u, _ := userFrom(r.Context())
	if u.MFAEnabled() {
		http.Redirect(w, r, "/account", http.StatusSeeOther)
		return
	}
	s.renderEnrol(w, r, http.StatusOK, nil)
}

func (s *Server) renderEnrol(w http.ResponseWriter, r *http.Request, status int, errs map[string]string) {
	ctx := r.Context()
	u, _ := userFrom(ctx)
	sealed := s.Sessions.GetString(ctx, sessEnrolment)
	en, err := s.Auth.OpenEnrolment(u.User, sealed)
	if sealed == "" || err != nil {
		if en, err = s.Auth.StartEnrolment(u.User); err != nil {
			s.serverError(w, r, err)
			return
		}
		s.Sessions.Put(ctx, sessEnrolment, en.Sealed)
	}
	s.render(w, r, status, account.Enrol(account.EnrolProps{
		Shell: s.shell(r, "mfa.enrol.title", ""), Secret: en.Secret, Required: mfaRequired(u), Errors: errs,
	}))
}

// mfaQRCode renders the pending enrolment's otpauth URI as a PNG.
func (s *Server) mfaQRCode(w http.ResponseWriter, r *http.Request) {
	u, _ := userFrom(r.Context())
	en, err := s.Auth.OpenEnrolment(u.User, s.Sessions.GetString(r.Context(), sessEnrolment))
	if err != nil {
		s.errorPage(w, r, http.StatusNotFound)
		return
	}
	png, err := s.Auth.QRCode(en)
	if err != nil {
		s.serverError(w, r, err)
		return
	}
	w.Header().Set("Content-Type", "image/png")
	_, _ = w.Write(png)
}

func (s *Server) mfaEnrol(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	u, _ := userFrom(ctx)
	codes, err := s.Auth.EnableMFA(ctx, u.ID, r.PostFormValue("password"), s.Sessions.GetString(ctx, sessEnrolment), r.PostFormValue("code"))
	if fields := validate.Fields(err); fields != nil {
		s.renderEnrol(w, r, http.StatusUnprocessableEntity, fields)
		return
	}
	if err != nil {
		s.serverError(w, r, err)
		return
	}
	s.Sessions.Remove(ctx, sessEnrolment)
	if err := s.Sessions.RenewToken(ctx); err != nil {
		s.serverError(w, r, err)
		return
	}
	s.renderRecoveryCodes(w, r, codes)
}

func (s *Server) renderRecoveryCodes(w http.ResponseWriter, r *http.Request, codes []string) {
	u, _ := userFrom(r.Context())
	s.render(w, r, http.StatusOK, account.Recovery(account.RecoveryProps{
		Shell: s.shell(r, "mfa.recovery.title", ""), Codes: codes, Continue: landingPath(u, ""),
	}))
}

func (s *Server) mfaDisable(w http.ResponseWriter, r *http.Request) {
	u, _ := userFrom(r.Context())
	if mfaRequired(u) {
		s.errorPage(w, r, http.StatusForbidden)
		return
	}
	err := s.Auth.DisableMFA(r.Context(), u.ID, r.PostFormValue("password"))
	s.accountFormResult(w, r, "recovery", err, "account.mfa.disabled")
}

func (s *Server) mfaRecoveryCodes(w http.ResponseWriter, r *http.Request) {
	u, _ := userFrom(r.Context())
	codes, err := s.Auth.RegenerateRecoveryCodes(r.Context(), u.ID, r.PostFormValue("password"))
	if err != nil {
		s.accountFormResult(w, r, "recovery", err, "")
		return
	}
	s.renderRecoveryCodes(w, r, codes)
}

// about shows the installation's version and the public key that verifies
// its evidence packages (what `weerbaar export-key` prints).
func (s *Server) about(w http.ResponseWriter, r *http.Request) {
	key, err := secretkey.SigningKey(s.Config.SecretKey)
	if err != nil {
		s.serverError(w, r, err)
		return
	}
	pub := key.Public().(ed25519.PublicKey)
	sum := sha256.Sum256(pub)
	s.render(w, r, http.StatusOK, about.Page(about.Props{Shell: s.shell(r, "about.title", ""), Version: report.GeneratorVersion(),
		PublicKey: report.PublicKeyString(key), Fingerprint: hex.EncodeToString(sum[:16])}))
}
