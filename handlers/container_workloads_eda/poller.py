"""The queue poller (the post's ``SubscriberService``): settles each ``Fraud.Not.Detected`` event the rule sends
to the queue.

Each poll long-polls the queue (20 s, up to 10 messages); each message is an EventBridge event whose ``detail``
is the claim. A settled message is deleted; a message that fails (a bad claim, an AWS error) is left on the
queue: SQS delivers it again after the visibility timeout, and after ``maxReceiveCount`` receives moves it to the
dead-letter queue. SIGTERM (a deployment, a scale-in, a Fargate Spot interruption) stops the loop after the
current batch, within the two minutes Spot gives.

Usage (the container's command; environment from the component)::

    python -m handlers.container_workloads_eda.poller
"""
from __future__ import annotations

import json
import os
import signal
import threading
from collections.abc import Mapping
from typing import Any, Optional

import boto3

from company_observability import logger
from handlers.container_workloads_eda.settlement import Claim, InvalidClaim, SettlementService, from_environment

WAIT_TIME_SECONDS = 20  # SQS long polling maximum: fewer empty receives
MAX_MESSAGES = 10  # SQS ReceiveMessage maximum
FRAUD_NOT_DETECTED = "Fraud.Not.Detected"

# Module scope: created once per container, no network until the first call.
sqs = boto3.client("sqs")
dynamodb = boto3.client("dynamodb")
events = boto3.client("events")


def claim_of(body: str) -> Claim:
    """The claim in a queued ``Fraud.Not.Detected`` event (the rule's target receives the whole event)."""
    try:
        event = json.loads(body)
    except json.JSONDecodeError as error:
        raise InvalidClaim(f"message body is not JSON: {error}") from error
    if not isinstance(event, Mapping) or event.get("detail-type") != FRAUD_NOT_DETECTED:
        kind = event.get("detail-type") if isinstance(event, Mapping) else type(event).__name__
        raise InvalidClaim(f"message is not a {FRAUD_NOT_DETECTED} event (detail-type {kind!r})")
    return Claim.from_json(event.get("detail"))


def poll_once(queue_url: str, service: SettlementService, client: Any = None,
              wait_seconds: int = WAIT_TIME_SECONDS) -> tuple[int, int]:
    """One receive: settle and delete each message, leave the failed ones. Returns (settled, failed)."""
    client = client or sqs
    settled = failed = 0
    response = client.receive_message(QueueUrl=queue_url, MaxNumberOfMessages=MAX_MESSAGES,
                                      WaitTimeSeconds=wait_seconds)
    for message in response.get("Messages", []):
        try:
            settlement = service.finalize(claim_of(message["Body"]))
        except Exception:  # noqa: BLE001 (one bad message must not stop the others; it is retried, then DLQ)
            logger.exception("message left for redelivery", message_id=message["MessageId"])
            failed += 1
            continue
        client.delete_message(QueueUrl=queue_url, ReceiptHandle=message["ReceiptHandle"])
        logger.info("claim settled", claim_id=settlement.claim_id, settlement_id=settlement.settlement_id)
        settled += 1
    return settled, failed


def run(queue_url: str, service: SettlementService, stop: threading.Event, client: Any = None,
        max_polls: Optional[int] = None, wait_seconds: int = WAIT_TIME_SECONDS) -> tuple[int, int]:
    """Poll until ``stop`` is set (or ``max_polls`` receives, for tests). Returns the totals (settled, failed)."""
    settled = failed = polls = 0
    while not stop.is_set() and (max_polls is None or polls < max_polls):
        done, bad = poll_once(queue_url, service, client, wait_seconds)
        settled, failed, polls = settled + done, failed + bad, polls + 1
    return settled, failed


def main(environ: Mapping[str, str] = os.environ) -> None:
    queue_url = environ.get("SQS_ENDPOINT_URL")
    if not queue_url:
        raise ValueError("environment SQS_ENDPOINT_URL is not set: the component sets it to the queue's URL")
    service = from_environment(environ, dynamodb, events)
    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    logger.info("polling", queue_url=queue_url)
    settled, failed = run(queue_url, service, stop)
    logger.info("stopped", settled=settled, failed=failed)


if __name__ == "__main__":
    main()
