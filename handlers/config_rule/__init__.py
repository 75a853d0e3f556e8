"""AWS Config custom rule Lambda for the guardrail catalogue, and the boto3 inventory the audit shares."""
