"""The platform's Config rule Lambda completes every periodic sweep with exactly the permissions it is deployed with.

Two halves, because no single tool here enforces both:

* moto enforces the role's *actions*: the test creates the role with the actions of the inline policy the
  platform stack writes (from the mocks run of stacks/Pulumi.platform-dev.yaml), assumes it, and runs each
  guardrail's sweep with those credentials while moto's IAM enforcement is on
  (``moto.core.authorization.enable_iam_authentication``): a call whose action the policy lacks is an
  AccessDenied, as in AWS. moto authorises most services' requests against the resource ``*`` and knows no
  permissions boundary, so the role it gets has each statement's resources widened to ``*``;
* the evaluator checks the rest exactly: every call the sweeps made, on the ARN its parameters name (``*`` for
  the List calls AWS authorises on ``*``), against the real policy ∩ governance boundary.

Each sweep first reads the pack config's exemptions from the SSM parameter the platform publishes (created here
as the platform writes it, under the name in the deployed function's environment), so that read is checked too:
``ssm:GetParameter`` on exactly the parameter's ARN.

moto answers ``PutEvaluations`` only in TestMode, so the runner reports in TestMode (same call, same permission);
moto lacks GetComplianceDetailsByConfigRule (the sweep's read of its rule's last verdicts) and refuses an empty
PutEvaluations (a sweep that found nothing), so ``RecordingConfig`` answers those two, and the evaluator half checks
their permission: GetComplianceDetailsByConfigRule on a Config rule's ARN.
These moto 5 bugs are corrected, not worked around: its signature check rejects correctly signed API Gateway v2
requests (it recomputes the signature over another path), so the signature check is off; and it names API Gateway
actions after the operation (``apigateway:GetApis``) where IAM names them after the HTTP method
(``apigateway:GET``), misses S3's ``publicAccessBlock`` query (``MOTO_S3_QUERY_ACTIONS``), and names AWS Batch actions
after the lower-cased URL path (``batch:describecomputeenvironments``), which its case-sensitive policy match then
refuses (IAM matches action names case-insensitively), so ``moto_authorization`` renames them before moto's own
authorization check runs.
moto has no MWAA backend: ``MWAA_ANSWERS`` answers the sweep's two MWAA reads (one environment) in place of AWS, so
only the evaluator half checks them (``airflow:ListEnvironments`` on ``*``, ``airflow:GetEnvironment`` on the
environment's ARN, which the call names by ``Name``).
"""
from __future__ import annotations

import contextlib
import json
from dataclasses import replace
from unittest.mock import patch

import boto3
import botocore.session
import pytest
from botocore.client import BaseClient
from moto import mock_aws
from moto.core.authorization import enable_iam_authentication
from moto.iam.access_control import IAMRequestBase

from components.platform.config_rules import (
    ConfigRulesArgs,
    load_pack_config,
    plan_exemptions_parameter,
    plan_rules,
)
from handlers.config_rule import app, params
from tests.detective.conftest import RecordingConfig
from tests.support import aws_calls, deploy

REGION = "us-east-1"
LAMBDA_TRUST = {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "sts:AssumeRole",
                                                        "Principal": {"Service": "lambda.amazonaws.com"}}]}


@pytest.fixture(scope="module")
def rule_role(tmp_path_factory) -> deploy.RoleFacts:
    facts = deploy.stack_facts("platform-dev", str(deploy.layer_build(tmp_path_factory.mktemp("layers"))))
    found = [role for role in facts.roles.values()
             if any(f.inputs["handler"] == "handlers.config_rule.app.handler" for f in role.functions)]
    assert len(found) == 1
    return found[0]


def periodic_plans():
    plans, _ = plan_rules(ConfigRulesArgs(input_parameters=load_pack_config("policies/config.dev.json")))
    return [plan for plan in plans if plan.periodic]


def exemptions_parameter(role: deploy.RoleFacts) -> str:
    """The exemptions parameter, created as the platform writes it; its name is the deployed function's."""
    [function] = role.functions
    name = function.inputs["environment"]["variables"][params.EXEMPTIONS_PARAMETER_ENV]
    plan = plan_exemptions_parameter(ConfigRulesArgs(input_parameters=load_pack_config("policies/config.dev.json")))
    assert name == plan.name
    boto3.client("ssm", region_name=REGION).put_parameter(Name=name, Value=plan.value, Type="String", Tier=plan.tier)
    return name


CONFIG_RULE_ARN = f"arn:aws:config:{REGION}:123456789012:config-rule/config-rule-a1b2c3"


def parameter_arn(name: str) -> str:
    return f"arn:aws:ssm:{REGION}:123456789012:parameter/{name.lstrip('/')}"


