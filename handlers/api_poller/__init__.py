"""Lambda handlers and state machine for the ``api-poller`` architecture.

Post: "Building an API poller with AWS Step Functions and AWS Lambda" (seed 000 #17). ``POST /jobs`` puts an
event on a custom EventBridge bus; a rule starts the ``PollerWorkflow``, which reads the partner API's
metadata (``prepare_poller_job``), fans out one task per page (Map), saves each page to S3
(``fetch_payload``), enqueues an S3 pointer in SQS and records every task state in DynamoDB (TTL).
``process_payload`` consumes the queue; ``get_job_summary`` answers ``GET /jobs/{jobId}``; ``payload_generator``
is the simulated partner API. The state machine is ``poller_workflow.asl.json``.
"""
