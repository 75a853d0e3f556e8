"""DetectSentiment: score the form message with Amazon Comprehend.

Event (from the ``Detect Sentiment`` state): ``{"message": "This is bad service"}``.
Returns Comprehend's verdict, which the workflow stores at ``$.SentimentResults``::

    {"Sentiment": "NEGATIVE", "SentimentScore": {"Positive": 0.01, "Negative": 0.97, "Neutral": 0.01, "Mixed": 0.01}}

Comprehend is reached through the module-level ``comprehend`` client (created at import, no network until
used); tests replace it, because moto's Comprehend always answers NEUTRAL.
"""
from __future__ import annotations

import os
from typing import Any, Protocol

import boto3

from company_observability import instrumented, logger, metrics

# Comprehend's DetectSentiment limit: 5,000 bytes of UTF-8 text.
MAX_MESSAGE_BYTES = 5000
LANGUAGE_CODE = os.environ.get("LANGUAGE_CODE", "en")


class InvalidMessageError(ValueError):
    """The form message is missing, empty or too long; retrying cannot help (the workflow does not retry it)."""


class SentimentClient(Protocol):
    def detect_sentiment(self, *, Text: str, LanguageCode: str) -> dict[str, Any]: ...


comprehend: SentimentClient = boto3.client("comprehend")


def analyze(message: Any, client: SentimentClient) -> dict[str, Any]:
    """Validate ``message`` and return ``{"Sentiment": ..., "SentimentScore": {...}}`` from ``client``."""
    if not isinstance(message, str) or not message.strip():
        raise InvalidMessageError(f"'message' must be a non-empty string, got {message!r}")
    size = len(message.encode("utf-8"))
    if size > MAX_MESSAGE_BYTES:
        raise InvalidMessageError(f"'message' is {size} bytes; Comprehend accepts at most {MAX_MESSAGE_BYTES}")
    response = client.detect_sentiment(Text=message, LanguageCode=LANGUAGE_CODE)
    return {"Sentiment": response["Sentiment"], "SentimentScore": response["SentimentScore"]}


@instrumented
def handler(event: dict[str, Any], context: Any) -> dict[str, Any]:
    result = analyze(event.get("message") if isinstance(event, dict) else None, comprehend)
    logger.info("sentiment detected", sentiment=result["Sentiment"])
    metrics.add_metric(name=f"Sentiment{result['Sentiment'].title()}", unit="Count", value=1)
    return result
