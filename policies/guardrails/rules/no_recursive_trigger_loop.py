"""A function never writes to the queue, topic, bucket or stream that triggers it (a recursive loop)."""
from ..helpers import action_matches, allowed_statements, as_list, identities, known_list, statement_actions
from ..model import (
    Enforcement,
    FunctionFacts,
    Inventory,
    Kind,
    Rule,
    Severity,
    compliant,
    is_unknown,
    non_compliant,
    not_applicable,
    unknown,
)
from ..references import LAMBDA_LOOP_DOCS
from ._lookups import PointerIndex, identity_index, role_of, role_policies

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


def _service(facts):
    return _KIND_SERVICE.get(facts.resource.kind) or _TYPE_SERVICE.get(facts.resource.source_type)


def _resolve(source, inputs, value, inventory):
    found = [f for i in inputs for f in inventory.referenced(source, i)]
    if found or not isinstance(value, str):
        return found
    return list(inventory.index(identity_index).get(value, ()))


# How each kind of trigger names the function it invokes and the resource whose events it delivers.
_TRIGGER_INPUTS = {
    Kind.EVENT_SOURCE_MAPPING: (("functionName",), lambda f: [f.function_name], ("eventSourceArn",),
                                lambda f: f.event_source_arn),
    Kind.S3_NOTIFICATION: (("lambdaFunctions",), lambda f: known_list(f.lambda_function_arns), ("bucket",),
                           lambda f: f.bucket),
    Kind.SNS_SUBSCRIPTION: (("endpoint",), lambda f: [f.endpoint], ("topic",), lambda f: f.topic_arn),
}


def _trigger_inputs(facts):
    entry = _TRIGGER_INPUTS.get(facts.resource.kind)
    if entry is None or (facts.resource.kind == Kind.SNS_SUBSCRIPTION and facts.protocol != "lambda"):
        return None
    inputs, values, _source_inputs, _source_value = entry
    return inputs, values(facts)


class _Triggers:
    """Per inventory: the mappings, notifications and subscriptions by the function they invoke, and what each
    one's source resolves to (the same for every function, so resolved once)."""

    def __init__(self, inventory: Inventory) -> None:
        self.inventory = inventory
        self.pointers = PointerIndex(inventory, _trigger_inputs)
        # id(trigger facts) -> resolved source facts; the inventory keeps every trigger alive, so no id is reused
        self.sources: dict = {}

    def sources_of(self, trigger) -> list:
        found = self.sources.get(id(trigger))
        if found is None:
            _inputs, _values, source_inputs, source_value = _TRIGGER_INPUTS[trigger.resource.kind]
            found = self.sources[id(trigger)] = _resolve(trigger, source_inputs, source_value(trigger),
                                                         self.inventory)
        return found


def triggers(function: FunctionFacts, inventory: Inventory) -> list:
    """The resources whose events invoke ``function``."""
    table = inventory.index(_Triggers)
    found = []
    for facts in table.pointers.pointing_at(function):
        found += table.sources_of(facts)
    return [f for f in found if _service(f)]


def _names_target(resource, target) -> bool:
    if not isinstance(resource, str):
        return False
    if resource == "*":
        return True
    for name in identities(target):
        if resource == name or (name.startswith("arn:") and resource.startswith(name.rstrip("/") + "/")):
            return True
    return False


def evaluate(function: FunctionFacts, _params, inventory: Inventory):
    sources = triggers(function, inventory)
    if not sources:
        return not_applicable("not triggered by a queue, topic, bucket or stream in scope")
    role = role_of(function, inventory)
    if role is None:
        return not_applicable("the execution role is not in scope, so its grants cannot be checked")
    policies = [role] + role_policies(role, inventory)
    loops, missing = [], None
    for source in sources:
        actions = WRITE_ACTIONS[_service(source)]
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
