"""Configuration items shaped like AWS Config's (see awslabs/aws-config-resource-schema and RDK example CIs).

``change_event`` wraps a CI in the Lambda event AWS Config sends for a change-triggered custom rule.
"""
from __future__ import annotations

import datetime
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


# ---------------------------------------------------------------------------------------------------------------
# Items derived from a live describe response, the way AWS Config records the resource
# ---------------------------------------------------------------------------------------------------------------
#
# AWS Config records a resource by describing it and serialising the answer in one of two casings:
#
# * types recorded since the beginning (Lambda functions, IAM roles) through the AWS SDK for Java v1 model
#   objects, so keys are Java bean property names: the leading run of capitals lower-cased
#   (``FunctionName`` -> ``functionName``, ``KMSKeyArn`` -> ``kmskeyArn``, as awslabs/aws-config-resource-schema
#   lists ``configuration.kmskeyArn``), and IAM policy documents URL-encoded;
# * types added through the CloudFormation registry (``AWS::ApiGateway::DomainName``,
#   ``AWS::ApiGatewayV2::DomainName``) with the CloudFormation property names (PascalCase).
#
# Keys of free-form maps (environment variables, tags) are data and keep their spelling.

FREE_FORM = ("Variables", "Tags")  # maps whose keys are user data, not field names (either casing)


def bean_name(key: str) -> str:
    """The Java bean property name Config records for an SDK field (``KMSKeyArn`` -> ``kmskeyArn``)."""
    run = len(key) - len(key.lstrip("ABCDEFGHIJKLMNOPQRSTUVWXYZ"))
    return key[:run].lower() + key[run:]


def _plain(value):
    """JSON-ready: datetimes become the ISO 8601 strings Config records."""
    if isinstance(value, (datetime.datetime, datetime.date)):
        return value.strftime("%Y-%m-%dT%H:%M:%S.000Z")
    return value


def recased(value, name, free_form=FREE_FORM):
    """``value`` with every field name passed through ``name`` (``bean_name`` or ``cfn_name``), recursively."""
    if isinstance(value, dict):
        return {name(k): (dict(v) if name(k) in free_form or k in free_form else recased(v, name, free_form))
                for k, v in value.items() if k != "ResponseMetadata"}
    if isinstance(value, list):
        return [recased(v, name, free_form) for v in value]
    return _plain(value)


def cfn_name(key: str) -> str:
    """The CloudFormation property name for an API field (``securityPolicy`` -> ``SecurityPolicy``)."""
    return key[:1].upper() + key[1:]


def _arn_region(arn: str) -> str:
    return arn.split(":")[3]


def function_from(lambda_client, name: str, status: str = "OK") -> dict:
    """The ``AWS::Lambda::Function`` item Config records for a live function: GetFunction's ``Configuration`` in
    bean casing, ``Concurrency`` (GetFunctionConcurrency) and ``Tags`` as supplementary configuration.
    Config's item has no code signing config ARN; the rule Lambda asks the API for it."""
    response = lambda_client.get_function(FunctionName=name)
    configuration = recased(response["Configuration"], bean_name)
    arn = response["Configuration"]["FunctionArn"]
    tags = dict(response.get("Tags") or {})
    supplementary = {"Tags": tags} if tags else {}
    reserved = lambda_client.get_function_concurrency(FunctionName=name).get("ReservedConcurrentExecutions")
    if reserved is not None:  # absent when the function is unreserved
        supplementary["Concurrency"] = {"reservedConcurrentExecutions": reserved}
    return _item("AWS::Lambda::Function", name, name, arn, configuration, supplementary, tags, status,
                 region=_arn_region(arn))


def role_from(iam_client, name: str, status: str = "OK") -> dict:
    """The ``AWS::IAM::Role`` item Config records for a live role (GetAccountAuthorizationDetails' RoleDetail:
    inline and attached policies, boundary, tags), documents URL-encoded, region ``global``."""
    role = iam_client.get_role(RoleName=name)["Role"]
    inline = [{"PolicyName": policy, "PolicyDocument": _encoded(
        iam_client.get_role_policy(RoleName=name, PolicyName=policy)["PolicyDocument"])}
        for policy in iam_client.list_role_policies(RoleName=name)["PolicyNames"]]
    detail = {
        "Path": role["Path"], "RoleName": role["RoleName"], "RoleId": role["RoleId"], "Arn": role["Arn"],
        "CreateDate": role["CreateDate"], "AssumeRolePolicyDocument": _encoded(role["AssumeRolePolicyDocument"]),
        "InstanceProfileList": [], "RolePolicyList": inline,
        "AttachedManagedPolicies": iam_client.list_attached_role_policies(RoleName=name)["AttachedPolicies"],
        "Tags": role.get("Tags", []),
    }
    if "PermissionsBoundary" in role:
        detail["PermissionsBoundary"] = role["PermissionsBoundary"]
    # Role tags are a key/value list in the RoleDetail, so they are recased like any field: [{"key", "value"}].
    configuration = recased(detail, bean_name, free_form=("Variables",))
    tags = {t["Key"]: t["Value"] for t in role.get("Tags", [])}
    return _item("AWS::IAM::Role", role["RoleId"], name, role["Arn"], configuration, {}, tags, status,
                 region="global")


def rest_domain_from(apigateway_client, name: str, status: str = "OK") -> dict:
    """The ``AWS::ApiGateway::DomainName`` item Config records for a live REST custom domain (CloudFormation
    property names)."""
    domain = apigateway_client.get_domain_name(domainName=name)
    meta = apigateway_client.meta
    arn = f"arn:{meta.partition}:apigateway:{meta.region_name}::/domainnames/{name}"
    tags = dict(domain.get("tags") or {})
    return _item("AWS::ApiGateway::DomainName", name, name, arn, recased(domain, cfn_name), {}, tags, status,
                 region=meta.region_name)


def http_domain_from(apigatewayv2_client, name: str, status: str = "OK") -> dict:
    """The ``AWS::ApiGatewayV2::DomainName`` item Config records for a live HTTP/WebSocket custom domain
    (CloudFormation property names, which the v2 API already uses)."""
    domain = apigatewayv2_client.get_domain_name(DomainName=name)
    meta = apigatewayv2_client.meta
    arn = domain.get("DomainNameArn") or f"arn:{meta.partition}:apigateway:{meta.region_name}::/domainnames/{name}"
    tags = dict(domain.get("Tags") or {})
    configuration = recased({k: v for k, v in domain.items() if k != "DomainNameArn"}, cfn_name)
    return _item("AWS::ApiGatewayV2::DomainName", name, name, arn, configuration, {}, tags, status,
                 region=meta.region_name)


def input_parameters(given: dict) -> dict:
    """Pack-config values as AWS Config InputParameters carry them: every value a string (lists as
    comma-separated values, objects as JSON)."""
    def text(value):
        if isinstance(value, str):
            return value
        if isinstance(value, (list, tuple)):
            return ",".join(str(v) for v in value)
        if isinstance(value, bool):
            return "true" if value else "false"
        if isinstance(value, dict):
            return json.dumps(value)
        return str(value)
    return {key: text(value) for key, value in given.items()}
