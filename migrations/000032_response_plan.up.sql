-- The incident response plan (issue 12 item 5; Art. 21(2)(b) NIS2, Reg.
-- 2024/2690 Annex 3.1/3.5/4.3): what the entity prepares before an
-- incident — who to call (contacts per role), how it escalates, how it
-- communicates — its playbooks and the exercises that test them. One plan
-- per entity; the board approves it as the approval kind response_plan.
CREATE TABLE response_plans (
    entity_id       bigint PRIMARY KEY REFERENCES entities (id),
    -- Contacts per role: [{role, name, organisation, phone, email,
    -- availability, supplier_id}] in the plan's order (validated by the
    -- service; a supplier is a risk_suppliers row of the same entity).
    contacts        jsonb NOT NULL DEFAULT '[]' CHECK (jsonb_typeof(contacts) = 'array'),
    -- Escalation levels in order: [{criteria, decides}].
    escalation      jsonb NOT NULL DEFAULT '[]' CHECK (jsonb_typeof(escalation) = 'array'),
    comm_internal   text NOT NULL DEFAULT '' CHECK (length(comm_internal) <= 5000),
    comm_recipients text NOT NULL DEFAULT '' CHECK (length(comm_recipients) <= 5000),
    comm_press      text NOT NULL DEFAULT '' CHECK (length(comm_press) <= 5000),
    updated_by      bigint REFERENCES users (id),
    updated_at      timestamptz NOT NULL DEFAULT now(),
    version         int NOT NULL DEFAULT 1
);

-- The entity's adopted playbooks: one row per playbook key, with its
-- sections as bilingual text {"detect": {"nl": …, "en": …}, …}. A playbook
-- without a row shows the shipped default content.
CREATE TABLE response_playbooks (
    entity_id   bigint NOT NULL REFERENCES entities (id),
    key         text NOT NULL CHECK (key IN ('ransomware', 'data_breach', 'ddos', 'supplier')),
    sections    jsonb NOT NULL CHECK (jsonb_typeof(sections) = 'object'),
    updated_by  bigint REFERENCES users (id),
    updated_at  timestamptz NOT NULL DEFAULT now(),
    version     int NOT NULL DEFAULT 1,
    PRIMARY KEY (entity_id, key)
);

CREATE TABLE response_exercises (
    id           bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    entity_id    bigint NOT NULL REFERENCES entities (id),
    held_on      date NOT NULL,
    kind         text NOT NULL CHECK (kind IN ('tabletop', 'technical', 'full_scale')),
    scenario     text NOT NULL CHECK (length(scenario) BETWEEN 1 AND 2000),
    playbook_key text CHECK (playbook_key IN ('ransomware', 'data_breach', 'ddos', 'supplier')),
    participants text NOT NULL DEFAULT '' CHECK (length(participants) <= 2000),
    lessons      text NOT NULL DEFAULT '' CHECK (length(lessons) <= 5000),
    created_by   bigint REFERENCES users (id),
    updated_by   bigint REFERENCES users (id),
    updated_at   timestamptz NOT NULL DEFAULT now(),
    version      int NOT NULL DEFAULT 1,
    UNIQUE (entity_id, id)
);
CREATE INDEX response_exercises_entity_idx ON response_exercises (entity_id, held_on DESC, id DESC);

CREATE TABLE response_exercise_actions (
    id          bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    entity_id   bigint NOT NULL,
    exercise_id bigint NOT NULL,
    title       text NOT NULL CHECK (length(title) BETWEEN 1 AND 200),
    owner_id    bigint REFERENCES users (id) ON DELETE SET NULL,
    due_date    date NOT NULL,
    done_on     date,
    updated_by  bigint REFERENCES users (id),
    updated_at  timestamptz NOT NULL DEFAULT now(),
    version     int NOT NULL DEFAULT 1,
    FOREIGN KEY (entity_id, exercise_id) REFERENCES response_exercises (entity_id, id)
);
CREATE INDEX response_exercise_actions_exercise_idx ON response_exercise_actions (exercise_id, id);
