DROP TABLE IF EXISTS password_tokens;
DROP TABLE IF EXISTS recovery_codes;
ALTER TABLE entities DROP COLUMN IF EXISTS mfa_required;
DROP TABLE IF EXISTS memberships;
DROP TABLE IF EXISTS users;
