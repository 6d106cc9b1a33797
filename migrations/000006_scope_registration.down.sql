DROP TABLE IF EXISTS registrations;
DROP TABLE IF EXISTS scope_assessments;
