DROP TABLE training_records;
DROP TABLE board_appointments;
