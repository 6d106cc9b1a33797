DROP INDEX risk_scenarios_cell_idx;
CREATE INDEX risk_scenarios_cell_idx ON risk_scenarios (entity_id, analysis_id, inherent_likelihood, inherent_impact);
DROP INDEX risk_scenario_controls_analysis_idx;
CREATE INDEX risk_scenario_controls_analysis_idx ON risk_scenario_controls (entity_id, analysis_id);
