"""The settlement business logic and its repository (the post's ``SettlementService`` and
``SettlementRepository``), shared by the REST endpoint and the queue poller.

A claim (``{customerId, claimId, color, damage}``) is settled once: the settlement is stored in the Settlement
table with a conditional ``PutItem`` on ``claimId``, so a claim delivered twice (SQS is at-least-once, a client
may retry a POST) keeps its first settlement, and ``Settlement.Finalized`` (source ``settlement.service``) is put
on the bus with that settlement. A redelivered claim publishes the stored settlement again: the earlier attempt
may have failed between the write and the event, and consumers recognise a repeat by its ``settlementId``.

Usage::

    service = SettlementService(dynamodb, events, table_name="Settlement", bus_name="claims")
    settlement = service.finalize(Claim.from_json({"customerId": "c1", "claimId": "k1", "color": "green",
                                                   "damage": "bumper_dent"}))
"""
from __future__ import annotations

import json
import uuid
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from botocore.exceptions import ClientError

SOURCE = "settlement.service"
DETAIL_TYPE = "Settlement.Finalized"
# The post's sample settlement: a flat out-of-pocket expense.
OUT_OF_POCKET = "$100.00"
CLAIM_FIELDS = ("customerId", "claimId", "color", "damage")
FIELD_MAX = 256  # longest accepted field value (an id, a colour, a damage code)


class InvalidClaim(ValueError):
    """A claim the service cannot settle (a missing or malformed field); the message names it."""


class SettlementFailed(RuntimeError):
    """The settlement could not be stored or announced (an AWS error); the claim may be tried again."""


@dataclass(frozen=True)
class Claim:
    customer_id: str
    claim_id: str
    color: str
    damage: str

    @classmethod
    def from_json(cls, data: Any) -> Claim:
        """A claim from the REST body or an event's ``detail``; every field a non-empty string."""
        if not isinstance(data, Mapping):
            raise InvalidClaim(f"a claim must be a JSON object with {', '.join(CLAIM_FIELDS)}, got {data!r:.100}")
        values = []
        for name in CLAIM_FIELDS:
            value = data.get(name)
            if not isinstance(value, str) or not value.strip() or len(value) > FIELD_MAX:
                raise InvalidClaim(f"claim field {name!r} must be a non-empty string of at most {FIELD_MAX} "
                                   f"characters, got {value!r:.100}")
            values.append(value)
        return cls(*values)


@dataclass(frozen=True)
class Settlement:
    settlement_id: str
    customer_id: str
    claim_id: str
    settlement_message: str

    def detail(self) -> dict[str, str]:
        """The ``Settlement.Finalized`` detail and the REST response (the post's field names)."""
        return {"settlementId": self.settlement_id, "customerId": self.customer_id, "claimId": self.claim_id,
                "settlementMessage": self.settlement_message}


def settlement_message(claim_id: str) -> str:
    return (f"Based on our analysis on the damage of your car per claim id {claim_id}, your out-of-pocket "
            f"expense will be {OUT_OF_POCKET}.")


class SettlementService:
    """Settles claims: the Settlement table (key ``claimId``) and ``Settlement.Finalized`` on ``bus_name``."""

    def __init__(self, dynamodb: Any, events: Any, table_name: str, bus_name: str,
                 new_id: Callable[[], str] = lambda: str(uuid.uuid4())) -> None:
        self._dynamodb = dynamodb
        self._events = events
        self._table = table_name
        self._bus = bus_name
        self._new_id = new_id

    def finalize(self, claim: Claim) -> Settlement:
        """Store the claim's settlement (once) and announce it; returns the stored settlement."""
        settlement = Settlement(self._new_id(), claim.customer_id, claim.claim_id, settlement_message(claim.claim_id))
        try:
            self._dynamodb.put_item(
                TableName=self._table,
                Item={"claimId": {"S": claim.claim_id}, "settlementId": {"S": settlement.settlement_id},
                      "customerId": {"S": claim.customer_id}, "color": {"S": claim.color},
                      "damage": {"S": claim.damage}, "settlementMessage": {"S": settlement.settlement_message}},
                ConditionExpression="attribute_not_exists(claimId)",
            )
        except ClientError as error:
            if error.response.get("Error", {}).get("Code") != "ConditionalCheckFailedException":
                raise SettlementFailed(f"storing the settlement of claim {claim.claim_id} failed: {error}") from error
            settlement = self.stored(claim.claim_id)
        self._publish(settlement)
        return settlement

    def stored(self, claim_id: str) -> Settlement:
        """The settlement already stored for ``claim_id`` (a consistent read: it was just found to exist)."""
        try:
            item = self._dynamodb.get_item(TableName=self._table, Key={"claimId": {"S": claim_id}},
                                           ConsistentRead=True).get("Item")
        except ClientError as error:
            raise SettlementFailed(f"reading the settlement of claim {claim_id} failed: {error}") from error
        if item is None:
            raise SettlementFailed(f"claim {claim_id} was settled and then removed; try again")
        return Settlement(item["settlementId"]["S"], item["customerId"]["S"], claim_id,
                          item["settlementMessage"]["S"])

    def _publish(self, settlement: Settlement) -> None:
        try:
            response = self._events.put_events(Entries=[{
                "Source": SOURCE, "DetailType": DETAIL_TYPE, "Detail": json.dumps(settlement.detail()),
                "EventBusName": self._bus}])
        except ClientError as error:
            raise SettlementFailed(f"announcing settlement {settlement.settlement_id} failed: {error}") from error
        if response.get("FailedEntryCount"):
            entry = response["Entries"][0]
            raise SettlementFailed(f"announcing settlement {settlement.settlement_id} failed: "
                                   f"{entry.get('ErrorCode')}: {entry.get('ErrorMessage')}")


def from_environment(environ: Mapping[str, str], dynamodb: Any, events: Any) -> SettlementService:
    """The service configured as the component deploys it (``DYNAMODB_TABLE_NAME``, ``EVENTBUS_NAME``)."""
    for name in ("DYNAMODB_TABLE_NAME", "EVENTBUS_NAME"):
        if not environ.get(name):
            raise ValueError(f"environment {name} is not set: the component sets it on the container")
    return SettlementService(dynamodb, events, environ["DYNAMODB_TABLE_NAME"], environ["EVENTBUS_NAME"])
