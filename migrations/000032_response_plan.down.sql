DROP TABLE IF EXISTS response_exercise_actions;
DROP TABLE IF EXISTS response_exercises;
DROP TABLE IF EXISTS response_playbooks;
DROP TABLE IF EXISTS response_plans;
