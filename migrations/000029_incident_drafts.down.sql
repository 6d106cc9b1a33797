ALTER TABLE incidents DROP CONSTRAINT incidents_gdpr_ref_check2, DROP COLUMN gdpr_ref, DROP COLUMN gdpr_notified_at;
DROP TABLE incident_report_submissions;
