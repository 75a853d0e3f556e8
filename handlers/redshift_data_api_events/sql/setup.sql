-- The Redshift objects of post 001#20 (its LambdaSetupRedshiftObjects custom resource), run once per deployment
-- as one BatchExecuteStatement transaction: the table the ELT loads, the materialized view it refreshes, and the
-- stored procedure the schedule calls ("call run_elt_process();").
-- {redshift_iam_role_arn}, {source_s3_uri} and {source_region} are filled in by the handler (checked values).
CREATE TABLE IF NOT EXISTS nyc_yellow_taxi
(pickup_date        DATE
, pickup_datetime  TIMESTAMP
, dropoff_datetime TIMESTAMP
, ratecode         SMALLINT
, passenger_count  SMALLINT
, trip_distance    FLOAT4
, fare_amount      FLOAT4
, total_amount     FLOAT4
, payment_type     SMALLINT
, vendorid         VARCHAR(20))
SORTKEY(pickup_date);

DROP MATERIALIZED VIEW IF EXISTS nyc_yellow_taxi_volume_analysis;

CREATE MATERIALIZED VIEW nyc_yellow_taxi_volume_analysis
AS
SELECT
  DATE_TRUNC('mon', pickup_date) pickup_month
, ROUND(AVG(trip_distance), 2) avg_distance
, ROUND(AVG(fare_amount), 2) avg_fare
, COUNT(1) total_trips
, SUM(trip_distance) total_distance_per_month
, SUM(fare_amount) total_fare_per_month
FROM nyc_yellow_taxi
GROUP BY 1;

CREATE OR REPLACE PROCEDURE run_elt_process()
AS $$
BEGIN
  TRUNCATE TABLE nyc_yellow_taxi;
  COPY nyc_yellow_taxi FROM '{source_s3_uri}'
  IAM_ROLE '{redshift_iam_role_arn}'
  REGION '{source_region}' DELIMITER '|';
  REFRESH MATERIALIZED VIEW nyc_yellow_taxi_volume_analysis;
END;
$$ LANGUAGE plpgsql;
