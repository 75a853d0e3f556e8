"""Sessions in other accounts: what the audit (``tools/audit_org.py``) and the organisation Config rule Lambda
(``handlers/config_rule/app.py``, ``MemberSessions``) both do to act in an account through a role there."""
from __future__ import annotations

import functools
from typing import Any, Optional

import boto3
import botocore.loaders
import botocore.session


def role_arn(partition: str, account: str, role_name: str) -> str:
    return f"arn:{partition}:iam::{account}:role/{role_name}"


def assumed_session(sts: Any, arn: str, *, session_name: str, region: Optional[str], duration_seconds: int = 3600,
                    external_id: Optional[str] = None) -> boto3.Session:
    """A boto3 session with the temporary credentials of role ``arn`` (``sts:AssumeRole`` through ``sts``)."""
    request: dict[str, Any] = {"RoleArn": arn, "RoleSessionName": session_name, "DurationSeconds": duration_seconds}
    if external_id:
        request["ExternalId"] = external_id
    credentials = sts.assume_role(**request)["Credentials"]
    return boto3.Session(aws_access_key_id=credentials["AccessKeyId"],
                         aws_secret_access_key=credentials["SecretAccessKey"],
                         aws_session_token=credentials["SessionToken"], region_name=region,
                         botocore_session=_botocore_session())


@functools.cache
def _models() -> botocore.loaders.Loader:
    """One loader of the botocore service models for the process (models are read-only once loaded)."""
    return botocore.loaders.create_loader()


def _botocore_session() -> botocore.session.Session:
    """A fresh botocore session (its own credentials and config) that shares the process's model loader.

    A new session otherwise parses every service model it uses again: about a third of a second for the ~25
    services an account sweep reads (EC2's alone is 1 s), paid again for every account and region of an audit.
    """
    session = botocore.session.Session()
    session.register_component("data_loader", _models())
    return session
