"""Functions invoked asynchronously (S3, SNS, EventBridge, ...) have an on-failure destination or a DLQ."""
from ..helpers import known_list, present
from ..model import (
    Enforcement,
    FunctionFacts,
    Inventory,
    Kind,
    Rule,
    Severity,
    compliant,
    non_compliant,
    not_applicable,
    unknown,
)
from ..references import SQS_DLQ_POST, cdk_nag, checkov, config, serverless_rules
from ._lookups import PointerIndex

# Services that invoke Lambda asynchronously when granted lambda:InvokeFunction.
ASYNC_PRINCIPALS = {"s3.amazonaws.com", "sns.amazonaws.com", "events.amazonaws.com", "logs.amazonaws.com",
                    "ses.amazonaws.com", "iot.amazonaws.com", "codecommit.amazonaws.com", "config.amazonaws.com",
                    "cloudformation.amazonaws.com"}


def _caller_inputs(facts):
    """``(inputs, values)`` through which ``facts`` may invoke a function asynchronously, else None."""
    kind = facts.resource.kind
    if kind == Kind.EVENT_TARGET:
        return ("arn",), [facts.target_arn]
    if kind == Kind.S3_NOTIFICATION:
        return ("lambdaFunctions",), known_list(facts.lambda_function_arns)
    if kind == Kind.SNS_SUBSCRIPTION and facts.protocol == "lambda":
        return ("endpoint",), [facts.endpoint]
    if kind == Kind.PERMISSION and facts.principal in ASYNC_PRINCIPALS:
        return ("function",), [facts.function_name]
    return None


def _callers(inventory: Inventory) -> PointerIndex:
    return PointerIndex(inventory, _caller_inputs)


def _invoke_configs(inventory: Inventory) -> PointerIndex:
    return PointerIndex(inventory.of_kind(Kind.EVENT_INVOKE_CONFIG), lambda c: (("functionName",), [c.function_name]))


def async_callers(function: FunctionFacts, inventory: Inventory) -> list:
    """Names of the resources that invoke ``function`` asynchronously (in inventory order)."""
    return [f"{facts.resource.logical_name} ({facts.principal})" if facts.resource.kind == Kind.PERMISSION
            else facts.resource.logical_name
            for facts in inventory.index(_callers).pointing_at(function)]


def evaluate(function: FunctionFacts, _params, inventory: Inventory):
    callers = async_callers(function, inventory)
    if not callers:
        return not_applicable("not invoked asynchronously by any resource in scope")
    configs = inventory.index(_invoke_configs).pointing_at(function)
    undecided = None
    for invoke_config in configs:
        state = present(invoke_config.on_failure_destination, invoke_config, "destinationConfig")
        if state:
            return compliant(f"on-failure destination on {invoke_config.resource.logical_name}")
        if state is None:
            undecided = invoke_config.on_failure_destination
    dlq = present(function.dead_letter_target_arn, function, "deadLetterConfig")
    if dlq:
        return compliant("dead-letter queue configured")
    if dlq is None:
        undecided = function.dead_letter_target_arn
    if undecided is not None:
        return unknown(undecided)
    return non_compliant(f"invoked asynchronously by {', '.join(callers[:3])} but has no on-failure destination "
                         "or dead-letter queue; failed events are dropped after retries")


RULE = Rule(
    id="lambda-async-failure-destination",
    title="Asynchronously invoked functions have an on-failure destination",
    severity=Severity.MEDIUM,
    enforcement=Enforcement.ADVISORY,
    kinds=(Kind.FUNCTION,),
    evaluate=evaluate,
    rationale="Lambda retries an async event twice and then drops it unless a destination or DLQ keeps it.",
    remediation="Add a FunctionEventInvokeConfig with destinationConfig.onFailure (SQS, SNS, EventBridge or "
                "Lambda), or a deadLetterConfig on the function.",
    references=(SQS_DLQ_POST, serverless_rules("ES1007"), cdk_nag("LambdaAsyncFailureDestination"),
                config("LAMBDA_DLQ_CHECK"), checkov("CKV_AWS_116")),
    scope="stack",
    lookups=(Kind.EVENT_TARGET, Kind.S3_NOTIFICATION, Kind.SNS_SUBSCRIPTION, Kind.PERMISSION,
             Kind.EVENT_INVOKE_CONFIG),  # its asynchronous callers and its on-failure destinations
)
