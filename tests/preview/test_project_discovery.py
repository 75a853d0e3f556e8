"""The preview previews the project it is run in (as ``pulumi preview`` does), with the company pack.

A scratch project of another team, outside this repository, with its own ``Pulumi.yaml`` (``stackConfigDir`` and
``main`` set), is previewed from one of its subdirectories: the stack, project and program are that project's, the
rules are the company pack's, even when the project carries a ``policies/`` pack of its own. The preview runs as a
user runs it (a subprocess); the set-up errors, which end before any program or pack starts, call the same ``main``
in this process.
"""
import json
import os
import subprocess
import sys
import textwrap

from tools.preview import main

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))
TIMEOUT = 120

PROGRAM = textwrap.dedent('''
    import pulumi_aws as aws

    aws.sqs.Queue("orders", sqs_managed_sse_enabled=True)  # no tags: required-tags is mandatory in dev
''')

# A permissive "pack" a team might ship to replace the guardrails: it would allow everything. Never started.
ROGUE_PACK = textwrap.dedent('''
    raise SystemExit("the project's own pack must never be run by the preview")
''')


def preview(*args, cwd):
    env = {k: v for k, v in os.environ.items() if k != "PYTHONPATH"}
    done = subprocess.run([sys.executable, "-m", "tools.preview", *args], cwd=cwd, capture_output=True, text=True,
                          timeout=TIMEOUT, env=env)
    assert "Traceback" not in done.stdout + done.stderr
    return done.returncode, done.stdout, done.stderr


def scratch_project(tmp_path, pulumi_yaml: str):
    project = tmp_path / "team-orders"
    (project / "infra").mkdir(parents=True)
    (project / "config").mkdir()
    (project / "policies").mkdir()
    (project / "Pulumi.yaml").write_text(pulumi_yaml, encoding="utf-8")
    (project / "infra" / "__main__.py").write_text(PROGRAM, encoding="utf-8")
    (project / "config" / "Pulumi.dev.yaml").write_text("config:\n  aws:region: us-east-1\n", encoding="utf-8")
    (project / "policies" / "PulumiPolicy.yaml").write_text("runtime: python\n", encoding="utf-8")
    (project / "policies" / "__main__.py").write_text(ROGUE_PACK, encoding="utf-8")
    return project


def test_the_project_of_the_working_directory_is_previewed_with_the_company_pack(tmp_path):
    project = scratch_project(tmp_path, "name: team-orders\nruntime: python\nstackConfigDir: config\nmain: infra\n")
    out = tmp_path / "out"
    code, _, err = preview("--all", "--format", "json", "--out", str(out), cwd=project / "infra")
    assert code == 1, err  # the untagged queue is a mandatory violation of the company pack
    (stack,) = json.loads((out / "findings.json").read_text())["stacks"]
    assert (stack["name"], stack["source"], stack["resources"], stack["mandatoryViolations"]) == (
        "dev", "config/Pulumi.dev.yaml", 1, 1)
    queue = "urn:pulumi:dev::team-orders::aws:sqs/queue:Queue::orders"
    assert [(f["ruleId"], f["urn"]) for f in stack["findings"]
            if (f["status"], f["enforcement"]) == ("violation", "mandatory")] == [("required-tags", queue)]


def test_without_a_project_or_with_a_broken_one_the_preview_says_what_to_fix(tmp_path, monkeypatch, capsys):
    def preview_here(*args, cwd):  # ``main`` as the command calls it, from ``cwd``
        monkeypatch.chdir(cwd)
        code = main(list(args))
        out, err = capsys.readouterr()
        assert "Traceback" not in out + err
        return code, out, err

    lost = tmp_path / "nowhere"
    lost.mkdir()
    code, out, err = preview_here("--all", cwd=lost)
    assert (code, out) == (2, "")
    assert err == (f"error: no Pulumi.yaml in {lost} or any parent directory: run the preview in a Pulumi project, "
                   "or name one with --project DIR\n")

    nameless = scratch_project(tmp_path, "runtime: python\n")
    code, _, err = preview_here("--all", cwd=nameless)
    assert (code, err) == (2, f"error: {nameless / 'Pulumi.yaml'}: 'name' must be a non-empty string (found None)\n")

    code, _, err = preview_here("--all", "--project", str(tmp_path / "missing"), cwd=lost)
    assert (code, err) == (2, f"error: --project {str(tmp_path / 'missing')!r}: not a directory\n")

    project = scratch_project(tmp_path / "other", "name: team-orders\nruntime: python\nstackConfigDir: config\n")
    code, _, err = preview_here("--all", "--project", str(project), "--pack-dir", str(lost), cwd=lost)
    assert (code, err) == (2, f"error: --pack-dir {str(lost)!r}: no PulumiPolicy.yaml there (the policy pack's "
                              "directory)\n")
