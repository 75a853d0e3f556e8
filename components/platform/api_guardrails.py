"""The fourth enforcement point: the AWS API refuses what the mandatory guardrails forbid (seed 000 #8 and #15).

From the rule catalogue's parameters in the pack config (the values the pack, the Config rules and the audit
judge with), pure functions write:

* ``deny_statements``: one ``Deny`` statement per guardrail the API can check from a request's condition keys:

  - ``lambda-required-layer``: ``lambda:CreateFunction`` without a company layer at the minimum version
    (``lambda:Layer``), and ``lambda:UpdateFunctionConfiguration`` that sets layers without one;
  - ``lambda-code-signing``: ``lambda:CreateFunction`` / ``PutFunctionCodeSigningConfig`` with no or another code
    signing config (``lambda:CodeSigningConfigArn``), and ``DeleteFunctionCodeSigningConfig``;
  - ``iam-permissions-boundary``: ``iam:CreateRole`` / ``PutRolePermissionsBoundary`` without the workload
    boundary (``iam:PermissionsBoundary``), and ``DeleteRolePermissionsBoundary``;
  - ``api-authorizer-required``: API Gateway writes that leave a REST method without authorization or import an
    OpenAPI definition with an open route (``apigateway:Request/RouteAuthorizationType`` NONE; CORS ``OPTIONS``
    methods excepted, as the rule does), or that name a Lambda authorizer other than the company's
    (``apigateway:Request/AuthorizerUri``). Single HTTP/WebSocket API routes are left to preview and Config: a
    WebSocket route other than ``$connect`` cannot take an authorizer (NONE is its only value), and nothing in
    the request (ARN or condition key) tells it from an HTTP API route;
  - ``api-custom-domain-tls``: custom domains with a security policy outside the allow-list
    (``apigateway:Request/SecurityPolicy``);
  - ``required-tags``: creating a serverless resource without a required tag or with a value outside its
    allowed values (``aws:RequestTag/<key>``), and removing a required tag (``aws:TagKeys``).

  Only guardrails at the ``mandatory`` level in the pack config get a statement: the API refusing what the pack
  only advises would make the API stricter than preview.
* ``service_control_policies``: the statements with the platform's deployment role excepted (``ArnNotLike`` on
  ``aws:PrincipalArn``), packed into as few SCPs as fit AWS Organizations' 5,120-character limit (minified).
* ``deployer_policies``: the same statements as IAM managed policies for the application teams' deployment role,
  for accounts outside an organisation. Deny-shaped on purpose: an explicit deny in any identity policy wins over
  the allows of the role's other policies (``PowerUserAccess`` or whatever the team has), so the guardrails hold
  whatever else the role is granted; the post's Allow-shaped examples only work on a role with no other grant. No
  principal exception (the policy is attached only to the roles it governs), and a statement that keeps the role
  from detaching or rewriting these policies (SCPs need none: a member account cannot change them).
* ``tag_policy``: the post's tag dictionary as a ``TAG_POLICY`` (``tag_key`` with ``@@assign`` fixing the key's
  capitalisation, ``tag_value`` the allowed values, ``enforced_for`` the resource types where a non-compliant tag
  operation is refused).

``ApiGuardrails`` deploys them: ``account`` creates the deployer policies (attached to the given roles);
``organization`` also creates the SCPs and the tag policy (attached to the given roots, OUs or accounts), from the
management account or the delegated administrator for AWS Organizations policies. The deployer policies stay in
``organization`` mode because SCPs do not govern the management account's own principals.

What an SCP cannot check (README, "The fourth point: the AWS API"): a condition key sees one request, not the
function's resulting configuration; there is no package-type key, so container-image functions (which take no
layers or code signing) are refused too; version numbers are compared as text patterns (``StringLike``), which
the generated patterns make exact for decimal versions.
"""
from __future__ import annotations

import json
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Optional

import pulumi
import pulumi_aws as aws

from components.governed._overrides import GovernanceError
from guardrails import catalogue, pack_config

