-- Risk analysis (NCSC plan, step 1 and 2; art. 21 lid 2 onder a NIS2,
-- Annex 2.1 of Regulation 2024/2690). Every table is entity-owned and every
-- child carries (entity_id, analysis_id) with a composite foreign key, so a
-- row can never point into another entity's analysis.

-- The entity's method: the risk matrix and the tolerance. Changes are
-- versioned by inserting a new row; an analysis records the version it used.
-- matrix holds 25 digits, row-major by likelihood 1..5 then impact 1..5,
-- each a level 1 (laag) .. 4 (kritiek).
CREATE TABLE risk_methods (
    entity_id      bigint NOT NULL REFERENCES entities (id) ON DELETE CASCADE,
    method_version int NOT NULL CHECK (method_version >= 1),
    matrix         text NOT NULL CHECK (matrix ~ '^[1-4]{25}$'),
    tolerance      smallint NOT NULL CHECK (tolerance BETWEEN 1 AND 4),
    created_by     bigint REFERENCES users (id),
    created_at     timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (entity_id, method_version)
);

-- An analysis per cycle ("2027"): concept → review → adopted → archived.
CREATE TABLE risk_analyses (
    id             bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    entity_id      bigint NOT NULL REFERENCES entities (id) ON DELETE CASCADE,
    period         text NOT NULL CHECK (length(period) BETWEEN 1 AND 40),
    status         text NOT NULL DEFAULT 'concept' CHECK (status IN ('concept', 'review', 'adopted', 'archived')),
    review_date    date NOT NULL,
    method_version int NOT NULL,
    copied_from    bigint REFERENCES risk_analyses (id) ON DELETE SET NULL,
    adopted_by     bigint REFERENCES users (id),
    adopted_at     timestamptz,
    adoption_note  text NOT NULL DEFAULT '',
    created_by     bigint REFERENCES users (id),
    created_at     timestamptz NOT NULL DEFAULT now(),
    updated_by     bigint REFERENCES users (id),
    updated_at     timestamptz NOT NULL DEFAULT now(),
    version        int NOT NULL DEFAULT 1,
    UNIQUE (entity_id, period),
    UNIQUE (entity_id, id),
    FOREIGN KEY (entity_id, method_version) REFERENCES risk_methods (entity_id, method_version),
    CHECK (status <> 'adopted' OR adopted_at IS NOT NULL)
);
CREATE INDEX risk_analyses_entity_created_idx ON risk_analyses (entity_id, created_at DESC, id DESC);
CREATE INDEX risk_analyses_entity_status_idx ON risk_analyses (entity_id, status);
CREATE INDEX risk_analyses_review_idx ON risk_analyses (entity_id, review_date);

-- Suppliers (measure d; Annex 5.1/5.2), per analysis so a cycle is a
-- snapshot. The contract clauses are the checklist of Annex 5.1.
CREATE TABLE risk_suppliers (
    id                    bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    entity_id             bigint NOT NULL,
    analysis_id           bigint NOT NULL,
    name                  text NOT NULL CHECK (length(name) BETWEEN 1 AND 200),
    service               text NOT NULL DEFAULT '',
    clause_incident       boolean NOT NULL DEFAULT false,
    clause_audit          boolean NOT NULL DEFAULT false,
    clause_vulnerability  boolean NOT NULL DEFAULT false,
    clause_subcontracting boolean NOT NULL DEFAULT false,
    clause_exit           boolean NOT NULL DEFAULT false,
    certifications        text NOT NULL DEFAULT '',
    certification_expiry  date,
    last_assessed         date,
    assessment_result     text NOT NULL DEFAULT '' CHECK (assessment_result IN ('', 'sufficient', 'improvements', 'insufficient')),
    notes                 text NOT NULL DEFAULT '',
    updated_by            bigint REFERENCES users (id),
    updated_at            timestamptz NOT NULL DEFAULT now(),
    version               int NOT NULL DEFAULT 1,
    UNIQUE (analysis_id, name),
    UNIQUE (entity_id, analysis_id, id),
    FOREIGN KEY (entity_id, analysis_id) REFERENCES risk_analyses (entity_id, id) ON DELETE CASCADE
);
CREATE INDEX risk_suppliers_entity_idx ON risk_suppliers (entity_id, analysis_id, name);
CREATE INDEX risk_suppliers_expiry_idx ON risk_suppliers (entity_id, certification_expiry);

