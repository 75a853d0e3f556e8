"""GovernedEventRule: the rule, a role per target that needs one, one DLQ only this rule may send to, and a DLQ +
bounded retries on every target; exact properties under Pulumi mocks, every policy checked by parliament."""
import json

import pulumi
import pytest

from components.governance import Governance
from components.governed._overrides import GovernanceError
from components.governed.events import EventRuleArgs, GovernedEventRule, RuleTarget
from components.governed.role import statement
from tests.support.iam import serious_findings_by_policy
from tools.offline_engine import by_type, one, run_program

GOV = Governance.for_tests()
ARN = "arn:aws:{}:us-east-1:123456789012:{}"
MACHINE = ARN.format("states", "stateMachine:orders-workflow")
FUNCTION = ARN.format("lambda", "function:audit")
RULE_ARN = ARN.format("events", "rule/orders-placed")
DLQ_ARN = ARN.format("sqs", "orders-placed-dlq")
RULE = "aws:cloudwatch/eventRule:EventRule"
TARGET = "aws:cloudwatch/eventTarget:EventTarget"
START = statement(["states:StartExecution"], [MACHINE], sid="StartWorkflow")
PATTERN = {"source": ["shop.orders"], "detail-type": ["OrderPlaced"]}
DEFAULT_DELIVERY = {"deadLetterConfig": {"arn": DLQ_ARN},
                    "retryPolicy": {"maximumRetryAttempts": 3, "maximumEventAgeInSeconds": 3600}}


def build(args: EventRuleArgs, holder: dict | None = None):
    def program():
        block = GovernedEventRule("orders-placed", args, governance=GOV)
        if holder is not None:
            holder["block"] = block
    return run_program(program)


def pattern_rule(**changes) -> EventRuleArgs:
    values = dict(event_pattern=PATTERN, event_bus_name="orders-bus", description="Start the order workflow",
                  targets=[RuleTarget(arn=MACHINE, statements=[START], name="workflow")])
    return EventRuleArgs(**{**values, **changes})


def test_pattern_rule_on_a_bus_with_a_role_target_and_a_rule_only_dlq():
    holder = {}
    resources = build(pattern_rule(), holder)
    component = one(resources, "serverless-governance:governed:EventRule", "orders-placed")
    assert sorted((r.type, r.name) for r in resources if r.parent == component.urn) == [
        (RULE, "orders-placed"),
        (TARGET, "orders-placed-workflow"),
        ("serverless-governance:governed:Queue", "orders-placed-dlq"),
        ("serverless-governance:governed:Role", "orders-placed-workflow-role"),
    ]
    assert one(resources, RULE).inputs == {
        "eventBusName": "orders-bus", "description": "Start the order workflow", "state": "ENABLED",
        "eventPattern": '{"source": ["shop.orders"], "detail-type": ["OrderPlaced"]}'}

    rule_name = one(resources, RULE).outputs["name"]  # the provider's auto-name
    target = one(resources, TARGET)
    assert target.inputs == {
        "rule": rule_name, "eventBusName": "orders-bus", "arn": MACHINE,
        "roleArn": "arn:aws:iam::123456789012:role/orders-placed-workflow-role", **DEFAULT_DELIVERY}
    # Delivered only once the role's grant exists.
    assert one(resources, "aws:iam/rolePolicy:RolePolicy").urn in target.dependencies

    role = one(resources, "aws:iam/role:Role").inputs
    assert json.loads(role["assumeRolePolicy"])["Statement"] == [
        {"Effect": "Allow", "Principal": {"Service": ["events.amazonaws.com"]}, "Action": "sts:AssumeRole"}]
    assert role["permissionsBoundary"] == GOV.permissions_boundary_arn
    assert json.loads(one(resources, "aws:iam/rolePolicy:RolePolicy").inputs["policy"]) == {
        "Version": "2012-10-17", "Statement": [START]}

    dlq = one(resources, "aws:sqs/queue:Queue").inputs
    assert (dlq["messageRetentionSeconds"], dlq["sqsManagedSseEnabled"], dlq["tags"]) == (
        1209600, True, {"governance:dlq": "true"})
    assert "redrivePolicy" not in dlq  # a DLQ has no DLQ of its own
    assert json.loads(one(resources, "aws:sqs/queuePolicy:QueuePolicy").inputs["policy"])["Statement"][1] == {
        "Sid": "AllowServiceSend", "Effect": "Allow", "Principal": {"Service": "events.amazonaws.com"},
        "Action": "sqs:SendMessage", "Resource": DLQ_ARN, "Condition": {"ArnEquals": {"aws:SourceArn": [RULE_ARN]}}}

    block = holder["block"]
    assert len(block.targets) == 1 and isinstance(block.targets[0], pulumi.CustomResource)
    assert block.roles[0] is not None and isinstance(block.dlq.queue, pulumi.CustomResource)


def test_schedule_rule_disabled_on_the_default_bus():
    resources = build(EventRuleArgs(schedule_expression="rate(1 hour)", enabled=False,
                                    targets=[RuleTarget(arn=MACHINE, statements=[START])]))
    rule = one(resources, RULE)
    assert rule.inputs == {"scheduleExpression": "rate(1 hour)", "state": "DISABLED"}
    # No bus named: rule and target use the default bus; an unnamed target is "target-<index>".
    assert one(resources, TARGET, "orders-placed-target-0").inputs == {
        "rule": rule.outputs["name"], "arn": MACHINE,
        "roleArn": "arn:aws:iam::123456789012:role/orders-placed-target-0-role", **DEFAULT_DELIVERY}


