"""GovernedFunction under Pulumi mocks: exact properties of everything it creates, and refused overrides."""
import hashlib
import json
import zipfile

import pulumi
import pytest

from components.governance import Governance
from components.governed._overrides import GovernanceError
from components.governed.function import (
    NOT_APPLICABLE_TAG,
    FunctionArgs,
    GovernedFunction,
    code_files,
)
from components.governed.role import statement
from components.governed.signing import archive_digest, code_digest
from tools.offline_engine import ProgramError, by_type, one, run_program

GOV = Governance.for_tests()
TABLE = "arn:aws:dynamodb:us-east-1:123456789012:table/orders"


def build(args: FunctionArgs, preview: bool = False, name: str = "orders"):
    return run_program(lambda: GovernedFunction(name, args, GOV), preview=preview, stack="dev")


def zip_args(**changes) -> FunctionArgs:
    values = dict(handler="handlers.jwt_authorizer.app.handler",
                  statements=[statement(["dynamodb:GetItem"], [TABLE], sid="ReadOrders")])
    values.update(changes)
    return FunctionArgs(**values)


def test_zip_function_carries_every_guardrail():
    resources = build(zip_args(memory_size=256, timeout=10, environment={"TABLE_NAME": "orders"}))
    fn = one(resources, "aws:lambda/function:Function").raw_inputs
    assert fn["layers"] == [GOV.company_layer_arn, GOV.powertools_layer_arn]
    assert fn["codeSigningConfigArn"] == GOV.code_signing_config_arn
    assert fn["tracingConfig"] == {"mode": "Active"}
    assert fn["reservedConcurrentExecutions"] == 10
    assert fn["kmsKeyArn"] == GOV.kms_key_arn
    assert fn["memorySize"] == 256 and fn["timeout"] == 10 and fn["runtime"] == "python3.12"
    assert fn["handler"] == "handlers.jwt_authorizer.app.handler"
    assert fn["loggingConfig"] == {"logFormat": "JSON", "logGroup": "/aws/lambda/dev/orders"}
    assert fn["environment"]["variables"] == {
        "POWERTOOLS_SERVICE_NAME": "orders", "POWERTOOLS_METRICS_NAMESPACE": "serverless-governance",
        "TABLE_NAME": "orders",
    }
    assert fn["role"] == "arn:aws:iam::123456789012:role/orders-role"

    role = one(resources, "aws:iam/role:Role").raw_inputs
    assert role["permissionsBoundary"] == GOV.permissions_boundary_arn
    assert json.loads(role["assumeRolePolicy"])["Statement"] == [{
        "Effect": "Allow", "Principal": {"Service": ["lambda.amazonaws.com"]}, "Action": "sts:AssumeRole"}]

    log_group = one(resources, "aws:cloudwatch/logGroup:LogGroup").raw_inputs
    assert log_group == {"name": "/aws/lambda/dev/orders", "retentionInDays": 30, "kmsKeyId": GOV.kms_key_arn,
                         "tags": {}, "skipDestroy": False} or (
        log_group["retentionInDays"] == 30 and log_group["kmsKeyId"] == GOV.kms_key_arn)

    policy = json.loads(one(resources, "aws:iam/rolePolicy:RolePolicy").raw_inputs["policy"])
    assert policy["Statement"] == [
        {"Effect": "Allow", "Action": ["logs:CreateLogStream", "logs:PutLogEvents"],
         "Resource": ["arn:aws:logs:us-east-1:123456789012:log-group:/aws/lambda/dev/orders:*"], "Sid": "OwnLogGroup"},
        {"Effect": "Allow", "Action": ["xray:PutTraceSegments", "xray:PutTelemetryRecords"], "Resource": ["*"],
         "Sid": "XRay"},
        {"Effect": "Allow", "Action": ["kms:Decrypt"], "Resource": [GOV.kms_key_arn], "Sid": "EnvironmentKey"},
        {"Effect": "Allow", "Action": ["dynamodb:GetItem"], "Resource": [TABLE], "Sid": "ReadOrders"},
    ]


