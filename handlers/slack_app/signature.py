"""Slack request signing (v0): who sent a request, and when.

Slack signs every request to an app with the app's signing secret: ``X-Slack-Signature`` is ``v0=`` followed by
the hex HMAC-SHA256 of ``v0:<X-Slack-Request-Timestamp>:<raw body>``. A request is authentic when that signature
matches (compared in constant time, so its timing reveals nothing about the expected value) and fresh when its
timestamp is within ``MAX_AGE_SECONDS`` of now, in either direction (a replayed old request is refused).
"""
from __future__ import annotations

import hashlib
import hmac

VERSION = "v0"
MAX_AGE_SECONDS = 300  # Slack's guidance: refuse requests older than five minutes


class SignatureError(Exception):
    """The request is not a fresh request signed with the app's signing secret; the message says why."""


def expected_signature(signing_secret: str, timestamp: str, body: bytes) -> str:
    base = f"{VERSION}:{timestamp}:".encode() + body
    return f"{VERSION}=" + hmac.new(signing_secret.encode(), base, hashlib.sha256).hexdigest()


def verify(signing_secret: str, timestamp: str, body: bytes, signature: str, now: float) -> None:
    """Raise :class:`SignatureError` unless ``signature`` signs ``body`` at ``timestamp`` (seconds) near ``now``."""
    if not signing_secret:
        raise SignatureError("the signing secret is empty: put the Slack app's signing secret in Secrets Manager")
    if not timestamp or not timestamp.isdigit():
        raise SignatureError(f"X-Slack-Request-Timestamp {timestamp[:20]!r} is not a Unix time in seconds")
    age = now - int(timestamp)
    if abs(age) > MAX_AGE_SECONDS:
        raise SignatureError(f"X-Slack-Request-Timestamp is {int(age)} s from now; at most {MAX_AGE_SECONDS} s "
                             "is accepted (replay protection)")
    if not signature.startswith(f"{VERSION}="):
        raise SignatureError(f"X-Slack-Signature must start with '{VERSION}='")
    if not hmac.compare_digest(expected_signature(signing_secret, timestamp, body).encode(), signature.encode()):
        raise SignatureError("X-Slack-Signature does not match the body signed with the app's signing secret")
