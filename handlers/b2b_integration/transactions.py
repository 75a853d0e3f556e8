"""Pure B2B transaction logic shared by the handlers (no AWS calls, so it is tested without any emulator).

A transaction travels as the SQS message body ``{"transactionId": "1", "transactionMessage": "...", "source":
"batch" | "api", "sourceObject": "<bucket>/<key>" (batch only)}`` from either intake path to the workflow, which
formats it (:func:`format_transaction`), enriches it (:func:`enrich`) and stores it.
"""
from __future__ import annotations

import re
import xml.etree.ElementTree as ElementTree
from collections.abc import Callable, Mapping
from datetime import UTC, datetime
from typing import Any

#: A batch file larger than this is refused before parsing (the post's 11 transactions are ~1 KB).
MAX_BATCH_BYTES = 10 * 1024 * 1024
#: SQS message body limit (256 KiB); a transaction message is far below it, checked anyway.
MAX_MESSAGE_CHARACTERS = 4096
TRANSACTION_ID = re.compile(r"^[A-Za-z0-9_-]{1,64}$")
#: The post's notes: "Transaction made between user 57 and user 732."
NOTES = re.compile(r"^Transaction made between user (?P<from>\d+) and user (?P<to>\d+)\.?$")
SOURCES = ("batch", "api")

Clock = Callable[[], datetime]


def utc_now() -> datetime:
    return datetime.now(UTC)


class InvalidTransaction(ValueError):
    """A transaction (or a batch file) that can never be processed: reported, never retried."""


def transaction(transaction_id: Any, message: Any, source: str, source_object: str | None = None) -> dict[str, str]:
    """The queue message for one transaction, validated (the id and message are the partner's)."""
    if not isinstance(transaction_id, str) or not TRANSACTION_ID.match(transaction_id.strip()):
        raise InvalidTransaction(f"transactionId {transaction_id!r} must be 1-64 letters, digits, '-' or '_'")
    if not isinstance(message, str) or not message.strip() or len(message) > MAX_MESSAGE_CHARACTERS:
        raise InvalidTransaction(f"transactionMessage must be a non-empty text of at most {MAX_MESSAGE_CHARACTERS} "
                                 f"characters; got {message!r:.80}")
    body = {"transactionId": transaction_id.strip(), "transactionMessage": message, "source": source}
    if source_object is not None:
        body["sourceObject"] = source_object
    return body


def parse_batch(document: bytes, source_object: str) -> list[dict[str, str]]:
    """The transactions of a batch file: ``<Transactions><Transaction TransactionID="1"><Notes>...``.

    A partner's file is untrusted: a DTD (and with it every entity expansion) is refused before parsing, and so is
    a file over :data:`MAX_BATCH_BYTES`. Raises ``InvalidTransaction`` naming the problem.
    """
    if len(document) > MAX_BATCH_BYTES:
        raise InvalidTransaction(f"{source_object}: {len(document)} bytes; a batch file may have at most "
                                 f"{MAX_BATCH_BYTES}")
    if b"<!DOCTYPE" in document.upper() or b"<!ENTITY" in document.upper():
        raise InvalidTransaction(f"{source_object}: a document type declaration is not accepted in a batch file")
    try:
        root = ElementTree.fromstring(document)
    except ElementTree.ParseError as error:
        raise InvalidTransaction(f"{source_object}: not well-formed XML: {error}") from None
    if root.tag != "Transactions":
        raise InvalidTransaction(f"{source_object}: the root element is <{root.tag}>; expected <Transactions>")
    result = []
    for index, element in enumerate(root.findall("Transaction"), start=1):
        notes = element.findtext("Notes")
        try:
            result.append(transaction(element.get("TransactionID"), notes, "batch", source_object))
        except InvalidTransaction as error:
            raise InvalidTransaction(f"{source_object}: <Transaction> number {index}: {error}") from None
    if not result:
        raise InvalidTransaction(f"{source_object}: no <Transaction> element")
    ids = [t["transactionId"] for t in result]
    duplicates = sorted({i for i in ids if ids.count(i) > 1})
    if duplicates:
        raise InvalidTransaction(f"{source_object}: TransactionID {', '.join(duplicates)} given more than once")
    return result


def format_transaction(message: Mapping[str, Any]) -> dict[str, str]:
    """The workflow's first step: the queue message as the record the table keeps.

    ``{"transactionId": "12", "transactionMessage": " Transaction made between user 687 and user 329.", ...}``
    becomes ``{"TransactionID": "12", "Notes": "Transaction made between user 687 and user 329.", "FromUser":
    "687", "ToUser": "329", "Source": "api"}``.
    """
    checked = transaction(message.get("transactionId"), message.get("transactionMessage"),
                          str(message.get("source")))
    if checked["source"] not in SOURCES:
        raise InvalidTransaction(f"source {checked['source']!r}; expected one of {', '.join(SOURCES)}")
    notes = " ".join(checked["transactionMessage"].split())
    match = NOTES.match(notes)
    if match is None:
        raise InvalidTransaction(f"transactionMessage {notes!r} is not 'Transaction made between user <n> and "
                                 f"user <m>.'")
    return {"TransactionID": checked["transactionId"], "Notes": notes, "FromUser": match["from"],
            "ToUser": match["to"], "Source": checked["source"]}


def enrich(record: Mapping[str, Any], clock: Clock = utc_now) -> dict[str, str]:
    """The enrichment API's answer: the formatted record plus what the pipeline adds (when, through which channel).

    The post leaves the enrichment backend open; this one is deterministic so that a stored transaction can be
    checked exactly.
    """
    missing = [key for key in ("TransactionID", "Notes", "FromUser", "ToUser", "Source") if key not in record]
    if missing:
        raise InvalidTransaction(f"formatted transaction lacks {', '.join(missing)}; got keys {sorted(record)}")
    channel = "SFTP" if record["Source"] == "batch" else "REST"
    return {**{k: str(v) for k, v in record.items()}, "Channel": channel,
            "EnrichedAt": clock().isoformat(timespec="seconds")}
