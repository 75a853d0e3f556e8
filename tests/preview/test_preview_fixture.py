"""The offline preview end to end against a small real pack (tests/preview/fixture_pack) and program.

These exercise the protocol driving itself: the stack file's config (objects included), StackReference outputs
from stacks/outputs/, the default provider's config, schema defaults and "all" in the pack config, pipelined
Analyze calls, AnalyzeStack with property dependencies, preview vs up, exit codes and input errors.
"""
import gc
import json
import os
import warnings
import xml.etree.ElementTree as ET

import jsonschema
import pytest

from guardrails.markers import status_of
from tools.preview import PreviewError, main, run_preview
from tools.preview.analysis import split_by_urn
from tools.preview.config import reconcile_pack_config
from tools.preview.stacks import load_stack

HERE = os.path.dirname(__file__)
STACKS = os.path.join(HERE, "fixture_stacks")
PACK = os.path.join(HERE, "fixture_pack")
PROGRAM = os.path.join(HERE, "fixture_program", "__main__.py")
PREFIX = "urn:pulumi:fixture-dev::serverless-governance::"


def urn(type_, name, stack="fixture-dev"):
    return f"urn:pulumi:{stack}::serverless-governance::{type_}::{name}"


def run(stacks, **kwargs):
    return run_preview(stacks, pack_dir=PACK, stacks_dir=STACKS, program=PROGRAM, **kwargs)


@pytest.fixture(scope="module")
def dev_run():
    return run(["fixture-dev"])


def triples(stack_result):
    return sorted((f.rule_id, f.name, f.status, f.enforcement) for f in stack_result.findings)


def test_preview_finds_exactly_the_expected_results(dev_run):
    (stack,) = dev_run.report.stacks
    assert triples(stack) == [
        ("fixture-queue-kms", "bare", "violation", "advisory"),
        ("fixture-queue-kms", "exempt-legacy", "exempted", "advisory"),
        ("fixture-queue-kms", "expired-legacy", "expired-exemption", "advisory"),
        # the key is created in this stack: its ARN is unknown at preview, and said so
        ("fixture-queue-kms", "local", "unknown", "advisory"),
        ("fixture-required-tag", "bare", "violation", "mandatory"),
        # a stack policy, through property dependencies (events has a subscription, lonely has none)
        ("fixture-topic-subscribed", "lonely", "violation", "mandatory"),
        # a stack policy's exempted subject, from its one not-applicable note
        ("fixture-topic-subscribed", "muted", "exempted", "mandatory"),
    ]
    lonely = next(f for f in stack.findings if f.name == "lonely")
    assert lonely.urn == urn("aws:sns/topic:Topic", "lonely")
    assert lonely.message == "topic lonely has no subscription"
    assert lonely.severity == "low"
    assert dev_run.report.mandatory_violations == 2
    assert stack.source == "tests/preview/fixture_stacks/Pulumi.fixture-dev.yaml"
    assert stack.source_line == 4  # the architecture setting
    # every resource the program registered, the StackReference read excluded (the engine does not analyze reads)
    assert sorted(name for _, _, name in stack.resources) == [
        "bare", "events", "events-to-orders", "exempt-legacy", "expired-legacy", "local", "local-key", "lonely",
        "muted", "orders"]
    local = next(f for f in stack.findings if f.name == "local")
    # the runtime's "can't run policy ... during preview: " prefix is stripped, the rule's level is kept
    assert local.message == "string value at .kmsMasterKeyId can't be known during preview"


def test_stack_reference_outputs_come_from_the_outputs_file(dev_run):
    # "orders" is encrypted with the platform stack's kmsKeyArn, so it passes the KMS policy (no finding).
    (stack,) = dev_run.report.stacks
    assert not [f for f in stack.findings if f.name == "orders"]
    assert ("fixture-queue-kms", urn("aws:sqs/queue:Queue", "orders")) in stack.evaluations


def test_up_mode_knows_created_values():
    result = run(["fixture-dev"], mode="up")
    (stack,) = result.report.stacks
    assert [f for f in stack.findings if f.status == "unknown"] == []
    assert ("fixture-queue-kms", "local") not in {(f.rule_id, f.name) for f in stack.findings}


def test_prod_config_all_mandatory_and_provider_default_tags(tmp_path):
    result = run(["fixture-prod"])  # environment prod -> fixture_pack/config.prod.json
    (stack,) = result.report.stacks
    # requiredTag is cost-center in prod; the provider's aws:defaultTags supply it to every queue
    assert [f for f in stack.findings if f.rule_id == "fixture-required-tag"] == []
    # "all": "mandatory" raised the KMS policy
    assert {f.enforcement for f in stack.findings if f.rule_id == "fixture-queue-kms"} == {"mandatory"}
    assert result.report.mandatory_violations == 3  # bare (kms), expired-legacy (expired exemption), lonely


