"""``GET /financial-data?item_id=<id>``: the financial data of one item, read from DynamoDB.

The chunk workflow's "Get Financial Data" state calls this through the API Gateway integration to enrich each
valid row (the post's output columns I through N). Lambda proxy integration: 200 with the item's
``ENRICHMENT_COLUMNS``, 400 without ``item_id``, 404 for an unknown item (the workflow then fails the chunk:
an order for an item the company does not sell is not something to guess about).

Env ``FINANCIAL_DATA_TABLE`` (partition key ``ItemId``; one string attribute per enrichment column).
"""
from __future__ import annotations

import json
from typing import Any

import boto3

from company_observability import instrumented, logger
from handlers.s3_batch_processing.batch_files import ENRICHMENT_COLUMNS, env

dynamodb = boto3.client("dynamodb")


def response(status: int, body: dict[str, Any]) -> dict[str, Any]:
    return {"statusCode": status, "headers": {"Content-Type": "application/json"}, "body": json.dumps(body)}


@instrumented
def handler(event: dict[str, Any], context: Any) -> dict[str, Any]:
    item_id = ((event.get("queryStringParameters") or {}).get("item_id") or "").strip()
    if not item_id:
        return response(400, {"message": "query parameter item_id is required"})
    item = dynamodb.get_item(TableName=env("FINANCIAL_DATA_TABLE"), Key={"ItemId": {"S": item_id}}).get("Item")
    if item is None:
        logger.warning("unknown item", extra={"item_id": item_id})
        return response(404, {"message": f"no financial data for item {item_id!r}"})
    missing = [column for column in ENRICHMENT_COLUMNS if column not in item]
    if missing:
        raise ValueError(f"financial data of item {item_id!r} lacks {missing}")
    return response(200, {column: next(iter(item[column].values())) for column in ENRICHMENT_COLUMNS})
