DROP INDEX incidents_gdpr_owed_idx;
