-- The entity policies of 000039 read the request's scope once per query, not
-- once per row. Written as plain function calls, PostgreSQL inlines the two
-- SQL functions and evaluates current_setting() twice for every row a scan
-- passes through the policy: counting an entity's 3,000 risk scenarios took
-- about twice as long as without the policy. As scalar subqueries they are
-- init plans, run once per statement, and the policy is a cheap comparison
-- with a parameter. The meaning is unchanged.
DO $$
DECLARE t text;
BEGIN
    FOR t IN SELECT tablename FROM pg_policies
             WHERE schemaname = 'public' AND policyname = 'entity_isolation'
               AND tablename NOT IN ('audit_log', 'audit_verified')
    LOOP
        EXECUTE format($p$ALTER POLICY entity_isolation ON %I
            USING ((SELECT weerbaar_scope_all()) OR entity_id = (SELECT weerbaar_scope_entity()))
            WITH CHECK ((SELECT weerbaar_scope_all()) OR entity_id = (SELECT weerbaar_scope_entity()))$p$, t);
    END LOOP;
END $$;

ALTER POLICY entity_isolation ON audit_log
    USING (entity_id IS NULL OR (SELECT weerbaar_scope_all()) OR entity_id = (SELECT weerbaar_scope_entity()))
    WITH CHECK (entity_id IS NULL OR (SELECT weerbaar_scope_all()) OR entity_id = (SELECT weerbaar_scope_entity()));

ALTER POLICY entity_isolation ON audit_verified
    USING (chain = 0 OR (SELECT weerbaar_scope_all()) OR chain = (SELECT weerbaar_scope_entity()))
    WITH CHECK (chain = 0 OR (SELECT weerbaar_scope_all()) OR chain = (SELECT weerbaar_scope_entity()));
