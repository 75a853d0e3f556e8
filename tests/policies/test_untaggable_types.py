"""The generated list of untaggable resource types matches the installed provider."""
import json
from importlib.metadata import version
from pathlib import Path

from guardrails.rules.required_tags import UNTAGGABLE_TYPES

DATA = Path(__file__).resolve().parents[2] / "policies" / "guardrails" / "data" / "untaggable_types.json"


def test_generated_for_the_installed_provider():
    # Stale after a pulumi-aws upgrade: run `python -m tools.gen_taggable_types`.
    assert json.loads(DATA.read_text())["generatedFrom"] == f"pulumi-aws {version('pulumi_aws')}"


def test_known_types():
    for untaggable in ("aws:apigateway/methodSettings:MethodSettings", "aws:cloudwatch/eventArchive:EventArchive",
                       "aws:sqs/queuePolicy:QueuePolicy", "aws:lambda/alias:Alias", "aws:iam/rolePolicy:RolePolicy"):
        assert untaggable in UNTAGGABLE_TYPES
    for taggable in ("aws:sqs/queue:Queue", "aws:lambda/function:Function", "aws:iam/role:Role",
                     "aws:apigateway/stage:Stage", "aws:sfn/stateMachine:StateMachine"):
        assert taggable not in UNTAGGABLE_TYPES