def test_cli_writes_all_formats_and_exits_1_on_mandatory_violation(tmp_path, capsys):
    code = main(["--stack", "fixture-dev", "--stacks-dir", STACKS, "--pack-dir", PACK, "--program", PROGRAM,
                         "--format", "summary,json,sarif,junit", "--out", str(tmp_path)])
    assert code == 1
    out = capsys.readouterr().out
    assert out.endswith("FAILED: 2 mandatory violation(s) in 1 of 1 stack(s)\n")
    with open(os.path.join(HERE, "sarif-schema-2.1.0.json"), encoding="utf-8") as handle:
        schema = json.load(handle)
    sarif = json.loads((tmp_path / "findings.sarif").read_text())
    jsonschema.Draft4Validator(schema).validate(sarif)
    assert sorted((r["ruleId"], r["locations"][0]["logicalLocations"][0]["fullyQualifiedName"], r["level"])
                  for r in sarif["runs"][0]["results"]) == [
        ("fixture-queue-kms", urn("aws:sqs/queue:Queue", "bare"), "warning"),
        ("fixture-queue-kms", urn("aws:sqs/queue:Queue", "exempt-legacy"), "warning"),
        ("fixture-queue-kms", urn("aws:sqs/queue:Queue", "expired-legacy"), "warning"),
        ("fixture-queue-kms", urn("aws:sqs/queue:Queue", "local"), "note"),
        ("fixture-required-tag", urn("aws:sqs/queue:Queue", "bare"), "error"),
        ("fixture-topic-subscribed", urn("aws:sns/topic:Topic", "lonely"), "error"),
        ("fixture-topic-subscribed", urn("aws:sns/topic:Topic", "muted"), "error"),
    ]
    muted = next(r for r in sarif["runs"][0]["results"] if r["ruleId"] == "fixture-topic-subscribed"
                 and r["locations"][0]["logicalLocations"][0]["name"] == "muted")
    assert muted["suppressions"] == [{"kind": "external", "status": "accepted",
                                      "justification": "exempted (name=muted) until 2999-01-01: audit topic, read by hand"}]
    document = json.loads((tmp_path / "findings.json").read_text())
    assert document["summary"]["mandatoryViolations"] == 2
    junit = ET.parse(tmp_path / "junit.xml").getroot()
    failures = sorted((c.get("classname"), c.get("name")) for c in junit.iter("testcase") if c.find("failure") is not None)
    assert failures == [
        ("fixture-dev.fixture-queue-kms", urn("aws:sqs/queue:Queue", "bare")),
        ("fixture-dev.fixture-queue-kms", urn("aws:sqs/queue:Queue", "expired-legacy")),
        ("fixture-dev.fixture-required-tag", urn("aws:sqs/queue:Queue", "bare")),
        ("fixture-dev.fixture-topic-subscribed", urn("aws:sns/topic:Topic", "lonely")),
    ]


def test_split_by_urn_and_classify_follow_the_pack_wording():
    a, b = urn("aws:iam/role:Role", "a"), urn("aws:iam/role:Role", "b")
    note = f"cannot be evaluated until update for 2 resource(s): {a}: boundary is not known yet; {b}: x; y"
    assert split_by_urn(note) == [(a, "boundary is not known yet"), (b, "x; y")]
    assert status_of("expired exemption: exempted (name=a) until 2020-01-01: r") == "expired-exemption"
    assert status_of("cannot be evaluated until update: layers[0] is not known yet") == "unknown"
    assert status_of("function fn has no code signing config") == "violation"


def test_cli_unknown_stack_names_the_available_ones(capsys):
    code = main(["--stack", "nope", "--stacks-dir", STACKS, "--pack-dir", PACK, "--program", PROGRAM])
    assert code == 2
    err = capsys.readouterr().err
    assert "error: unknown stack 'nope'" in err
    assert "available stacks: fixture-dev, fixture-prod" in err


@pytest.mark.parametrize("config, message", [
    ({"fixture-required-tag": {"requiredTag": 7}},
     "invalid config for policy 'fixture-required-tag': fixture-required-tag.requiredTag: 7 is not of type 'string'\n"),
    ({"fixture-required-tagz": "mandatory"}, "unknown policy 'fixture-required-tagz'; the pack's policies are: "
                                             "fixture-queue-kms, fixture-required-tag, fixture-topic-subscribed"),
    ({"all": "blocking"}, "policy 'all': enforcement level \"blocking\" is not one of advisory, mandatory, "
                          "remediate, disabled"),
])
def test_cli_bad_pack_config_is_a_clear_error(tmp_path, capsys, config, message):
    path = tmp_path / "config.json"
    path.write_text(json.dumps(config))
    code = main(["--stack", "fixture-dev", "--stacks-dir", STACKS, "--pack-dir", PACK, "--program", PROGRAM,
                         "--pack-config", str(path)])
    assert code == 2
    assert message in capsys.readouterr().err


