ALTER TABLE incidents DROP COLUMN type_answers;
