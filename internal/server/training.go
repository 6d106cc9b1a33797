package server

import (
	"errors"
	"fmt"
	"net/http"
	"strconv"

	"github.com/weerbaar/weerbaar/internal/authz"
	"github.com/weerbaar/weerbaar/internal/db"
	"github.com/weerbaar/weerbaar/internal/evidence"
	"github.com/weerbaar/weerbaar/internal/i18n"
	"github.com/weerbaar/weerbaar/internal/training"
	"github.com/weerbaar/weerbaar/web/components"
	"github.com/weerbaar/weerbaar/web/pages/board"
)

// trainingError renders the errors a training change can end in besides
// field errors and conflicts; it reports whether it wrote a response.
func (s *Server) trainingError(w http.ResponseWriter, r *http.Request, err error) bool {
	if errors.Is(err, training.ErrForbidden) {
		s.errorPageDetail(w, r, http.StatusForbidden, i18n.T(r.Context(), "training.error.own_only"))
		return true
	}
	return false
}

// appointmentState is the overview after a failed appointment save: the
// member whose field is wrong, with the date as typed.
type appointmentState struct {
	Status   int
	UserID   int64
	Value    string
	Error    string
	Conflict bool
}

func (s *Server) trainingOverview(w http.ResponseWriter, r *http.Request) {
	s.renderTraining(w, r, appointmentState{})
}

func (s *Server) renderTraining(w http.ResponseWriter, r *http.Request, st appointmentState) {
	ctx := r.Context()
	actor := authz.ActorFrom(ctx)
	members, err := training.Overview(ctx, s.Pool, actor.EntityID, today())
	if err != nil {
		s.serverError(w, r, err)
		return
	}
	p := board.TrainingProps{Shell: s.shell(r, "training.title", "board"), Base: entityBase(actor.EntityID),
		LawDate: i18n.Date(ctx, training.LawInForce), LawVerified: training.LawInForceVerified,
		CanRecord: actor.Can(authz.BoardRecord), Conflict: st.Conflict, Notice: s.Sessions.PopString(ctx, sessFlash)}
	for _, m := range members {
		row := board.TrainingMember{UserID: m.UserID, Name: m.Name, Board: m.Board, Appointed: displayDate(ctx, m.AppointedOn),
			AppointedValue: dateValue(m.AppointedOn), AppointmentVersion: m.AppointmentVersion,
			Deadline: i18n.Date(ctx, m.Assessment.Deadline), State: string(m.Assessment.State),
			CanAppoint: actor.Can(authz.BoardRecord) && (actor.Role != authz.BoardMember || actor.UserID == m.UserID)}
		if c := m.Current(); c != nil {
			row.CertificateID = c.ID
			row.Certificate = c.Course + " — " + c.Provider
			if c.ValidUntil != nil {
				row.Certificate += " · " + i18n.T(ctx, "training.valid_until.short", displayDate(ctx, c.ValidUntil))
			}
		}
		if m.UserID == st.UserID {
			row.AppointedValue, row.AppointError = st.Value, st.Error
		}
		if m.Board && m.Assessment.State.Attention() {
			p.Attention++
		}
		p.Members = append(p.Members, row)
		for _, rec := range m.Records {
			p.Records = append(p.Records, board.TrainingRow{ID: rec.ID, Member: m.Name, Course: rec.Course, Provider: rec.Provider,
				Completed: i18n.Date(ctx, rec.CompletedOn), ValidUntil: displayDate(ctx, rec.ValidUntil), Certified: rec.Certified})
		}
	}
	status := st.Status
	if status == 0 {
		status = http.StatusOK
	}
	s.render(w, r, status, board.Training(p))
}

