"""Run a Pulumi program in-process, without the CLI, and collect every resource it registers.

The Pulumi SDK's mocks (``pulumi.runtime.set_mocks``) stand in for the engine and the AWS provider. On top of
them this module:

* records each registration as the engine would see it: type, name, URN, parent, provider, the raw input
  ``Struct`` (camelCase names, unknowns as the engine's sentinel) and the property dependencies;
* in ``preview=True`` mode returns no computed outputs, so - exactly as in ``pulumi preview`` - an ARN or id
  of a resource created in the same program is *unknown* to everything that consumes it;
* in ``preview=False`` mode returns realistic outputs (ARNs, ids, names) so tests can assert exact values.
  One simplification: an auto-named resource's ARN uses its logical name (``...:function:orders``) while its
  ``name`` output carries a provider-style suffix (``orders-3f2a1b7``); tests compare ARNs to logical names.
* applies the stack's resource Transforms (``pulumi.runtime.register_resource_transform``), which the SDK's mock
  monitor records and never runs, as the engine's resource monitor does (``resmon.RegisterResource`` in
  pulumi's ``pkg/resource/deploy/source_eval.go``): before a resource is registered, each stack transform, in
  the order registered, is called through the SDK's callback server (the gRPC ``Callbacks`` service the SDK
  itself starts on 127.0.0.1) with a ``TransformRequest`` built from the ``RegisterResourceRequest`` (type,
  name, custom, parent, the properties as the SDK sent them, the options as ``TransformResourceOptions``, alias
  URNs folded into aliases); the properties and options it returns replace the request's (a field left out
  of the response keeps the previous value). A failing transform fails the registration with the callback
  server's error, as under the engine. As in the engine, stack transforms alone leave the request's
  dependencies and property dependencies as they were, and an input they add gets an empty dependency set: a
  tag merged from a StackReference's output records no dependency on it (an SDK-side stack transformation
  recorded one). What the engine does that this does not: a resource's own ``transforms`` option and those its
  parents pass down (a program that uses them fails, naming the resources, rather than skipping them), invoke transforms
  (``register_invoke_transform``), and a component parent's ``providers`` in the options a transform sees.

Used by the component tests and by the offline preview (``tools/preview/``).
"""
from __future__ import annotations

import asyncio
import hashlib
import itertools
import json
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any, Optional

import grpc
import pulumi
from google.protobuf import json_format, struct_pb2
from pulumi.runtime import mocks as pulumi_mocks
from pulumi.runtime import rpc
from pulumi.runtime.proto import alias_pb2, callback_pb2, callback_pb2_grpc, resource_pb2

ACCOUNT = "123456789012"
REGION = "us-east-1"
UNKNOWN = rpc.UNKNOWN  # the engine's marker for a value not known at preview

SDK_VERSION = "3.272.0"  # the pulumi release this module was written against
# What this module relies on beyond pulumi's documented mocks: each callable (dotted name in ``pulumi``) and its
# parameters, and the calls the mock monitor must make. tests/policies/test_sdk_internals.py fails, naming the
# version and the internal, when an upgrade changes one.
SDK_INTERNALS: dict[str, tuple[str, ...]] = {
    "runtime.mocks.MockMonitor.__init__": ("self", "mocks"),
    "runtime.mocks.MockMonitor.make_urn": ("self", "parent", "type_", "name"),
    "runtime.mocks.MockMonitor.RegisterResource": ("self", "request"),
    "runtime.mocks.MockMonitor.RegisterStackTransform": ("self", "request"),
    "runtime.rpc.deserialize_properties": ("props_struct", "keep_unknowns", "keep_internal"),
    "runtime.settings.set_root_resource": ("root",),
    "runtime.settings.reset_options": ("project", "stack", "root_directory", "parallel", "engine_address",
                                       "monitor_address", "preview", "organization"),
    "runtime.stack.run_in_stack": ("func",),
}
SDK_CALLS: dict[str, tuple[str, ...]] = {
    # RecordingMonitor.make_urn gives engine-style URNs only if the mock monitor asks it for each one.
    "runtime.mocks.MockMonitor.RegisterResource": ("self.make_urn(request.parent, request.type, request.name)",),
    # RecordingMonitor runs a stack transform only if the SDK registers it with the monitor as a Callback.
    "runtime._callbacks._CallbackServicer.register_stack_transform": (
        "self._monitor.RegisterStackTransform(callback)",),
}


