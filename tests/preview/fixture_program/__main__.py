"""A small program for the offline preview's tests: queues, topics, a StackReference, config objects."""
import pulumi
import pulumi_aws as aws

config = pulumi.Config()
platform = pulumi.StackReference(config.require("platformStack"))
settings = config.require_object("settings")  # structured config, as stack files may hold

# Encrypted with the platform key (a StackReference output: known at preview).
aws.sqs.Queue("orders", kms_master_key_id=platform.get_output("kmsKeyArn"), tags={"team": "payments"})
# A key created in this stack: its ARN is unknown at preview.
key = aws.kms.Key("local-key")
aws.sqs.Queue("local", kms_master_key_id=key.arn, tags={"team": "payments"})
# No tag, no key: a mandatory and an advisory violation.
aws.sqs.Queue("bare", visibility_timeout_seconds=settings["visibility"])
aws.sqs.Queue("exempt-legacy", tags={"team": "payments"})
aws.sqs.Queue("expired-legacy", tags={"team": "payments"}, kms_master_key_id="alias/aws/sqs")
topic = aws.sns.Topic("events")
aws.sns.TopicSubscription("events-to-orders", topic=topic.arn, protocol="sqs", endpoint="arn:aws:sqs:us-east-1:123456789012:x")
aws.sns.Topic("lonely")
aws.sns.Topic("muted")
