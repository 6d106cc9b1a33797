DROP TABLE measure_considerations;
