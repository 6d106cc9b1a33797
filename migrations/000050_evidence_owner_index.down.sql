DROP INDEX evidence_items_owner_idx;
