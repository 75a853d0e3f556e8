"""The platform stack under Pulumi mocks: exact properties of what it creates and exports."""
from __future__ import annotations

import json
from pathlib import Path

import pulumi
import pytest

from components import architectures
from components.governed.function import SUPPORTED_RUNTIMES
from components.platform import layers
from components.platform.platform import Platform, PlatformArgs
from components.platform.policies import (
    DEFAULT_WORKLOAD_NAMESPACES,
    GovernedResources,
    boundary_document,
    governance_boundary_document,
    key_policy,
)
from tests.support.iam import serious_findings
from tests.support.platform import AUDIENCE, ISSUER, TAGS
from tests.support.platform import PLATFORM_CONFIG as CONFIG
from tools.offline_engine import ProgramError, by_type, one, run_program

ACCOUNT = "123456789012"
BOUNDARY_ARN = f"arn:aws:iam::{ACCOUNT}:policy/company-workload-boundary"
GOVERNANCE_BOUNDARY_ARN = f"arn:aws:iam::{ACCOUNT}:policy/company-governance-boundary"


def platform_program(args: PlatformArgs, captured: dict):
    def program():
        platform = Platform("platform", args)
        pulumi.Output.all(**platform.exports).apply(captured.update)
    return program


@pytest.fixture(scope="module")
def deployed(layer_dir):
    captured: dict = {}
    resources = run_program(platform_program(PlatformArgs(layer_build_dir=str(layer_dir), service_ids=["orders"]),
                                             captured), config=CONFIG)
    return resources, captured


def inputs(resources, type_token, name=None) -> dict:
    return one(resources, type_token, name).raw_inputs


def test_signing_profile_and_code_signing_config(deployed):
    resources, _ = deployed
    profile = inputs(resources, "aws:signer/signingProfile:SigningProfile")
    assert profile["platformId"] == "AWSLambda-SHA384-ECDSA"
    assert profile["namePrefix"] == "company_lambda_signing_"
    assert profile["signatureValidityPeriod"] == {"value": 12, "type": "MONTHS"}
    profile_id = one(resources, "aws:signer/signingProfile:SigningProfile").outputs["versionArn"]
    csc = inputs(resources, "aws:lambda/codeSigningConfig:CodeSigningConfig")
    assert csc["policies"] == {"untrustedArtifactOnDeployment": "Enforce"}
    assert csc["allowedPublishers"] == {"signingProfileVersionArns": [profile_id]}


def test_kms_key_rotates_and_admits_logs_and_the_account(deployed):
    resources, _ = deployed
    key = inputs(resources, "aws:kms/key:Key")
    assert key["enableKeyRotation"] is True
    assert key["rotationPeriodInDays"] == 365
    assert key["deletionWindowInDays"] == 30
    assert json.loads(key["policy"]) == key_policy("aws", ACCOUNT, "us-east-1")


def test_artifact_bucket_is_versioned_private_encrypted_and_tls_only(deployed):
    resources, _ = deployed
    bucket = one(resources, "aws:s3/bucket:Bucket")
    assert inputs(resources, "aws:s3/bucketVersioning:BucketVersioning")["versioningConfiguration"] == {
        "status": "Enabled"}
    assert inputs(resources, "aws:s3/bucketPublicAccessBlock:BucketPublicAccessBlock") == {
        "bucket": bucket.outputs["id"], "blockPublicAcls": True, "blockPublicPolicy": True,
        "ignorePublicAcls": True, "restrictPublicBuckets": True}
    key_arn = one(resources, "aws:kms/key:Key").outputs["arn"]
    encryption = inputs(resources, "aws:s3/bucketServerSideEncryptionConfiguration:BucketServerSideEncryptionConfiguration")
    assert encryption["rules"] == [{"applyServerSideEncryptionByDefault": {
        "sseAlgorithm": "aws:kms", "kmsMasterKeyId": key_arn}, "bucketKeyEnabled": True}]
    policy = json.loads(inputs(resources, "aws:s3/bucketPolicy:BucketPolicy")["policy"])
    arn = bucket.outputs["arn"]
    assert policy["Statement"] == [{"Sid": "DenyInsecureTransport", "Effect": "Deny", "Principal": "*",
                                    "Action": "s3:*", "Resource": [arn, f"{arn}/*"],
                                    "Condition": {"Bool": {"aws:SecureTransport": "false"}}}]


