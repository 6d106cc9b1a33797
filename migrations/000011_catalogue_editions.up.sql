-- Catalogue editions. The catalogue (measures, requirements) is versioned
-- data: each edition is a file in internal/measure/catalogue/editions,
-- loaded once by the application at start, keyed by its version and SHA-256,
-- and never edited afterwards; a corrected text is a new edition. Migration
-- 000005 stays as it is: it installed edition 2026.1.
CREATE TABLE catalogue_editions (
    version   text PRIMARY KEY REFERENCES catalogue_versions (version),
    -- Hex SHA-256 of content, the edition file as published.
    sha256    text CHECK (sha256 ~ '^[0-9a-f]{64}$'),
    content   text,
    loaded_at timestamptz NOT NULL DEFAULT now(),
    -- Both are NULL only for the placeholder below, until the application
    -- confirms the edition 000005 installed.
    CHECK ((sha256 IS NULL) = (content IS NULL))
);

-- The edition migration 000005 installed. Its content and hash are filled in
-- by the application when it first starts (catalogue.Sync), so a fresh and an
-- upgraded installation end with the same rows.
INSERT INTO catalogue_editions (version) SELECT version FROM catalogue_versions;

-- A published edition is never edited or removed: content and hash are set
-- once.
CREATE FUNCTION catalogue_editions_frozen() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'DELETE' THEN
        RAISE EXCEPTION 'catalogue edition % cannot be deleted', OLD.version;
    END IF;
    IF OLD.sha256 IS NOT NULL AND (NEW.sha256 IS DISTINCT FROM OLD.sha256 OR NEW.content IS DISTINCT FROM OLD.content
        OR NEW.version <> OLD.version) THEN
        RAISE EXCEPTION 'catalogue edition % is published and cannot be edited; publish a new edition', OLD.version;
    END IF;
    RETURN NEW;
END
$$;
CREATE TRIGGER catalogue_editions_frozen BEFORE UPDATE OR DELETE ON catalogue_editions
    FOR EACH ROW EXECUTE FUNCTION catalogue_editions_frozen();

-- The newest edition in the database, by numeric version (2026.10 > 2026.9):
-- the one a new entity starts with.
CREATE FUNCTION latest_catalogue_edition() RETURNS text LANGUAGE sql STABLE AS $$
    SELECT version FROM catalogue_editions
    ORDER BY split_part(version, '.', 1)::int DESC, split_part(version, '.', 2)::int DESC
    LIMIT 1
$$;

-- The edition each entity assessed against; it changes only when the entity
-- adopts a newer edition (audit-logged).
ALTER TABLE entities ADD COLUMN catalogue_edition text REFERENCES catalogue_editions (version);
UPDATE entities SET catalogue_edition = latest_catalogue_edition();
ALTER TABLE entities ALTER COLUMN catalogue_edition SET DEFAULT latest_catalogue_edition(),
    ALTER COLUMN catalogue_edition SET NOT NULL;
