DROP TABLE IF EXISTS audit_verified;