func (s *Server) trainingAppointmentSave(w http.ResponseWriter, r *http.Request) {
	userID, ok := s.idParam(w, r, "userID")
	if !ok {
		return
	}
	ctx := r.Context()
	actor := authz.ActorFrom(ctx)
	version, _ := strconv.Atoi(r.PostFormValue("version"))
	err := training.SaveAppointment(ctx, s.Pool, actor, userID, r.PostFormValue("appointed_on"), version)
	switch {
	case s.trainingError(w, r, err):
	case errors.As(err, new(*training.Conflict)):
		s.renderTraining(w, r, appointmentState{Status: http.StatusConflict, Conflict: true})
	default:
		s.afterSave(w, r, err, func(errs map[string]string) {
			s.renderTraining(w, r, appointmentState{Status: http.StatusUnprocessableEntity, UserID: userID,
				Value: r.PostFormValue("appointed_on"), Error: errs["appointed_on"]})
		}, "training.appointment.saved", entityBase(actor.EntityID)+"/board/training")
	}
}

// recordState is a training record page after a failed save.
type recordState = FormState[training.RecordInput, []components.Fact]

func (s *Server) trainingRecordNew(w http.ResponseWriter, r *http.Request) {
	s.renderTrainingRecord(w, r, 0, recordState{}, "")
}

func (s *Server) trainingRecord(w http.ResponseWriter, r *http.Request) {
	id, ok := s.idParam(w, r, "recordID")
	if !ok {
		return
	}
	s.renderTrainingRecord(w, r, id, recordState{}, "")
}

func (s *Server) renderTrainingRecord(w http.ResponseWriter, r *http.Request, id int64, st recordState, deleteError string) {
	ctx := r.Context()
	actor := authz.ActorFrom(ctx)
	var rec training.Record
	in := training.RecordInput{CompletedOn: today().Format("2006-01-02")}
	if actor.Role == authz.BoardMember {
		in.UserID = strconv.FormatInt(actor.UserID, 10)
	}
	if id != 0 {
		var err error
		if rec, err = training.GetRecord(ctx, s.Pool, actor.EntityID, id); errors.Is(err, db.ErrNotFound) {
			s.errorPage(w, r, http.StatusNotFound)
			return
		} else if err != nil {
			s.serverError(w, r, err)
			return
		}
		in = training.RecordInput{UserID: strconv.FormatInt(rec.UserID, 10), Course: rec.Course, Provider: rec.Provider,
			Topics: rec.Topics, StartedOn: dateValue(rec.StartedOn), CompletedOn: rec.CompletedOn.Format("2006-01-02"),
			ValidUntil: dateValue(rec.ValidUntil), Certified: rec.Certified, Version: rec.Version}
	}
	if st.Input != nil {
		version := in.Version
		in = *st.Input
		if st.Conflict != nil {
			in.Version = version
		}
	}
	members, err := training.Overview(ctx, s.Pool, actor.EntityID, today())
	if err != nil {
		s.serverError(w, r, err)
		return
	}
	mayEdit := actor.Can(authz.BoardRecord) && (actor.Role != authz.BoardMember || id == 0 || rec.UserID == actor.UserID)
	p := board.RecordProps{Shell: s.shell(r, "training.title", "board"), Base: entityBase(actor.EntityID), ID: id,
		Title: rec.Course, Errors: st.Errors, Conflict: st.Conflict, CanEdit: mayEdit, DeleteError: deleteError,
		Notice: s.Sessions.PopString(ctx, sessFlash),
		Form: board.RecordForm{UserID: in.UserID, Course: in.Course, Provider: in.Provider, Topics: in.Topics, StartedOn: in.StartedOn,
			CompletedOn: in.CompletedOn, ValidUntil: in.ValidUntil, Certified: in.Certified, Version: in.Version}}
	if id != 0 {
		p.Title = rec.Course + " — " + rec.MemberName
	}
	p.Members = append(p.Members, components.Option{Value: "", Label: i18n.T(ctx, "training.member.choose")})
	for _, m := range members {
		if actor.Role == authz.BoardMember && m.UserID != actor.UserID {
			continue
		}
		p.Members = append(p.Members, components.Option{Value: strconv.FormatInt(m.UserID, 10), Label: m.Name})
	}
	if id != 0 {
		ev, err := s.evidenceProps(r, evidence.Subject{Type: training.SubjectRecord, Ref: strconv.FormatInt(id, 10)})
		if err != nil {
			s.serverError(w, r, err)
			return
		}
		p.Evidence = &ev
	}
	s.render(w, r, st.status(), board.Record(p))
}