def test_code_ships_through_the_signing_pipeline():
    resources = build(zip_args())
    digest = code_digest(code_files("handlers.jwt_authorizer.app.handler"))
    unsigned = one(resources, "aws:s3/bucketObjectv2:BucketObjectv2").raw_inputs
    assert unsigned["bucket"] == GOV.artifact_bucket
    assert unsigned["key"] == f"unsigned/dev/orders/{digest}.zip"
    job = one(resources, "aws:signer/signingJob:SigningJob")
    assert job.raw_inputs["profileName"] == "company_lambda_signing"
    assert job.raw_inputs["source"]["s3"]["bucket"] == GOV.artifact_bucket
    assert job.raw_inputs["source"]["s3"]["key"] == f"unsigned/dev/orders/{digest}.zip"
    assert job.raw_inputs["destination"] == {"s3": {"bucket": GOV.artifact_bucket, "prefix": "signed/dev/orders/"}}
    assert job.raw_inputs["ignoreSigningJobFailure"] is False
    fn = one(resources, "aws:lambda/function:Function")
    # The function is created from the signed object the job wrote, never from the unsigned upload.
    assert fn.raw_inputs["s3Bucket"] == GOV.artifact_bucket
    assert fn.raw_inputs["s3Key"].startswith("signed/dev/orders/")
    assert job.urn in fn.property_dependencies["s3Key"]


def test_archive_holds_the_handler_package_and_no_caches():
    files = code_files("handlers.jwt_authorizer.app.handler")
    assert "handlers/__init__.py" in files
    assert all(path.startswith(("handlers/jwt_authorizer/", "handlers/__init__.py")) for path in files)
    assert not any("__pycache__" in path or path.endswith(".pyc") for path in files)


def test_signed_code_location_is_unknown_at_preview_but_guardrails_are_known():
    fn = one(build(zip_args(), preview=True), "aws:lambda/function:Function").raw_inputs
    assert fn["s3Key"] == "04da6b54-80e4-46f7-96ec-b56ff0331ba9"  # the engine's unknown
    assert fn["codeSigningConfigArn"] == GOV.code_signing_config_arn
    assert fn["layers"] == [GOV.company_layer_arn, GOV.powertools_layer_arn]


def test_async_function_gets_a_failure_destination_and_bounded_retries():
    resources = build(zip_args(async_invocation=True))
    config = one(resources, "aws:lambda/functionEventInvokeConfig:FunctionEventInvokeConfig").raw_inputs
    assert config["maximumRetryAttempts"] == 2
    assert config["maximumEventAgeInSeconds"] == 3600
    dlq_arn = config["destinationConfig"]["onFailure"]["destination"]
    assert dlq_arn.startswith("arn:aws:sqs:us-east-1:123456789012:")
    queues = by_type(resources, "aws:sqs/queue:Queue")
    assert [q.outputs["arn"] for q in queues] == [dlq_arn]
    policy = json.loads(one(resources, "aws:iam/rolePolicy:RolePolicy").raw_inputs["policy"])
    assert {"Effect": "Allow", "Action": ["sqs:SendMessage"], "Resource": [dlq_arn],
            "Sid": "OnFailureDestination"} in policy["Statement"]


def test_given_failure_destination_is_used_with_the_right_action():
    topic = "arn:aws:sns:us-east-1:123456789012:failures"
    resources = build(zip_args(async_invocation=True, on_failure_destination_arn=topic))
    config = one(resources, "aws:lambda/functionEventInvokeConfig:FunctionEventInvokeConfig").raw_inputs
    assert config["destinationConfig"]["onFailure"]["destination"] == topic
    assert by_type(resources, "aws:sqs/queue:Queue") == []
    policy = json.loads(one(resources, "aws:iam/rolePolicy:RolePolicy").raw_inputs["policy"])
    assert {"Effect": "Allow", "Action": ["sns:Publish"], "Resource": [topic], "Sid": "OnFailureDestination"} \
        in policy["Statement"]


def test_on_success_destination_is_configured_and_granted():
    failures = "arn:aws:sqs:us-east-1:123456789012:failures"
    successes = "arn:aws:sqs:us-east-1:123456789012:successes"
    resources = build(zip_args(async_invocation=True, on_failure_destination_arn=failures,
                               on_success_destination_arn=successes))
    config = one(resources, "aws:lambda/functionEventInvokeConfig:FunctionEventInvokeConfig").raw_inputs
    assert config["destinationConfig"] == {"onFailure": {"destination": failures},
                                           "onSuccess": {"destination": successes}}
    policy = json.loads(one(resources, "aws:iam/rolePolicy:RolePolicy").raw_inputs["policy"])
    assert {"Effect": "Allow", "Action": ["sqs:SendMessage"], "Resource": [successes],
            "Sid": "OnSuccessDestination"} in policy["Statement"]


