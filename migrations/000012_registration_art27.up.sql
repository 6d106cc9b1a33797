-- Art. 27(2)(b) NIS2 (Cbw art. 47 in bill 36 764): the entity types of the
-- Art. 27 register (DNS, TLD, domain registration, cloud, data centre, CDN,
-- MSP, MSSP, online marketplaces, search engines, social networks) also
-- register their main establishment, their other establishments in the Union
-- and, when not established in the Union, their representative (Art. 26(3)).
ALTER TABLE registrations
    ADD COLUMN main_establishment   text NOT NULL DEFAULT '',
    ADD COLUMN other_establishments text[] NOT NULL DEFAULT '{}',
    ADD COLUMN eu_representative    text NOT NULL DEFAULT '';

COMMENT ON COLUMN registrations.unreported_since IS
    'First change of a registration field after the last submission; the deadline (two weeks, or three months for Art. 27 types only) runs from it. NULL: nothing pending.';
