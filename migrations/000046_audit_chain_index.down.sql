DROP INDEX audit_log_chain_seq_idx;
CREATE UNIQUE INDEX audit_log_chain_seq_idx ON audit_log ((coalesce(entity_id, 0)), seq);
