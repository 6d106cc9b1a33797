DROP TABLE entity_points;
