DO $$
DECLARE t text;
BEGIN
    FOR t IN SELECT tablename FROM pg_policies
             WHERE schemaname = 'public' AND policyname = 'entity_isolation'
               AND tablename NOT IN ('audit_log', 'audit_verified')
    LOOP
        EXECUTE format($p$ALTER POLICY entity_isolation ON %I
            USING (weerbaar_scope_all() OR entity_id = weerbaar_scope_entity())
            WITH CHECK (weerbaar_scope_all() OR entity_id = weerbaar_scope_entity())$p$, t);
    END LOOP;
END $$;

ALTER POLICY entity_isolation ON audit_log
    USING (entity_id IS NULL OR weerbaar_scope_all() OR entity_id = weerbaar_scope_entity())
    WITH CHECK (entity_id IS NULL OR weerbaar_scope_all() OR entity_id = weerbaar_scope_entity());

ALTER POLICY entity_isolation ON audit_verified
    USING (chain = 0 OR weerbaar_scope_all() OR chain = weerbaar_scope_entity())
    WITH CHECK (chain = 0 OR weerbaar_scope_all() OR chain = weerbaar_scope_entity());
