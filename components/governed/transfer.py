"""GovernedSftpServer: an AWS Transfer Family SFTP server whose partners each land in their own prefix of a governed
bucket.

Compliant by construction with the Transfer rules of the catalogue:

* ``transfer-server-no-ftp``: the only protocol is SFTP (FTP sends passwords in clear text; FTPS and AS2 are not
  offered here either, they need certificates and listeners the catalogue does not govern);
* ``transfer-server-security-policy``: the security policy is one of the rule's ``CURRENT_POLICIES`` (current,
  non-legacy: the rule's default allow-list); Transfer's own default, ``TransferSecurityPolicy-2018-11``, still
  allows SHA-1 MACs;
* ``transfer-server-logging``: a logging role (trusted by transfer.amazonaws.com for this account only, writing
  to the server's log group only) and structured JSON logs into a KMS-encrypted log group with the platform's
  retention.

Identity provider: ``SERVICE_MANAGED`` (SSH public keys stored by Transfer), the post's choice. A custom provider
(Lambda or API Gateway) would be one more function holding partner secrets to govern; nothing in the post needs
one. Each user's role may list, read and write its own prefix only, and the user is chrooted to it (a LOGICAL home
directory mapping ``/`` to ``/<bucket>/<prefix>``), so a partner can neither see nor overwrite another partner's
files. The bucket is SSE-KMS with the platform key, so the role also gets the key's data-key grant.

Usage::

    sftp = GovernedSftpServer("partners", SftpServerArgs(
        bucket_name=bucket.name, bucket_arn=bucket.arn,
        users=[SftpUser("acme", "partners/acme/", ssh_public_keys=["ssh-ed25519 AAAA... acme"])]),
        governance=gov, opts=pulumi.ResourceOptions(parent=self))
"""
from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Optional

import pulumi
import pulumi_aws as aws

from components.governance import Governance
from components.governed._overrides import GovernanceError
from components.governed.aws_limits import TRANSFER_USER_NAME
from components.governed.role import GovernedRole, RoleArgs, key_statement, statement
from guardrails.rules.transfer_server_security_policy import CURRENT_POLICIES

TRANSFER_PRINCIPAL = "transfer.amazonaws.com"
DEFAULT_SECURITY_POLICY = "TransferSecurityPolicy-2025-03"  # the newest non-FIPS policy pulumi-aws 7 knows
# What Transfer writes to CloudWatch Logs with its logging role (AWS managed policy AWSTransferLoggingAccess),
# scoped here to the server's own log group.
LOGGING_ACTIONS = ("logs:CreateLogStream", "logs:DescribeLogStreams", "logs:PutLogEvents")
SSH_KEY = re.compile(r"^(ssh-rsa|ssh-ed25519|ecdsa-sha2-nistp(256|384|521)) [A-Za-z0-9+/]+={0,3}( .*)?$")
PREFIX = re.compile(r"^([A-Za-z0-9!_.*'()-]+/)+$")


@dataclass
class SftpUser:
    """A service-managed SFTP user (one trading partner)."""

    user_name: str  # no default: the partner's login (3-100 letters, digits, _, @, ., -; not starting with - @ .)
    home_prefix: str  # no default: the partner's prefix in the bucket, e.g. "partners/acme/" (ends with "/")
    # Default none: keys can be imported later (ImportSshPublicKey); each is "<type> <base64> [comment]".
    ssh_public_keys: Sequence[pulumi.Input[str]] = ()
    # Default True: the partner may read back (and list) what it uploaded, the post's PutObject, GetObject and
    # ListBucket; False makes the prefix a drop box (PutObject only). Nobody may delete: uploads are evidence.
    allow_read: bool = True