def test_resource_policy_targets_get_no_role_and_every_target_shares_the_dlq():
    holder = {}
    resources = build(pattern_rule(targets=[
        RuleTarget(arn=MACHINE, statements=[START], name="workflow", input='{"kind": "order"}'),
        RuleTarget(arn=FUNCTION, name="audit", maximum_retry_attempts=0, maximum_event_age_seconds=60,
                   input_transformer={"input_paths": {"id": "$.detail.id"}, "input_template": '{"id": <id>}'}),
    ]), holder)
    targets = {t.name: t.inputs for t in by_type(resources, TARGET)}
    assert targets["orders-placed-workflow"]["input"] == '{"kind": "order"}'
    assert targets["orders-placed-audit"] == {
        "rule": one(resources, RULE).outputs["name"], "eventBusName": "orders-bus", "arn": FUNCTION,
        "inputTransformer": {"inputPaths": {"id": "$.detail.id"}, "inputTemplate": '{"id": <id>}'},
        "deadLetterConfig": {"arn": DLQ_ARN},
        "retryPolicy": {"maximumRetryAttempts": 0, "maximumEventAgeInSeconds": 60}}
    assert [r.name for r in by_type(resources, "aws:iam/role:Role")] == ["orders-placed-workflow-role"]
    assert [q.name for q in by_type(resources, "aws:sqs/queue:Queue")] == ["orders-placed-dlq"]
    assert holder["block"].roles[1] is None


def test_pattern_may_name_resources_of_the_same_stack():
    def program():
        bucket = pulumi.Output.from_input("uploads-bucket")
        GovernedEventRule("uploads", EventRuleArgs(
            event_pattern={"source": ["aws.s3"], "detail": {"bucket": {"name": [bucket]}}},
            targets=[RuleTarget(arn=MACHINE, statements=[START])]), governance=GOV)

    rule = one(run_program(program), RULE).inputs
    assert json.loads(rule["eventPattern"]) == {"source": ["aws.s3"], "detail": {"bucket": {"name": ["uploads-bucket"]}}}


def test_every_policy_passes_parliament():
    resources = build(pattern_rule(targets=[
        RuleTarget(arn=MACHINE, statements=[START], name="workflow"),
        RuleTarget(arn=ARN.format("kinesis", "stream/orders"), name="stream",
                   statements=[statement(["kinesis:PutRecord"], [ARN.format("kinesis", "stream/orders")])]),
    ]))
    role_policies = by_type(resources, "aws:iam/rolePolicy:RolePolicy")
    assert sorted(p.name for p in role_policies) == ["orders-placed-stream-role-policy",
                                                     "orders-placed-workflow-role-policy"]
    # Role policies, and the DLQ's resource policy (a Principal-bearing document parliament also reads).
    assert serious_findings_by_policy([*role_policies, *by_type(resources, "aws:sqs/queuePolicy:QueuePolicy")]) == {}


@pytest.mark.parametrize("args, message", [
    (pattern_rule(schedule_expression="rate(1 hour)", event_bus_name=None),
     "give exactly one of event_pattern and schedule_expression, got both"),
    (pattern_rule(event_pattern=None), "give exactly one of event_pattern and schedule_expression, got neither"),
    (pattern_rule(event_pattern={}), "event_pattern {} must be a non-empty dict"),
    (pattern_rule(event_pattern=None, schedule_expression="hourly", event_bus_name=None),
     "schedule_expression 'hourly' must be 'rate(...)' or 'cron(...)'"),
    (pattern_rule(event_pattern=None, schedule_expression="rate(5 minutes)"),
     "schedule_expression needs the default event bus; event_bus_name 'orders-bus' must be None"),
    (pattern_rule(enabled="false"), "enabled 'false' must be True or False"),
    (pattern_rule(targets=[]), "targets must name at least one RuleTarget"),
    (pattern_rule(targets=[RuleTarget(arn=MACHINE, maximum_retry_attempts=186)]),
     "targets[0]: maximum_retry_attempts 186 must be an integer 0-185"),
    (pattern_rule(targets=[RuleTarget(arn=MACHINE, maximum_retry_attempts=-1)]),
     "targets[0]: maximum_retry_attempts -1 must be an integer 0-185"),
    (pattern_rule(targets=[RuleTarget(arn=MACHINE, maximum_event_age_seconds=59)]),
     "targets[0]: maximum_event_age_seconds 59 must be an integer 60-86400"),
    (pattern_rule(targets=[RuleTarget(arn=MACHINE), RuleTarget(arn=FUNCTION, maximum_event_age_seconds=86401)]),
     "targets[1]: maximum_event_age_seconds 86401 must be an integer 60-86400"),
    (pattern_rule(targets=[RuleTarget(arn=MACHINE, input="{}", input_transformer={"input_template": "{}"})]),
     "targets[0]: give at most one of input and input_transformer"),
    (pattern_rule(targets=[RuleTarget(arn=MACHINE, input="not json")]),
     "targets[0]: input 'not json' must be JSON text"),
    (pattern_rule(targets=[RuleTarget(arn=MACHINE, input_transformer={"input_paths": {}})]),
     "targets[0]: input_transformer {'input_paths': {}} must be a dict with 'input_template'"),
    (pattern_rule(targets=[RuleTarget(arn=MACHINE), RuleTarget(arn=FUNCTION, name="target-0")]),
     "targets[1]: name 'target-0' is already used by another target"),
])
def test_bad_input_is_a_clear_error(args, message):
    with pytest.raises(GovernanceError) as error:
        build(args)
    assert f"GovernedEventRule 'orders-placed': {message}" in str(error.value)
