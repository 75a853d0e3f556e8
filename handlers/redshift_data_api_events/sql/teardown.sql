-- The post's delete path: drop what setup.sql created (run when the stack's setup invocation is deleted).
DROP PROCEDURE run_elt_process();
DROP MATERIALIZED VIEW IF EXISTS nyc_yellow_taxi_volume_analysis;
DROP TABLE IF EXISTS nyc_yellow_taxi;
