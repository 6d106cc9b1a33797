DROP TABLE IF EXISTS incident_actions;
DROP TABLE IF EXISTS incident_reviews;