def test_own_dead_letter_queue_keeps_failures_without_a_destination():
    dlq = "arn:aws:sqs:us-east-1:123456789012:orders-dlq"
    resources = build(zip_args(async_invocation=True, dead_letter_target_arn=dlq))
    assert one(resources, "aws:lambda/function:Function").raw_inputs["deadLetterConfig"] == {"targetArn": dlq}
    config = one(resources, "aws:lambda/functionEventInvokeConfig:FunctionEventInvokeConfig").raw_inputs
    assert (config["maximumRetryAttempts"], config["maximumEventAgeInSeconds"]) == (2, 3600)
    assert "destinationConfig" not in config
    assert by_type(resources, "aws:sqs/queue:Queue") == []  # no second failure queue: the DLQ keeps them
    policy = json.loads(one(resources, "aws:iam/rolePolicy:RolePolicy").raw_inputs["policy"])
    assert {"Effect": "Allow", "Action": ["sqs:SendMessage"], "Resource": [dlq], "Sid": "DeadLetterTarget"} \
        in policy["Statement"]


def test_container_image_variant_records_what_does_not_apply():
    resources = build(FunctionArgs(image_uri=f"111111111111.dkr.ecr.us-east-1.amazonaws.com/fn@sha256:{'0' * 64}",
                                   timeout=3))
    fn = one(resources, "aws:lambda/function:Function").raw_inputs
    assert fn["packageType"] == "Image"
    assert "layers" not in fn and "codeSigningConfigArn" not in fn
    assert fn["tags"][NOT_APPLICABLE_TAG] == "lambda-code-signing lambda-required-layer"
    assert fn["tracingConfig"] == {"mode": "Active"}
    assert by_type(resources, "aws:signer/signingJob:SigningJob") == []


@pytest.mark.parametrize("image_uri, message", [
    ("111111111111.dkr.ecr.us-east-1.amazonaws.com/fn:01",
     "GovernedFunction 'fn': image_uri '111111111111.dkr.ecr.us-east-1.amazonaws.com/fn:01' is pinned by tag '01'; "
     "pin it by digest ('111111111111.dkr.ecr.us-east-1.amazonaws.com/fn@sha256:<64 hex digits>'): a tag can be "
     "repointed to another image"),
    ("docker.io/library/python@sha256:" + "0" * 64,
     f"GovernedFunction 'fn': image_uri 'docker.io/library/python@sha256:{'0' * 64}' is not an ECR image URI; "
     "expected '<account>.dkr.ecr.<region>.amazonaws.com/<repository>@sha256:<64 hex digits>'"),
])
def test_container_image_must_be_an_ecr_image_pinned_by_digest(image_uri, message):
    with pytest.raises(GovernanceError) as error:
        run_program(lambda: GovernedFunction("fn", FunctionArgs(image_uri=image_uri), GOV))
    assert str(error.value) == message


def test_edge_variant_is_published_and_trusted_by_edgelambda():
    resources = build(zip_args(edge=True, statements=[], timeout=5))
    fn = one(resources, "aws:lambda/function:Function").raw_inputs
    assert fn["publish"] is True
    # No marker a program could write for any function: Lambda@Edge is recognised from the distribution.
    assert "governance:lambda-edge" not in fn["tags"]
    assert fn["tags"][NOT_APPLICABLE_TAG] == (
        "lambda-environment-kms lambda-required-layer lambda-reserved-concurrency lambda-tracing-active")
    for absent in ("layers", "environment", "tracingConfig", "reservedConcurrentExecutions", "vpcConfig"):
        assert absent not in fn
    trust = json.loads(one(resources, "aws:iam/role:Role").raw_inputs["assumeRolePolicy"])
    assert trust["Statement"][0]["Principal"] == {"Service": ["edgelambda.amazonaws.com", "lambda.amazonaws.com"]}


