"""Record the AWS calls a handler makes in its moto tests, and check each against the deployed role.

An architecture's test module opts in with one line, naming the example stack that deploys it::

    pytestmark = pytest.mark.usefixtures("checked_aws_calls")
    DEPLOYED_STACK = "saga-orchestration-dev"

(and ``from tests.support.aws_calls import checked_aws_calls  # noqa: F401``). While each test runs, every
botocore API call is recorded with the handler module that made it (the outermost ``handlers.<pkg>.<module>``
frame running a function called ``handler``: what Lambda would run). Calls made by the test itself or by moto
(e.g. its Step Functions interpreter running an ASL ``dynamodb:putItem``) have no such frame and are not
recorded; the ASL integrations are checked from the definitions (tests/support/deploy.py).

At teardown each recorded call becomes an IAM request and is decided by the evaluator against the role the
stack gives that handler's function (policy ∩ boundary):

* action: the client's signing name (``monitoring`` -> ``cloudwatch``, ``email`` -> ``ses``) and the operation
  name, with the few operations whose IAM action differs in ``ACTIONS`` (``Invoke`` -> ``lambda:InvokeFunction``,
  ``ListObjectsV2`` -> ``s3:ListBucket`` ...);
* resource: the parameter that names the resource (``TableName``, ``QueueUrl``, ``Bucket``/``Key`` ...). When its
  value came from one of the function's environment variables in the test, the stack's value of that variable
  is substituted and resolved to the stack resource's ARN, so the check is on the ARN the deployed function
  would use. Otherwise (a value from the event, e.g. an ARN passed in) the call is accepted on any resource the
  role's policy grants the action on, and the check is of the action only.

A call made with credentials a handler obtained from ``sts:AssumeRole`` (a cross-account remediation role) is checked
against that role instead, which the stack must deploy (its ARN as the handler built it).

botocore's ``before-call`` event is per client and the handlers create theirs at import (often before the
fixture runs), so the recording wraps ``BaseClient._make_api_call``, which every client goes through.
"""
from __future__ import annotations

import dataclasses
import os
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any, Optional
from unittest.mock import patch

import pytest
from botocore.client import BaseClient

from tests.support import deploy

# Signing names that are not the IAM service prefix.
PREFIXES = {"monitoring": "cloudwatch", "email": "ses"}
# (IAM prefix, operation) -> IAM actions, where the action is not the operation name.
ACTIONS = {
    ("lambda", "Invoke"): ("lambda:InvokeFunction",),
    ("lambda", "InvokeAsync"): ("lambda:InvokeFunction",),
    ("s3", "ListObjectsV2"): ("s3:ListBucket",),
    ("s3", "ListObjects"): ("s3:ListBucket",),
    ("s3", "HeadObject"): ("s3:GetObject",),
    ("s3", "HeadBucket"): ("s3:ListBucket",),
    ("s3", "CopyObject"): ("s3:GetObject", "s3:PutObject"),
    ("s3", "GetBucketLocation"): ("s3:GetBucketLocation",),
    ("s3", "ListBuckets"): ("s3:ListAllMyBuckets",),
    ("s3", "GetPublicAccessBlock"): ("s3:GetBucketPublicAccessBlock",),
    ("s3", "PutPublicAccessBlock"): ("s3:PutBucketPublicAccessBlock",),
    ("s3", "GetBucketNotificationConfiguration"): ("s3:GetBucketNotification",),
    ("lambda", "ListVersionsByFunction"): ("lambda:ListVersionsByFunction",),
    ("sqs", "SendMessageBatch"): ("sqs:SendMessage",),
    ("sqs", "DeleteMessageBatch"): ("sqs:DeleteMessage",),
    ("sqs", "ChangeMessageVisibilityBatch"): ("sqs:ChangeMessageVisibility",),
    ("sns", "PublishBatch"): ("sns:Publish",),
    ("dynamodb", "TransactGetItems"): ("dynamodb:GetItem",),
    ("ses", "SendEmail"): ("ses:SendEmail",),
}
# DynamoDB transactions: each item's own action (AWS authorises a transaction item by item).
TRANSACT_ITEMS = {"Put": "dynamodb:PutItem", "Update": "dynamodb:UpdateItem", "Delete": "dynamodb:DeleteItem",
                  "ConditionCheck": "dynamodb:ConditionCheckItem"}
# The parameter naming the resource, by IAM prefix, in order of preference.
RESOURCE_PARAMS = ("TableName", "QueueUrl", "TopicArn", "TargetArn", "SubscriptionArn", "Bucket",
                   "stateMachineAliasArn", "stateMachineArn", "executionArn", "FunctionName", "Rule", "EventBusName",
                   "ResourceArn", "resourceArn", "PolicyArn", "CodeSigningConfigArn", "UUID", "SecretId", "RoleArn",
                   "BrokerId", "ParameterGroupName", "WorkGroup", "ResourceARN")