@dataclass
class Registered:
    """One resource as the engine saw it."""

    type: str
    name: str
    urn: str
    custom: bool
    parent: str
    provider: str
    inputs: dict  # deserialised inputs (camelCase keys; unknowns as None in up mode / Unknown in preview)
    inputs_struct: struct_pb2.Struct  # raw, as sent to an analyzer
    dependencies: list = field(default_factory=list)
    property_dependencies: dict = field(default_factory=dict)  # input name -> [urn, ...]
    outputs: dict = field(default_factory=dict)

    @property
    def raw_inputs(self) -> dict:
        """Inputs as plain JSON, unknowns kept as the ``UNKNOWN`` sentinel string."""
        return json_format.MessageToDict(self.inputs_struct)


def _digest(*parts: str, length: int = 8) -> str:
    return hashlib.sha256("/".join(parts).encode()).hexdigest()[:length]


def _alias_arn(inputs: Mapping[str, Any], name: str, region: str, account: str) -> str:
    routes = inputs.get("routingConfigurations") or [{}]
    version = routes[0].get("stateMachineVersionArn") or f"arn:aws:states:{region}:{account}:stateMachine:{name}:1"
    return f"{version.rsplit(':', 1)[0]}:{name}"


class GovernanceMocks(pulumi.runtime.Mocks):
    """Realistic provider outputs for the AWS resource types this project creates.

    Anything not listed gets ``arn``/``id`` of a plausible shape; only what tests and policies read matters.
    """

    def __init__(self, preview: bool, account: str = ACCOUNT, region: str = REGION) -> None:
        self.preview = preview
        self.account = account
        self.region = region

    # -- invokes ---------------------------------------------------------------------------------------------
    def call(self, args: pulumi_mocks.MockCallArgs):
        token = args.token
        if token == "aws:index/getCallerIdentity:getCallerIdentity":
            return {"accountId": self.account, "arn": f"arn:aws:iam::{self.account}:user/ci", "userId": "AIDA"}
        if token == "aws:index/getRegion:getRegion":
            return {"name": self.region, "region": self.region, "id": self.region}
        if token == "aws:index/getPartition:getPartition":
            return {"partition": "aws", "dnsSuffix": "amazonaws.com"}
        raise NotImplementedError(f"invoke {token} is not mocked; build the value in Python instead")

    # -- resources -------------------------------------------------------------------------------------------
    def new_resource(self, args: pulumi_mocks.MockResourceArgs):
        inputs = dict(args.inputs)
        if self.preview:
            # The engine knows nothing a provider computes until `up`: return inputs only, no id.
            return "", inputs
        kind = args.typ
        res_id = f"{args.name}-{_digest(kind, args.name)}"
        name = inputs.get("name") or args.name
        arn = self._arn(kind, name, res_id, inputs)
        outputs = {**inputs, "id": res_id}
        if args.custom:
            # The provider auto-names what the program did not name (e.g. `orders-3f2a1b7`).
            outputs.setdefault("name", f"{args.name}-{_digest(kind, args.name, length=7)}")
        outputs.setdefault("arn", arn)
        outputs.update(self._extra(kind, name, res_id, arn, inputs))
        return res_id, outputs

    def _arn(self, kind: str, name: str, res_id: str, inputs: Mapping[str, Any]) -> str:
        a, r = self.account, self.region
        service = kind.split(":")[1].split("/")[0]
        table = {
            "aws:lambda/function:Function": f"arn:aws:lambda:{r}:{a}:function:{name}",
            "aws:lambda/layerVersion:LayerVersion": f"arn:aws:lambda:{r}:{a}:layer:{inputs.get('layerName', name)}:1",
            "aws:lambda/codeSigningConfig:CodeSigningConfig":
                f"arn:aws:lambda:{r}:{a}:code-signing-config:csc-{_digest(name, length=17)}",
            "aws:iam/role:Role": f"arn:aws:iam::{a}:role{inputs.get('path') or '/'}{name}",
            "aws:iam/policy:Policy": f"arn:aws:iam::{a}:policy/{name}",
            "aws:s3/bucketV2:BucketV2": f"arn:aws:s3:::{inputs.get('bucket') or res_id}",
            "aws:s3/bucket:Bucket": f"arn:aws:s3:::{inputs.get('bucket') or res_id}",
            "aws:sqs/queue:Queue": f"arn:aws:sqs:{r}:{a}:{name}",
            "aws:sns/topic:Topic": f"arn:aws:sns:{r}:{a}:{name}",
            "aws:dynamodb/table:Table": f"arn:aws:dynamodb:{r}:{a}:table/{name}",
            "aws:sfn/stateMachine:StateMachine": f"arn:aws:states:{r}:{a}:stateMachine:{name}",
            "aws:cloudwatch/logGroup:LogGroup": f"arn:aws:logs:{r}:{a}:log-group:{name}",
            "aws:cloudwatch/eventBus:EventBus": f"arn:aws:events:{r}:{a}:event-bus/{name}",
            "aws:cloudwatch/eventRule:EventRule": f"arn:aws:events:{r}:{a}:rule/{name}",
            "aws:kms/key:Key": f"arn:aws:kms:{r}:{a}:key/{res_id}",
            "aws:signer/signingProfile:SigningProfile":
                f"arn:aws:signer:{r}:{a}:/signing-profiles/{inputs.get('name') or res_id}",
            "aws:apigatewayv2/api:Api": f"arn:aws:apigateway:{r}::/apis/{res_id}",
            "aws:apigateway/restApi:RestApi": f"arn:aws:apigateway:{r}::/restapis/{res_id}",
            "aws:cloudwatch/metricAlarm:MetricAlarm": f"arn:aws:cloudwatch:{r}:{a}:alarm:{name}",
            # Secrets Manager appends '-' and six random characters to the secret's name.
            "aws:secretsmanager/secret:Secret":
                f"arn:aws:secretsmanager:{r}:{a}:secret:{name}-{_digest(name, length=6)}",
            # An alias ARN is its state machine's ARN qualified with the alias name (from the version it routes to).
            "aws:sfn/alias:Alias": _alias_arn(inputs, name, r, a),
            # Batch: a job definition's ARN carries its revision (the first registration is revision 1).
            "aws:batch/computeEnvironment:ComputeEnvironment": f"arn:aws:batch:{r}:{a}:compute-environment/{name}",
            "aws:batch/jobQueue:JobQueue": f"arn:aws:batch:{r}:{a}:job-queue/{name}",
            "aws:batch/jobDefinition:JobDefinition": f"arn:aws:batch:{r}:{a}:job-definition/{name}:1",
        }
        if kind in table:
            return table[kind]
        if service in ("iam",):
            return f"arn:aws:iam::{a}:{kind.split(':')[-1].lower()}/{name}"
        return f"arn:aws:{service}:{r}:{a}:{kind.split(':')[-1].lower()}/{name}"

    def _extra(self, kind: str, name: str, res_id: str, arn: str, inputs: Mapping[str, Any]) -> dict:
        r = self.region
        if kind == "aws:lambda/function:Function":
            return {
                "invokeArn": f"arn:aws:apigateway:{r}:lambda:path/2015-03-31/functions/{arn}/invocations",
                "qualifiedArn": f"{arn}:1" if inputs.get("publish") else f"{arn}:$LATEST",
                "version": "1" if inputs.get("publish") else "$LATEST",
                "name": name,
            }
        if kind == "aws:lambda/layerVersion:LayerVersion":
            return {"layerArn": arn.rsplit(":", 1)[0], "version": "1"}
        if kind in ("aws:s3/bucketV2:BucketV2", "aws:s3/bucket:Bucket"):
            bucket = inputs.get("bucket") or res_id
            return {"bucket": bucket, "id": bucket, "bucketRegionalDomainName": f"{bucket}.s3.{r}.amazonaws.com"}
        if kind == "aws:s3/bucketObjectv2:BucketObjectv2":
            return {"versionId": _digest(res_id, length=32)}
        if kind == "aws:signer/signingJob:SigningJob":
            dest = (inputs.get("destination") or {}).get("s3") or {}
            return {
                "jobId": res_id,
                "signedObjects": [{"s3s": [{"bucket": dest.get("bucket"),
                                            "key": f"{dest.get('prefix', '')}{res_id}.zip"}]}],
                "status": "Succeeded",
            }
        if kind == "aws:signer/signingProfile:SigningProfile":
            return {"name": inputs.get("name") or res_id, "version": "v1", "versionArn": f"{arn}/v1"}
        if kind == "aws:sqs/queue:Queue":
            return {"url": f"https://sqs.{r}.amazonaws.com/{self.account}/{name}"}
        if kind == "aws:apigatewayv2/api:Api":
            return {"apiEndpoint": f"https://{res_id}.execute-api.{r}.amazonaws.com",
                    "executionArn": f"arn:aws:execute-api:{r}:{self.account}:{res_id}"}
        if kind == "aws:apigateway/restApi:RestApi":
            return {"rootResourceId": f"root{_digest(res_id, length=6)}",
                    "executionArn": f"arn:aws:execute-api:{r}:{self.account}:{res_id}"}
        if kind == "aws:sfn/stateMachine:StateMachine":
            return {"stateMachineVersionArn": f"{arn}:1"} if inputs.get("publish") else {}
        if kind == "aws:apigateway/stage:Stage":
            return {"invokeUrl": f"https://{inputs.get('restApi')}.execute-api.{r}.amazonaws.com/"
                                 f"{inputs.get('stageName')}"}
        if kind == "aws:dynamodb/table:Table" and inputs.get("streamEnabled"):
            # DynamoDB labels a stream with its creation time (a fixed one here, so runs compare equal).
            return {"streamArn": f"{arn}/stream/2024-01-01T00:00:00.000", "streamLabel": "2024-01-01T00:00:00.000"}
        return {}


