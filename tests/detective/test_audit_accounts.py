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

import boto3
import pytest
from botocore.exceptions import ClientError

from detective import recorded, scan
from guardrails.model import Kind
from tests.detective import cis
from tests.detective.test_audit import endpoint  # noqa: F401  (the moto_server fixture)
from tests.support import moto_server
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
    moto_server.reset(endpoint)
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
    (["--region", "us-east-1", "--aggregator", "org aggregator"],
     "error: --aggregator 'org aggregator': a configuration aggregator name is 1-256 letters, digits, _ and -"),
    (["--region", "us-east-1", "--aggregator", "org-aggregator"],  # moto cannot query an aggregator
     "error: aggregator 'org-aggregator': SelectAggregateResourceConfig: "),
])
def test_bad_account_and_region_flags_exit_2_with_one_line(organisation, argv, line, capsys):
    url, _ = organisation
    code = audit.main([*argv, "--endpoint-url", url, "--rules", "lambda-tracing-active"])
    err = capsys.readouterr().err
    assert code == 2 and err.startswith(line) and err.endswith("\n") and len(err.splitlines()) == 1


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


# -- through an AWS Config aggregator --------------------------------------------------------------------------------

class EmulatedAggregator:
    """``SelectAggregateResourceConfig`` for a configuration aggregator over the moto organisation. moto has no
    aggregator queries (its ``select_resource_config`` only replays canned results), so this stands in for the
    service: each result is the configuration item Config records for a live moto resource (``cis.function_from``,
    ``cis.role_from``) in the advanced-query shape (``accountId``, ``arn``, tags as ``[{"key", "value"}]``,
    ``configuration`` an object), paginated by ``Limit``. It does not parse SQL: it answers the resource types
    the expression lists, and records every request."""

    def __init__(self, url: str, accounts: list[str]) -> None:
        self.requests: list[dict] = []
        self.rows: list[str] = []
        for account in accounts:
            iam = in_account(url, account).client("iam", endpoint_url=url)
            for role in iam.list_roles()["Roles"]:
                self.rows.append(self._row(cis.role_from(iam, role["RoleName"]), account))
            for region in REGIONS:
                lam = in_account(url, account, region).client("lambda", endpoint_url=url)
                for function in lam.list_functions()["Functions"]:
                    self.rows.append(self._row(cis.function_from(lam, function["FunctionName"]), account))

    @staticmethod
    def _row(item: dict, account: str) -> str:
        return json.dumps({
            "resourceId": item["resourceId"], "resourceName": item["resourceName"],
            "resourceType": item["resourceType"], "accountId": account, "awsRegion": item["awsRegion"],
            "arn": item["ARN"], "configuration": item["configuration"],
            "supplementaryConfiguration": item["supplementaryConfiguration"],
            "tags": [{"key": k, "value": v} for k, v in item["tags"].items()],
            "configurationItemCaptureTime": item["configurationItemCaptureTime"],
            "configurationItemStatus": item["configurationItemStatus"]}, default=str)

    def select_aggregate_resource_config(self, **request) -> dict:
        self.requests.append(request)
        types = request["Expression"].split("resourceType IN (")[1].rstrip(")").replace("'", "").split(", ")
        rows = [r for r in self.rows if json.loads(r)["resourceType"] in types]
        start = int(request.get("NextToken") or 0)
        page = {"Results": rows[start:start + request["Limit"]]}
        if start + request["Limit"] < len(rows):
            page["NextToken"] = str(start + request["Limit"])
        return page


def test_an_aggregator_gives_the_same_verdicts_with_no_listing_in_the_accounts(organisation, monkeypatch):
    url, accounts = organisation
    base = boto3.Session(region_name=REGIONS[0])
    aggregator = EmulatedAggregator(url, accounts)
    monkeypatch.setattr(recorded, "PAGE_SIZE", 5)  # several pages from a small organisation
    counters = {f"{a}/{r}": scan.CallCounter() for a in accounts for r in REGIONS}
    report = audit.audit_many(base, selected(), ["organization"], REGIONS, role_name=ROLE, endpoint_url=url,
                              workers=2, parallel=3, counters=counters, progress_stream=io.StringIO(),
                              aggregator="org-aggregator", config_client=aggregator)
    plain = audit.audit_many(base, selected(), ["organization"], REGIONS, role_name=ROLE, endpoint_url=url,
                             workers=2, parallel=3, progress_stream=io.StringIO())

    assert not report.errors
    assert [(s.name, verdicts(s), s.evaluations) for s in report.stacks] == [
        (s.name, verdicts(s), s.evaluations) for s in plain.stacks]
    # One query (functions and roles), every page read once, for the whole organisation.
    expression = ("SELECT resourceId, resourceName, resourceType, accountId, awsRegion, arn, configuration, "
                  "supplementaryConfiguration, tags, configurationItemCaptureTime, configurationItemStatus "
                  "WHERE resourceType IN ('AWS::IAM::Role', 'AWS::Lambda::Function')")
    pages = -(-len(aggregator.rows) // 5)
    assert [(r["Expression"], r["ConfigurationAggregatorName"], r["Limit"]) for r in aggregator.requests] == [
        (expression, "org-aggregator", 5)] * pages
    assert [r.get("NextToken") for r in aggregator.requests] == [None] + [str(5 * i) for i in range(1, pages)]
    # In the accounts, only what Config does not record here is listed: the CloudFront distributions that tell
    # a Lambda@Edge function (the rules' lookups). No function or role listing, no GetFunction.
    for counter in counters.values():
        assert {call for call in counter.calls if not call.startswith("sts.")} <= {"cloudfront.ListDistributions"}


def test_a_resource_deleted_since_config_recorded_it_is_left_out_and_a_failing_query_says_why(organisation):
    url, accounts = organisation
    aggregator = EmulatedAggregator(url, accounts[:1])
    gone = json.loads(aggregator.rows[0])
    gone["configurationItemStatus"] = "ResourceDeleted"
    aggregator.rows[0] = json.dumps(gone)
    items = recorded.query_aggregator(aggregator, "org-aggregator", {Kind.ROLE, Kind.FUNCTION})
    assert len(items) == len(aggregator.rows) - 1 and gone["arn"] not in [i["ARN"] for i in items]

    real = boto3.client("config", endpoint_url=url, region_name=REGIONS[0])  # moto: no aggregator queries
    with pytest.raises(recorded.AggregatorError) as caught:
        recorded.query_aggregator(real, "org-aggregator", {Kind.FUNCTION})
    assert str(caught.value) == ("aggregator 'org-aggregator': SelectAggregateResourceConfig: 500: HTTP 500 (not an "
                                 "AWS error response)")


def test_expressions_stay_within_the_limit_and_list_every_recorded_type():
    types = [f"AWS::Service{i:03d}::Resource" for i in range(300)]
    rendered = recorded.expressions(types)
    assert len(rendered) > 1 and all(len(e) <= recorded.MAX_EXPRESSION for e in rendered)
    listed = [t.strip("'") for e in rendered for t in e.split("IN (")[1].rstrip(")").split(", ")]
    assert listed == types
    assert recorded.recorded_types({Kind.HTTP_ROUTE, Kind.FUNCTION}) == ["AWS::Lambda::Function"]  # routes: API only
