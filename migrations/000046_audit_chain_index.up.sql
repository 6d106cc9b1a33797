-- The audit log's chain index on an expression row-level security lets an
-- index use (000039): PostgreSQL treats COALESCE as possibly leaky, so under
-- the policies `coalesce(entity_id, 0) = $1` was no index condition and every
-- chain lookup (the head before each write, verification from the verified
-- point) read the whole table. CASE is treated as safe, and means the same.
DROP INDEX audit_log_chain_seq_idx;
CREATE UNIQUE INDEX audit_log_chain_seq_idx ON audit_log ((CASE WHEN entity_id IS NULL THEN 0 ELSE entity_id END), seq);