# Calls AWS answers for any authenticated principal: no IAM permission exists for them.
ALWAYS_ALLOWED = ("sts:GetCallerIdentity",)
# Request context AWS adds to an action, where grants scope it by condition: one table for handler calls and
# workflow integrations (tests/support/deploy.py).
REQUEST_CONTEXT = deploy.REQUEST_CONTEXT


@dataclass(frozen=True)
class Call:
    handler: str  # the module, e.g. "handlers.saga_orchestration.place_order"
    action: str
    param: Optional[str]  # which parameter names the resource
    value: Optional[str]  # its value in the test
    key: Optional[str]  # S3 object key
    env: tuple  # ((variable, test value), ...) whose value the parameter holds
    # The role whose credentials made the call, when the handler assumed one (sts:AssumeRole) and called with them;
    # None: the function's own role.
    assumed_role: Optional[str] = None


def _handler_module() -> Optional[str]:
    frame, found = sys._getframe(2), None
    while frame is not None:
        module = frame.f_globals.get("__name__", "")
        if module.startswith("handlers.") and frame.f_code.co_name == "handler":
            found = module
        frame = frame.f_back
    return found


def _actions(prefix: str, operation: str, params: dict) -> list:
    if (prefix, operation) == ("dynamodb", "TransactWriteItems"):
        return [(TRANSACT_ITEMS[kind], body.get("TableName")) for item in params.get("TransactItems", [])
                for kind, body in item.items()]
    return [(action, None) for action in ACTIONS.get((prefix, operation), (f"{prefix}:{operation}",))]


def _environment_sources(value: str) -> tuple:
    return tuple(sorted((name, v) for name, v in os.environ.items() if len(v) >= 3 and v in value))


def _apigateway_call(client: BaseClient, operation: str, params: dict, handler: str) -> Call:
    """API Gateway's IAM actions are HTTP methods on resource paths: ``GetApis`` is ``apigateway:GET`` on
    ``arn:aws:apigateway:<region>::/apis``."""
    http = client.meta.service_model.operation_model(operation).http
    path = http["requestUri"].split("?")[0]
    for name, value in params.items():
        path = path.replace("{" + name + "}", str(value)).replace("{" + name[0].lower() + name[1:] + "}", str(value))
    member = {m.serialization.get("name", key): key
              for key, m in client.meta.service_model.operation_model(operation).input_shape.members.items()} \
        if client.meta.service_model.operation_model(operation).input_shape else {}
    for location_name, key in member.items():
        if key in params:
            path = path.replace("{" + location_name + "}", str(params[key]))
    if client.meta.service_model.service_name == "apigatewayv2":
        path = path.removeprefix("/v2")  # IAM names HTTP API resources /apis/..., without the URI's /v2
    arn = f"arn:aws:apigateway:{client.meta.region_name}::{path}"
    return Call(handler, f"apigateway:{http['method']}", "ApiGatewayPath", arn, None, ())


def recorded_calls(client: BaseClient, operation: str, params: dict, handler: str) -> list:
    prefix = PREFIXES.get(client.meta.service_model.signing_name, client.meta.service_model.signing_name)
    if prefix == "apigateway":
        return [_apigateway_call(client, operation, params, handler)]
    calls = []
    for action, table in _actions(prefix, operation, params):
        if action in ALWAYS_ALLOWED:
            continue
        param = "TableName" if table else next((p for p in RESOURCE_PARAMS if isinstance(params.get(p), str)), None)
        value = table or (params[param] if param else None)
        if param == "Rule" and params.get("EventBusName") not in (None, "default"):
            value = f"{params['EventBusName'].rsplit('/', 1)[-1]}/{value}"  # a custom bus's rule: rule/<bus>/<name>
        if param is None and prefix == "events":  # PutEvents names its bus per entry
            buses = {e.get("EventBusName") for e in params.get("Entries", [])}
            if len(buses) == 1 and None not in buses:
                param, value = "EventBusName", buses.pop()
        key = params.get("Key") if prefix == "s3" else None  # DynamoDB's Key is an item key, not a resource
        calls.append(Call(handler, action, param, value, key,
                          _environment_sources(value) if value else ()))
    return calls


