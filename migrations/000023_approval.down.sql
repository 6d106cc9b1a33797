DROP TABLE approval_decisions;
DROP TABLE approval_requests;
DROP FUNCTION approval_decisions_reject_change();
DROP FUNCTION approval_requests_freeze();
DROP TABLE approval_settings;
