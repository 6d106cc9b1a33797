-- The incidents whose GDPR breach notification is still owed (personal data,
-- not notified, not closed): every member's dashboard lists them among the
-- deadlines. Without this index the largest entity's 500 incidents were
-- read for the few that qualify on every dashboard view.
CREATE INDEX incidents_gdpr_owed_idx ON incidents (entity_id, aware_at)
    WHERE personal_data AND gdpr_notified_at IS NULL AND status <> 'closed';