# TransformResourceOptions field -> RegisterResourceRequest field, for the options a transform may change.
_OPTION_FIELDS = {
    "protect": "protect", "ignore_changes": "ignoreChanges", "replace_on_changes": "replaceOnChanges",
    "version": "version", "aliases": "aliases", "provider": "provider", "providers": "providers",
    "custom_timeouts": "customTimeouts", "plugin_download_url": "pluginDownloadURL",
    "retain_on_delete": "retainOnDelete", "deleted_with": "deletedWith",
    "additional_secret_outputs": "additionalSecretOutputs", "plugin_checksums": "pluginChecksums",
    "hooks": "hooks", "hide_diff": "hideDiffs", "replace_with": "replace_with",
    "replacement_trigger": "replacement_trigger",
}


def _transform_options(request: resource_pb2.RegisterResourceRequest) -> resource_pb2.TransformResourceOptions:
    """A registration's options as the engine hands them to a transform."""
    aliases = [alias_pb2.Alias(urn=urn) for urn in request.aliasURNs] + list(request.aliases)
    options = resource_pb2.TransformResourceOptions(depends_on=request.dependencies, aliases=aliases)
    for option, field_name in _OPTION_FIELDS.items():
        if option != "aliases":
            _copy_field(request, field_name, options, option)
    if request.deleteBeforeReplaceDefined or request.deleteBeforeReplace:
        options.delete_before_replace = request.deleteBeforeReplace
    if request.importId:
        setattr(options, "import", request.importId)
    if request.custom and not request.provider:
        # The engine resolves the provider first: an explicit one, else the one named for the package.
        package = request.type.split(":", 1)[0]
        if package in request.providers:
            options.provider = request.providers[package]
    return options


