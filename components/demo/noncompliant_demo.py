"""A deliberately non-compliant stack: each mandatory guardrail is broken exactly once, by one resource.

It shows (and the offline preview's tests check) what the policy pack reports. Everything else in the stack
follows the guardrails, so every mandatory violation in the report is one of these ten:

| rule id                       | the resource that breaks it (logical name)       | how                              |
|-------------------------------|--------------------------------------------------|----------------------------------|
| ``lambda-required-layer``     | function ``<name>-no-layer``                     | no layers                        |
| ``lambda-code-signing``       | function ``<name>-unsigned``                     | no code signing config           |
| ``lambda-tracing-active``     | function ``<name>-untraced``                     | no ``tracingConfig``             |
| ``code-signing-config-enforce`` | code signing config ``<name>-warn-only``     | ``Warn`` (prod: Enforce only)    |
| ``iam-permissions-boundary``  | role ``<name>-unbounded``                        | no permissions boundary          |
| ``api-custom-domain-tls``     | REST custom domain ``<name>-tls10``              | ``TLS_1_0``                      |
| ``api-authorizer-required``   | HTTP API route ``<name>-open-route``             | ``GET /open`` without authorizer |
| ``apigateway-stage-tracing``  | REST stage ``<name>-untraced-stage``             | ``xrayTracingEnabled`` false     |
| ``sfn-tracing-enabled``       | state machine ``<name>-untraced-sm``             | tracing disabled                 |
| ``required-tags``             | queue ``<name>-untagged``                        | one required tag set to ``""``   |

Built from raw resources on purpose: the governed blocks refuse to build any of these. It is never meant to be
deployed (the pack blocks it; the REST API has no methods, so its deployment would fail at ``up`` anyway).
Usage: stack ``noncompliant-demo`` (``stacks/Pulumi.noncompliant-demo.yaml``)::

    python -m tools.preview --stack noncompliant-demo --format summary,sarif --out build/demo
"""
from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Optional

import pulumi
import pulumi_aws as aws

from components.governance import Governance
from components.governed.role import GovernedRole, RoleArgs, statement

HANDLER_CODE = "def handler(event, context):\n    return {'statusCode': 200}\n"
STATE_MACHINE = {"Comment": "Non-compliant demo", "StartAt": "Done", "States": {"Done": {"Type": "Pass", "End": True}}}


@dataclass
class NoncompliantDemoArgs:
    """Knobs of the demo (defaults are what the demo stack uses)."""

    domain_name: str = "legacy-api.example.com"
    certificate_arn: str = "arn:aws:acm:us-east-1:123456789012:certificate/0b1c2d3e-4f50-6172-8394-a5b6c7d8e9f0"
    runtime: str = "python3.12"


