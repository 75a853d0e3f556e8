"""The pack's cost is linear in resources, proved by counting work rather than timing it (timings on a shared
machine are noise; the benchmark in benchmarks/ measures seconds).

Each AnalyzeStack request must build every resource's facts once (not once per stack policy), build one
Inventory, and let the rules look things up in O(matches): the inventory elements the rules walk, the facts they
compare (``points_at``) and the names they compute (``identities``) grow exactly 10x from 100 to 1,000 resources.
Before the indexes, ``lambda-async-failure-destination`` and ``no-recursive-trigger-loop`` walked the whole
inventory per function, which grew 100x.
"""
import importlib
import json
import os
import pkgutil
from collections import Counter

import pack
from google.protobuf import struct_pb2
from pulumi.runtime.proto import analyzer_pb2
from pulumi_policy import EnforcementLevel
from pulumi_policy import policy as sdk_policy

from guardrails import helpers, model, rules
from tools.analyzer_client import configure_request
from tools.preview.config import load_pack_config, reconcile_pack_config
from tools.preview.layout import PACK_DIR

STACK, PROJECT = "perf", "governance"
PROVIDER = analyzer_pb2.AnalyzerProviderResource(
    type="pulumi:providers:aws", name="default", urn=f"urn:pulumi:{STACK}::{PROJECT}::pulumi:providers:aws::default",
    properties=struct_pb2.Struct(fields={"region": struct_pb2.Value(string_value="us-east-1")}))
GROUP = 10  # resources per group in wired_stack


def servicer():
    """The pack's gRPC servicer, in this process, configured with config.dev.json as the preview does, with the
    SDK caches the pack process installs (policies/__main__.py)."""
    pack.install_sdk_caches()
    server = sdk_policy._PolicyAnalyzerServicer(  # pylint: disable=protected-access
        pack.PACK_NAME, "0.0.1", pack.build_policies(), EnforcementLevel.ADVISORY)
    info = server.GetAnalyzerInfo(None, None)
    config = load_pack_config(os.path.join(PACK_DIR, "config.dev.json"))
    server.Configure(configure_request(reconcile_pack_config(info, config)), None)
    return server, info


def _urn(type_: str, name: str) -> str:
    return f"urn:pulumi:{STACK}::{PROJECT}::{type_}::{name}"


