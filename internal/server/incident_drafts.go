package server

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"time"

	"github.com/go-chi/chi/v5"

	"github.com/weerbaar/weerbaar/internal/authz"
	"github.com/weerbaar/weerbaar/internal/db"
	"github.com/weerbaar/weerbaar/internal/i18n"
	"github.com/weerbaar/weerbaar/internal/incident"
	"github.com/weerbaar/weerbaar/internal/scope"
	"github.com/weerbaar/weerbaar/web/components"
	incidentpages "github.com/weerbaar/weerbaar/web/pages/incident"
)

// draftState is a draft page after a failed submission record: the
// recipient whose form failed and its input.
type draftState = FormState[incident.SubmissionInput, []components.Fact]

// draftKindLabel names a draft: the stage, or the message to the service's
// recipients.
func draftKindLabel(ctx context.Context, kind string) string {
	if kind == incident.DraftServiceRecipients {
		return i18n.T(ctx, "incident.draft.kind.service_recipients")
	}
	return i18n.T(ctx, "incident.stage."+kind)
}

// loadDraft loads the incident and what its draft of kind is filled from
// (three queries); it answers 404 itself for an unknown kind or incident.
func (s *Server) loadDraft(w http.ResponseWriter, r *http.Request) (incident.Incident, incident.Draft, []incident.Report, bool) {
	id, ok := s.idParam(w, r, "incidentID")
	if !ok {
		return incident.Incident{}, incident.Draft{}, nil, false
	}
	ctx := r.Context()
	actor := authz.ActorFrom(ctx)
	kind := chi.URLParam(r, "stage")
	if !slices.Contains(incident.DraftKinds, kind) {
		s.errorPage(w, r, http.StatusNotFound)
		return incident.Incident{}, incident.Draft{}, nil, false
	}
	inc, err := incident.Get(ctx, s.Pool, actor.EntityID, id)
	if errors.Is(err, db.ErrNotFound) {
		s.errorPage(w, r, http.StatusNotFound)
		return inc, incident.Draft{}, nil, false
	} else if err != nil {
		s.serverError(w, r, err)
		return inc, incident.Draft{}, nil, false
	}
	reports, err := incident.Reports(ctx, s.Pool, actor.EntityID, id)
	if err != nil {
		s.serverError(w, r, err)
		return inc, incident.Draft{}, nil, false
	}
	entries, err := incident.Timeline(ctx, s.Pool, actor.EntityID, id)
	if err != nil {
		s.serverError(w, r, err)
		return inc, incident.Draft{}, nil, false
	}
	d, _ := incident.BuildDraft(kind, inc, incident.DraftFacts{Reports: reports, Entries: entries})
	return inc, d, reports, true
}

func (s *Server) incidentDraft(w http.ResponseWriter, r *http.Request) {
	inc, d, reports, ok := s.loadDraft(w, r)
	if !ok {
		return
	}
	s.renderDraft(w, r, inc, d, reports, draftState{})
}

// incidentDraftJSON is the draft as JSON in the reader's language; the key
// set is documented in docs/incident-drafts.md.
func (s *Server) incidentDraftJSON(w http.ResponseWriter, r *http.Request) {
	inc, d, _, ok := s.loadDraft(w, r)
	if !ok {
		return
	}
	attachment(w, "application/json", fmt.Sprintf("incident-%d-%s.json", inc.ID, d.Kind))
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	_ = enc.Encode(d.JSON(inc.ID, i18n.LangFrom(r.Context())))
}

// draftReport is the intermediate report a draft page records submissions
// for: the one asked for (?report=, or the form's field), else the newest
// request; nil when none was requested (each request is owed its own
// report, Art. 23(4)(c) NIS2).
func draftReport(r *http.Request, reports []incident.Report) *incident.Report {
	var newest *incident.Report
	want := r.FormValue("report")
	for i := range reports {
		rep := &reports[i]
		if rep.Stage != incident.StageIntermediate {
			continue
		}
		if strconv.FormatInt(rep.ID, 10) == want {
			return rep
		}
		newest = rep
	}
	return newest
}

