DROP TABLE incident_reports;
DROP TRIGGER incident_timeline_no_truncate ON incident_timeline;
DROP TABLE incident_timeline;
DROP FUNCTION incident_timeline_reject_change();
DROP TABLE incident_suppliers;
DROP TABLE incident_jewels;
DROP TABLE incidents;