def test_every_layer_is_published_from_a_signed_object(deployed):
    resources, _ = deployed
    layer_versions = {r.inputs["layerName"]: r for r in by_type(resources, "aws:lambda/layerVersion:LayerVersion")}
    assert sorted(layer_versions) == ["company-observability", "jwt-authorizer-deps", "powertools-python"]
    company = layer_versions["company-observability"].raw_inputs
    assert company["compatibleRuntimes"] == list(SUPPORTED_RUNTIMES)
    assert company["compatibleArchitectures"] == ["x86_64", "arm64"]
    assert company["skipDestroy"] is True
    assert layer_versions["jwt-authorizer-deps"].raw_inputs["compatibleRuntimes"] == ["python3.12"]
    assert layer_versions["jwt-authorizer-deps"].raw_inputs["compatibleArchitectures"] == ["x86_64"]
    jobs = {r.name: r for r in by_type(resources, "aws:signer/signingJob:SigningJob")}
    job = jobs["platform-company-layer-signing"]
    assert company["s3Bucket"] == job.outputs["signedObjects"][0]["s3s"][0]["bucket"]
    assert company["s3Key"] == job.outputs["signedObjects"][0]["s3s"][0]["key"]
    assert job.raw_inputs["destination"]["s3"]["prefix"] == "signed/layers/company-observability/"
    upload = inputs(resources, "aws:s3/bucketObjectv2:BucketObjectv2", "platform-company-layer-code")
    assert upload["key"].startswith("unsigned/layers/company-observability/")
    # The company layer ships the package in the layer layout (python/...), without caches.
    archive = one(resources, "aws:s3/bucketObjectv2:BucketObjectv2", "platform-company-layer-code").inputs["source"]
    assert sorted(archive.assets) == ["python/company_observability/__init__.py",
                                      "python/company_observability/environment.py"]


def test_boundaries_govern_the_approved_services_and_deny_escalation(deployed):
    resources, _ = deployed
    key_arn = one(resources, "aws:kms/key:Key").outputs["arn"]
    protected = GovernedResources("aws", ACCOUNT, BOUNDARY_ARN, GOVERNANCE_BOUNDARY_ARN, key_arn)
    policy = inputs(resources, "aws:iam/policy:Policy", "platform-boundary")
    assert policy["name"] == "company-workload-boundary"
    document = json.loads(policy["policy"])
    assert document == boundary_document(protected)
    assert document["Statement"][0]["Action"] == [f"{namespace}:*" for namespace in DEFAULT_WORKLOAD_NAMESPACES]
    assert [s["Sid"] for s in document["Statement"][1:]] == [
        "PassRolesToApprovedServices", "PassScheduleRolesToScheduler", "PassMwaaExecutionRolesToMwaa",
        "DenyPrincipalsWithoutThisBoundary",
        "DenyBoundaryRemoval",
        "DenyBoundaryChange", "DenyCompanyLayerChange", "DenyCodeSigningChange", "DenyPlatformKeyAdministration",
        "DenyLeavingOrganisationControls", "AssumeRemediationRoles", "UpdateSecurityHubFindings",
        "RemediationRolesRemediate"]
    assert document["Statement"][-1] == {
        "Sid": "RemediationRolesRemediate", "Effect": "Allow",
        "Action": ["iam:GetAccountPasswordPolicy", "iam:UpdateAccountPasswordPolicy"],
        "Resource": "*",
        "Condition": {"ArnLike": {"aws:PrincipalArn": f"arn:aws:iam::{ACCOUNT}:role/governed-remediation/*"}}}
    assert document["Statement"][1] == {
        "Sid": "PassRolesToApprovedServices", "Effect": "Allow", "Action": "iam:PassRole",
        "Resource": f"arn:aws:iam::{ACCOUNT}:role/*",
        "Condition": {"StringEquals": {"iam:PassedToService": ["forecast.amazonaws.com"]}}}
    assert document["Statement"][2] == {
        "Sid": "PassScheduleRolesToScheduler", "Effect": "Allow", "Action": "iam:PassRole",
        "Resource": f"arn:aws:iam::{ACCOUNT}:role/governed-scheduler/*",
        "Condition": {"StringEquals": {"iam:PassedToService": "scheduler.amazonaws.com"}}}
    assert document["Statement"][3] == {
        "Sid": "PassMwaaExecutionRolesToMwaa", "Effect": "Allow", "Action": "iam:PassRole",
        "Resource": f"arn:aws:iam::{ACCOUNT}:role/governed-mwaa/*",
        "Condition": {"StringEquals": {"iam:PassedToService": "airflow.amazonaws.com"}}}
    assert document["Statement"][4]["Condition"] == {"StringNotEquals": {"iam:PermissionsBoundary": BOUNDARY_ARN}}
    assert document["Statement"][6]["Resource"] == [BOUNDARY_ARN, GOVERNANCE_BOUNDARY_ARN]
    assert document["Statement"][9]["Resource"] == key_arn
    governance = json.loads(inputs(resources, "aws:iam/policy:Policy", "platform-governance-boundary")["policy"])
    assert governance == governance_boundary_document(protected)
    assert governance["Statement"][1]["Condition"] == {
        "StringNotEquals": {"iam:PermissionsBoundary": GOVERNANCE_BOUNDARY_ARN}}
    role = inputs(resources, "aws:iam/role:Role", "company-jwt-authorizer-role")
    assert role["permissionsBoundary"] == BOUNDARY_ARN


