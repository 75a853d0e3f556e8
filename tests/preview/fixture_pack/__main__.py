"""A small, real policy pack used to test the offline preview's protocol driving (not the guardrails).

It follows the conventions of policies/pack.py: an exemption is not-applicable with a reason starting
"exempted (", an expired exemption is a violation starting "expired exemption: ", a stack policy lists its
exempted subjects in one not-applicable note ("<urn>: exempted (...); ..."). An unknown value takes the
runtime's own path (UnknownValueError -> "can't run policy ... during preview: ..." advisory).
"""
from pulumi_policy import (
    EnforcementLevel,
    PolicyConfigSchema,
    PolicyPack,
    ResourceValidationPolicy,
    Severity,
    StackValidationPolicy,
)

QUEUE = "aws:sqs/queue:Queue"
TOPIC = "aws:sns/topic:Topic"
SUBSCRIPTION = "aws:sns/topicSubscription:TopicSubscription"


def required_tag(args, report_violation):
    if args.resource_type != QUEUE:
        return
    tag = args.get_config()["requiredTag"]
    default_tags = {}
    if args.provider is not None and "defaultTags" in args.provider.props:
        import json
        default_tags = json.loads(args.provider.props["defaultTags"]).get("tags", {})
    tags = {**default_tags, **(args.props.get("tags") or {})}
    if tag not in tags:
        report_violation(f"queue {args.name} has no '{tag}' tag")


def queue_kms(args, report_violation):
    if args.resource_type != QUEUE:
        return
    if args.name.startswith("exempt-"):
        args.not_applicable("exempted (name=exempt-*) until 2999-01-01: legacy queue (OPS-1)")
    if args.name.startswith("expired-"):
        report_violation("expired exemption: exempted (name=expired-*) until 2020-01-01: legacy queue")
        return
    key = args.props.get("kmsMasterKeyId")  # unknown at preview for a key created in the stack: raises
    if not key:
        report_violation(f"queue {args.name} is not encrypted with a KMS key")


def topic_subscribed(args, report_violation):
    subscribed = set()
    for r in args.resources:
        if r.resource_type == SUBSCRIPTION:
            subscribed.update(dep.urn for dep in r.property_dependencies.get("topic", []))
    skipped = []
    for r in args.resources:
        if r.resource_type == TOPIC and r.urn not in subscribed:
            if r.name == "muted":
                skipped.append(f"{r.urn}: exempted (name=muted) until 2999-01-01: audit topic, read by hand")
            else:
                report_violation(f"topic {r.name} has no subscription", r.urn)
    if skipped:
        args.not_applicable("; ".join(skipped))


PolicyPack(
    name="fixture-pack",
    enforcement_level=EnforcementLevel.ADVISORY,
    policies=[
        ResourceValidationPolicy(
            name="fixture-required-tag", description="Queues carry the required tag.", validate=required_tag,
            enforcement_level=EnforcementLevel.MANDATORY, severity=Severity.HIGH,
            config_schema=PolicyConfigSchema(properties={"requiredTag": {"type": "string", "default": "team"}}),
        ),
        ResourceValidationPolicy(
            name="fixture-queue-kms", description="Queues are encrypted with KMS.", validate=queue_kms,
            severity=Severity.MEDIUM,
        ),
        StackValidationPolicy(
            name="fixture-topic-subscribed", description="Every topic has a subscriber.", validate=topic_subscribed,
            enforcement_level=EnforcementLevel.MANDATORY, severity=Severity.LOW,
        ),
    ],
)
