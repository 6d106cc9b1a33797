package server

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"slices"
	"strconv"
	"strings"

	"github.com/weerbaar/weerbaar/internal/approval"
	"github.com/weerbaar/weerbaar/internal/authz"
	"github.com/weerbaar/weerbaar/internal/db"
	"github.com/weerbaar/weerbaar/internal/i18n"
	"github.com/weerbaar/weerbaar/internal/validate"
	"github.com/weerbaar/weerbaar/web/components"
	"github.com/weerbaar/weerbaar/web/pages/board"
)

// The management body's approvals (internal/approval): the requests page
// with the reader's inbox and the quorum, a request with its decisions,
// submitting and withdrawing (officer, admin), and deciding (board members,
// after re-entering a password or TOTP code).

func requestHref(base string, id int64) string {
	return base + "/board/requests/" + strconv.FormatInt(id, 10)
}

func kindLabel(ctx context.Context, name string) string {
	if k, ok := approval.Lookup(name); ok {
		return i18n.T(ctx, k.Label)
	}
	return name
}

// quorumText describes a rule in words ("Gewone meerderheid; …").
func quorumText(ctx context.Context, q approval.Quorum, min int, first bool) string {
	text := i18n.T(ctx, "approval.quorum."+string(q))
	if q == approval.QuorumAtLeast {
		text = i18n.T(ctx, "approval.quorum.at_least_n", min)
	}
	if first {
		return text + "; " + i18n.T(ctx, "approval.quorum.first_rejection")
	}
	return text
}

func progressText(ctx context.Context, r approval.Request) string {
	return i18n.T(ctx, "approval.progress", r.Approvals, r.Required) + " · " + i18n.N(ctx, "approval.members", len(r.Eligible))
}

func requestRows(ctx context.Context, base string, list []approval.Request) []board.RequestRow {
	rows := make([]board.RequestRow, 0, len(list))
	for _, r := range list {
		rows = append(rows, board.RequestRow{Href: requestHref(base, r.ID), Title: r.Title.In(ctx), Kind: kindLabel(ctx, r.Kind),
			SubmittedBy: r.SubmitterName, SubmittedAt: i18n.DateTime(ctx, r.SubmittedAt), State: string(r.State),
			Progress: progressText(ctx, r), Hash: r.SnapshotHash})
	}
	return rows
}

type settingsState = FormState[approval.SettingsInput, approval.Rule]

func (s *Server) boardRequests(w http.ResponseWriter, r *http.Request) {
	s.renderBoardRequests(w, r, settingsState{})
}

