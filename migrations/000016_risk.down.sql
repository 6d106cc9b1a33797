DROP TABLE IF EXISTS risk_scenarios;
DROP TABLE IF EXISTS risk_threats;
DROP TABLE IF EXISTS risk_jewel_dependencies;
DROP TABLE IF EXISTS risk_jewel_suppliers;
DROP TABLE IF EXISTS risk_jewels;
DROP TABLE IF EXISTS risk_suppliers;
DROP TABLE IF EXISTS risk_analyses;
DROP TABLE IF EXISTS risk_methods;
