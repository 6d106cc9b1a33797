-- The audit log page reads one entity's rows newest first by the chain's seq,
-- a page at a time by keyset (internal/audit/list.go): an index per filter
-- that ends in seq, so a filtered page reads its rows only, not the chain.
CREATE INDEX audit_log_entity_seq_idx ON audit_log (entity_id, seq);
-- (entity_id, action, seq) serves the action filter and the list of the
-- entity's distinct actions, as (entity_id, action) did.
CREATE INDEX audit_log_entity_action_seq_idx ON audit_log (entity_id, action, seq);
DROP INDEX audit_log_entity_action_idx;
CREATE INDEX audit_log_entity_object_seq_idx ON audit_log (entity_id, object_type, seq);