def _registration(request: resource_pb2.RegisterResourceRequest, properties: struct_pb2.Struct,
                  options: resource_pb2.TransformResourceOptions) -> resource_pb2.RegisterResourceRequest:
    """``request`` with the properties and options the transforms returned."""
    result = resource_pb2.RegisterResourceRequest()
    result.CopyFrom(request)
    result.object.CopyFrom(properties)
    result.ClearField("aliasURNs")  # the transform saw them as aliases and returned the ones that stay
    for option, field_name in _OPTION_FIELDS.items():
        _copy_field(options, option, result, field_name)
    result.deleteBeforeReplaceDefined = options.HasField("delete_before_replace")
    result.deleteBeforeReplace = options.delete_before_replace
    result.importId = getattr(options, "import")
    for key in result.object.fields:
        # The engine gives an input the transforms added an empty dependency set, as for any input sent without.
        if key not in result.propertyDependencies:
            result.propertyDependencies[key].SetInParent()
    return result


def _copy_field(source: Any, source_field: str, target: Any, target_field: str) -> None:
    """Set ``target.target_field`` to ``source.source_field`` (same protobuf type), unset stays unset."""
    target.ClearField(target_field)
    descriptor = source.DESCRIPTOR.fields_by_name[source_field]
    value = getattr(source, source_field)
    if descriptor.message_type is not None and descriptor.message_type.GetOptions().map_entry:
        getattr(target, target_field).update(value)
    elif descriptor.label == descriptor.LABEL_REPEATED:
        getattr(target, target_field).extend(value)
    elif descriptor.has_presence and not source.HasField(source_field):
        return
    elif descriptor.message_type is not None:
        getattr(target, target_field).CopyFrom(value)
    else:
        setattr(target, target_field, value)


