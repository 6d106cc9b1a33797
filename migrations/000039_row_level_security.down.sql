-- The role weerbaar_app is left: other databases on the server may use it.
DO $$
DECLARE t text;
BEGIN
    FOR t IN SELECT tablename FROM pg_policies WHERE schemaname = 'public' AND policyname = 'entity_isolation' LOOP
        EXECUTE format('DROP POLICY entity_isolation ON %I', t);
        EXECUTE format('ALTER TABLE %I NO FORCE ROW LEVEL SECURITY', t);
        EXECUTE format('ALTER TABLE %I DISABLE ROW LEVEL SECURITY', t);
    END LOOP;
END $$;

DROP FUNCTION weerbaar_scope_all();
DROP FUNCTION weerbaar_scope_entity();

ALTER DEFAULT PRIVILEGES IN SCHEMA public REVOKE SELECT, INSERT, UPDATE, DELETE ON TABLES FROM weerbaar_app;
ALTER DEFAULT PRIVILEGES IN SCHEMA public REVOKE USAGE, SELECT, UPDATE ON SEQUENCES FROM weerbaar_app;
REVOKE ALL ON ALL TABLES IN SCHEMA public FROM weerbaar_app;
REVOKE ALL ON ALL SEQUENCES IN SCHEMA public FROM weerbaar_app;
REVOKE USAGE ON SCHEMA public FROM weerbaar_app;
