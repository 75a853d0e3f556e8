"""Another Pulumi program can ``pip install`` this project and build a governed function from its own code.

The project is built into a wheel (as ``pip install .`` builds it), installed into a fresh virtualenv in a temp
directory, and a scratch program outside the repository builds a ``GovernedFunction`` from its own code directory
under Pulumi mocks. What is faked, and why: tests have no network, so the wheel's dependencies are not downloaded
again; the fresh virtualenv reaches the ones already installed here through a ``.pth`` line (their versions are the
lock's). The package itself (its modules, package data and console scripts) comes only from the wheel.
"""
import json
import os
import shutil
import subprocess
import sys
import sysconfig
import textwrap
import zipfile
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]

PROGRAM = textwrap.dedent('''
    """A scratch Pulumi program of another team: governed blocks from the installed package, its own code."""
    import json

    from components.governance import Governance
    from components.governed.function import FunctionArgs, GovernedFunction
    from tools.offline_engine import one, run_program

    def program():
        GovernedFunction("orders", FunctionArgs(handler="orders.handler", code_dir="app", memory_size=256),
                         Governance.for_tests())

    resources = run_program(program, stack="dev")
    fn = one(resources, "aws:lambda/function:Function").raw_inputs
    code = one(resources, "aws:s3/bucketObjectv2:BucketObjectv2").raw_inputs
    import components
    print(json.dumps({
        "package": components.__file__,
        "types": [r.type for r in resources],
        "handler": fn["handler"], "memory": fn["memorySize"], "layers": fn["layers"],
        "codeSigningConfigArn": fn["codeSigningConfigArn"],
        "archive": {name: asset["path"] for name, asset in code["source"]["assets"].items()},
    }))
''')


def run(*args: str, cwd: Path, timeout: float = 120, expect: int = 0) -> subprocess.CompletedProcess:
    env = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "VIRTUAL_ENV")}
    done = subprocess.run(list(args), cwd=cwd, env=env, capture_output=True, text=True, timeout=timeout)
    assert done.returncode == expect, f"{' '.join(args)} exited {done.returncode}:\n{done.stdout}\n{done.stderr}"
    return done