def wired_stack(groups: int) -> tuple:
    """``(resources, AnalyzeStackRequest, [AnalyzeRequest])`` for ``groups`` groups of ``GROUP`` resources: a
    role, its role policy, a function, a queue feeding it (event source mapping), an S3 permission, an event
    invoke config (on-failure: the queue), a bucket notifying it, a bucket and an EventBridge target.
    References are property dependencies (ids unknown at preview), as the engine sends them."""
    unknown = "04da6b54-80e4-46f7-96ec-b56ff0331ba9"
    resources = []  # (type, name, props, property dependencies)
    for g in range(groups):
        role, fn, queue, bucket = (_urn("aws:iam/role:Role", f"role-{g}"),
                                   _urn("aws:lambda/function:Function", f"fn-{g}"),
                                   _urn("aws:sqs/queue:Queue", f"queue-{g}"), _urn("aws:s3/bucket:Bucket", f"bucket-{g}"))
        trust = {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "sts:AssumeRole",
                                                         "Principal": {"Service": "lambda.amazonaws.com"}}]}
        # Even groups' functions may write to their own trigger queue: a recursive loop for the rule to find.
        action = "sqs:SendMessage" if g % 2 == 0 else "sqs:ReceiveMessage"
        policy = {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": [action], "Resource": "*"}]}
        resources += [
            ("aws:iam/role:Role", f"role-{g}", {"assumeRolePolicy": json.dumps(trust)}, {}),
            ("aws:iam/rolePolicy:RolePolicy", f"policy-{g}", {"role": unknown, "policy": json.dumps(policy)},
             {"role": [role]}),
            ("aws:lambda/function:Function", f"fn-{g}", {"runtime": "python3.12", "role": unknown}, {"role": [role]}),
            ("aws:sqs/queue:Queue", f"queue-{g}", {"name": f"q-{g}"}, {}),
            ("aws:lambda/eventSourceMapping:EventSourceMapping", f"esm-{g}",
             {"functionName": unknown, "eventSourceArn": unknown}, {"functionName": [fn], "eventSourceArn": [queue]}),
            ("aws:lambda/permission:Permission", f"allow-s3-{g}",
             {"function": unknown, "principal": "s3.amazonaws.com", "action": "lambda:InvokeFunction"},
             {"function": [fn]}),
            ("aws:lambda/functionEventInvokeConfig:FunctionEventInvokeConfig", f"invoke-{g}",
             {"functionName": unknown, "destinationConfig": {"onFailure": {"destination": unknown}}},
             {"functionName": [fn], "destinationConfig": [queue]}),
            ("aws:s3/bucket:Bucket", f"bucket-{g}", {"bucket": f"bucket-{g}"}, {}),
            ("aws:s3/bucketNotification:BucketNotification", f"notify-{g}",
             {"bucket": unknown, "lambdaFunctions": [{"lambdaFunctionArn": unknown}]},
             {"bucket": [bucket], "lambdaFunctions": [fn]}),
            ("aws:cloudwatch/eventTarget:EventTarget", f"target-{g}", {"rule": f"rule-{g}", "arn": unknown},
             {"arn": [fn]}),
        ]
    stack, analyze = [], []
    for type_, name, props, deps in resources:
        struct = struct_pb2.Struct()
        struct.update(props)
        urn = _urn(type_, name)
        analyze.append(analyzer_pb2.AnalyzeRequest(type=type_, properties=struct, urn=urn, name=name,
                                                   provider=PROVIDER))
        stack.append(analyzer_pb2.AnalyzerResource(
            type=type_, properties=struct, urn=urn, name=name, provider=PROVIDER,
            propertyDependencies={k: analyzer_pb2.AnalyzerPropertyDependencies(urns=v) for k, v in deps.items()}))
    return resources, analyzer_pb2.AnalyzeStackRequest(resources=stack), analyze



class Counters:
    """Counts the work the rules do, by wrapping the shared look-up primitives wherever a module imported them."""

    def __init__(self, monkeypatch) -> None:
        self.walked = 0  # inventory elements yielded by iteration, plus of_kind results
        self.calls = {"points_at": 0, "identities": 0}
        original_iter, original_of_kind = model.Inventory.__iter__, model.Inventory.of_kind

        def counting_iter(inventory):
            for facts in original_iter(inventory):
                self.walked += 1
                yield facts

        def counting_of_kind(inventory, kind):
            found = original_of_kind(inventory, kind)
            self.walked += len(found)
            return found

        monkeypatch.setattr(model.Inventory, "__iter__", counting_iter)
        monkeypatch.setattr(model.Inventory, "of_kind", counting_of_kind)
        modules = [helpers] + [importlib.import_module(f"{rules.__name__}.{m.name}")
                               for m in pkgutil.iter_modules(rules.__path__)]
        for name in self.calls:
            original = getattr(helpers, name)

            def counting(*args, _name=name, _original=original, **kwargs):
                self.calls[_name] += 1
                return _original(*args, **kwargs)

            for module in modules:
                if getattr(module, name, None) is original:
                    monkeypatch.setattr(module, name, counting)

    def snapshot(self) -> dict:
        return {"walked": self.walked, **self.calls, "facts built": pack.FACTS.builds,
                "inventories built": pack.INVENTORIES.builds}


def stack_work(monkeypatch, groups: int) -> tuple:
    server, _info = servicer()
    resources, stack_request, _analyze = wired_stack(groups)
    counters = Counters(monkeypatch)
    before = counters.snapshot()
    response = server.AnalyzeStack(stack_request, None)
    after = counters.snapshot()
    monkeypatch.undo()
    return len(resources), {k: after[k] - before[k] for k in after}, response


def test_analyze_stack_work_is_linear(monkeypatch):
    n_small, small, small_response = stack_work(monkeypatch, 100 // GROUP)
    n_large, large, large_response = stack_work(monkeypatch, 1000 // GROUP)
    assert (n_small, n_large) == (100, 1000)
    # Facts once per resource for all 13 stack policies, and one inventory per request.
    assert small["facts built"] == 100 and large["facts built"] == 1000
    assert small["inventories built"] == 1 and large["inventories built"] == 1
    # Every other count grows by exactly the factor the stack grows by.
    for key in ("walked", "points_at", "identities"):
        assert large[key] == 10 * small[key], (key, small, large)
    # Exact counts at 100 resources: the pack walks the inventory once per stack policy (13 x 100), the look-up
    # tables walk it once each; the rules compute names once per subject and compare no pairs.
    assert small == {"walked": 1620, "points_at": 0, "identities": 100, "facts built": 100, "inventories built": 1}
    # The rules found what they look for (so the counts are not of a no-op): the loops in even groups, each
    # queue as the failure destination of its invoke config, and the four findings every group has (its function
    # has neither the company layer nor tracing, and no distribution runs it at the edge).
    for groups, response in ((10, small_response), (100, large_response)):
        assert Counter(d.policyName for d in response.diagnostics) == {
            "no-recursive-trigger-loop": groups // 2, "eventbridge-target-dlq": groups,
            "s3-public-access-blocked": groups, "lambda-required-layer": groups, "lambda-tracing-active": groups}
        loops = sorted(d.urn for d in response.diagnostics if d.policyName == "no-recursive-trigger-loop")
        assert loops == sorted(_urn("aws:lambda/function:Function", f"fn-{g}") for g in range(0, groups, 2))
        (redrive,) = [n.reason for n in response.not_applicable if n.policy_name == "sqs-redrive-policy"]
        assert redrive.split("; ") == [
            f"{_urn('aws:sqs/queue:Queue', f'queue-{g}')}: this queue is the dead-letter queue of invoke-{g}"
            for g in range(groups)]


def test_analyze_builds_facts_once_per_resource(monkeypatch):
    server, _info = servicer()
    resources, _stack_request, analyze = wired_stack(100 // GROUP)
    before = pack.FACTS.builds
    for request in analyze:
        server.Analyze(request, None)
    assert pack.FACTS.builds - before == len(resources) == 100
