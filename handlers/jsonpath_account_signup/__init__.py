"""Lambda handlers and state machine for the ``jsonpath-account-signup`` architecture.

Post: "Using JSONPath effectively in AWS Step Functions" (seed 000 #12). An insurance new-account sign-up
workflow verifies the applicant's identity and address in parallel (two Lambda functions), then records the
account in DynamoDB, queues the home-insurance interests in SQS and notifies the applicant through SNS, or
sends a denial. The state machine is ``account_signup.asl.json``.
"""
