-- Per entity: the state of each checklist point of the catalogue (the
-- numbered points and lettered sub-points of the Annex to Implementing
-- Regulation (EU) 2024/2690, e.g. "6.7.2(j)"). The points themselves are
-- catalogue data, read from the entity's edition in memory; a reference the
-- edition does not have is refused in Go.
CREATE TABLE entity_points (
    entity_id         bigint NOT NULL REFERENCES entities (id),
    point_ref         text NOT NULL CHECK (octet_length(point_ref) BETWEEN 1 AND 40),
    requirement_code  text NOT NULL REFERENCES requirements (code),
    state             text NOT NULL CHECK (state IN ('done', 'not_done', 'not_applicable')),
    justification     text NOT NULL DEFAULT '',
    catalogue_version text NOT NULL REFERENCES catalogue_versions (version),
    updated_at        timestamptz NOT NULL DEFAULT now(),
    updated_by        bigint REFERENCES users (id),
    version           integer NOT NULL DEFAULT 1,
    PRIMARY KEY (entity_id, point_ref),
    -- Reg. 2024/2690 art. 2(2): not applying a point needs a reason.
    CHECK (state <> 'not_applicable' OR length(justification) > 0)
);
-- The requirement page reads one requirement's points.
CREATE INDEX entity_points_requirement_idx ON entity_points (entity_id, requirement_code);
