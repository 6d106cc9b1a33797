-- The evidence register: validity and review of each piece of evidence.
-- They belong to the logical item (evidence_items), not to each version:
-- the register lists items, an auditor accepts or rejects the item as it
-- stands now, and a new version of the file resets the review to
-- 'to_review' (done by the service, audited) rather than carrying a review
-- per version. valid_until is when the evidence stops proving anything (a
-- certificate's end, a policy's review date). evidence_items already has
-- an optimistic-locking version column (000008).
ALTER TABLE evidence_items
    ADD COLUMN valid_until    date,
    ADD COLUMN review_state   text NOT NULL DEFAULT 'to_review'
        CHECK (review_state IN ('to_review', 'accepted', 'rejected')),
    ADD COLUMN review_comment text NOT NULL DEFAULT '' CHECK (length(review_comment) <= 2000),
    ADD COLUMN reviewed_by    bigint REFERENCES users (id),
    ADD COLUMN reviewed_at    timestamptz,
    -- A rejection always says why.
    ADD CONSTRAINT evidence_items_rejected_comment_check
        CHECK (review_state <> 'rejected' OR length(review_comment) > 0);

-- The register's filters and sorts, over the live items of one entity.
CREATE INDEX evidence_items_register_created_idx ON evidence_items (entity_id, created_at, id) WHERE deleted_at IS NULL;
CREATE INDEX evidence_items_register_valid_idx ON evidence_items (entity_id, valid_until, id) WHERE deleted_at IS NULL;
CREATE INDEX evidence_items_register_review_idx ON evidence_items (entity_id, review_state) WHERE deleted_at IS NULL;
CREATE INDEX evidence_items_register_type_idx ON evidence_items (entity_id, subject_type, id) WHERE deleted_at IS NULL;
