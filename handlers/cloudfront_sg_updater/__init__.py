"""Lambda code of the cloudfront-sg-updater architecture (post 001#16)."""
