"""Admin routes of the file-sharing API ("admin activities such as retrieving metadata, listing files and
deletion"), plus the two the post's Cognito and upload UI did for it (REST API, Lambda proxy, company authorizer):

=====================  =====================================================================================
``PUT /profile``       the caller's name and e-mail (``{"name": ..., "email": ...}``): the user directory the
                       workflows read (the post reads Cognito); a share names its recipients by e-mail
``POST /files``        a new file record owned by the caller and a presigned PUT URL for its object
                       ``<owner>/<fileId>`` (each user's folder): ``{"fileName": "report.pdf"}``
``GET /files``         the caller's files (the permission store's owner index)
``GET /files/{id}``    a file's metadata and its shares (recipient, expiry, limit, downloads): owner only
``DELETE /files/{id}`` the object and every record of the file (its shares with it): owner only
=====================  =====================================================================================

The caller is the company authorizer's principal (the token's ``sub``), never a value from the request. Another
user's file answers 404, as an unknown one does. Routing and errors: Powertools' ``APIGatewayRestResolver``.
"""
from __future__ import annotations

import datetime as dt
import os
import re
import uuid
from typing import Any

import boto3
from aws_lambda_powertools.event_handler import APIGatewayRestResolver
from aws_lambda_powertools.event_handler.exceptions import BadRequestError, NotFoundError, UnauthorizedError
from botocore.config import Config

from company_observability import instrumented, logger
from company_observability.environment import integer
from handlers.file_sharing.validate import EMAIL

dynamodb = boto3.client("dynamodb")
s3 = boto3.client("s3", config=Config(signature_version="s3v4", s3={"addressing_style": "virtual"}))
app = APIGatewayRestResolver()

FILE_ENTRY = "FILE"
SHARE_PREFIX = "SHARE#"
MAX_NAME = 255  # a file or person name: what S3's Content-Disposition and a notice can carry readably
_CONTROL = re.compile(r"[\x00-\x1f\x7f]")


def _caller() -> str:
    authorizer = (app.current_event.raw_event.get("requestContext") or {}).get("authorizer") or {}
    principal = authorizer.get("principalId")
    if not isinstance(principal, str) or not principal:
        raise UnauthorizedError("no authorizer principal on the request")
    return principal


def _text(body: dict[str, Any], field: str) -> str:
    value = body.get(field)
    if not isinstance(value, str) or not value.strip() or len(value) > MAX_NAME or _CONTROL.search(value):
        raise BadRequestError(f"{field} {value!r} must be 1-{MAX_NAME} printable characters")
    return value.strip()


def _body() -> dict[str, Any]:
    try:
        body = app.current_event.json_body
    except ValueError:
        raise BadRequestError("the body must be a JSON object") from None
    if not isinstance(body, dict):
        raise BadRequestError("the body must be a JSON object")
    return body


def _owned_file(file_id: str, caller: str) -> dict[str, Any]:
    item = dynamodb.get_item(TableName=os.environ["FILES_TABLE"],
                             Key={"fileId": {"S": file_id}, "entry": {"S": FILE_ENTRY}}).get("Item")
    if item is None or item["ownerId"]["S"] != caller:
        raise NotFoundError(f"no file {file_id!r} of yours")
    return item


def _file_view(item: dict[str, Any]) -> dict[str, Any]:
    return {"fileId": item["fileId"]["S"], "fileName": item["fileName"]["S"], "createdAt": item["createdAt"]["S"]}


def _records(file_id: str) -> list[dict[str, Any]]:
    """Every record of a file (its FILE record and its shares), all pages."""
    pages = dynamodb.get_paginator("query").paginate(
        TableName=os.environ["FILES_TABLE"], KeyConditionExpression="fileId = :f",
        ExpressionAttributeValues={":f": {"S": file_id}})
    return [item for page in pages for item in page["Items"]]


@app.put("/profile")
def put_profile() -> dict[str, Any]:
    body = _body()
    name = _text(body, "name")
    email = body.get("email")
    if not isinstance(email, str) or not EMAIL.match(email.strip()):
        raise BadRequestError(f"email {email!r} is not an e-mail address")
    caller = _caller()
    profile = {"userId": caller, "name": name, "email": email.strip().lower()}
    dynamodb.put_item(TableName=os.environ["USERS_TABLE"], Item={k: {"S": v} for k, v in profile.items()})
    logger.info("profile saved", extra={"user_id": caller})
    return profile


@app.post("/files")
def create_file() -> tuple[dict[str, Any], int]:
    file_name = _text(_body(), "fileName")
    caller = _caller()
    file_id = str(uuid.uuid4())
    key = f"{caller}/{file_id}"  # each user's folder
    now = dt.datetime.now(dt.UTC).strftime("%Y-%m-%dT%H:%M:%S.%f")[:-3] + "Z"
    dynamodb.put_item(TableName=os.environ["FILES_TABLE"], Item={
        "fileId": {"S": file_id}, "entry": {"S": FILE_ENTRY}, "ownerId": {"S": caller}, "fileName": {"S": file_name},
        "objectKey": {"S": key}, "createdAt": {"S": now}}, ConditionExpression="attribute_not_exists(fileId)")
    expires_in = integer(os.environ, "UPLOAD_URL_EXPIRES_SECONDS", 1, 3600)
    url = s3.generate_presigned_url("put_object", Params={"Bucket": os.environ["FILES_BUCKET"], "Key": key},
                                    ExpiresIn=expires_in)
    logger.info("file created", extra={"file_id": file_id, "user_id": caller})
    return {"fileId": file_id, "fileName": file_name, "uploadUrl": url, "expiresIn": expires_in}, 201


@app.get("/files")
def list_files() -> dict[str, Any]:
    pages = dynamodb.get_paginator("query").paginate(
        TableName=os.environ["FILES_TABLE"], IndexName=os.environ["OWNER_INDEX"],
        KeyConditionExpression="ownerId = :o", ExpressionAttributeValues={":o": {"S": _caller()}})
    return {"files": [_file_view(item) for page in pages for item in page["Items"]]}


@app.get("/files/<file_id>")
def get_file(file_id: str) -> dict[str, Any]:
    item = _owned_file(file_id, _caller())
    shares = [{"recipient": r["recipient"]["S"], "expiresAt": r["expiresAt"]["S"],
               "downloadLimit": int(r["downloadLimit"]["N"]), "downloads": int(r["downloads"]["N"])}
              for r in _records(file_id) if r["entry"]["S"].startswith(SHARE_PREFIX)]
    return {**_file_view(item), "shares": shares}


@app.delete("/files/<file_id>")
def delete_file(file_id: str) -> dict[str, Any]:
    caller = _caller()
    item = _owned_file(file_id, caller)
    s3.delete_object(Bucket=os.environ["FILES_BUCKET"], Key=item["objectKey"]["S"])
    records = _records(file_id)
    for record in records:  # the FILE record and every share of it
        dynamodb.delete_item(TableName=os.environ["FILES_TABLE"],
                             Key={"fileId": record["fileId"], "entry": record["entry"]})
    logger.info("file deleted", extra={"file_id": file_id, "user_id": caller, "records": len(records)})
    return {"fileId": file_id, "deleted": True}


@instrumented
def handler(event: dict[str, Any], context: Any) -> dict[str, Any]:
    return app.resolve(event, context)
