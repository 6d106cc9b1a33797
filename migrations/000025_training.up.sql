-- Training of the management body (art. 20 lid 2 NIS2, Cbw art. 24): the
-- date each board member was appointed (it starts their two-year period)
-- and training records per member (optionally staff) — course, provider,
-- dates, topics and the certificate's validity. The certificate file itself
-- is evidence attached to the record (subject type training_record).
CREATE TABLE board_appointments (
    entity_id    bigint NOT NULL REFERENCES entities (id) ON DELETE CASCADE,
    user_id      bigint NOT NULL REFERENCES users (id),
    appointed_on date NOT NULL,
    updated_by   bigint REFERENCES users (id),
    updated_at   timestamptz NOT NULL DEFAULT now(),
    version      int NOT NULL DEFAULT 1,
    PRIMARY KEY (entity_id, user_id)
);

CREATE TABLE training_records (
    id           bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    entity_id    bigint NOT NULL REFERENCES entities (id) ON DELETE CASCADE,
    user_id      bigint NOT NULL REFERENCES users (id),
    course       text NOT NULL CHECK (length(course) BETWEEN 1 AND 200),
    provider     text NOT NULL CHECK (length(provider) BETWEEN 1 AND 200),
    started_on   date,
    completed_on date NOT NULL,
    topics       text NOT NULL DEFAULT '' CHECK (length(topics) <= 2000),
    -- certified: a certificate was issued (name, dates, topics, provider).
    certified    boolean NOT NULL DEFAULT false,
    valid_until  date,
    created_by   bigint REFERENCES users (id),
    created_at   timestamptz NOT NULL DEFAULT now(),
    updated_by   bigint REFERENCES users (id),
    updated_at   timestamptz NOT NULL DEFAULT now(),
    version      int NOT NULL DEFAULT 1,
    CHECK (started_on IS NULL OR started_on <= completed_on),
    CHECK (valid_until IS NULL OR valid_until >= completed_on)
);
CREATE INDEX training_records_member_idx ON training_records (entity_id, user_id, completed_on DESC, id DESC);