func (s *Server) renderDraft(w http.ResponseWriter, r *http.Request, inc incident.Incident, d incident.Draft, reports []incident.Report, st draftState) {
	ctx := r.Context()
	actor := authz.ActorFrom(ctx)
	lang := i18n.LangFrom(ctx)
	base := entityBase(actor.EntityID)
	now := time.Now()
	p := incidentpages.DraftProps{Shell: s.shell(r, "incident.title", "incidents"), Base: base, ID: inc.ID, Title: inc.Title,
		Kind: d.Kind, KindLabel: draftKindLabel(ctx, d.Kind), Voluntary: d.Voluntary, Text: d.Text(lang),
		JSONURL: fmt.Sprintf("%s/incidents/%d/reports/%s/draft.json", base, inc.ID, d.Kind), CanEdit: actor.Can(authz.IncidentEdit),
		Notice: s.Sessions.PopString(ctx, sessFlash), Conflict: st.Conflict, Intro: i18n.T(ctx, "incident.draft.intro")}
	if d.Kind == incident.DraftServiceRecipients {
		p.Intro = i18n.T(ctx, "incident.draft.intro.service_recipients")
	}
	for _, k := range incident.DraftKinds {
		p.Kinds = append(p.Kinds, components.Option{Value: k, Label: draftKindLabel(ctx, k)})
	}
	for _, sec := range d.Sections {
		p.Sections = append(p.Sections, incidentpages.DraftSection{Key: sec.Key, Label: sec.Label.Lang(lang), Text: sec.Render(lang),
			Fill: sec.Fill && sec.Own == "" && sec.Value.Key == ""})
	}
	if d.Kind != incident.DraftServiceRecipients {
		for _, c := range incident.Channels {
			p.Channels = append(p.Channels, components.Option{Value: c, Label: i18n.T(ctx, "incident.draft.channel."+c)})
		}
		p.Submissions = []incidentpages.SubmissionRow{}
		reportID := int64(0)
		if d.Kind == string(incident.StageIntermediate) {
			rep := draftReport(r, reports)
			if rep == nil {
				p.NoRequest, p.Submissions = true, nil
			} else {
				reportID, p.ReportID = rep.ID, rep.ID
				p.Request = i18n.T(ctx, "incident.requested", rep.RequestedBy, i18n.DateTime(ctx, *rep.RequestedAt))
			}
		}
		for _, rc := range scope.Recipients(inc.Subsectors) {
			if p.NoRequest {
				break
			}
			if rc.Code == "" {
				continue
			}
			row := incidentpages.SubmissionRow{Code: rc.Code, Label: i18n.T(ctx, "incident.role."+string(rc.Role)) + ": " + rc.Name.In(ctx),
				FormAt: incident.LocalValue(now), FormChannel: incident.Channels[0]}
			if sub, ok := inc.Sent(d.Kind, reportID, rc.Code); ok {
				row.Recorded, row.At, row.Reference, row.By, row.Voluntary, row.Version = true, i18n.DateTime(ctx, sub.SubmittedAt),
					sub.Reference, sub.UpdatedBy, sub.Voluntary, sub.Version
				row.Channel = i18n.T(ctx, "incident.draft.channel."+sub.Channel)
				row.FormAt, row.FormChannel, row.FormRef = incident.LocalValue(sub.SubmittedAt), sub.Channel, sub.Reference
			}
			if st.Input != nil && st.Input.Recipient == rc.Code {
				row.FormAt, row.FormChannel, row.FormRef, row.Errors = st.Input.SubmittedAt, st.Input.Channel, st.Input.Reference, st.Errors
			}
			p.Submissions = append(p.Submissions, row)
		}
	}
	s.render(w, r, st.status(), incidentpages.Draft(p))
}

func (s *Server) incidentSubmission(w http.ResponseWriter, r *http.Request) {
	id, ok := s.idParam(w, r, "incidentID")
	if !ok {
		return
	}
	ctx := r.Context()
	actor := authz.ActorFrom(ctx)
	stage := incident.Stage(chi.URLParam(r, "stage"))
	if !slices.Contains(incident.Stages, stage) {
		s.errorPage(w, r, http.StatusNotFound)
		return
	}
	_ = r.ParseForm()
	version, _ := strconv.Atoi(r.PostForm.Get("version"))
	in := incident.SubmissionInput{ReportID: r.PostForm.Get("report"), Recipient: r.PostForm.Get("recipient"), SubmittedAt: r.PostForm.Get("submitted_at"),
		Channel: r.PostForm.Get("channel"), Reference: r.PostForm.Get("reference"), Version: version}
	inc, err := incident.Get(ctx, s.Pool, actor.EntityID, id)
	if err == nil {
		err = incident.RecordSubmission(ctx, s.Pool, actor, id, stage, in, incident.RecipientsOf(inc.Subsectors), time.Now())
	}
	rerender := func(st draftState) {
		inc, d, reports, ok := s.loadDraft(w, r)
		if ok {
			s.renderDraft(w, r, inc, d, reports, st)
		}
	}
	if c, ok := incident.IsConflict(err); ok {
		opts, oerr := incident.LoadOptions(ctx, s.Pool, actor.EntityID)
		if oerr != nil {
			s.serverError(w, r, oerr)
			return
		}
		rerender(draftState{Status: http.StatusConflict, Input: &in, Conflict: incidentFacts(ctx, c.Current, opts)})
		return
	}
	s.afterSave(w, r, err, func(errs map[string]string) {
		rerender(draftState{Status: http.StatusUnprocessableEntity, Input: &in, Errors: errs})
	}, "incident.draft.saved", draftURL(entityBase(actor.EntityID), id, stage, in.ReportID)+"#submissions-h")
}

func (s *Server) incidentGDPR(w http.ResponseWriter, r *http.Request) {
	id, ok := s.idParam(w, r, "incidentID")
	if !ok {
		return
	}
	ctx := r.Context()
	actor := authz.ActorFrom(ctx)
	version, _ := strconv.Atoi(r.PostFormValue("version"))
	in := incident.GDPRInput{NotifiedAt: r.PostFormValue("gdpr_notified_at"), Reference: r.PostFormValue("gdpr_ref"), Version: version}
	err := incident.RecordGDPR(ctx, s.Pool, actor, id, in, time.Now())
	if s.incidentWriteError(w, r, id, err, "gdpr", incidentInputs{GDPR: &in}) {
		return
	}
	s.afterSave(w, r, err, func(errs map[string]string) {
		s.renderIncident(w, r, id, incidentState{Status: http.StatusUnprocessableEntity, Form: "gdpr", Input: &incidentInputs{GDPR: &in}, Errors: errs})
	}, "incident.gdpr.saved", fmt.Sprintf("%s/incidents/%d#gdpr-h", entityBase(actor.EntityID), id))
}

// draftURL is the path of a stage's draft; an intermediate report's names
// its request.
func draftURL(base string, incidentID int64, stage incident.Stage, reportID string) string {
	u := fmt.Sprintf("%s/incidents/%d/reports/%s/draft", base, incidentID, stage)
	if stage == incident.StageIntermediate && reportID != "" {
		u += "?report=" + url.QueryEscape(reportID)
	}
	return u
}
