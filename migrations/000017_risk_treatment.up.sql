-- Risk analysis steps 3 (weerbaarheid) and 4 (behandeling): the existing
-- controls of a scenario (requirements of the ten measures with their
-- assessed effectiveness), the residual likelihood, impact and level they
-- give, the treatment decision and the mitigation actions.

-- Residual columns: equal to the inherent ones until controls are assessed
-- (internal/risk.Residual), never above them.
ALTER TABLE risk_scenarios
    ADD COLUMN residual_likelihood smallint CHECK (residual_likelihood BETWEEN 1 AND 5),
    ADD COLUMN residual_impact     smallint CHECK (residual_impact BETWEEN 1 AND 5),
    ADD COLUMN residual_level      smallint CHECK (residual_level BETWEEN 1 AND 4),
    ADD COLUMN treatment           text CHECK (treatment IN ('mitigate', 'accept', 'transfer', 'avoid')),
    ADD COLUMN treatment_justification text NOT NULL DEFAULT '',
    -- 'requested': above tolerance, waiting for the management body;
    -- 'accepted': within tolerance, accepted by accepted_by at accepted_at
    -- until acceptance_expires.
    ADD COLUMN acceptance          text CHECK (acceptance IN ('requested', 'accepted')),
    ADD COLUMN accepted_by         bigint REFERENCES users (id),
    ADD COLUMN accepted_at         timestamptz,
    ADD COLUMN acceptance_expires  date,
    ADD CONSTRAINT risk_scenarios_accepted_check CHECK (acceptance IS DISTINCT FROM 'accepted'
        OR (accepted_by IS NOT NULL AND accepted_at IS NOT NULL AND acceptance_expires IS NOT NULL));
UPDATE risk_scenarios SET residual_likelihood = inherent_likelihood, residual_impact = inherent_impact, residual_level = inherent_level;
ALTER TABLE risk_scenarios
    ALTER COLUMN residual_likelihood SET NOT NULL,
    ALTER COLUMN residual_impact SET NOT NULL,
    ALTER COLUMN residual_level SET NOT NULL,
    ADD CONSTRAINT risk_scenarios_residual_check CHECK (residual_likelihood <= inherent_likelihood
        AND residual_impact <= inherent_impact AND residual_level <= inherent_level);
CREATE INDEX risk_scenarios_residual_cell_idx ON risk_scenarios (entity_id, analysis_id, residual_likelihood, residual_impact);
CREATE INDEX risk_scenarios_residual_level_idx ON risk_scenarios (entity_id, analysis_id, residual_level DESC, id);
CREATE INDEX risk_scenarios_treatment_idx ON risk_scenarios (entity_id, analysis_id, treatment);
CREATE INDEX risk_scenarios_acceptance_idx ON risk_scenarios (entity_id, acceptance_expires) WHERE acceptance = 'accepted';

-- Existing controls: requirements (codes of the entity's catalogue edition)
-- with the assessed effectiveness 0 none, 1 limited, 2 moderate, 3 strong,
-- and whether the control lowers the likelihood or the impact.
CREATE TABLE risk_scenario_controls (
    entity_id        bigint NOT NULL,
    analysis_id      bigint NOT NULL,
    scenario_id      bigint NOT NULL,
    requirement_code text NOT NULL CHECK (length(requirement_code) BETWEEN 1 AND 20),
    effectiveness    smallint NOT NULL CHECK (effectiveness BETWEEN 0 AND 3),
    reduces          text NOT NULL CHECK (reduces IN ('likelihood', 'impact')),
    PRIMARY KEY (scenario_id, requirement_code),
    FOREIGN KEY (entity_id, analysis_id, scenario_id) REFERENCES risk_scenarios (entity_id, analysis_id, id) ON DELETE CASCADE
);
CREATE INDEX risk_scenario_controls_requirement_idx ON risk_scenario_controls (entity_id, requirement_code);
CREATE INDEX risk_scenario_controls_analysis_idx ON risk_scenario_controls (entity_id, analysis_id);

-- Mitigation actions of a scenario's treatment: who improves which
-- requirement by when.
CREATE TABLE risk_mitigations (
    id               bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    entity_id        bigint NOT NULL,
    analysis_id      bigint NOT NULL,
    scenario_id      bigint NOT NULL,
    title            text NOT NULL CHECK (length(title) BETWEEN 1 AND 200),
    requirement_code text NOT NULL CHECK (length(requirement_code) BETWEEN 1 AND 20),
    owner_id         bigint NOT NULL REFERENCES users (id),
    due_date         date NOT NULL,
    done             boolean NOT NULL DEFAULT false,
    updated_by       bigint REFERENCES users (id),
    updated_at       timestamptz NOT NULL DEFAULT now(),
    version          int NOT NULL DEFAULT 1,
    FOREIGN KEY (entity_id, analysis_id, scenario_id) REFERENCES risk_scenarios (entity_id, analysis_id, id) ON DELETE CASCADE
);
CREATE INDEX risk_mitigations_scenario_idx ON risk_mitigations (entity_id, scenario_id, due_date);
CREATE INDEX risk_mitigations_requirement_idx ON risk_mitigations (entity_id, requirement_code, due_date);
CREATE INDEX risk_mitigations_owner_idx ON risk_mitigations (entity_id, owner_id, due_date) WHERE NOT done;
