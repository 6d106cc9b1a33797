-- Mitigation actions of step 4 get a life of their own (issue 10 item 7):
-- a description, and when and by whom they were marked done (reopening
-- clears both). The register's overdue filter (item 9) looks for an open
-- action past its due date per scenario: a partial index on the open ones.
ALTER TABLE risk_mitigations
    ADD COLUMN description text NOT NULL DEFAULT '' CHECK (length(description) <= 5000),
    ADD COLUMN done_on     date,
    ADD COLUMN done_by     bigint REFERENCES users (id);
UPDATE risk_mitigations SET done_on = updated_at::date, done_by = updated_by WHERE done;
ALTER TABLE risk_mitigations
    ADD CONSTRAINT risk_mitigations_done_check CHECK (done = (done_on IS NOT NULL));
CREATE INDEX risk_mitigations_open_due_idx ON risk_mitigations (scenario_id, due_date) WHERE NOT done;
-- The register's "acceptance requested" filter.
CREATE INDEX risk_scenarios_acceptance_requested_idx ON risk_scenarios (entity_id, analysis_id) WHERE acceptance = 'requested';
