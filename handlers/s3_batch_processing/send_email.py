"""Task "Email the file": email the recipient a presigned link to the merged output file.

The link is an S3 presigned GET URL (``PRESIGNED_URL_EXPIRY_SECONDS``, default one hour), signed with this
function's role, so the role may read ``*/output/completed/*`` and nothing else. Mail goes through an
``EmailSender``: Amazon SES by default (``SesEmailSender``); tests and other mail services inject their own.
SES rejects unverified senders (and, in the sandbox, recipients): that is an ``EmailRejected`` error the
workflow sees as the task's error type.

Env ``SES_SENDER``, ``SES_RECIPIENT``, ``PRESIGNED_URL_EXPIRY_SECONDS``.
"""
from __future__ import annotations

import os
from typing import Any, Protocol

import boto3
from botocore.config import Config
from botocore.exceptions import ClientError

from company_observability import instrumented, logger
from handlers.s3_batch_processing.batch_files import env

# SigV4 presigning: required in every region opened since 2014, and what bounds the expiry to 7 days.
s3 = boto3.client("s3", config=Config(signature_version="s3v4"))
ses = boto3.client("ses")


class EmailRejected(Exception):
    """The mail service refused the message (unverified identity, sandbox recipient, ...)."""


class EmailSender(Protocol):
    def send(self, sender: str, recipient: str, subject: str, body: str) -> str:
        """Send a plain-text email and return the service's message id."""


class SesEmailSender:
    """``EmailSender`` over Amazon SES ``SendEmail``."""

    def __init__(self, client: Any) -> None:
        self.client = client

    def send(self, sender: str, recipient: str, subject: str, body: str) -> str:
        try:
            response = self.client.send_email(
                Source=sender,
                Destination={"ToAddresses": [recipient]},
                Message={"Subject": {"Data": subject, "Charset": "UTF-8"},
                         "Body": {"Text": {"Data": body, "Charset": "UTF-8"}}},
            )
        except ClientError as exc:
            if exc.response["Error"]["Code"] in ("MessageRejected", "MailFromDomainNotVerifiedException"):
                raise EmailRejected(exc.response["Error"]["Message"]) from exc
            raise
        return response["MessageId"]


#: The sender used by ``handler``; replace it to use another mail service.
SENDER: EmailSender = SesEmailSender(ses)


def expiry_seconds() -> int:
    raw = os.environ.get("PRESIGNED_URL_EXPIRY_SECONDS", "3600")
    # SigV4 presigned URLs are valid for at most 7 days.
    if not raw.isdigit() or not 1 <= int(raw) <= 604800:
        raise ValueError(f"PRESIGNED_URL_EXPIRY_SECONDS must be 1..604800; got {raw!r}")
    return int(raw)


def compose(file_name: str, url: str, records: int, expires: int) -> tuple[str, str]:
    subject = f"Batch processing complete: {file_name}"
    body = (f"The processed file {file_name} ({records} records) is ready.\n\n"
            f"Download it within {expires // 60} minutes:\n{url}\n")
    return subject, body


@instrumented
def handler(event: dict[str, Any], context: Any) -> dict[str, Any]:
    expires = expiry_seconds()
    url = s3.generate_presigned_url("get_object", Params={"Bucket": event["bucket"], "Key": event["output_key"]},
                                    ExpiresIn=expires)
    subject, body = compose(event["file_name"], url, event["output_records"], expires)
    recipient = env("SES_RECIPIENT")
    message_id = SENDER.send(env("SES_SENDER"), recipient, subject, body)
    logger.info("output emailed", extra={"output_key": event["output_key"], "message_id": message_id})
    return {"bucket": event["bucket"], "output_key": event["output_key"], "output_records": event["output_records"],
            "recipient": recipient, "message_id": message_id}
