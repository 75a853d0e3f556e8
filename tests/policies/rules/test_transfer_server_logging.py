"""Fixtures of transfer-server-logging (policies/guardrails/rules/transfer_server_logging.py).

Engine cases run through the real pack process, account cases through the describe adapter (the sweep reads servers
with DescribeServer); NOT_REPRESENTABLE says why an outcome cannot arise through an adapter. Builders and checks:
rule_cases.py.
"""
import pytest

from tests.policies.rule_cases import (
    FAIL,
    NA,
    PASS,
    SCOPE,
    TRANSFER_LOG_GROUP,
    TRANSFER_SERVER,
    TRANSFER_SERVER_ARN,
    AccountCase,
    Case,
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

RULE_ID = "transfer-server-logging"

ENGINE_CASES = {
    "pass": Case(subject(TRANSFER_SERVER, transfer_server())),
    "pass_structured_logs_only": Case(subject(TRANSFER_SERVER, transfer_server(role=None)),
                                      "structured log destinations"),
    "pass_logging_role_only": Case(subject(TRANSFER_SERVER, transfer_server(destinations=None))),
    "fail": Case(subject(TRANSFER_SERVER, transfer_server(role=None, destinations=None)),
                 "neither loggingRole nor structuredLogDestinations is set"),
    "not_applicable": Case(subject(TRANSFER_SERVER, transfer_server(role=None, destinations=None)),
                           "exempted by transfer-server-logging#0 (name=subject)",
                           config={"exemptions": [{"scope": SCOPE, "name": "subject", "reason": "short-lived test",
                                                   "expires": "2999-01-01"}]}),
    # A logging role created in the same stack: its ARN is unknown at preview, and no destination is given.
    "unknown": Case(subject(TRANSFER_SERVER, transfer_server(role=UNKNOWN, destinations=None)), "loggingRole"),
}

ACCOUNT_CASES = {
    "describe": {
        "pass": AccountCase([transfer_server_described()], PASS),
        "pass_structured": AccountCase([transfer_server_described(role=None, destinations=[TRANSFER_LOG_GROUP])],
                                       PASS),
        "fail": AccountCase([transfer_server_described(role=None)], FAIL, "neither loggingRole"),
        "not_applicable": AccountCase([transfer_server_described(role=None)], NA, "until 2999-01-01: vendor",
                                      exemptions=exempt(TRANSFER_SERVER_ARN)),
    },
}

NOT_REPRESENTABLE = {
    **not_a_configuration_item("AWS::Transfer::Server (AWS Config evaluates it only periodically)"),
    ("describe", "unknown"): "DescribeServer returns LoggingRole and StructuredLogDestinations when set; nothing is "
                             "left to fetch",
}


@pytest.mark.parametrize("variant", engine_params(RULE_ID, ENGINE_CASES))
def test_engine(pack, variant):
    check_engine(pack, RULE_ID, variant, ENGINE_CASES[variant])


@pytest.mark.parametrize("adapter,variant", account_params(RULE_ID, ACCOUNT_CASES))
def test_account(adapter, variant):
    check_account(RULE_ID, variant, ACCOUNT_CASES[adapter][variant])


def test_pass_and_fail_agree_across_the_three_adapters():
    check_adapters_agree(RULE_ID, ENGINE_CASES, ACCOUNT_CASES)
