"""sqs-dlq-replay (post 001#10): replay a DLQ's messages to the main queue with exponential backoff and full
jitter; after the last attempt leave them to the DLQ's redrive, which moves them to the operator queue."""
