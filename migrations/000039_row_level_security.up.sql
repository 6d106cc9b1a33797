-- Row-level security as a second wall behind every query's own
-- `WHERE entity_id = …` (issue 14): the web app runs as the role
-- weerbaar_app (not the owner), and every entity-owned table shows and takes
-- only the rows of the entity the request is scoped to. The scope is the
-- setting weerbaar.entity_id, set by internal/db on every connection a
-- request uses: '' (or unset) sees no entity's rows, an entity id sees that
-- entity's, and '*' sees all (system jobs that work across entities, named
-- as such in the code). Table owners are held to the policies too (FORCE);
-- superusers and BYPASSRLS roles are not, which is why the app must not run
-- as one. docs/operations.md, "Row-level security", has the set-up for a
-- server where the migrating role may not create roles.

DO $$
BEGIN
    IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'weerbaar_app') THEN
        CREATE ROLE weerbaar_app NOLOGIN NOSUPERUSER NOBYPASSRLS NOCREATEDB NOCREATEROLE;
    END IF;
EXCEPTION WHEN duplicate_object OR unique_violation THEN
    NULL; -- another database on this server created it at the same moment
END $$;

-- The migrating role switches to weerbaar_app on every connection of the
-- app's pool (SET ROLE), so it must be a member.
DO $$
BEGIN
    IF NOT pg_has_role(current_user, 'weerbaar_app', 'MEMBER') THEN
        EXECUTE format('GRANT weerbaar_app TO %I', current_user);
    END IF;
END $$;

CREATE FUNCTION weerbaar_scope_entity() RETURNS bigint
    LANGUAGE sql STABLE PARALLEL SAFE
    AS $$ SELECT nullif(nullif(current_setting('weerbaar.entity_id', true), ''), '*')::bigint $$;

CREATE FUNCTION weerbaar_scope_all() RETURNS boolean
    LANGUAGE sql STABLE PARALLEL SAFE
    AS $$ SELECT coalesce(current_setting('weerbaar.entity_id', true) = '*', false) $$;

GRANT USAGE ON SCHEMA public TO weerbaar_app;
GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA public TO weerbaar_app;
GRANT USAGE, SELECT, UPDATE ON ALL SEQUENCES IN SCHEMA public TO weerbaar_app;
ALTER DEFAULT PRIVILEGES IN SCHEMA public GRANT SELECT, INSERT, UPDATE, DELETE ON TABLES TO weerbaar_app;
ALTER DEFAULT PRIVILEGES IN SCHEMA public GRANT USAGE, SELECT, UPDATE ON SEQUENCES TO weerbaar_app;
-- The migrations are the owner's; the audit log is append-only (its
-- triggers refuse UPDATE and DELETE as well).
REVOKE INSERT, UPDATE, DELETE ON schema_migrations FROM weerbaar_app;
REVOKE UPDATE, DELETE ON audit_log FROM weerbaar_app;

-- Report packages are large objects; those written before this migration
-- belong to the migrating role.
DO $$
DECLARE o oid;
BEGIN
    FOR o IN SELECT oid FROM pg_largeobject_metadata LOOP
        EXECUTE format('GRANT SELECT, UPDATE ON LARGE OBJECT %s TO weerbaar_app', o);
    END LOOP;
END $$;

-- Every table with an entity_id, except the two that decide access itself
-- (memberships, read at sign-in across entities; password_tokens, whose
-- invitations are answered before the user is a member).
DO $$
DECLARE t text;
BEGIN
    FOR t IN
        SELECT c.table_name FROM information_schema.columns c
        JOIN information_schema.tables tb ON tb.table_schema = c.table_schema AND tb.table_name = c.table_name
        WHERE c.table_schema = 'public' AND c.column_name = 'entity_id' AND tb.table_type = 'BASE TABLE'
          AND c.table_name NOT IN ('memberships', 'password_tokens', 'audit_log')
    LOOP
        EXECUTE format('ALTER TABLE %I ENABLE ROW LEVEL SECURITY', t);
        EXECUTE format('ALTER TABLE %I FORCE ROW LEVEL SECURITY', t);
        EXECUTE format($p$CREATE POLICY entity_isolation ON %I
            USING (weerbaar_scope_all() OR entity_id = weerbaar_scope_entity())
            WITH CHECK (weerbaar_scope_all() OR entity_id = weerbaar_scope_entity())$p$, t);
    END LOOP;
END $$;

-- The audit log's instance chain (entity_id NULL: sign-ins, accounts) belongs
-- to no entity and is readable and writable in every scope.
ALTER TABLE audit_log ENABLE ROW LEVEL SECURITY;
ALTER TABLE audit_log FORCE ROW LEVEL SECURITY;
CREATE POLICY entity_isolation ON audit_log
    USING (entity_id IS NULL OR weerbaar_scope_all() OR entity_id = weerbaar_scope_entity())
    WITH CHECK (entity_id IS NULL OR weerbaar_scope_all() OR entity_id = weerbaar_scope_entity());

-- The verified points of the chains: chain 0 is the instance chain.
ALTER TABLE audit_verified ENABLE ROW LEVEL SECURITY;
ALTER TABLE audit_verified FORCE ROW LEVEL SECURITY;
CREATE POLICY entity_isolation ON audit_verified
    USING (chain = 0 OR weerbaar_scope_all() OR chain = weerbaar_scope_entity())
    WITH CHECK (chain = 0 OR weerbaar_scope_all() OR chain = weerbaar_scope_entity());
