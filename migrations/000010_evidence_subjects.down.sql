-- Back to evidence on a requirement or a measure only. Evidence of any other
-- subject type cannot be represented there, so the migration refuses rather
-- than drop it.
DO $$
BEGIN
    IF EXISTS (SELECT 1 FROM evidence_items WHERE subject_type NOT IN ('requirement', 'measure')
               OR (subject_type = 'measure' AND length(subject_ref) <> 1)) THEN
        RAISE EXCEPTION 'evidence of subject types other than requirement and measure exists; remove it before migrating down';
    END IF;
END $$;

ALTER TABLE evidence_items
    ADD COLUMN requirement_code text CONSTRAINT evidence_items_requirement_code_fkey REFERENCES requirements (code),
    ADD COLUMN measure_code char(1) CONSTRAINT evidence_items_measure_code_fkey REFERENCES measures (code);
UPDATE evidence_items
SET requirement_code = CASE WHEN subject_type = 'requirement' THEN subject_ref END,
    measure_code     = CASE WHEN subject_type = 'measure' THEN subject_ref END;
ALTER TABLE evidence_items
    ADD CONSTRAINT evidence_items_check CHECK ((requirement_code IS NULL) <> (measure_code IS NULL));
DROP INDEX evidence_items_subject_idx;
ALTER TABLE evidence_items DROP COLUMN subject_type, DROP COLUMN subject_ref;
CREATE INDEX evidence_items_requirement_idx ON evidence_items (entity_id, requirement_code);
CREATE INDEX evidence_items_measure_idx ON evidence_items (entity_id, measure_code);

-- The measure's status is stored again; a derived status was never stored,
-- so measures without an override go back to "not started".
ALTER TABLE entity_measures
    ADD COLUMN status text NOT NULL DEFAULT 'not_started'
        CHECK (status IN ('not_started', 'in_progress', 'implemented', 'verified'));
UPDATE entity_measures SET status = status_override WHERE status_override IS NOT NULL;
ALTER TABLE entity_measures DROP COLUMN status_override, DROP COLUMN status_reason;