@dataclass
class SftpServerArgs:
    """A governed SFTP server on S3. Each field says its default and why."""

    bucket_name: pulumi.Input[str]  # no default: the governed bucket partners upload into
    bucket_arn: pulumi.Input[str]  # no default: that bucket's ARN (the users' roles are scoped to it)
    users: Sequence[SftpUser] = ()  # default none: users can be added later; each gets a role and a chroot
    # Default TransferSecurityPolicy-2025-03; any of the rule's CURRENT_POLICIES (guardrail
    # transfer-server-security-policy), e.g. a FIPS policy.
    security_policy_name: str = DEFAULT_SECURITY_POLICY
    # Default "PUBLIC": partners connect from the internet, as in the post (Checkov's CKV_AWS_164 flags public
    # servers; here the exposure is the point, and only SSH keys of known partners log in). "VPC" needs endpoint
    # settings the catalogue does not govern yet.
    endpoint_type: str = "PUBLIC"
    # Default None: no banner. Shown to users before they authenticate (e.g. a legal notice).
    pre_authentication_login_banner: Optional[str] = None


class GovernedSftpServer(pulumi.ComponentResource):
    """The server, its logging role and log group, and one role + user (+ SSH keys) per partner.

    Outputs: ``server_id``, ``endpoint``, ``arn``, ``log_group_name``, ``users`` (user name -> ``aws.transfer.User``).
    """

    def __init__(self, name: str, args: SftpServerArgs, governance: Governance,
                 opts: Optional[pulumi.ResourceOptions] = None) -> None:
        super().__init__("serverless-governance:governed:SftpServer", name, None, opts)
        component = f"GovernedSftpServer {name!r}"
        _validate(component, args)
        child = pulumi.ResourceOptions(parent=self)

        caller = aws.get_caller_identity_output(opts=pulumi.InvokeOutputOptions(parent=self))

        # A log group of our own (not Transfer's /aws/transfer/<server id>): encrypted with the platform key, with
        # the platform retention, and known before the server exists so that the logging role names it exactly.
        self.log_group = aws.cloudwatch.LogGroup(
            f"{name}-logs",
            name=f"/aws/transfer/{pulumi.get_stack()}-{name}",
            retention_in_days=governance.log_retention_days,
            kms_key_id=governance.kms_key_arn,
            tags={},
            opts=child,
        )
        self.logging_role = GovernedRole(
            f"{name}-logging-role",
            RoleArgs(
                service_principals=[TRANSFER_PRINCIPAL],
                source_account=caller.account_id,  # against the confused deputy: servers of this account only
                statements=[statement(list(LOGGING_ACTIONS),
                                      [self.log_group.arn, pulumi.Output.concat(self.log_group.arn, ":*")],
                                      sid="ServerLogs")],
                description=f"Transfer Family server {name}: write its logs",
            ),
            governance=governance, opts=child)

        self.server = aws.transfer.Server(
            f"{name}-server",
            protocols=["SFTP"],
            domain="S3",
            identity_provider_type="SERVICE_MANAGED",
            endpoint_type=args.endpoint_type,
            security_policy_name=args.security_policy_name,
            logging_role=self.logging_role.arn,
            # Transfer wants the log group ARN with the ":*" suffix.
            structured_log_destinations=[pulumi.Output.concat(self.log_group.arn, ":*")],
            pre_authentication_login_banner=args.pre_authentication_login_banner,
            # The server checks its logging role when it is created: wait for the role's policy.
            opts=pulumi.ResourceOptions(parent=self, depends_on=self.logging_role.grants),
        )

        self.users: dict[str, aws.transfer.User] = {}
        self.user_roles: dict[str, GovernedRole] = {}
        for user in args.users:
            objects = pulumi.Output.concat(args.bucket_arn, "/", user.home_prefix, "*")
            actions = ["s3:PutObject", "s3:GetObject"] if user.allow_read else ["s3:PutObject"]
            statements = [
                statement(actions, [objects], sid="PartnerObjects"),
                key_statement(governance.kms_key_arn, "write", sid="BucketKey"),  # SSE-KMS uploads and reads
            ]
            if user.allow_read:
                statements.insert(0, statement(["s3:ListBucket"], [args.bucket_arn], sid="ListPartnerPrefix",
                                               condition={"StringLike": {"s3:prefix": [f"{user.home_prefix}*"]}}))
            role = GovernedRole(
                f"{name}-{user.user_name}-role",
                RoleArgs(service_principals=[TRANSFER_PRINCIPAL], source_account=caller.account_id,
                         statements=statements,
                         description=f"Transfer Family user {user.user_name}: its prefix {user.home_prefix} only"),
                governance=governance, opts=child)
            transfer_user = aws.transfer.User(
                f"{name}-{user.user_name}",
                server_id=self.server.id,
                user_name=user.user_name,
                role=role.arn,
                # Chroot: the partner sees its prefix as "/" and cannot leave it.
                home_directory_type="LOGICAL",
                home_directory_mappings=[{
                    "entry": "/",
                    "target": pulumi.Output.concat("/", args.bucket_name, "/", user.home_prefix.rstrip("/")),
                }],
                opts=pulumi.ResourceOptions(parent=self, depends_on=role.grants),
            )
            for index, key in enumerate(user.ssh_public_keys):
                aws.transfer.SshKey(f"{name}-{user.user_name}-key-{index}", server_id=self.server.id,
                                    user_name=transfer_user.user_name, body=key, opts=child)
            self.users[user.user_name] = transfer_user
            self.user_roles[user.user_name] = role

        self.server_id = self.server.id
        self.arn = self.server.arn
        self.endpoint = self.server.endpoint
        self.log_group_name = self.log_group.name
        self.register_outputs({"serverId": self.server_id, "arn": self.arn, "endpoint": self.endpoint,
                               "logGroupName": self.log_group_name})


