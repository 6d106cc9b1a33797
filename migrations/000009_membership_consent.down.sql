DELETE FROM password_tokens WHERE purpose = 'join';
ALTER TABLE password_tokens DROP CONSTRAINT password_tokens_purpose_check;
ALTER TABLE password_tokens ADD CONSTRAINT password_tokens_purpose_check CHECK (purpose IN ('invite', 'reset'));
ALTER TABLE password_tokens DROP COLUMN entity_id;

-- Pending memberships never granted anything; they do not survive the downgrade.
DELETE FROM memberships WHERE accepted_at IS NULL;
DROP INDEX memberships_pending_idx;
ALTER TABLE memberships DROP COLUMN invited_name, DROP COLUMN invited_by, DROP COLUMN accepted_at;
