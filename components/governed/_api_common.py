"""What the governed HTTP, REST and WebSocket API blocks share: one implementation of each piece.

The custom domain (``CustomDomain``, importable from each block's module too), argument checks (methods, paths,
throttling, custom domain, route keys claimed once, resource names distinct, written reasons),
the company authorizer's invocation URI, the route-scoped Lambda invoke permission, JSON access logs, and for
the two API Gateway v2 blocks (HTTP and WebSocket) the integration + route pair, the stage and the custom
domain with its API mapping. The blocks keep what differs: their authorization, integration types and stage
settings. Callers pass resource names in full, so every block keeps the names it always had.
"""
from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Optional

import pulumi
import pulumi_aws as aws

from components.governance import Governance
from components.governed._naming import autonamed
from components.governed._overrides import GovernanceError, check_overrides

APIGATEWAY_PRINCIPAL = "apigateway.amazonaws.com"
AUTHORIZER_RULE = "api-authorizer-required"
# Security policies of API Gateway v2 (HTTP and WebSocket) custom domains: TLS_1_2 only (the rule
# api-custom-domain-tls's allow-list holds it; REST domains take more, see rest_api.REST_SECURITY_POLICIES).
HTTP_SECURITY_POLICIES = ("TLS_1_2",)
HTTP_METHODS = ("GET", "POST", "PUT", "PATCH", "DELETE", "HEAD", "ANY")
_PATH_SEGMENT = re.compile(r"^([A-Za-z0-9._~-]+|\{[A-Za-z0-9_]+\+?\})$")


@dataclass
class CustomDomain:
    """A REGIONAL custom domain (the ACM certificate must be in the API's region)."""

    domain_name: str  # no default: the host name clients use
    certificate_arn: pulumi.Input[str]  # no default: an ACM certificate for domain_name, in the API's region
    # Default TLS_1_2: the oldest policy guardrail api-custom-domain-tls accepts, and the only one HTTP and
    # WebSocket domains take; REST domains also take the stricter TLS 1.3 policies.
    security_policy: str = "TLS_1_2"
    # "s3://bucket/key.pem": turns on mutual TLS (default None: server TLS only).
    truststore_uri: Optional[str] = None
    # The S3 object version of the truststore (default None: the latest; pin it so a new upload is deliberate).
    truststore_version: Optional[str] = None
    # API mapping key / base path (default None: the API at the domain's root).
    base_path: Optional[str] = None
    # Default STRICT: REST domains with a SecurityPolicy_* policy only; refuses requests whose host does not match.
    endpoint_access_mode: str = "STRICT"


def path_slug(path: str) -> str:
    """A resource-name-safe form of a path: ``/orders/{id}`` -> ``orders-p-id``; ``/`` -> ``root``."""
    parts = []
    for segment in path.strip("/").split("/"):
        if segment.startswith("{"):
            segment = "p-" + segment.strip("{}").replace("+", "-plus")
        parts.append(re.sub(r"[^A-Za-z0-9-]+", "-", segment))
    return "-".join(p for p in parts if p) or "root"


def arn_route(method: str, path: str) -> str:
    """A method and path as they appear in an execute-api ARN: ``ANY`` and path parameters become ``*``."""
    arn_path = "/".join("*" if segment.startswith("{") else segment for segment in path.split("/"))
    return f"{'*' if method == 'ANY' else method}{arn_path}"


def check_method(component: str, where: str, method: str, options_refusal: str) -> None:
    """Refuse ``OPTIONS`` (with ``options_refusal`` saying why) and anything not in ``HTTP_METHODS``."""
    if method == "OPTIONS":
        raise GovernanceError(f"{component}: {where}: {options_refusal}")
    if method not in HTTP_METHODS:
        raise GovernanceError(f"{component}: {where}: method {method!r}; allowed: {', '.join(HTTP_METHODS)}")


