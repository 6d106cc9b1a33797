DROP TABLE IF EXISTS evidence_versions;
DROP TABLE IF EXISTS evidence_items;
