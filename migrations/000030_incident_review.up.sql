-- The post-incident review (issue 12 item 6): the root cause as found after
-- the incident, the lessons learned and follow-up actions, each linked to a
-- requirement of the ten measures with an owner and a due date, so they show
-- on that requirement's page and on the owner's dashboard.
CREATE TABLE incident_reviews (
    entity_id    bigint NOT NULL,
    incident_id  bigint NOT NULL PRIMARY KEY,
    root_cause   text NOT NULL DEFAULT '' CHECK (length(root_cause) <= 5000),
    lessons      text NOT NULL DEFAULT '' CHECK (length(lessons) <= 5000),
    -- Set when the review is marked complete; cleared when reopened.
    completed_at timestamptz,
    updated_by   bigint REFERENCES users (id),
    updated_at   timestamptz NOT NULL DEFAULT now(),
    version      int NOT NULL DEFAULT 1,
    FOREIGN KEY (entity_id, incident_id) REFERENCES incidents (entity_id, id),
    CHECK (completed_at IS NULL OR (root_cause <> '' AND lessons <> ''))
);

CREATE TABLE incident_actions (
    id               bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    entity_id        bigint NOT NULL,
    incident_id      bigint NOT NULL,
    title            text NOT NULL CHECK (length(title) BETWEEN 1 AND 200),
    -- A requirement code of the entity's catalogue edition (checked by the
    -- service, as for risk mitigation actions).
    requirement_code text NOT NULL CHECK (requirement_code <> ''),
    owner_id         bigint REFERENCES users (id) ON DELETE SET NULL,
    due_date         date NOT NULL,
    done_on          date,
    created_by       bigint REFERENCES users (id),
    created_at       timestamptz NOT NULL DEFAULT now(),
    updated_by       bigint REFERENCES users (id),
    updated_at       timestamptz NOT NULL DEFAULT now(),
    version          int NOT NULL DEFAULT 1,
    FOREIGN KEY (entity_id, incident_id) REFERENCES incidents (entity_id, id)
);
CREATE INDEX incident_actions_incident_idx ON incident_actions (incident_id, id);
CREATE INDEX incident_actions_requirement_idx ON incident_actions (entity_id, requirement_code);
CREATE INDEX incident_actions_owner_idx ON incident_actions (entity_id, owner_id, due_date) WHERE done_on IS NULL;
