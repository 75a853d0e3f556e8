"""Fault injection at scale (issue 10): 1,000 functions, 30% of requests throttled and 10% answered HTTP 500.

The Config rule sweep and the audit must lose nothing and duplicate nothing: the same evaluations and findings as
a fault-free run. Faults come from ``throttle.Faults`` (a botocore ``before-send`` hook, seeded per request, so a
run is reproducible whatever the thread interleaving); the account is in-process moto; the backoff sleep is
replaced (``no_retry_sleep``), so the test waits for nothing. Wall time under faults is measured by
``benchmarks/bench_faults.py``, not here.
"""
from __future__ import annotations

import json

import boto3
import pytest
from moto import mock_aws

from detective import retries
from handlers.config_rule import app
from tests.detective import cis
from tests.detective.conftest import RecordingConfig
from tests.detective.throttle import Faults
from tools import audit

FUNCTIONS = 1000
ROLES = 40
RULES = ["lambda-required-layer", "lambda-code-signing", "iam-permissions-boundary", "required-tags",
         "lambda-tracing-active"]
PACK_CONFIG = {rule_id: {"enforcementLevel": "mandatory", **cis.PARAMS.get(rule_id, {})} for rule_id in RULES}


@pytest.fixture(scope="module")
def account():
    """1,000 functions (every other one signed, every third without the layer, every fifth untagged) and 40 roles
    (every other one without a boundary), in in-process moto for the whole module."""
    with mock_aws():
        iam = boto3.client("iam", region_name=cis.REGION)
        lam = boto3.client("lambda", region_name=cis.REGION)
        trust = json.dumps({"Version": "2012-10-17", "Statement": [
            {"Effect": "Allow", "Principal": {"Service": "lambda.amazonaws.com"}, "Action": "sts:AssumeRole"}]})
        role = iam.create_role(RoleName="fn-role", AssumeRolePolicyDocument=trust, PermissionsBoundary=cis.BOUNDARY,
                               Tags=[{"Key": k, "Value": v} for k, v in cis.TAGS.items()])["Role"]["Arn"]
        for i in range(ROLES - 1):
            extra = {"PermissionsBoundary": cis.BOUNDARY} if i % 2 else {}
            iam.create_role(RoleName=f"role-{i:03d}", AssumeRolePolicyDocument=trust, **extra)
        code = {"ZipFile": b"PK\x05\x06" + b"\x00" * 18}
        for _ in range(10):  # versions 1..10 of the company layer
            lam.publish_layer_version(LayerName="company-observability", Content=code)
        for i in range(FUNCTIONS):
            extra = {"CodeSigningConfigArn": cis.CSC} if i % 2 else {}
            lam.create_function(FunctionName=f"fn-{i:04d}", Runtime="python3.12", Role=role, Handler="app.handler",
                                Code=code, Layers=[f"{cis.LAYER}:10"] if i % 3 else [],
                                TracingConfig={"Mode": "Active" if i % 4 else "PassThrough"},
                                Tags=dict(cis.TAGS) if i % 5 else {}, **extra)
        yield boto3.Session(region_name=cis.REGION)


def _findings(report) -> list:
    return sorted((f.rule_id, f.status, f.urn, f.message) for f in report.stacks[0].findings)


def test_audit_under_throttling_and_server_errors_finds_exactly_what_a_fault_free_run_finds(account, no_retry_sleep):
    selected = audit.select_rules(PACK_CONFIG, RULES)
    clean = audit.audit(account, cis.REGION, selected, workers=8)
    faults = Faults(throttle=0.3, error=0.1, seed=10).attach(account.events)
    try:
        faulty = audit.audit(account, cis.REGION, selected, workers=8)
    finally:
        account.events.unregister("before-send.*.*", faults)
    assert _findings(faulty) == _findings(clean)
    assert audit.not_evaluated(faulty) == []
    assert faulty.stacks[0].evaluations == clean.stacks[0].evaluations
    # What the fault-free run finds, exactly: the seeded non-compliance (no fault turned into a finding or a pass).
    by_rule: dict = {}
    for rule_id, status, _urn, _message in _findings(clean):
        by_rule[(rule_id, status)] = by_rule.get((rule_id, status), 0) + 1
    assert by_rule == {("lambda-code-signing", "violation"): 500, ("lambda-required-layer", "violation"): 334,
                       ("lambda-tracing-active", "violation"): 250, ("required-tags", "violation"): 200 + 39 + 1 + 1 + 1,
                       ("iam-permissions-boundary", "violation"): 20}
    # + 1 + 1 + 1: required-tags also judges the default VPC's default security group, the default Redshift parameter
    # group (default.redshift-1.0) and the region's `primary` Athena workgroup, which moto creates untagged, as AWS
    # does.
    assert len(clean.stacks[0].evaluations) == 4 * FUNCTIONS + 2 * ROLES + 1 + 1 + 1
    # The faults really happened, at the rates asked for, and were retried (backoff computed, never slept).
    assert faults.throttled > 0.25 * faults.seen and faults.failed > 0.07 * faults.seen
    # Each injected fault was retried: after a backoff, or (at the attempt cap) by reading the unit again.
    capped = faults.throttled + faults.failed - len(no_retry_sleep)
    assert 0 < capped < 0.05 * len(no_retry_sleep)


def test_sweep_under_throttling_and_server_errors_delivers_each_evaluation_once(account, no_retry_sleep):
    def sweep(fault_seed=None):
        # The Config client as the Lambda makes it: botocore's retries off, the shared per-call retry policy on.
        config = RecordingConfig(retries.RetryPolicy().attach(
            boto3.client("config", region_name=cis.REGION, config=retries.client_config())))
        runner = app.RuleRunner(list(audit.catalogue.RULES.values()), config_client=config, session=account)
        faults = None
        if fault_seed is not None:
            faults = Faults(throttle=0.3, error=0.1, seed=fault_seed)
            faults.attach(account.events)
            faults.attach(config.moto.meta.events)  # PutEvaluations is throttled and fails too
        try:
            result = runner.handle(cis.scheduled_event("lambda-code-signing"))
        finally:
            if faults:
                account.events.unregister("before-send.*.*", faults)
        return result, config, faults

    clean_result, clean, _ = sweep()
    result, faulty, faults = sweep(fault_seed=11)
    assert clean_result == result == {"status": "OK", "messageType": "ScheduledNotification",
                                      "evaluations": FUNCTIONS, "notEvaluated": 0, "undeliverable": 0}
    ids = [e["ComplianceResourceId"] for e in faulty.evaluations]
    assert len(ids) == len(set(ids)) == FUNCTIONS  # none lost, none duplicated
    key = lambda e: e["ComplianceResourceId"]  # noqa: E731
    assert sorted(faulty.evaluations, key=key) == sorted(clean.evaluations, key=key)
    assert sum(1 for e in faulty.evaluations if e["ComplianceType"] == "COMPLIANT") == FUNCTIONS // 2
    assert [len(batch) for _, batch in faulty.batches] == [100] * 10
    assert faults.throttled > 0.25 * faults.seen and faults.failed > 0.07 * faults.seen
