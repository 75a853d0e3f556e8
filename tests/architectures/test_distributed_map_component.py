"""DistributedMap under Pulumi mocks: the post's values as the args' defaults, the upload rule, the Distributed Map
definition as deployed (statelint), the container-image scoring function with reserved concurrency and its alias
with scheduled provisioned concurrency, least-privilege grants (and what they allow under the workload boundary),
and every IAM policy checked by parliament."""
from __future__ import annotations

import json

import pytest

from components.governance import Governance
from components.governed._overrides import GovernanceError
from components.stepfunctions.distributed_map import DistributedMap, DistributedMapArgs
from tests.support import deploy
from tests.support.iam import serious_findings_by_policy
from tests.support.sfn import lint
from tools.offline_engine import by_type, one, run_program

GOV = Governance.for_tests()
COMPONENT = "serverless-governance:stepfunctions:DistributedMap"
ACCOUNT = "123456789012"
ARN = "arn:aws:{}:us-east-1:123456789012:{}"
IMAGE = f"{ACCOUNT}.dkr.ecr.us-east-1.amazonaws.com/company/workloads/distributed-map-scoring@sha256:{'ab' * 32}"
STACK = "distributed-map-dev"


@pytest.fixture(scope="module")
def resources():
    return build()


def build(**changes):
    return run_program(lambda: DistributedMap("x", DistributedMapArgs(**{"worker_image_uri": IMAGE, **changes}),
                                              GOV))


def test_defaults_are_the_posts_values():
    args = DistributedMapArgs()
    # Up to 10,000 child workflows, reserved and provisioned concurrency for all of them (post 002#20).
    assert (args.max_concurrency, args.reserved_concurrency, args.provisioned_concurrency) == (10000, 10000, 10000)
    assert (args.tolerated_failure_percentage, args.child_execution_type) == (0, "STANDARD")
    assert (args.input_prefix, args.results_prefix, args.worker_image_uri) == ("input/", "results", None)
    assert (args.warm_up_schedule, args.cool_down_schedule, args.schedule_timezone) == (
        "cron(45 0 * * ? *)", "cron(15 2 * * ? *)", "UTC")
    assert (args.memory_size, args.timeout) == (2048, 900)


def test_deploys_the_buckets_the_rule_the_workflow_the_function_and_the_topic(resources):
    component = one(resources, COMPONENT, "x")
    assert sorted((r.type, r.name) for r in resources if r.parent == component.urn) == sorted([
        ("serverless-governance:governed:Bucket", "x-input"),
        ("serverless-governance:governed:Bucket", "x-results"),
        ("serverless-governance:governed:Topic", "x-results"),
        ("serverless-governance:governed:Function", "x-score-company"),
        ("aws:lambda/alias:Alias", "x-score-company-live"),
        ("aws:appautoscaling/target:Target", "x-provisioned-concurrency"),
        ("aws:appautoscaling/scheduledAction:ScheduledAction", "x-warm-up"),
        ("aws:appautoscaling/scheduledAction:ScheduledAction", "x-cool-down"),
        ("serverless-governance:governed:StateMachine", "x-score-companies"),
        ("serverless-governance:governed:EventRule", "x-input-uploaded"),
    ])
    notification = one(resources, "aws:s3/bucketNotification:BucketNotification", "x-input-notifications").inputs
    assert notification["eventbridge"] is True


def test_the_scoring_function_is_the_digest_pinned_image_with_the_posts_concurrency(resources):
    function = one(resources, "aws:lambda/function:Function", "x-score-company").inputs
    assert (function["packageType"], function["imageUri"], function["reservedConcurrentExecutions"],
            function["publish"], function["memorySize"], function["timeout"]) == (
        "Image", IMAGE, 10000, True, 2048, 900)
    assert "layers" not in function and "codeSigningConfigArn" not in function and "handler" not in function
    alias = one(resources, "aws:lambda/alias:Alias").inputs
    assert (alias["name"], alias["functionName"]) == (
        "live", one(resources, "aws:lambda/function:Function").outputs["name"])


