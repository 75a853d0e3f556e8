"""Lambda handlers for the ``lambda-error-handling`` architecture.

Post: "Implementing AWS Lambda error handling patterns" (seed 002 #10). One order-processing rule, three
invocation models: ``sqs_consumer`` is polled from an SQS queue (failures go back to the queue and, after
``maxReceiveCount`` receives, to the queue's DLQ); ``sns_consumer`` is invoked asynchronously by SNS (failures are
retried by Lambda and then kept by an on-failure destination or the function's own DLQ). Both fail
deterministically on a poisoned message, ``{"pass": false}``, as the post's sample does.
"""
