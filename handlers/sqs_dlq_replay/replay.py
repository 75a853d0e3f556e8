"""The replay function: Lambda polls the DLQ and hands it the failed messages (post 001#10, "How the replay
function works").

For each message the counter attribute ``sqs-dlq-replay-nb`` says how many replays were already made. Below
``MAX_ATTEMPTS`` the message is sent back to the main queue with the counter incremented and a message timer
(``DelaySeconds``) from :mod:`handlers.sqs_dlq_replay.backoff`. Beyond it the message is reported failed
(Powertools batch, ``ReportBatchItemFailures``): it stays on the DLQ, and once it has been received the DLQ's
``maxReceiveCount`` times SQS moves it, by the DLQ's own redrive policy, to the operator queue. That is how the
post's sample "moves" it (its handler raises); reporting the one item instead of raising keeps the other
messages of a batch from being replayed twice.

FIFO main queue (URL ending ``.fifo``): FIFO queues take no per-message delay, so, as the sample does, the
message is replayed at once, without backoff, with its ``MessageGroupId``. Its deduplication id is new for each
replay (``<DLQ message id>-<replay number>``): the sample reuses the original id, which SQS silently drops as a
duplicate when the replay comes within the 5-minute deduplication window; and a retried replay (a crash after
the send) keeps the same id, so SQS drops the duplicate instead of the consumer seeing it twice.

Environment: ``SQS_MAIN_URL``, ``MAX_ATTEMPTS`` (the sample's ``MAX_ATTEMPS``; 0 = never replay),
``BACKOFF_RATE``, ``MESSAGE_RETENTION_PERIOD``.
"""
from __future__ import annotations

import base64
import os
import random
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import boto3
from aws_lambda_powertools.utilities.batch import (
    BatchProcessor,
    EventType,
    SqsFifoPartialProcessor,
    process_partial_response,
)
from aws_lambda_powertools.utilities.batch.types import PartialItemFailureResponse
from aws_lambda_powertools.utilities.data_classes.sqs_event import SQSRecord

from company_observability import instrumented, logger, tracer
from handlers.sqs_dlq_replay.backoff import full_jitter_delay

COUNTER = "sqs-dlq-replay-nb"  # the post's attribute: replays made so far (DataType Number)
MAX_MESSAGE_ATTRIBUTES = 10  # SQS refuses a message with more

sqs = boto3.client("sqs")
jitter = random.Random()  # the backoff's random draw (tests seed it)
processor = BatchProcessor(event_type=EventType.SQS)
fifo_processor = SqsFifoPartialProcessor()  # stops at the first failure, so a group's order is kept


class MaxAttemptsError(Exception):
    """The message was replayed ``MAX_ATTEMPTS`` times: it is left to the DLQ's redrive (the operator queue)."""


class UnreplayableMessageError(ValueError):
    """The message cannot be sent back as it is; it goes to the operator queue like an exhausted one."""


@dataclass(frozen=True)
class Settings:
    main_queue_url: str
    max_attempts: int
    backoff_rate: float
    retention_seconds: int

    @property
    def fifo(self) -> bool:
        return self.main_queue_url.endswith(".fifo")


def settings(environ: Mapping[str, str] = os.environ) -> Settings:
    """The function's configuration, or a ``ValueError`` naming the variable, its value and what is allowed."""
    def number(name: str, kind: type, low: int) -> Any:
        value = environ.get(name)
        try:
            parsed = kind(value)
        except (TypeError, ValueError):
            parsed = None
        if parsed is None or parsed < low:
            what = "an integer" if kind is int else "a number"
            raise ValueError(f"environment {name}={value!r} must be {what} >= {low}")
        return parsed

    url = environ.get("SQS_MAIN_URL", "")
    if not url.startswith("https://"):
        raise ValueError(f"environment SQS_MAIN_URL={url!r} must be the main queue's https:// URL")
    return Settings(url, number("MAX_ATTEMPTS", int, 0), number("BACKOFF_RATE", float, 0),
                    number("MESSAGE_RETENTION_PERIOD", int, 60))


def replay_count(record: SQSRecord) -> int:
    """Replays already made, from the counter attribute (0 when absent)."""
    attribute = record.raw_event.get("messageAttributes", {}).get(COUNTER)
    if attribute is None:
        return 0
    value = attribute.get("stringValue")
    try:
        return int(value)
    except (TypeError, ValueError):
        raise UnreplayableMessageError(f"attribute {COUNTER}={value!r} must be an integer") from None


def send_attributes(event_attributes: Mapping[str, Mapping[str, Any]], replay: int) -> dict:
    """The message's attributes as ``SendMessage`` takes them, with the counter set to ``replay``.

    Lambda's event spells them ``stringValue``/``binaryValue``/``dataType`` and adds empty
    ``stringListValues``/``binaryListValues``, which ``SendMessage`` refuses; ``binaryValue`` arrives base64 text
    and is sent as bytes (boto3 encodes them again).
    """
    attributes: dict = {}
    for name, value in event_attributes.items():
        if name == COUNTER:
            continue
        converted: dict = {"DataType": value["dataType"]}
        if value.get("stringValue") is not None:
            converted["StringValue"] = value["stringValue"]
        if value.get("binaryValue") is not None:
            converted["BinaryValue"] = base64.b64decode(value["binaryValue"])
        attributes[name] = converted
    attributes[COUNTER] = {"DataType": "Number", "StringValue": str(replay)}
    if len(attributes) > MAX_MESSAGE_ATTRIBUTES:
        raise UnreplayableMessageError(
            f"the message has {len(attributes) - 1} attributes; with {COUNTER} that is more than SQS's "
            f"{MAX_MESSAGE_ATTRIBUTES}")
    return attributes


@tracer.capture_method
def replay_record(record: SQSRecord) -> None:
    config = settings()
    replay = replay_count(record) + 1
    if replay > config.max_attempts:
        logger.warning("replays exhausted: left to the DLQ's redrive to the operator queue",
                       message_id=record.message_id, replays=replay - 1, max_attempts=config.max_attempts)
        raise MaxAttemptsError(f"message {record.message_id}: replay {replay} is more than MAX_ATTEMPTS "
                               f"({config.max_attempts})")
    request: dict = {"QueueUrl": config.main_queue_url, "MessageBody": record.body,
                     "MessageAttributes": send_attributes(record.raw_event.get("messageAttributes", {}), replay)}
    if config.fifo:
        group = record.attributes.message_group_id
        if not group:
            raise UnreplayableMessageError(f"message {record.message_id} has no MessageGroupId; the FIFO main "
                                           f"queue needs one")
        request.update(MessageGroupId=group, MessageDeduplicationId=f"{record.message_id}-{replay}")
        delay = 0
    else:
        delay = full_jitter_delay(replay, config.backoff_rate, config.retention_seconds, jitter)
        request["DelaySeconds"] = delay
    sqs.send_message(**request)
    logger.info("message replayed to the main queue", message_id=record.message_id, replay=replay,
                delay_seconds=delay, fifo=config.fifo)


@instrumented
def handler(event: dict[str, Any], context: Any) -> PartialItemFailureResponse:
    chosen = fifo_processor if settings().fifo else processor
    return process_partial_response(event=event, record_handler=replay_record, processor=chosen, context=context)
