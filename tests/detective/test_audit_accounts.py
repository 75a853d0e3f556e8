"""The audit across three accounts and two regions in one run, against ``moto_server`` on 127.0.0.1.

moto keeps resources per account: a session made from an assumed role's credentials works in that role's
account. The organisation (management account plus two members) is moto's; each account gets, per region, one
traced and one untraced function, and one role with and one without the boundary (IAM is global). What moto
cannot do, and so is not tested here: refuse an AssumeRole for a role that does not exist or an ExternalId that
does not match (the refusal is injected with a botocore hook instead, and says so).
"""
from __future__ import annotations

import io
import json
import urllib.request

import boto3
import pytest
from botocore.exceptions import ClientError

from detective import scan
from tests.detective import cis
from tests.detective.test_audit import endpoint  # noqa: F401  (the moto_server fixture)
from tools import audit, audit_org

REGIONS = ("us-east-1", "eu-west-1")
ROLE = "governance-audit"
PACK = {"lambda-tracing-active": "mandatory",
        "iam-permissions-boundary": {"enforcementLevel": "mandatory", **cis.PARAMS["iam-permissions-boundary"]}}
RULES = ["lambda-tracing-active", "iam-permissions-boundary"]
TRUST = json.dumps({"Version": "2012-10-17", "Statement": [
    {"Effect": "Allow", "Principal": {"Service": "lambda.amazonaws.com"}, "Action": "sts:AssumeRole"}]})
ZIP = {"ZipFile": b"PK\x05\x06" + b"\x00" * 18}


def in_account(url: str, account: str, region: str = REGIONS[0]) -> boto3.Session:
    credentials = boto3.client("sts", endpoint_url=url, region_name=region).assume_role(
        RoleArn=f"arn:aws:iam::{account}:role/{ROLE}", RoleSessionName="seed")["Credentials"]
    return boto3.Session(aws_access_key_id=credentials["AccessKeyId"],
                         aws_secret_access_key=credentials["SecretAccessKey"],
                         aws_session_token=credentials["SessionToken"], region_name=region)


@pytest.fixture(scope="module")
def organisation(endpoint):  # noqa: F811
    urllib.request.urlopen(urllib.request.Request(endpoint + "/moto-api/reset", method="POST"))
    orgs = boto3.client("organizations", endpoint_url=endpoint, region_name=REGIONS[0])
    orgs.create_organization(FeatureSet="ALL")
    members = [orgs.create_account(AccountName=f"team-{i}", Email=f"team-{i}@example.com")["CreateAccountStatus"]
               ["AccountId"] for i in (1, 2)]
    accounts = sorted([cis.ACCOUNT, *members])
    for account in accounts:
        iam = in_account(endpoint, account).client("iam", endpoint_url=endpoint)
        role = iam.create_role(RoleName="fn-role", AssumeRolePolicyDocument=TRUST,
                               PermissionsBoundary=cis.BOUNDARY)["Role"]["Arn"]
        iam.create_role(RoleName=f"no-boundary-{account[-4:]}", AssumeRolePolicyDocument=TRUST)
        for region in REGIONS:
            lam = in_account(endpoint, account, region).client("lambda", endpoint_url=endpoint)
            common = dict(Runtime="python3.12", Role=role, Handler="app.handler", Code=ZIP)
            lam.create_function(FunctionName="traced", TracingConfig={"Mode": "Active"}, **common)
            lam.create_function(FunctionName=f"untraced-{region}", **common)
    return endpoint, accounts


def selected():
    return audit.select_rules(PACK, RULES)


def verdicts(stack) -> list:
    return sorted((f.rule_id, f.status, f.urn) for f in stack.findings)


def test_three_accounts_two_regions_in_one_run_give_the_one_at_a_time_verdicts_and_calls(organisation):
    url, accounts = organisation
    base = boto3.Session(region_name=REGIONS[0])
    counters = {f"{a}/{r}": scan.CallCounter() for a in accounts for r in REGIONS}
    progress = io.StringIO()
    report = audit.audit_many(base, selected(), ["organization"], REGIONS, role_name=ROLE, endpoint_url=url,
                              workers=2, parallel=3, counters=counters, progress_stream=progress)

    assert [s.name for s in report.stacks] == [f"{a}/{r}" for a in accounts for r in REGIONS]
    assert not report.errors
    for stack in report.stacks:
        account, region = stack.name.split("/")
        # moto, as AWS Organizations, gives each member it creates an OrganizationAccountAccessRole (no boundary).
        admin_role = [] if account == cis.ACCOUNT else [
            ("iam-permissions-boundary", "violation", f"arn:aws:iam::{account}:role/OrganizationAccountAccessRole")]
        assert verdicts(stack) == sorted([
            ("iam-permissions-boundary", "violation", f"arn:aws:iam::{account}:role/no-boundary-{account[-4:]}"),
            ("lambda-tracing-active", "violation", f"arn:aws:lambda:{region}:{account}:function:untraced-{region}"),
            *admin_role,
        ])
        single_counter = scan.CallCounter()
        single = audit.audit(in_account(url, account, region), region, selected(), endpoint_url=url, workers=2,
                             counter=single_counter)
        assert verdicts(single.stacks[0]) == verdicts(stack)
        # Each account x region costs what auditing it alone costs (the role is assumed once per account, by
        # the caller's session, outside these counts).
        assert counters[stack.name].total <= single_counter.total
    lines = progress.getvalue().splitlines()
    assert len([line for line in lines if line.startswith("audited ")]) == 6
    assert lines[-1].startswith("audited 6/6: ")


