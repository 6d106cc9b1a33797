// Package authz decides who may do what. One permission table maps each role
// to its permissions; every route declares the permission it needs, and the
// table is the only place where that is decided.
package authz

import (
	"context"
	"slices"
)

// Role is a user's role in one entity; a user has exactly one role per entity.
type Role string

// The four roles.
const (
	Admin           Role = "admin"
	SecurityOfficer Role = "security_officer"
	BoardMember     Role = "board_member"
	Auditor         Role = "auditor"
)

// Roles lists the roles in display order.
var Roles = []Role{Admin, SecurityOfficer, BoardMember, Auditor}

// ParseRole returns the role for a form value, and false for anything else.
func ParseRole(s string) (Role, bool) {
	r := Role(s)
	return r, slices.Contains(Roles, r)
}

// Permission names one thing a role may do within an entity.
type Permission string

// The permissions. Read access to an entity's pages is EntityRead; every
// change needs a specific permission.
const (
	EntityRead      Permission = "entity.read"
	EntityManage    Permission = "entity.manage"
	UserManage      Permission = "user.manage"
	AuditRead       Permission = "audit.read"
	ScopeEdit       Permission = "scope.edit"
	MeasureEdit     Permission = "measure.edit"
	EvidenceEdit    Permission = "evidence.edit"
	RiskEdit        Permission = "risk.edit"
	IncidentEdit    Permission = "incident.edit"
	ApprovalRequest Permission = "approval.request"
	ApprovalDecide  Permission = "approval.decide"
	ExportCreate    Permission = "export.create"
	// BoardRecord keeps the board's own Art. 20 records: training (officers
	// and admins for anyone, board members their own — checked by
	// internal/training) and the discussion of oversight reports.
	BoardRecord Permission = "board.record"
	// EvidenceReview accepts or rejects evidence in the evidence register.
	// Auditors have it: it is the one change an auditor makes (they are
	// otherwise read-only), as judging evidence is their job.
	EvidenceReview Permission = "evidence.review"
)

// officer is what a security officer does day to day; the admin has it too.
var officer = []Permission{EntityRead, ScopeEdit, MeasureEdit, EvidenceEdit, EvidenceReview, RiskEdit, IncidentEdit, ApprovalRequest, ExportCreate, BoardRecord}

// table is the one permission table. Auditors read everything of their entity
// (EntityRead, AuditRead) and change nothing but the review state of
// evidence (EvidenceReview); exporting evidence creates no record in the
// entity.
var table = map[Role][]Permission{
	Admin:           append(slices.Clone(officer), UserManage, EntityManage, AuditRead),
	SecurityOfficer: officer,
	BoardMember:     {EntityRead, ApprovalDecide, BoardRecord},
	Auditor:         {EntityRead, AuditRead, ExportCreate, EvidenceReview},
}

// Allowed reports whether role has permission p.
func Allowed(role Role, p Permission) bool {
	return slices.Contains(table[role], p)
}

// Permissions returns every permission in the table, for documentation and
// the authorisation test.
func Permissions() []Permission {
	return []Permission{EntityRead, EntityManage, UserManage, AuditRead, ScopeEdit, MeasureEdit, EvidenceEdit,
		RiskEdit, IncidentEdit, ApprovalRequest, ApprovalDecide, ExportCreate, BoardRecord, EvidenceReview}
}

// Actor is the signed-in user acting within one entity.
type Actor struct {
	UserID   int64
	Email    string
	Name     string
	EntityID int64
	Role     Role
}

// Can reports whether the actor may do p in its entity.
func (a Actor) Can(p Permission) bool { return a.EntityID != 0 && Allowed(a.Role, p) }

type actorKey struct{}

// WithActor stores the actor of an entity-scoped request.
func WithActor(ctx context.Context, a Actor) context.Context {
	return context.WithValue(ctx, actorKey{}, a)
}

// ActorFrom returns the actor of the request (zero outside an entity).
func ActorFrom(ctx context.Context) Actor {
	a, _ := ctx.Value(actorKey{}).(Actor)
	return a
}
