-- The risk register (issue 10 item 9): keyset pagination over an analysis's
-- scenarios, sorted by an allow-listed column with the id as tie-breaker,
-- and filtered by level, jewel, threat, the jewel's owner and supplier.
-- Each (column, id) index serves both directions of its sort (a backward
-- scan gives column DESC, id DESC).
CREATE INDEX risk_scenarios_register_level_idx ON risk_scenarios (entity_id, analysis_id, inherent_level, id);
CREATE INDEX risk_scenarios_register_likelihood_idx ON risk_scenarios (entity_id, analysis_id, inherent_likelihood, id);
CREATE INDEX risk_scenarios_register_impact_idx ON risk_scenarios (entity_id, analysis_id, inherent_impact, id);
CREATE INDEX risk_scenarios_register_id_idx ON risk_scenarios (entity_id, analysis_id, id);
CREATE INDEX risk_scenarios_register_jewel_idx ON risk_scenarios (entity_id, analysis_id, jewel_id, inherent_level, id);
CREATE INDEX risk_scenarios_register_threat_idx ON risk_scenarios (entity_id, analysis_id, threat_id) WHERE threat_id IS NOT NULL;
CREATE INDEX risk_jewels_register_owner_idx ON risk_jewels (entity_id, analysis_id, owner_id);
CREATE INDEX risk_jewel_suppliers_register_idx ON risk_jewel_suppliers (supplier_id, jewel_id);
