"""securityhub-remediation (seed 001 #17): the playbooks against moto's STS, IAM, KMS, SNS and Security Hub, and the
orchestrator executed in moto's Step Functions with the real playbook handlers behind its tasks.

What is real here: the handlers; moto's ``AssumeRole`` (credentials the playbook then uses), IAM's account password
policy (``UpdateAccountPasswordPolicy`` / ``GetAccountPasswordPolicy``), KMS key rotation, SNS delivering the notice to
an SQS subscription, Security Hub's ``BatchImportFindings`` / ``GetFindings`` (the post's CIS 1.5 finding); the
orchestrator's Map, Choice, Retry/Catch and its ``sns:publish`` failure notice.

What is faked, and why: moto has no ``BatchUpdateFindings``. The playbooks reach Security Hub through the injectable
``FindingsApi`` (``playbook.securityhub``); the tests inject a moto Security Hub client whose ``BatchUpdateFindings`` is
answered by :class:`RecordingBatchUpdate`: it records the request and applies it (workflow status, note) to the
finding in moto's store, so that ``GetFindings`` shows the result. The call still goes
through botocore, so ``checked_aws_calls`` checks it against the deployed role like every other call; calls made
with the assumed role's credentials are checked against the remediation role the stack deploys. moto does not
evaluate trust policies or ExternalIds: the trust is asserted on the component (mocks test). EventBridge cannot
deliver to Step Functions in moto: the tests start the orchestrator with the input the rule's transformer produces
(rendered by ``components.governed.input_transformer``).
"""
from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import boto3
import pytest
from botocore.awsrequest import AWSResponse
from moto import mock_aws
from moto.securityhub.models import securityhub_backends

from components.governed.input_transformer import render
from components.governed.state_machine import render_definition
from components.messaging.securityhub_remediation import (
    CUSTOM_ACTION,
    IMPORTED,
    ORCHESTRATOR_DEFINITION,
    PLAYBOOKS,
    SecurityhubRemediationArgs,
    orchestrator_input,
)
from handlers.securityhub_remediation import cis15_111, cis23, cis28, cis41_42, cis43, findings, playbook
from tests.support.aws_calls import checked_aws_calls  # noqa: F401 (the fixture)
from tests.support.sfn import (
    ACCOUNT,
    MOTO_CONFIG,
    REGION,
    FakeLambdaContext,
    create_functions,
    create_state_machine,
    entered_states,
    lambda_router,
    lint,
    run_execution,
    trusted_role,
)

pytestmark = [pytest.mark.usefixtures("checked_aws_calls"),
              pytest.mark.filterwarnings("ignore:No application metrics:UserWarning")]
DEPLOYED_STACK = "securityhub-remediation-dev"

ARGS = SecurityhubRemediationArgs()
PRODUCT_ARN = f"arn:aws:securityhub:{REGION}::product/aws/securityhub"
GENERATOR = "arn:aws:securityhub:::ruleset/cis-aws-foundations-benchmark/v/1.2.0/rule/{}"
ROLE_NAME = f"governed-remediation/{ARGS.role_name_prefix}-{{}}"
CIS_POLICY = {"MinimumPasswordLength": 14, "RequireSymbols": True, "RequireNumbers": True,
              "RequireUppercaseCharacters": True, "RequireLowercaseCharacters": True,
              "AllowUsersToChangePassword": True, "ExpirePasswords": True, "MaxPasswordAge": 90,
              "PasswordReusePrevention": 24, "HardExpiry": False}