def test_provisioned_concurrency_is_scheduled_on_the_alias(resources):
    function_name = one(resources, "aws:lambda/function:Function").outputs["name"]
    target = one(resources, "aws:appautoscaling/target:Target").inputs
    assert target == {"serviceNamespace": "lambda", "scalableDimension": "lambda:function:ProvisionedConcurrency",
                      "resourceId": f"function:{function_name}:live", "minCapacity": 0, "maxCapacity": 10000}
    actions = {r.name: r.inputs for r in by_type(resources, "aws:appautoscaling/scheduledAction:ScheduledAction")}
    assert {name: (a["schedule"], a["timezone"], a["scalableTargetAction"], a["resourceId"])
            for name, a in actions.items()} == {
        "x-warm-up": ("cron(45 0 * * ? *)", "UTC", {"minCapacity": 10000, "maxCapacity": 10000},
                      f"function:{function_name}:live"),
        "x-cool-down": ("cron(15 2 * * ? *)", "UTC", {"minCapacity": 0, "maxCapacity": 0},
                        f"function:{function_name}:live"),
    }


def test_the_definition_is_a_distributed_map_over_the_uploaded_file(resources):
    machine = one(resources, "aws:sfn/stateMachine:StateMachine").inputs
    definition = json.loads(machine["definition"])
    assert lint(definition) == []
    assert (definition["StartAt"], machine["type"]) == ("Score companies", "STANDARD")
    scoring = definition["States"]["Score companies"]
    results_bucket = one(resources, "aws:s3/bucket:Bucket", "x-results").outputs["bucket"]
    alias_arn = one(resources, "aws:lambda/alias:Alias").outputs["arn"]
    assert scoring["ItemReader"] == {
        "Resource": "arn:aws:states:::s3:getObject",
        "ReaderConfig": {"InputType": "CSV", "CSVHeaderLocation": "FIRST_ROW"},
        "Parameters": {"Bucket.$": "$.detail.bucket.name", "Key.$": "$.detail.object.key"}}
    assert (scoring["MaxConcurrency"], scoring["ToleratedFailurePercentage"]) == (10000, 0)
    assert scoring["ItemProcessor"]["ProcessorConfig"] == {"Mode": "DISTRIBUTED", "ExecutionType": "STANDARD"}
    assert scoring["ItemProcessor"]["States"]["Score batch"]["Parameters"]["FunctionName"] == alias_arn
    assert scoring["ResultWriter"] == {"Resource": "arn:aws:states:::s3:putObject",
                                       "Parameters": {"Bucket": results_bucket, "Prefix": "results"}}
    topic = one(resources, "aws:sns/topic:Topic").outputs["arn"]
    assert {definition["States"][s]["Parameters"]["TopicArn"] for s in ("Publish results", "Publish failure")} == {
        topic}


def _grants(resources, policy_name):
    policy = json.loads(one(resources, "aws:iam/rolePolicy:RolePolicy", policy_name).inputs["policy"])
    return {s["Sid"]: (s["Action"], s["Resource"]) for s in policy["Statement"]}


def test_the_workflow_may_read_the_input_write_results_run_its_children_and_publish(resources):
    grants = _grants(resources, "x-score-companies-role-policy")
    input_bucket = one(resources, "aws:s3/bucket:Bucket", "x-input").outputs["arn"]
    results_bucket = one(resources, "aws:s3/bucket:Bucket", "x-results").outputs["arn"]
    function = one(resources, "aws:lambda/function:Function").outputs["arn"]
    alias = one(resources, "aws:lambda/alias:Alias").outputs["arn"]
    assert {sid: grants[sid] for sid in grants if sid not in ("LogDelivery", "XRay")} == {
        "ReadInputFile": (["s3:GetObject"], [f"{input_bucket}/input/*"]),
        "WriteResults": (["s3:PutObject", "s3:GetObject", "s3:ListMultipartUploadParts", "s3:AbortMultipartUpload"],
                         [f"{results_bucket}/results/*"]),
        "PlatformKey": (["kms:Decrypt", "kms:GenerateDataKey"], [GOV.kms_key_arn]),
        "ScoreCompany": (["lambda:InvokeFunction"], [function, alias]),
        "PublishResults": (["sns:Publish"], [one(resources, "aws:sns/topic:Topic").outputs["arn"]]),
    }
    machine = one(resources, "aws:sfn/stateMachine:StateMachine").outputs["arn"]
    assert _grants(resources, "x-score-companies-distributed-map") == {
        "StartChildWorkflows": (["states:StartExecution"], [machine]),
        "ManageChildWorkflows": (["states:DescribeExecution", "states:StopExecution"],
                                 [machine.replace(":stateMachine:", ":execution:") + "/*"]),
    }