func (s *Server) renderBoardRequests(w http.ResponseWriter, r *http.Request, st settingsState) {
	ctx := r.Context()
	actor := authz.ActorFrom(ctx)
	base := entityBase(actor.EntityID)
	q := r.URL.Query()
	f := approval.Filter{State: approval.State(q.Get("state")), Kind: q.Get("kind")}
	p := board.InboxProps{Shell: s.shell(r, "approval.title", "board"), Base: base, State: string(f.State), Kind: f.Kind,
		IsBoard: actor.Can(authz.ApprovalDecide), CanSubmit: actor.Can(authz.ApprovalRequest), Notice: s.Sessions.PopString(ctx, sessFlash)}
	p.States = []components.Option{{Value: "", Label: i18n.T(ctx, "approval.filter.any")}}
	valid := false
	for _, st := range approval.States {
		p.States = append(p.States, components.Option{Value: string(st), Label: i18n.T(ctx, "approval.state."+string(st))})
		valid = valid || st == f.State
	}
	if !valid {
		f.State, p.State = "", ""
	}
	p.Kinds = []components.Option{{Value: "", Label: i18n.T(ctx, "approval.filter.any")}}
	if _, ok := approval.Lookup(f.Kind); !ok {
		f.Kind, p.Kind = "", ""
	}
	for _, k := range approval.Kinds() {
		p.Kinds = append(p.Kinds, components.Option{Value: k.Name, Label: i18n.T(ctx, k.Label)})
	}
	all, err := approval.List(ctx, s.Pool, actor.EntityID, f)
	if err != nil {
		s.serverError(w, r, err)
		return
	}
	p.All = requestRows(ctx, base, all)
	if p.IsBoard {
		mine, err := approval.List(ctx, s.Pool, actor.EntityID, approval.Filter{ForUser: actor.UserID})
		if err != nil {
			s.serverError(w, r, err)
			return
		}
		p.Mine = requestRows(ctx, base, mine)
	}
	rule, version, err := approval.Settings(ctx, s.Pool, actor.EntityID)
	if err != nil {
		s.serverError(w, r, err)
		return
	}
	p.Quorum = quorumText(ctx, rule.Quorum, rule.MinApprovals, rule.RejectAtFirst)
	if actor.Can(authz.EntityManage) {
		form := board.SettingsForm{Quorum: string(rule.Quorum), MinApprovals: strconv.Itoa(rule.MinApprovals),
			RejectAtFirst: rule.RejectAtFirst, Version: version, Errors: st.Errors, Conflict: st.Status == http.StatusConflict}
		if st.Input != nil {
			form.Quorum, form.MinApprovals, form.RejectAtFirst = st.Input.Quorum, st.Input.MinApprovals, st.Input.RejectAtFirst
		}
		for _, qr := range approval.Quorums {
			form.Options = append(form.Options, components.Option{Value: string(qr), Label: i18n.T(ctx, "approval.quorum."+string(qr))})
		}
		p.Settings = &form
	}
	s.render(w, r, st.status(), board.Inbox(p))
}

func (s *Server) boardSettingsSave(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	actor := authz.ActorFrom(ctx)
	version, _ := strconv.Atoi(r.PostFormValue("version"))
	in := approval.SettingsInput{Quorum: r.PostFormValue("quorum"), MinApprovals: r.PostFormValue("min_approvals"),
		RejectAtFirst: r.PostFormValue("reject_at_first") != "", Version: version}
	_, err := approval.SaveSettings(ctx, s.Pool, actor, in)
	var c *approval.Conflict
	switch {
	case errors.As(err, &c):
		s.renderBoardRequests(w, r, settingsState{Status: http.StatusConflict, Input: &in, Conflict: c.Current})
		return
	case errors.Is(err, approval.ErrForbidden):
		s.errorPage(w, r, http.StatusForbidden)
		return
	}
	s.afterSave(w, r, err, func(errs map[string]string) {
		s.renderBoardRequests(w, r, settingsState{Status: http.StatusUnprocessableEntity, Input: &in, Errors: errs})
	}, i18n.T(ctx, "approval.quorum.saved"), entityBase(actor.EntityID)+"/board/requests")
}

// subjectValue is the form value of a record: "kind:ref".
func subjectValue(kind, ref string) string { return kind + ":" + ref }

func (s *Server) boardNewRequest(w http.ResponseWriter, r *http.Request) {
	s.renderBoardNew(w, r, http.StatusOK, r.URL.Query().Get("subject"), "", nil)
}

func (s *Server) renderBoardNew(w http.ResponseWriter, r *http.Request, status int, subject, note string, errs map[string]string) {
	ctx := r.Context()
	actor := authz.ActorFrom(ctx)
	p := board.NewProps{Shell: s.shell(r, "approval.new.title", "board"), Base: entityBase(actor.EntityID),
		Subject: subject, CoverNote: note, Errors: errs}
	p.Subjects = []components.Option{{Value: "", Label: i18n.T(ctx, "approval.new.choose")}}
	for _, k := range approval.Kinds() {
		if !actor.Can(k.Permission) {
			continue
		}
		subjects, err := k.Subjects(ctx, s.Pool, actor.EntityID)
		if err != nil {
			s.serverError(w, r, err)
			return
		}
		for _, sub := range subjects {
			p.Subjects = append(p.Subjects, components.Option{Value: subjectValue(k.Name, sub.Ref), Label: sub.Title.In(ctx)})
		}
	}
	s.render(w, r, status, board.New(p))
}

