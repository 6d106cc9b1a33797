// Package server turns HTTP requests into service calls and results into templ
// pages: the chi router, middleware, error pages and one file of handlers per
// domain.
package server

import (
	"context"
	"log/slog"
	"net/http"
	"sync"
	"sync/atomic"

	"github.com/alexedwards/scs/v2"
	"github.com/go-chi/chi/v5"
	"github.com/go-chi/chi/v5/middleware"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/weerbaar/weerbaar/internal/audit"
	"github.com/weerbaar/weerbaar/internal/auth"
	"github.com/weerbaar/weerbaar/internal/authz"
	"github.com/weerbaar/weerbaar/internal/config"
	"github.com/weerbaar/weerbaar/internal/i18n"
	"github.com/weerbaar/weerbaar/internal/mail"
)

// Deps are the server's collaborators, wired in internal/app.
type Deps struct {
	Config   config.Config
	Pool     *pgxpool.Pool
	Logger   *slog.Logger
	Sessions *scs.SessionManager
	Auth     *auth.Service
	// Mailer sends set-password links by e-mail; nil when SMTP is not configured.
	Mailer mail.Sender
	// Background is the app's lifetime context for work that outlives a
	// request (evidence package builds); nil means context.Background().
	Background context.Context
	// Checkpoints writes audit chain checkpoints (after each evidence
	// package) and the audit page shows its last one.
	Checkpoints *audit.Checkpointer
}

// Server is Weerbaar's HTTP handler.
type Server struct {
	Deps
	router   chi.Router
	table    []Route
	draining atomic.Bool
	// jobs counts the background builds running (WaitBackground).
	jobs sync.WaitGroup
}

// New builds the router with every route and middleware.
func New(d Deps) *Server {
	s := &Server{Deps: d}
	if s.Sessions != nil {
		s.Sessions.ErrorFunc = s.sessionError // scs's default is a plain-text 500
	}
	s.table = s.routeTable()
	s.router = s.routes()
	return s
}

// ServeHTTP implements http.Handler.
func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) { s.router.ServeHTTP(w, r) }

// Router exposes the chi router so tests can walk every route.
func (s *Server) Router() chi.Router { return s.router }

// Routes returns the route table: every route with the access it declares.
func (s *Server) Routes() []Route { return s.table }

// StartDraining makes /readyz answer 503 so a load balancer stops sending new
// requests while in-flight ones finish.
func (s *Server) StartDraining() { s.draining.Store(true) }

// Access is who may reach a route.
type Access int

// The access levels a route can declare.
const (
	// Public routes need no sign-in (login, health, static files).
	Public Access = iota
	// SignedIn routes need a signed-in user but no entity (account pages).
	SignedIn
	// InstanceAdmin routes need the instance-administrator flag.
	InstanceAdmin
	// InEntity routes live under /e/{entityID}/ and need Permission there.
	InEntity
)

// Route is one entry of the route table. Every route declares its access (and
// for entity routes its permission) here; the authorisation test walks the
// router and fails on any route that is not in this table.
type Route struct {
	Method     string
	Pattern    string
	Access     Access
	Permission authz.Permission
	handler    http.HandlerFunc
}

func (s *Server) routes() chi.Router {
	r := chi.NewRouter()
	r.Use(
		middleware.RequestID,
		s.clientIP(),
		s.accessLog,
		s.recoverer,
		s.securityHeaders,
		s.crossOriginProtection,
		i18n.Middleware(func(*http.Request) (i18n.Lang, bool) { return "", false }),
	)
	r.NotFound(func(w http.ResponseWriter, r *http.Request) { s.errorPage(w, r, http.StatusNotFound) })
	r.MethodNotAllowed(func(w http.ResponseWriter, r *http.Request) { s.errorPage(w, r, http.StatusMethodNotAllowed) })

	// Operational endpoints and static files need no session and no database.
	sessionless := map[string]bool{"/healthz": true, "/readyz": true, "/static/*": true}
	withSession := r.With(scopeDatabase, s.guardSession, s.Sessions.LoadAndSave, s.handlerRuns, s.keepSessionAlive, s.loadUser)
	for _, rt := range s.table {
		var h http.Handler = rt.handler
		switch rt.Access {
		case SignedIn:
			h = s.requireUser(h)
		case InstanceAdmin:
			h = s.requireUser(s.requireInstanceAdmin(h))
		case InEntity:
			h = s.requireUser(s.inEntity(rt.Permission, h))
		}
		if sessionless[rt.Pattern] {
			r.Method(rt.Method, rt.Pattern, h)
		} else {
			withSession.Method(rt.Method, rt.Pattern, h)
		}
	}
	return r
}