def check_path(component: str, where: str, path: str) -> None:
    if not path.startswith("/"):
        raise GovernanceError(f"{component}: {where}: path {path!r} must start with '/'")
    if path != "/":
        for segment in path.strip("/").split("/"):
            if not _PATH_SEGMENT.match(segment):
                raise GovernanceError(
                    f"{component}: {where}: path segment {segment!r} is invalid; use letters, digits, ._~- "
                    f"or a parameter like {{id}} / {{proxy+}}"
                )


# -------------------------------------------------------------------------------------------------------------
# Argument checks
# -------------------------------------------------------------------------------------------------------------
def check_throttling_and_domain(component: str, args: Any, security_policies: Sequence[str], kind: str) -> None:
    """Check the settings every API block takes alike: ``throttling_burst_limit`` / ``throttling_rate_limit``
    and the optional ``domain`` (its TLS policy must be one of ``security_policies``; ``kind`` names the API
    kind in the error, e.g. ``"HTTP APIs"``)."""
    check_throttling(component, args.throttling_burst_limit, args.throttling_rate_limit)
    if args.domain is not None:
        check_domain(component, args.domain, security_policies, kind)


def check_throttling(component: str, burst: int, rate: float) -> None:
    if burst < 1 or rate <= 0:
        raise GovernanceError(
            f"{component}: throttling burst {burst} / rate {rate} must be positive (default 50 / 100)"
        )


def check_domain(component: str, domain: CustomDomain, allowed: Sequence[str], kind: str) -> None:
    if domain.security_policy not in allowed:
        raise GovernanceError(
            f"{component}: custom domain {domain.domain_name!r} security_policy {domain.security_policy!r} is not "
            f"allowed for {kind} (guardrail api-custom-domain-tls: TLS 1.2 or stricter); allowed: {', '.join(allowed)}"
        )
    if domain.truststore_uri is not None and not domain.truststore_uri.startswith("s3://"):
        raise GovernanceError(
            f"{component}: truststore_uri {domain.truststore_uri!r} must be an s3://bucket/key URI"
        )
    if domain.endpoint_access_mode not in ("STRICT", "BASIC"):
        raise GovernanceError(
            f"{component}: endpoint_access_mode {domain.endpoint_access_mode!r}; allowed: STRICT, BASIC"
        )


def written_reason(component: str, rule_id: str, what: str, reason: Optional[str]) -> str:
    """Validate a written reason (same bar as every override) for ``what``; returns it stripped."""
    if reason is None:
        raise GovernanceError(f"{component}: {what} needs a written reason (guardrail {rule_id!r})")
    return check_overrides(component, {rule_id: reason}, {rule_id: what})[rule_id]


class RouteNames:
    """The route keys and resource names one API has handed out so far: each may be claimed once, so that a
    route given twice, or two routes whose resource names would clash, are refused with a clear error (Pulumi
    would reject the second resource with a less helpful one)."""

    def __init__(self, component: str) -> None:
        self._component = component
        self._keys: set[str] = set()
        self._owners: dict[str, str] = {}  # resource name part -> the route key or path it stands for

    def claim_key(self, noun: str, key: str) -> None:
        """Refuse a route key (``noun``: ``"route"`` or ``"method"``) given twice."""
        if key in self._keys:
            raise GovernanceError(f"{self._component}: {noun} {key!r} is defined twice")
        self._keys.add(key)

    def claim_name(self, nouns: str, slug: str, owner: str) -> None:
        """Refuse ``slug`` for ``owner`` (a route key or path, ``nouns`` in the error) if another owner has it."""
        if self._owners.setdefault(slug, owner) != owner:
            raise GovernanceError(
                f"{self._component}: {nouns} {self._owners[slug]!r} and {owner!r} map to the same resource name "
                f"{slug!r}"
            )


# -------------------------------------------------------------------------------------------------------------
# Authorization and what it records
# -------------------------------------------------------------------------------------------------------------
def warn_each(component: str, routes: Mapping[str, str], noun: str, what: str) -> None:
    """One warning per route that does without the company authorizer: ``<component>: <noun> <route> <what>:
    <reason>``."""
    for route_key, reason in routes.items():
        pulumi.log.warn(f"{component}: {noun} {route_key} {what}: {reason}")