def test_authorizer_is_a_governed_function_with_the_platforms_own_resources(deployed):
    resources, _ = deployed
    function = inputs(resources, "aws:lambda/function:Function", "company-jwt-authorizer")
    layer_arns = {r.inputs["layerName"]: r.outputs["arn"]
                  for r in by_type(resources, "aws:lambda/layerVersion:LayerVersion")}
    assert function["handler"] == "handlers.jwt_authorizer.app.handler"
    assert function["runtime"] == "python3.12"
    assert function["layers"] == [layer_arns["company-observability"], layer_arns["powertools-python"],
                                  layer_arns["jwt-authorizer-deps"]]
    assert function["codeSigningConfigArn"] == one(
        resources, "aws:lambda/codeSigningConfig:CodeSigningConfig").outputs["arn"]
    assert function["kmsKeyArn"] == one(resources, "aws:kms/key:Key").outputs["arn"]
    assert function["reservedConcurrentExecutions"] == 50
    assert function["tracingConfig"] == {"mode": "Active"}
    assert function["environment"]["variables"] == {
        "POWERTOOLS_SERVICE_NAME": "company-jwt-authorizer", "POWERTOOLS_METRICS_NAMESPACE": "serverless-governance",
        "JWT_ISSUER": ISSUER, "JWT_AUDIENCE": "api://serverless-workloads", "JWT_LEEWAY_SECONDS": "30",
        "SERVICE_ID": "platform"}
    signing = inputs(resources, "aws:signer/signingJob:SigningJob", "company-jwt-authorizer-signing")
    assert signing["profileName"] == one(resources, "aws:signer/signingProfile:SigningProfile").outputs["name"]
    permission = inputs(resources, "aws:lambda/permission:Permission", "company-jwt-authorizer-apigateway")
    assert permission == {"action": "lambda:InvokeFunction", "function": "company-jwt-authorizer",
                          "principal": "apigateway.amazonaws.com", "sourceAccount": ACCOUNT,
                          "sourceArn": f"arn:aws:execute-api:us-east-1:{ACCOUNT}:*/authorizers/*"}


def test_governance_topic_is_encrypted_and_open_to_account_services(deployed):
    resources, _ = deployed
    topic = inputs(resources, "aws:sns/topic:Topic", "governance-notices")
    assert topic["kmsMasterKeyId"] == one(resources, "aws:kms/key:Key").outputs["arn"]
    policy = json.loads(inputs(resources, "aws:sns/topicPolicy:TopicPolicy")["policy"])
    topic_arn = one(resources, "aws:sns/topic:Topic").outputs["arn"]
    assert policy["Statement"][1] == {
        "Sid": "AccountServicesPublish", "Effect": "Allow",
        "Principal": {"Service": ["cloudwatch.amazonaws.com", "events.amazonaws.com"]},
        "Action": "sns:Publish", "Condition": {"StringEquals": {"aws:SourceAccount": ACCOUNT}},
        "Resource": topic_arn}


