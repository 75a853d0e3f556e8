"""Process (Download File): a short-lived presigned GET URL for the file's object.

Input ``{"key": "<owner>/<fileId>", "fileName": "report.pdf"}`` (from the permission store's file record);
output ``{"url": "https://...", "expiresIn": 300}``. The URL carries this function's credentials, so its role may
read the file bucket's objects (and decrypt them with the platform key); ``URL_EXPIRES_SECONDS`` (1-3600) bounds
how long a link works. The browser saves the download under the file's name (``Content-Disposition``).

botocore signs locally: no AWS call is made here.
"""
from __future__ import annotations

import os
from typing import Any
from urllib.parse import quote

import boto3
from botocore.config import Config

from company_observability import instrumented, logger
from company_observability.environment import integer

# SigV4: required for SSE-KMS objects; the regional endpoint keeps the URL valid right after bucket creation.
s3 = boto3.client("s3", config=Config(signature_version="s3v4", s3={"addressing_style": "virtual"}))


def presigned_download(client: Any, bucket: str, key: str, file_name: str, expires_in: int) -> str:
    """A GET URL for ``bucket``/``key`` that saves as ``file_name`` and works for ``expires_in`` seconds."""
    disposition = f"attachment; filename*=UTF-8''{quote(file_name, safe='')}"
    return str(client.generate_presigned_url(
        "get_object", Params={"Bucket": bucket, "Key": key, "ResponseContentDisposition": disposition},
        ExpiresIn=expires_in))


@instrumented
def handler(event: dict[str, Any], context: Any) -> dict[str, Any]:
    key, file_name = event.get("key"), event.get("fileName")
    if not isinstance(key, str) or not key or not isinstance(file_name, str) or not file_name:
        raise ValueError(f"presign needs a non-empty key and fileName, got key={key!r} fileName={file_name!r}")
    expires_in = integer(os.environ, "URL_EXPIRES_SECONDS", 1, 3600)
    url = presigned_download(s3, os.environ["FILES_BUCKET"], key, file_name, expires_in)
    logger.info("download URL issued", extra={"key": key, "expires_in": expires_in})
    return {"url": url, "expiresIn": expires_in}
