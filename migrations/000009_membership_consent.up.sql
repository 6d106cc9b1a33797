-- Consent to memberships. Adding an existing account to an entity makes a
-- pending membership (accepted_at NULL) that grants nothing until its owner
-- accepts it after signing in; an invitation that creates the account is
-- accepted by the link that sets its first password. invited_by and
-- invited_name record who invited and under which name, so the inviting
-- entity sees its own invitation, never the account's details elsewhere.
ALTER TABLE memberships
    ADD COLUMN accepted_at  timestamptz,
    ADD COLUMN invited_by   bigint REFERENCES users (id),
    ADD COLUMN invited_name text CHECK (length(invited_name) BETWEEN 1 AND 200);
UPDATE memberships SET accepted_at = created_at;
CREATE INDEX memberships_pending_idx ON memberships (user_id) WHERE accepted_at IS NULL;

-- Links belong to the invitation they were issued for. A 'join' link tells
-- an existing account about an invitation (sign in to accept); it never sets
-- a password and never retires another link.
ALTER TABLE password_tokens ADD COLUMN entity_id bigint REFERENCES entities (id);
ALTER TABLE password_tokens DROP CONSTRAINT password_tokens_purpose_check;
ALTER TABLE password_tokens ADD CONSTRAINT password_tokens_purpose_check CHECK (purpose IN ('invite', 'reset', 'join'));