class RecordingMonitor(pulumi_mocks.MockMonitor):
    """The SDK's mock monitor, running the stack's Transforms and keeping what the engine would pass to an
    analyzer."""

    def __init__(self, mocks: pulumi.runtime.Mocks) -> None:
        super().__init__(mocks)
        self._arrivals = itertools.count()
        self._registered: list[tuple[int, Registered]] = []
        self._transform_callbacks: list[callback_pb2.Callback] = []  # token + target, in registration order
        self.unsupported_transforms: list[str] = []  # resources registered with their own `transforms` option
        self._channels: dict[str, grpc.Channel] = {}

    def make_urn(self, parent: str, type_: str, name: str) -> str:
        # As the engine does it: a child's qualified type is its parent's whole qualified type chain plus its
        # own type, the root stack left out. (The SDK's mock keeps only the parent's last type.)
        if parent:
            parent_type = parent.split("::")[2]
            if parent_type != "pulumi:pulumi:Stack":
                type_ = f"{parent_type}${type_}"
        return "urn:pulumi:" + "::".join([pulumi.get_stack(), pulumi.get_project(), type_, name])

    def RegisterStackTransform(self, request: callback_pb2.Callback):
        self._transform_callbacks.append(request)
        return super().RegisterStackTransform(request)

    @property
    def registered(self) -> list[Registered]:
        """Every resource registered, in the order the program registered them (transforms take varying time,
        so registrations finish in another order)."""
        return [resource for _, resource in sorted(self._registered, key=lambda pair: pair[0])]

    def RegisterResource(self, request):
        arrival = next(self._arrivals)
        if request.type != "pulumi:pulumi:Stack":
            if request.transforms:
                # Refused once the program has finished (an error raised here would surface from many futures).
                self.unsupported_transforms.append(f"{request.type} {request.name}")
            if self._transform_callbacks:
                request = self._transformed(request)
        response = super().RegisterResource(request)
        if request.type == "pulumi:pulumi:Stack":
            return response
        inputs = rpc.deserialize_properties(request.object, keep_unknowns=True)
        self._registered.append((arrival, Registered(
            type=request.type,
            name=request.name,
            urn=response.urn,
            custom=bool(request.custom),
            parent=request.parent,
            provider=request.provider,
            inputs=inputs,
            inputs_struct=request.object,
            dependencies=list(request.dependencies),
            property_dependencies={k: list(v.urns) for k, v in request.propertyDependencies.items()},
            outputs=json_format.MessageToDict(response.object) if response.object else {},
        )))
        return response

    def _transformed(self, request: resource_pb2.RegisterResourceRequest) -> resource_pb2.RegisterResourceRequest:
        """Run every stack transform over ``request``, in order, through the SDK's callback server."""
        properties, options = request.object, _transform_options(request)
        for callback in self._transform_callbacks:
            transform_request = resource_pb2.TransformRequest(
                type=request.type, name=request.name, custom=request.custom, parent=request.parent,
                properties=properties, options=options)
            reply = callback_pb2_grpc.CallbacksStub(self._channel(callback.target)).Invoke(
                callback_pb2.CallbackInvokeRequest(token=callback.token,
                                                   request=transform_request.SerializeToString()))
            response = resource_pb2.TransformResponse.FromString(reply.response)
            if response.HasField("properties"):
                properties = response.properties
            if response.HasField("options"):
                options = response.options
        return _registration(request, properties, options)

    def _channel(self, target: str) -> grpc.Channel:
        # This runs on the SDK's RPC worker thread while the program's event loop serves the callbacks.
        if target not in self._channels:
            self._channels[target] = grpc.insecure_channel(target)
        return self._channels[target]

    def close(self) -> None:
        for channel in self._channels.values():
            channel.close()
        self._channels.clear()


