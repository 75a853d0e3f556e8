"""Functions invoked asynchronously (S3, SNS, EventBridge, ...) have an on-failure destination or a DLQ."""
from collections.abc import Mapping
from typing import Any, Optional

from ..helpers import known_list, present
from ..model import (
    Enforcement,
    EventInvokeConfigFacts,
    EventTargetFacts,
    Facts,
    FunctionFacts,
    Inventory,
    Kind,
    PermissionFacts,
    Rule,
    S3NotificationFacts,
    Severity,
    SubscriptionFacts,
    Unknown,
    Verdict,
    compliant,
    is_unknown,
    non_compliant,
    not_applicable,
    unknown,
)
from ..references import SQS_DLQ_POST, cdk_nag, checkov, config, serverless_rules
from ._lookups import PointerIndex, Pointers

# Services that invoke Lambda asynchronously when granted lambda:InvokeFunction.
ASYNC_PRINCIPALS = {"s3.amazonaws.com", "sns.amazonaws.com", "events.amazonaws.com", "logs.amazonaws.com",
                    "ses.amazonaws.com", "iot.amazonaws.com", "codecommit.amazonaws.com", "config.amazonaws.com",
                    "cloudformation.amazonaws.com"}


def _caller_inputs(facts: Facts) -> Optional[Pointers]:
    """``(inputs, values)`` through which ``facts`` may invoke a function asynchronously, else None."""
    if isinstance(facts, EventTargetFacts):
        return ("arn",), [facts.target_arn]
    if isinstance(facts, S3NotificationFacts):
        return ("lambdaFunctions",), known_list(facts.lambda_function_arns)
    if isinstance(facts, SubscriptionFacts) and facts.protocol == "lambda":
        return ("endpoint",), [facts.endpoint]
    if isinstance(facts, PermissionFacts) and facts.principal in ASYNC_PRINCIPALS:
        return ("function",), [facts.function_name]
    return None


def _callers(inventory: Inventory) -> PointerIndex[Facts]:
    return PointerIndex(inventory, _caller_inputs)


def _invoke_configs(inventory: Inventory) -> PointerIndex[EventInvokeConfigFacts]:
    return PointerIndex(inventory.of_kind_as(Kind.EVENT_INVOKE_CONFIG, EventInvokeConfigFacts),
                        lambda c: (("functionName",), [c.function_name]))


def async_callers(function: FunctionFacts, inventory: Inventory) -> list[str]:
    """Names of the resources that invoke ``function`` asynchronously (in inventory order)."""
    return [f"{facts.resource.logical_name} ({facts.principal})" if isinstance(facts, PermissionFacts)
            else facts.resource.logical_name
            for facts in inventory.index(_callers).pointing_at(function)]


def evaluate(function: FunctionFacts, _params: Mapping[str, Any], inventory: Inventory) -> Verdict:
    callers = async_callers(function, inventory)
    if not callers:
        return not_applicable("not invoked asynchronously by any resource in scope")
    configs = inventory.index(_invoke_configs).pointing_at(function)
    undecided: Optional[Unknown] = None
    for invoke_config in configs:
        state = present(invoke_config.on_failure_destination, invoke_config, "destinationConfig")
        if is_unknown(state):
            undecided = state
        elif state:
            return compliant(f"on-failure destination on {invoke_config.resource.logical_name}")
    dlq = present(function.dead_letter_target_arn, function, "deadLetterConfig")
    if is_unknown(dlq):
        undecided = dlq
    elif dlq:
        return compliant("dead-letter queue configured")
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
