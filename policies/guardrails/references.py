"""The posts and peer tools the rules cite, so each rule names its sources the same way."""
from .model import Reference

GOVERNANCE_POST = Reference(
    "seed 000#15", "Operating serverless at scale: Implementing governance - Part 1",
    "https://aws.amazon.com/blogs/compute/operating-serverless-at-scale-implementing-governance-part-1/",
)
CONSISTENCY_POST = Reference(
    "seed 000#13", "Operating serverless at scale: Improving consistency - Part 2",
    "https://aws.amazon.com/blogs/compute/operating-serverless-at-scale-improving-consistency-part-2/",
)
CODE_SIGNING_POST = Reference(
    "seed 001#14", "New - Code Signing, a Trust and Integrity Control for AWS Lambda",
    "https://aws.amazon.com/blogs/aws/new-code-signing-a-trust-and-integrity-control-for-aws-lambda/",
)
SQS_DLQ_POST = Reference(
    "seed 001#10", "Using Amazon SQS dead-letter queues to replay messages",
    "https://aws.amazon.com/blogs/compute/using-amazon-sqs-dead-letter-queues-to-replay-messages/",
)
LAMBDA_LOOP_DOCS = Reference(
    "AWS docs", "Lambda recursive loop detection",
    "https://docs.aws.amazon.com/lambda/latest/dg/invocation-recursion.html",
)
IMAGEBUILDER_IMDS_DOCS = Reference(
    "AWS docs", "Image Builder InstanceMetadataOptions",
    "https://docs.aws.amazon.com/imagebuilder/latest/APIReference/API_InstanceMetadataOptions.html",
)


def config(rule_id: str) -> Reference:
    # AWS's page for managed rule SNS_ENCRYPTED_KMS is .../developerguide/sns-encrypted-kms.html.
    page = rule_id.lower().replace("_", "-")
    return Reference("AWS Config", rule_id, f"https://docs.aws.amazon.com/config/latest/developerguide/{page}.html")


def security_hub(control: str) -> Reference:
    return Reference("Security Hub", control)


def checkov(check: str) -> Reference:
    return Reference("Checkov", check)


def serverless_rules(rule: str) -> Reference:
    return Reference("serverless-rules", rule)


def cdk_nag(rule: str) -> Reference:
    return Reference("cdk-nag", rule)


#: The AWS documentation page a rule without a peer equivalent cites.
SCHEDULER_DLQ_DOCS = Reference(
    "AWS docs", "Configuring a schedule's dead-letter queue in EventBridge Scheduler",
    "https://docs.aws.amazon.com/scheduler/latest/UserGuide/configuring-schedule-dlq.html",
)
PIPES_LOGGING_DOCS = Reference(
    "AWS docs", "Logging and monitoring Amazon EventBridge Pipes",
    "https://docs.aws.amazon.com/eventbridge/latest/userguide/eb-pipes-logs.html",
)
PIPES_FAILURE_DOCS = Reference(
    "AWS docs", "Error handling and troubleshooting in Amazon EventBridge Pipes",
    "https://docs.aws.amazon.com/eventbridge/latest/userguide/eb-pipes-error-troubleshooting.html",
)
API_DESTINATION_DOCS = Reference(
    "AWS docs", "API destinations as targets in Amazon EventBridge",
    "https://docs.aws.amazon.com/eventbridge/latest/userguide/eb-api-destinations.html",
)
CONNECTION_ENCRYPTION_DOCS = Reference(
    "AWS docs", "Encrypting EventBridge connection authorization with AWS KMS keys",
    "https://docs.aws.amazon.com/eventbridge/latest/userguide/encryption-connections.html",
)
SLACK_APP_POST = Reference(
    "seed 002#15", "Developing a serverless Slack app using AWS Step Functions and AWS Lambda",
    "https://aws.amazon.com/blogs/compute/developing-a-serverless-slack-app-using-aws-step-functions-and-aws-lambda/",
)
TRANSFER_LOGGING_DOCS = Reference(
    "AWS docs", "Amazon CloudWatch logging for AWS Transfer Family servers",
    "https://docs.aws.amazon.com/transfer/latest/userguide/structured-logging.html",
)
MWAA_ACCESS_MODES_DOCS = Reference(
    "AWS docs", "Apache Airflow access modes (Amazon MWAA)",
    "https://docs.aws.amazon.com/mwaa/latest/userguide/configuring-networking.html")
MWAA_CMK_DOCS = Reference(
    "AWS docs", "Using customer managed keys for encryption (Amazon MWAA)",
    "https://docs.aws.amazon.com/mwaa/latest/userguide/custom-keys-certs.html")
FILE_SHARING_POST = Reference(
    "seed 002#6", "Enhancing file sharing using Amazon S3 and AWS Step Functions",
    "https://aws.amazon.com/blogs/compute/enhancing-file-sharing-using-amazon-s3-and-aws-step-functions/",
)


def control_tower(control: str) -> Reference:
    return Reference("Control Tower", control)
