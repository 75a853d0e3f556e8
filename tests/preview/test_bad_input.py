"""The preview CLI, run as a user runs it (a subprocess), over a corpus of bad inputs: each ends with the documented
exit code (README, "The offline preview": 0 no mandatory violation, 1 a mandatory violation or an expired exemption,
2 bad input / configuration / program failure, 130 interrupted), one line per problem naming the file, key or
value and what is allowed, and never a traceback.

Runs are grouped where the preview carries on (one broken program does not stop the other stacks), so the corpus
costs a handful of ~1-3 s runs.
"""
import json
import os
import re
import signal
import subprocess
import sys

import pytest

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))
ODD_PROGRAM = os.path.join(HERE, "fixture_odd_program", "__main__.py")
FIXTURE_PACK = os.path.join(HERE, "fixture_pack")
FIXTURE_PROGRAM = os.path.join(HERE, "fixture_program", "__main__.py")
FIXTURE_STACKS = os.path.join(HERE, "fixture_stacks")
TIMEOUT = 120


def preview(*args, env=None):
    """``python -m tools.preview ...`` from the repository root; returns (exit code, stdout, stderr)."""
    done = subprocess.run([sys.executable, "-m", "tools.preview", *args], cwd=ROOT, capture_output=True, text=True,
                          timeout=TIMEOUT, env={**os.environ, **(env or {})})
    assert "Traceback" not in done.stdout + done.stderr
    return done.returncode, done.stdout, done.stderr


def stack_file(directory, name, config):
    lines = ["config:"] + [f"  {key}: {value}" for key, value in config.items()]
    (directory / f"Pulumi.{name}.yaml").write_text("\n".join(lines) + "\n", encoding="utf-8")


def case(directory, name, which):
    stack_file(directory, name, {"serverless-governance:case": which})
    return str(directory)


def real_pack_config(tmp_path, **rules):
    """policies/config.dev.json with ``required-tags`` asking for a ``team`` tag, and ``rules`` merged over it."""
    with open(os.path.join(ROOT, "policies", "config.dev.json"), encoding="utf-8") as handle:
        config = json.load(handle)
    config["required-tags"] = {"enforcementLevel": "mandatory", "requiredTags": {"team": []}}
    for rule, settings in rules.items():
        current = config.get(rule, {})
        current = {"enforcementLevel": current} if isinstance(current, str) else current
        config[rule] = {**current, **settings}
    path = tmp_path / "pack.json"
    path.write_text(json.dumps(config), encoding="utf-8")
    return str(path)


# --jobs 1 runs the programs in the preview's process, 2 in worker processes: the same report, the same lines.
@pytest.mark.parametrize("jobs", ["1", "2"])
def test_program_failures_are_one_line_each_and_the_report_on_stdout_stays_clean(tmp_path, jobs):
    for name in ("exit", "bug", "chatty"):
        case(tmp_path, name, name)
    code, out, err = preview("--all", "--stacks-dir", str(tmp_path), "--program", ODD_PROGRAM,
                             "--pack-config", real_pack_config(tmp_path), "--format", "json", "--jobs", jobs)
    assert code == 2
    document = json.loads(out)  # the program's prints went to stderr: stdout is only the report
    stacks = {s["name"]: s for s in document["stacks"]}
    assert stacks["chatty"]["error"] == "" and stacks["chatty"]["resources"] == 1
    assert stacks["exit"]["error"] == "stack exit: the program exited early with sys.exit(3)"
    with open(ODD_PROGRAM, encoding="utf-8") as handle:
        line = next(n for n, text in enumerate(handle, start=1) if "return value + 1" in text)
    assert stacks["bug"]["error"] == ('stack bug: the program failed: TypeError: can only concatenate str (not "int") '
                                      f'to str (at __main__.py:{line})')
    assert err.splitlines() == [
        "the program says hello on stdout",
        "a subprocess says hello on stdout",
        f"error: {stacks['bug']['error']}",
        f"error: {stacks['exit']['error']}",
    ]


