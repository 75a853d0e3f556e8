"""The bypass catalogue deployed into an account (moto) and judged by the two detective points: the audit and the
AWS Config rule Lambda's periodic sweep. Each must reach the verdict the case is labelled with, which is also what
the preview must reach (``test_bypass_preview.py``): the three points agree on every case each can see.

What "deployed" means here: the case's program runs under the offline engine in ``up`` mode (values as the
provider returns them), and ``deploy`` creates in moto what pulumi-aws would create in AWS, for the kinds an
account can hold in moto (roles, functions, CloudFormation stacks with the resources of their template, API
Gateway domains). Cases that moto cannot hold say why in ``Case.account_skip``.
"""
from __future__ import annotations

import io
import zipfile

import boto3
import pytest
from moto import mock_aws

from components.platform import config_rules
from guardrails import catalogue, pack_config
from guardrails.model import Status
from handlers.config_rule import app
from tests.bypass.cases import ACCOUNT, CASES, LAYER, REGION, ROOT
from tests.detective import cis
from tests.detective.conftest import RecordingConfig
from tools import audit, offline_engine

PACK_CONFIG = pack_config.load(f"{ROOT}/policies/config.prod.json")
ACCOUNT_CASES = sorted(c.id for c in CASES.values() if c.account_skip is None)


def _zip() -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("app.py", "def handler(event, context):\n    return {}\n")
    return buffer.getvalue()


def _tags(props: dict) -> dict:
    return dict(props.get("tags") or {})


def deploy(resources: list, session) -> None:
    """Create in moto what pulumi-aws would create for ``resources`` (recorded in up mode)."""
    iam, lam = session.client("iam"), session.client("lambda")
    for r in resources:
        p = r.inputs
        if r.type == "aws:iam/role:Role":
            kwargs = {"RoleName": p["name"], "AssumeRolePolicyDocument": p["assumeRolePolicy"],
                      "Tags": [{"Key": k, "Value": v} for k, v in _tags(p).items()]}
            if p.get("permissionsBoundary"):
                kwargs["PermissionsBoundary"] = p["permissionsBoundary"]
            iam.create_role(**kwargs)
        elif r.type == "aws:lambda/function:Function":
            kwargs = {"FunctionName": p["name"], "Runtime": p["runtime"], "Handler": p["handler"],
                      "Role": p["role"], "Code": {"ZipFile": _zip()}, "Layers": p.get("layers") or [],
                      "Tags": _tags(p), "Publish": bool(p.get("publish"))} if p.get("packageType") != "Image" else {
                "FunctionName": p["name"], "PackageType": "Image", "Code": {"ImageUri": p["imageUri"]},
                "Role": p["role"], "Tags": _tags(p), "Publish": bool(p.get("publish"))}
            if p.get("codeSigningConfigArn"):
                kwargs["CodeSigningConfigArn"] = p["codeSigningConfigArn"]
            if p.get("tracingConfig"):
                kwargs["TracingConfig"] = {"Mode": p["tracingConfig"]["mode"]}
            lam.create_function(**kwargs)
        elif r.type == "aws:cloudformation/stack:Stack":
            session.client("cloudformation").create_stack(
                StackName=p["name"], TemplateBody=p["templateBody"], Capabilities=p.get("capabilities") or [],
                Tags=[{"Key": k, "Value": v} for k, v in _tags(p).items()])
        elif r.type == "aws:apigateway/domainName:DomainName":
            session.client("apigateway").create_domain_name(
                domainName=p["domainName"], securityPolicy=p["securityPolicy"],
                regionalCertificateArn=p["regionalCertificateArn"], endpointConfiguration={"types": ["REGIONAL"]},
                tags=_tags(p))
        elif r.type == "aws:apigatewayv2/domainName:DomainName":
            configuration = p["domainNameConfiguration"]
            session.client("apigatewayv2").create_domain_name(
                DomainName=p["domainName"], Tags=_tags(p), DomainNameConfigurations=[{
                    "CertificateArn": configuration["certificateArn"], "EndpointType": configuration["endpointType"],
                    "SecurityPolicy": configuration["securityPolicy"]}])
        elif r.type.startswith("aws:"):
            raise AssertionError(f"deploy() does not create {r.type}: extend it or give the case an account_skip")


