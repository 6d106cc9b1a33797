-- Board approvals (art. 20 lid 1 NIS2; art. 24 Cbw): a security officer
-- submits a record (the measure plan, a risk analysis version…) to the
-- management body; its content is frozen at submission as canonical JSON
-- with its SHA-256, together with the quorum rule and the board members who
-- may decide; each board member's decision is an append-only row.

-- The entity's quorum: all board members, a simple majority, or at least
-- min_approvals of them; reject_at_first ends a request at the first
-- rejection. An entity without a row uses the defaults below.
CREATE TABLE approval_settings (
    entity_id       bigint PRIMARY KEY REFERENCES entities (id) ON DELETE CASCADE,
    quorum          text NOT NULL DEFAULT 'majority' CHECK (quorum IN ('all', 'majority', 'at_least')),
    min_approvals   int NOT NULL DEFAULT 1 CHECK (min_approvals BETWEEN 1 AND 100),
    reject_at_first boolean NOT NULL DEFAULT true,
    updated_by      bigint REFERENCES users (id),
    updated_at      timestamptz NOT NULL DEFAULT now(),
    version         int NOT NULL DEFAULT 1
);

-- A request. snapshot is the canonical JSON text exactly as hashed (text,
-- not jsonb, so the bytes survive); eligible and required are frozen at
-- submission, so members joining later change nothing.
CREATE TABLE approval_requests (
    id              bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    -- No ON DELETE action: approvals must outlive what they approved.
    entity_id       bigint NOT NULL REFERENCES entities (id),
    kind            text NOT NULL CHECK (kind ~ '^[a-z][a-z0-9_]{0,39}$'),
    subject_ref     text NOT NULL CHECK (length(subject_ref) BETWEEN 1 AND 200),
    title           jsonb NOT NULL DEFAULT '{}',
    summary         jsonb NOT NULL DEFAULT '{}',
    cover_note      text NOT NULL DEFAULT '' CHECK (length(cover_note) <= 4000),
    submitted_by    bigint NOT NULL REFERENCES users (id),
    submitted_at    timestamptz NOT NULL DEFAULT now(),
    snapshot        text NOT NULL,
    snapshot_hash   text NOT NULL CHECK (snapshot_hash ~ '^[0-9a-f]{64}$'),
    quorum          text NOT NULL CHECK (quorum IN ('all', 'majority', 'at_least')),
    min_approvals   int NOT NULL,
    reject_at_first boolean NOT NULL,
    eligible        bigint[] NOT NULL CHECK (cardinality(eligible) >= 1),
    required        int NOT NULL CHECK (required >= 1 AND required <= cardinality(eligible)),
    state           text NOT NULL DEFAULT 'pending' CHECK (state IN ('pending', 'approved', 'rejected', 'withdrawn')),
    decided_at      timestamptz,
    version         int NOT NULL DEFAULT 1,
    UNIQUE (entity_id, id),
    CHECK ((state = 'pending') = (decided_at IS NULL))
);
-- At most one pending request per record.
CREATE UNIQUE INDEX approval_requests_pending_uniq ON approval_requests (entity_id, kind, subject_ref) WHERE state = 'pending';
-- The inbox and its filters, newest first.
CREATE INDEX approval_requests_entity_idx ON approval_requests (entity_id, submitted_at DESC, id DESC);
CREATE INDEX approval_requests_state_idx ON approval_requests (entity_id, state, kind);
-- The last approved version of a record (its approval status).
CREATE INDEX approval_requests_approved_idx ON approval_requests (entity_id, kind, subject_ref, decided_at DESC) WHERE state = 'approved';

-- What was submitted cannot change afterwards, and requests are never
-- deleted: only the state moves (pending → approved/rejected/withdrawn).
CREATE FUNCTION approval_requests_freeze() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'DELETE' THEN
        RAISE EXCEPTION 'approval_requests: DELETE is not allowed' USING ERRCODE = 'restrict_violation';
    END IF;
    IF NEW.entity_id <> OLD.entity_id OR NEW.kind <> OLD.kind OR NEW.subject_ref <> OLD.subject_ref
        OR NEW.snapshot <> OLD.snapshot OR NEW.snapshot_hash <> OLD.snapshot_hash
        OR NEW.submitted_by <> OLD.submitted_by OR NEW.submitted_at <> OLD.submitted_at
        OR NEW.cover_note <> OLD.cover_note OR NEW.eligible <> OLD.eligible OR NEW.required <> OLD.required
        OR NEW.quorum <> OLD.quorum OR NEW.min_approvals <> OLD.min_approvals OR NEW.reject_at_first <> OLD.reject_at_first
        OR OLD.state <> 'pending' THEN
        RAISE EXCEPTION 'approval_requests: a submitted request is frozen' USING ERRCODE = 'restrict_violation';
    END IF;
    RETURN NEW;
END;
$$;
CREATE TRIGGER approval_requests_frozen
    BEFORE UPDATE OR DELETE ON approval_requests
    FOR EACH ROW EXECUTE FUNCTION approval_requests_freeze();

-- A board member's decision on a request, with the re-authentication used,
-- where it came from and the hash the member saw. Append-only.
CREATE TABLE approval_decisions (
    id            bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    entity_id     bigint NOT NULL,
    request_id    bigint NOT NULL,
    user_id       bigint NOT NULL REFERENCES users (id),
    decision      text NOT NULL CHECK (decision IN ('approve', 'reject')),
    comment       text NOT NULL DEFAULT '' CHECK (length(comment) <= 4000),
    decided_at    timestamptz NOT NULL DEFAULT now(),
    ip            text NOT NULL DEFAULT '',
    user_agent    text NOT NULL DEFAULT '',
    reauth        text NOT NULL CHECK (reauth IN ('password', 'totp')),
    snapshot_hash text NOT NULL CHECK (snapshot_hash ~ '^[0-9a-f]{64}$'),
    UNIQUE (request_id, user_id),
    FOREIGN KEY (entity_id, request_id) REFERENCES approval_requests (entity_id, id)
);
CREATE INDEX approval_decisions_request_idx ON approval_decisions (entity_id, request_id, decided_at);
CREATE INDEX approval_decisions_user_idx ON approval_decisions (entity_id, user_id);

CREATE FUNCTION approval_decisions_reject_change() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION 'approval_decisions is append-only: % is not allowed', TG_OP
        USING ERRCODE = 'restrict_violation',
              HINT = 'a board decision is final; a new request gets new decisions';
END;
$$;
CREATE TRIGGER approval_decisions_no_update_delete
    BEFORE UPDATE OR DELETE ON approval_decisions
    FOR EACH ROW EXECUTE FUNCTION approval_decisions_reject_change();
CREATE TRIGGER approval_decisions_no_truncate
    BEFORE TRUNCATE ON approval_decisions
    FOR EACH STATEMENT EXECUTE FUNCTION approval_decisions_reject_change();
CREATE TRIGGER approval_requests_no_truncate
    BEFORE TRUNCATE ON approval_requests
    FOR EACH STATEMENT EXECUTE FUNCTION approval_decisions_reject_change();