def account_with_one_of_each() -> None:
    """A function (with a URL, a policy and an async config), a role with a boundary, a queue, a topic with a
    subscription, a state machine, a log group, a bucket, an event rule with a target, an HTTP API and an Amazon MQ
    broker (and the default VPC's security group moto creates)."""
    iam = boto3.client("iam", region_name=REGION)
    role = iam.create_role(RoleName="fn-role", AssumeRolePolicyDocument=json.dumps(LAMBDA_TRUST),
                           PermissionsBoundary="arn:aws:iam::123456789012:policy/company-workload-boundary")["Role"]
    lam = boto3.client("lambda", region_name=REGION)
    function = lam.create_function(FunctionName="fn", Runtime="python3.12", Role=role["Arn"], Handler="app.handler",
                                   Code={"ZipFile": b"PK\x05\x06" + b"\x00" * 18})
    lam.create_function_url_config(FunctionName="fn", AuthType="AWS_IAM")
    lam.add_permission(FunctionName="fn", StatementId="s3", Action="lambda:InvokeFunction",
                       Principal="s3.amazonaws.com")
    queue = boto3.client("sqs", region_name=REGION).create_queue(QueueName="q")["QueueUrl"]
    sns = boto3.client("sns", region_name=REGION)
    topic = sns.create_topic(Name="t")["TopicArn"]
    sns.subscribe(TopicArn=topic, Protocol="lambda", Endpoint=function["FunctionArn"])
    boto3.client("stepfunctions", region_name=REGION).create_state_machine(
        name="sm", roleArn=role["Arn"], definition=json.dumps({"StartAt": "A", "States": {"A": {"Type": "Succeed"}}}))
    boto3.client("logs", region_name=REGION).create_log_group(logGroupName="/aws/lambda/fn")
    boto3.client("s3", region_name=REGION).create_bucket(Bucket="governed-bucket")
    events = boto3.client("events", region_name=REGION)
    events.put_rule(Name="r", ScheduleExpression="rate(1 hour)")
    events.put_targets(Rule="r", Targets=[{"Id": "fn", "Arn": function["FunctionArn"]}])
    boto3.client("apigatewayv2", region_name=REGION).create_api(Name="api", ProtocolType="HTTP")
    boto3.client("mq", region_name=REGION).create_broker(
        BrokerName="orders", EngineType="ACTIVEMQ", EngineVersion="5.18", DeploymentMode="SINGLE_INSTANCE",
        HostInstanceType="mq.t3.micro", PubliclyAccessible=False, Users=[{"Username": "app", "Password": "secret-secret"}])
    assert queue


def assumed_session(role: deploy.RoleFacts) -> boto3.Session:
    """The rule Lambda's role as the platform writes it, created in moto and assumed."""
    iam = boto3.client("iam", region_name=REGION)
    arn = iam.create_role(RoleName="governance-config-rule-role",
                          AssumeRolePolicyDocument=json.dumps(LAMBDA_TRUST))["Role"]["Arn"]
    for index, document in enumerate(role.policies):
        # moto compares against Resource "*" (see the module docstring): same actions, resources widened.
        widened = {**document, "Statement": [{**st, "Resource": "*"} for st in document["Statement"]]}
        iam.put_role_policy(RoleName="governance-config-rule-role", PolicyName=f"policy-{index}",
                            PolicyDocument=json.dumps(widened))
    credentials = boto3.client("sts", region_name=REGION).assume_role(
        RoleArn=arn, RoleSessionName="sweep")["Credentials"]
    return boto3.Session(aws_access_key_id=credentials["AccessKeyId"],
                         aws_secret_access_key=credentials["SecretAccessKey"],
                         aws_session_token=credentials["SessionToken"], region_name=REGION)


MWAA_ENVIRONMENT_ARN = f"arn:aws:airflow:{REGION}:123456789012:environment/pipelines"
# The two MWAA reads the sweep makes, answered as AWS would (moto has none): one private, encrypted environment.
MWAA_ANSWERS = {
    "ListEnvironments": {"Environments": ["pipelines"]},
    "GetEnvironment": {"Environment": {
        "Name": "pipelines", "Arn": MWAA_ENVIRONMENT_ARN, "WebserverAccessMode": "PRIVATE_ONLY",
        "KmsKey": f"arn:aws:kms:{REGION}:123456789012:key/1234abcd-12ab-34cd-56ef-1234567890ab",
        "LoggingConfiguration": {log_type: {"Enabled": True, "LogLevel": "INFO"} for log_type in (
            "DagProcessingLogs", "SchedulerLogs", "TaskLogs", "WebserverLogs", "WorkerLogs")}}},
}


