"""The audit command against moto's HTTP server on 127.0.0.1 (``tests/support/moto_server.py``), with the catalogue's real rules.

moto has no code signing config API: the audit falls back from ListCodeSigningConfigs to
GetFunctionCodeSigningConfig per function (moto serves that one), which is what these tests exercise.
"""
from __future__ import annotations

import json

import boto3
import pytest

from detective import scan
from tests.detective import cis
from tests.detective.throttle import Throttler
from tests.support import moto_server
from tools import audit

PACK_CONFIG = {
    "lambda-required-layer": {"enforcementLevel": "mandatory", **cis.PARAMS["lambda-required-layer"]},
    "lambda-code-signing": {"enforcementLevel": "mandatory", **cis.PARAMS["lambda-code-signing"]},
    "iam-permissions-boundary": {"enforcementLevel": "mandatory", **cis.PARAMS["iam-permissions-boundary"]},
    "api-custom-domain-tls": "mandatory",
    "lambda-tracing-active": "advisory",
}
RULES = "lambda-required-layer,lambda-code-signing,iam-permissions-boundary,api-custom-domain-tls,lambda-tracing-active"


@pytest.fixture(scope="module")
def endpoint(moto_server_url):
    """moto's HTTP server on 127.0.0.1 (shared by the process, see tests/conftest.py), empty for this module."""
    moto_server.reset(moto_server_url)
    return moto_server_url


@pytest.fixture
def account(endpoint):
    moto_server.reset(endpoint)
    session = boto3.Session(region_name=cis.REGION)
    seed(session, endpoint)
    return session, endpoint


def seed(session, url):
    """Compliant and non-compliant functions, roles and domains."""
    iam = session.client("iam", endpoint_url=url)
    lam = session.client("lambda", endpoint_url=url)
    apigw = session.client("apigateway", endpoint_url=url)
    trust = json.dumps({"Version": "2012-10-17", "Statement": [
        {"Effect": "Allow", "Principal": {"Service": "lambda.amazonaws.com"}, "Action": "sts:AssumeRole"}]})
    iam.create_policy(PolicyName="governance-boundary", PolicyDocument=json.dumps(
        {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "s3:GetObject", "Resource": "*"}]}))
    good_role = iam.create_role(RoleName="good-role", AssumeRolePolicyDocument=trust,
                                PermissionsBoundary=cis.BOUNDARY)["Role"]["Arn"]
    iam.create_role(RoleName="bad-role", AssumeRolePolicyDocument=trust)
    layer = lam.publish_layer_version(LayerName="company-observability", Content={"ZipFile": b"PK\x05\x06" + b"\x00" * 18})
    for _ in range(9):  # versions 2..10
        layer = lam.publish_layer_version(LayerName="company-observability",
                                          Content={"ZipFile": b"PK\x05\x06" + b"\x00" * 18})
    code = {"ZipFile": b"PK\x05\x06" + b"\x00" * 18}
    common = dict(Runtime="python3.12", Role=good_role, Handler="app.handler", Code=code)
    lam.create_function(FunctionName="good", Layers=[layer["LayerVersionArn"]], CodeSigningConfigArn=cis.CSC,
                        TracingConfig={"Mode": "Active"}, **common)
    lam.create_function(FunctionName="old-layer", Layers=[f"{cis.LAYER}:1"], CodeSigningConfigArn=cis.CSC,
                        TracingConfig={"Mode": "Active"}, **common)
    lam.create_function(FunctionName="unsigned", Layers=[layer["LayerVersionArn"]], **common)
    apigw.create_domain_name(domainName="good.example.com", securityPolicy="TLS_1_2",
                             regionalCertificateArn=f"arn:aws:acm:{cis.REGION}:{cis.ACCOUNT}:certificate/a",
                             endpointConfiguration={"types": ["REGIONAL"]})
    apigw.create_domain_name(domainName="old.example.com", securityPolicy="TLS_1_0",
                             regionalCertificateArn=f"arn:aws:acm:{cis.REGION}:{cis.ACCOUNT}:certificate/b",
                             endpointConfiguration={"types": ["REGIONAL"]})


def fn(name):
    return f"arn:aws:lambda:{cis.REGION}:{cis.ACCOUNT}:function:{name}"


