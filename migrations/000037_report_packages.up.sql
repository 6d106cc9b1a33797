-- Evidence packages built in the background from the export page. The ZIP
-- itself is a PostgreSQL large object (content_oid): written and read in
-- chunks, so neither building nor downloading holds a package in memory,
-- and it is backed up with the database (no data directory to configure).
CREATE TABLE report_packages (
    id              bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    entity_id       bigint NOT NULL REFERENCES entities (id),
    requested_by    bigint REFERENCES users (id),
    lang            text NOT NULL CHECK (lang IN ('nl', 'en')),
    period_from     date NOT NULL,
    period_to       date NOT NULL CHECK (period_to >= period_from),
    state           text NOT NULL DEFAULT 'queued' CHECK (state IN ('queued', 'building', 'done', 'failed')),
    files_done      integer NOT NULL DEFAULT 0,
    files_total     integer NOT NULL DEFAULT 0,
    error           text NOT NULL DEFAULT '',
    created_at      timestamptz NOT NULL DEFAULT now(),
    finished_at     timestamptz,
    size            bigint,
    manifest_sha256 text CHECK (manifest_sha256 ~ '^[0-9a-f]{64}$'),
    content_oid     oid,
    CHECK ((state = 'done') = (content_oid IS NOT NULL))
);
CREATE INDEX report_packages_entity_idx ON report_packages (entity_id, created_at DESC, id DESC);
