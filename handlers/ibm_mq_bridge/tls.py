"""The bridge's mutual TLS material, read from Secrets Manager when the service starts (never from plaintext
environment variables, never written to disk).

Two secrets, named by ARN as in the post's ``cdk.json`` (``IBMMQ_TRUSTSTORE_ARN``, ``IBMMQ_KEYSTORE_ARN``), in
PEM instead of Java's JKS stores:

* ``IBMMQ_TRUSTSTORE_ARN``: the CA certificate(s) that signed the queue manager's server certificate;
* ``IBMMQ_KEYSTORE_ARN``: the bridge's client certificate (chain) and its private key.

A JKS store needs a password to be opened, hence the post's ``IBMMQ_TRUSTSTORE_PASSWORD_ARN`` and
``IBMMQ_KEYSTORE_PASSWORD_ARN``; PEM text in Secrets Manager is already encrypted (the platform KMS key) and
guarded by IAM (only the bridge's task role may read it), so a second secret guarding the first adds nothing and
has no counterpart here. Python's ``ssl`` loads a key pair only from a file name, so the key store goes through an
anonymous in-memory file (``memfd_create``, Linux): the task's root file system stays read-only and the key never
touches a disk.
"""
from __future__ import annotations

import os
import ssl
from collections.abc import Mapping
from typing import Any

from company_observability import environment as env

TRUSTSTORE = "IBMMQ_TRUSTSTORE_ARN"
KEYSTORE = "IBMMQ_KEYSTORE_ARN"


def secret_string(secrets: Any, arn: str, variable: str) -> str:
    value = secrets.get_secret_value(SecretId=arn).get("SecretString")
    if not value:
        raise ValueError(f"secret {arn} (from {variable}) has no SecretString: store the PEM text as a string "
                         f"(aws secretsmanager put-secret-value --secret-id <arn> --secret-string file://<pem>)")
    return str(value)


def mutual_tls(secrets: Any, environ: Mapping[str, str] = os.environ) -> ssl.SSLContext:
    """A TLS 1.2+ client context that verifies the queue manager against the trust store and presents the
    bridge's certificate; ``secrets`` is a Secrets Manager client."""
    truststore_arn = env.arn(environ, TRUSTSTORE, "secretsmanager")
    keystore_arn = env.arn(environ, KEYSTORE, "secretsmanager")
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)  # verifies the peer and its host name by default
    context.minimum_version = ssl.TLSVersion.TLSv1_2
    try:
        context.load_verify_locations(cadata=secret_string(secrets, truststore_arn, TRUSTSTORE))
    except ssl.SSLError as error:
        raise ValueError(f"secret {truststore_arn} ({TRUSTSTORE}) is not PEM CA certificates: {error}") from None
    keystore = secret_string(secrets, keystore_arn, KEYSTORE)
    descriptor = os.memfd_create("ibmmq-keystore", os.MFD_CLOEXEC)
    try:
        os.write(descriptor, keystore.encode("utf-8"))
        # An encrypted key would make ssl prompt on the terminal: refuse it instead (password=None raises then).
        context.load_cert_chain(f"/proc/self/fd/{descriptor}", password=_no_password)
    except ssl.SSLError as error:
        raise ValueError(f"secret {keystore_arn} ({KEYSTORE}) is not a PEM certificate followed by its unencrypted "
                         f"private key: {error}") from None
    finally:
        os.close(descriptor)
    return context


def _no_password() -> str:
    raise ssl.SSLError("the private key is encrypted; store it unencrypted (Secrets Manager encrypts the secret)")