def _run(case_id: str) -> list:
    case = CASES[case_id]
    return offline_engine.run_program(case.build, config={"aws:region": REGION}, stack=f"bypass-{case_id}")


@pytest.fixture
def account():
    """A fresh moto account holding the company layer up to the version the platform publishes."""
    with mock_aws():
        session = boto3.Session(region_name=REGION, aws_access_key_id="testing", aws_secret_access_key="testing")
        lam = session.client("lambda")
        base, version = LAYER.rsplit(":", 1)
        for _ in range(int(version)):
            lam.publish_layer_version(LayerName=base.rsplit(":", 1)[1], Content={"ZipFile": _zip()},
                                      CompatibleRuntimes=["python3.12"])
        yield session


def audit_statuses(session, rule_id: str) -> dict:
    """``{physical name: Status}`` for ``rule_id`` from the audit's own path, with the production pack config."""
    selected = audit.select_rules(PACK_CONFIG, [rule_id])
    _, results = audit.evaluate_account(session, REGION, selected, workers=1)
    return {r.facts.resource.logical_name: r.verdict.status for r in results}


def config_statuses(session, rule_id: str) -> dict:
    """``{resource id: ComplianceType}`` from the AWS Config rule Lambda's periodic sweep for ``rule_id``."""
    recorder = RecordingConfig(session.client("config"))
    runner = app.RuleRunner([catalogue.get(rule_id)], config_client=recorder, lambda_client=session.client("lambda"),
                            iam_client=session.client("iam"), session=session)
    # The InputParameters exactly as the platform stack deploys them from the same pack config.
    plans, _ = config_rules.plan_rules(config_rules.ConfigRulesArgs(rule_ids=[rule_id], input_parameters=PACK_CONFIG))
    event = cis.scheduled_event(rule_id)
    event["ruleParameters"] = plans[0].input_parameters or "{}"
    assert runner.handle(event)["status"] == "OK"
    return {e["ComplianceResourceId"]: e["ComplianceType"] for e in recorder.evaluations}


def identities(session, name: str) -> set:
    """The ids AWS Config may file ``name`` under (a role by its RoleId, a security group by its GroupId, anything
    else by its name)."""
    ids = {name}
    try:
        ids.add(session.client("iam").get_role(RoleName=name)["Role"]["RoleId"])
    except session.client("iam").exceptions.NoSuchEntityException:
        pass
    # A security group by its GroupId.
    groups = session.client("ec2").describe_security_groups(Filters=[{"Name": "group-name", "Values": [name]}])
    ids.update(g["GroupId"] for g in groups["SecurityGroups"])
    if ":" in name:  # an ECS task definition or a Batch job definition: "name:revision", filed under its ARN
        ids.add(f"arn:aws:ecs:{REGION}:{ACCOUNT}:task-definition/{name}")
        ids.add(f"arn:aws:batch:{REGION}:{ACCOUNT}:job-definition/{name}")
    return ids


@pytest.mark.parametrize("case_id", ACCOUNT_CASES)
def test_case_in_account(account, case_id):
    case = CASES[case_id]
    deploy(_run(case_id), account)
    expected = Status.NON_COMPLIANT if case.expect == "violation" else Status.COMPLIANT

    audited = audit_statuses(account, case.rule)
    assert case.subject in audited, f"the audit did not judge {case.subject}: {sorted(audited)}"
    if case.expect == "violation":
        assert audited[case.subject] == Status.NON_COMPLIANT
    else:
        assert audited[case.subject] != Status.NON_COMPLIANT

    swept = config_statuses(account, case.rule)
    ids = identities(account, case.subject) & set(swept)
    assert len(ids) == 1, f"the Config sweep did not judge {case.subject}: {sorted(swept)}"
    assert swept[ids.pop()] == audited[case.subject].value, (expected, swept)


def test_account_cases_cover_the_classes_an_account_can_hold():
    classes = {CASES[c].escape for c in ACCOUNT_CASES}
    assert {0, 3, 5, 6, 8} <= classes, classes