EXPECTED = [
    ("api-custom-domain-tls", "violation", f"arn:aws:apigateway:{cis.REGION}::/domainnames/old.example.com"),
    ("iam-permissions-boundary", "violation", f"arn:aws:iam::{cis.ACCOUNT}:role/bad-role"),
    ("lambda-code-signing", "violation", fn("unsigned")),
    ("lambda-required-layer", "violation", fn("old-layer")),
    ("lambda-tracing-active", "violation", fn("unsigned")),
]


def _write_config(tmp_path):
    path = tmp_path / "pack.json"
    path.write_text(json.dumps(PACK_CONFIG))
    return str(path)


def test_audit_command_reports_the_seeded_violations(account, tmp_path, capsys):
    _, url = account
    code = audit.main(["--region", cis.REGION, "--endpoint-url", url, "--rules", RULES, "--format", "json,sarif,junit",
                       "--out", str(tmp_path / "out"), "--pack-config", _write_config(tmp_path), "--workers", "4"])
    assert code == 1  # mandatory violations, as the offline preview
    document = json.loads((tmp_path / "out" / "findings.json").read_text())
    [stack] = document["stacks"]
    assert stack["name"] == f"{cis.ACCOUNT}/{cis.REGION}"
    assert sorted((f["ruleId"], f["status"], f["urn"]) for f in stack["findings"]) == EXPECTED
    by_rule = {f["ruleId"]: f for f in stack["findings"]}
    assert by_rule["lambda-required-layer"]["message"] == \
        f"company layer version too old: {cis.LAYER}:1 (minimum version 9)"
    assert by_rule["lambda-tracing-active"]["enforcement"] == "advisory"
    assert stack["mandatoryViolations"] == 4
    assert (tmp_path / "out" / "findings.sarif").exists() and (tmp_path / "out" / "junit.xml").exists()


def test_endpoint_from_environment_and_clean_account_exits_0(account, tmp_path, monkeypatch, capsys):
    _, url = account
    monkeypatch.setenv("AWS_ENDPOINT_URL", url)
    code = audit.main(["--region", cis.REGION, "--rules", "api-custom-domain-tls", "--format", "json"])
    document = json.loads(capsys.readouterr().out)
    assert code == 1
    assert [f["urn"] for f in document["stacks"][0]["findings"]] == [
        f"arn:aws:apigateway:{cis.REGION}::/domainnames/old.example.com"]
    assert audit.main(["--region", cis.REGION, "--rules", "lambda-required-layer", "--format", "json",
                       "--pack-config", _write_config(tmp_path)]) == 1
    code = audit.main(["--region", cis.REGION, "--rules", "sfn-tracing-enabled", "--format", "json"])
    assert code == 0


@pytest.mark.parametrize("argv,message", [
    (["--rules", "no-such-rule"], "error: --rules: unknown rule id(s) no-such-rule; known: "),
    (["--workers", "0"], "error: --workers=0; allowed: 1 to 64"),
    (["--format", "xml"], "error: "),
])
def test_usage_errors_exit_2(argv, message, capsys):
    assert audit.main(["--region", cis.REGION] + argv) == 2
    assert capsys.readouterr().err.startswith(message)


def test_bad_pack_parameter_exits_2(tmp_path, capsys):
    path = tmp_path / "pack.json"
    path.write_text(json.dumps({"lambda-required-layer": {"minimumLayerVersion": "nine", "allowedLayerArns": [cis.LAYER]}}))
    assert audit.main(["--region", cis.REGION, "--rules", "lambda-required-layer", "--pack-config", str(path)]) == 2
    assert capsys.readouterr().err == (f"error: pack config {path}: rule lambda-required-layer: parameter "
                                       "minimumLayerVersion='nine' is invalid: expected an integer\n")


def test_same_findings_under_throttling_and_call_budget(account, tmp_path, no_retry_sleep):
    session, url = account
    selected = audit.select_rules(PACK_CONFIG, RULES.split(","))
    counter = scan.CallCounter()
    throttler = Throttler(every=3).attach(session.events)
    report = audit.audit(session, cis.REGION, selected, endpoint_url=url, workers=4, counter=counter)
    found = sorted((f.rule_id, f.status, f.urn) for f in report.stacks[0].findings)
    assert found == EXPECTED
    assert throttler.throttled >= 5
    assert counter.calls["lambda.GetFunction"] == 3 and counter.calls["lambda.GetFunctionCodeSigningConfig"] == 3
    assert counter.calls["iam.GetAccountAuthorizationDetails"] == 1
    assert sum(counter.sends.values()) > counter.total  # the throttled requests were sent again
