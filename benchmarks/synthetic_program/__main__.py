"""A synthetic program for the preview benchmark: ``resources`` resources in groups of five that every
mandatory rule looks at (role, function, log group, queue, state machine), built like the governed blocks build
them (boundary, layers, code signing, tracing, tags), so the pack does its full work on each one."""
import json

import pulumi
import pulumi_aws as aws

config = pulumi.Config()
count = config.require_int("resources")
gov = config.require_object("governance")
tags = gov["tags"]
CODE = pulumi.AssetArchive({"index.py": pulumi.StringAsset("def handler(event, context):\n    return event\n")})
TRUST = json.dumps({"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "sts:AssumeRole",
                                                            "Principal": {"Service": "lambda.amazonaws.com"}}]})
DEFINITION = json.dumps({"StartAt": "Done", "States": {"Done": {"Type": "Pass", "End": True}}})

kinds = ("role", "function", "logs", "queue", "machine")
role: aws.iam.Role  # each group's role: made first in the group, used by its function and state machine
for i in range(count):
    kind, n = kinds[i % len(kinds)], i // len(kinds)
    if kind == "role":
        role = aws.iam.Role(f"role-{n}", assume_role_policy=TRUST, permissions_boundary=gov["boundary"], tags=tags)
    elif kind == "function":
        aws.lambda_.Function(
            f"fn-{n}", runtime="python3.12", handler="index.handler", role=role.arn, code=CODE,
            layers=gov["layers"], code_signing_config_arn=gov["csc"], reserved_concurrent_executions=5,
            tracing_config=aws.lambda_.FunctionTracingConfigArgs(mode="Active"), kms_key_arn=gov["kms"], tags=tags)
    elif kind == "logs":
        aws.cloudwatch.LogGroup(f"logs-{n}", retention_in_days=30, kms_key_id=gov["kms"], tags=tags)
    elif kind == "queue":
        aws.sqs.Queue(f"queue-{n}", kms_master_key_id=gov["kms"], tags=tags,
                      redrive_policy=json.dumps({"deadLetterTargetArn": gov["dlq"], "maxReceiveCount": 3}))
    else:
        aws.sfn.StateMachine(
            f"machine-{n}", role_arn=role.arn, definition=DEFINITION, tags=tags,
            tracing_configuration=aws.sfn.StateMachineTracingConfigurationArgs(enabled=True),
            logging_configuration=aws.sfn.StateMachineLoggingConfigurationArgs(
                level="ALL", include_execution_data=True, log_destination=f"{gov['logGroupArn']}:*"))