def test_bad_stack_config_for_the_real_program_names_the_key(tmp_path):
    (tmp_path / "outputs").mkdir()
    with open(os.path.join(ROOT, "stacks", "outputs", "platform-dev.json"), encoding="utf-8") as handle:
        outputs = json.load(handle)
    (tmp_path / "outputs" / "platform-dev.json").write_text(json.dumps(outputs))
    del outputs["kmsKeyArn"]
    (tmp_path / "outputs" / "platform-no-key.json").write_text(json.dumps(outputs))
    base = {"serverless-governance:architecture": "saga-orchestration",
            "serverless-governance:platformStack": "platform-dev"}
    stack_file(tmp_path, "missing-output", {**base, "serverless-governance:platformStack": "platform-no-key"})
    stack_file(tmp_path, "tags-string", {**base, "serverless-governance:tags": "team-a"})
    stack_file(tmp_path, "parameters-number", {**base, "serverless-governance:parameters": 7})
    code, out, err = preview("--all", "--stacks-dir", str(tmp_path), "--format", "summary")
    assert code == 2
    assert err.splitlines() == [
        "error: stack missing-output: platformStack 'platform-no-key' has no output 'kmsKeyArn' (ARN of the KMS key "
        "for function environments, logs, queues, topics and tables); export it from the platform stack or run "
        "'pulumi config set kmsKeyArn <value>'",
        "error: stack parameters-number: parameters: 7 must be an object of parameter: value for "
        "'saga-orchestration'; accepted: stage_name, wait_seconds, function_timeout, memory_size, "
        "reserved_concurrency, seed_items",
        "error: stack tags-string: Configuration 'serverless-governance:tags' value 'team-a' is not a valid "
        "'JSON object'",
    ]
    assert out.endswith("ERROR: 3 of 3 stack(s) could not be evaluated: missing-output, parameters-number, "
                        "tags-string\n")


def _single_error(err):
    lines = err.splitlines()
    assert len(lines) == 1, lines
    assert lines[0].startswith("error: ")
    return lines[0]


def test_non_utf8_stack_file(tmp_path):
    (tmp_path / "Pulumi.latin1.yaml").write_bytes("config:\n  serverless-governance:owner: Jos\xe9\n".encode("latin-1"))
    code, out, err = preview("--stack", "latin1", "--stacks-dir", str(tmp_path), "--program", ODD_PROGRAM)
    assert (code, out) == (2, "")
    assert _single_error(err) == (f"error: stack file {tmp_path}/Pulumi.latin1.yaml is not UTF-8 text: byte 0xe9 on "
                                  "line 2; save it as UTF-8")


def test_yaml_alias_bomb_is_refused_before_it_expands(tmp_path):
    levels = ['  a: &a ["x", "x", "x", "x", "x", "x", "x", "x", "x", "x"]']
    for index, name in enumerate("bcdefghij"):
        previous = "abcdefghij"[index]
        levels.append(f"  {name}: &{name} [{', '.join([f'*{previous}'] * 10)}]")
    (tmp_path / "Pulumi.bomb.yaml").write_text("config:\n" + "\n".join(levels) + "\n")
    code, out, err = preview("--stack", "bomb", "--stacks-dir", str(tmp_path), "--program", ODD_PROGRAM)
    assert (code, out) == (2, "")
    assert _single_error(err) == (f"error: stack file {tmp_path}/Pulumi.bomb.yaml: YAML aliases expand it to more "
                                  "than 10,000 values; write the values out instead of repeating aliases")


def test_invalid_guardrails_today(tmp_path):
    code, out, err = preview("--stack", "fixture-dev", "--stacks-dir", FIXTURE_STACKS, "--program", FIXTURE_PROGRAM,
                             "--pack-dir", FIXTURE_PACK, env={"GUARDRAILS_TODAY": "2026-13-45"})
    assert (code, out) == (2, "")
    assert _single_error(err) == ("error: GUARDRAILS_TODAY='2026-13-45' is not a date; expected YYYY-MM-DD "
                                  "(e.g. 2026-06-01)")


