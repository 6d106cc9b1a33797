package approval

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"regexp"
	"slices"
	"sync"

	"github.com/jackc/pgx/v5"

	"github.com/weerbaar/weerbaar/internal/audit"
	"github.com/weerbaar/weerbaar/internal/authz"
	"github.com/weerbaar/weerbaar/internal/db"
	"github.com/weerbaar/weerbaar/internal/i18n"
)

// Content is what a kind freezes at submission: the data (anything
// encoding/json can marshal; it is hashed as canonical JSON, so map key order
// does not matter and nothing may depend on the moment of rendering), a
// title and a one-paragraph summary the board reads.
type Content struct {
	Data    any
	Title   i18n.Text
	Summary i18n.Text
}

// Subject is a record that can be submitted, for the new-request form.
type Subject struct {
	Ref   string
	Title i18n.Text
}

// Kind is what a module declares so that its records can be submitted to the
// board. The approval package knows nothing of the modules: they register
// their kinds in an init(), so a new module adds a kind without touching
// this package.
type Kind struct {
	// Name is stored in approval_requests.kind and used in URLs: lower-case
	// letters, digits and underscores, starting with a letter.
	Name string
	// Label is the i18n key of the kind's name ("approval.kind.measure_plan").
	Label string
	// Permission is what the submitter needs besides authz.ApprovalRequest.
	Permission authz.Permission
	// Snapshot returns the record's current content; db.ErrNotFound for a ref
	// that is not a record of the entity.
	Snapshot func(ctx context.Context, q db.Querier, entityID int64, ref string) (Content, error)
	// Subjects lists the records that can be submitted now.
	Subjects func(ctx context.Context, q db.Querier, entityID int64) ([]Subject, error)
	// URL is the path of the record's page.
	URL func(entityID int64, ref string) string
	// ValueKeys maps a snapshot field name to the i18n key prefix of its
	// values, so a diff reads "In uitvoering" instead of "in_progress"
	// (e.g. "status" → "status.").
	ValueKeys map[string]string
	// Approved, when set, runs in the transaction of the decision that
	// approved a request of this kind (e.g. a risk analysis becomes adopted).
	Approved func(ctx context.Context, tx pgx.Tx, actor authz.Actor, req Request) error
}

var kindName = regexp.MustCompile(`^[a-z][a-z0-9_]{0,39}$`)

var registry = struct {
	sync.RWMutex
	kinds map[string]Kind
	order []string
}{kinds: map[string]Kind{}}

// Register adds a kind. A kind without a valid name, label, permission,
// snapshot, subjects or URL, or a name registered twice, is a programming
// error and panics at start-up.
func Register(k Kind) {
	if !kindName.MatchString(k.Name) || k.Label == "" || k.Permission == "" || k.Snapshot == nil || k.Subjects == nil || k.URL == nil {
		panic(fmt.Sprintf("approval: incomplete kind %q", k.Name))
	}
	registry.Lock()
	defer registry.Unlock()
	if _, dup := registry.kinds[k.Name]; dup {
		panic(fmt.Sprintf("approval: kind %q registered twice", k.Name))
	}
	registry.kinds[k.Name] = k
	registry.order = append(registry.order, k.Name)
}

// Lookup returns the kind called name.
func Lookup(name string) (Kind, bool) {
	registry.RLock()
	defer registry.RUnlock()
	k, ok := registry.kinds[name]
	return k, ok
}

// Kinds returns the registered kinds sorted by name.
func Kinds() []Kind {
	registry.RLock()
	defer registry.RUnlock()
	names := slices.Clone(registry.order)
	slices.Sort(names)
	out := make([]Kind, len(names))
	for i, n := range names {
		out[i] = registry.kinds[n]
	}
	return out
}

// Canonical returns the canonical JSON of data (audit.Canonical) and its
// SHA-256 in lowercase hex: the bytes a request stores and the hash the board
// approves.
func Canonical(data any) (doc []byte, hash string, err error) {
	doc, err = audit.Canonical(data)
	if err != nil {
		return nil, "", fmt.Errorf("snapshot: %w", err)
	}
	return doc, Hash(doc), nil
}

// Hash is the hex SHA-256 of a canonical snapshot.
func Hash(doc []byte) string {
	sum := sha256.Sum256(doc)
	return hex.EncodeToString(sum[:])
}
