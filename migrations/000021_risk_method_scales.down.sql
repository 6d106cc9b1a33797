ALTER TABLE risk_methods DROP COLUMN scales;
