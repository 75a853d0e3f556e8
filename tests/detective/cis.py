"""Configuration items shaped like AWS Config's (see awslabs/aws-config-resource-schema and RDK example CIs).

``change_event`` wraps a CI in the Lambda event AWS Config sends for a change-triggered custom rule.
"""
from __future__ import annotations

import json
import urllib.parse

ACCOUNT = "123456789012"
REGION = "us-east-1"
CAPTURE = "2026-11-20T10:00:00.000Z"
LAYER = f"arn:aws:lambda:{REGION}:{ACCOUNT}:layer:company-observability"
CSC = f"arn:aws:lambda:{REGION}:{ACCOUNT}:code-signing-config:csc-0123456789abcdef0"
BOUNDARY = f"arn:aws:iam::{ACCOUNT}:policy/governance-boundary"
TAGS = {"team": "payments", "cost-center": "cc-42"}
PARAMS = {
    "lambda-required-layer": {"allowedLayerArns": [LAYER], "minimumLayerVersion": 9},
    "lambda-code-signing": {"allowedCodeSigningConfigArns": [CSC]},
    "iam-permissions-boundary": {"allowedBoundaryArns": [BOUNDARY]},
    "required-tags": {"requiredTags": {"team": [], "cost-center": []}},
}


def _item(resource_type, resource_id, name, arn, configuration, supplementary=None, tags=None,
          status="OK", region=REGION):
    return {
        "configurationItemVersion": "1.3",
        "configurationItemCaptureTime": CAPTURE,
        "configurationStateId": 1700000000000,
        "awsAccountId": ACCOUNT,
        "configurationItemStatus": status,
        "resourceType": resource_type,
        "resourceId": resource_id,
        "resourceName": name,
        "ARN": arn,
        "awsRegion": region,
        "availabilityZone": "Not Applicable",
        "configurationStateMd5Hash": "",
        "tags": dict(TAGS if tags is None else tags),
        "relatedEvents": [],
        "relationships": [],
        "configuration": configuration,
        "supplementaryConfiguration": supplementary or {},
    }


def function(name="orders", layers=(f"{LAYER}:10",), tracing="Active", package_type="Zip", reserved=None,
             tags=None, status="OK", dlq=None):
    arn = f"arn:aws:lambda:{REGION}:{ACCOUNT}:function:{name}"
    configuration = {
        "functionName": name, "functionArn": arn, "runtime": "python3.12",
        "role": f"arn:aws:iam::{ACCOUNT}:role/{name}-role", "handler": "app.handler", "codeSize": 1024,
        "description": "", "timeout": 3, "memorySize": 128, "lastModified": "2026-11-20T09:59:00.000+0000",
        "codeSha256": "abc=", "version": "$LATEST", "vpcConfig": {"subnetIds": [], "securityGroupIds": []},
        "tracingConfig": {"mode": tracing}, "layers": [{"arn": layer, "codeSize": 100} for layer in layers],
        "packageType": package_type, "architectures": ["x86_64"],
        "kmsKeyArn": f"arn:aws:kms:{REGION}:{ACCOUNT}:key/1234abcd-12ab-34cd-56ef-1234567890ab",
    }
    if dlq:
        configuration["deadLetterConfig"] = {"targetArn": dlq}
    supplementary = {"Policy": json.dumps({"Version": "2012-10-17", "Statement": []})}
    if reserved is not None:
        supplementary["Concurrency"] = {"reservedConcurrentExecutions": reserved}
    return _item("AWS::Lambda::Function", name, name, arn, configuration, supplementary, tags, status)


def _encoded(document):
    return urllib.parse.quote(json.dumps(document))  # IAM documents are URL-encoded in role CIs


def role(name="orders-role", boundary=BOUNDARY, path="/", tags=None, inline_actions=("s3:GetObject",)):
    arn = f"arn:aws:iam::{ACCOUNT}:role{path}{name}"
    trust = {"Version": "2012-10-17", "Statement": [
        {"Effect": "Allow", "Principal": {"Service": "lambda.amazonaws.com"}, "Action": "sts:AssumeRole"}]}
    inline = {"Version": "2012-10-17", "Statement": [
        {"Effect": "Allow", "Action": list(inline_actions), "Resource": "*"}]}
    tag_list = [{"key": k, "value": v} for k, v in (TAGS if tags is None else tags).items()]
    configuration = {
        "path": path, "roleName": name, "roleId": "AROAEXAMPLE" + name.upper().replace("-", "")[:10],
        "arn": arn, "createDate": "2026-11-20T09:00:00.000Z", "assumeRolePolicyDocument": _encoded(trust),
        "instanceProfileList": [], "rolePolicyList": [{"policyName": "inline", "policyDocument": _encoded(inline)}],
        "attachedManagedPolicies": [{"policyName": "AWSLambdaBasicExecutionRole",
                                     "policyArn": "arn:aws:iam::aws:policy/service-role/AWSLambdaBasicExecutionRole"}],
        "tags": tag_list,
    }
    if boundary:
        configuration["permissionsBoundary"] = {"permissionsBoundaryType": "Policy", "permissionsBoundaryArn": boundary}
    return _item("AWS::IAM::Role", configuration["roleId"], name, arn, configuration, {}, tags, region="global")


