"""Lambda handlers, state machine and Glue script of the ``satellite-timeseries`` architecture (post 002#9,
"Extract time series from satellite weather data with AWS Lambda").

A year of EUMETSAT MSG MDSSFTD netCDF files lies in S3 under ``MSG/MDSSFTD/NETCDF/YYYY/MM/DD/`` (96 files a day).
The workflow ``extract_time_series.asl.json`` asks ``generate_dates`` for the days, then a Distributed Map runs
``process_day`` once per day: it extracts the 100 points of every file of that day into one Parquet file,
``output/intermediate/<YYYYMMDD>.parquet``. The Glue job ``repartition_job.py`` rewrites the daily files as one
Parquet dataset partitioned by ``point_id`` (``output/final/point_id=<n>/``).

Pure logic (the points, the grid lookup, the rows and the keys) is in ``extraction``; the file formats (netCDF in,
Parquet out) are behind the small reader/writer in ``formats``.
"""
