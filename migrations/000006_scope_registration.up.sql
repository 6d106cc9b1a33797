-- NIS2 scope self-assessments (history kept) and the registration data the
-- authority must receive (registratieplicht), with the record of submissions.
CREATE TABLE scope_assessments (
    id             bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    entity_id      bigint NOT NULL REFERENCES entities (id),
    created_at     timestamptz NOT NULL DEFAULT now(),
    created_by     bigint REFERENCES users (id),
    engine_version text NOT NULL,
    inputs         jsonb NOT NULL,
    class          text NOT NULL CHECK (class IN ('essential', 'important', 'out_of_scope', 'registration_only')),
    size           text NOT NULL CHECK (size IN ('micro', 'small', 'medium', 'large')),
    reasons        jsonb NOT NULL
);
CREATE INDEX scope_assessments_entity_idx ON scope_assessments (entity_id, created_at DESC);

CREATE TABLE registrations (
    entity_id            bigint PRIMARY KEY REFERENCES entities (id),
    kvk                  text NOT NULL DEFAULT '' CHECK (kvk = '' OR kvk ~ '^[0-9]{8}$'),
    street               text NOT NULL DEFAULT '',
    postcode             text NOT NULL DEFAULT '',
    city                 text NOT NULL DEFAULT '',
    country              text NOT NULL DEFAULT 'NL',
    postal_address       text NOT NULL DEFAULT '',
    contact_name         text NOT NULL DEFAULT '',
    contact_email        text NOT NULL DEFAULT '',
    contact_phone        text NOT NULL DEFAULT '',
    ip_ranges            text[] NOT NULL DEFAULT '{}',
    subsectors           text[] NOT NULL DEFAULT '{}',
    member_states        text[] NOT NULL DEFAULT '{}',
    authority            text NOT NULL DEFAULT '',
    csirt                text NOT NULL DEFAULT '',
    info_sharing         boolean NOT NULL DEFAULT false,
    info_sharing_details text NOT NULL DEFAULT '',
    -- Last submission to the authority (NCSC registration service).
    submitted_on         date,
    submission_ref       text NOT NULL DEFAULT '',
    -- First change of a registration field after the last submission; the
    -- authority must be informed within two weeks of it. NULL: nothing pending.
    unreported_since     timestamptz,
    updated_at           timestamptz NOT NULL DEFAULT now(),
    version              integer NOT NULL DEFAULT 1
);