def rest_domain(name="api.example.com", policy="TLS_1_2"):
    configuration = {"DomainName": name, "SecurityPolicy": policy,
                     "EndpointConfiguration": {"Types": ["REGIONAL"]},
                     "RegionalCertificateArn": f"arn:aws:acm:{REGION}:{ACCOUNT}:certificate/abc"}
    return _item("AWS::ApiGateway::DomainName", name, name,
                 f"arn:aws:apigateway:{REGION}::/domainnames/{name}", configuration)


def rest_stage(api_id="a1b2c3", stage="Prod", tracing=True):
    configuration = {"stageName": stage, "deploymentId": "dep1", "tracingEnabled": tracing,
                     "accessLogSettings": {"destinationArn": f"arn:aws:logs:{REGION}:{ACCOUNT}:log-group:access"}}
    arn = f"arn:aws:apigateway:{REGION}::/restapis/{api_id}/stages/{stage}"
    return _item("AWS::ApiGateway::Stage", arn, stage, arn, configuration)


def state_machine(name="saga", tracing=True, level="ALL"):
    arn = f"arn:aws:states:{REGION}:{ACCOUNT}:stateMachine:{name}"
    configuration = {
        "Arn": arn, "StateMachineName": name, "StateMachineType": "STANDARD",
        "RoleArn": f"arn:aws:iam::{ACCOUNT}:role/{name}-role",
        "LoggingConfiguration": {"Level": level, "IncludeExecutionData": True, "Destinations": [
            {"CloudWatchLogsLogGroup": {"LogGroupArn": f"arn:aws:logs:{REGION}:{ACCOUNT}:log-group:/sfn/{name}:*"}}]},
        "TracingConfiguration": {"Enabled": tracing},
    }
    return _item("AWS::StepFunctions::StateMachine", arn, name, arn, configuration)


def queue(name="orders", kms=None, managed_sse="true"):
    arn = f"arn:aws:sqs:{REGION}:{ACCOUNT}:{name}"
    configuration = {"QueueArn": arn, "SqsManagedSseEnabled": managed_sse, "FifoQueue": "false",
                     "RedrivePolicy": json.dumps({"deadLetterTargetArn": arn + "-dlq", "maxReceiveCount": 3})}
    if kms:
        configuration["KmsMasterKeyId"] = kms
    return _item("AWS::SQS::Queue", f"https://sqs.{REGION}.amazonaws.com/{ACCOUNT}/{name}", name, arn, configuration)


def change_event(item, rule_name, parameters=None, left_scope=False, token="token-1"):
    return {
        "invokingEvent": json.dumps({"configurationItem": item, "notificationCreationTime": CAPTURE,
                                     "messageType": "ConfigurationItemChangeNotification",
                                     "recordVersion": "1.3"}),
        "ruleParameters": json.dumps(parameters if parameters is not None else PARAMS.get(rule_name, {})),
        "resultToken": token, "eventLeftScope": left_scope,
        "executionRoleArn": f"arn:aws:iam::{ACCOUNT}:role/config-role",
        "configRuleArn": f"arn:aws:config:{REGION}:{ACCOUNT}:config-rule/config-rule-abc",
        "configRuleName": rule_name, "configRuleId": "config-rule-abc", "accountId": ACCOUNT, "version": "1.0",
    }


def oversized_event(item, rule_name, parameters=None):
    summary = {k: item[k] for k in ("configurationItemCaptureTime", "configurationItemStatus", "resourceType",
                                    "resourceId", "resourceName", "awsRegion", "awsAccountId", "ARN")}
    summary["changeType"] = "UPDATE"
    event = change_event(item, rule_name, parameters)
    event["invokingEvent"] = json.dumps({"configurationItemSummary": summary, "notificationCreationTime": CAPTURE,
                                         "messageType": "OversizedConfigurationItemChangeNotification",
                                         "recordVersion": "1.3"})
    return event


def history_item(item):
    """The same CI as GetResourceConfigHistory returns it (configuration as a JSON string, other key names)."""
    history = {k: v for k, v in item.items() if k not in ("ARN", "awsAccountId", "configurationItemVersion")}
    history.update(arn=item["ARN"], accountId=item["awsAccountId"], version="1.3",
                   configuration=json.dumps(item["configuration"]),
                   supplementaryConfiguration={k: json.dumps(v) for k, v in item["supplementaryConfiguration"].items()})
    return history


def scheduled_event(rule_name, parameters=None, token="token-s"):
    event = change_event({}, rule_name, parameters, token=token)
    event["invokingEvent"] = json.dumps({"awsAccountId": ACCOUNT, "notificationCreationTime": CAPTURE,
                                         "messageType": "ScheduledNotification", "recordVersion": "1.0"})
    return event
