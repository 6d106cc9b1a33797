DROP INDEX IF EXISTS risk_scenarios_acceptance_requested_idx;
DROP INDEX IF EXISTS risk_mitigations_open_due_idx;
ALTER TABLE risk_mitigations
    DROP CONSTRAINT IF EXISTS risk_mitigations_done_check,
    DROP COLUMN IF EXISTS done_by,
    DROP COLUMN IF EXISTS done_on,
    DROP COLUMN IF EXISTS description;
