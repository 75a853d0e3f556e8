"""The bridge's mutual TLS material, read from Secrets Manager when the service starts (never from plaintext
environment variables, never written to disk).

Three secrets, as in the post (``IBMMQ_TRUSTSTORE_ARN``, ``IBMMQ_KEYSTORE_ARN``, ``IBMMQ_KEYSTORE_PASSWORD_ARN``),
in PEM instead of Java's JKS stores:

* ``IBMMQ_TRUSTSTORE_SECRET_ARN``: the CA certificate(s) that signed the queue manager's server certificate;
* ``IBMMQ_KEYSTORE_SECRET_ARN``: the bridge's client certificate (chain) and its encrypted private key;
* ``IBMMQ_KEYSTORE_PASSWORD_SECRET_ARN``: the private key's password.

A PEM trust store has no password, so the post's ``IBMMQ_TRUSTSTORE_PASSWORD_ARN`` has no counterpart. Python's
``ssl`` loads a key pair only from a file name, so the key store goes through an anonymous in-memory file
(``memfd_create``, Linux): the task's root file system stays read-only and the key never touches a disk.
"""
from __future__ import annotations

import os
import ssl
from collections.abc import Mapping
from typing import Any

from company_observability import environment as env

TRUSTSTORE = "IBMMQ_TRUSTSTORE_SECRET_ARN"
KEYSTORE = "IBMMQ_KEYSTORE_SECRET_ARN"
KEYSTORE_PASSWORD = "IBMMQ_KEYSTORE_PASSWORD_SECRET_ARN"
SECRET_VARIABLES = (TRUSTSTORE, KEYSTORE, KEYSTORE_PASSWORD)


def secret_string(secrets: Any, arn: str, variable: str) -> str:
    value = secrets.get_secret_value(SecretId=arn).get("SecretString")
    if not value:
        raise ValueError(f"secret {arn} (from {variable}) has no SecretString: store the PEM text or password as a "
                         f"string (aws secretsmanager put-secret-value --secret-string file://...)")
    return str(value)


def mutual_tls(secrets: Any, environ: Mapping[str, str] = os.environ) -> ssl.SSLContext:
    """A TLS 1.2+ client context that verifies the queue manager against the trust store and presents the
    bridge's certificate; ``secrets`` is a Secrets Manager client."""
    arns = {name: env.arn(environ, name, "secretsmanager") for name in SECRET_VARIABLES}
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)  # verifies the peer and its host name by default
    context.minimum_version = ssl.TLSVersion.TLSv1_2
    try:
        context.load_verify_locations(cadata=secret_string(secrets, arns[TRUSTSTORE], TRUSTSTORE))
    except ssl.SSLError as error:
        raise ValueError(f"secret {arns[TRUSTSTORE]} ({TRUSTSTORE}) is not PEM CA certificates: {error}") from None
    keystore = secret_string(secrets, arns[KEYSTORE], KEYSTORE)
    password = secret_string(secrets, arns[KEYSTORE_PASSWORD], KEYSTORE_PASSWORD)
    descriptor = os.memfd_create("ibmmq-keystore", os.MFD_CLOEXEC)
    try:
        os.write(descriptor, keystore.encode("utf-8"))
        context.load_cert_chain(f"/proc/self/fd/{descriptor}", password=password)
    except ssl.SSLError as error:
        raise ValueError(f"secret {arns[KEYSTORE]} ({KEYSTORE}) with the password of {KEYSTORE_PASSWORD} is not a "
                         f"PEM certificate and private key: {error}") from None
    finally:
        os.close(descriptor)
    return context