MODES = ("organization", "account", "off")
DEFAULT_MODE = "off"  # an SCP changes what every principal of the organisation may do: opt in deliberately
SCP_SIZE_LIMIT = 5120  # AWS Organizations: characters of a service control policy
SCPS_PER_TARGET = 4  # AWS allows 5 SCPs per root, OU or account; FullAWSAccess (or the allow-list) takes one
TAG_POLICY_SIZE_LIMIT = 10000  # AWS Organizations: characters of a tag policy
MANAGED_POLICY_SIZE_LIMIT = 6144  # IAM: characters of a customer managed policy (whitespace excluded)
DEPLOYER_POLICY_PREFIX = "application-deployer-guardrails"

# Creating these serverless resources takes tags in the same request (aws:RequestTag, aws:TagKeys). API Gateway is
# absent: its apigateway:POST also creates routes, methods and deployments, which take no tags. So is
# logs:CreateLogGroup: Lambda and API Gateway create log groups at run time (untagged), and refusing them would lose
# logs silently; the governed blocks create their log groups, tagged, and the pack and Config judge the rest.
TAGGED_CREATE_ACTIONS = (
    "lambda:CreateFunction", "iam:CreateRole", "sqs:CreateQueue", "sns:CreateTopic", "states:CreateStateMachine",
    "dynamodb:CreateTable", "events:CreateEventBus",
)
UNTAG_ACTIONS = (
    "lambda:UntagResource", "iam:UntagRole", "sqs:UntagQueue", "sns:UntagResource", "states:UntagResource",
    "dynamodb:UntagResource", "events:UntagResource", "logs:UntagResource",
)
API_WRITES = ("apigateway:POST", "apigateway:PUT", "apigateway:PATCH")
# Where a route's authorization is set: REST methods (the ARN carries the HTTP method; OPTIONS is left out, as the
# rule judges CORS preflight NOT_APPLICABLE) and OpenAPI imports of a REST or HTTP API (create, or overwrite of an
# API by its 10-character id, as the post writes it: "/apis/*" would also match every route and authorizer).
ROUTE_RESOURCES = (
    "arn:*:apigateway:*::/apis", "arn:*:apigateway:*::/apis/??????????",
    "arn:*:apigateway:*::/restapis", "arn:*:apigateway:*::/restapis/??????????",
    *(f"arn:*:apigateway:*::/restapis/*/resources/*/methods/{method}"
      for method in ("GET", "POST", "PUT", "PATCH", "DELETE", "HEAD", "ANY")),
)
DOMAIN_RESOURCES = ("arn:*:apigateway:*::/domainnames", "arn:*:apigateway:*::/domainnames/*")

RULE_IDS = ("lambda-required-layer", "lambda-code-signing", "iam-permissions-boundary", "api-authorizer-required",
            "api-custom-domain-tls", "required-tags")
_FUNCTION_ARN = re.compile(r"^arn:(aws[a-z-]*):lambda:([a-z0-9-]+):\d{12}:function:[A-Za-z0-9_-]+$")
_PRINCIPAL_ARN = re.compile(r"^arn:aws[a-z-]*:(iam|sts)::(\d{12}|\*):[A-Za-z0-9+=,.@_/*?-]+$")


@dataclass(frozen=True)
class GuardrailParameters:
    """The mandatory guardrails' parameters, as the pack config gives them (``None``: not mandatory)."""

    layer_arns: Optional[tuple] = None  # lambda-required-layer allowedLayerArns (no version)
    minimum_layer_version: int = 1
    code_signing_config_arns: Optional[tuple] = None  # lambda-code-signing
    boundary_arns: Optional[tuple] = None  # iam-permissions-boundary allowedBoundaryArns
    authorizer_function_arns: Optional[tuple] = None  # api-authorizer-required
    security_policies: Optional[tuple] = None  # api-custom-domain-tls allowedSecurityPolicies
    required_tags: Optional[Mapping[str, tuple]] = None  # required-tags: key -> allowed values (() any)


