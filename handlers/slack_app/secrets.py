"""Read a Secrets Manager secret's value once per ``ttl_seconds`` (a warm function does not call Secrets
Manager per request; a rotated value is picked up within the TTL)."""
from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any


class SecretValueMissing(Exception):
    """The secret exists but has no value yet (the operator has not put it)."""


class CachedSecret:
    def __init__(self, client: Any, ttl_seconds: float = 300.0, clock: Callable[[], float] = time.monotonic) -> None:
        self.client = client
        self.ttl_seconds = ttl_seconds
        self.clock = clock
        self._values: dict[str, tuple[float, str]] = {}

    def get(self, secret_arn: str) -> str:
        cached = self._values.get(secret_arn)
        if cached is not None and self.clock() < cached[0]:
            return cached[1]
        try:
            value = self.client.get_secret_value(SecretId=secret_arn).get("SecretString") or ""
        except self.client.exceptions.ResourceNotFoundException as error:
            raise SecretValueMissing(
                f"secret {secret_arn} has no value: put it with 'aws secretsmanager put-secret-value "
                f"--secret-id {secret_arn} --secret-string <value>' ({error})") from None
        self._values[secret_arn] = (self.clock() + self.ttl_seconds, value)
        return value