class NoncompliantDemo(pulumi.ComponentResource):
    """Ten resources, each breaking one mandatory guardrail, plus the compliant parts they need."""

    def __init__(self, name: str, args: NoncompliantDemoArgs, governance: Governance,
                 opts: Optional[pulumi.ResourceOptions] = None) -> None:
        super().__init__("serverless-governance:demo:NoncompliantDemo", name, None, opts)
        child = pulumi.ResourceOptions(parent=self)
        gov = governance

        # Compliant: the role every demo function uses (boundary from the platform, least privilege).
        function_role = GovernedRole(f"{name}-function", RoleArgs(
            service_principals=["lambda.amazonaws.com"],
            statements=[statement(["xray:PutTraceSegments", "xray:PutTelemetryRecords"], ["*"])],
            description="Role of the non-compliant demo's functions",
        ), governance=gov, opts=child)

        def function(suffix: str, *, layers: bool = True, signed: bool = True, traced: bool = True):
            return aws.lambda_.Function(
                f"{name}-{suffix}",
                runtime=args.runtime,
                handler="index.handler",
                role=function_role.arn,
                code=pulumi.AssetArchive({"index.py": pulumi.StringAsset(HANDLER_CODE)}),
                layers=gov.layer_arns if layers else [],
                code_signing_config_arn=gov.code_signing_config_arn if signed else None,
                tracing_config=aws.lambda_.FunctionTracingConfigArgs(mode="Active") if traced else None,
                reserved_concurrent_executions=1,
                kms_key_arn=gov.kms_key_arn,
                timeout=10,
                opts=child,
            )

        self.no_layer = function("no-layer", layers=False)  # lambda-required-layer
        self.unsigned = function("unsigned", signed=False)  # lambda-code-signing
        self.untraced = function("untraced", traced=False)  # lambda-tracing-active

        # code-signing-config-enforce: Warn lets unsigned code deploy (allowed in dev, not in prod).
        identity = aws.get_caller_identity_output()
        region = aws.get_region_output()
        profile_version_arn = pulumi.Output.concat(
            "arn:aws:signer:", region.region, ":", identity.account_id, ":/signing-profiles/",
            gov.signing_profile_name, "/v1")
        self.warn_only = aws.lambda_.CodeSigningConfig(
            f"{name}-warn-only",
            allowed_publishers=aws.lambda_.CodeSigningConfigAllowedPublishersArgs(
                signing_profile_version_arns=[profile_version_arn]),
            policies=aws.lambda_.CodeSigningConfigPoliciesArgs(untrusted_artifact_on_deployment="Warn"),
            description="Non-compliant demo: Warn instead of Enforce",
            opts=child,
        )

        # iam-permissions-boundary: a role without the company boundary.
        self.unbounded = aws.iam.Role(
            f"{name}-unbounded",
            assume_role_policy=json.dumps({"Version": "2012-10-17", "Statement": [{
                "Effect": "Allow", "Principal": {"Service": "lambda.amazonaws.com"}, "Action": "sts:AssumeRole"}]}),
            description="Non-compliant demo: no permissions boundary",
            opts=child,
        )

        # api-custom-domain-tls: a REST custom domain that still accepts TLS 1.0.
        self.tls10 = aws.apigateway.DomainName(
            f"{name}-tls10",
            domain_name=args.domain_name,
            regional_certificate_arn=args.certificate_arn,
            endpoint_configuration=aws.apigateway.DomainNameEndpointConfigurationArgs(types="REGIONAL"),
            security_policy="TLS_1_0",
            opts=child,
        )

        # api-authorizer-required: an HTTP API route anyone can call.
        self.http_api = aws.apigatewayv2.Api(f"{name}-http", protocol_type="HTTP", opts=child)
        self.open_route = aws.apigatewayv2.Route(
            f"{name}-open-route", api_id=self.http_api.id, route_key="GET /open", authorization_type="NONE",
            opts=child)

        # apigateway-stage-tracing: a REST stage without X-Ray.
        self.rest_api = aws.apigateway.RestApi(
            f"{name}-rest", endpoint_configuration=aws.apigateway.RestApiEndpointConfigurationArgs(types="REGIONAL"),
            opts=child)
        self.deployment = aws.apigateway.Deployment(f"{name}-deployment", rest_api=self.rest_api.id, opts=child)
        self.untraced_stage = aws.apigateway.Stage(
            f"{name}-untraced-stage", rest_api=self.rest_api.id, deployment=self.deployment.id, stage_name="demo",
            xray_tracing_enabled=False, opts=child)

        # sfn-tracing-enabled: a state machine without X-Ray (its role is governed).
        machine_role = GovernedRole(f"{name}-state-machine", RoleArgs(
            service_principals=["states.amazonaws.com"],
            statements=[statement(["xray:PutTraceSegments", "xray:PutTelemetryRecords"], ["*"])],
            description="Role of the non-compliant demo's state machine",
        ), governance=gov, opts=child)
        machine_logs = aws.cloudwatch.LogGroup(
            f"{name}-state-machine-logs", name=f"/aws/vendedlogs/states/{name}-untraced-sm",
            retention_in_days=gov.log_retention_days, kms_key_id=gov.kms_key_arn, opts=child)
        self.untraced_state_machine = aws.sfn.StateMachine(
            f"{name}-untraced-sm", role_arn=machine_role.arn, definition=json.dumps(STATE_MACHINE),
            logging_configuration=aws.sfn.StateMachineLoggingConfigurationArgs(
                level="ALL", include_execution_data=True,
                log_destination=machine_logs.arn.apply(lambda arn: f"{arn}:*")),
            tracing_configuration=aws.sfn.StateMachineTracingConfigurationArgs(enabled=False), opts=child)

        # required-tags: one required tag left empty (a resource's own tags win over the stack's).
        blank = pulumi.Output.from_input(gov.tags).apply(lambda tags: {sorted(tags)[0]: ""} if tags else {})
        dead_letters = aws.sqs.Queue(f"{name}-untagged-dlq", kms_master_key_id=gov.kms_key_arn, opts=child)
        self.untagged = aws.sqs.Queue(
            f"{name}-untagged", kms_master_key_id=gov.kms_key_arn, tags=blank,
            redrive_policy=dead_letters.arn.apply(
                lambda arn: json.dumps({"deadLetterTargetArn": arn, "maxReceiveCount": 3})),
            opts=child)

        self.exports = {"restApiId": self.rest_api.id, "httpApiEndpoint": self.http_api.api_endpoint}
        self.register_outputs({"noLayerFunction": self.no_layer.arn, "httpApiEndpoint": self.http_api.api_endpoint})
