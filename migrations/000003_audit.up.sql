-- The audit log: one append-only, hash-chained row per mutation, written by
-- internal/audit.Record in the same transaction as the change. Rows form one
-- chain per entity (entity_id NULL is the instance-wide chain for events not
-- tied to an entity, such as a failed login of an unknown address); each row's
-- hash covers the previous row's hash and the row's own canonical JSON, so a
-- changed, removed or inserted row breaks the chain (see internal/audit's
-- package documentation for the exact format).
CREATE TABLE audit_log (
    id           bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    -- No ON DELETE action: an entity with audit history cannot be deleted.
    entity_id    bigint NULL REFERENCES entities (id),
    seq          bigint NOT NULL CHECK (seq >= 1),
    at           timestamptz NOT NULL,
    -- No foreign key: audit rows must outlive the users they name.
    actor_id     bigint NULL,
    actor_email  text NOT NULL DEFAULT '',
    action       text NOT NULL CHECK (action <> ''),
    object_type  text NOT NULL DEFAULT '',
    object_id    text NOT NULL DEFAULT '',
    ip           text NOT NULL DEFAULT '',
    user_agent   text NOT NULL DEFAULT '',
    changes      jsonb NOT NULL DEFAULT '{}' CHECK (jsonb_typeof(changes) = 'object'),
    prev_hash    text NOT NULL CHECK (prev_hash ~ '^[0-9a-f]{64}$'),
    hash         text NOT NULL CHECK (hash ~ '^[0-9a-f]{64}$')
);

-- One row per position in each chain: even a writer that skipped the advisory
-- lock cannot fork a chain. Also serves reading the chain head and Verify.
CREATE UNIQUE INDEX audit_log_chain_seq_idx ON audit_log ((coalesce(entity_id, 0)), seq);
-- The audit log page: newest first within an entity.
CREATE INDEX audit_log_entity_at_idx ON audit_log (entity_id, at DESC, seq DESC);
-- What did this user do (across entities).
CREATE INDEX audit_log_actor_idx ON audit_log (actor_id, at DESC);
-- The action filter and its dropdown.
CREATE INDEX audit_log_entity_action_idx ON audit_log (entity_id, action);

-- Append-only: corrections are new rows, never edits. Only a superuser or the
-- table owner can disable these triggers, and doing so leaves the hash chain
-- to tell.
CREATE FUNCTION audit_log_reject_change() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION 'audit_log is append-only: % is not allowed', TG_OP
        USING ERRCODE = 'restrict_violation',
              HINT = 'audit rows are hash-chained; record a new row instead of changing one';
END;
$$;

CREATE TRIGGER audit_log_no_update_delete
    BEFORE UPDATE OR DELETE ON audit_log
    FOR EACH ROW EXECUTE FUNCTION audit_log_reject_change();

CREATE TRIGGER audit_log_no_truncate
    BEFORE TRUNCATE ON audit_log
    FOR EACH STATEMENT EXECUTE FUNCTION audit_log_reject_change();
