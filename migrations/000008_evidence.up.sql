-- Evidence for a requirement or a measure of an entity: uploaded files (every
-- version kept, stored in the database with their SHA-256) and links. Deleting
-- is soft: deleted_at hides an item from the app, but the rows stay for the
-- audit trail.
CREATE TABLE evidence_items (
    id               bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    entity_id        bigint NOT NULL REFERENCES entities (id),
    requirement_code text REFERENCES requirements (code),
    measure_code     char(1) REFERENCES measures (code),
    kind             text NOT NULL CHECK (kind IN ('file', 'link')),
    title            text NOT NULL CHECK (length(title) BETWEEN 1 AND 255),
    url              text CHECK (url ~ '^https?://' AND length(url) <= 2048),
    description      text NOT NULL DEFAULT '' CHECK (length(description) <= 2000),
    created_by       bigint REFERENCES users (id),
    created_at       timestamptz NOT NULL DEFAULT now(),
    deleted_at       timestamptz,
    deleted_by       bigint REFERENCES users (id),
    version          integer NOT NULL DEFAULT 1,
    -- Evidence belongs to exactly one requirement or one measure.
    CHECK ((requirement_code IS NULL) <> (measure_code IS NULL)),
    -- A link has a URL; a file has versions instead.
    CHECK ((kind = 'link') = (url IS NOT NULL)),
    -- The target of the versions' composite foreign key, which keeps their
    -- denormalised entity_id equal to the item's.
    UNIQUE (id, entity_id)
);
CREATE INDEX evidence_items_requirement_idx ON evidence_items (entity_id, requirement_code);
CREATE INDEX evidence_items_measure_idx ON evidence_items (entity_id, measure_code);

-- The versions of a file item, version_no 1, 2, 3… per item.
CREATE TABLE evidence_versions (
    id           bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    item_id      bigint NOT NULL,
    entity_id    bigint NOT NULL,
    version_no   integer NOT NULL CHECK (version_no >= 1),
    filename     text NOT NULL CHECK (octet_length(filename) BETWEEN 1 AND 255),
    content_type text NOT NULL,
    size         bigint NOT NULL CHECK (size > 0 AND size = octet_length(data)),
    sha256       text NOT NULL CHECK (sha256 ~ '^[0-9a-f]{64}$'),
    data         bytea NOT NULL,
    uploaded_by  bigint REFERENCES users (id),
    uploaded_at  timestamptz NOT NULL DEFAULT now(),
    UNIQUE (item_id, version_no),
    FOREIGN KEY (item_id, entity_id) REFERENCES evidence_items (id, entity_id)
);