def sweep_all(session: boto3.Session, parameter: str) -> tuple[dict, list]:
    """Every periodic guardrail's sweep with ``session``'s credentials; the results and the calls made."""
    runner = app.RuleRunner(app.catalogue_rules(), config_client=RecordingConfig(session.client("config")),
                            lambda_client=session.client("lambda"), iam_client=session.client("iam"),
                            session=session, test_mode=True,
                            published=app.PublishedExemptions(parameter, client=session.client("ssm")))
    calls: list = []
    original = BaseClient._make_api_call

    def recording(client, operation, params):  # noqa: ANN001, ANN202 (botocore's signature)
        made = aws_calls.recorded_calls(client, operation, params, "handlers.config_rule.app")
        if client.meta.service_model.signing_name == "ssm":  # SSM names a parameter by Name, not by ARN
            made = [replace(call, param="Name", value=parameter_arn(params["Name"])) for call in made]
        if operation == "GetComplianceDetailsByConfigRule":  # authorised on the rule's ARN, by the id Config assigns
            made = [replace(call, param="ConfigRuleName", value=CONFIG_RULE_ARN) for call in made]
        if operation == "GetEnvironment":  # MWAA names the environment by Name; IAM authorises on its ARN
            assert params == {"Name": "pipelines"}
            made = [replace(call, param="Name", value=MWAA_ENVIRONMENT_ARN) for call in made]
        calls.extend(made)
        if client.meta.service_model.service_name == "mwaa":  # moto has no MWAA (module docstring)
            return MWAA_ANSWERS[operation]
        return original(client, operation, params)

    results = {}
    with patch.object(BaseClient, "_make_api_call", recording):
        for plan in periodic_plans():
            event = {"configRuleName": plan.name, "resultToken": "token", "eventLeftScope": False,
                     "ruleParameters": plan.input_parameters or "{}",
                     "invokingEvent": json.dumps({"messageType": "ScheduledNotification",
                                                  "notificationCreationTime": "2026-12-03T09:00:00.000Z",
                                                  "awsAccountId": "123456789012", "recordVersion": "1.0"})}
            results[plan.rule_id] = runner.handle(event)
    return results, calls


# S3 requests moto names wrongly (it misses the ``publicAccessBlock`` query and names the bucket GET ListBucket),
# by their query string, with IAM's name (Service Authorization Reference).
MOTO_S3_QUERY_ACTIONS = {"publicAccessBlock": "s3:GetBucketPublicAccessBlock"}
# AWS Batch's operations by moto's lower-cased name (``describejobdefinitions`` -> ``DescribeJobDefinitions``).
BATCH_OPERATIONS = {name.lower(): name
                    for name in botocore.session.get_session().get_service_model("batch").operation_names}


@contextlib.contextmanager
def moto_authorization():
    """moto's IAM enforcement for every request, with the two corrections the module docstring names."""
    original = IAMRequestBase.check_action_permitted

    def check_action_permitted(self, resource):  # noqa: ANN001, ANN202 (moto's signature)
        if self._service == "apigateway":
            self._action = f"apigateway:{self._method}"
        if self._service == "batch":
            self._action = f"batch:{BATCH_OPERATIONS.get(self._action.partition(':')[2], self._action)}"
        if self._service == "s3" and self._method == "GET":
            query = self._path.partition("?")[2]
            for key, action in MOTO_S3_QUERY_ACTIONS.items():
                if key in query.split("&") or query.startswith(key + "="):
                    self._action = action
        return original(self, resource)

    with enable_iam_authentication(), patch.object(IAMRequestBase, "check_signature", lambda self: None), \
            patch.object(IAMRequestBase, "check_action_permitted", check_action_permitted):
        yield


def test_every_periodic_sweep_completes_with_the_deployed_policy_and_boundary(rule_role, monkeypatch):
    monkeypatch.setenv("CONFIG_RULE_NAME_PREFIX", "governance-")  # as the platform sets it on the function
    with mock_aws():
        account_with_one_of_each()
        parameter = exemptions_parameter(rule_role)
        session = assumed_session(rule_role)
        with moto_authorization():
            results, calls = sweep_all(session, parameter)
    assert {rule: result["status"] for rule, result in results.items()} == {rule: "OK" for rule in results}
    assert len(results) == len(periodic_plans()) >= 15
    # The boundary half: every call the sweeps made, decided against policy ∩ governance boundary.
    requirements = [deploy.Requirement(call.action, aws_calls.resource_arn(call.param, call.value, "123456789012", REGION)
                                       if call.param else "*", f"sweep calls {call.action} {call.value or ''}")
                    for call in dict.fromkeys(calls)]
    problems = deploy.missing(rule_role, requirements)
    assert problems == []
    # One read of the exemptions parameter for all the sweeps (cached), on its exact ARN.
    assert [(c.action, c.value) for c in calls if c.action.startswith("ssm:")] == [
        ("ssm:GetParameter", parameter_arn("/governance-config-rules/exemptions"))]
    # Every sweep read its rule's last verdicts (to close those of resources gone), allowed on the rule's ARN.
    assert {(c.action, c.value) for c in calls if c.action == "config:GetComplianceDetailsByConfigRule"} == {
        ("config:GetComplianceDetailsByConfigRule", CONFIG_RULE_ARN)}
    assert len({call.action for call in calls}) >= 20
