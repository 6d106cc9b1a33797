ALTER TABLE audit_log
    DROP CONSTRAINT audit_log_prev_hash_check,
    DROP CONSTRAINT audit_log_hash_check,
    ADD CONSTRAINT audit_log_prev_hash_check CHECK (prev_hash ~ '^[0-9a-f]{64}$'),
    ADD CONSTRAINT audit_log_hash_check CHECK (hash ~ '^[0-9a-f]{64}$');
