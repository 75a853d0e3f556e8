"""A function never writes to the queue, topic, bucket or stream that triggers it (a recursive loop)."""
from collections.abc import Iterable, Mapping
from typing import Any, Optional, Union

from ..helpers import action_matches, allowed_statements, as_list, identities, known_list, statement_actions
from ..model import (
    Enforcement,
    EventSourceMappingFacts,
    Facts,
    FunctionFacts,
    Inventory,
    Kind,
    RoleFacts,
    RolePolicyFacts,
    Rule,
    S3NotificationFacts,
    Severity,
    SubscriptionFacts,
    Verdict,
    compliant,
    is_unknown,
    non_compliant,
    not_applicable,
    unknown,
)
from ..references import LAMBDA_LOOP_DOCS
from ._lookups import PointerIndex, Pointers, identity_index, role_of, role_policies

WRITE_ACTIONS = {
    "sqs": ("sqs:SendMessage", "sqs:SendMessageBatch"),
    "sns": ("sns:Publish",),
    "s3": ("s3:PutObject", "s3:CopyObject"),
    "kinesis": ("kinesis:PutRecord", "kinesis:PutRecords"),
    "dynamodb": ("dynamodb:PutItem", "dynamodb:UpdateItem", "dynamodb:BatchWriteItem"),
}
_KIND_SERVICE = {Kind.QUEUE: "sqs", Kind.TOPIC: "sns", Kind.BUCKET: "s3"}
_TYPE_SERVICE = {"aws:kinesis/stream:Stream": "kinesis", "aws:dynamodb/table:Table": "dynamodb",
                 "AWS::Kinesis::Stream": "kinesis", "AWS::DynamoDB::Table": "dynamodb"}


def _service(facts: Facts) -> Optional[str]:
    return _KIND_SERVICE.get(facts.resource.kind) or _TYPE_SERVICE.get(facts.resource.source_type)


def _resolve(source: Facts, inputs: Iterable[str], value: object, inventory: Inventory) -> list[Facts]:
    found = [f for i in inputs for f in inventory.referenced(source, i)]
    if found or not isinstance(value, str):
        return found
    return list(inventory.index(identity_index).get(value, ()))


def _trigger(facts: Facts) -> Optional[tuple[Pointers, tuple[tuple[str, ...], object]]]:
    """How a trigger names the function it invokes (``(inputs, values)``) and the resource whose events it
    delivers (``(inputs, value)``); None for facts that are not a trigger."""
    if isinstance(facts, EventSourceMappingFacts):
        return (("functionName",), [facts.function_name]), (("eventSourceArn",), facts.event_source_arn)
    if isinstance(facts, S3NotificationFacts):
        return (("lambdaFunctions",), known_list(facts.lambda_function_arns)), (("bucket",), facts.bucket)
    if isinstance(facts, SubscriptionFacts) and facts.protocol == "lambda":
        return (("endpoint",), [facts.endpoint]), (("topic",), facts.topic_arn)
    return None


def _trigger_inputs(facts: Facts) -> Optional[Pointers]:
    trigger = _trigger(facts)
    return None if trigger is None else trigger[0]


class _Triggers:
    """Per inventory: the mappings, notifications and subscriptions by the function they invoke, and what each
    one's source resolves to (the same for every function, so resolved once)."""

    def __init__(self, inventory: Inventory) -> None:
        self.inventory = inventory
        self.pointers = PointerIndex(inventory, _trigger_inputs)
        # id(trigger facts) -> resolved source facts; the inventory keeps every trigger alive, so no id is reused
        self.sources: dict[int, list[Facts]] = {}

    def sources_of(self, trigger: Facts) -> list[Facts]:
        found = self.sources.get(id(trigger))
        if found is None:
            how = _trigger(trigger)  # never None: only triggers are in self.pointers
            source_inputs, source_value = how[1] if how is not None else ((), None)
            found = self.sources[id(trigger)] = _resolve(trigger, source_inputs, source_value, self.inventory)
        return found


def triggers(function: FunctionFacts, inventory: Inventory) -> list[tuple[Facts, str]]:
    """The resources whose events invoke ``function``, each with its service (a key of ``WRITE_ACTIONS``)."""
    table = inventory.index(_Triggers)
    found: list[Facts] = []
    for facts in table.pointers.pointing_at(function):
        found += table.sources_of(facts)
    return [(f, service) for f in found if (service := _service(f))]


def _names_target(resource: object, target: Facts) -> bool:
    if not isinstance(resource, str):
        return False
    if resource == "*":
        return True
    for name in identities(target):
        if resource == name or (name.startswith("arn:") and resource.startswith(name.rstrip("/") + "/")):
            return True
    return False


def evaluate(function: FunctionFacts, _params: Mapping[str, Any], inventory: Inventory) -> Verdict:
    sources = triggers(function, inventory)
    if not sources:
        return not_applicable("not triggered by a queue, topic, bucket or stream in scope")
    role = role_of(function, inventory)
    if role is None:
        return not_applicable("the execution role is not in scope, so its grants cannot be checked")
    policies: list[Union[RoleFacts, RolePolicyFacts]] = [role, *role_policies(role, inventory)]
    loops, missing = [], None
    for source, service in sources:
        actions = WRITE_ACTIONS[service]
        for policy in policies:
            mentions = any(source.resource.ref in refs for refs in policy.resource.refs.values())
            if is_unknown(policy.statements):
                if mentions:  # a policy not known yet that names the trigger may grant writes to it
                    missing = policy.statements if missing is None else missing
                continue
            for statement in allowed_statements(policy.statements):
                granted = [a for a in actions if any(action_matches(g, a) for g in statement_actions(statement))]
                resources = as_list(statement.get("Resource"))
                if granted and (any(_names_target(r, source) for r in resources)
                                or (mentions and any(is_unknown(r) for r in resources))):
                    loops.append(f"{granted[0]} on {source.resource.logical_name}")
    if loops:
        shown = "; ".join(sorted(set(loops))[:3])
        return non_compliant(f"triggered by and allowed to write to the same resource ({shown}):"
                             " a recursive loop; write to a different resource")
    if missing is not None:
        return unknown(missing)
    return compliant()


RULE = Rule(
    id="no-recursive-trigger-loop",
    title="Functions do not write to the resource that triggers them",
    severity=Severity.HIGH,
    enforcement=Enforcement.ADVISORY,
    kinds=(Kind.FUNCTION,),
    evaluate=evaluate,
    rationale="A function that writes to its own trigger invokes itself without end, with runaway cost.",
    remediation="Write results to a different queue, topic, bucket (or prefix-filtered notification) or stream.",
    references=(LAMBDA_LOOP_DOCS,),
    scope="stack",
    # What triggers a function and what its role may write to.
    lookups=(Kind.EVENT_SOURCE_MAPPING, Kind.S3_NOTIFICATION, Kind.SNS_SUBSCRIPTION, Kind.QUEUE, Kind.TOPIC,
             Kind.BUCKET, Kind.ROLE),
)