-- Crown jewels (te beschermen belangen) at three levels, with BIV on 1–4
-- and, for processes, a BIA (RTO/RPO in hours).
CREATE TABLE risk_jewels (
    id              bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    entity_id       bigint NOT NULL,
    analysis_id     bigint NOT NULL,
    name            text NOT NULL CHECK (length(name) BETWEEN 1 AND 200),
    level           text NOT NULL CHECK (level IN ('goal', 'process', 'system')),
    description     text NOT NULL DEFAULT '',
    owner_id        bigint REFERENCES users (id) ON DELETE SET NULL,
    availability    smallint NOT NULL CHECK (availability BETWEEN 1 AND 4),
    integrity       smallint NOT NULL CHECK (integrity BETWEEN 1 AND 4),
    confidentiality smallint NOT NULL CHECK (confidentiality BETWEEN 1 AND 4),
    rto_hours       int CHECK (rto_hours >= 0),
    rpo_hours       int CHECK (rpo_hours >= 0),
    updated_by      bigint REFERENCES users (id),
    updated_at      timestamptz NOT NULL DEFAULT now(),
    version         int NOT NULL DEFAULT 1,
    UNIQUE (analysis_id, name),
    UNIQUE (entity_id, analysis_id, id),
    FOREIGN KEY (entity_id, analysis_id) REFERENCES risk_analyses (entity_id, id) ON DELETE CASCADE
);
CREATE INDEX risk_jewels_entity_idx ON risk_jewels (entity_id, analysis_id, level, name);
CREATE INDEX risk_jewels_owner_idx ON risk_jewels (entity_id, owner_id);

-- A jewel's dependencies on suppliers and on other jewels of the same
-- analysis.
CREATE TABLE risk_jewel_suppliers (
    entity_id   bigint NOT NULL,
    analysis_id bigint NOT NULL,
    jewel_id    bigint NOT NULL,
    supplier_id bigint NOT NULL,
    PRIMARY KEY (jewel_id, supplier_id),
    FOREIGN KEY (entity_id, analysis_id, jewel_id) REFERENCES risk_jewels (entity_id, analysis_id, id) ON DELETE CASCADE,
    FOREIGN KEY (entity_id, analysis_id, supplier_id) REFERENCES risk_suppliers (entity_id, analysis_id, id) ON DELETE CASCADE
);
CREATE INDEX risk_jewel_suppliers_supplier_idx ON risk_jewel_suppliers (supplier_id);
CREATE INDEX risk_jewel_suppliers_analysis_idx ON risk_jewel_suppliers (entity_id, analysis_id);

CREATE TABLE risk_jewel_dependencies (
    entity_id     bigint NOT NULL,
    analysis_id   bigint NOT NULL,
    jewel_id      bigint NOT NULL,
    depends_on_id bigint NOT NULL CHECK (depends_on_id <> jewel_id),
    PRIMARY KEY (jewel_id, depends_on_id),
    FOREIGN KEY (entity_id, analysis_id, jewel_id) REFERENCES risk_jewels (entity_id, analysis_id, id) ON DELETE CASCADE,
    FOREIGN KEY (entity_id, analysis_id, depends_on_id) REFERENCES risk_jewels (entity_id, analysis_id, id) ON DELETE CASCADE
);
CREATE INDEX risk_jewel_dependencies_on_idx ON risk_jewel_dependencies (depends_on_id);
CREATE INDEX risk_jewel_dependencies_analysis_idx ON risk_jewel_dependencies (entity_id, analysis_id);

