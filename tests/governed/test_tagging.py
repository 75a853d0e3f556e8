"""Stack-wide tagging (components.governance.register_tagging): every taggable resource, wherever it is created."""
import asyncio
import gc
from collections.abc import Callable
from typing import Any, Optional

import pulumi
import pulumi_aws as aws
import pytest
from google.protobuf import struct_pb2
from pulumi.runtime import settings
from pulumi.runtime.proto import resource_pb2

from components.governance import register_tagging
from tools.offline_engine import UNKNOWN, one, run_program

STACK_TAGS = {"cost-center": "cc-1234", "owner": "platform-team"}


class VendorArchive(pulumi.ComponentResource):
    """Stands in for a component from a library the project did not write: it knows nothing of our tags and
    passes none of them on to its children."""

    def __init__(self, name: str, opts: Optional[pulumi.ResourceOptions] = None) -> None:
        super().__init__("acme:storage:Archive", name, None, opts)
        child = pulumi.ResourceOptions(parent=self)
        self.queue = aws.sqs.Queue(f"{name}-queue", tags={"owner": "acme"}, opts=child)
        self.bucket = aws.s3.BucketV2(f"{name}-bucket", opts=child)
        # A type without tags: the transform must leave it alone.
        self.policy = aws.sqs.QueuePolicy(f"{name}-policy", queue_url=self.queue.url, policy="{}", opts=child)
        self.register_outputs({})


def _archive(tags: Callable[[], Any]) -> list:
    def program() -> None:
        register_tagging(tags())
        VendorArchive("archive")

    return run_program(program)


def test_resources_inside_a_component_we_did_not_write_carry_the_stack_tags():
    resources = _archive(lambda: STACK_TAGS)
    bucket = one(resources, "aws:s3/bucketV2:BucketV2")
    assert bucket.parent.endswith("acme:storage:Archive::archive")
    assert bucket.inputs["tags"] == {"cost-center": "cc-1234", "owner": "platform-team"}
    # The resource's own tag wins over the stack's.
    assert one(resources, "aws:sqs/queue:Queue").inputs["tags"] == {"cost-center": "cc-1234", "owner": "acme"}
    assert "tags" not in one(resources, "aws:sqs/queuePolicy:QueuePolicy").inputs


def test_tags_known_only_at_run_time_are_merged_too():
    # From a platform StackReference the tags are an Output.
    resources = _archive(lambda: pulumi.Output.from_input(STACK_TAGS))
    assert one(resources, "aws:s3/bucketV2:BucketV2").inputs["tags"] == STACK_TAGS
    assert one(resources, "aws:sqs/queue:Queue").inputs["tags"] == {"cost-center": "cc-1234", "owner": "acme"}


def test_a_resources_tags_unknown_at_preview_stay_unknown():
    def program() -> None:
        register_tagging(STACK_TAGS)
        first = aws.sqs.Queue("first")
        aws.sqs.Queue("second", tags=first.arn.apply(lambda arn: {"source": arn}))

    resources = run_program(program, preview=True)
    assert one(resources, "aws:sqs/queue:Queue", "second").raw_inputs["tags"] == UNKNOWN
    assert one(resources, "aws:sqs/queue:Queue", "first").inputs["tags"] == STACK_TAGS


def test_no_stack_tags_leaves_resources_as_written():
    resources = _archive(dict)
    assert one(resources, "aws:sqs/queue:Queue").inputs["tags"] == {"owner": "acme"}
    assert "tags" not in one(resources, "aws:s3/bucketV2:BucketV2").inputs


def test_a_resource_a_packaged_component_registers_gets_the_stack_tags():
    """A packaged (multi-language) component's children are registered with the engine by the component's
    provider process, never through this program's SDK: an SDK-side stack transformation cannot see them, the
    engine's Transforms do. No provider process runs here, so the test sends the child's registration to the
    monitor itself, as that process would."""
    seen_by_sdk = []

    def capture(args: pulumi.ResourceTransformationArgs) -> None:
        seen_by_sdk.append(args.name)

    async def program() -> None:
        register_tagging(STACK_TAGS)
        pulumi.runtime.register_stack_transformation(capture)
        component = pulumi.ComponentResource("acme:index:Archive", "archive")
        child = resource_pb2.RegisterResourceRequest(
            type="aws:s3/bucketV2:BucketV2", name="archive-bucket", parent=await component.urn.future(),
            custom=True, object=struct_pb2.Struct(), acceptSecrets=True, acceptResources=True)
        monitor = settings.get_monitor()
        await asyncio.get_running_loop().run_in_executor(None, monitor.RegisterResource, child)

    resources = run_program(program)
    bucket = one(resources, "aws:s3/bucketV2:BucketV2")
    assert bucket.parent == "urn:pulumi:test::serverless-governance::acme:index:Archive::archive"
    assert bucket.inputs["tags"] == {"cost-center": "cc-1234", "owner": "platform-team"}
    assert "archive-bucket" not in seen_by_sdk


def test_the_offline_engine_runs_stack_transforms_as_the_engine_does():
    """The SDK's mock monitor (pulumi 3.272) records a registered transform and never runs it; our engine calls
    it for each resource registered after it, with the registration's type, name, parent, inputs and options."""
    calls = []

    async def add_owner(args: pulumi.ResourceTransformArgs) -> pulumi.ResourceTransformResult:
        assert args.opts.parent is not None and args.opts.depends_on is not None
        calls.append((args.type_, args.name, args.custom, args.props, await args.opts.parent.urn.future(),
                      [await dependency.urn.future() for dependency in args.opts.depends_on]))
        return pulumi.ResourceTransformResult({**args.props, "tags": {"owner": "transform"}}, args.opts)

    def program() -> None:
        before = aws.sqs.Queue("before")
        pulumi.runtime.register_resource_transform(add_owner)
        aws.sqs.Queue("queue", name="orders", opts=pulumi.ResourceOptions(depends_on=[before]))

    resources = run_program(program)
    assert calls == [("aws:sqs/queue:Queue", "queue", True, {"name": "orders"},
                      "urn:pulumi:test::serverless-governance::pulumi:pulumi:Stack::serverless-governance-test",
                      ["urn:pulumi:test::serverless-governance::aws:sqs/queue:Queue::before"])]
    assert one(resources, "aws:sqs/queue:Queue", "queue").inputs == {"name": "orders", "tags": {"owner": "transform"}}
    assert "tags" not in one(resources, "aws:sqs/queue:Queue", "before").inputs


def test_a_failing_transform_fails_the_program_with_its_message():
    def broken(args: pulumi.ResourceTransformArgs) -> None:
        raise ValueError(f"cannot tag {args.name}")

    def program() -> None:
        pulumi.runtime.register_resource_transform(broken)
        aws.sqs.Queue("queue")

    # As under the engine: the SDK raises the callback server's error, which names the transform's own error.
    with pytest.raises(Exception, match=r"Invoke callback [0-9a-f-]+ error: cannot tag queue"):
        run_program(program)
    # The failed registration leaves the resource's futures holding the error; collect them now, so asyncio's
    # "exception was never retrieved" report (which formats a traceback, parsing source on Python 3.11) runs
    # here and not from inside a later ast.parse, where CPython 3.11 then fails with "AST constructor recursion
    # depth mismatch".
    gc.collect()