def test_resource_groups_by_service_id_tag(deployed):
    resources, _ = deployed
    groups = {r.inputs["name"]: r.raw_inputs for r in by_type(resources, "aws:resourcegroups/group:Group")}
    assert sorted(groups) == ["orders-service", "platform-service"]
    query = groups["orders-service"]["resourceQuery"]
    assert query["type"] == "TAG_FILTERS_1_0"
    assert json.loads(query["query"]) == {"ResourceTypeFilters": ["AWS::AllSupported"],
                                          "TagFilters": [{"Key": "service-id", "Values": ["orders"]}]}


def test_outputs_have_the_names_architecture_stacks_read(deployed):
    resources, exports = deployed
    arn_of = {r.name: r.outputs.get("arn") for r in resources}
    layer_arns = {r.inputs["layerName"]: r.outputs["arn"]
                  for r in by_type(resources, "aws:lambda/layerVersion:LayerVersion")}
    assert exports == {
        "companyLayerArn": layer_arns["company-observability"],
        "powertoolsLayerArn": layer_arns["powertools-python"],
        "codeSigningConfigArn": arn_of["platform-code-signing"],
        "signingProfileName": one(resources, "aws:signer/signingProfile:SigningProfile").outputs["name"],
        "artifactBucket": one(resources, "aws:s3/bucket:Bucket").outputs["bucket"],
        "permissionsBoundaryArn": BOUNDARY_ARN,
        "governanceBoundaryArn": GOVERNANCE_BOUNDARY_ARN,
        "kmsKeyArn": arn_of["platform-key"],
        "authorizerFunctionArn": f"arn:aws:lambda:us-east-1:{ACCOUNT}:function:company-jwt-authorizer",
        "jwtIssuer": ISSUER,
        "jwtAudience": AUDIENCE,
        "requiredTags": TAGS,
        "alarmTopicArn": arn_of["governance-notices"],
    }
    assert exports["companyLayerArn"] == f"arn:aws:lambda:us-east-1:{ACCOUNT}:layer:company-observability:1"


def test_every_child_is_parented_under_the_platform_component(deployed):
    resources, _ = deployed
    platform = one(resources, "serverless-governance:platform:Platform")
    assert platform.parent.endswith("::pulumi:pulumi:Stack::serverless-governance-test") or platform.parent == ""
    assert all(r.parent for r in resources if r is not platform)
    top_level = {r.type for r in resources if r.parent == platform.urn}
    assert "aws:kms/key:Key" in top_level and "serverless-governance:governed:Function" in top_level


def test_every_iam_document_passes_parliament(deployed):
    resources, _ = deployed
    documents = {
        "boundary": inputs(resources, "aws:iam/policy:Policy", "platform-boundary")["policy"],
        "governance boundary": inputs(resources, "aws:iam/policy:Policy", "platform-governance-boundary")["policy"],
        "key policy": inputs(resources, "aws:kms/key:Key")["policy"],
        "bucket policy": inputs(resources, "aws:s3/bucketPolicy:BucketPolicy")["policy"],
        "topic policy": inputs(resources, "aws:sns/topicPolicy:TopicPolicy")["policy"],
        **{r.name: r.raw_inputs["policy"] for r in by_type(resources, "aws:iam/rolePolicy:RolePolicy")},
    }
    assert len(documents) >= 5
    # Misspelt actions fail too (serious_findings): they would silently grant nothing.
    assert {name: serious_findings(document) for name, document in documents.items()} == \
        {name: [] for name in documents}


# -- configuration -------------------------------------------------------------------------------------------


