"""Lambda handler and state machine for the ``batch-job-workflow`` architecture.

Post: "Visualizing AWS Step Functions workflows from the AWS Batch console" (seed 000 #10), its sample
``serverless-batch-job-workflow``. ``generate_batch_jobs`` decides how many Batch jobs to fan out; the state
machine ``batch_fan_out.asl.json`` submits one AWS Batch job per item with ``batch:submitJob.sync`` (a Map state,
at most 3 at a time) and notifies an SNS topic of success or failure.
"""