@pytest.mark.parametrize("changes,message", [
    (dict(reserved_concurrency=0), "reserved_concurrency 0 is refused: 0 throttles every invocation"),
    (dict(reserved_concurrency=None), "reserved_concurrency=None leaves the function unbounded"),
    (dict(runtime="python3.8"), "runtime 'python3.8' is not allowed"),
    (dict(timeout=901), "timeout 901 must be 1-900 seconds"),
    (dict(statements=[statement(["s3:*"], ["arn:aws:s3:::bucket/*"])]),
     "action 's3:*' breaks guardrail 'iam-no-wildcard-action'"),
    (dict(statements=[statement(["dynamodb:GetItem"], ["*"])]),
     "Resource '*' for dynamodb:GetItem breaks guardrail 'iam-wildcard-resource'"),
    (dict(overrides={"lambda-reserved-concurrency": ""}, reserved_concurrency=None),
     "override 'lambda-reserved-concurrency' needs a written reason"),
    (dict(overrides={"lambda-code-signing": "we are in a hurry today"}),
     "override 'lambda-code-signing' is not allowed here"),
])
def test_forbidden_settings_are_refused_with_a_clear_message(changes, message):
    with pytest.raises((GovernanceError, ProgramError, ValueError)) as error:
        build(zip_args(**changes))
    assert message in str(error.value)


def test_override_with_reason_is_recorded_as_a_tag():
    reason = "batch job throttled by the downstream API, not by Lambda"
    resources = build(zip_args(reserved_concurrency=None, overrides={"lambda-reserved-concurrency": reason}))
    fn = one(resources, "aws:lambda/function:Function").raw_inputs
    assert "reservedConcurrentExecutions" not in fn
    assert fn["tags"]["governance:overrides"] == "lambda-reserved-concurrency"
    component = one(resources, "serverless-governance:governed:Function")
    assert component.parent.endswith("pulumi:pulumi:Stack::serverless-governance-dev")


def test_every_child_is_parented_to_the_component():
    resources = build(zip_args(async_invocation=True))
    component = one(resources, "serverless-governance:governed:Function")
    children = [r for r in resources if r is not component]
    assert children and all(r.urn.startswith("urn:pulumi:dev::serverless-governance::serverless-governance:governed:Function$")
                            for r in children)


def _package(tmp_path) -> pulumi.FileArchive:
    package = tmp_path / "reports.zip"
    with zipfile.ZipFile(package, "w") as archive:
        archive.writestr("app.py", "def handler(event, context):\n    return event\n")
    return pulumi.FileArchive(str(package))


def test_a_prebuilt_zip_ships_as_it_is_through_the_signing_pipeline(tmp_path):
    archive = _package(tmp_path)
    digest = hashlib.sha256((tmp_path / "reports.zip").read_bytes()).hexdigest()[:20]
    resources = build(FunctionArgs(handler="app.handler", code_archive=archive))
    unsigned = one(resources, "aws:s3/bucketObjectv2:BucketObjectv2")
    assert unsigned.raw_inputs["key"] == f"unsigned/dev/orders/{digest}.zip"
    assert unsigned.inputs["source"].path == str(tmp_path / "reports.zip")
    job = one(resources, "aws:signer/signingJob:SigningJob").raw_inputs
    assert job["source"]["s3"]["key"] == f"unsigned/dev/orders/{digest}.zip"
    fn = one(resources, "aws:lambda/function:Function").raw_inputs
    assert fn["handler"] == "app.handler" and fn["s3Key"].startswith("signed/dev/orders/")
    assert fn["codeSigningConfigArn"] == GOV.code_signing_config_arn


def test_a_directory_archive_is_digested_from_its_files(tmp_path):
    (tmp_path / "app.py").write_text("def handler(event, context):\n    return event\n")
    assert archive_digest(tmp_path) == code_digest({"app.py": tmp_path / "app.py"})


@pytest.mark.parametrize("changes,message", [
    (dict(code_archive=pulumi.RemoteArchive("https://example.com/code.zip")),
     "GovernedFunction 'orders': code_archive is a RemoteArchive; it must be a local pulumi.FileArchive (a .zip "
     "file or a directory): a remote archive cannot be content-addressed for signing; download it first"),
    (dict(code_archive=pulumi.FileArchive("/nonexistent/code.zip")),
     "GovernedFunction 'orders': code_archive '/nonexistent/code.zip' must be an existing .zip file or directory"),
    (dict(code_archive=pulumi.FileArchive("."), code_dir="."),
     "GovernedFunction 'orders': code_archive is the whole code; it takes no code_dir"),
    (dict(code_archive=pulumi.FileArchive("."), handler="app"),
     "GovernedFunction 'orders': handler 'app' must look like '<module>.<function>' (a module in "
     "code_archive)"),
])
def test_code_archive_refusals(changes, message):
    with pytest.raises(GovernanceError) as error:
        build(FunctionArgs(**{"handler": "app.handler", **changes}))
    assert str(error.value) == message