@pytest.mark.parametrize("value", ["0", "two", "65", "-1"])
def test_cli_bad_jobs_is_a_clear_error(value, capsys):
    code = main(["--stack", "fixture-dev", "--stacks-dir", STACKS, "--pack-dir", PACK, "--program", PROGRAM,
                 "--jobs", value])
    assert code == 2
    assert capsys.readouterr().err == (
        f"error: --jobs {value!r}: expected a whole number of worker processes from 1 to 64\n")


def test_bad_stack_files_are_clear_errors(tmp_path):
    (tmp_path / "Pulumi.secret.yaml").write_text("config:\n  serverless-governance:token:\n    secure: AAAA\n")
    (tmp_path / "Pulumi.broken.yaml").write_text("config: [\n")
    (tmp_path / "Pulumi.list.yaml").write_text("config:\n  - a\n")
    with pytest.raises(PreviewError, match="config 'serverless-governance:token' is a secret"):
        load_stack("secret", str(tmp_path))
    with pytest.raises(PreviewError, match="is not valid YAML"):
        load_stack("broken", str(tmp_path))
    with pytest.raises(PreviewError, match="'config' must be a mapping"):
        load_stack("list", str(tmp_path))


def test_a_failing_program_is_reported_and_the_other_stacks_still_run(tmp_path, capsys):
    for name in ("fixture-dev",):
        (tmp_path / f"Pulumi.{name}.yaml").write_text(open(os.path.join(STACKS, f"Pulumi.{name}.yaml")).read())
    (tmp_path / "outputs").mkdir()
    (tmp_path / "outputs" / "platform-fixture.json").write_text(
        open(os.path.join(STACKS, "outputs", "platform-fixture.json")).read())
    (tmp_path / "Pulumi.orphan.yaml").write_text(
        "config:\n  serverless-governance:platformStack: platform-missing\n"
        "  serverless-governance:settings: {visibility: 1}\n")
    code = main(["--all", "--stacks-dir", str(tmp_path), "--pack-dir", PACK, "--program", PROGRAM,
                         "--format", "json"])
    assert code == 2
    captured = capsys.readouterr()
    document = json.loads(captured.out)
    assert [(s["name"], s["mandatoryViolations"]) for s in document["stacks"]] == [("fixture-dev", 2), ("orphan", 0)]
    error = document["stacks"][1]["error"]
    assert error.startswith("StackReference 'platform-missing': no outputs file ")
    assert error.endswith("outputs/platform-missing.json; write the referenced stack's outputs there as a JSON "
                          "object (e.g. from `pulumi stack output --json -s platform-missing`)")
    assert f"error: {error}" in captured.err
    # The SDK's abandoned coroutines of the failed run are collected here, not in a later test's import.
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        gc.collect()


def test_reconcile_applies_schema_defaults_and_keeps_declared_levels():
    from tools.analyzer_client import AnalyzerClient

    with AnalyzerClient.start(PACK) as client:
        reconciled = reconcile_pack_config(client.info(), {})
    assert reconciled == {
        "fixture-required-tag": ("mandatory", {"requiredTag": "team"}),
        "fixture-queue-kms": ("advisory", {}),
        "fixture-topic-subscribed": ("mandatory", {}),
    }


def test_cli_all_with_exclude_runs_the_other_stacks(capsys):
    code = main(["--all", "--exclude", "fixture-prod", "--stacks-dir", STACKS, "--pack-dir", PACK,
                         "--program", PROGRAM, "--format", "json"])
    assert code == 1
    document = json.loads(capsys.readouterr().out)
    assert [s["name"] for s in document["stacks"]] == ["fixture-dev"]


def test_stack_files_keep_ordinary_aliases_and_refuse_recursive_ones(tmp_path):
    (tmp_path / "Pulumi.anchors.yaml").write_text(
        "config:\n  serverless-governance:base: &tags {team: payments}\n  serverless-governance:tags: *tags\n")
    (tmp_path / "Pulumi.loop.yaml").write_text("config:\n  serverless-governance:loop: &a [1, *a]\n")
    stack = load_stack("anchors", str(tmp_path))
    assert stack.config["serverless-governance:tags"] == {"team": "payments"}
    with pytest.raises(PreviewError, match="a YAML alias refers to the value that contains it"):
        load_stack("loop", str(tmp_path))