func (s *Server) boardSubmit(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	actor := authz.ActorFrom(ctx)
	subject, note := r.PostFormValue("subject"), r.PostFormValue("cover_note")
	kind, ref, _ := strings.Cut(subject, ":")
	req, err := approval.Submit(ctx, s.Pool, actor, approval.SubmitInput{Kind: kind, Ref: ref, CoverNote: note})
	if errors.Is(err, approval.ErrForbidden) {
		s.errorPage(w, r, http.StatusForbidden)
		return
	}
	if fields := validate.Fields(err); fields != nil {
		// The form has one field for kind and reference.
		errs := map[string]string{}
		for f, key := range fields {
			if f == "kind" || f == "ref" {
				f = "subject"
			}
			errs[f] = key
		}
		s.renderBoardNew(w, r, http.StatusUnprocessableEntity, subject, note, errs)
		return
	}
	s.afterSave(w, r, err, nil, i18n.T(ctx, "approval.submitted"), requestHref(entityBase(actor.EntityID), req.ID))
}

type decideState struct {
	Status int
	Input  *approval.DecideInput
	Errors map[string]string
}

func (s *Server) boardRequest(w http.ResponseWriter, r *http.Request) {
	s.renderBoardRequest(w, r, decideState{})
}

// changeRows turns snapshot differences into rows a person reads: field
// names through the catalogue (approval.field.*), values through the kind's
// value keys where it has them.
func changeRows(ctx context.Context, k approval.Kind, changes []approval.Change) []board.ChangeRow {
	value := func(field, doc string) string {
		v := approval.Plain(doc)
		if prefix, ok := k.ValueKeys[field]; ok && v != "" {
			return i18n.T(ctx, prefix+v)
		}
		switch v {
		case "true":
			return i18n.T(ctx, "approval.value.true")
		case "false":
			return i18n.T(ctx, "approval.value.false")
		}
		return v
	}
	rows := make([]board.ChangeRow, 0, len(changes))
	for _, c := range changes {
		parts := make([]string, 0, len(c.Path))
		for _, seg := range c.Path {
			if strings.HasPrefix(seg, "[") {
				parts = append(parts, strings.Trim(seg, "[]"))
				continue
			}
			parts = append(parts, i18n.T(ctx, "approval.field."+seg))
		}
		row := board.ChangeRow{Type: string(c.Type), Path: strings.Join(parts, " › ")}
		if c.Type != approval.Added {
			row.Before = value(c.Field(), c.Before)
		}
		if c.Type != approval.Removed {
			row.After = value(c.Field(), c.After)
		}
		if strings.HasPrefix(row.Before, "{") {
			row.Before = i18n.T(ctx, "approval.change.entry")
		}
		if strings.HasPrefix(row.After, "{") {
			row.After = i18n.T(ctx, "approval.change.entry")
		}
		rows = append(rows, row)
	}
	return rows
}

