"""What the bridge moves and the two interfaces it moves it between.

A ``Message`` is text (IBM MQ's messaging REST API carries ``MQSTR`` messages only, as the post's Camel routes
carry text) with string attributes. A ``MessageSource`` hands out messages and is told, per message, whether the
bridge is done with it (``ack``) or could not keep it anywhere (``release``: the source must keep it for a later
attempt). A ``MessageSink`` delivers one message or raises.

Usage::

    class MySink(MessageSink):
        def send(self, message: Message) -> None: ...
"""
from __future__ import annotations

import abc
from collections.abc import Mapping
from dataclasses import dataclass, field


@dataclass(frozen=True)
class Message:
    body: str
    # Message attributes as strings (SNS/SQS ``String`` attributes; IBM MQ message descriptor fields).
    attributes: Mapping[str, str] = field(default_factory=dict)
    # The source's id for the message (IBM MQ message id in hex, SQS MessageId): logs and dead-letter keys.
    id: str = ""
    # What the source needs to ack or release it (an SQS receipt handle, an offloaded payload's location).
    receipt: Mapping[str, str] = field(default_factory=dict)

    @property
    def size(self) -> int:
        """The body's size in bytes (UTF-8), what SNS and SQS count against their 256 KiB limit."""
        return len(self.body.encode("utf-8"))


class MessageSource(abc.ABC):
    """Where the bridge reads from."""

    name: str  # what the source is, for logs and dead letters (e.g. "ibmmq://QM1/DEV.QUEUE.1")

    @abc.abstractmethod
    def receive(self, max_messages: int) -> list[Message]:
        """Up to ``max_messages`` messages (waiting a bounded time for the first); ``[]`` when none came."""

    @abc.abstractmethod
    def ack(self, message: Message) -> None:
        """The message was delivered or dead-lettered: the source may forget it."""

    @abc.abstractmethod
    def release(self, message: Message) -> None:
        """The message could be neither delivered nor dead-lettered: the source must keep it."""


class MessageSink(abc.ABC):
    """Where the bridge writes to."""

    name: str  # e.g. "sns://arn:aws:sns:..."

    @abc.abstractmethod
    def send(self, message: Message) -> None:
        """Deliver ``message`` or raise."""


class DeadLetters(abc.ABC):
    """Where a message goes once its retries are spent (the post's S3 dead-letter bucket)."""

    @abc.abstractmethod
    def store(self, message: Message, source: str, error: BaseException, attempts: int) -> str:
        """Keep ``message`` with why it failed; returns where it was kept. Raises if it could not be kept."""
