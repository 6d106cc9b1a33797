-- The last verified point of each audit chain, so a view re-hashes only the
-- rows after it (internal/audit/verified.go). chain 0 is the instance chain
-- (entity_id NULL in audit_log). A row is only written for a chain found
-- intact up to seq; a full verification that finds a break deletes it.
CREATE TABLE audit_verified (
    chain       bigint PRIMARY KEY,
    seq         bigint NOT NULL CHECK (seq > 0),
    hash        text NOT NULL,
    verified_at timestamptz NOT NULL DEFAULT now(),
    -- full_at is when the chain was last verified from its first row; the
    -- rows up to seq were verified then or linked to that run since.
    full_at     timestamptz NOT NULL DEFAULT now()
);
