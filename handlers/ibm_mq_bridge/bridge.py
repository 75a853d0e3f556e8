"""The bridge: reads from one ``MessageSource``, delivers to one ``MessageSink`` (the post's Camel route).

Per message: up to ``1 + max_retries`` delivery attempts (the post: "after two retries"), with ``retry_delay``
seconds between them; then the message is written to the dead-letter store (the post's S3 DLQ bucket) and
acknowledged at the source. If even the dead-letter store refuses it, the source is told to keep it
(``release``), so that no message is lost silently.

Loops are bounded: ``run`` stops when ``stop`` is set (SIGTERM from ECS) or after ``max_polls`` polls.

Usage::

    bridge = Bridge(IbmMqSource(...), SnsSink(...), S3DeadLetters(...))
    bridge.run(stop_event)
"""
from __future__ import annotations

import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Optional

from company_observability import logger
from handlers.ibm_mq_bridge.messages import DeadLetters, Message, MessageSink, MessageSource

MAX_RETRIES = 2  # the post: a message that cannot be delivered after two retries goes to the DLQ bucket
RETRY_DELAY_SECONDS = 1.0  # Camel's default redelivery delay (1000 ms)
BATCH_SIZE = 10  # messages per poll (SQS's maximum per ReceiveMessage)


@dataclass
class Outcome:
    """What a run did, per message (its source id)."""

    delivered: list[str] = field(default_factory=list)
    dead_lettered: list[str] = field(default_factory=list)  # where each went: "s3://bucket/key"
    released: list[str] = field(default_factory=list)
    polls: int = 0

    def add(self, other: Outcome) -> None:
        self.delivered += other.delivered
        self.dead_lettered += other.dead_lettered
        self.released += other.released
        self.polls += other.polls


class Bridge:
    def __init__(self, source: MessageSource, sink: MessageSink, dead_letters: DeadLetters,
                 max_retries: int = MAX_RETRIES, retry_delay: float = RETRY_DELAY_SECONDS,
                 batch_size: int = BATCH_SIZE, sleep: Callable[[float], None] = time.sleep) -> None:
        if isinstance(max_retries, bool) or not isinstance(max_retries, int) or not 0 <= max_retries <= 10:
            raise ValueError(f"Bridge max_retries: {max_retries!r} must be an integer 0-10")
        if not 0 <= retry_delay <= 60:
            raise ValueError(f"Bridge retry_delay: {retry_delay!r} must be 0-60 seconds")
        if isinstance(batch_size, bool) or not isinstance(batch_size, int) or not 1 <= batch_size <= 10:
            raise ValueError(f"Bridge batch_size: {batch_size!r} must be an integer 1-10")
        self.source, self.sink, self.dead_letters = source, sink, dead_letters
        self.max_retries, self.retry_delay, self.batch_size, self.sleep = max_retries, retry_delay, batch_size, sleep

    def poll(self) -> Outcome:
        """One poll: receive up to ``batch_size`` messages and settle each."""
        outcome = Outcome(polls=1)
        for message in self.source.receive(self.batch_size):
            self._settle(message, outcome)
        return outcome

    def run(self, stop: threading.Event, max_polls: Optional[int] = None) -> Outcome:
        """Poll until ``stop`` is set or ``max_polls`` polls were made. A failing poll (the source unreachable)
        is logged and retried after ``retry_delay``: the service keeps running while IBM MQ restarts."""
        total = Outcome()
        while not stop.is_set() and (max_polls is None or total.polls < max_polls):
            try:
                total.add(self.poll())
            except Exception:  # noqa: BLE001 (a service loop: log, wait, try again)
                total.polls += 1
                logger.exception("poll failed", extra={"source": self.source.name})
                stop.wait(self.retry_delay)
        return total

    def _settle(self, message: Message, outcome: Outcome) -> None:
        error = self._deliver(message)
        if error is None:
            self.source.ack(message)
            outcome.delivered.append(message.id)
            return
        attempts = 1 + self.max_retries
        try:
            where = self.dead_letters.store(message, self.source.name, error, attempts)
        except Exception:  # noqa: BLE001 (the message must go back to its source, whatever the store raised)
            logger.exception("dead-letter store failed; the source keeps the message",
                             extra={"message_id": message.id, "source": self.source.name})
            self.source.release(message)
            outcome.released.append(message.id)
            return
        logger.error("message dead-lettered", extra={"message_id": message.id, "attempts": attempts,
                                                     "error": repr(error), "dead_letter": where})
        self.source.ack(message)
        outcome.dead_lettered.append(where)

    def _deliver(self, message: Message) -> Optional[BaseException]:
        """None once delivered; the last error once every attempt failed."""
        last: Optional[BaseException] = None
        for attempt in range(1 + self.max_retries):
            if attempt:
                self.sleep(self.retry_delay)
            try:
                self.sink.send(message)
                return None
            except Exception as error:  # noqa: BLE001 (any failure to deliver is retried, then dead-lettered)
                last = error
                logger.warning("delivery failed", extra={"message_id": message.id, "attempt": attempt + 1,
                                                         "sink": self.sink.name, "error": repr(error)})
        return last
