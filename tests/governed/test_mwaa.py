"""GovernedMwaaEnvironment: a private web server, the platform key, all five Airflow log types at INFO, a
versioned private DAG bucket, an execution role under the path the boundary lets workloads pass to MWAA, and a
security group open to its own members only. Exact properties under Pulumi mocks (one program run), parliament,
AWS's limits, what is refused, and the workload boundary's decision on passing roles to MWAA."""
from __future__ import annotations

import json

import pytest

from components.governance import Governance
from components.governed._overrides import GovernanceError
from components.governed.aws_limits import name_problems, value_problems
from components.governed.mwaa import GovernedMwaaEnvironment, MwaaEnvironmentArgs
from components.platform.policies import MWAA_ROLE_PATH, GovernedResources, boundary_document
from tests.support.iam import serious_findings_by_policy
from tests.support.iam_eval import evaluate
from tools.offline_engine import by_type, one, run_program

GOV = Governance.for_tests()
ACCOUNT = "123456789012"
NETWORK = {"environment_name": "analytics-dev", "vpc_id": "vpc-0123456789abcdef0",
           "subnet_ids": ["subnet-0123456789abcdef0", "subnet-0fedcba9876543210"]}
LOG_KINDS = ("dagProcessingLogs", "schedulerLogs", "taskLogs", "webserverLogs", "workerLogs")


PUBLIC = MwaaEnvironmentArgs(**{**NETWORK, "environment_name": "vendor-dev"}, webserver_access_mode="PUBLIC_ONLY",
                             overrides={"mwaa-private-webserver": "the vendor's SSO cannot reach the VPC"})


@pytest.fixture(scope="module")
def both():
    """One program run: the secure default ("airflow") and a public web server with a written reason ("vendor")."""
    def program():
        GovernedMwaaEnvironment("airflow", MwaaEnvironmentArgs(**NETWORK), governance=GOV)
        GovernedMwaaEnvironment("vendor", PUBLIC, governance=GOV)
    return run_program(program)


@pytest.fixture(scope="module")
def resources(both):
    """The default environment's resources (not the vendor's: vendor*, and its bucket airflow-vendor)."""
    return [r for r in both if not r.name.startswith(("vendor", "airflow-vendor"))]


def test_the_environment_is_private_encrypted_and_logs_everything(resources):
    env = one(resources, "aws:mwaa/environment:Environment", "airflow")
    inputs = env.inputs
    assert (inputs["name"], inputs["webserverAccessMode"], inputs["kmsKey"], inputs["airflowVersion"],
            inputs["environmentClass"], inputs["minWorkers"], inputs["maxWorkers"], inputs["schedulers"],
            inputs["dagS3Path"]) == (
        "analytics-dev", "PRIVATE_ONLY", GOV.kms_key_arn, "2.10.3", "mw1.small", 1, 1, 2, "dags")
    assert inputs["loggingConfiguration"] == {kind: {"enabled": True, "logLevel": "INFO"} for kind in LOG_KINDS}
    group = one(resources, "aws:ec2/securityGroup:SecurityGroup", "airflow-sg").outputs["id"]
    assert inputs["networkConfiguration"] == {"subnetIds": NETWORK["subnet_ids"], "securityGroupIds": [group]}
    assert name_problems(env.type, env.name, inputs) == [] and value_problems(env.type, inputs) == []


def test_the_dag_bucket_is_versioned_private_and_named_for_mwaa(resources):
    bucket = one(resources, "aws:s3/bucket:Bucket", "airflow-airflow")
    assert bucket.outputs["bucket"].startswith("airflow-")
    assert one(resources, "aws:mwaa/environment:Environment").inputs["sourceBucketArn"] == bucket.outputs["arn"]
    assert one(resources, "aws:s3/bucketVersioning:BucketVersioning").inputs["versioningConfiguration"] == {
        "status": "Enabled"}
    block = one(resources, "aws:s3/bucketPublicAccessBlock:BucketPublicAccessBlock").inputs
    assert [block[k] for k in ("blockPublicAcls", "blockPublicPolicy", "ignorePublicAcls",
                               "restrictPublicBuckets")] == [True, True, True, True]