@pytest.mark.slow
def test_a_fresh_virtualenv_installs_the_project_and_builds_a_function_from_its_own_code(tmp_path):
    # From a copy of the sources: setuptools builds in the source tree and would leave build/ behind.
    source = tmp_path / "source"
    shutil.copytree(ROOT, source, ignore=shutil.ignore_patterns(
        ".git", ".venv", "build", "out", "__pycache__", ".hypothesis", "*.egg-info", "tests"))
    wheels = tmp_path / "wheels"
    run(sys.executable, "-m", "pip", "wheel", "--quiet", "--no-deps", "--no-build-isolation", "--wheel-dir",
        str(wheels), str(source), cwd=tmp_path, timeout=180)
    (wheel,) = wheels.glob("serverless_governance-*.whl")
    with zipfile.ZipFile(wheel) as archive:
        names = set(archive.namelist())
        metadata = archive.read(next(n for n in names if n.endswith(".dist-info/METADATA"))).decode()
    # Import names as the pack and Lambda use them, and the files the code reads at run time.
    assert {"guardrails/catalogue.py", "guardrails/data/tls_security_policies.json",
            "guardrails/data/untaggable_types.json", "company_observability/__init__.py",
            "components/governed/function.py", "tools/preview/cli.py", "handlers/saga_orchestration/saga.asl.json",
            "handlers/jwt_authorizer/requirements.txt"} <= names
    assert not any(n.startswith(("tests/", "policies/", "benchmarks/")) for n in names)
    # Dependencies are requirements.txt's, verbatim (one list, not typed twice).
    pinned = [line for line in (ROOT / "requirements.txt").read_text().splitlines()
              if line.strip() and not line.startswith("#")]
    assert [line.split(": ", 1)[1] for line in metadata.splitlines() if line.startswith("Requires-Dist: ")] == pinned

    venv = tmp_path / "venv"
    # Without its own pip (ensurepip costs 4 s): this environment's pip installs into it (`pip --python`).
    run(sys.executable, "-m", "venv", "--without-pip", str(venv), cwd=tmp_path)
    python = venv / "bin" / "python"
    run(sys.executable, "-m", "pip", "--python", str(python), "install", "--quiet", "--no-index", "--no-deps",
        str(wheel), cwd=tmp_path)
    site = Path(run(str(python), "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])",
                    cwd=tmp_path).stdout.strip())
    (site / "_dependencies_from_the_test_venv.pth").write_text(sysconfig.get_paths()["purelib"] + "\n")

    scratch = tmp_path / "scratch"
    (scratch / "app").mkdir(parents=True)
    (scratch / "app" / "orders.py").write_text("def handler(event, context):\n    return {'ok': True}\n")
    (scratch / "app" / "model.py").write_text("ORDER_STATES = ('new', 'paid')\n")
    (scratch / "__main__.py").write_text(PROGRAM)
    result = json.loads(run(str(python), "__main__.py", cwd=scratch).stdout.strip().splitlines()[-1])

    assert result["package"] == str(site / "components" / "__init__.py")  # the installed copy, not the repo's
    assert sorted(result["types"]) == [  # registration order varies with the SDK's scheduling
        "aws:cloudwatch/logGroup:LogGroup", "aws:iam/role:Role", "aws:iam/rolePolicy:RolePolicy",
        "aws:lambda/function:Function", "aws:s3/bucketObjectv2:BucketObjectv2", "aws:signer/signingJob:SigningJob",
        "serverless-governance:governed:Function", "serverless-governance:governed:Role",
    ]
    assert result["handler"] == "orders.handler" and result["memory"] == 256
    assert result["layers"] == ["arn:aws:lambda:us-east-1:123456789012:layer:company-observability:12",
                                "arn:aws:lambda:us-east-1:123456789012:layer:powertools-python:3"]
    assert result["codeSigningConfigArn"].startswith("arn:aws:lambda:us-east-1:123456789012:code-signing-config:")
    assert result["archive"] == {"model.py": str(scratch / "app" / "model.py"),
                                 "orders.py": str(scratch / "app" / "orders.py")}

    # The console scripts are installed and run (each main returns the exit code the wrapper exits with).
    for script in ("sg-preview", "sg-audit"):
        assert "usage:" in run(str(venv / "bin" / script), "--help", cwd=scratch).stdout
    # The installed preview previews the project it runs in. A wheel carries no policy pack: without --pack-dir
    # it says so in one line (exit 2); with the company pack's directory it judges the scratch project (exit 1:
    # its untagged queue is a mandatory violation).
    (scratch / "Pulumi.yaml").write_text("name: team-orders\nruntime: python\nmain: infra\n")
    (scratch / "Pulumi.dev.yaml").write_text("config:\n  aws:region: us-east-1\n")
    (scratch / "infra").mkdir()
    (scratch / "infra" / "__main__.py").write_text('import pulumi_aws as aws\n\naws.sqs.Queue("orders")\n')
    bad = run(str(venv / "bin" / "sg-preview"), "--all", cwd=scratch, expect=2)
    assert bad.stderr == (f"error: no policy pack next to the installed preview ({site / 'policies'}): name the "
                          "company pack's directory (the one holding PulumiPolicy.yaml) with --pack-dir DIR\n")
    judged = run(str(venv / "bin" / "sg-preview"), "--all", "--pack-dir", str(source / "policies"),
                 "--format", "json", cwd=scratch, expect=1)
    (stack,) = json.loads(judged.stdout)["stacks"]
    assert {(f["ruleId"], f["urn"]) for f in stack["findings"] if f["enforcement"] == "mandatory"} == {
        ("required-tags", "urn:pulumi:dev::team-orders::aws:sqs/queue:Queue::orders")}
