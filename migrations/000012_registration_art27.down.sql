ALTER TABLE registrations
    DROP COLUMN main_establishment,
    DROP COLUMN other_establishments,
    DROP COLUMN eu_representative;

COMMENT ON COLUMN registrations.unreported_since IS NULL;