def parameters_from_pack_config(document: Mapping[str, Any]) -> GuardrailParameters:
    """The parameters of the guardrails that are ``mandatory`` in ``document`` (already validated by
    ``config_rules.load_pack_config``), resolved with the catalogue's defaults by ``catalogue.resolve_parameters``.

    Raises ``GovernanceError`` naming the rule, the key and the value when a parameter is invalid, including a
    mandatory guardrail without the platform's values (an empty list would deny everything or nothing).
    """
    resolved: dict[str, dict] = {}
    for rule_id in RULE_IDS:
        entry = document.get(rule_id, {})
        # The level as every point reads it (its own, else "all", else the rule's default).
        if pack_config.level_of(catalogue.RULES[rule_id], document) != "mandatory":
            continue
        given = entry if isinstance(entry, Mapping) else {}
        try:
            resolved[rule_id] = catalogue.resolve_parameters(catalogue.RULES[rule_id], given,
                                                             ignore=pack_config.OWN_KEYS)
        except catalogue.ParameterError as error:
            raise GovernanceError(f"packConfig: {error}") from None

    def needed(rule_id: str, key: str) -> Optional[tuple]:
        # The schemas' minItems already refuse an empty list (the platform's values are missing).
        return tuple(resolved[rule_id][key]) if rule_id in resolved else None

    authorizers = needed("api-authorizer-required", "authorizerFunctionArns")
    for arn in authorizers or ():
        if not _FUNCTION_ARN.match(arn):
            raise GovernanceError(f"packConfig: api-authorizer-required: authorizerFunctionArns {arn!r} must be an "
                                  "unqualified Lambda function ARN (API Gateway invokes the function by it)")
    tags = resolved["required-tags"]["requiredTags"] if "required-tags" in resolved else None
    return GuardrailParameters(
        layer_arns=needed("lambda-required-layer", "allowedLayerArns"),
        minimum_layer_version=resolved.get("lambda-required-layer", {}).get("minimumLayerVersion", 1),
        code_signing_config_arns=needed("lambda-code-signing", "allowedCodeSigningConfigArns"),
        boundary_arns=needed("iam-permissions-boundary", "allowedBoundaryArns"),
        authorizer_function_arns=authorizers,
        security_policies=needed("api-custom-domain-tls", "allowedSecurityPolicies"),
        required_tags=None if tags is None else {key: tuple(values) for key, values in tags.items()},
    )


def versions_at_least(minimum: int) -> list:
    """``StringLike`` patterns matching exactly the decimal numbers (no leading zero) >= ``minimum``.

    IAM compares condition values as text, so "version >= 12" becomes: any number of 3+ digits (``???*``), the
    two-digit numbers from 20 (``2?`` ... ``9?``), 13 ... 19, and 12 itself.
    """
    if not isinstance(minimum, int) or minimum < 1:
        raise GovernanceError(f"minimumLayerVersion: {minimum!r} must be a positive integer")
    digits = str(minimum)
    width = len(digits)
    patterns = ["?" * (width + 1) + "*"]
    for i in range(width):
        patterns += [digits[:i] + str(d) + "?" * (width - i - 1) for d in range(int(digits[i]) + 1, 10)]
    return [*patterns, digits]


def company_layer_patterns(layer_arns: Sequence[str], minimum: int) -> list:
    """Every ``lambda:Layer`` value (a layer *version* ARN) that is a company layer at ``minimum`` or later."""
    return [f"{arn}:{version}" for arn in layer_arns for version in versions_at_least(minimum)]


def authorizer_uri(function_arn: str) -> str:
    """The invocation URI API Gateway stores for a Lambda authorizer (``authorizerUri``)."""
    match = _FUNCTION_ARN.match(function_arn)
    if match is None:
        raise GovernanceError(f"authorizer function {function_arn!r} must be an unqualified Lambda function ARN")
    partition, region = match.groups()
    return f"arn:{partition}:apigateway:{region}:lambda:path/2015-03-31/functions/{function_arn}/invocations"


def _sid(text: str) -> str:
    return "".join(part.capitalize() for part in re.split(r"[^A-Za-z0-9]+", text) if part)