-- Entity-specific threats, next to the catalogue (internal/risk/threats.json,
-- kept in memory). They belong to the entity, not to one cycle.
CREATE TABLE risk_threats (
    id              bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    entity_id       bigint NOT NULL REFERENCES entities (id) ON DELETE CASCADE,
    name            text NOT NULL CHECK (length(name) BETWEEN 1 AND 200),
    description     text NOT NULL DEFAULT '',
    availability    boolean NOT NULL DEFAULT false,
    integrity       boolean NOT NULL DEFAULT false,
    confidentiality boolean NOT NULL DEFAULT false,
    updated_by      bigint REFERENCES users (id),
    updated_at      timestamptz NOT NULL DEFAULT now(),
    version         int NOT NULL DEFAULT 1,
    UNIQUE (entity_id, name),
    UNIQUE (entity_id, id),
    CHECK (availability OR integrity OR confidentiality)
);

-- Scenarios = jewel × threat (a catalogue code or an entity threat), with
-- the affected aspects and the inherent likelihood and impact (before
-- existing controls). inherent_level is the analysis's matrix applied to
-- them, stored so the register can filter and sort on it. Step 3 and 4 add
-- residual likelihood/impact/level and treatment columns here.
CREATE TABLE risk_scenarios (
    id                  bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    entity_id           bigint NOT NULL,
    analysis_id         bigint NOT NULL,
    jewel_id            bigint NOT NULL,
    threat_code         text CHECK (threat_code ~ '^[a-z][a-z0-9_]{0,39}$'),
    threat_id           bigint,
    availability        boolean NOT NULL DEFAULT false,
    integrity           boolean NOT NULL DEFAULT false,
    confidentiality     boolean NOT NULL DEFAULT false,
    inherent_likelihood smallint NOT NULL CHECK (inherent_likelihood BETWEEN 1 AND 5),
    inherent_impact     smallint NOT NULL CHECK (inherent_impact BETWEEN 1 AND 5),
    inherent_level      smallint NOT NULL CHECK (inherent_level BETWEEN 1 AND 4),
    description         text NOT NULL DEFAULT '',
    updated_by          bigint REFERENCES users (id),
    updated_at          timestamptz NOT NULL DEFAULT now(),
    version             int NOT NULL DEFAULT 1,
    CHECK ((threat_code IS NULL) <> (threat_id IS NULL)),
    CHECK (availability OR integrity OR confidentiality),
    UNIQUE (entity_id, analysis_id, id),
    FOREIGN KEY (entity_id, analysis_id, jewel_id) REFERENCES risk_jewels (entity_id, analysis_id, id) ON DELETE CASCADE,
    FOREIGN KEY (entity_id, threat_id) REFERENCES risk_threats (entity_id, id)
);
CREATE UNIQUE INDEX risk_scenarios_catalogue_uniq ON risk_scenarios (analysis_id, jewel_id, threat_code) WHERE threat_code IS NOT NULL;
CREATE UNIQUE INDEX risk_scenarios_entity_threat_uniq ON risk_scenarios (analysis_id, jewel_id, threat_id) WHERE threat_id IS NOT NULL;
CREATE INDEX risk_scenarios_cell_idx ON risk_scenarios (entity_id, analysis_id, inherent_likelihood, inherent_impact);
CREATE INDEX risk_scenarios_level_idx ON risk_scenarios (entity_id, analysis_id, inherent_level DESC, id);
CREATE INDEX risk_scenarios_jewel_idx ON risk_scenarios (entity_id, jewel_id);
CREATE INDEX risk_scenarios_threat_code_idx ON risk_scenarios (entity_id, analysis_id, threat_code);
CREATE INDEX risk_scenarios_threat_idx ON risk_scenarios (entity_id, threat_id);