def finding(control: str, finding_id: str, resource: str = f"AWS::::Account:{ACCOUNT}",
            account: str = ACCOUNT) -> dict[str, Any]:
    """A CIS v1.2.0 finding as Security Hub imports it (ASFF), failed and not yet worked on."""
    return {
        "SchemaVersion": "2018-10-08", "Id": finding_id, "ProductArn": PRODUCT_ARN,
        "GeneratorId": GENERATOR.format(control), "AwsAccountId": account, "Region": REGION,
        "Types": ["Software and Configuration Checks/Industry and Regulatory Standards/CIS AWS Foundations Benchmark"],
        "CreatedAt": "2020-06-01T12:00:00Z", "UpdatedAt": "2020-06-01T12:00:00Z",
        "Severity": {"Label": "MEDIUM"}, "Title": f"CIS {control}", "Description": f"CIS {control}",
        "Resources": [{"Type": resource_type(resource), "Id": resource}],
        "Compliance": {"Status": "FAILED"}, "Workflow": {"Status": "NEW"}, "RecordState": "ACTIVE",
        "ProductFields": {"RuleId": control},
    }


def resource_type(resource: str) -> str:
    for prefix, kind in (("AWS::", "AwsAccount"), ("arn:aws:kms:", "AwsKmsKey"), ("arn:aws:s3:::", "AwsS3Bucket"),
                         ("arn:aws:ec2:", "AwsEc2SecurityGroup")):
        if resource.startswith(prefix):
            return kind
    raise AssertionError(f"no ASFF resource type for {resource}")


class RecordingBatchUpdate:
    """Answers ``BatchUpdateFindings`` (moto lacks it) on one botocore client: records each request and applies it
    to the finding in moto's store (workflow status, note), as Security Hub would."""

    def __init__(self, client: Any) -> None:
        self.client = client
        self.requests: list[dict[str, Any]] = []
        self.fail_with: str | None = None  # an ErrorCode to answer UnprocessedFindings with
        client.meta.events.register("before-call.securityhub.BatchUpdateFindings", self)

    def __call__(self, params: dict[str, Any], **_: Any) -> tuple[AWSResponse, dict[str, Any]]:
        params = json.loads(params["body"])  # before-call sees the serialised request: the API's JSON body
        self.requests.append(params)
        identifiers = params["FindingIdentifiers"]
        if self.fail_with:
            return AWSResponse("", 200, {}, None), {"ProcessedFindings": [], "UnprocessedFindings": [
                {"FindingIdentifier": i, "ErrorCode": self.fail_with, "ErrorMessage": "emulated"}
                for i in identifiers]}
        # Straight into moto's store: an API call from here would be recorded as the handler's own.
        stored = {f.id: f.data for f in securityhub_backends[ACCOUNT][REGION].findings}
        for identifier in identifiers:
            if "Workflow" in params:
                stored[identifier["Id"]]["Workflow"] = params["Workflow"]
            if "Note" in params:
                stored[identifier["Id"]]["Note"] = {**params["Note"], "UpdatedAt": "2020-06-01T12:05:00Z"}
        return AWSResponse("", 200, {}, None), {"ProcessedFindings": identifiers, "UnprocessedFindings": []}


