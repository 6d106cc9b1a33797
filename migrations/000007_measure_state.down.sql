DROP TABLE IF EXISTS proportion_results;
DROP TABLE IF EXISTS measure_sensitivities;
DROP TABLE IF EXISTS proportion_factors;
DROP TABLE IF EXISTS entity_measures;
DROP TABLE IF EXISTS entity_requirements;
