-- Back to one submission per (incident, stage, recipient): of several
-- intermediate submissions to one recipient only the newest is kept.
DELETE FROM incident_report_submissions s WHERE s.stage = 'intermediate' AND EXISTS (
    SELECT 1 FROM incident_report_submissions o WHERE o.incident_id = s.incident_id AND o.stage = 'intermediate'
        AND o.recipient = s.recipient AND (o.submitted_at, o.id) > (s.submitted_at, s.id));
DROP INDEX incident_report_submissions_report_idx;
DROP INDEX incident_report_submissions_stage_idx;
ALTER TABLE incident_report_submissions
    DROP CONSTRAINT incident_report_submissions_report_check,
    DROP COLUMN report_id,
    ADD CONSTRAINT incident_report_submissions_incident_id_stage_recipient_key UNIQUE (incident_id, stage, recipient);
