-- The entity's own likelihood and impact scales, versioned with the method:
-- per point a label and a definition in NL and EN (risk.Scales as JSON).
-- NULL is the default scales of the catalogue.
ALTER TABLE risk_methods ADD COLUMN scales jsonb
    CHECK (scales IS NULL OR (jsonb_typeof(scales -> 'likelihood') = 'array' AND jsonb_typeof(scales -> 'impact') = 'array'));
