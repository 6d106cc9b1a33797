-- Accounts, memberships with one role per entity, second factors and
-- one-time set-password links.
CREATE TABLE users (
    id              bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    email           text NOT NULL CHECK (email = lower(email) AND length(email) BETWEEN 3 AND 254),
    name            text NOT NULL CHECK (length(name) BETWEEN 1 AND 200),
    -- argon2id PHC string; empty until the user sets a password via a link.
    password_hash   text NOT NULL DEFAULT '',
    -- TOTP secret sealed with WEERBAAR_SECRET_KEY; empty without MFA.
    totp_secret     text NOT NULL DEFAULT '',
    totp_enabled_at timestamptz,
    -- Time step of the last accepted TOTP code: a code is accepted once.
    totp_last_step  bigint NOT NULL DEFAULT 0,
    instance_admin  boolean NOT NULL DEFAULT false,
    lang            text NOT NULL DEFAULT 'nl' CHECK (lang IN ('nl', 'en')),
    disabled_at     timestamptz,
    -- Raised to end every session of the user at once (disable, removal, password change).
    session_epoch   integer NOT NULL DEFAULT 1,
    -- Raised when a role changes, so the user's session token is renewed.
    authz_epoch     integer NOT NULL DEFAULT 1,
    created_at      timestamptz NOT NULL DEFAULT now(),
    updated_at      timestamptz NOT NULL DEFAULT now(),
    version         integer NOT NULL DEFAULT 1
);
CREATE UNIQUE INDEX users_email_key ON users (email);

CREATE TABLE memberships (
    entity_id  bigint NOT NULL REFERENCES entities (id),
    user_id    bigint NOT NULL REFERENCES users (id),
    role       text NOT NULL CHECK (role IN ('admin', 'security_officer', 'board_member', 'auditor')),
    created_at timestamptz NOT NULL DEFAULT now(),
    version    integer NOT NULL DEFAULT 1,
    PRIMARY KEY (entity_id, user_id)
);
CREATE INDEX memberships_user_idx ON memberships (user_id);

ALTER TABLE entities ADD COLUMN mfa_required boolean NOT NULL DEFAULT true;

CREATE TABLE recovery_codes (
    id        bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    user_id   bigint NOT NULL REFERENCES users (id),
    code_hash text NOT NULL,
    used_at   timestamptz,
    UNIQUE (user_id, code_hash)
);

CREATE TABLE password_tokens (
    token_hash text PRIMARY KEY,
    user_id    bigint NOT NULL REFERENCES users (id),
    purpose    text NOT NULL CHECK (purpose IN ('invite', 'reset')),
    created_by bigint REFERENCES users (id),
    created_at timestamptz NOT NULL DEFAULT now(),
    expires_at timestamptz NOT NULL,
    used_at    timestamptz
);
CREATE INDEX password_tokens_user_idx ON password_tokens (user_id);