def overrides_by_rule(routes_by_rule: Mapping[str, Mapping[str, str]]) -> dict:
    """Rule id -> ``"<route>: <reason>; ..."`` for every rule with at least one route (the component's
    ``overrides`` output and ``governance:overrides`` tag)."""
    return {rule_id: "; ".join(f"{k}: {v}" for k, v in routes.items())
            for rule_id, routes in routes_by_rule.items() if routes}


def lambda_invoke_uri(function_arn: str) -> str:
    """API Gateway's invocation URI for a Lambda function ARN (partition and region taken from the ARN)."""
    parts = function_arn.split(":")
    if len(parts) < 7 or parts[2] != "lambda":
        raise GovernanceError(f"authorizer_function_arn {function_arn!r} is not a Lambda function ARN")
    partition, region = parts[1], parts[3]
    return f"arn:{partition}:apigateway:{region}:lambda:path/2015-03-31/functions/{function_arn}/invocations"


def company_authorizer_uri(governance: Governance) -> pulumi.Output:
    """The invocation URI of the company Lambda authorizer (REST and WebSocket APIs).

    No lambda:Permission goes with it: the platform stack lets API Gateway in this account invoke the company
    authorizer (one statement it owns). A statement per API would make every app stack edit the policy of a
    function it does not own, and the policy would outgrow Lambda's 20 KB limit.
    """
    return pulumi.Output.from_input(governance.authorizer_function_arn).apply(lambda_invoke_uri)


def invoke_permission(resource_name: str, function: Any, execution_arn: pulumi.Output, source: str,
                      parent: pulumi.Resource) -> aws.lambda_.Permission:
    """Let this API invoke ``function`` through one route only: ``<execution_arn>/<source>``, where ``source``
    names the stage and route (``*/POST/orders/*``, ``production/$connect``), never ``/*/*``."""
    return aws.lambda_.Permission(
        autonamed("aws:lambda/permission:Permission", resource_name),
        action="lambda:InvokeFunction",
        function=function.name,
        principal=APIGATEWAY_PRINCIPAL,
        source_arn=execution_arn.apply(lambda arn: f"{arn}/{source}"),
        opts=pulumi.ResourceOptions(parent=parent),
    )


# -------------------------------------------------------------------------------------------------------------
# Stage: access logs and throttling
# -------------------------------------------------------------------------------------------------------------
def access_log_group(name: str, governance: Governance, parent: pulumi.Resource) -> aws.cloudwatch.LogGroup:
    """The API's access log group: KMS-encrypted, the platform retention."""
    return aws.cloudwatch.LogGroup(
        f"{name}-access-logs",
        name=f"/aws/apigateway/{pulumi.get_stack()}/{name}/access",
        retention_in_days=governance.log_retention_days,
        kms_key_id=governance.kms_key_arn,
        tags={},
        opts=pulumi.ResourceOptions(parent=parent),
    )


def throttling_settings(args: Any) -> dict:
    """The caller's throttling (``throttling_burst_limit`` / ``throttling_rate_limit``) as stage settings."""
    return {"throttling_burst_limit": args.throttling_burst_limit,
            "throttling_rate_limit": args.throttling_rate_limit}


# -------------------------------------------------------------------------------------------------------------
# Custom domains
# -------------------------------------------------------------------------------------------------------------
def mutual_tls(domain: CustomDomain) -> Optional[dict]:
    """The ``mutual_tls_authentication`` of a domain with a truststore, else None."""
    if domain.truststore_uri is None:
        return None
    result = {"truststore_uri": domain.truststore_uri}
    if domain.truststore_version:
        result["truststore_version"] = domain.truststore_version
    return result


def api_settings(description: Optional[str], domain: Optional[CustomDomain]) -> dict:
    """The API's optional arguments: its description, and the default execute-api endpoint turned off when the
    custom domain checks client certificates (else clients skip mutual TLS via execute-api)."""
    settings: dict[str, Any] = {}
    if description:
        settings["description"] = description
    if domain is not None and domain.truststore_uri is not None:
        settings["disable_execute_api_endpoint"] = True
    return settings


