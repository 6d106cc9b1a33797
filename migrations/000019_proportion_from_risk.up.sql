-- Feeding proportionality from the risk analysis (issue 10 item 10): when
-- the security officer adopts the analysis's proposal for the likelihood
-- and impact factors, the factors record which analysis they came from and
-- the explanation as it was shown (i18n messages as JSON, rendered in the
-- reader's language). Who and when are updated_by and updated_at. Saving
-- the factors by hand clears both columns.
ALTER TABLE proportion_factors
    ADD COLUMN source_analysis_id bigint,
    ADD COLUMN source_explanation jsonb,
    ADD CONSTRAINT proportion_factors_source_fkey FOREIGN KEY (entity_id, source_analysis_id)
        REFERENCES risk_analyses (entity_id, id),
    ADD CONSTRAINT proportion_factors_source_check CHECK ((source_analysis_id IS NULL) = (source_explanation IS NULL));
