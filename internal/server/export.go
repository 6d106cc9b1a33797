package server

import (
	"encoding/csv"
	"encoding/json"
	"fmt"
	"net/http"
	"strings"
	"time"

	"github.com/weerbaar/weerbaar/internal/authz"
	"github.com/weerbaar/weerbaar/internal/entity"
	"github.com/weerbaar/weerbaar/internal/i18n"
	"github.com/weerbaar/weerbaar/web/pages/scope"
)

// registrationExport is the registration record as exported: the data, the
// entity and its latest NIS2 class.
type registrationExport struct {
	Entity       string              `json:"entity"`
	ExportedAt   time.Time           `json:"exported_at"`
	Class        string              `json:"nis2_class,omitempty"`
	Registration entity.Registration `json:"registration"`
}

func (s *Server) loadRegistrationExport(r *http.Request) (registrationExport, error) {
	ctx := r.Context()
	actor := authz.ActorFrom(ctx)
	reg, err := entity.GetRegistration(ctx, s.Pool, actor.EntityID)
	if err != nil {
		return registrationExport{}, err
	}
	latest, ok, err := entity.LatestAssessment(ctx, s.Pool, actor.EntityID)
	if err != nil {
		return registrationExport{}, err
	}
	out := registrationExport{Entity: entityFrom(ctx).Name, ExportedAt: time.Now().UTC(), Registration: reg}
	if ok {
		out.Class = string(latest.Result.Class)
	}
	return out, nil
}

func (s *Server) registrationJSON(w http.ResponseWriter, r *http.Request) {
	exp, err := s.loadRegistrationExport(r)
	if err != nil {
		s.serverError(w, r, err)
		return
	}
	b, err := json.MarshalIndent(exp, "", "  ")
	if err != nil {
		s.serverError(w, r, err)
		return
	}
	attachment(w, "application/json", "registratie-"+entityFrom(r.Context()).Slug+".json")
	_, _ = w.Write(append(b, '\n'))
}

// registrationCSV writes one field per row (stable English keys), so the file
// reads well in a spreadsheet and diffs well between exports.
func (s *Server) registrationCSV(w http.ResponseWriter, r *http.Request) {
	exp, err := s.loadRegistrationExport(r)
	if err != nil {
		s.serverError(w, r, err)
		return
	}
	reg := exp.Registration
	submitted := ""
	if reg.SubmittedOn != nil {
		submitted = reg.SubmittedOn.Format("2006-01-02")
	}
	rows := [][2]string{
		{"entity", exp.Entity}, {"nis2_class", exp.Class}, {"legal_name", reg.LegalName}, {"kvk", reg.KvK},
		{"street", reg.Street}, {"postcode", reg.Postcode}, {"city", reg.City}, {"country", reg.Country},
		{"postal_address", reg.PostalAddress}, {"contact_name", reg.ContactName}, {"contact_email", reg.ContactEmail},
		{"contact_phone", reg.ContactPhone}, {"ip_ranges", strings.Join(reg.IPRanges, " ")},
		{"subsectors", strings.Join(reg.Subsectors, " ")}, {"member_states", strings.Join(reg.MemberStates, " ")},
		{"competent_authority", reg.Authority}, {"csirt", reg.CSIRT}, {"information_sharing", fmt.Sprint(reg.InfoSharing)},
		{"information_sharing_details", reg.InfoSharingDetails}, {"submitted_on", submitted},
		{"submission_reference", reg.SubmissionRef},
	}
	if reg.NeedsArt27Data() { // Art. 27(2)(b) NIS2, only for the Art. 27 entity types
		rows = append(rows, [2]string{"main_establishment", reg.MainEstablishment},
			[2]string{"other_establishments_eu", strings.Join(reg.OtherEstablishments, "; ")},
			[2]string{"eu_representative", reg.EURepresentative})
	}
	attachment(w, "text/csv; charset=utf-8", "registratie-"+entityFrom(r.Context()).Slug+".csv")
	cw := newCSV(w)
	cw.row("field", "value")
	for _, row := range rows {
		cw.row(row[0], row[1])
	}
	cw.flush()
}

// csvOut writes CSV with every cell made formula-safe.
type csvOut struct{ w *csv.Writer }

func newCSV(w http.ResponseWriter) csvOut { return csvOut{w: csv.NewWriter(w)} }

func (c csvOut) row(cells ...string) {
	for i := range cells {
		cells[i] = csvSafe(cells[i])
	}
	_ = c.w.Write(cells)
}

func (c csvOut) flush() { c.w.Flush() }

// csvSafe stops a spreadsheet from running a cell as a formula (CSV
// injection): values starting with = + - @ or a control character get a
// leading apostrophe.
func csvSafe(v string) string {
	if v != "" && strings.ContainsRune("=+-@\t\r", rune(v[0])) {
		return "'" + v
	}
	return v
}

func (s *Server) registrationPrint(w http.ResponseWriter, r *http.Request) {
	exp, err := s.loadRegistrationExport(r)
	if err != nil {
		s.serverError(w, r, err)
		return
	}
	ctx := r.Context()
	fields := registrationFields(ctx, exp.Registration)
	if exp.Registration.SubmittedOn != nil {
		fields = append(fields, scope.Field{Label: i18n.T(ctx, "submission.title"),
			Value: i18n.Date(ctx, *exp.Registration.SubmittedOn) + " · " + exp.Registration.SubmissionRef})
	}
	s.render(w, r, http.StatusOK, scope.Print(scope.PrintProps{
		Shell: s.shell(r, "registration.print", "scope"), EntityName: exp.Entity, Fields: fields, Class: exp.Class,
		Printed: i18n.T(ctx, "registration.print.date", i18n.DateTime(ctx, exp.ExportedAt)),
	}))
}
