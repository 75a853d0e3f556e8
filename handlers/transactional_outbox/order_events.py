"""The order change a consumer receives: an SQS message whose body is the EventBridge event the pipe put on the
bus, whose ``detail`` is the DynamoDB stream record.

What the pipe delivers (``source`` and ``detail-type`` from its target parameters)::

    {"version": "0", "id": "...", "detail-type": "OrderDetailsChanged", "source": "order.event", ...,
     "detail": {"eventID": "...", "eventName": "INSERT", "eventSource": "aws:dynamodb",
                "eventSourceARN": "arn:aws:dynamodb:...:table/Order/stream/...",
                "dynamodb": {"Keys": {...}, "NewImage": {"id": {"S": "..."}, "createdAt": {"S": "..."},
                                                         "Status": {"S": "Created"}},
                             "SequenceNumber": "...", "StreamViewType": "NEW_IMAGE", ...}}}

Pipes, EventBridge and SQS each deliver at least once, so the same change can arrive twice, and SQS (a standard
queue) does not keep order: consumers key their work on the stream record (``eventID``, unique per change;
``SequenceNumber``, increasing per item) rather than on the message.
"""
from __future__ import annotations

import json
from dataclasses import asdict, dataclass
from typing import Any

from aws_lambda_powertools.utilities.data_classes.dynamo_db_stream_event import DynamoDBRecord
from aws_lambda_powertools.utilities.data_classes.event_bridge_event import EventBridgeEvent
from aws_lambda_powertools.utilities.data_classes.sqs_event import SQSRecord

ORDER_KEY = "id"  # the order table's partition key (the API integration sets it from the request id)
CREATED_AT = "createdAt"  # its sort key: when the order was placed
STATUS = "Status"  # the order's status, as the client sent it ({"Status": "Created"})
CHANGES = ("INSERT", "MODIFY")  # what an order event is; a REMOVE carries no new image
SEQUENCE_DIGITS = 40  # DynamoDB stream sequence numbers have 21 to 40 digits


class InvalidOrderEvent(ValueError):
    """The message is not an order change as the pipe delivers it; retrying will not help."""


@dataclass(frozen=True)
class OrderChange:
    """One change of one order, from its stream record."""

    event_id: str  # the stream record's eventID: the same for every delivery of this change
    event_name: str  # INSERT or MODIFY
    order_id: str
    created_at: str
    status: str
    sequence_number: str  # the record's SequenceNumber, zero-padded to 40 digits: compares as text in order

    def as_dict(self) -> dict[str, str]:
        return asdict(self)


def order_change(record: SQSRecord) -> OrderChange:
    """The order change in one SQS record, or ``InvalidOrderEvent`` saying what is missing."""
    try:
        event = EventBridgeEvent(json.loads(record.body))
        stream = DynamoDBRecord(event.detail)
        event_id, event_name = stream.event_id, stream.event_name
        image = stream.dynamodb.new_image if stream.dynamodb else None
        sequence = stream.dynamodb.sequence_number if stream.dynamodb else None
    except (ValueError, KeyError, TypeError, AttributeError) as error:
        raise InvalidOrderEvent(f"message {record.message_id}: not an EventBridge event carrying a DynamoDB stream "
                                f"record ({type(error).__name__}: {error})") from None
    name = getattr(event_name, "name", event_name)
    if name not in CHANGES:
        raise InvalidOrderEvent(f"message {record.message_id}: eventName {name!r} is not one of {', '.join(CHANGES)}")
    fields: dict[str, Any] = {key: (image or {}).get(key) for key in (ORDER_KEY, CREATED_AT, STATUS)}
    missing = sorted(key for key, value in fields.items() if not isinstance(value, str) or not value)
    if not event_id or missing:
        raise InvalidOrderEvent(f"message {record.message_id}: the stream record lacks "
                                f"{', '.join(missing or ['eventID'])} (the table's stream must show NEW_IMAGE)")
    if not isinstance(sequence, str) or not sequence.isdigit() or len(sequence) > SEQUENCE_DIGITS:
        raise InvalidOrderEvent(f"message {record.message_id}: SequenceNumber {sequence!r} must be up to "
                                f"{SEQUENCE_DIGITS} digits")
    return OrderChange(event_id=event_id, event_name=name, order_id=fields[ORDER_KEY], created_at=fields[CREATED_AT],
                       status=fields[STATUS], sequence_number=sequence.zfill(SEQUENCE_DIGITS))
