-- Evidence attaches to any record: a subject type declared by a module
-- (internal/evidence.SubjectType) and the record's reference. Requirements
-- and measures become the first two subject types; the existing items keep
-- their ids, and their versions (with the bytes) are not touched at all.
-- That a subject exists in the entity is checked in Go, in the transaction
-- that attaches the evidence, by the module that declared the type; the
-- database only checks the shape, since modules add types without a
-- migration here.
ALTER TABLE evidence_items ADD COLUMN subject_type text, ADD COLUMN subject_ref text;

UPDATE evidence_items
SET subject_type = CASE WHEN requirement_code IS NOT NULL THEN 'requirement' ELSE 'measure' END,
    subject_ref  = coalesce(requirement_code, measure_code::text);

ALTER TABLE evidence_items
    ALTER COLUMN subject_type SET NOT NULL,
    ALTER COLUMN subject_ref SET NOT NULL,
    ADD CONSTRAINT evidence_items_subject_type_check CHECK (subject_type ~ '^[a-z][a-z0-9_]{0,39}$'),
    ADD CONSTRAINT evidence_items_subject_ref_check CHECK (octet_length(subject_ref) BETWEEN 1 AND 200),
    DROP CONSTRAINT evidence_items_check,
    DROP CONSTRAINT evidence_items_requirement_code_fkey,
    DROP CONSTRAINT evidence_items_measure_code_fkey;
DROP INDEX evidence_items_requirement_idx;
DROP INDEX evidence_items_measure_idx;
ALTER TABLE evidence_items DROP COLUMN requirement_code, DROP COLUMN measure_code;
CREATE INDEX evidence_items_subject_idx ON evidence_items (entity_id, subject_type, subject_ref);

-- A measure's status is derived from its requirements (as its maturity is)
-- unless the entity sets it by hand with a reason. A status someone chose
-- before this migration is kept as such an override when it differs from
-- what the requirements now say; "not started", the form's old default,
-- becomes derived.
ALTER TABLE entity_measures
    ADD COLUMN status_override text CHECK (status_override IN ('not_started', 'in_progress', 'implemented', 'verified')),
    ADD COLUMN status_reason text NOT NULL DEFAULT '',
    ADD CONSTRAINT entity_measures_status_reason_check CHECK (status_override IS NULL OR length(status_reason) > 0);

UPDATE entity_measures em
SET status_override = em.status,
    status_reason = 'Vastgelegd voordat de status uit de eisen werd afgeleid.'
WHERE em.status <> 'not_started' AND em.status <> (
    SELECT CASE
        WHEN count(*) = 0 OR bool_and(r.status = 'not_started') THEN 'not_started'
        WHEN bool_and(r.status = 'verified') THEN 'verified'
        WHEN bool_and(r.status IN ('implemented', 'verified')) THEN 'implemented'
        ELSE 'in_progress' END
    FROM (SELECT coalesce(er.status, 'not_started') AS status
          FROM requirement_measures rm
          LEFT JOIN entity_requirements er ON er.requirement_code = rm.requirement_code AND er.entity_id = em.entity_id
          WHERE rm.measure_code = em.measure_code AND coalesce(er.applicable, true)) r);

ALTER TABLE entity_measures DROP COLUMN status;
