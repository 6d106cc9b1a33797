DROP INDEX IF EXISTS risk_jewel_suppliers_register_idx;
DROP INDEX IF EXISTS risk_jewels_register_owner_idx;
DROP INDEX IF EXISTS risk_scenarios_register_threat_idx;
DROP INDEX IF EXISTS risk_scenarios_register_jewel_idx;
DROP INDEX IF EXISTS risk_scenarios_register_id_idx;
DROP INDEX IF EXISTS risk_scenarios_register_impact_idx;
DROP INDEX IF EXISTS risk_scenarios_register_likelihood_idx;
DROP INDEX IF EXISTS risk_scenarios_register_level_idx;
