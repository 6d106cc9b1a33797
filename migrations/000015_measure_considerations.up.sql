-- Art. 21(1) NIS2 names, beside the factors the proportionality engine
-- weighs, the state of the art, relevant standards and the cost of
-- implementation; Art. 20(1) has the management body approve the measures.
-- Per entity and measure: a short note on the state of the art and the
-- standards considered, a cost level, and the target the management body
-- adopted where it does not follow the engine's advice. A target below the
-- advice needs a recorded reason; the application also refuses one below a
-- legal floor (which the database cannot know).
CREATE TABLE measure_considerations (
    entity_id            bigint NOT NULL REFERENCES entities (id),
    measure_code         char(1) NOT NULL REFERENCES measures (code),
    state_of_art         text NOT NULL DEFAULT '' CHECK (length(state_of_art) <= 2000),
    cost_level           text CHECK (cost_level IN ('low', 'medium', 'high')),
    adopted_target       smallint CHECK (adopted_target BETWEEN 1 AND 5),
    -- The engine's advice when the target was adopted, so a later change of
    -- the advice is visible.
    proposal_at_adoption smallint CHECK (proposal_at_adoption BETWEEN 1 AND 5),
    target_reason        text NOT NULL DEFAULT '' CHECK (length(target_reason) <= 2000),
    updated_at           timestamptz NOT NULL DEFAULT now(),
    updated_by           bigint REFERENCES users (id),
    version              integer NOT NULL DEFAULT 1,
    PRIMARY KEY (entity_id, measure_code),
    CHECK ((adopted_target IS NULL) = (proposal_at_adoption IS NULL)),
    CHECK (adopted_target IS NULL OR adopted_target >= proposal_at_adoption OR length(target_reason) > 0)
);