def test_warn_and_a_given_powertools_layer_in_a_sandbox(layer_dir):
    powertools = "arn:aws:lambda:us-east-1:017000801446:layer:AWSLambdaPowertoolsPythonV3-python312-x86_64:18"
    captured: dict = {}
    resources = run_program(platform_program(PlatformArgs(layer_build_dir=str(layer_dir)), captured), config={
        **CONFIG, "serverless-governance:codeSigningPolicy": "Warn", "serverless-governance:sandbox": "true",
        "serverless-governance:powertoolsLayerArn": powertools})
    assert inputs(resources, "aws:lambda/codeSigningConfig:CodeSigningConfig")["policies"] == {
        "untrustedArtifactOnDeployment": "Warn"}
    assert sorted(r.inputs["layerName"] for r in by_type(resources, "aws:lambda/layerVersion:LayerVersion")) == [
        "company-observability", "jwt-authorizer-deps"]
    assert captured["powertoolsLayerArn"] == powertools
    assert inputs(resources, "aws:lambda/function:Function", "company-jwt-authorizer")["layers"][1] == powertools


@pytest.mark.parametrize("changes, message", [
    ({"serverless-governance:codeSigningPolicy": "Warn"},
     "codeSigningPolicy: 'Warn' deploys unsigned code and is allowed only in a sandbox account"),
    ({"serverless-governance:codeSigningPolicy": "Off"},
     "codeSigningPolicy: 'Off' is not allowed; allowed: Enforce, Warn"),
    ({"serverless-governance:jwtIssuer": "http://login.example.com/"},
     "jwtIssuer: 'http://login.example.com/' must be the token issuer's https:// URL"),
    ({"serverless-governance:jwtAudience": []}, "jwtAudience: [] must be a non-empty list of audiences"),
    ({"serverless-governance:powertoolsLayerArn": "arn:aws:lambda:us-east-1:017000801446:layer:p"},
     "powertoolsLayerArn: 'arn:aws:lambda:us-east-1:017000801446:layer:p' must be a versioned layer ARN"),
])
def test_bad_config_names_the_key(layer_dir, changes, message):
    with pytest.raises(ProgramError) as error:
        run_program(platform_program(PlatformArgs(layer_build_dir=str(layer_dir)), {}), config={**CONFIG, **changes})
    assert message in str(error.value)


def test_missing_issuer_config_is_explained(layer_dir):
    config = {k: v for k, v in CONFIG.items() if not k.endswith("jwtIssuer")}
    with pytest.raises(ProgramError) as error:
        run_program(platform_program(PlatformArgs(layer_build_dir=str(layer_dir)), {}), config=config)
    assert "jwtIssuer: None must be the token issuer's https:// URL (run 'pulumi config set jwtIssuer" \
        in str(error.value)


@pytest.mark.parametrize("args, message", [
    (PlatformArgs(boundary_service_namespaces=["dynamodb:*"]),
     "boundary_service_namespaces: 'dynamodb:*' must be one service namespace such as 'dynamodb'"),
    (PlatformArgs(boundary_service_namespaces=["iam"]),
     "boundary_service_namespaces: 'iam' is not allowed; a workload boundary never allows the whole of iam, "
     "organizations, sts, signer, cloudtrail, account"),
    (PlatformArgs(boundary_service_namespaces=[]),
     "boundary_service_namespaces: [] must be a non-empty list of service namespaces"),
    (PlatformArgs(boundary_pass_role_services=["lambda.amazonaws.com"]),
     "boundary_pass_role_services: 'lambda.amazonaws.com' is not allowed: it acts with the role it is given"),
    (PlatformArgs(boundary_pass_role_services=["forecast"]),
     "boundary_pass_role_services: 'forecast' must be a service principal such as 'forecast.amazonaws.com'"),
    (PlatformArgs(authorizer_reserved_concurrency=0), "authorizer_reserved_concurrency: 0 must be a positive"),
    (PlatformArgs(signature_validity_months=136), "signature_validity_months: 136 must be 1-135"),
    (PlatformArgs(service_ids=["orders service"]), "service_ids: 'orders service' must be 1-120 characters"),
])
def test_bad_args_are_refused(layer_dir, args, message):
    args.layer_build_dir = str(layer_dir)
    with pytest.raises(ProgramError) as error:
        run_program(platform_program(args, {}), config=CONFIG)
    assert message in str(error.value)


