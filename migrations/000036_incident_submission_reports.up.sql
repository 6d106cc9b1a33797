-- An intermediate report (Art. 23(4)(c) NIS2) is owed on each request of a
-- CSIRT or authority, so it can be owed more than once: each request's
-- report gets its own submission per recipient (report_id). The other
-- stages have one report per incident and stay unique per recipient.
ALTER TABLE incident_report_submissions ADD COLUMN report_id bigint REFERENCES incident_reports (id);

-- An intermediate submission recorded before this belongs to the
-- incident's first request; one without any request gets a request of its
-- own, dated at the submission, so nothing recorded is lost.
INSERT INTO incident_reports (entity_id, incident_id, stage, requested_at, requested_by)
SELECT s.entity_id, s.incident_id, 'intermediate', min(s.submitted_at), ''
FROM incident_report_submissions s
WHERE s.stage = 'intermediate'
  AND NOT EXISTS (SELECT 1 FROM incident_reports r WHERE r.incident_id = s.incident_id AND r.stage = 'intermediate')
GROUP BY s.entity_id, s.incident_id;
UPDATE incident_report_submissions s SET report_id = (SELECT min(r.id) FROM incident_reports r
    WHERE r.incident_id = s.incident_id AND r.stage = 'intermediate')
WHERE s.stage = 'intermediate';

ALTER TABLE incident_report_submissions
    DROP CONSTRAINT incident_report_submissions_incident_id_stage_recipient_key,
    ADD CONSTRAINT incident_report_submissions_report_check CHECK ((stage = 'intermediate') = (report_id IS NOT NULL));
CREATE UNIQUE INDEX incident_report_submissions_stage_idx ON incident_report_submissions (incident_id, stage, recipient)
    WHERE stage <> 'intermediate';
CREATE UNIQUE INDEX incident_report_submissions_report_idx ON incident_report_submissions (report_id, recipient)
    WHERE stage = 'intermediate';
