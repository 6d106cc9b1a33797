-- Dropping the table drops its indexes and triggers (no trigger fires on DROP).
DROP TABLE IF EXISTS audit_log;
DROP FUNCTION IF EXISTS audit_log_reject_change();
