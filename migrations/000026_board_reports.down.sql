DROP TABLE board_reports;
DROP FUNCTION board_reports_frozen();
