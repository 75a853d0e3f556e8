"""Lambda handlers and state machine for the ``sync-express-form`` architecture.

Post: "New Synchronous Express Workflows for AWS Step Functions" (seed 001 #11). A contact form POSTs to an HTTP
API that starts a Synchronous Express workflow: Amazon Comprehend scores the message's sentiment, a Lambda
generates a case reference number, the submission is recorded in DynamoDB, and a negative message emails the
administrator through Amazon SES. The API returns the workflow output (sentiment and ``ticketId``).
The state machine is ``form_workflow.asl.json``.
"""
