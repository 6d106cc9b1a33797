DROP INDEX IF EXISTS evidence_items_register_until_idx;
DROP INDEX IF EXISTS evidence_items_register_file_idx;
DROP INDEX IF EXISTS evidence_items_register_uploaded_idx;
DROP TRIGGER IF EXISTS evidence_versions_latest ON evidence_versions;
DROP FUNCTION IF EXISTS evidence_items_latest_version();
ALTER TABLE evidence_items DROP COLUMN IF EXISTS uploaded_at, DROP COLUMN IF EXISTS file_name,
    DROP COLUMN IF EXISTS latest_version_no;
