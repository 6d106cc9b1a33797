-- E-mail reminders of incident reporting deadlines: 6 hours and 1 hour
-- before a report is due and when it is overdue, to the incident's handler
-- and the entity's security officers and admins. One row per reminder and
-- recipient; the unique key is what makes a reminder go out at most once.
-- The scheduler claims a row (state 'sending') in its own committed
-- transaction before it talks to the mail server, then records the outcome:
-- 'sent', or 'failed' (the server refused or was unreachable), which a later
-- run claims again. A row left in 'sending' (the process stopped between
-- claim and outcome) is never retried: a reminder may be lost, never doubled.
CREATE TABLE incident_reminders (
    id           bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    entity_id    bigint NOT NULL REFERENCES entities (id),
    report_id    bigint NOT NULL REFERENCES incident_reports (id) ON DELETE CASCADE,
    threshold    text NOT NULL CHECK (threshold IN ('6h', '1h', 'overdue')),
    user_id      bigint NOT NULL REFERENCES users (id),
    -- The address and the due time the reminder went to and named.
    email        text NOT NULL,
    due_at       timestamptz NOT NULL,
    state        text NOT NULL DEFAULT 'sending' CHECK (state IN ('sending', 'sent', 'failed')),
    attempts     integer NOT NULL DEFAULT 1 CHECK (attempts >= 1),
    last_error   text NOT NULL DEFAULT '' CHECK (length(last_error) <= 1000),
    attempted_at timestamptz NOT NULL,
    sent_at      timestamptz,
    UNIQUE (report_id, threshold, user_id),
    CHECK ((state = 'sent') = (sent_at IS NOT NULL))
);
CREATE INDEX incident_reminders_entity_idx ON incident_reminders (entity_id, report_id);
