"""The order message every saga step receives and returns, and the post's failure-injection switch.

The API accepts ``{"ItemId": "ITEM001", "CustomerId": "ABC/002", "MessageId": "", "FailAtStage": "None"}``;
``FailAtStage`` names the step that reports ``Status: ERROR`` so the compensation path can be demonstrated.
"""
from __future__ import annotations

from collections.abc import Mapping
from typing import Any, TypedDict

# The steps a failure can be injected at (the post's StageNameEnum, minus notification, which is not a Lambda).
FAIL_AT_STAGES = ("None", "PlaceOrder", "UpdateInventory", "MakePayment")

ORDER_PLACED = "ORDER_PLACED"
INVENTORY_UPDATED = "INVENTORY_UPDATED"
PAYMENT_COMPLETED = "PAYMENT_COMPLETED"
PAYMENT_REVERTED = "PAYMENT_REVERTED"
INVENTORY_REVERTED = "INVENTORY_REVERTED"
ORDER_REMOVED = "ORDER_REMOVED"
ERROR = "ERROR"


class OrderDetails(TypedDict):
    ItemId: str
    CustomerId: str
    MessageId: str
    FailAtStage: str
    Status: str


class InvalidOrder(ValueError):
    """The order message is missing a field or has a value outside what is allowed."""


def order_details(event: Mapping[str, Any]) -> OrderDetails:
    """Validate a step's input and return it as ``OrderDetails`` (``FailAtStage`` defaults to ``"None"``)."""
    if not isinstance(event, Mapping):
        raise InvalidOrder(f"the order must be a JSON object, got {type(event).__name__}")
    for key in ("ItemId", "CustomerId", "MessageId"):
        value = event.get(key)
        if not isinstance(value, str) or not value:
            raise InvalidOrder(f"{key} must be a non-empty string, got {value!r}")
    fail_at = event.get("FailAtStage") or "None"
    if fail_at not in FAIL_AT_STAGES:
        raise InvalidOrder(f"FailAtStage must be one of {', '.join(FAIL_AT_STAGES)}, got {fail_at!r}")
    return OrderDetails(
        ItemId=event["ItemId"],
        CustomerId=event["CustomerId"],
        MessageId=event["MessageId"],
        FailAtStage=fail_at,
        Status=str(event.get("Status", "")),
    )


def with_status(order: OrderDetails, status: str) -> OrderDetails:
    """The order as the next Choice state sees it."""
    return OrderDetails(**{**order, "Status": status})


def fails_at(order: OrderDetails, stage: str) -> bool:
    """True when the caller asked for a failure at ``stage``."""
    return order["FailAtStage"] == stage