// routeTable is every route of the app.
func (s *Server) routeTable() []Route {
	get, post := http.MethodGet, http.MethodPost
	return []Route{
		{get, "/healthz", Public, "", s.healthz},
		{get, "/readyz", Public, "", s.readyz},
		{get, "/static/*", Public, "", s.static},
		{post, "/lang", Public, "", s.setLang},
		{get, "/login", Public, "", s.loginForm},
		{post, "/login", Public, "", s.login},
		{get, "/login/mfa", Public, "", s.mfaForm},
		{post, "/login/mfa", Public, "", s.mfaLogin},
		{get, "/set-password/{token}", Public, "", s.setPasswordForm},
		{get, "/zelfevaluatie", Public, "", s.publicWizard},
		{post, "/set-password/{token}", Public, "", s.setPassword},

		{get, "/", SignedIn, "", s.start},
		{post, "/logout", SignedIn, "", s.logout},
		{post, "/invitations/{entityID}/accept", SignedIn, "", s.acceptInvitation},
		{post, "/invitations/{entityID}/decline", SignedIn, "", s.declineInvitation},
		{get, "/account", SignedIn, "", s.account},
		{get, "/about", SignedIn, "", s.about},
		{post, "/account/password", SignedIn, "", s.changePassword},
		{post, "/account/email", SignedIn, "", s.changeEmail},
		{get, "/account/mfa", SignedIn, "", s.mfaEnrolForm},
		{get, "/account/mfa/qr.png", SignedIn, "", s.mfaQRCode},
		{post, "/account/mfa", SignedIn, "", s.mfaEnrol},
		{post, "/account/mfa/disable", SignedIn, "", s.mfaDisable},
		{post, "/account/mfa/recovery-codes", SignedIn, "", s.mfaRecoveryCodes},

		{get, "/admin/entities", InstanceAdmin, "", s.adminEntities},
		{post, "/admin/entities", InstanceAdmin, "", s.adminCreateEntity},

		{get, "/e/{entityID}/", InEntity, authz.EntityRead, s.dashboard},
		{get, "/e/{entityID}/scope", InEntity, authz.EntityRead, s.scopeOverview},
		{get, "/e/{entityID}/scope/wizard", InEntity, authz.EntityRead, s.entityWizard},
		{post, "/e/{entityID}/scope/assessments", InEntity, authz.ScopeEdit, s.saveAssessment},
		{get, "/e/{entityID}/registration/edit", InEntity, authz.ScopeEdit, s.registrationEdit},
		{post, "/e/{entityID}/registration", InEntity, authz.ScopeEdit, s.registrationSave},
		{post, "/e/{entityID}/registration/submission", InEntity, authz.ScopeEdit, s.recordSubmission},
		{get, "/e/{entityID}/registration/print", InEntity, authz.EntityRead, s.registrationPrint},
		{get, "/e/{entityID}/registration.json", InEntity, authz.EntityRead, s.registrationJSON},
		{get, "/e/{entityID}/registration.csv", InEntity, authz.EntityRead, s.registrationCSV},
		{get, "/e/{entityID}/measures", InEntity, authz.EntityRead, s.measureList},
		{post, "/e/{entityID}/measures/catalogue-edition", InEntity, authz.MeasureEdit, s.adoptEdition},
		{get, "/e/{entityID}/measures/{code}", InEntity, authz.EntityRead, s.measurePage},
		{post, "/e/{entityID}/measures/{code}", InEntity, authz.MeasureEdit, s.measureSave},
		{post, "/e/{entityID}/measures/{code}/considerations", InEntity, authz.MeasureEdit, s.measureConsiderationsSave},
		{get, "/e/{entityID}/requirements/{code}", InEntity, authz.EntityRead, s.requirementPage},
		{post, "/e/{entityID}/requirements/{code}", InEntity, authz.MeasureEdit, s.requirementSave},
		{post, "/e/{entityID}/requirements/{code}/points", InEntity, authz.MeasureEdit, s.pointSave},
		// Evidence of any record whose module declared a subject type
		// (evidence.Register); the type's own permission is checked as well.
		{post, "/e/{entityID}/evidence/attach/{subjectType}/{subjectRef}", InEntity, authz.EvidenceEdit, s.uploadEvidence},
		{post, "/e/{entityID}/evidence/attach/{subjectType}/{subjectRef}/link", InEntity, authz.EvidenceEdit, s.addEvidenceLink},
		{post, "/e/{entityID}/evidence/{itemID}/versions", InEntity, authz.EvidenceEdit, s.addEvidenceVersion},
		{post, "/e/{entityID}/evidence/{itemID}/delete", InEntity, authz.EvidenceEdit, s.deleteEvidence},
		{get, "/e/{entityID}/evidence/versions/{versionID}", InEntity, authz.EntityRead, s.downloadEvidence},
		// The evidence register (issue 13): every item across all subjects,
		// with its review (auditors review; EvidenceReview) and validity.
		{get, "/e/{entityID}/evidence", InEntity, authz.EntityRead, s.evidenceRegister},
		{get, "/e/{entityID}/evidence/{itemID}", InEntity, authz.EntityRead, s.evidenceItemPage},
		{post, "/e/{entityID}/evidence/{itemID}/review", InEntity, authz.EvidenceReview, s.evidenceReview},
		{post, "/e/{entityID}/evidence/{itemID}/validity", InEntity, authz.EvidenceEdit, s.evidenceValidity},
		{get, "/e/{entityID}/soa", InEntity, authz.EntityRead, s.soa},
		{get, "/e/{entityID}/soa.csv", InEntity, authz.EntityRead, s.soaCSV},
		{get, "/e/{entityID}/proportionality", InEntity, authz.EntityRead, s.proportionality},
		{post, "/e/{entityID}/proportionality/factors", InEntity, authz.MeasureEdit, s.saveFactors},
		{post, "/e/{entityID}/proportionality/from-risk", InEntity, authz.MeasureEdit, s.acceptRiskProposal},
		{post, "/e/{entityID}/proportionality/sensitivities/{code}", InEntity, authz.EntityManage, s.saveSensitivity},
		// Risk analysis (internal/risk): cycles, method, threats, and per
		// analysis the crown jewels, suppliers and scenarios. Records have
		// flat paths by id (their analysis is known from the row).
		{get, "/e/{entityID}/risks", InEntity, authz.EntityRead, s.riskList},
		{post, "/e/{entityID}/risks", InEntity, authz.RiskEdit, s.riskCreate},
		// Two cycles compared on one page (?from=&to=).
		{get, "/e/{entityID}/risks/compare", InEntity, authz.EntityRead, s.riskCompare},
		{get, "/e/{entityID}/risks/method", InEntity, authz.EntityRead, s.riskMethod},
		{post, "/e/{entityID}/risks/method", InEntity, authz.EntityManage, s.riskMethodSave},
		{get, "/e/{entityID}/risks/threats", InEntity, authz.EntityRead, s.riskThreats},
		{post, "/e/{entityID}/risks/threats", InEntity, authz.RiskEdit, s.riskThreatCreate},
		{get, "/e/{entityID}/risks/threats/{threatID}", InEntity, authz.EntityRead, s.riskThreat},
		{post, "/e/{entityID}/risks/threats/{threatID}", InEntity, authz.RiskEdit, s.riskThreatSave},
		// Deleting a record: a confirmation page that says what goes with
		// it (or why it cannot go), then the confirmed deletion.
		{get, "/e/{entityID}/risks/threats/{threatID}/delete", InEntity, authz.RiskEdit, s.riskDeleteForm("threat")},
		{post, "/e/{entityID}/risks/threats/{threatID}/delete", InEntity, authz.RiskEdit, s.riskDelete("threat")},
		{get, "/e/{entityID}/risks/jewels/{jewelID}/delete", InEntity, authz.RiskEdit, s.riskDeleteForm("jewel")},
		{post, "/e/{entityID}/risks/jewels/{jewelID}/delete", InEntity, authz.RiskEdit, s.riskDelete("jewel")},
		{get, "/e/{entityID}/risks/suppliers/{supplierID}/delete", InEntity, authz.RiskEdit, s.riskDeleteForm("supplier")},
		{post, "/e/{entityID}/risks/suppliers/{supplierID}/delete", InEntity, authz.RiskEdit, s.riskDelete("supplier")},
		{get, "/e/{entityID}/risks/scenarios/{scenarioID}/delete", InEntity, authz.RiskEdit, s.riskDeleteForm("scenario")},
		{post, "/e/{entityID}/risks/scenarios/{scenarioID}/delete", InEntity, authz.RiskEdit, s.riskDelete("scenario")},
		{get, "/e/{entityID}/risks/jewels/{jewelID}", InEntity, authz.EntityRead, s.riskJewel},
		{post, "/e/{entityID}/risks/jewels/{jewelID}", InEntity, authz.RiskEdit, s.riskJewelSave},
		{get, "/e/{entityID}/risks/suppliers/{supplierID}", InEntity, authz.EntityRead, s.riskSupplier},
		{post, "/e/{entityID}/risks/suppliers/{supplierID}", InEntity, authz.RiskEdit, s.riskSupplierSave},
		{get, "/e/{entityID}/risks/scenarios/{scenarioID}", InEntity, authz.EntityRead, s.riskScenario},
		{post, "/e/{entityID}/risks/scenarios/{scenarioID}", InEntity, authz.RiskEdit, s.riskScenarioSave},
		// Steps 3 and 4 of a scenario: controls, treatment, mitigation actions.
		{get, "/e/{entityID}/risks/scenarios/{scenarioID}/resilience", InEntity, authz.EntityRead, s.riskTreatment},
		{post, "/e/{entityID}/risks/scenarios/{scenarioID}/controls", InEntity, authz.RiskEdit, s.riskControlsSave},
		{post, "/e/{entityID}/risks/scenarios/{scenarioID}/treatment", InEntity, authz.RiskEdit, s.riskTreatmentSave},
		{post, "/e/{entityID}/risks/scenarios/{scenarioID}/mitigations", InEntity, authz.RiskEdit, s.riskMitigationCreate},
		{get, "/e/{entityID}/risks/mitigations/{mitigationID}", InEntity, authz.EntityRead, s.riskMitigation},
		{post, "/e/{entityID}/risks/mitigations/{mitigationID}", InEntity, authz.RiskEdit, s.riskMitigationSave},
		{post, "/e/{entityID}/risks/mitigations/{mitigationID}/done", InEntity, authz.RiskEdit, s.riskMitigationDone},
		{get, "/e/{entityID}/risks/mitigations/{mitigationID}/delete", InEntity, authz.RiskEdit, s.riskMitigationDeleteConfirm},
		{post, "/e/{entityID}/risks/mitigations/{mitigationID}/delete", InEntity, authz.RiskEdit, s.riskMitigationDelete},
		{get, "/e/{entityID}/risks/{analysisID}", InEntity, authz.EntityRead, s.riskAnalysis},
		{post, "/e/{entityID}/risks/{analysisID}", InEntity, authz.RiskEdit, s.riskAnalysisSave},
		// Adopting needs EntityManage as well (checked by risk.SetStatus).
		{post, "/e/{entityID}/risks/{analysisID}/status", InEntity, authz.RiskEdit, s.riskStatus},
		{get, "/e/{entityID}/risks/{analysisID}/jewels", InEntity, authz.EntityRead, s.riskJewelList},
		{get, "/e/{entityID}/risks/{analysisID}/jewels/new", InEntity, authz.RiskEdit, s.riskJewelNew},
		{post, "/e/{entityID}/risks/{analysisID}/jewels", InEntity, authz.RiskEdit, s.riskJewelCreate},
		{get, "/e/{entityID}/risks/{analysisID}/jewels.csv", InEntity, authz.EntityRead, s.riskJewelsCSV},
		{post, "/e/{entityID}/risks/{analysisID}/jewels/import", InEntity, authz.RiskEdit, s.riskImport},
		{get, "/e/{entityID}/risks/{analysisID}/suppliers", InEntity, authz.EntityRead, s.riskSupplierList},
		{get, "/e/{entityID}/risks/{analysisID}/suppliers/new", InEntity, authz.RiskEdit, s.riskSupplierNew},
		{get, "/e/{entityID}/risks/{analysisID}/suppliers.csv", InEntity, authz.EntityRead, s.riskSuppliersCSV},
		{post, "/e/{entityID}/risks/{analysisID}/suppliers", InEntity, authz.RiskEdit, s.riskSupplierCreate},
		{get, "/e/{entityID}/risks/{analysisID}/scenarios", InEntity, authz.EntityRead, s.riskScenarios},
		{post, "/e/{entityID}/risks/{analysisID}/scenarios", InEntity, authz.RiskEdit, s.riskScenarioCreate},
		// The register (keyset pages, allow-listed sorts) and its CSV.
		{get, "/e/{entityID}/risks/{analysisID}/register", InEntity, authz.EntityRead, s.riskRegister},
		{get, "/e/{entityID}/risks/{analysisID}/register.csv", InEntity, authz.EntityRead, s.riskRegisterCSV},
		{get, "/e/{entityID}/board", InEntity, authz.EntityRead, s.boardHome},
		// Training of the management body (internal/training; Art. 20(2)).
		{get, "/e/{entityID}/board/training", InEntity, authz.EntityRead, s.trainingOverview},
		{post, "/e/{entityID}/board/training", InEntity, authz.BoardRecord, s.trainingRecordCreate},
		{get, "/e/{entityID}/board/training/new", InEntity, authz.BoardRecord, s.trainingRecordNew},
		{post, "/e/{entityID}/board/training/appointments/{userID}", InEntity, authz.BoardRecord, s.trainingAppointmentSave},
		{get, "/e/{entityID}/board/training/{recordID}", InEntity, authz.EntityRead, s.trainingRecord},
		{post, "/e/{entityID}/board/training/{recordID}", InEntity, authz.BoardRecord, s.trainingRecordSave},
		{post, "/e/{entityID}/board/training/{recordID}/delete", InEntity, authz.BoardRecord, s.trainingRecordDelete},
		// The management body's approvals (internal/approval): everyone of
		// the entity reads them; officers and admins submit, board members
		// decide (after re-entering a password or TOTP code), admins set the
		// quorum.
		{get, "/e/{entityID}/board/requests", InEntity, authz.EntityRead, s.boardRequests},
		{get, "/e/{entityID}/board/requests/new", InEntity, authz.ApprovalRequest, s.boardNewRequest},
		{post, "/e/{entityID}/board/requests", InEntity, authz.ApprovalRequest, s.boardSubmit},
		{get, "/e/{entityID}/board/requests/{requestID}", InEntity, authz.EntityRead, s.boardRequest},
		{get, "/e/{entityID}/board/requests/{requestID}/snapshot.json", InEntity, authz.EntityRead, s.boardSnapshot},
		{get, "/e/{entityID}/board/requests/{requestID}/record.pdf", InEntity, authz.EntityRead, s.boardRecordPDF},
		{post, "/e/{entityID}/board/requests/{requestID}/decide", InEntity, authz.ApprovalDecide, s.boardDecide},
		{post, "/e/{entityID}/board/requests/{requestID}/withdraw", InEntity, authz.ApprovalRequest, s.boardWithdraw},
		{post, "/e/{entityID}/board/settings", InEntity, authz.EntityManage, s.boardSettingsSave},
		// Oversight reports (internal/oversight; Art. 20(1)): officers and
		// admins make them (ApprovalRequest: they put things before the
		// board); recording the board's discussion takes BoardRecord, the
		// permission of the board's own Art. 20 records (officers, admins,
		// board members — not auditors).
		{get, "/e/{entityID}/board/reports", InEntity, authz.EntityRead, s.boardReports},
		{post, "/e/{entityID}/board/reports", InEntity, authz.ApprovalRequest, s.boardReportCreate},
		{get, "/e/{entityID}/board/reports/{reportID}", InEntity, authz.EntityRead, s.boardReport},
		{get, "/e/{entityID}/board/reports/{reportID}/report.pdf", InEntity, authz.EntityRead, s.boardReportPDF},
		{post, "/e/{entityID}/board/reports/{reportID}/discussion", InEntity, authz.BoardRecord, s.boardReportDiscussion},
		// Incidents and the reporting clock (internal/incident; Art. 23 NIS2).
		{get, "/e/{entityID}/incidents", InEntity, authz.EntityRead, s.incidentList},
		{post, "/e/{entityID}/incidents", InEntity, authz.IncidentEdit, s.incidentCreate},
		{get, "/e/{entityID}/incidents/new", InEntity, authz.IncidentEdit, s.incidentNew},
		{get, "/e/{entityID}/incidents/{incidentID}", InEntity, authz.EntityRead, s.incidentPage},
		{post, "/e/{entityID}/incidents/{incidentID}", InEntity, authz.IncidentEdit, s.incidentSave},
		{post, "/e/{entityID}/incidents/{incidentID}/significance", InEntity, authz.IncidentEdit, s.incidentSignificance},
		{post, "/e/{entityID}/incidents/{incidentID}/status", InEntity, authz.IncidentEdit, s.incidentStatus},
		{post, "/e/{entityID}/incidents/{incidentID}/timeline", InEntity, authz.IncidentEdit, s.incidentEntry},
		{post, "/e/{entityID}/incidents/{incidentID}/reports/submit", InEntity, authz.IncidentEdit, s.incidentSubmit},
		{post, "/e/{entityID}/incidents/{incidentID}/reports/request", InEntity, authz.IncidentEdit, s.incidentRequest},
		{post, "/e/{entityID}/incidents/{incidentID}/review", InEntity, authz.IncidentEdit, s.incidentReview},
		{post, "/e/{entityID}/incidents/{incidentID}/actions", InEntity, authz.IncidentEdit, s.incidentActionAdd},
		{post, "/e/{entityID}/incidents/{incidentID}/actions/{actionID}/done", InEntity, authz.IncidentEdit, s.incidentActionDone},
		{get, "/e/{entityID}/incidents/{incidentID}/actions/{actionID}", InEntity, authz.EntityRead, s.incidentAction},
		{post, "/e/{entityID}/incidents/{incidentID}/actions/{actionID}", InEntity, authz.IncidentEdit, s.incidentActionSave},
		{get, "/e/{entityID}/incidents/{incidentID}/actions/{actionID}/delete", InEntity, authz.IncidentEdit, s.incidentActionDeleteConfirm},
		{post, "/e/{entityID}/incidents/{incidentID}/actions/{actionID}/delete", InEntity, authz.IncidentEdit, s.incidentActionDelete},
		{get, "/e/{entityID}/incidents/{incidentID}/reports/{stage}/draft", InEntity, authz.EntityRead, s.incidentDraft},
		{get, "/e/{entityID}/incidents/{incidentID}/reports/{stage}/draft.json", InEntity, authz.EntityRead, s.incidentDraftJSON},
		{post, "/e/{entityID}/incidents/{incidentID}/reports/{stage}/submissions", InEntity, authz.IncidentEdit, s.incidentSubmission},
		{post, "/e/{entityID}/incidents/{incidentID}/gdpr", InEntity, authz.IncidentEdit, s.incidentGDPR},
		// The response plan, playbooks and exercises (internal/incident; Art. 21(2)(b) NIS2).
		{get, "/e/{entityID}/incidents/plan", InEntity, authz.EntityRead, s.responsePlan},
		{post, "/e/{entityID}/incidents/plan", InEntity, authz.IncidentEdit, s.responsePlanSave},
		{get, "/e/{entityID}/incidents/playbooks/{playbookKey}", InEntity, authz.EntityRead, s.playbookPage},
		{post, "/e/{entityID}/incidents/playbooks/{playbookKey}", InEntity, authz.IncidentEdit, s.playbookSave},
		{get, "/e/{entityID}/incidents/playbooks/{playbookKey}/edit", InEntity, authz.IncidentEdit, s.playbookEdit},
		{get, "/e/{entityID}/incidents/exercises", InEntity, authz.EntityRead, s.exerciseList},
		{post, "/e/{entityID}/incidents/exercises", InEntity, authz.IncidentEdit, s.exerciseCreate},
		{get, "/e/{entityID}/incidents/exercises/new", InEntity, authz.IncidentEdit, s.exerciseNew},
		{get, "/e/{entityID}/incidents/exercises/{exerciseID}", InEntity, authz.EntityRead, s.exercisePage},
		{post, "/e/{entityID}/incidents/exercises/{exerciseID}", InEntity, authz.IncidentEdit, s.exerciseSave},
		{post, "/e/{entityID}/incidents/exercises/{exerciseID}/actions", InEntity, authz.IncidentEdit, s.exerciseActionAdd},
		{post, "/e/{entityID}/incidents/exercises/{exerciseID}/actions/{followupID}/done", InEntity, authz.IncidentEdit, s.exerciseActionDone},
		{get, "/e/{entityID}/audit", InEntity, authz.AuditRead, s.auditLog},
		{get, "/e/{entityID}/audit.csv", InEntity, authz.AuditRead, s.auditCSV},
		{get, "/e/{entityID}/audit.jsonl", InEntity, authz.AuditRead, s.auditJSONL},
		{get, "/e/{entityID}/exports", InEntity, authz.ExportCreate, s.exportsPage},
		{post, "/e/{entityID}/exports", InEntity, authz.ExportCreate, s.exportCreate},
		{post, "/e/{entityID}/exports/verify", InEntity, authz.ExportCreate, s.exportVerify},
		{get, "/e/{entityID}/exports/{packageID}/download", InEntity, authz.ExportCreate, s.exportDownload},
		{get, "/e/{entityID}/users", InEntity, authz.UserManage, s.users},
		{post, "/e/{entityID}/users", InEntity, authz.UserManage, s.inviteUser},
		{post, "/e/{entityID}/users/{userID}/role", InEntity, authz.UserManage, s.changeRole},
		{post, "/e/{entityID}/users/{userID}/remove", InEntity, authz.UserManage, s.removeMember},
		{post, "/e/{entityID}/users/{userID}/disable", InEntity, authz.UserManage, s.disableUser},
		{post, "/e/{entityID}/settings", InEntity, authz.EntityManage, s.entitySettings},
	}
}
