package db

import (
	"context"
	"fmt"
	"strconv"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"
)

// Row-level security is the second wall behind every query's own
// `WHERE entity_id = …` (migration 000039): entity-owned tables show and
// take only the rows of the entity in the setting weerbaar.entity_id. The
// scope travels in the context; the pool writes it to every connection it
// hands out (prepareConn), so a query run for a request can only ever see
// that request's entity, even when its SQL forgets to say which.
//
// A connection keeps its setting between uses and remembers it, so a request
// whose connection already holds its scope costs no extra round trip; a
// change of scope costs one.

// AppRole is the role the web app runs as: not the tables' owner, no
// BYPASSRLS, so the policies hold for it.
const AppRole = "weerbaar_app"

// scopeSetting is the PostgreSQL setting the policies read.
const scopeSetting = "weerbaar.entity_id"

// allEntities is the setting's value for work across every entity.
const allEntities = "*"

type scopeKey struct{}

// ForEntity returns ctx scoped to one entity: every connection used under it
// sees only that entity's rows.
func ForEntity(ctx context.Context, entityID int64) context.Context {
	return context.WithValue(ctx, scopeKey{}, strconv.FormatInt(entityID, 10))
}

// AcrossEntities returns ctx for work that spans every entity by design —
// the instance's background jobs (reminders, audit checkpoints, abandoned
// export builds), start-up and the operator's commands. Request handlers
// never use it: a request works for one entity or for none.
func AcrossEntities(ctx context.Context) context.Context {
	return context.WithValue(ctx, scopeKey{}, allEntities)
}

// Unscoped returns ctx without a scope: no entity's rows are visible. It is
// what a request outside /e/{entityID}/ runs under.
func Unscoped(ctx context.Context) context.Context {
	return context.WithValue(ctx, scopeKey{}, "")
}

// scopeOf is ctx's setting value; "" (no entity) when none was set.
func scopeOf(ctx context.Context) string {
	s, _ := ctx.Value(scopeKey{}).(string)
	return s
}

// ScopeTx scopes the rest of transaction tx to entityID, for the one kind of
// write that must: creating an entity together with its first rows, before
// any request could be scoped to it. The setting ends with the transaction.
func ScopeTx(ctx context.Context, tx pgx.Tx, entityID int64) error {
	_, err := tx.Exec(ctx, "SELECT set_config('"+scopeSetting+"', $1, true)", strconv.FormatInt(entityID, 10))
	if err != nil {
		return fmt.Errorf("scope transaction to entity %d: %w", entityID, err)
	}
	return nil
}

// connScopeKey is where a connection remembers the scope it was last given.
const connScopeKey = "weerbaar.scope"

// prepareConn gives a connection the scope of the context it is acquired for
// before the pool hands it out. A failure destroys the connection and fails
// the query, so a connection never serves with a stale scope.
func prepareConn(ctx context.Context, conn *pgx.Conn) (bool, error) {
	want := scopeOf(ctx)
	data := conn.PgConn().CustomData()
	if have, _ := data[connScopeKey].(string); have == want {
		return true, nil
	}
	// Connection set-up like SET ROLE, not a statement of the page: it is
	// left out of the page's query count (WithQueryCounter), which would
	// otherwise depend on what the connection served before.
	if _, err := conn.Exec(context.WithValue(ctx, counterKey{}, nil), "SELECT set_config('"+scopeSetting+"', $1, false)", want); err != nil {
		delete(data, connScopeKey)
		return false, fmt.Errorf("set the row-level security scope: %w", err)
	}
	data[connScopeKey] = want
	return true, nil
}

// runAsAppRole makes every new connection of a pool act as AppRole, for a
// pool opened with the owner's connection string.
func runAsAppRole(cfg *pgxpool.Config) {
	cfg.AfterConnect = func(ctx context.Context, conn *pgx.Conn) error {
		if _, err := conn.Exec(ctx, "SET ROLE "+AppRole); err != nil {
			return fmt.Errorf("switch to role %s (apply the migrations first; docs/operations.md, Row-level security): %w", AppRole, err)
		}
		return nil
	}
}

// CheckHeldByPolicies fails when the pool's role escapes row-level security
// (a superuser, a BYPASSRLS role), so the web app never runs without the
// second wall by accident of configuration.
func CheckHeldByPolicies(ctx context.Context, pool *pgxpool.Pool) error {
	var user string
	var super, bypass bool
	err := pool.QueryRow(ctx, `SELECT current_user, rolsuper, rolbypassrls FROM pg_roles WHERE rolname = current_user`).Scan(&user, &super, &bypass)
	if err != nil {
		return fmt.Errorf("look up the database role: %w", err)
	}
	if super || bypass {
		return fmt.Errorf("the web app's database role %s bypasses row-level security (superuser or BYPASSRLS); use %s (docs/operations.md, Row-level security)", user, AppRole)
	}
	return nil
}