def test_missing_layer_build_says_how_to_build_it(tmp_path):
    with pytest.raises(ProgramError) as error:
        run_program(platform_program(PlatformArgs(layer_build_dir=str(tmp_path)), {}), config=CONFIG)
    assert (f"layer 'powertools-python': layer directory {tmp_path / 'powertools' / 'python'} does not exist; "
            f"build the layers with 'python -m components.platform.layers'") in str(error.value)


def test_boundary_service_namespaces_replace_the_default(layer_dir):
    resources = run_program(platform_program(PlatformArgs(layer_build_dir=str(layer_dir),
                                                           boundary_service_namespaces=["sqs", "dynamodb"]), {}),
                            config=CONFIG)
    document = json.loads(inputs(resources, "aws:iam/policy:Policy", "platform-boundary")["policy"])
    assert document["Statement"][0]["Action"] == ["dynamodb:*", "sqs:*"]
    resources = run_program(platform_program(PlatformArgs(layer_build_dir=str(layer_dir),
                                                           boundary_pass_role_services=[]), {}), config=CONFIG)
    document = json.loads(inputs(resources, "aws:iam/policy:Policy", "platform-boundary")["policy"])
    assert "PassRolesToApprovedServices" not in [s["Sid"] for s in document["Statement"]]


def test_catalogue_builds_the_platform_stack_and_exports_its_outputs(layer_dir):
    resources = run_program(architectures.build, config={
        **CONFIG, "serverless-governance:architecture": "platform",
        "serverless-governance:parameters": {"layer_build_dir": str(layer_dir)}})
    one(resources, "serverless-governance:platform:Platform")
    # The catalogue registers the required tags on every taggable resource of the stack.
    assert inputs(resources, "aws:kms/key:Key")["tags"] == TAGS


# -- the layer build tool ------------------------------------------------------------------------------------


def test_layer_pip_command_targets_lambdas_platform(tmp_path):
    command = layers.pip_command(["PyJWT==2.15.1"], tmp_path)
    assert command[1:] == [
        "-m", "pip", "install", "--quiet", "--no-compile", "--platform", "manylinux2014_x86_64",
        "--implementation", "cp", "--python-version", "3.12", "--only-binary=:all:", "--upgrade",
        "--target", str(tmp_path), "PyJWT==2.15.1"]
    assert layers.BUILT_LAYERS["jwt-authorizer-deps"] == ["-r", str(layers.AUTHORIZER_REQUIREMENTS)]
    assert layers.AUTHORIZER_REQUIREMENTS.read_text().splitlines()[-2:] == ["PyJWT==2.15.1", "cryptography==50.0.2"]


def test_example_stack_file_builds_in_preview(layer_dir):
    """stacks/Pulumi.platform-dev.yaml as the CLI would pass it, run as `pulumi preview` (ARNs unknown)."""
    import yaml  # noqa: PLC0415 - only this test reads YAML

    stack_file = Path(__file__).resolve().parents[2] / "stacks" / "Pulumi.platform-dev.yaml"
    config = yaml.safe_load(stack_file.read_text())["config"]
    config["serverless-governance:parameters"]["layer_build_dir"] = str(layer_dir)  # the test's build
    resources = run_program(architectures.build, config=config, preview=True)
    groups = sorted(r.inputs["name"] for r in by_type(resources, "aws:resourcegroups/group:Group"))
    assert groups == ["api-poller-service", "platform-service", "saga-orchestration-service"]
    csc = inputs(resources, "aws:lambda/codeSigningConfig:CodeSigningConfig")
    assert csc["policies"] == {"untrustedArtifactOnDeployment": "Enforce"}
    # At preview the boundary ARN is computed from known parts, so the role's boundary is known too.
    assert inputs(resources, "aws:iam/role:Role", "company-jwt-authorizer-role")["permissionsBoundary"] == BOUNDARY_ARN


def test_authorizer_role_waits_for_the_boundary_policy(deployed):
    resources, _ = deployed
    role = one(resources, "aws:iam/role:Role", "company-jwt-authorizer-role")
    assert role.property_dependencies["permissionsBoundary"] == [
        one(resources, "aws:iam/policy:Policy", "platform-boundary").urn]
