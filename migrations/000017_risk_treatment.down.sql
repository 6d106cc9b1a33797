DROP TABLE IF EXISTS risk_mitigations;
DROP TABLE IF EXISTS risk_scenario_controls;
DROP INDEX IF EXISTS risk_scenarios_acceptance_idx;
DROP INDEX IF EXISTS risk_scenarios_treatment_idx;
DROP INDEX IF EXISTS risk_scenarios_residual_level_idx;
DROP INDEX IF EXISTS risk_scenarios_residual_cell_idx;
ALTER TABLE risk_scenarios
    DROP CONSTRAINT IF EXISTS risk_scenarios_residual_check,
    DROP CONSTRAINT IF EXISTS risk_scenarios_accepted_check,
    DROP COLUMN IF EXISTS acceptance_expires,
    DROP COLUMN IF EXISTS accepted_at,
    DROP COLUMN IF EXISTS accepted_by,
    DROP COLUMN IF EXISTS acceptance,
    DROP COLUMN IF EXISTS treatment_justification,
    DROP COLUMN IF EXISTS treatment,
    DROP COLUMN IF EXISTS residual_level,
    DROP COLUMN IF EXISTS residual_impact,
    DROP COLUMN IF EXISTS residual_likelihood;
