"""Lambda code of the ami-tracker architecture (post 001#19)."""