def test_out_under_a_regular_file(tmp_path):
    (tmp_path / "file").write_text("not a directory")
    out_dir = str(tmp_path / "file" / "reports")
    code, out, err = preview("--stack", "fixture-dev", "--stacks-dir", FIXTURE_STACKS, "--program", FIXTURE_PROGRAM,
                             "--pack-dir", FIXTURE_PACK, "--out", out_dir)
    assert (code, out) == (2, "")
    assert _single_error(err) == f"error: --out '{out_dir}': cannot create the directory: Not a directory"


def test_non_utf8_pack_config(tmp_path):
    path = tmp_path / "pack.json"
    path.write_bytes('{"fixture-required-tag": {"requiredTag": "\xe9quipe"}}'.encode("latin-1"))
    code, out, err = preview("--stack", "fixture-dev", "--stacks-dir", FIXTURE_STACKS, "--program", FIXTURE_PROGRAM,
                             "--pack-dir", FIXTURE_PACK, "--pack-config", str(path))
    assert (code, out) == (2, "")
    line = _single_error(err)
    assert str(path) in line and "UTF-8" in line


@pytest.mark.parametrize("exemption", [
    {"urn": "*", "name": "plain", "reason": "r", "expires": "2027-01-01"},
    {"name": "plain", "reason": "  ", "expires": "2027-01-01"},
    {"name": "plain", "reason": "r", "expires": "2027-02-30"},
], ids=["two-match-keys", "blank-reason", "bad-date"])
def test_invalid_exemption_is_a_configuration_error_not_a_violation(tmp_path, exemption):
    # The exact problem is worded by the pack config parser (guardrails.pack_config / exemptions); what the
    # preview guarantees is exit 2 with one line naming the file, the rule and the entry, not a violation.
    config = real_pack_config(tmp_path, **{"required-tags": {"exemptions": [exemption]}})
    code, out, err = preview("--stack", "chatty", "--stacks-dir", case(tmp_path, "chatty", "chatty"),
                             "--program", ODD_PROGRAM, "--pack-config", config, "--format", "json")
    assert (code, out) == (2, "")
    line = err.splitlines()[-1]  # after what the program printed, if it ran
    assert line.startswith("error: pack config ") and "pack.json: " in line
    assert "required-tags" in line and "exemptions[0]" in line


def test_invalid_exemption_of_a_rule_with_nothing_to_judge_is_still_a_configuration_error(tmp_path):
    config = real_pack_config(tmp_path, **{"lambda-url-auth": {
        "exemptions": [{"name": "x", "reason": "r", "expires": "2027-02-30"}]}})
    code, _, err = preview("--stack", "chatty", "--stacks-dir", case(tmp_path, "chatty", "chatty"),
                           "--program", ODD_PROGRAM, "--pack-config", config)
    assert code == 2
    assert "lambda-url-auth" in err.splitlines()[-1] and "exemptions[0]" in err.splitlines()[-1]


def test_a_pack_that_dies_is_one_line_naming_the_call(tmp_path):
    pack = tmp_path / "dying_pack"
    pack.mkdir()
    (pack / "PulumiPolicy.yaml").write_text("runtime: python\n")
    (pack / "__main__.py").write_text(
        "import os, sys\n"
        "from pulumi_policy import EnforcementLevel, PolicyPack, ResourceValidationPolicy\n"
        "def validate(args, report_violation):\n"
        # One write(2) per line: Analyze runs on several pack threads, and print() writes its parts separately,
        # so lines of two threads could interleave.
        "    os.write(2, f'the pack gives up on {args.name}\\n'.encode())\n"
        "    os._exit(7)\n"
        "PolicyPack(name='dying', enforcement_level=EnforcementLevel.MANDATORY, policies=[\n"
        "    ResourceValidationPolicy(name='dies', description='Dies.', validate=validate)])\n")
    (pack / "config.dev.json").write_text("{}")
    code, out, err = preview("--stack", "fixture-dev", "--stacks-dir", FIXTURE_STACKS, "--program", FIXTURE_PROGRAM,
                             "--pack-dir", str(pack))
    assert (code, out) == (2, "")
    line = _single_error(err)
    assert line.startswith(f"error: policy pack {pack}: analysing stack fixture-dev failed: UNAVAILABLE: ")
    # Analyze calls are pipelined over the pack's worker threads: which resource it gave up on first varies.
    assert re.search(r"; the pack exited with status 7: the pack gives up on [a-z-]+", line), line