class ProgramError(Exception):
    """The program failed; the message is the user-facing error."""


def run_program(
    program: Callable[[], Any],
    *,
    config: Optional[Mapping[str, Any]] = None,
    project: str = "serverless-governance",
    stack: str = "test",
    preview: bool = False,
    mocks: Optional[pulumi.runtime.Mocks] = None,
) -> list[Registered]:
    """Run ``program`` as a Pulumi program under mocks and return every resource it registered, in order.

    ``config`` is a flat ``{"project:key": value}`` map (values that are not strings are JSON-encoded, as the
    CLI passes structured config). Errors raised by the program are re-raised as ``ProgramError``.
    """
    from pulumi.runtime import settings as pulumi_settings
    from pulumi.runtime import stack as pulumi_stack

    monitor = RecordingMonitor(mocks or GovernanceMocks(preview=preview))
    pulumi.runtime.set_all_config(
        {k: v if isinstance(v, str) else json.dumps(v) for k, v in (config or {}).items()}, []
    )
    loop = asyncio.new_event_loop()
    try:
        # set_mocks creates the root Stack resource on the current loop: set the loop first.
        asyncio.set_event_loop(loop)
        pulumi.runtime.set_mocks(monitor.mocks, project=project, stack=stack, preview=preview, monitor=monitor)
        # set_mocks made a root Stack for unit tests; run_in_stack makes the program's own, as the CLI does.
        pulumi_settings.set_root_resource(None)  # type: ignore[arg-type]
        loop.run_until_complete(pulumi_stack.run_in_stack(program))
        if monitor.unsupported_transforms:
            raise ProgramError(
                "the offline engine runs stack transforms (pulumi.runtime.register_resource_transform) only, not "
                f"the `transforms` resource option: used by {', '.join(monitor.unsupported_transforms)}")
    except pulumi.RunError as exc:
        raise ProgramError(str(exc)) from exc
    except Exception as exc:  # pragma: no cover - surfaced with its own message
        if isinstance(exc, ProgramError):
            raise
        raise
    finally:
        _settle(loop)
        monitor.close()
        loop.close()
        asyncio.set_event_loop(None)
        pulumi_settings.reset_options()
        pulumi.runtime.set_all_config({}, [])
    return monitor.registered


def _settle(loop: asyncio.AbstractEventLoop) -> None:
    """Let the registrations a failed program left in flight finish before the loop closes, as ``asyncio.run``
    does, so none is destroyed pending. One waiting on a transform ends at once: the SDK stopped its callback
    server when the program failed, which fails the transform's call."""
    pending = asyncio.all_tasks(loop)
    if not pending:
        return
    done, still_pending = loop.run_until_complete(asyncio.wait(pending, timeout=30))
    for task in still_pending:
        task.cancel()
    if still_pending:
        loop.run_until_complete(asyncio.gather(*still_pending, return_exceptions=True))
    for task in done:
        if not task.cancelled():
            task.exception()  # retrieved: the program's own error is the one reported


def by_type(resources: list[Registered], type_token: str) -> list[Registered]:
    return [r for r in resources if r.type == type_token]


def one(resources: list[Registered], type_token: str, name: Optional[str] = None) -> Registered:
    """The single resource of ``type_token`` (and ``name``, if given); fails loudly otherwise."""
    found = [r for r in by_type(resources, type_token) if name is None or r.name == name]
    if len(found) != 1:
        names = [r.name for r in by_type(resources, type_token)]
        raise AssertionError(f"expected one {type_token} named {name!r}, found {len(found)} among {names}")
    return found[0]