def deny_statements(params: GuardrailParameters) -> list:
    """The Deny statements for ``params`` (no principal exception; see ``service_control_policies``)."""
    out: list = []

    def deny(sid: str, actions: Sequence[str], condition: Optional[dict] = None, *, resource: Any = "*") -> None:
        st: dict = {"Sid": sid, "Effect": "Deny", "Action": list(actions), "Resource": resource}
        if condition:
            st["Condition"] = condition
        out.append(st)

    if params.layer_arns is not None:
        layers = company_layer_patterns(params.layer_arns, params.minimum_layer_version)
        # ForAllValues is true when no layer matches, and also when there are no layers: a create without the
        # company layer is refused whatever else it carries.
        deny("DenyFunctionWithoutCompanyLayer", ["lambda:CreateFunction"],
             {"ForAllValues:StringNotLike": {"lambda:Layer": layers}})
        # An update that does not set layers carries no lambda:Layer (a memory change must pass): refuse only an
        # update that sets layers without the company layer.
        deny("DenyLayersWithoutCompanyLayer", ["lambda:UpdateFunctionConfiguration"],
             {"ForAllValues:StringNotLike": {"lambda:Layer": layers}, "Null": {"lambda:Layer": "false"}})
    if params.code_signing_config_arns is not None:
        # A negated operator matches a missing key: a create without a code signing config is refused.
        deny("DenyFunctionWithoutSigningConfig", ["lambda:CreateFunction", "lambda:PutFunctionCodeSigningConfig"],
             {"StringNotEquals": {"lambda:CodeSigningConfigArn": list(params.code_signing_config_arns)}})
        deny("DenySigningConfigRemoval", ["lambda:DeleteFunctionCodeSigningConfig"])
    if params.boundary_arns is not None:
        deny("DenyRoleWithoutWorkloadBoundary", ["iam:CreateRole", "iam:PutRolePermissionsBoundary"],
             {"StringNotEquals": {"iam:PermissionsBoundary": list(params.boundary_arns)}})
        deny("DenyBoundaryRemoval", ["iam:DeleteRolePermissionsBoundary"])
    if params.authorizer_function_arns is not None:
        # ForAnyValue: an imported OpenAPI definition carries one value per route; one NONE is enough to refuse.
        deny("DenyRouteWithoutAuthorization", API_WRITES,
             {"ForAnyValue:StringEquals": {"apigateway:Request/RouteAuthorizationType": ["NONE"]}},
             resource=list(ROUTE_RESOURCES))
        deny("DenyForeignLambdaAuthorizer", API_WRITES,
             {"ForAnyValue:StringNotEquals": {"apigateway:Request/AuthorizerUri": [
                 authorizer_uri(arn) for arn in params.authorizer_function_arns]}})
    if params.security_policies is not None:
        # ForAnyValue: a request that does not set the security policy (an update of the certificate) passes.
        deny("DenyDomainBelowTls12", API_WRITES,
             {"ForAnyValue:StringNotEquals": {"apigateway:Request/SecurityPolicy": list(params.security_policies)}},
             resource=list(DOMAIN_RESOURCES))
    if params.required_tags:
        for key, allowed in params.required_tags.items():
            # Missing, empty (StringNotLike "?*" matches both) or, with allowed values, any other value.
            condition = ({"StringNotEquals": {f"aws:RequestTag/{key}": list(allowed)}} if allowed
                         else {"StringNotLike": {f"aws:RequestTag/{key}": "?*"}})
            deny(f"DenyCreateWithoutTag{_sid(key)}", TAGGED_CREATE_ACTIONS, condition)
        deny("DenyRequiredTagRemoval", UNTAG_ACTIONS,
             {"ForAnyValue:StringEquals": {"aws:TagKeys": list(params.required_tags)}})
    return out


def minified(document: Mapping[str, Any]) -> str:
    """The document as AWS stores and measures it."""
    return json.dumps(document, separators=(",", ":"))


def _pack(statements: Sequence[dict], limit: int, what: str) -> list:
    """Policy documents holding ``statements`` in order, each at most ``limit`` characters minified."""
    documents: list = []
    current: list = []
    for st in statements:
        if len(minified({"Version": "2012-10-17", "Statement": [st]})) > limit:
            raise GovernanceError(f"{what}: statement {st['Sid']} alone takes more than {limit} characters; "
                                  "publish the company layer in fewer regions or allow fewer values")
        if current and len(minified({"Version": "2012-10-17", "Statement": [*current, st]})) > limit:
            documents.append({"Version": "2012-10-17", "Statement": current})
            current = []
        current.append(st)
    if current:
        documents.append({"Version": "2012-10-17", "Statement": current})
    return documents