def test_an_upload_under_input_starts_the_workflow(resources):
    rule = one(resources, "aws:cloudwatch/eventRule:EventRule").inputs
    bucket = one(resources, "aws:s3/bucket:Bucket", "x-input").outputs["bucket"]
    assert json.loads(rule["eventPattern"]) == {
        "source": ["aws.s3"], "detail-type": ["Object Created"],
        "detail": {"bucket": {"name": [bucket]}, "object": {"key": [{"prefix": "input/"}]}}}
    target = one(resources, "aws:cloudwatch/eventTarget:EventTarget").inputs
    assert target["arn"] == one(resources, "aws:sfn/stateMachine:StateMachine").outputs["arn"]
    assert _grants(resources, "x-input-uploaded-score-companies-role-policy") == {
        "StartScoringRun": (["states:StartExecution"], [target["arn"]])}


def test_every_policy_passes_parliament(resources):
    policies = by_type(resources, "aws:iam/rolePolicy:RolePolicy")
    assert len(policies) == 4  # worker, workflow, the workflow's child executions, the event rule's target
    assert serious_findings_by_policy(policies) == {}


# ------------------------------------------------------------------ what the deployed roles may really do
def test_under_the_boundary_the_workflow_can_do_what_a_distributed_map_needs():
    """The generic deploy checks derive needs from Task states; ItemReader, ResultWriter and the child executions
    are the Map's own, so they are checked here on the example stack's ARNs."""
    facts = deploy.stack_facts(STACK)
    role = next(r for r in facts.roles.values() if r.name == "distributed-map-score-companies-role")
    machine = one(facts.resources, "aws:sfn/stateMachine:StateMachine").outputs["arn"]
    # A Distributed Map's child execution: execution:<state machine>/<map run>:<execution>.
    execution = machine.replace(":stateMachine:", ":execution:") + "/0f6c-run:0f6c-child"
    buckets = {r.name: r.outputs["arn"] for r in by_type(facts.resources, "aws:s3/bucket:Bucket")}
    key = one(facts.resources, "aws:lambda/function:Function").inputs["kmsKeyArn"]
    assert deploy.missing(role, [
        deploy.Requirement("s3:GetObject", f"{buckets['distributed-map-input']}/input/companies.csv", "ItemReader"),
        deploy.Requirement("s3:PutObject", f"{buckets['distributed-map-results']}/results/run/manifest.json",
                           "ResultWriter"),
        deploy.Requirement("kms:GenerateDataKey", key, "ResultWriter into the encrypted bucket"),
        deploy.Requirement("states:StartExecution", machine, "a child workflow"),
        deploy.Requirement("states:StopExecution", execution, "stop children when the Map fails"),
    ]) == []
    assert len(deploy.missing(role, [
        deploy.Requirement("s3:GetObject", f"{buckets['distributed-map-results']}/other/x", "outside results/"),
        deploy.Requirement("s3:PutObject", f"{buckets['distributed-map-input']}/input/x.csv", "write the input"),
    ])) == 2


@pytest.mark.parametrize("changes, message", [
    ({"worker_image_uri": None}, "worker_image_uri is required"),
    ({"max_concurrency": 10001}, r"max_concurrency 10001 must be an integer 0-10000"),
    ({"tolerated_failure_percentage": 101}, r"tolerated_failure_percentage 101 must be an integer 0-100"),
    ({"child_execution_type": "ASYNC"}, "child_execution_type 'ASYNC'; allowed: STANDARD, EXPRESS"),
    ({"reserved_concurrency": 5000}, "reserved_concurrency 5000 is below max_concurrency 10000"),
    ({"provisioned_concurrency": 20000, "reserved_concurrency": 10000},
     "provisioned_concurrency 20000 exceeds reserved_concurrency 10000"),
    ({"warm_up_schedule": "daily"}, r"warm_up_schedule 'daily' must be cron\(...\)"),
    ({"input_prefix": "input"}, "input_prefix 'input' must be an S3 key prefix ending in '/'"),
    ({"results_prefix": "input/results"}, "results_prefix 'input/results' must be a non-empty prefix outside"),
])
def test_bad_arguments_are_refused_with_the_value(changes, message):
    with pytest.raises(ValueError, match=message):
        build(**changes)


def test_an_image_given_by_tag_is_refused_by_the_governed_function():
    tagged = IMAGE.split("@")[0] + ":2024.03"
    with pytest.raises(GovernanceError, match="is pinned by tag '2024.03'; pin it by digest"):
        build(worker_image_uri=tagged)
