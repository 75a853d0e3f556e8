"""Fixtures for the detective tests: moto accounts, a PutEvaluations stand-in, fast retries."""
from __future__ import annotations

import datetime as dt
import json
import threading

import pytest
from botocore.awsrequest import AWSResponse

from tests.detective.throttle import _Raw


class RecordingConfig:
    """Stand-in for the AWS Config client, for the calls moto cannot serve.

    * ``put_evaluations``: moto accepts it only in TestMode and keeps nothing, so this sends every batch to
      moto *with* TestMode (moto still validates the request) and records what a real account would store.
      An empty batch (AWS accepts ``Evaluations=[]``: a sweep that found nothing; moto refuses it) is answered
      by ``StoredResults`` on the client's ``before-send``, after any fault a test injects there.
    * ``get_compliance_details_by_config_rule``: moto 5.2.5 does not implement it; the real client sends it and
      ``StoredResults`` answers from what was put outside TestMode (so the client's retries and a test's faults
      apply as in AWS). One stand-in serves one Config rule: every stored evaluation is that rule's.
    * ``get_resource_config_history``: moto has it only for IAM/S3/SNS (and its IAM role item does not parse),
      so items are served from ``history``, keyed by (resourceType, resourceId).
    Everything else is not used by the rule Lambda.
    """

    def __init__(self, moto_client, history=None) -> None:
        self.moto = moto_client
        self.history = history or {}
        self.batches: list = []
        self.stored = StoredResults()
        self.moto.meta.events.register("before-send.config-service.*", self.stored)
        self._lock = threading.Lock()

    @property
    def meta(self):
        return self.moto.meta

    def put_evaluations(self, Evaluations, ResultToken, TestMode=False):
        response = self.moto.put_evaluations(Evaluations=Evaluations, ResultToken=ResultToken, TestMode=True)
        with self._lock:
            self.batches.append((ResultToken, list(Evaluations)))
            if not TestMode:
                self.stored.put(Evaluations)
        return response

    def get_compliance_details_by_config_rule(self, **params):
        return self.moto.get_compliance_details_by_config_rule(**params)

    def get_resource_config_history(self, resourceType, resourceId, laterTime=None, limit=None):
        found = self.history.get((resourceType, resourceId))
        return {"configurationItems": [found] if found else []}  # AWS: an empty list when nothing is recorded

    @property
    def evaluations(self) -> list:
        return [e for _, batch in self.batches for e in batch]


@pytest.fixture
def no_retry_sleep(monkeypatch):
    """Retry back-off without the wall-clock wait (the retries themselves still happen); returns the list of
    back-off delays that would have been slept."""
    from detective import retries

    slept: list = []
    monkeypatch.setattr(retries, "backoff_sleep", slept.append)
    return slept


class StoredResults:
    """AWS Config's evaluation results for one rule, served on botocore's ``before-send`` where moto has none:
    GetComplianceDetailsByConfigRule (the latest evaluation per resource, filtered by ComplianceTypes, ``Limit``
    a page, default 10 as in AWS, ``NextToken`` the next offset) and PutEvaluations with an empty list (answered,
    nothing stored). Other requests go on to moto. ``calls`` counts the GetComplianceDetailsByConfigRule pages."""

    def __init__(self, rule_name: str = "") -> None:
        self.rule_name = rule_name
        self.results: dict = {}  # (type, id) -> EvaluationResult in the API's JSON shape
        self.calls = 0
        self._lock = threading.Lock()

    def put(self, evaluations, recorded=None) -> None:
        """Store PutEvaluations entries as AWS Config does; ``recorded`` (default: now) is ResultRecordedTime."""
        recorded = (recorded or dt.datetime.now(dt.UTC)).timestamp()
        with self._lock:
            for e in evaluations:
                ordering = e["OrderingTimestamp"]
                if isinstance(ordering, str):
                    ordering = dt.datetime.fromisoformat(ordering.replace("Z", "+00:00"))
                result = {"EvaluationResultIdentifier": {
                    "EvaluationResultQualifier": {"ConfigRuleName": self.rule_name,
                                                  "ResourceType": e["ComplianceResourceType"],
                                                  "ResourceId": e["ComplianceResourceId"],
                                                  "EvaluationMode": "DETECTIVE"},
                    "OrderingTimestamp": ordering.timestamp()},
                    "ComplianceType": e["ComplianceType"], "ResultRecordedTime": recorded,
                    "ConfigRuleInvokedTime": recorded}
                if e.get("Annotation"):
                    result["Annotation"] = e["Annotation"]
                self.results[(e["ComplianceResourceType"], e["ComplianceResourceId"])] = result

    def __call__(self, request, event_name: str, **_):
        operation = event_name.rsplit(".", 1)[-1]
        params = json.loads(request.body or b"{}")
        if operation == "PutEvaluations" and not params.get("Evaluations"):
            return self._answer(request, {"FailedEvaluations": []})
        if operation != "GetComplianceDetailsByConfigRule":
            return None
        # botocore asks every before-send handler, and moto's raises NotImplementedError for this operation: an
        # address moto serves nothing at makes it pass (this answer is the one botocore takes).
        request.url = "https://stored-results.invalid/"
        wanted = set(params.get("ComplianceTypes") or ["COMPLIANT", "NON_COMPLIANT", "NOT_APPLICABLE"])
        with self._lock:
            self.calls += 1
            matching = [r for r in self.results.values() if r["ComplianceType"] in wanted]
        start = int(params.get("NextToken") or 0)
        limit = params.get("Limit") or 10
        body: dict = {"EvaluationResults": matching[start:start + limit]}
        if start + limit < len(matching):
            body["NextToken"] = str(start + limit)
        return self._answer(request, body)

    @staticmethod
    def _answer(request, body: dict) -> AWSResponse:
        return AWSResponse(request.url, 200, {"Content-Type": "application/x-amz-json-1.1"},
                           _Raw(json.dumps(body).encode()))