@pytest.fixture(scope="module")
def aws() -> Iterator[dict[str, Any]]:
    """The stack's notice topic (with an inbox queue subscribed) and Security Hub enabled, in moto."""
    with mock_aws(config=MOTO_CONFIG):
        sns = boto3.client("sns", region_name=REGION)
        sqs = boto3.client("sqs", region_name=REGION)
        topic = sns.create_topic(Name="securityhub-remediation-notices")["TopicArn"]
        inbox = sqs.create_queue(QueueName="security-team-inbox")["QueueUrl"]
        inbox_arn = sqs.get_queue_attributes(QueueUrl=inbox, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
        sns.subscribe(TopicArn=topic, Protocol="sqs", Endpoint=inbox_arn, Attributes={"RawMessageDelivery": "true"})
        securityhub = boto3.client("securityhub", region_name=REGION)
        securityhub.enable_security_hub()
        yield {"topic": topic, "inbox": inbox, "securityhub": securityhub}


@pytest.fixture
def hub(aws, monkeypatch) -> RecordingBatchUpdate:
    recorder = RecordingBatchUpdate(aws["securityhub"])
    monkeypatch.setattr(playbook, "securityhub", aws["securityhub"])
    yield recorder
    aws["securityhub"].meta.events.unregister("before-call.securityhub.BatchUpdateFindings", recorder)


def use_playbook(monkeypatch, aws: dict[str, Any], identifier: str, accounts: str = ACCOUNT) -> None:
    for name, value in {"MEMBER_ROLE_NAME": ROLE_NAME.format(identifier), "EXTERNAL_ID": ARGS.external_id,
                        "MEMBER_ACCOUNTS": accounts, "TOPIC_ARN": aws["topic"]}.items():
        monkeypatch.setenv(name, value)


def inbox(aws: dict[str, Any]) -> list[dict[str, Any]]:
    sqs = boto3.client("sqs", region_name=REGION)
    messages = sqs.receive_message(QueueUrl=aws["inbox"], MaxNumberOfMessages=10).get("Messages", [])
    for message in messages:
        sqs.delete_message(QueueUrl=aws["inbox"], ReceiptHandle=message["ReceiptHandle"])
    return [json.loads(m["Body"]) for m in messages]


def stored(aws: dict[str, Any], finding_id: str) -> dict[str, Any]:
    return next(f for f in aws["securityhub"].get_findings()["Findings"] if f["Id"] == finding_id)


def iam() -> Any:
    return boto3.client("iam", region_name=REGION)


# --------------------------------------------------------------------------------------- CIS 1.5 - 1.11
def test_the_posts_test_case_sets_the_cis_password_policy_and_resolves_the_finding(aws, hub, monkeypatch):
    """The post's test: no password policy, the CIS 1.5 finding FAILED; the analyst chooses "CIS 1.5 – 1.11"."""
    use_playbook(monkeypatch, aws, "CIS15-111")
    with pytest.raises(iam().exceptions.NoSuchEntityException):
        iam().get_account_password_policy()  # Figure 11: "no password policy set"
    aws["securityhub"].batch_import_findings(Findings=[finding("1.5", "cis-1.5-finding")])
    imported = stored(aws, "cis-1.5-finding")
    assert (imported["Compliance"], imported["Workflow"]) == ({"Status": "FAILED"}, {"Status": "NEW"})

    result = cis15_111.handler({"finding": imported, "playbook": "CIS15-111", "trigger": CUSTOM_ACTION},
                               FakeLambdaContext(function_name="CIS15-111"))

    note = ("CIS15-111 remediated CIS 1.5: IAM password policy of account 123456789012 set to the CIS values "
            "(uppercase, lowercase, symbol, number, minimum length 14, reuse prevention 24, maximum age 90 days)")
    assert result == {"status": "RESOLVED", "playbook": "CIS15-111", "findingId": "cis-1.5-finding",
                      "account": ACCOUNT, "control": "1.5", "note": note}
    assert iam().get_account_password_policy()["PasswordPolicy"] == CIS_POLICY
    assert cis15_111.violations(CIS_POLICY) == []
    assert hub.requests == [{
        "FindingIdentifiers": [{"Id": "cis-1.5-finding", "ProductArn": PRODUCT_ARN}],
        "Note": {"Text": note, "UpdatedBy": "securityhub-remediation"}, "Workflow": {"Status": "RESOLVED"}}]
    resolved = stored(aws, "cis-1.5-finding")
    assert (resolved["Workflow"], resolved["Note"]["Text"]) == ({"Status": "RESOLVED"}, note)
    assert inbox(aws) == [result]


def test_the_config_rule_style_check_names_each_failed_control():
    assert cis15_111.violations({"MinimumPasswordLength": 8, "RequireSymbols": False, "RequireNumbers": True,
                                 "RequireUppercaseCharacters": True, "RequireLowercaseCharacters": True,
                                 "ExpirePasswords": False, "PasswordReusePrevention": 5}) == [
        "1.7: RequireSymbols is False, not true", "1.9: MinimumPasswordLength 8 < 14",
        "1.10: PasswordReusePrevention 5 < 24", "1.11: MaxPasswordAge None is not 1-90 days"]
    assert cis15_111.violations({**CIS_POLICY, "MaxPasswordAge": 91, "MinimumPasswordLength": 20}) == [
        "1.11: MaxPasswordAge 91 is not 1-90 days"]


def test_a_finding_from_an_account_without_the_role_gets_a_note_keeps_its_status_and_fails(aws, hub, monkeypatch):
    use_playbook(monkeypatch, aws, "CIS15-111")
    aws["securityhub"].batch_import_findings(Findings=[finding("1.9", "member-finding", account="210987654321")])
    with pytest.raises(PermissionError, match="account 210987654321 has no remediation role for CIS15-111 "
                                              r"\(accounts with one: 123456789012\)"):
        cis15_111.handler({"finding": stored(aws, "member-finding"), "playbook": "CIS15-111",
                           "trigger": CUSTOM_ACTION}, FakeLambdaContext(function_name="CIS15-111"))
    note = ("CIS15-111 could not remediate CIS 1.9: PermissionError: account 210987654321 has no remediation role "
            "for CIS15-111 (accounts with one: 123456789012)")
    assert hub.requests == [{"FindingIdentifiers": [{"Id": "member-finding", "ProductArn": PRODUCT_ARN}],
                             "Note": {"Text": note, "UpdatedBy": "securityhub-remediation"}}]
    assert stored(aws, "member-finding")["Workflow"] == {"Status": "NEW"}
    assert inbox(aws) == []  # the orchestrator's Catch sends the failure notice


def test_security_hub_refusing_the_update_is_an_error(aws, hub, monkeypatch):
    use_playbook(monkeypatch, aws, "CIS15-111")
    aws["securityhub"].batch_import_findings(Findings=[finding("1.6", "refused-finding")])
    hub.fail_with = "FindingNotFound"
    with pytest.raises(RuntimeError, match="Security Hub did not update finding refused-finding"):
        cis15_111.handler({"finding": stored(aws, "refused-finding"), "playbook": "CIS15-111",
                           "trigger": CUSTOM_ACTION}, FakeLambdaContext(function_name="CIS15-111"))
    assert [r.get("Workflow") for r in hub.requests] == [{"Status": "RESOLVED"}, None]  # then the failure note


def test_bad_input_is_refused_with_the_field_and_value(aws, monkeypatch):
    use_playbook(monkeypatch, aws, "CIS15-111")
    context = FakeLambdaContext(function_name="CIS15-111")
    with pytest.raises(ValueError, match=r"finding GeneratorId='aws-foundational-security-best-practices/v/1.0.0/"
                                         r"IAM.1' is not a CIS AWS Foundations Benchmark v1.2.0 control"):
        cis15_111.handler({"finding": {**finding("1.5", "x"), "GeneratorId":
                                       "aws-foundational-security-best-practices/v/1.0.0/IAM.1"}}, context)
    with pytest.raises(ValueError, match=r"finding x is for CIS 2.8; playbook CIS15-111 remediates CIS 1.5, 1.6, "
                                         r"1.7, 1.8, 1.9, 1.10, 1.11"):
        cis15_111.handler({"finding": finding("2.8", "x")}, context)
    with pytest.raises(ValueError, match="finding AwsAccountId='12' must be a 12-digit account id"):
        cis15_111.handler({"finding": finding("1.5", "x", account="12")}, context)
    monkeypatch.setenv("MEMBER_ACCOUNTS", "123")
    with pytest.raises(ValueError, match="environment MEMBER_ACCOUNTS='123' must be comma-separated 12-digit"):
        cis15_111.handler({"finding": finding("1.5", "x")}, context)
    assert findings.parse(finding("1.10", "y")).control == "1.10"


# ------------------------------------------------------------------------------------------------ CIS 2.8
def test_cis28_enables_rotation_of_the_key_the_finding_names(aws, hub, monkeypatch):
    use_playbook(monkeypatch, aws, "CIS28")
    kms = boto3.client("kms", region_name=REGION)
    key = kms.create_key(Description="customer managed key")["KeyMetadata"]["Arn"]
    assert kms.get_key_rotation_status(KeyId=key)["KeyRotationEnabled"] is False
    aws["securityhub"].batch_import_findings(Findings=[finding("2.8", "cis-2.8-finding", resource=key)])

    result = cis28.handler({"finding": stored(aws, "cis-2.8-finding"), "playbook": "CIS28", "trigger": IMPORTED},
                           FakeLambdaContext(function_name="CIS28"))

    assert result["note"] == f"CIS28 remediated CIS 2.8: automatic rotation enabled on {key}"
    assert kms.get_key_rotation_status(KeyId=key)["KeyRotationEnabled"] is True
    assert stored(aws, "cis-2.8-finding")["Workflow"] == {"Status": "RESOLVED"}
    assert inbox(aws) == [result]


# ------------------------------------------------------------------------------------------------ CIS 2.3
def test_cis23_blocks_public_access_to_the_trail_bucket(aws, hub, monkeypatch):
    use_playbook(monkeypatch, aws, "CIS23")
    s3 = boto3.client("s3", region_name=REGION)
    s3.create_bucket(Bucket="cloudtrail-logs-123456789012")
    aws["securityhub"].batch_import_findings(Findings=[
        finding("2.3", "cis-2.3-finding", resource="arn:aws:s3:::cloudtrail-logs-123456789012")])

    result = cis23.handler({"finding": stored(aws, "cis-2.3-finding"), "playbook": "CIS23", "trigger": IMPORTED},
                           FakeLambdaContext(function_name="CIS23"))

    assert result["note"] == "CIS23 remediated CIS 2.3: public access blocked on cloudtrail-logs-123456789012"
    assert s3.get_public_access_block(Bucket="cloudtrail-logs-123456789012")["PublicAccessBlockConfiguration"] == {
        "BlockPublicAcls": True, "IgnorePublicAcls": True, "BlockPublicPolicy": True, "RestrictPublicBuckets": True}
    assert stored(aws, "cis-2.3-finding")["Workflow"] == {"Status": "RESOLVED"}
    assert inbox(aws) == [result]


# ------------------------------------------------------------------------------------------ CIS 4.1 - 4.3
def group_arn(group_id: str) -> str:
    return f"arn:aws:ec2:{REGION}:{ACCOUNT}:security-group/{group_id}"


def test_cis4142_revokes_world_access_to_ssh_and_rdp_only(aws, hub, monkeypatch):
    use_playbook(monkeypatch, aws, "CIS4142")
    ec2 = boto3.client("ec2", region_name=REGION)
    vpc = ec2.create_vpc(CidrBlock="10.0.0.0/16")["Vpc"]["VpcId"]
    group = ec2.create_security_group(GroupName="web", Description="web", VpcId=vpc)["GroupId"]
    ec2.authorize_security_group_ingress(GroupId=group, IpPermissions=[
        {"IpProtocol": "tcp", "FromPort": 22, "ToPort": 22,
         "IpRanges": [{"CidrIp": "0.0.0.0/0"}, {"CidrIp": "10.0.0.0/8"}], "Ipv6Ranges": [{"CidrIpv6": "::/0"}]},
        {"IpProtocol": "tcp", "FromPort": 3389, "ToPort": 3389, "IpRanges": [{"CidrIp": "0.0.0.0/0"}]},
        {"IpProtocol": "tcp", "FromPort": 443, "ToPort": 443, "IpRanges": [{"CidrIp": "0.0.0.0/0"}]}])
    aws["securityhub"].batch_import_findings(Findings=[finding("4.1", "cis-4.1-finding", resource=group_arn(group))])

    result = cis41_42.handler({"finding": stored(aws, "cis-4.1-finding"), "playbook": "CIS4142",
                               "trigger": CUSTOM_ACTION}, FakeLambdaContext(function_name="CIS4142"))

    assert result["note"] == f"CIS4142 remediated CIS 4.1: {group}: 2 world-open rule(s) to port 22/3389 revoked"
    left = ec2.describe_security_groups(GroupIds=[group])["SecurityGroups"][0]["IpPermissions"]
    assert sorted((p["FromPort"], [r["CidrIp"] for r in p["IpRanges"]], p.get("Ipv6Ranges", [])) for p in left) == [
        (22, ["10.0.0.0/8"], []), (443, ["0.0.0.0/0"], [])]  # SSH from the VPC stays; HTTPS is not CIS 4.1/4.2's
    assert stored(aws, "cis-4.1-finding")["Workflow"] == {"Status": "RESOLVED"}
    inbox(aws)


def test_cis43_empties_the_default_group_and_refuses_any_other(aws, hub, monkeypatch):
    use_playbook(monkeypatch, aws, "CIS43")
    ec2 = boto3.client("ec2", region_name=REGION)
    vpc = ec2.create_vpc(CidrBlock="10.1.0.0/16")["Vpc"]["VpcId"]
    default = ec2.describe_security_groups(Filters=[{"Name": "vpc-id", "Values": [vpc]},
                                                    {"Name": "group-name", "Values": ["default"]}])[
        "SecurityGroups"][0]
    # AWS's default group: ingress from itself, all egress (moto creates the egress rule only).
    ec2.authorize_security_group_ingress(GroupId=default["GroupId"], IpPermissions=[
        {"IpProtocol": "-1", "UserIdGroupPairs": [{"GroupId": default["GroupId"], "UserId": ACCOUNT}]}])
    assert default["IpPermissionsEgress"][0]["IpRanges"] == [{"CidrIp": "0.0.0.0/0"}]
    aws["securityhub"].batch_import_findings(Findings=[
        finding("4.3", "cis-4.3-finding", resource=group_arn(default["GroupId"]))])

    result = cis43.handler({"finding": stored(aws, "cis-4.3-finding"), "playbook": "CIS43", "trigger": IMPORTED},
                           FakeLambdaContext(function_name="CIS43"))

    assert result["note"] == (f"CIS43 remediated CIS 4.3: {default['GroupId']}: 1 ingress and 1 egress rule(s) "
                              f"revoked")
    emptied = ec2.describe_security_groups(GroupIds=[default["GroupId"]])["SecurityGroups"][0]
    assert (emptied["IpPermissions"], emptied["IpPermissionsEgress"]) == ([], [])
    inbox(aws)

    other = ec2.create_security_group(GroupName="app", Description="app", VpcId=vpc)["GroupId"]
    aws["securityhub"].batch_import_findings(Findings=[finding("4.3", "not-default", resource=group_arn(other))])
    with pytest.raises(ValueError, match=f"security group {other} is 'app', not a VPC's default group"):
        cis43.handler({"finding": stored(aws, "not-default"), "playbook": "CIS43", "trigger": IMPORTED},
                      FakeLambdaContext(function_name="CIS43"))
    assert stored(aws, "not-default")["Workflow"] == {"Status": "NEW"}


# -------------------------------------------------------------------------------------------- orchestrator
@pytest.fixture(scope="module")
def orchestrator(aws) -> str:
    role = trusted_role("playbook", "lambda.amazonaws.com")
    arns = create_functions({p.identifier: p.handler for p in PLAYBOOKS}, role)
    definition = render_definition(ORCHESTRATOR_DEFINITION, {
        **{p.placeholder: arns[p.identifier] for p in PLAYBOOKS}, "TopicArn": aws["topic"]})
    assert lint(definition) == []
    return create_state_machine("securityhub-remediation-orchestrator", definition)


def rule_input(playbook_id: str, detail_type: str, *found: dict[str, Any]) -> dict[str, Any]:
    """What the rule's input transformer gives the orchestrator for the event Security Hub sends."""
    event = {"version": "0", "id": "e1", "source": "aws.securityhub", "detail-type": detail_type,
             "account": ACCOUNT, "region": REGION, "time": "2020-06-01T12:01:00Z",
             "resources": [f"arn:aws:securityhub:{REGION}:{ACCOUNT}:action/custom/{playbook_id}"],
             "detail": {"actionName": playbook_id, "findings": list(found)}}
    transformer = orchestrator_input(playbook_id)
    return json.loads(render(transformer["input_paths"], transformer["input_template"], event))


ROUTES = {"CIS15-111": cis15_111.handler, "CIS23": cis23.handler, "CIS28": cis28.handler,
          "CIS4142": cis41_42.handler, "CIS43": cis43.handler}


def test_the_orchestrator_runs_the_chosen_playbook_on_its_findings_only(aws, hub, orchestrator, monkeypatch):
    use_playbook(monkeypatch, aws, "CIS15-111")
    iam().delete_account_password_policy()
    aws["securityhub"].batch_import_findings(Findings=[finding("1.5", "orchestrated-1.5"),
                                                       finding("2.8", "orchestrated-2.8")])
    execution_input = rule_input("CIS15-111", CUSTOM_ACTION, stored(aws, "orchestrated-1.5"),
                                 stored(aws, "orchestrated-2.8"))
    assert (execution_input["playbook"], execution_input["trigger"]) == ("CIS15-111", CUSTOM_ACTION)

    with lambda_router(ROUTES) as calls:
        execution = run_execution(orchestrator, execution_input, name="custom-action")

    assert execution["status"] == "SUCCEEDED"
    assert [name for name, _ in calls] == ["CIS15-111"]  # the CIS 2.8 finding is not CIS15-111's
    output = json.loads(execution["output"])
    assert output["failed"] is False
    results = output["results"]
    assert [r["status"] for r in results] == ["RESOLVED", "NOT_REMEDIATED"]
    assert results[1] == {"status": "NOT_REMEDIATED", "findingId": "orchestrated-2.8",
                          "generatorId": GENERATOR.format("2.8"), "playbook": "CIS15-111"}
    assert iam().get_account_password_policy()["PasswordPolicy"] == CIS_POLICY
    assert stored(aws, "orchestrated-1.5")["Workflow"] == {"Status": "RESOLVED"}
    assert stored(aws, "orchestrated-2.8")["Workflow"] == {"Status": "NEW"}
    assert [m["findingId"] for m in inbox(aws)] == ["orchestrated-1.5"]


def test_a_failed_playbook_sends_the_failure_notice_and_fails_the_execution(aws, hub, orchestrator, monkeypatch):
    use_playbook(monkeypatch, aws, "CIS28")
    missing_key = f"arn:aws:kms:{REGION}:{ACCOUNT}:key/00000000-0000-4000-8000-000000000000"
    aws["securityhub"].batch_import_findings(Findings=[finding("2.8", "no-such-key", resource=missing_key)])

    with lambda_router(ROUTES) as calls:
        execution = run_execution(orchestrator, rule_input("CIS28", IMPORTED, stored(aws, "no-such-key")),
                                  name="automated")

    assert execution["status"] == "FAILED"
    assert (execution["error"], [name for name, _ in calls]) == ("RemediationFailed", ["CIS28"])
    sfn = boto3.client("stepfunctions", region_name=REGION)
    assert entered_states(sfn, execution["executionArn"]) == [
        "Remediate findings", "Which playbook", "CIS 2.8", "Notify failure", "Remediation failed", "Any failed",
        "Check results", "Some findings not remediated"]
    [notice] = inbox(aws)
    assert {k: notice[k] for k in ("playbook", "findingId", "account", "generatorId")} == {
        "playbook": "CIS28", "findingId": "no-such-key", "account": ACCOUNT, "generatorId": GENERATOR.format("2.8")}
    assert notice["error"]["Error"] == "NotFoundException"
    assert stored(aws, "no-such-key")["Workflow"] == {"Status": "NEW"}
    assert stored(aws, "no-such-key")["Note"]["Text"].startswith("CIS28 could not remediate CIS 2.8: NotFoundException")
