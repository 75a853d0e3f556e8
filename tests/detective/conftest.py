"""Fixtures for the detective tests: moto accounts, a PutEvaluations stand-in, fast retries."""
from __future__ import annotations

import threading

import pytest


class RecordingConfig:
    """Stand-in for the AWS Config client, for the two calls moto cannot serve.

    * ``put_evaluations``: moto accepts it only in TestMode and keeps nothing, so this sends every batch to
      moto *with* TestMode (moto still validates the request) and records what a real account would store.
    * ``get_resource_config_history``: moto has it only for IAM/S3/SNS (and its IAM role item does not parse),
      so items are served from ``history``, keyed by (resourceType, resourceId).
    Everything else is not used by the rule Lambda.
    """

    def __init__(self, moto_client, history=None) -> None:
        self.moto = moto_client
        self.history = history or {}
        self.batches: list = []
        self._lock = threading.Lock()

    @property
    def meta(self):
        return self.moto.meta

    def put_evaluations(self, Evaluations, ResultToken, TestMode=False):
        response = self.moto.put_evaluations(Evaluations=Evaluations, ResultToken=ResultToken, TestMode=True)
        with self._lock:
            self.batches.append((ResultToken, list(Evaluations)))
        return response

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
