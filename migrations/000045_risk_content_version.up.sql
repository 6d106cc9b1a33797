-- content_version counts the changes to what the board approves of a risk
-- analysis besides its own row: its crown jewels, its scenarios and the
-- names of the entity's threats they use (internal/risk/approval.go). The
-- database bumps it on every insert, update or delete, whatever wrote it, so
-- the analysis page can keep the approval hash of one (version,
-- content_version) in memory instead of reading and hashing every scenario
-- on every view. Statement triggers: one bump per statement and analysis,
-- also for COPY.
ALTER TABLE risk_analyses ADD COLUMN content_version bigint NOT NULL DEFAULT 1;

CREATE FUNCTION risk_content_changed() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'INSERT' THEN
        UPDATE risk_analyses SET content_version = content_version + 1
        WHERE id IN (SELECT DISTINCT analysis_id FROM new_rows);
    ELSIF TG_OP = 'UPDATE' THEN
        UPDATE risk_analyses SET content_version = content_version + 1
        WHERE id IN (SELECT analysis_id FROM new_rows UNION SELECT analysis_id FROM old_rows);
    ELSE
        UPDATE risk_analyses SET content_version = content_version + 1
        WHERE id IN (SELECT DISTINCT analysis_id FROM old_rows);
    END IF;
    RETURN NULL;
END $$;

CREATE TRIGGER risk_jewels_content_insert AFTER INSERT ON risk_jewels
    REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION risk_content_changed();
CREATE TRIGGER risk_jewels_content_update AFTER UPDATE ON risk_jewels
    REFERENCING NEW TABLE AS new_rows OLD TABLE AS old_rows FOR EACH STATEMENT EXECUTE FUNCTION risk_content_changed();
CREATE TRIGGER risk_jewels_content_delete AFTER DELETE ON risk_jewels
    REFERENCING OLD TABLE AS old_rows FOR EACH STATEMENT EXECUTE FUNCTION risk_content_changed();
CREATE TRIGGER risk_scenarios_content_insert AFTER INSERT ON risk_scenarios
    REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION risk_content_changed();
CREATE TRIGGER risk_scenarios_content_update AFTER UPDATE ON risk_scenarios
    REFERENCING NEW TABLE AS new_rows OLD TABLE AS old_rows FOR EACH STATEMENT EXECUTE FUNCTION risk_content_changed();
CREATE TRIGGER risk_scenarios_content_delete AFTER DELETE ON risk_scenarios
    REFERENCING OLD TABLE AS old_rows FOR EACH STATEMENT EXECUTE FUNCTION risk_content_changed();

-- A scenario with an entity threat names it in the approved content: a
-- renamed threat changes every analysis with a scenario of it.
CREATE FUNCTION risk_threat_renamed() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    UPDATE risk_analyses SET content_version = content_version + 1
    WHERE id IN (SELECT s.analysis_id FROM risk_scenarios s
        JOIN new_rows n ON n.id = s.threat_id JOIN old_rows o ON o.id = n.id
        WHERE n.name IS DISTINCT FROM o.name);
    RETURN NULL;
END $$;

CREATE TRIGGER risk_threats_content_update AFTER UPDATE ON risk_threats
    REFERENCING NEW TABLE AS new_rows OLD TABLE AS old_rows FOR EACH STATEMENT EXECUTE FUNCTION risk_threat_renamed();