def test_interrupt_exits_130_with_one_line(tmp_path):
    process = subprocess.Popen(
        [sys.executable, "-m", "tools.preview", "--stack", "slow", "--stacks-dir", case(tmp_path, "slow", "slow"),
         "--program", ODD_PROGRAM, "--pack-dir", FIXTURE_PACK, "--pack-config",
         os.path.join(FIXTURE_PACK, "config.dev.json")],
        cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        assert process.stderr.readline() == "program started\n"
        process.send_signal(signal.SIGINT)
        out, err = process.communicate(timeout=TIMEOUT)
    finally:
        if process.poll() is None:
            process.kill()
            process.communicate()
    assert process.returncode == 130
    assert (out, err) == ("", "error: interrupted\n")


def children(pid: int) -> set:
    """The process ids of ``pid``'s children (Linux /proc)."""
    found = set()
    for task in os.listdir(f"/proc/{pid}/task"):
        with open(f"/proc/{pid}/task/{task}/children", encoding="ascii") as handle:
            found.update(int(child) for child in handle.read().split())
    return found


def alive(pid: int) -> bool:
    try:
        with open(f"/proc/{pid}/stat", encoding="ascii") as handle:
            return handle.read().rsplit(")", 1)[1].split()[0] != "Z"  # a zombie has exited
    except FileNotFoundError:
        return False


def test_interrupt_stops_the_worker_processes_and_exits_130_with_one_line(tmp_path):
    for name in ("slow-1", "slow-2"):
        case(tmp_path, name, "slow")
    process = subprocess.Popen(
        [sys.executable, "-m", "tools.preview", "--all", "--jobs", "2", "--stacks-dir", str(tmp_path),
         "--program", ODD_PROGRAM, "--pack-dir", FIXTURE_PACK, "--pack-config",
         os.path.join(FIXTURE_PACK, "config.dev.json")],
        cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        assert process.stderr.readline() == "program started\n"  # printed by a worker: both workers are up
        workers = children(process.pid) - {p for p in children(process.pid) if not alive(p)}
        process.send_signal(signal.SIGINT)  # to the preview only, as `kill -INT` does; Ctrl-C reaches all
        out, err = process.communicate(timeout=TIMEOUT)
    finally:
        if process.poll() is None:
            process.kill()
            process.communicate()
    assert process.returncode == 130
    assert out == ""
    assert [line for line in err.splitlines() if line != "program started"] == ["error: interrupted"]
    assert len(workers) >= 2  # the pack and at least one program worker
    assert [pid for pid in workers if alive(pid)] == []  # none outlives the preview (their programs sleep 60 s)


def test_a_pack_that_fails_to_start_is_one_line_with_its_last_error(tmp_path):
    pack = tmp_path / "broken_pack"
    pack.mkdir()
    (pack / "PulumiPolicy.yaml").write_text("runtime: python\n")
    (pack / "__main__.py").write_text("raise RuntimeError('the pack cannot read its rules')\n")
    (pack / "config.dev.json").write_text("{}")
    code, out, err = preview("--stack", "fixture-dev", "--stacks-dir", FIXTURE_STACKS, "--program", FIXTURE_PROGRAM,
                             "--pack-dir", str(pack))
    assert (code, out) == (2, "")
    assert _single_error(err) == (f"error: policy pack in '{pack}' did not print its port within 30.0s (got b''); "
                                  "its last error: RuntimeError: the pack cannot read its rules")
