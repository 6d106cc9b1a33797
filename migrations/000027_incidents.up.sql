-- Incidents and the reporting clock (Art. 23 NIS2, Cbw art. 25–30; Reg.
-- 2024/2690 Art. 3–4). An incident is never deleted: it is closed. Its
-- timeline is append-only — a wrong entry is corrected by a new entry that
-- references it. The reporting stages keep when each report was due, when
-- it was submitted, to whom and the proof (the portal's reference).
CREATE TABLE incidents (
    id                    bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    entity_id             bigint NOT NULL REFERENCES entities (id),
    title                 text NOT NULL CHECK (length(title) BETWEEN 1 AND 200),
    description           text NOT NULL DEFAULT '' CHECK (length(description) <= 5000),
    detected_at           timestamptz NOT NULL,
    -- Becoming aware starts the clocks (Art. 23(4)).
    aware_at              timestamptz NOT NULL CHECK (aware_at >= detected_at),
    category              text NOT NULL CHECK (category IN ('ransomware', 'malware', 'phishing', 'ddos',
                              'unauthorised_access', 'data_breach', 'supplier', 'outage', 'physical', 'other')),
    status                text NOT NULL DEFAULT 'open' CHECK (status IN ('open', 'contained', 'resolved', 'closed')),
    handler_id            bigint REFERENCES users (id) ON DELETE SET NULL,
    member_states         text[] NOT NULL DEFAULT '{}',
    cross_border          boolean NOT NULL DEFAULT false,
    suspected_malicious   boolean NOT NULL DEFAULT false,
    personal_data         boolean NOT NULL DEFAULT false,
    -- A trust service provider's incident affecting its trust services:
    -- the notification is due in 24 h instead of 72 h.
    trust_service         boolean NOT NULL DEFAULT false,
    root_cause            text NOT NULL DEFAULT '' CHECK (length(root_cause) <= 500),
    -- The significance checklist (Reg. 2024/2690 Art. 3); NULL loss and
    -- 'unknown' answers leave the result undetermined.
    loss_eur              bigint CHECK (loss_eur >= 0),
    trade_secrets         text NOT NULL DEFAULT 'unknown' CHECK (trade_secrets IN ('yes', 'no', 'unknown')),
    death                 text NOT NULL DEFAULT 'unknown' CHECK (death IN ('yes', 'no', 'unknown')),
    health_damage         text NOT NULL DEFAULT 'unknown' CHECK (health_damage IN ('yes', 'no', 'unknown')),
    malicious_access      text NOT NULL DEFAULT 'unknown' CHECK (malicious_access IN ('yes', 'no', 'unknown')),
    operational_disruption text NOT NULL DEFAULT 'unknown' CHECK (operational_disruption IN ('yes', 'no', 'unknown')),
    planned_maintenance   boolean NOT NULL DEFAULT false,
    -- The computed result and its reasons as last assessed, and the
    -- officer's override with the recorded judgement.
    significance          text NOT NULL DEFAULT 'undetermined' CHECK (significance IN ('significant', 'not_significant', 'undetermined')),
    significance_reasons  jsonb NOT NULL DEFAULT '[]' CHECK (jsonb_typeof(significance_reasons) = 'array'),
    override              text CHECK (override IN ('significant', 'not_significant')),
    override_judgement    text NOT NULL DEFAULT '' CHECK (length(override_judgement) <= 2000),
    resolved_at           timestamptz,
    closed_at             timestamptz,
    created_by            bigint REFERENCES users (id),
    created_at            timestamptz NOT NULL DEFAULT now(),
    updated_by            bigint REFERENCES users (id),
    updated_at            timestamptz NOT NULL DEFAULT now(),
    version               int NOT NULL DEFAULT 1,
    UNIQUE (entity_id, id),
    CHECK (override IS NULL OR length(override_judgement) > 0)
);
CREATE INDEX incidents_entity_idx ON incidents (entity_id, status, aware_at DESC);

-- Affected crown jewels and suppliers of the risk module, by id within the
-- entity (the service checks the entity).
CREATE TABLE incident_jewels (
    entity_id   bigint NOT NULL,
    incident_id bigint NOT NULL,
    jewel_id    bigint NOT NULL REFERENCES risk_jewels (id) ON DELETE CASCADE,
    PRIMARY KEY (incident_id, jewel_id),
    FOREIGN KEY (entity_id, incident_id) REFERENCES incidents (entity_id, id)
);
CREATE TABLE incident_suppliers (
    entity_id   bigint NOT NULL,
    incident_id bigint NOT NULL,
    supplier_id bigint NOT NULL REFERENCES risk_suppliers (id) ON DELETE CASCADE,
    PRIMARY KEY (incident_id, supplier_id),
    FOREIGN KEY (entity_id, incident_id) REFERENCES incidents (entity_id, id)
);

-- The timeline: who did what when. Append-only.
CREATE TABLE incident_timeline (
    id          bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    entity_id   bigint NOT NULL,
    incident_id bigint NOT NULL,
    occurred_at timestamptz NOT NULL,
    -- event is set on entries the app writes itself, so they are shown in
    -- the reader's language: 'status:<from>:<to>' or 'report:<stage>';
    -- entry is then the note (may be empty).
    event       text NOT NULL DEFAULT '' CHECK (event ~ '^(|status:[a-z]+:[a-z]+|report:[a-z_]+)$'),
    entry       text NOT NULL CHECK (length(entry) <= 2000),
    -- corrects: the earlier entry this one corrects (same incident).
    corrects_id bigint,
    created_by  bigint REFERENCES users (id),
    created_at  timestamptz NOT NULL DEFAULT now(),
    UNIQUE (incident_id, id),
    CHECK (entry <> '' OR event <> ''),
    FOREIGN KEY (entity_id, incident_id) REFERENCES incidents (entity_id, id),
    FOREIGN KEY (incident_id, corrects_id) REFERENCES incident_timeline (incident_id, id)
);
CREATE INDEX incident_timeline_incident_idx ON incident_timeline (incident_id, occurred_at, id);

CREATE FUNCTION incident_timeline_reject_change() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION 'incident_timeline is append-only: % is not allowed', TG_OP
        USING ERRCODE = 'restrict_violation',
              HINT = 'correct an entry by adding a new entry that references it';
END;
$$;
CREATE TRIGGER incident_timeline_no_update_delete
    BEFORE UPDATE OR DELETE ON incident_timeline
    FOR EACH ROW EXECUTE FUNCTION incident_timeline_reject_change();
CREATE TRIGGER incident_timeline_no_truncate
    BEFORE TRUNCATE ON incident_timeline
    FOR EACH STATEMENT EXECUTE FUNCTION incident_timeline_reject_change();

-- The reports owed for a significant incident, one row per stage (several
-- intermediate reports, each on request). due_at is kept in step with the
-- incident by the service; submitted rows keep what they were due.
CREATE TABLE incident_reports (
    id            bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    entity_id     bigint NOT NULL,
    incident_id   bigint NOT NULL,
    stage         text NOT NULL CHECK (stage IN ('early_warning', 'notification', 'intermediate', 'progress', 'final')),
    due_at        timestamptz,
    -- An intermediate report is owed on request: who asked, when.
    requested_at  timestamptz,
    requested_by  text NOT NULL DEFAULT '' CHECK (length(requested_by) <= 200),
    submitted_at  timestamptz,
    recipients    text[] NOT NULL DEFAULT '{}',
    summary       text NOT NULL DEFAULT '' CHECK (length(summary) <= 5000),
    proof_ref     text NOT NULL DEFAULT '' CHECK (length(proof_ref) <= 200),
    submitted_by  bigint REFERENCES users (id),
    updated_at    timestamptz NOT NULL DEFAULT now(),
    version       int NOT NULL DEFAULT 1,
    FOREIGN KEY (entity_id, incident_id) REFERENCES incidents (entity_id, id),
    CHECK (stage <> 'intermediate' OR requested_at IS NOT NULL),
    CHECK (submitted_at IS NULL OR proof_ref <> '')
);
CREATE UNIQUE INDEX incident_reports_stage_idx ON incident_reports (incident_id, stage) WHERE stage <> 'intermediate';
CREATE INDEX incident_reports_due_idx ON incident_reports (entity_id, due_at) WHERE submitted_at IS NULL;