func (s *Server) renderBoardRequest(w http.ResponseWriter, r *http.Request, st decideState) {
	ctx := r.Context()
	actor := authz.ActorFrom(ctx)
	id, ok := s.idParam(w, r, "requestID")
	if !ok {
		return
	}
	p, req, err := s.boardRequestView(r, id)
	if s.lookupFailed(w, r, err) {
		return
	}
	hasPrev := req.PreviousID != nil
	p.Shell = s.shell(r, "approval.detail.title", "board")
	p.HasPrevious, p.Errors, p.Notice = hasPrev, st.Errors, s.Sessions.PopString(ctx, sessFlash)
	if hasPrev {
		k, _ := approval.Lookup(req.Kind)
		p.PreviousHref, p.PreviousHash = requestHref(p.Base, *req.PreviousID), *req.PreviousHash
		changes, err := approval.DiffSnapshots([]byte(*req.PreviousSnapshot), []byte(req.Snapshot))
		if err != nil {
			s.serverError(w, r, err)
			return
		}
		p.Changes = changeRows(ctx, k, changes)
	}
	pending := req.State == approval.StatePending
	eligible := slices.Contains(req.Eligible, actor.UserID)
	p.CanDecide = pending && actor.Can(authz.ApprovalDecide) && eligible && !p.AlreadyDecided
	p.CanWithdraw = pending && actor.Can(authz.ApprovalRequest) && req.SubmittedBy == actor.UserID
	if u, ok := userFrom(ctx); ok {
		p.HasMFA = u.MFAEnabled()
	}
	if st.Input != nil {
		p.Decision, p.Comment = st.Input.Decision, st.Input.Comment
	}
	status := st.Status
	if status == 0 {
		status = http.StatusOK
	}
	s.render(w, r, status, board.Detail(p))
}

// standingText words whether request req still holds today (an approval
// whose record changed, was replaced or is gone is outdated), or its state
// when it was never approved.
func standingText(ctx context.Context, q db.Querier, req approval.Record) (string, bool, error) {
	cur, err := approval.CurrencyOf(ctx, q, req)
	if err != nil {
		return "", false, err
	}
	key, args := cur.Wording()
	if key == "" {
		return i18n.T(ctx, "approval.record.state", i18n.T(ctx, "approval.state."+string(req.State))), false, nil
	}
	return i18n.T(ctx, key, args...), cur.Standing == approval.Outdated, nil
}

// boardRequestView loads request id of the entity with its decisions and
// words them in the reader's language: the one way to load a request,
// which the page and its decision record (boardRecordPDF) both render.
// Another entity's id is db.ErrNotFound.
func (s *Server) boardRequestView(r *http.Request, id int64) (board.DetailProps, approval.Record, error) {
	ctx := r.Context()
	actor := authz.ActorFrom(ctx)
	req, err := approval.GetRecord(ctx, s.Pool, actor.EntityID, id)
	if err != nil {
		return board.DetailProps{}, req, err
	}
	decisions, err := approval.Decisions(ctx, s.Pool, actor.EntityID, id)
	if err != nil {
		return board.DetailProps{}, req, err
	}
	base := entityBase(actor.EntityID)
	k, _ := approval.Lookup(req.Kind)
	p := board.DetailProps{Base: base, ID: req.ID,
		Title: req.Title.In(ctx), KindLabel: kindLabel(ctx, req.Kind), Summary: req.Summary.In(ctx), CoverNote: req.CoverNote,
		SubmittedBy: req.SubmitterName, SubmittedAt: i18n.DateTime(ctx, req.SubmittedAt), State: string(req.State),
		Hash: req.SnapshotHash, HashVerified: approval.Hash([]byte(req.Snapshot)) == req.SnapshotHash, QuorumText: quorumText(ctx, req.Quorum, req.MinApprovals, req.RejectAtFirst),
		Progress: progressText(ctx, req.Request), Awaiting: req.Awaiting}
	if k.URL != nil {
		p.SubjectHref = k.URL(actor.EntityID, req.SubjectRef)
	}
	if req.DecidedAt != nil {
		p.DecidedAt = i18n.DateTime(ctx, *req.DecidedAt)
	}
	if p.Standing, p.Outdated, err = standingText(ctx, s.Pool, req); err != nil {
		return board.DetailProps{}, req, err
	}
	for _, d := range decisions {
		p.AlreadyDecided = p.AlreadyDecided || d.UserID == actor.UserID
		p.Decisions = append(p.Decisions, board.DecisionRow{Who: d.UserName, When: i18n.DateTime(ctx, d.DecidedAt),
			Decision: i18n.T(ctx, "approval.decision."+string(d.Decision)), Comment: d.Comment,
			Reauth: i18n.T(ctx, "approval.reauth."+d.Reauth), IP: d.IP, UserAgent: d.UserAgent, Hash: d.SnapshotHash})
	}
	return p, req, nil
}