@pytest.fixture
def checked_aws_calls(request) -> Iterator[list]:
    """Record the handlers' AWS calls during the test; at teardown, fail on any the deployed role would refuse."""
    stack = getattr(request.module, "DEPLOYED_STACK", None)
    if not stack:
        raise pytest.UsageError(f"{request.module.__name__}: set DEPLOYED_STACK to the example stack that deploys "
                                f"these handlers (e.g. 'saga-orchestration-dev') to use checked_aws_calls")
    calls: list = []
    original = BaseClient._make_api_call
    assumed: dict = {}  # access key id -> the role ARN it was issued for (what a handler's AssumeRole returned)

    def recording(client, operation, params):  # noqa: ANN001, ANN202 (botocore's signature)
        handler = _handler_module()
        if handler is not None:
            role = assumed.get(getattr(client._request_signer._credentials, "access_key", None))
            calls.extend(dataclasses.replace(call, assumed_role=role)
                         for call in recorded_calls(client, operation, params, handler))
        response = original(client, operation, params)
        if handler is not None and operation == "AssumeRole":
            assumed[response["Credentials"]["AccessKeyId"]] = params["RoleArn"]
        return response

    with patch.object(BaseClient, "_make_api_call", recording):
        yield calls
    problems = refused(deploy.stack_facts(stack), calls)
    assert problems == [], f"calls the deployed roles of {stack} would refuse:\n" + "\n".join(problems)


def _function_of(facts: deploy.StackFacts, handler: str) -> tuple:
    for role in facts.roles.values():
        for function in role.functions:
            if str(function.inputs.get("handler", "")).rsplit(".", 1)[0] == handler:
                return role, function
    raise AssertionError(f"{facts.name} deploys no function with handler {handler}.handler")


def requirement(call: Call, function: Any, arns: dict, account: str, region: str) -> deploy.Requirement:
    """The IAM request the deployed function makes for ``call`` (see the module docstring)."""
    environment = (function.inputs.get("environment") or {}).get("variables") or {}
    why = f"{call.handler} calls {call.action}"
    context: tuple = REQUEST_CONTEXT.get(call.action, ())
    if call.param == "stateMachineAliasArn":
        # Authorised on the state machine ARN, with the alias name as the qualifier ("Authorization for versions
        # and aliases"): the alias name is the same in the test and the stack.
        context = (("states:StateMachineQualifier", call.value.rsplit(":", 1)[1]),)
    sources = [(name, test_value) for name, test_value in call.env if name in environment]
    if not sources or call.value is None:
        return deploy.Requirement(call.action, None, why, context)
    name, test_value = max(sources, key=lambda source: len(source[1]))
    value = call.value.replace(test_value, str(environment[name]))
    why += f" ({call.param} from ${name})"
    if call.param == "stateMachineAliasArn":
        value = value.rsplit(":", 1)[0]
    arn = arns.get(value) or resource_arn(call.param, value, account, region)
    if call.param == "Bucket":
        arn = f"{arn}/{call.key}" if call.key and call.action != "s3:ListBucket" else arn
    return deploy.Requirement(call.action, arn, why, context)


def resource_arn(param: str, value: str, account: str, region: str) -> str:
    if value.startswith("arn:"):
        return value
    if param == "TableName":
        return f"arn:aws:dynamodb:{region}:{account}:table/{value}"
    if param == "QueueUrl":
        return deploy.queue_arn(value)
    if param == "Bucket":
        return f"arn:aws:s3:::{value}"
    if param == "FunctionName":
        return f"arn:aws:lambda:{region}:{account}:function:{value}"
    if param == "EventBusName":
        return f"arn:aws:events:{region}:{account}:event-bus/{value}"
    if param == "Rule":
        return f"arn:aws:events:{region}:{account}:rule/{value}"
    if param == "UUID":  # an event source mapping
        return f"arn:aws:lambda:{region}:{account}:event-source-mapping:{value}"
    if param == "BrokerId":  # an Amazon MQ broker: broker:<name>:<id>, and the call names no name
        return f"arn:aws:mq:{region}:{account}:broker:*:{value}"
    if param == "ParameterGroupName":  # a Redshift cluster parameter group
        return f"arn:aws:redshift:{region}:{account}:parametergroup:{value}"
    if param == "WorkGroup":  # an Athena workgroup
        return f"arn:aws:athena:{region}:{account}:workgroup/{value}"
    raise AssertionError(f"no ARN format for {param}={value!r}; add it to tests.support.aws_calls._arn")


def refused(facts: deploy.StackFacts, calls: list) -> list[str]:
    """Every recorded call the stack's role for its handler would refuse, with the evaluator's reason."""
    arns = facts.arns()
    problems = []
    for call in dict.fromkeys(calls):
        if call.assumed_role is not None:  # checked against the assumed role, which the stack must deploy
            if call.assumed_role not in facts.roles:
                problems.append(f"{call.action} ({call.handler}) with the credentials of {call.assumed_role}: "
                                f"{facts.name} deploys no such role")
                continue
            resource = call.value if call.value and call.value.startswith("arn:") else None
            problems += deploy.missing(facts.roles[call.assumed_role], [deploy.Requirement(
                call.action, resource, f"{call.handler} calls {call.action} as {call.assumed_role}")])
            continue
        role, function = _function_of(facts, call.handler)
        problems += deploy.missing(role, [requirement(call, function, arns, facts.account, facts.region)])
    return sorted(set(problems))
