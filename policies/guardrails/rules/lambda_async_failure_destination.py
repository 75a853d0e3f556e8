"""Functions invoked asynchronously (S3, SNS, EventBridge, ...) have an on-failure destination or a DLQ."""
from ..helpers import known_list, points_at, present
from ..model import (Enforcement, FunctionFacts, Inventory, Kind, Rule, Severity, compliant, non_compliant,
                     not_applicable, unknown)
from ..references import SQS_DLQ_POST, cdk_nag, checkov, config, serverless_rules

# Services that invoke Lambda asynchronously when granted lambda:InvokeFunction.
ASYNC_PRINCIPALS = {"s3.amazonaws.com", "sns.amazonaws.com", "events.amazonaws.com", "logs.amazonaws.com",
                    "ses.amazonaws.com", "iot.amazonaws.com", "codecommit.amazonaws.com", "config.amazonaws.com",
                    "cloudformation.amazonaws.com"}


def async_callers(function: FunctionFacts, inventory: Inventory) -> list:
    """Names of the resources that invoke ``function`` asynchronously."""
    callers = []
    for facts in inventory:
        kind = facts.resource.kind
        if kind == Kind.EVENT_TARGET and points_at(facts, function, ("arn",), [facts.target_arn]):
            callers.append(facts.resource.logical_name)
        elif kind == Kind.S3_NOTIFICATION and points_at(facts, function, ("lambdaFunctions",),
                                                        known_list(facts.lambda_function_arns)):
            callers.append(facts.resource.logical_name)
        elif kind == Kind.SNS_SUBSCRIPTION and facts.protocol == "lambda" and points_at(
                facts, function, ("endpoint",), [facts.endpoint]):
            callers.append(facts.resource.logical_name)
        elif kind == Kind.PERMISSION and facts.principal in ASYNC_PRINCIPALS and points_at(
                facts, function, ("function",), [facts.function_name]):
            callers.append(f"{facts.resource.logical_name} ({facts.principal})")
    return callers


def evaluate(function: FunctionFacts, _params, inventory: Inventory):
    callers = async_callers(function, inventory)
    if not callers:
        return not_applicable("not invoked asynchronously by any resource in scope")
    configs = [c for c in inventory.of_kind(Kind.EVENT_INVOKE_CONFIG)
               if points_at(c, function, ("functionName",), [c.function_name])]
    undecided = None
    for config in configs:
        state = present(config.on_failure_destination, config, "destinationConfig")
        if state:
            return compliant(f"on-failure destination on {config.resource.logical_name}")
        if state is None:
            undecided = config.on_failure_destination
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
)
