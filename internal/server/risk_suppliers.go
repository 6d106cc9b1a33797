package server

import (
	"net/http"
	"strconv"
	"strings"

	"github.com/weerbaar/weerbaar/internal/authz"
	"github.com/weerbaar/weerbaar/internal/i18n"
	"github.com/weerbaar/weerbaar/internal/risk"
)

// riskSuppliersCSV exports an analysis's supplier register in the user's
// language: the service, the criticality derived from the dependent jewels,
// the contract clauses one column each, the certifications with their
// expiry, the last assessment with its result, and the concentration
// warning.
func (s *Server) riskSuppliersCSV(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	actor := authz.ActorFrom(ctx)
	a, _, ok := s.riskAnalysisBase(w, r)
	if !ok {
		return
	}
	suppliers, err := risk.Suppliers(ctx, s.Pool, actor.EntityID, a.ID)
	if err != nil {
		s.serverError(w, r, err)
		return
	}
	attachment(w, "text/csv; charset=utf-8", exportName(ctx, "risk.suppliers.file", entityFrom(ctx).Slug+"-"+safeFilePart(a.Period), "csv"))
	cw := newCSV(w, i18n.LangFrom(ctx))
	header := []string{i18n.T(ctx, "risk.name"), i18n.T(ctx, "risk.supplier.service"), i18n.T(ctx, "risk.supplier.criticality"),
		i18n.T(ctx, "risk.supplier.jewels")}
	for _, c := range risk.Clauses {
		header = append(header, i18n.T(ctx, "risk.clause."+c))
	}
	header = append(header, i18n.T(ctx, "risk.supplier.certifications"), i18n.T(ctx, "risk.supplier.cert_expiry"),
		i18n.T(ctx, "risk.supplier.cert_expired"), i18n.T(ctx, "risk.supplier.last_assessed"), i18n.T(ctx, "risk.supplier.assessment"),
		i18n.T(ctx, "risk.supplier.concentration"))
	cw.row(header...)
	day := today()
	for _, sp := range suppliers {
		criticality := ""
		if sp.MaxBIV > 0 {
			criticality = strconv.Itoa(sp.MaxBIV) + " – " + i18n.T(ctx, "risk.biv."+strconv.Itoa(sp.MaxBIV))
		}
		row := []string{sp.Name, sp.Service, criticality, strings.Join(sp.Jewels, " | ")}
		for _, c := range risk.Clauses {
			row = append(row, yesNo(ctx, sp.Clause(c)))
		}
		result := ""
		if sp.AssessmentResult != "" {
			result = i18n.T(ctx, "risk.assessment."+sp.AssessmentResult)
		}
		row = append(row, sp.Certifications, dateValue(sp.CertificationExpiry), yesNo(ctx, sp.CertificationExpired(day)),
			dateValue(sp.LastAssessed), result, yesNo(ctx, sp.Concentrated()))
		cw.row(row...)
	}
	cw.flush()
}
