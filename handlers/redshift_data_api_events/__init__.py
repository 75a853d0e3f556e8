"""Lambda code of the redshift-data-api-events architecture (post 001#20)."""
