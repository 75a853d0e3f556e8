"""The audit (and the Config rule sweep, which shares ``AccountScanner``) on Amazon MWAA environments, with the
catalogue's real rules (mwaa-private-webserver, mwaa-cmk, mwaa-logging): ListEnvironments, then one GetEnvironment
per environment (its tags are in that response).

moto 5.2.5 has no MWAA backend, so ONLY the mwaa client is faked: botocore's ``Stubber`` answers its calls (and
checks their parameters and that every queued answer is used) with responses botocore validates against the MWAA
service model. Everything else (sts for the account) is in-process moto (``mock_aws``). The stubbed client is
handed to the scanner by a session whose ``client("mwaa")`` returns it.
"""
from __future__ import annotations

from collections import Counter
from collections.abc import Iterator

import boto3
import pytest
from botocore.stub import Stubber
from moto import mock_aws

from detective import scan
from detective.evaluation import Unread
from guardrails.model import MWAA_LOG_TYPES, Kind, MwaaEnvironmentFacts, MwaaLogSetting, Resource
from tests.detective import cis
from tools import audit

R, A = cis.REGION, cis.ACCOUNT
RULES = ["mwaa-private-webserver", "mwaa-cmk", "mwaa-logging"]
KEY = f"arn:aws:kms:{R}:{A}:key/1234abcd-12ab-34cd-56ef-1234567890ab"
TAGS = {"service-id": "pipelines"}


def arn(name: str) -> str:
    return f"arn:aws:airflow:{R}:{A}:environment/{name}"


GOVERNED = {
    "Name": "governed", "Arn": arn("governed"), "WebserverAccessMode": "PRIVATE_ONLY", "KmsKey": KEY,
    "LoggingConfiguration": {log_type: {"Enabled": True, "LogLevel": "INFO"} for log_type in MWAA_LOG_TYPES},
    "Tags": TAGS,
}
OPEN = {
    "Name": "open", "Arn": arn("open"), "WebserverAccessMode": "PUBLIC_ONLY",
    "LoggingConfiguration": {log_type: {"Enabled": False, "LogLevel": "INFO"} for log_type in MWAA_LOG_TYPES},
}


class StubbedMwaaSession:
    """A ``boto3.Session`` whose mwaa client is ``Stubber``-answered (moto has no MWAA); other clients are moto's.
    ``calls`` counts the mwaa client's operations (on ``before-parameter-build``: the scan's ``CallCounter`` counts
    ``before-call``, which a stubbed call never reaches it with)."""

    def __init__(self, session: boto3.Session, answer) -> None:
        self._session = session
        self._answer = answer  # (Stubber) -> None: queues the expected calls and their answers
        self.stubbers: list[Stubber] = []
        self.calls: Counter = Counter()

    def client(self, service: str, **kwargs):
        made = self._session.client(service, **kwargs)
        if service == "mwaa":
            made.meta.events.register_first(
                "before-parameter-build.mwaa.*", lambda event_name, **_: self.calls.update([event_name.split(".")[2]]))
            stubber = Stubber(made)
            self._answer(stubber)
            stubber.activate()
            self.stubbers.append(stubber)
        return made

    def get_partition_for_region(self, region: str) -> str:
        return self._session.get_partition_for_region(region)


@pytest.fixture(scope="module")
def moto_session() -> Iterator[boto3.Session]:
    with mock_aws():
        yield boto3.Session(region_name=R, aws_access_key_id="testing", aws_secret_access_key="testing")


def two_environments(stubber: Stubber) -> None:
    stubber.add_response("list_environments", {"Environments": ["governed", "open"]}, {})
    stubber.add_response("get_environment", {"Environment": GOVERNED}, {"Name": "governed"})
    stubber.add_response("get_environment", {"Environment": OPEN}, {"Name": "open"})


