"""The offline engine runs the stack's Transforms as the engine does (tools/offline_engine.py, RecordingMonitor)."""
from typing import Optional

import pulumi
import pulumi_aws as aws
import pytest
from google.protobuf import struct_pb2
from pulumi.runtime.proto import alias_pb2, resource_pb2

from tools.offline_engine import UNKNOWN, ProgramError, _registration, _transform_options, one, run_program


def _queues(transform: Optional[pulumi.ResourceTransform], preview: bool = False) -> list:
    def program() -> None:
        if transform is not None:
            pulumi.runtime.register_resource_transform(transform)
        dlq = aws.sqs.Queue("dlq")
        aws.sqs.Queue("orders", redrive_policy=dlq.arn.apply(lambda arn: f'{{"deadLetterTargetArn": "{arn}"}}'),
                      tags={"owner": "team"})

    return run_program(program, preview=preview)


def test_a_transform_that_changes_nothing_leaves_the_registration_as_the_program_sent_it():
    untouched = _queues(None)
    passed = _queues(lambda args: None)
    assert [(r.urn, r.inputs_struct, r.dependencies, r.property_dependencies) for r in passed] == [
        (r.urn, r.inputs_struct, r.dependencies, r.property_dependencies) for r in untouched]


def test_values_unknown_at_preview_stay_unknown_through_a_transform():
    def retag(args: pulumi.ResourceTransformArgs) -> pulumi.ResourceTransformResult:
        return pulumi.ResourceTransformResult({**args.props, "tags": {"owner": "platform"}}, args.opts)

    orders = one(_queues(retag, preview=True), "aws:sqs/queue:Queue", "orders")
    assert orders.raw_inputs == {"redrivePolicy": UNKNOWN, "tags": {"owner": "platform"}}
    assert orders.property_dependencies == {
        "redrivePolicy": ["urn:pulumi:test::serverless-governance::aws:sqs/queue:Queue::dlq"], "tags": []}


def test_the_options_a_transform_sees_are_the_registrations_and_come_back_unchanged():
    request = resource_pb2.RegisterResourceRequest(
        type="aws:sqs/queue:Queue", name="orders", custom=True, parent="urn:pulumi:s::p::pulumi:pulumi:Stack::p-s",
        object=struct_pb2.Struct(fields={"name": struct_pb2.Value(string_value="orders")}),
        dependencies=["urn:pulumi:s::p::aws:sqs/queue:Queue::dlq"], protect=True, ignoreChanges=["tags"],
        replaceOnChanges=["name"], version="7.51.1", provider="urn:pulumi:s::p::pulumi:providers:aws::east::id",
        providers={"aws": "urn:pulumi:s::p::pulumi:providers:aws::east::id"}, retainOnDelete=True,
        customTimeouts=resource_pb2.RegisterResourceRequest.CustomTimeouts(create="5m"),
        deleteBeforeReplace=True, deleteBeforeReplaceDefined=True, additionalSecretOutputs=["url"],
        aliasURNs=["urn:pulumi:s::p::aws:sqs/queue:Queue::old"], importId="https://sqs/orders",
        propertyDependencies={"name": resource_pb2.RegisterResourceRequest.PropertyDependencies(urns=[])},
    )
    options = _transform_options(request)
    assert list(options.depends_on) == ["urn:pulumi:s::p::aws:sqs/queue:Queue::dlq"]
    assert list(options.aliases) == [alias_pb2.Alias(urn="urn:pulumi:s::p::aws:sqs/queue:Queue::old")]
    assert (options.protect, options.retain_on_delete, options.delete_before_replace) == (True, True, True)
    assert (options.custom_timeouts.create, getattr(options, "import")) == ("5m", "https://sqs/orders")

    again = _registration(request, request.object, options)
    expected = resource_pb2.RegisterResourceRequest()
    expected.CopyFrom(request)
    # The engine turns alias URNs into aliases before the transforms run; what they return is what stays.
    expected.ClearField("aliasURNs")
    expected.aliases.add(urn="urn:pulumi:s::p::aws:sqs/queue:Queue::old")
    assert again == expected


def test_options_left_unset_stay_unset():
    request = resource_pb2.RegisterResourceRequest(type="aws:sqs/queue:Queue", name="orders", custom=True,
                                                   object=struct_pb2.Struct())
    again = _registration(request, request.object, _transform_options(request))
    assert again == request
    assert not again.HasField("protect") and not again.deleteBeforeReplaceDefined


def test_a_resources_own_transforms_option_is_refused_not_skipped():
    def program() -> None:
        aws.sqs.Queue("orders", opts=pulumi.ResourceOptions(transforms=[lambda args: None]))

    with pytest.raises(ProgramError, match=r"^the offline engine runs stack transforms \(pulumi.runtime."
                                           r"register_resource_transform\) only, not the `transforms` resource "
                                           r"option: used by aws:sqs/queue:Queue orders$"):
        run_program(program)
