-- The board's oversight report ("bestuursrapportage", art. 20 lid 1 NIS2:
-- the management body oversees the implementation of the measures). A
-- report freezes the data of the day it describes in content (readiness per
-- measure, risks above tolerance, acceptances, overdue actions, training
-- and the changes since the previous report), so it reads the same later
-- and the next report can say what changed. The board records when it
-- discussed the report and where the minutes are; that is oversight
-- evidence (the minutes attach as evidence, subject type board_report).
CREATE TABLE board_reports (
    id                    bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    entity_id             bigint NOT NULL REFERENCES entities (id) ON DELETE CASCADE,
    -- The period label, e.g. "2026 K4".
    title                 text NOT NULL CHECK (length(title) BETWEEN 1 AND 80),
    -- The calendar day the content describes.
    report_day            date NOT NULL,
    generated_at          timestamptz NOT NULL DEFAULT now(),
    generated_by          bigint REFERENCES users (id),
    content               jsonb NOT NULL,
    discussed_on          date,
    minutes_ref           text NOT NULL DEFAULT '' CHECK (length(minutes_ref) <= 200),
    discussed_recorded_by bigint REFERENCES users (id),
    discussed_recorded_at timestamptz,
    version               int NOT NULL DEFAULT 1,
    CHECK ((discussed_on IS NULL) = (discussed_recorded_at IS NULL)),
    CHECK (discussed_on IS NULL OR discussed_on >= report_day)
);
CREATE INDEX board_reports_entity_idx ON board_reports (entity_id, generated_at DESC, id DESC);

-- What a report says never changes: only the discussion may be recorded.
CREATE FUNCTION board_reports_frozen() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    IF NEW.content IS DISTINCT FROM OLD.content OR NEW.title IS DISTINCT FROM OLD.title
        OR NEW.report_day IS DISTINCT FROM OLD.report_day OR NEW.generated_at IS DISTINCT FROM OLD.generated_at
        OR NEW.generated_by IS DISTINCT FROM OLD.generated_by OR NEW.entity_id IS DISTINCT FROM OLD.entity_id THEN
        RAISE EXCEPTION 'a board report is frozen: only its discussion may be recorded'
            USING ERRCODE = 'restrict_violation';
    END IF;
    RETURN NEW;
END;
$$;

CREATE TRIGGER board_reports_frozen
    BEFORE UPDATE ON board_reports
    FOR EACH ROW EXECUTE FUNCTION board_reports_frozen();
