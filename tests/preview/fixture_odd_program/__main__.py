"""A program for the preview's bad-input tests: config ``serverless-governance:case`` picks what it does.

* ``odd-shapes``: resources whose inputs have shapes the adapters do not expect (an Auto Scaling group's
  ``tags`` as a list of objects, numbers where strings are expected, a dict where a list is expected and the
  reverse, unknowns nested in lists and maps), next to an ordinary queue;
* ``opaque``: resources the rule catalogue cannot see into (a dynamic provider, a ``command`` resource), next to
  a ``random`` one (known to create nothing) and an ordinary queue;
* ``chatty``: prints to stdout, from Python and from a subprocess;
* ``exit``: calls ``sys.exit(3)``;
* ``bug``: raises a TypeError from a helper;
* ``slow``: says so on stderr, then sleeps (the test interrupts it).
"""
import subprocess
import sys
import time

import pulumi
import pulumi_aws as aws

case = pulumi.Config().require("case")


def helper(value):
    return value + 1  # TypeError for a string


if case == "odd-shapes":
    # Raw CustomResources: the typed classes refuse some of these shapes in Python, but the engine (and a policy
    # pack) receives whatever a program in any language, or a provider upgrade, sends.
    key = aws.kms.Key("local-key")  # its ARN is unknown at preview
    aws.autoscaling.Group("workers", max_size=2, min_size=0,
                          tags=[{"key": "cost-center", "value": "cc-1", "propagate_at_launch": True}])
    pulumi.CustomResource("aws:sqs/queue:Queue", "odd-number",
                          {"kmsMasterKeyId": 42, "redrivePolicy": 7, "tags": {"team": "payments"}})
    pulumi.CustomResource("aws:lambda/function:Function", "odd-dict",
                          {"role": "arn:aws:iam::123456789012:role/r", "runtime": "python3.12",
                           "layers": {"not": "a list"}, "tracingConfig": ["Active"], "tags": {"team": "payments"}})
    pulumi.CustomResource("aws:lambda/function:Function", "odd-unknowns",
                          {"role": key.arn, "runtime": "python3.12", "layers": [key.arn, {"nested": key.arn}],
                           "environment": {"variables": {"KEY": key.arn}}, "tags": {"team": key.arn}})
    aws.sqs.Queue("plain", tags={"team": "payments"})
elif case == "opaque":
    from pulumi.dynamic import CreateResult, Resource, ResourceProvider

    class Anything(ResourceProvider):  # a dynamic provider may call any API at deploy time
        def create(self, props):
            return CreateResult(id_="anything", outs=props)

    class MadeByHand(Resource):
        def __init__(self, name, props):
            super().__init__(Anything(), name, props)

    MadeByHand("made-by-hand", {"what": "anything at all"})
    pulumi.CustomResource("command:local:Command", "deploy-script", {"create": "./deploy.sh"})
    pulumi.CustomResource("random:index/randomPet:RandomPet", "pet", {"length": 2})
    aws.sqs.Queue("plain", tags={"team": "payments"})
elif case == "chatty":
    print("the program says hello on stdout")
    subprocess.run(["echo", "a subprocess says hello on stdout"], check=True)
    aws.sqs.Queue("plain", tags={"team": "payments"})
elif case == "exit":
    sys.exit(3)
elif case == "bug":
    helper("three")
elif case == "slow":
    print("program started", file=sys.stderr, flush=True)
    time.sleep(60)
else:
    raise pulumi.RunError(f"case: {case!r} is not a case of this fixture program")