def test_an_account_whose_role_cannot_be_assumed_is_not_evaluated_and_the_others_are(organisation):
    url, accounts = organisation
    refused = accounts[1]
    base = boto3.Session(region_name=REGIONS[0])

    def refuse(params, **_):  # moto assumes any role; the refusal AWS would give is injected here
        if f"::{refused}:" in params["RoleArn"]:
            raise ClientError({"Error": {"Code": "AccessDenied", "Message": "not authorized to perform "
                                         "sts:AssumeRole"}}, "AssumeRole")

    base.events.register("provide-client-params.sts.AssumeRole", refuse)
    report = audit.audit_many(base, selected(), accounts, REGIONS[:1], role_name=ROLE, endpoint_url=url,
                              workers=2, parallel=2, progress_stream=io.StringIO())
    assert [(s.name, bool(s.error)) for s in report.stacks] == [
        (f"{accounts[0]}/{REGIONS[0]}", False), (f"{refused}/{REGIONS[0]}", True), (f"{accounts[2]}/{REGIONS[0]}", False)]
    assert report.stacks[1].error == (f"{refused}/{REGIONS[0]}: cannot audit: AssumeRole: AccessDenied: not "
                                      f"authorized to perform sts:AssumeRole")
    assert not report.passed


def test_the_command_audits_the_organisation_and_writes_one_stack_per_account(organisation, tmp_path):
    url, accounts = organisation
    pack = tmp_path / "pack.json"
    pack.write_text(json.dumps(PACK))
    code = audit.main(["--accounts", "organization", "--role-name", ROLE, "--regions", REGIONS[1],
                       "--endpoint-url", url, "--rules", ",".join(RULES), "--pack-config", str(pack),
                       "--format", "json", "--out", str(tmp_path / "out"), "--workers", "2", "--parallel", "2"])
    assert code == 1  # mandatory violations in every account
    document = json.loads((tmp_path / "out" / "findings.json").read_text())
    assert [s["name"] for s in document["stacks"]] == [f"{a}/{REGIONS[1]}" for a in accounts]
    assert [s["mandatoryViolations"] for s in document["stacks"]] == [
        2 if account == cis.ACCOUNT else 3 for account in accounts]


@pytest.mark.parametrize("argv, line", [
    (["--accounts", "12345", "--role-name", ROLE],
     "error: --accounts '12345': expected 'organization' or comma-separated 12-digit account ids; not an account "
     "id: '12345'"),
    (["--accounts", "111111111111"], "error: --accounts needs --role-name: the read-only audit role to assume in "
                                     "each account"),
    (["--role-name", ROLE], "error: --role-name and --external-id go with --accounts (the accounts to assume them "
                            "in)"),
    (["--accounts", "111111111111", "--role-name", "a role"],
     "error: --role-name 'a role': an IAM role name is 1-64 characters of letters, digits and +=,.@_-"),
    (["--regions", "us-east-1,Mars"], "error: --regions 'us-east-1,Mars': expected comma-separated region names "
                                      "such as us-east-1; not a region: 'Mars'"),
    (["--region", "us-east-1", "--regions", "eu-west-1"], "error: --region and --regions: give one of them"),
    (["--regions", "us-east-1,eu-west-1", "--parallel", "17"], "error: --parallel=17; allowed: 1 to 16"),
])
def test_bad_account_and_region_flags_exit_2_with_one_line(organisation, argv, line, capsys):
    url, _ = organisation
    code = audit.main([*argv, "--endpoint-url", url, "--rules", "lambda-tracing-active"])
    err = capsys.readouterr().err
    assert (code, err) == (2, line + "\n")


def test_an_organisation_that_cannot_be_listed_says_where_to_run_from():
    class Refusing:
        def client(self, *_args, **_kwargs):
            return self

        def get_paginator(self, _name):
            return self

        def paginate(self):
            raise ClientError({"Error": {"Code": "AWSOrganizationsNotInUseException",
                                         "Message": "not in an organization"}}, "ListAccounts")

    with pytest.raises(audit_org.OrgAuditError) as error:
        audit_org.organization_accounts(Refusing())
    assert str(error.value) == (
        "--accounts organization: cannot list the organisation's accounts (ListAccounts: "
        "AWSOrganizationsNotInUseException: not in an organization); run from the management account or a "
        "delegated administrator, or pass --accounts with ids")
