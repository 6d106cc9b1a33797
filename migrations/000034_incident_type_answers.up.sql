-- The answers to the entity-type significance criteria of Articles 5 to 14
-- of Implementing Regulation (EU) 2024/2690 (Art. 3(1)(g)), by criterion
-- code ("art7_a": "yes"|"no"|"unknown").
ALTER TABLE incidents
    ADD COLUMN type_answers jsonb NOT NULL DEFAULT '{}' CHECK (jsonb_typeof(type_answers) = 'object');
