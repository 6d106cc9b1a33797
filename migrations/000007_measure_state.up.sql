-- Per entity: the state of each requirement and measure (applicability,
-- maturity, status, owner, due date), the proportionality factors and
-- sensitivities, and saved proportionality results for reproducibility.
CREATE TABLE entity_requirements (
    entity_id         bigint NOT NULL REFERENCES entities (id),
    requirement_code  text NOT NULL REFERENCES requirements (code),
    applicable        boolean NOT NULL DEFAULT true,
    justification     text NOT NULL DEFAULT '',
    maturity          smallint NOT NULL DEFAULT 0 CHECK (maturity BETWEEN 0 AND 5),
    status            text NOT NULL DEFAULT 'not_started'
                      CHECK (status IN ('not_started', 'in_progress', 'implemented', 'verified')),
    owner_id          bigint REFERENCES users (id),
    due_date          date,
    notes             text NOT NULL DEFAULT '',
    catalogue_version text NOT NULL REFERENCES catalogue_versions (version),
    updated_at        timestamptz NOT NULL DEFAULT now(),
    updated_by        bigint REFERENCES users (id),
    version           integer NOT NULL DEFAULT 1,
    PRIMARY KEY (entity_id, requirement_code),
    -- Reg. 2024/2690 art. 2(2): not applying a requirement needs a reason.
    CHECK (applicable OR length(justification) > 0)
);

CREATE TABLE entity_measures (
    entity_id         bigint NOT NULL REFERENCES entities (id),
    measure_code      char(1) NOT NULL REFERENCES measures (code),
    applicable        boolean NOT NULL DEFAULT true,
    justification     text NOT NULL DEFAULT '',
    maturity_override smallint CHECK (maturity_override BETWEEN 0 AND 5),
    override_reason   text NOT NULL DEFAULT '',
    status            text NOT NULL DEFAULT 'not_started'
                      CHECK (status IN ('not_started', 'in_progress', 'implemented', 'verified')),
    owner_id          bigint REFERENCES users (id),
    due_date          date,
    notes             text NOT NULL DEFAULT '',
    catalogue_version text NOT NULL REFERENCES catalogue_versions (version),
    updated_at        timestamptz NOT NULL DEFAULT now(),
    updated_by        bigint REFERENCES users (id),
    version           integer NOT NULL DEFAULT 1,
    PRIMARY KEY (entity_id, measure_code),
    CHECK (applicable OR length(justification) > 0),
    CHECK (maturity_override IS NULL OR length(override_reason) > 0)
);

CREATE TABLE proportion_factors (
    entity_id  bigint PRIMARY KEY REFERENCES entities (id),
    exposure   smallint NOT NULL CHECK (exposure BETWEEN 1 AND 5),
    likelihood smallint NOT NULL CHECK (likelihood BETWEEN 1 AND 5),
    impact     smallint NOT NULL CHECK (impact BETWEEN 1 AND 5),
    updated_at timestamptz NOT NULL DEFAULT now(),
    updated_by bigint REFERENCES users (id),
    version    integer NOT NULL DEFAULT 1
);

CREATE TABLE measure_sensitivities (
    entity_id    bigint NOT NULL REFERENCES entities (id),
    measure_code char(1) NOT NULL REFERENCES measures (code),
    exposure     numeric(4, 3) NOT NULL CHECK (exposure BETWEEN 0 AND 1),
    size         numeric(4, 3) NOT NULL CHECK (size BETWEEN 0 AND 1),
    likelihood   numeric(4, 3) NOT NULL CHECK (likelihood BETWEEN 0 AND 1),
    impact       numeric(4, 3) NOT NULL CHECK (impact BETWEEN 0 AND 1),
    class        numeric(4, 3) NOT NULL CHECK (class BETWEEN 0 AND 1),
    rationale    text NOT NULL,
    updated_at   timestamptz NOT NULL DEFAULT now(),
    updated_by   bigint REFERENCES users (id),
    version      integer NOT NULL DEFAULT 1,
    PRIMARY KEY (entity_id, measure_code)
);

-- Every saved computation keeps its inputs and engine version, so an old
-- result can be reproduced exactly.
CREATE TABLE proportion_results (
    id             bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    entity_id      bigint NOT NULL REFERENCES entities (id),
    computed_at    timestamptz NOT NULL DEFAULT now(),
    engine_version text NOT NULL,
    catalogue_version text NOT NULL,
    inputs         jsonb NOT NULL,
    results        jsonb NOT NULL
);
CREATE INDEX proportion_results_entity_idx ON proportion_results (entity_id, computed_at DESC);
