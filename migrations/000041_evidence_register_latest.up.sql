-- The evidence register pages by keyset over an index for every sort (issue 15).

-- The evidence register sorts on the newest version's upload time and file
-- name. They are kept on the item (by a trigger on every new version, COPY
-- included), so the sort has an index and the page joins the newest version
-- of its 50 rows only. NULL for links, which have no versions.
ALTER TABLE evidence_items
    ADD COLUMN latest_version_no integer,
    ADD COLUMN file_name         text,
    ADD COLUMN uploaded_at       timestamptz;

CREATE FUNCTION evidence_items_latest_version() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    UPDATE evidence_items SET latest_version_no = NEW.version_no, file_name = NEW.filename, uploaded_at = NEW.uploaded_at
    WHERE id = NEW.item_id AND entity_id = NEW.entity_id
      AND (latest_version_no IS NULL OR latest_version_no < NEW.version_no);
    RETURN NULL;
END $$;

CREATE TRIGGER evidence_versions_latest AFTER INSERT ON evidence_versions
    FOR EACH ROW EXECUTE FUNCTION evidence_items_latest_version();

UPDATE evidence_items i SET latest_version_no = v.version_no, file_name = v.filename, uploaded_at = v.uploaded_at
FROM (SELECT DISTINCT ON (item_id) item_id, version_no, filename, uploaded_at FROM evidence_versions
      ORDER BY item_id, version_no DESC) v
WHERE v.item_id = i.id;

CREATE INDEX evidence_items_register_uploaded_idx ON evidence_items (entity_id, (coalesce(uploaded_at, created_at)), id)
    WHERE deleted_at IS NULL;
CREATE INDEX evidence_items_register_file_idx ON evidence_items (entity_id, (lower(coalesce(file_name, title))), id)
    WHERE deleted_at IS NULL;
CREATE INDEX evidence_items_register_until_idx ON evidence_items (entity_id, (coalesce(valid_until, 'infinity'::date)), id)
    WHERE deleted_at IS NULL;
