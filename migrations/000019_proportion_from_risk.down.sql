ALTER TABLE proportion_factors
    DROP CONSTRAINT IF EXISTS proportion_factors_source_check,
    DROP CONSTRAINT IF EXISTS proportion_factors_source_fkey,
    DROP COLUMN IF EXISTS source_explanation,
    DROP COLUMN IF EXISTS source_analysis_id;