def test_the_scan_reads_each_environment_once(moto_session):
    session = StubbedMwaaSession(moto_session, two_environments)
    counter = scan.CallCounter()
    scanner = scan.AccountScanner(session, R, workers=1, counter=counter)
    subjects = scanner.collect({Kind.MWAA_ENVIRONMENT})
    [stubber] = session.stubbers
    stubber.assert_no_pending_responses()
    assert dict(session.calls) == {"ListEnvironments": 1, "GetEnvironment": 2}
    assert dict(counter.calls) == {"sts.GetCallerIdentity": 1}  # nothing else reached AWS (moto)
    assert scanner.unread == []
    assert [(s.config_id, s.facts) for s in subjects] == [
        ("governed", MwaaEnvironmentFacts(
            resource=Resource(kind=Kind.MWAA_ENVIRONMENT, ref=arn("governed"), logical_name="governed",
                              source_type="AWS::MWAA::Environment", tags=TAGS, region=R, account=A),
            webserver_access_mode="PRIVATE_ONLY", kms_key=KEY,
            logging={t: MwaaLogSetting(enabled=True, log_level="INFO") for t in MWAA_LOG_TYPES})),
        ("open", MwaaEnvironmentFacts(
            resource=Resource(kind=Kind.MWAA_ENVIRONMENT, ref=arn("open"), logical_name="open",
                              source_type="AWS::MWAA::Environment", tags={}, region=R, account=A),
            webserver_access_mode="PUBLIC_ONLY", kms_key=None,
            logging={t: MwaaLogSetting(enabled=False, log_level="INFO") for t in MWAA_LOG_TYPES})),
    ]


def test_each_environment_is_judged_by_the_three_rules(moto_session):
    session = StubbedMwaaSession(moto_session, two_environments)
    _, results = audit.evaluate_account(session, R, audit.select_rules({}, RULES), workers=1)
    session.stubbers[0].assert_no_pending_responses()
    assert sorted((r.rule.id, r.facts.resource.ref, r.verdict.status.value) for r in results) == [
        ("mwaa-cmk", arn("governed"), "COMPLIANT"),
        ("mwaa-cmk", arn("open"), "NON_COMPLIANT"),
        ("mwaa-logging", arn("governed"), "COMPLIANT"),
        ("mwaa-logging", arn("open"), "NON_COMPLIANT"),
        ("mwaa-private-webserver", arn("governed"), "COMPLIANT"),
        ("mwaa-private-webserver", arn("open"), "NON_COMPLIANT"),
    ]
    report = audit.audit(StubbedMwaaSession(moto_session, two_environments), R,
                         audit.select_rules({rule_id: "mandatory" for rule_id in RULES}, RULES), workers=1)
    assert sorted((f.rule_id, f.status, f.urn) for f in report.stacks[0].findings) == [
        ("mwaa-cmk", "violation", arn("open")),
        ("mwaa-logging", "violation", arn("open")),
        ("mwaa-private-webserver", "violation", arn("open")),
    ]


def test_an_environment_that_cannot_be_read_is_unread_alone(moto_session):
    def denied_for_open(stubber: Stubber) -> None:
        stubber.add_response("list_environments", {"Environments": ["governed", "open"]}, {})
        stubber.add_response("get_environment", {"Environment": GOVERNED}, {"Name": "governed"})
        stubber.add_client_error("get_environment", service_error_code="AccessDeniedException",
                                 service_message="not authorized to perform airflow:GetEnvironment",
                                 http_status_code=403, expected_params={"Name": "open"})

    session = StubbedMwaaSession(moto_session, denied_for_open)
    scanner = scan.AccountScanner(session, R, workers=1)
    subjects = scanner.collect({Kind.MWAA_ENVIRONMENT})
    session.stubbers[0].assert_no_pending_responses()  # AccessDenied is not read again
    assert [s.facts.resource.ref for s in subjects] == [arn("governed")]
    assert [(u.kinds, u.type, u.ref, u.name) for u in scanner.unread] == [
        ((Kind.MWAA_ENVIRONMENT,), "AWS::MWAA::Environment", arn("open"), "open")]
    assert isinstance(scanner.unread[0], Unread) and "AccessDenied" in scanner.unread[0].message
