-- Notification drafts (Art. 23(4) NIS2): what was submitted to each
-- recipient per stage — when, how and the recipient's reference. One row
-- per (incident, stage, recipient); a report of an incident that is not
-- significant is voluntary (Art. 30). The GDPR breach notification to the
-- Autoriteit Persoonsgegevens (Art. 33 GDPR) is recorded on the incident.
CREATE TABLE incident_report_submissions (
    id            bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    entity_id     bigint NOT NULL,
    incident_id   bigint NOT NULL,
    stage         text NOT NULL CHECK (stage IN ('early_warning', 'notification', 'intermediate', 'progress', 'final')),
    recipient     text NOT NULL CHECK (length(recipient) BETWEEN 1 AND 200),
    submitted_at  timestamptz NOT NULL,
    channel       text NOT NULL CHECK (channel IN ('portal', 'email', 'phone')),
    reference     text NOT NULL CHECK (length(reference) BETWEEN 1 AND 200),
    voluntary     boolean NOT NULL DEFAULT false,
    updated_by    bigint REFERENCES users (id),
    updated_at    timestamptz NOT NULL DEFAULT now(),
    version       int NOT NULL DEFAULT 1,
    UNIQUE (incident_id, stage, recipient),
    FOREIGN KEY (entity_id, incident_id) REFERENCES incidents (entity_id, id)
);
CREATE INDEX incident_report_submissions_entity_idx ON incident_report_submissions (entity_id, incident_id);

ALTER TABLE incidents
    ADD COLUMN gdpr_notified_at timestamptz,
    ADD COLUMN gdpr_ref text NOT NULL DEFAULT '' CHECK (length(gdpr_ref) <= 200),
    ADD CONSTRAINT incidents_gdpr_ref_check2 CHECK (gdpr_notified_at IS NULL OR gdpr_ref <> '');