def _check_principals(principal_arns: Sequence[str]) -> None:
    if isinstance(principal_arns, str) or not principal_arns:
        raise GovernanceError(f"platform_deployer_arns: {principal_arns!r} must be a non-empty list of IAM role ARNs "
                              "(wildcards allowed, e.g. arn:aws:iam::*:role/platform-deployer): the SCPs except "
                              "them, or the platform could not deploy its own governance")
    for arn in principal_arns:
        if not isinstance(arn, str) or not _PRINCIPAL_ARN.match(arn):
            raise GovernanceError(f"platform_deployer_arns: {arn!r} is not an IAM principal ARN pattern, e.g. "
                                  "arn:aws:iam::*:role/platform-deployer")


def service_control_policies(params: GuardrailParameters, platform_deployer_arns: Sequence[str]) -> list:
    """The SCPs: every deny excepts ``platform_deployer_arns`` (``ArnNotLike`` on ``aws:PrincipalArn``)."""
    _check_principals(platform_deployer_arns)
    excepted = []
    for st in deny_statements(params):
        condition = dict(st.get("Condition", {}))
        condition["ArnNotLike"] = {"aws:PrincipalArn": list(platform_deployer_arns)}
        excepted.append({**st, "Condition": condition})
    documents = _pack(excepted, SCP_SIZE_LIMIT, "service control policy")
    if len(documents) > SCPS_PER_TARGET:
        raise GovernanceError(f"apiGuardrails: the guardrails need {len(documents)} SCPs; AWS attaches at most "
                              f"{SCPS_PER_TARGET} besides FullAWSAccess to one target")
    return documents


def deployer_policies(params: GuardrailParameters, policy_name_prefix: str = DEPLOYER_POLICY_PREFIX) -> list:
    """The identity policies for the application teams' deployment role (accounts outside an organisation).

    The first also denies detaching or rewriting any policy named ``<prefix>*``, so the role cannot shed its own
    guardrails.
    """
    own = f"arn:*:iam::*:policy/{policy_name_prefix}*"
    protect: list[dict] = [
        {"Sid": "DenyGuardrailPolicyChanges", "Effect": "Deny",
         "Action": ["iam:CreatePolicyVersion", "iam:DeletePolicy", "iam:DeletePolicyVersion",
                    "iam:SetDefaultPolicyVersion"],
         "Resource": own},
        {"Sid": "DenyGuardrailPolicyDetach", "Effect": "Deny", "Action": ["iam:DetachRolePolicy"], "Resource": "*",
         "Condition": {"ArnLike": {"iam:PolicyARN": own}}},
    ]
    return _pack([*protect, *deny_statements(params)], MANAGED_POLICY_SIZE_LIMIT, "deployer policy")


def tag_policy(required_tags: Mapping[str, Sequence[str]], enforced_for: Sequence[str] = ()) -> dict:
    """The tag dictionary as an AWS Organizations tag policy (the post's syntax).

    The policy key is the tag key in lower case (tag policies match keys case-insensitively); ``tag_key`` fixes the
    capitalisation, ``tag_value`` lists the allowed values (omitted when any value is allowed), ``enforced_for``
    the resource types on which a non-compliant tag operation is refused (omitted: report only).
    """
    tags: dict = {}
    for key, allowed in required_tags.items():
        entry: dict = {"tag_key": {"@@assign": key}}
        if allowed:
            entry["tag_value"] = {"@@assign": list(allowed)}
        if enforced_for:
            entry["enforced_for"] = {"@@assign": list(enforced_for)}
        tags[key.lower()] = entry
    document = {"tags": tags}
    if len(minified(document)) > TAG_POLICY_SIZE_LIMIT:
        raise GovernanceError(f"requiredTags: the tag policy takes {len(minified(document))} characters; AWS "
                              f"Organizations allows {TAG_POLICY_SIZE_LIMIT}")
    return document


_TARGET = re.compile(r"^(r-[0-9a-z]{4,32}|ou-[0-9a-z]{4,32}-[a-z0-9]{8,32}|\d{12})$")


