"""Fixtures of transfer-server-no-ftp (policies/guardrails/rules/transfer_server_no_ftp.py).

Engine cases run through the real pack process, account cases through the describe adapter (AWS Config evaluates
AWS::Transfer::Server only with its periodic managed rule; the sweep reads servers with DescribeServer);
NOT_REPRESENTABLE says why an outcome cannot arise through an adapter. Builders and checks: rule_cases.py.
"""
import pytest

from tests.policies.rule_cases import (
    FAIL,
    NA,
    PASS,
    SCOPE,
    TRANSFER_SERVER,
    TRANSFER_SERVER_ARN,
    AccountCase,
    Case,
    Res,
    account_params,
    check_account,
    check_adapters_agree,
    check_engine,
    engine_params,
    exempt,
    not_a_configuration_item,
    subject,
    transfer_server,
    transfer_server_described,
)
from tools.analyzer_client import UNKNOWN

RULE_ID = "transfer-server-no-ftp"
CFN_STACK = "aws:cloudformation/stack:Stack"

ENGINE_CASES = {
    "pass": Case(subject(TRANSFER_SERVER, transfer_server())),
    "pass_default_protocol": Case(subject(TRANSFER_SERVER, transfer_server(protocols=None)),
                                  "Transfer's default is SFTP only"),
    "pass_ftps": Case(subject(TRANSFER_SERVER, transfer_server(protocols=["SFTP", "FTPS"]))),
    "fail": Case(subject(TRANSFER_SERVER, transfer_server(protocols=["SFTP", "FTP"])), "protocols include FTP"),
    # The type hidden in a CloudFormation template is judged too (adapters/cloudformation.py).
    "fail_in_a_template": Case([Res(CFN_STACK, "subject", {"templateBody": (
        '{"Resources": {"Sftp": {"Type": "AWS::Transfer::Server", "Properties": {"Protocols": ["FTP"]}}}}')})],
        "protocols include FTP"),
    "not_applicable": Case(subject(TRANSFER_SERVER, transfer_server(protocols=["FTP"])),
                           "exempted by transfer-server-no-ftp#0 (name=subject)",
                           config={"exemptions": [{"scope": SCOPE, "name": "subject", "reason": "private VPC test",
                                                   "expires": "2999-01-01"}]}),
    "unknown": Case(subject(TRANSFER_SERVER, transfer_server(protocols=UNKNOWN)), "protocols"),
}

ACCOUNT_CASES = {
    "describe": {
        "pass": AccountCase([transfer_server_described()], PASS),
        "fail": AccountCase([transfer_server_described(protocols=["FTP"])], FAIL, "protocols include FTP"),
        "not_applicable": AccountCase([transfer_server_described(protocols=["FTP"])], NA, "until 2999-01-01: vendor",
                                      exemptions=exempt(TRANSFER_SERVER_ARN)),
    },
}

NOT_REPRESENTABLE = {
    **not_a_configuration_item("AWS::Transfer::Server (AWS Config evaluates it only periodically)"),
    ("describe", "unknown"): "DescribeServer always returns Protocols; nothing is left to fetch",
}


@pytest.mark.parametrize("variant", engine_params(RULE_ID, ENGINE_CASES))
def test_engine(pack, variant):
    check_engine(pack, RULE_ID, variant, ENGINE_CASES[variant])


@pytest.mark.parametrize("adapter,variant", account_params(RULE_ID, ACCOUNT_CASES))
def test_account(adapter, variant):
    check_account(RULE_ID, variant, ACCOUNT_CASES[adapter][variant])


def test_pass_and_fail_agree_across_the_three_adapters():
    check_adapters_agree(RULE_ID, ENGINE_CASES, ACCOUNT_CASES)