func (s *Server) boardDecide(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	actor := authz.ActorFrom(ctx)
	id, ok := s.idParam(w, r, "requestID")
	if !ok {
		return
	}
	in := approval.DecideInput{Decision: r.PostFormValue("decision"), Comment: r.PostFormValue("comment"),
		Secret: r.PostFormValue("secret"), Hash: r.PostFormValue("hash")}
	state, err := approval.Decide(ctx, s.Pool, s.Auth, actor, id, in)
	switch {
	case errors.Is(err, approval.ErrForbidden):
		s.errorPage(w, r, http.StatusForbidden)
		return
	case errors.Is(err, approval.ErrDecided), errors.Is(err, approval.ErrAlreadyDecided):
		in.Secret = ""
		s.renderBoardRequest(w, r, decideState{Status: http.StatusConflict, Input: &in,
			Errors: map[string]string{"decision": "approval.error.decided"}})
		return
	}
	in.Secret = "" // never shown again
	s.afterSave(w, r, err, func(errs map[string]string) {
		s.renderBoardRequest(w, r, decideState{Status: http.StatusUnprocessableEntity, Input: &in, Errors: errs})
	}, i18n.T(ctx, "approval.decided."+string(state)), requestHref(entityBase(actor.EntityID), id))
}

func (s *Server) boardWithdraw(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	actor := authz.ActorFrom(ctx)
	id, ok := s.idParam(w, r, "requestID")
	if !ok {
		return
	}
	err := approval.Withdraw(ctx, s.Pool, actor, id)
	switch {
	case errors.Is(err, approval.ErrForbidden):
		s.errorPage(w, r, http.StatusForbidden)
		return
	case errors.Is(err, approval.ErrDecided):
		s.renderBoardRequest(w, r, decideState{Status: http.StatusConflict, Errors: map[string]string{"decision": "approval.error.decided"}})
		return
	}
	s.afterSave(w, r, err, nil, i18n.T(ctx, "approval.withdrawn"), requestHref(entityBase(actor.EntityID), id))
}

// approvalProps is a record's approval standing for the pages about it.
func approvalProps(ctx context.Context, base, kind, ref string, st approval.Status) components.ApprovalProps {
	p := components.ApprovalProps{Standing: string(st.Standing), LastHash: st.LastHash, Changes: len(st.Changes)}
	if st.LastID != 0 {
		p.LastHref = requestHref(base, st.LastID)
	}
	if st.LastAt != nil {
		p.LastAt = i18n.DateTime(ctx, *st.LastAt)
	}
	if st.PendingID != 0 {
		p.PendingHref = requestHref(base, st.PendingID)
	}
	if authz.ActorFrom(ctx).Can(authz.ApprovalRequest) {
		p.SubmitHref = fmt.Sprintf("%s/board/requests/new?subject=%s", base, subjectValue(kind, ref))
	}
	return p
}

// boardSnapshot downloads a request's frozen content: the canonical JSON
// exactly as hashed, so an auditor can recompute the SHA-256 shown on the
// page (sha256sum of the file).
func (s *Server) boardSnapshot(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	actor := authz.ActorFrom(ctx)
	id, ok := s.idParam(w, r, "requestID")
	if !ok {
		return
	}
	req, err := approval.Get(ctx, s.Pool, actor.EntityID, id)
	if errors.Is(err, db.ErrNotFound) {
		s.errorPage(w, r, http.StatusNotFound)
		return
	}
	if err != nil {
		s.serverError(w, r, err)
		return
	}
	attachment(w, "application/json", fmt.Sprintf("%s-%d-%s.json", i18n.T(ctx, "approval.snapshot.file"), req.ID, req.SnapshotHash[:12]))
	_, _ = w.Write([]byte(req.Snapshot))
}