@dataclass
class ApiGuardrailsArgs:
    """What ``ApiGuardrails`` deploys; ``pack_config`` is the validated pack config (policies/config.<env>.json)."""

    mode: str = DEFAULT_MODE  # organization | account | off
    pack_config: Mapping[str, Any] = field(default_factory=dict)
    platform_deployer_arns: Sequence[str] = ()  # excepted from every SCP deny (organization mode; required there)
    targets: Sequence[str] = ()  # organization: root, OU or account ids the SCPs and tag policy attach to
    deployer_role_names: Sequence[str] = ()  # account: roles the deployer policies attach to
    tag_policy_enforced_for: Sequence[str] = ()  # resource types whose non-compliant tag operations are refused
    name_prefix: str = "company-"


def check_mode(mode: Any) -> str:
    """``mode`` if it is one of ``MODES``; a ``GovernanceError`` naming the key, the value and the modes if not."""
    if mode not in MODES:
        raise GovernanceError(f"apiGuardrails: {mode!r} is not allowed; allowed: {', '.join(MODES)}")
    return str(mode)


class ApiGuardrails(pulumi.ComponentResource):
    """The API guardrails of ``args.mode`` (module docstring); the ``*_documents`` attributes hold what was
    generated."""

    def __init__(self, name: str, args: ApiGuardrailsArgs, opts: Optional[pulumi.ResourceOptions] = None) -> None:
        super().__init__("serverless-governance:platform:ApiGuardrails", name, None, opts)
        mode = check_mode(args.mode)
        child = pulumi.ResourceOptions(parent=self)
        self.scp_documents: list = []
        self.tag_policy_document: Optional[dict] = None
        self.deployer_documents: list = []
        self.organization_policies: list = []
        self.deployer_policies: list = []
        if mode == "off":
            self.register_outputs({})
            return
        params = parameters_from_pack_config(args.pack_config)
        for target in args.targets:
            if not isinstance(target, str) or not _TARGET.match(target):
                raise GovernanceError(f"api_guardrail_targets: {target!r} must be a root (r-...), OU (ou-...-...) "
                                      "or 12-digit account id")
        if mode == "organization":
            self.scp_documents = service_control_policies(params, args.platform_deployer_arns)
            self.organization_policies = [
                aws.organizations.Policy(
                    f"{name}-scp-{index}", name=f"{args.name_prefix}serverless-guardrails-{index}",
                    type="SERVICE_CONTROL_POLICY", content=minified(document),
                    description=f"Serverless guardrails at the API ({index}/{len(self.scp_documents)}), "
                                "generated from the pack config", opts=child)
                for index, document in enumerate(self.scp_documents, start=1)]
            if params.required_tags:
                self.tag_policy_document = tag_policy(params.required_tags, args.tag_policy_enforced_for)
                self.organization_policies.append(aws.organizations.Policy(
                    f"{name}-tag-policy", name=f"{args.name_prefix}tag-dictionary", type="TAG_POLICY",
                    content=minified(self.tag_policy_document),
                    description="The company tag dictionary (required-tags)", opts=child))
            self.organization_attachments = [
                aws.organizations.PolicyAttachment(f"{name}-{index}-{target}", policy_id=policy.id,
                                                   target_id=target, opts=child)
                for index, policy in enumerate(self.organization_policies, start=1) for target in args.targets]
        prefix = f"{args.name_prefix}{DEPLOYER_POLICY_PREFIX}"
        self.deployer_documents = deployer_policies(params, prefix)
        self.deployer_policies = [
            aws.iam.Policy(f"{name}-deployer-{index}", name=f"{prefix}-{index}",
                           description="Guardrails of the application teams' deployment role, generated from the "
                                       "pack config",
                           policy=minified(document), opts=child)
            for index, document in enumerate(self.deployer_documents, start=1)]
        self.deployer_attachments = [
            aws.iam.RolePolicyAttachment(f"{name}-{role}-{index}", role=role, policy_arn=policy.arn, opts=child)
            for index, policy in enumerate(self.deployer_policies, start=1) for role in args.deployer_role_names]
        self.register_outputs({
            "organizationPolicyIds": [policy.id for policy in self.organization_policies],
            "deployerPolicyArns": [policy.arn for policy in self.deployer_policies],
        })