func (s *Server) trainingRecordCreate(w http.ResponseWriter, r *http.Request) {
	s.trainingRecordWrite(w, r, 0)
}

func (s *Server) trainingRecordSave(w http.ResponseWriter, r *http.Request) {
	id, ok := s.idParam(w, r, "recordID")
	if !ok {
		return
	}
	s.trainingRecordWrite(w, r, id)
}

func (s *Server) trainingRecordWrite(w http.ResponseWriter, r *http.Request, id int64) {
	ctx := r.Context()
	actor := authz.ActorFrom(ctx)
	_ = r.ParseForm()
	version, _ := strconv.Atoi(r.PostForm.Get("version"))
	in := training.RecordInput{UserID: r.PostForm.Get("user_id"), Course: r.PostForm.Get("course"), Provider: r.PostForm.Get("provider"),
		Topics: r.PostForm.Get("topics"), StartedOn: r.PostForm.Get("started_on"), CompletedOn: r.PostForm.Get("completed_on"),
		ValidUntil: r.PostForm.Get("valid_until"), Certified: r.PostForm.Get("certified") != "", Version: version}
	saved, err := training.SaveRecord(ctx, s.Pool, actor, id, in)
	var c *training.Conflict
	switch {
	case s.trainingError(w, r, err):
	case errors.As(err, &c):
		s.renderTrainingRecord(w, r, id, recordState{Status: http.StatusConflict, Input: &in, Conflict: recordFacts(r, c.Current)}, "")
	default:
		s.afterSave(w, r, err, func(errs map[string]string) {
			s.renderTrainingRecord(w, r, id, recordState{Status: http.StatusUnprocessableEntity, Input: &in, Errors: errs}, "")
		}, "training.record.saved", fmt.Sprintf("%s/board/training/%d", entityBase(actor.EntityID), saved.ID))
	}
}

// recordFacts words the other person's saved version of a record.
func recordFacts(r *http.Request, cur training.Record) []components.Fact {
	ctx := r.Context()
	return []components.Fact{{Label: i18n.T(ctx, "training.course"), Value: cur.Course},
		{Label: i18n.T(ctx, "training.provider"), Value: cur.Provider},
		{Label: i18n.T(ctx, "training.valid_until"), Value: displayDate(ctx, cur.ValidUntil)},
		{Label: i18n.T(ctx, "conflict.saved_by"), Value: cur.UpdatedBy + ", " + i18n.DateTime(ctx, cur.UpdatedAt)}}
}

func (s *Server) trainingRecordDelete(w http.ResponseWriter, r *http.Request) {
	id, ok := s.idParam(w, r, "recordID")
	if !ok {
		return
	}
	ctx := r.Context()
	actor := authz.ActorFrom(ctx)
	version, _ := strconv.Atoi(r.PostFormValue("version"))
	if r.PostFormValue("confirm") == "" {
		s.renderTrainingRecord(w, r, id, recordState{Status: http.StatusUnprocessableEntity}, "training.delete.unconfirmed")
		return
	}
	err := training.DeleteRecord(ctx, s.Pool, actor, id, version)
	switch {
	case s.trainingError(w, r, err):
	case errors.Is(err, training.ErrHasEvidence):
		s.renderTrainingRecord(w, r, id, recordState{Status: http.StatusConflict}, "training.delete.has_evidence")
	case errors.As(err, new(*training.Conflict)):
		s.renderTrainingRecord(w, r, id, recordState{Status: http.StatusConflict}, "training.delete.stale")
	default:
		s.afterSave(w, r, err, nil, "training.record.deleted", entityBase(actor.EntityID)+"/board/training")
	}
}
