DROP INDEX IF EXISTS incident_reports_incident_idx;
CREATE INDEX IF NOT EXISTS incidents_entity_idx ON incidents (entity_id, status, aware_at DESC);
DROP INDEX IF EXISTS incidents_entity_status_aware_idx;
DROP INDEX IF EXISTS incidents_entity_aware_idx;
DROP INDEX IF EXISTS audit_log_entity_object_seq_idx;
CREATE INDEX IF NOT EXISTS audit_log_entity_action_idx ON audit_log (entity_id, action);
DROP INDEX IF EXISTS audit_log_entity_action_seq_idx;
DROP INDEX IF EXISTS audit_log_entity_seq_idx;