def test_the_execution_role_is_mwaas_for_this_account_under_the_governed_path(resources):
    role = one(resources, "aws:iam/role:Role", "airflow-execution-role").inputs
    assert (role["path"], role["permissionsBoundary"]) == (MWAA_ROLE_PATH, GOV.permissions_boundary_arn)
    assert json.loads(role["assumeRolePolicy"])["Statement"] == [{
        "Effect": "Allow", "Principal": {"Service": ["airflow-env.amazonaws.com", "airflow.amazonaws.com"]},
        "Action": "sts:AssumeRole", "Condition": {"StringEquals": {"aws:SourceAccount": ACCOUNT}}}]
    policy = json.loads(one(resources, "aws:iam/rolePolicy:RolePolicy").inputs["policy"])
    grants = {s["Sid"]: s["Resource"] for s in policy["Statement"]}
    assert grants["WriteAirflowLogs"] == [f"arn:aws:logs:us-east-1:{ACCOUNT}:log-group:airflow-analytics-dev-*"]
    assert grants["CeleryQueues"] == ["arn:aws:sqs:us-east-1:*:airflow-celery-*"]
    assert grants["PublishAirflowMetrics"] == [f"arn:aws:airflow:us-east-1:{ACCOUNT}:environment/analytics-dev"]
    assert grants["PlatformKey"] == [GOV.kms_key_arn]
    assert serious_findings_by_policy(by_type(resources, "aws:iam/rolePolicy:RolePolicy")) == {}


def test_the_security_group_admits_its_members_only(resources):
    ingress = by_type(resources, "aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule")
    group = one(resources, "aws:ec2/securityGroup:SecurityGroup").outputs["id"]
    assert [(r.inputs["ipProtocol"], r.inputs["referencedSecurityGroupId"]) for r in ingress] == [("-1", group)]
    egress = {r.name: r.inputs for r in by_type(resources, "aws:vpc/securityGroupEgressRule:SecurityGroupEgressRule")}
    assert egress["airflow-sg-https-out"]["fromPort"] == 443 and egress["airflow-sg-https-out"]["cidrIpv4"] == (
        "0.0.0.0/0")


@pytest.mark.parametrize("changes, message", [
    ({"webserver_access_mode": "PUBLIC_ONLY"}, "mwaa-private-webserver"),
    ({"log_level": "DEBUG"}, "log_level 'DEBUG' must be one of INFO, WARNING, ERROR, CRITICAL"),
    ({"subnet_ids": ["subnet-0123456789abcdef0"]}, "must name exactly two private subnets"),
    ({"environment_name": "1-bad"}, "environment_name '1-bad' must start with a letter"),
    ({"min_workers": 2, "max_workers": 1}, "min_workers 2 must not exceed max_workers"),
    ({"schedulers": 1}, "schedulers 1 must be an integer from 2 to 5"),
    ({"weekly_maintenance_window_start": "SUN:03:15"}, "must be 'DAY:HH:MM'"),
])
def test_what_the_guardrails_or_mwaa_would_refuse_is_refused(changes, message):
    with pytest.raises(GovernanceError, match=message):
        GovernedMwaaEnvironment("airflow", MwaaEnvironmentArgs(**{**NETWORK, **changes}), governance=GOV)


def test_a_public_web_server_needs_a_written_reason(both):
    env = one(both, "aws:mwaa/environment:Environment", "vendor").inputs
    assert env["webserverAccessMode"] == "PUBLIC_ONLY"
    assert "mwaa-private-webserver" in json.dumps(env["tags"])


PROTECTED = GovernedResources("aws", ACCOUNT, f"arn:aws:iam::{ACCOUNT}:policy/company-workload-boundary",
                              f"arn:aws:iam::{ACCOUNT}:policy/company-governance-boundary",
                              f"arn:aws:kms:us-east-1:{ACCOUNT}:key/1234abcd-12ab-34cd-56ef-1234567890ab")
ADMIN = [{"Statement": [{"Effect": "Allow", "Action": "*", "Resource": "*"}]}]


@pytest.mark.parametrize("role, service, allowed", [
    (f"role{MWAA_ROLE_PATH}airflow-execution-role-1234567", "airflow.amazonaws.com", True),
    ("role/admin", "airflow.amazonaws.com", False),  # DAGs would run with any role's rights
    (f"role{MWAA_ROLE_PATH}airflow-execution-role-1234567", "lambda.amazonaws.com", False),
])
def test_workloads_may_pass_mwaa_only_governed_execution_roles(role, service, allowed):
    decision = evaluate("iam:PassRole", f"arn:aws:iam::{ACCOUNT}:{role}", identity=ADMIN,
                        boundary=boundary_document(PROTECTED), context={"iam:PassedToService": service})
    assert decision.allowed is allowed