def domain_url(scheme: str, domain: CustomDomain) -> pulumi.Output:
    """The API's URL on its custom domain: ``<scheme>://<domain>[/<base path>]``."""
    return pulumi.Output.from_input(
        f"{scheme}://{domain.domain_name}" + (f"/{domain.base_path}" if domain.base_path else ""))


# -------------------------------------------------------------------------------------------------------------
# API Gateway v2 (HTTP and WebSocket APIs)
# -------------------------------------------------------------------------------------------------------------
def lambda_proxy(function: Any) -> dict:
    """Integration arguments for a Lambda proxy integration (Lambda is always invoked with POST)."""
    return dict(integration_uri=function.invoke_arn, integration_method="POST")


def v2_route(name: str, api: aws.apigatewayv2.Api, route_key: str, integration_args: Mapping[str, Any],
             authorization: Mapping[str, Any], parent: pulumi.Resource) -> aws.apigatewayv2.Route:
    """An integration ``<name>-integration`` (``AWS_PROXY`` unless ``integration_args`` names another
    ``integration_type``) and the route ``<name>`` that targets it; ``authorization`` holds the route's
    ``authorization_type`` (and ``authorizer_id``, scopes)."""
    child = pulumi.ResourceOptions(parent=parent)
    integration = aws.apigatewayv2.Integration(
        f"{name}-integration", api_id=api.id, **{"integration_type": "AWS_PROXY", **integration_args}, opts=child)
    return aws.apigatewayv2.Route(
        name,
        api_id=api.id,
        route_key=route_key,
        target=integration.id.apply(lambda integration_id: f"integrations/{integration_id}"),
        **authorization,
        opts=child,
    )


def v2_stage(name: str, api: aws.apigatewayv2.Api, stage_name: str, log_group: aws.cloudwatch.LogGroup,
             log_format: str, route_settings: Mapping[str, Any],
             opts: pulumi.ResourceOptions) -> aws.apigatewayv2.Stage:
    """The auto-deployed stage ``<name>-stage`` with JSON access logs and default route settings (throttling,
    detailed metrics, and whatever else ``route_settings`` holds)."""
    return aws.apigatewayv2.Stage(
        f"{name}-stage",
        api_id=api.id,
        name=stage_name,
        auto_deploy=True,
        access_log_settings=aws.apigatewayv2.StageAccessLogSettingsArgs(destination_arn=log_group.arn,
                                                                        format=log_format),
        default_route_settings=aws.apigatewayv2.StageDefaultRouteSettingsArgs(**route_settings),
        tags={},
        opts=opts,
    )


def v2_domain(name: str, api: aws.apigatewayv2.Api, stage: aws.apigatewayv2.Stage, domain: CustomDomain,
              parent: pulumi.Resource) -> aws.apigatewayv2.DomainName:
    """A REGIONAL custom domain ``<name>-domain`` (with mutual TLS when it has a truststore) and the API mapping
    ``<name>-mapping`` of ``stage`` on it, at ``base_path`` or the root."""
    child = pulumi.ResourceOptions(parent=parent)
    domain_args: dict[str, Any] = dict(
        domain_name=domain.domain_name,
        domain_name_configuration={"certificate_arn": domain.certificate_arn, "endpoint_type": "REGIONAL",
                                   "security_policy": domain.security_policy},
        tags={},
    )
    if mutual_tls(domain):
        domain_args["mutual_tls_authentication"] = mutual_tls(domain)
    resource = aws.apigatewayv2.DomainName(f"{name}-domain", **domain_args, opts=child)
    mapping_args: dict[str, Any] = dict(api_id=api.id, domain_name=resource.id, stage=stage.id)
    if domain.base_path:
        mapping_args["api_mapping_key"] = domain.base_path
    aws.apigatewayv2.ApiMapping(f"{name}-mapping", **mapping_args, opts=child)
    return resource
