package evidence

import (
	"context"
	"errors"
	"fmt"
	"regexp"
	"slices"
	"strconv"
	"sync"
	"unicode/utf8"

	"github.com/jackc/pgx/v5"

	"github.com/weerbaar/weerbaar/internal/authz"
	"github.com/weerbaar/weerbaar/internal/db"
)

// MaxSubjectRef is the longest subject reference, in bytes (the column
// checks it too).
const MaxSubjectRef = 200

// Subject is the record a piece of evidence proves: a subject type declared
// by a module (e.g. "requirement") and the record's reference within the
// entity (e.g. "1.1.1"). For List, the zero Subject means all of the
// entity's evidence.
type Subject struct {
	Type string
	Ref  string
}

// String is the form kept in the audit log ("requirement:1.1.1"), the same
// as before subjects were generic.
func (s Subject) String() string { return s.Type + ":" + s.Ref }

// valid reports whether both parts can be sent to the database (URL
// parameters may hold any bytes).
func (s Subject) valid() bool {
	return subjectTypeName.MatchString(s.Type) && s.Ref != "" && len(s.Ref) <= MaxSubjectRef && utf8.ValidString(s.Ref)
}

// subjectTypeName is what a subject type may be called (the column checks
// the same).
var subjectTypeName = regexp.MustCompile(`^[a-z][a-z0-9_]{0,39}$`)

// SubjectType is what a module declares so that evidence can be attached to
// its records. The evidence package knows nothing of the modules: they fill
// in the registry, so a new module adds a subject type without touching
// this package or the routes.
type SubjectType struct {
	// Name is stored in evidence_items.subject_type and used in URLs:
	// lower-case letters, digits and underscores, starting with a letter.
	Name string
	// Label is the i18n key of the type's name ("evidence.subject.requirement").
	Label string
	// Permission is what the actor needs, besides authz.EvidenceEdit, to
	// attach, version or delete evidence of this type.
	Permission authz.Permission
	// URL returns the path of the record's page, where the evidence is
	// listed: for redirects after an upload and links from evidence lists.
	URL func(entityID int64, ref string) string
	// Exists reports whether ref names a record of the entity; it is called
	// within the transaction that attaches the evidence.
	Exists func(ctx context.Context, q db.Querier, entityID int64, ref string) (bool, error)
	// TitleSQL optionally names the record for the evidence register: a
	// scalar SQL subquery (a constant of the module, never input, without
	// the surrounding parentheses) over the evidence row i (i.entity_id,
	// i.subject_ref) and @lang ("nl" or "en"). The register puts every
	// type's TitleSQL in one CASE column, so naming subjects costs no
	// query per type or row; without it the register shows the reference.
	TitleSQL string
}

// Registry holds the declared subject types. It is safe for concurrent use.
type Registry struct {
	mu    sync.RWMutex
	types map[string]SubjectType
	order []string
}

// NewRegistry returns a registry with the given types (see Register).
func NewRegistry(types ...SubjectType) *Registry {
	r := &Registry{types: map[string]SubjectType{}}
	for _, t := range types {
		r.Register(t)
	}
	return r
}

// Register adds a subject type. A type without a valid name, a label, a
// permission, a URL or an Exists check, or a name registered twice, is a
// programming error and panics, as registering a route twice does.
func (r *Registry) Register(t SubjectType) {
	if !subjectTypeName.MatchString(t.Name) || t.Label == "" || t.Permission == "" || t.URL == nil || t.Exists == nil {
		panic(fmt.Sprintf("evidence: incomplete subject type %q", t.Name))
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.types == nil {
		r.types = map[string]SubjectType{}
	}
	if _, dup := r.types[t.Name]; dup {
		panic(fmt.Sprintf("evidence: subject type %q registered twice", t.Name))
	}
	r.types[t.Name] = t
	r.order = append(r.order, t.Name)
}

// Lookup returns the subject type called name.
func (r *Registry) Lookup(name string) (SubjectType, bool) {
	r.mu.RLock()
	defer r.mu.RUnlock()
	t, ok := r.types[name]
	return t, ok
}

// Names lists the registered type names in registration order.
func (r *Registry) Names() []string {
	r.mu.RLock()
	defer r.mu.RUnlock()
	return slices.Clone(r.order)
}

// Subjects is the registry that modules fill in from their init functions
// (evidence.Register), the way image formats register themselves: every
// program that links a module can attach evidence to its records, and this
// package does not import the modules.
var Subjects = NewRegistry()

// Register adds a subject type to Subjects; see Registry.Register.
func Register(t SubjectType) { Subjects.Register(t) }

// RowExists is the Exists of a subject type whose reference is the id of a
// row of table (a constant of the declaring module, never input) with an
// entity_id column. It also keeps the row from being deleted until the
// transaction ends (FOR KEY SHARE): a deletion that locks the record FOR
// UPDATE waits for the attachment to commit and then sees its evidence, or
// the attachment waits for the deletion and finds no record.
func RowExists(table string) func(ctx context.Context, q db.Querier, entityID int64, ref string) (bool, error) {
	return func(ctx context.Context, q db.Querier, entityID int64, ref string) (bool, error) {
		id, err := strconv.ParseInt(ref, 10, 64)
		if err != nil || id <= 0 || strconv.FormatInt(id, 10) != ref {
			return false, nil
		}
		var one int
		err = q.QueryRow(ctx, `SELECT 1 FROM `+table+` WHERE entity_id = @entity AND id = @id FOR KEY SHARE`,
			pgx.StrictNamedArgs{"entity": entityID, "id": id}).Scan(&one)
		if errors.Is(err, pgx.ErrNoRows) {
			return false, nil
		}
		return err == nil, err
	}
}
