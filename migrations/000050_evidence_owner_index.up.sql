-- The evidence register's owner filter lists who uploaded the entity's live
-- evidence. Read by skipping through this index from one uploader to the
-- next, it costs a probe per uploader, not a pass over every item (2,000
-- on the largest entity) on each view of the register.
CREATE INDEX evidence_items_owner_idx ON evidence_items (entity_id, created_by) WHERE deleted_at IS NULL;
