-- Texts of a newer edition stay in measures and requirements; only the
-- edition bookkeeping is removed.
ALTER TABLE entities DROP COLUMN catalogue_edition;
DROP FUNCTION latest_catalogue_edition();
DROP TABLE catalogue_editions;
DROP FUNCTION catalogue_editions_frozen();