def _validate(component: str, args: SftpServerArgs) -> None:
    if args.security_policy_name not in CURRENT_POLICIES:
        raise GovernanceError(
            f"{component}: security_policy_name {args.security_policy_name!r} is not allowed (guardrail "
            f"transfer-server-security-policy); allowed: {', '.join(CURRENT_POLICIES)}")
    if args.endpoint_type != "PUBLIC":
        raise GovernanceError(f"{component}: endpoint_type {args.endpoint_type!r}; allowed: PUBLIC (a VPC endpoint "
                              f"needs endpoint settings this block does not govern yet)")
    if args.pre_authentication_login_banner is not None and not 1 <= len(args.pre_authentication_login_banner) <= 4096:
        raise GovernanceError(f"{component}: pre_authentication_login_banner must be 1-4096 characters")
    names: set[str] = set()
    prefixes: list[str] = []
    for user in args.users:
        if not isinstance(user.user_name, str) or not re.fullmatch(TRANSFER_USER_NAME, user.user_name):
            raise GovernanceError(f"{component}: user_name {user.user_name!r} must be 3-100 letters, digits or "
                                  f"_@.- and not start with -, @ or . (Transfer CreateUser UserName)")
        if user.user_name in names:
            raise GovernanceError(f"{component}: user_name {user.user_name!r} is given twice")
        names.add(user.user_name)
        if not isinstance(user.home_prefix, str) or not PREFIX.fullmatch(user.home_prefix):
            raise GovernanceError(f"{component}: user {user.user_name!r} home_prefix {user.home_prefix!r} must be a "
                                  f"bucket prefix like 'partners/acme/' (no leading '/', ends with '/')")
        for other in prefixes:
            if user.home_prefix.startswith(other) or other.startswith(user.home_prefix):
                raise GovernanceError(f"{component}: user {user.user_name!r} home_prefix {user.home_prefix!r} "
                                      f"overlaps {other!r}: each partner needs a prefix of its own")
        prefixes.append(user.home_prefix)
        for key in user.ssh_public_keys:
            if isinstance(key, str) and not SSH_KEY.match(key.strip()):
                raise GovernanceError(f"{component}: user {user.user_name!r} SSH public key {key[:40]!r}... is not "
                                      f"an OpenSSH public key ('ssh-rsa|ssh-ed25519|ecdsa-sha2-nistp256 <base64>')")
