-- Indexes the list pages page by keyset over (issue 15): each page reads its
-- 50 rows through an index in its sort order, never the whole collection.

-- The audit log page reads one entity's rows newest first by the chain's seq,
-- a page at a time by keyset (internal/audit/list.go): an index per filter
-- that ends in seq, so a filtered page reads its rows only, not the chain.
CREATE INDEX audit_log_entity_seq_idx ON audit_log (entity_id, seq);
-- (entity_id, action, seq) serves the action filter and the list of the
-- entity's distinct actions, as (entity_id, action) did.
CREATE INDEX audit_log_entity_action_seq_idx ON audit_log (entity_id, action, seq);
DROP INDEX audit_log_entity_action_idx;
CREATE INDEX audit_log_entity_object_seq_idx ON audit_log (entity_id, object_type, seq);

-- The incident register: newest (aware) first, ties by id, optionally one
-- status; (entity_id, status, aware_at DESC, id DESC) also serves what
-- incidents_entity_idx served.
CREATE INDEX incidents_entity_aware_idx ON incidents (entity_id, aware_at DESC, id DESC);
CREATE INDEX incidents_entity_status_aware_idx ON incidents (entity_id, status, aware_at DESC, id DESC);
DROP INDEX incidents_entity_idx;
-- An incident's reports (the register's counts and next due report per row);
-- incident_reports_stage_idx is partial and does not serve it.
CREATE INDEX incident_reports_incident_idx ON incident_reports (incident_id, due_at);
