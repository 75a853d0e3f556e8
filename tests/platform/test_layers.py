"""The layer build skips a layer whose inputs and output did not change.

pip itself cannot run here without reaching an index for Lambda's platform, so ``subprocess.run`` (the one place
the build starts pip) is replaced by a fake that records each command and writes what pip would: a package under
``--target``. Everything else (inputs, stamps, digests, the command line) is the real code.
"""
from __future__ import annotations

import json
import subprocess
from pathlib import Path

import pytest

from components.platform import layers


class FakePip:
    """Stands in for ``subprocess.run(pip install ... --target DIR ...)``: writes one module per requirement."""

    def __init__(self) -> None:
        self.commands: list[list[str]] = []
        self.fail = False

    def __call__(self, command, check):
        assert check is True
        self.commands.append(command)
        target = Path(command[command.index("--target") + 1])
        (target / "pkg").mkdir(parents=True, exist_ok=True)
        (target / "pkg" / "__init__.py").write_text(f"# {command[-1]}\n")
        if self.fail:  # pip died half-way: some files written, then an error
            raise subprocess.CalledProcessError(1, command)
        (target / "pkg" / "core.py").write_text("VALUE = 1\n")
        return subprocess.CompletedProcess(command, 0)


@pytest.fixture
def pip(monkeypatch):
    fake = FakePip()
    monkeypatch.setattr(layers.subprocess, "run", fake)
    return fake


def test_first_build_builds_and_writes_the_stamp(pip, tmp_path):
    status = layers.build({"tools": ["requests==2.32.3"]}, tmp_path)

    assert status == {"tools": "built"}
    assert len(pip.commands) == 1
    assert pip.commands[0][-3:] == ["--target", str(tmp_path / "tools" / "python"), "requests==2.32.3"]
    stamp = json.loads((tmp_path / "tools.stamp.json").read_text())
    assert stamp["inputs"] == {
        "requirements": ["requests==2.32.3"], "requirement_files": {}, "platform": "manylinux2014_x86_64",
        "python_version": "3.12", "implementation": "cp", "pip": layers.metadata.version("pip"),
    }
    assert stamp["output"] == layers.output_digest(tmp_path / "tools" / "python")
    # the stamp sits next to the layer directory, so it is not packaged in the layer
    assert sorted(layers.layer_files(tmp_path / "tools")) == ["python/pkg/__init__.py", "python/pkg/core.py"]


def test_unchanged_inputs_skip_pip(pip, tmp_path):
    layers.build({"tools": ["requests==2.32.3"]}, tmp_path)

    assert layers.build({"tools": ["requests==2.32.3"]}, tmp_path) == {"tools": "up to date"}
    assert len(pip.commands) == 1


def test_force_rebuilds_unchanged_inputs(pip, tmp_path):
    layers.build({"tools": ["requests==2.32.3"]}, tmp_path)

    assert layers.build({"tools": ["requests==2.32.3"]}, tmp_path, force=True) == {"tools": "built"}
    assert len(pip.commands) == 2


def test_a_changed_requirement_rebuilds_from_a_clean_directory(pip, tmp_path):
    layers.build({"tools": ["requests==2.32.3"]}, tmp_path)
    (tmp_path / "tools" / "python" / "dropped.py").write_text("")  # what the old requirement left

    assert layers.build({"tools": ["requests==2.32.4"]}, tmp_path) == {"tools": "built"}
    assert pip.commands[-1][-1] == "requests==2.32.4"
    assert not (tmp_path / "tools" / "python" / "dropped.py").exists()
    assert json.loads((tmp_path / "tools.stamp.json").read_text())["inputs"]["requirements"] == ["requests==2.32.4"]


def test_a_changed_pin_in_a_requirements_file_rebuilds(pip, tmp_path):
    requirements = tmp_path / "requirements.txt"
    requirements.write_text("PyJWT==2.15.1\n")
    spec = {"deps": ["-r", str(requirements)]}
    layers.build(spec, tmp_path / "out")
    assert layers.build(spec, tmp_path / "out") == {"deps": "up to date"}

    requirements.write_text("PyJWT==2.15.2\n")

    assert layers.build(spec, tmp_path / "out") == {"deps": "built"}
    assert len(pip.commands) == 2
    stamp = json.loads((tmp_path / "out" / "deps.stamp.json").read_text())
    assert stamp["inputs"]["requirement_files"] == {str(requirements): "PyJWT==2.15.2\n"}


def test_another_pip_version_rebuilds(pip, tmp_path, monkeypatch):
    layers.build({"tools": ["requests==2.32.3"]}, tmp_path)
    monkeypatch.setattr(layers.metadata, "version", lambda _name: "0.0.1")

    assert layers.build({"tools": ["requests==2.32.3"]}, tmp_path) == {"tools": "built"}


def test_an_interrupted_build_leaves_no_stamp_and_rebuilds(pip, tmp_path):
    pip.fail = True
    with pytest.raises(subprocess.CalledProcessError):
        layers.build({"tools": ["requests==2.32.3"]}, tmp_path)
    assert (tmp_path / "tools" / "python" / "pkg" / "__init__.py").is_file()  # half-written
    assert not (tmp_path / "tools.stamp.json").exists()

    pip.fail = False
    assert layers.build({"tools": ["requests==2.32.3"]}, tmp_path) == {"tools": "built"}
    assert (tmp_path / "tools" / "python" / "pkg" / "core.py").is_file()


def test_output_changed_after_the_build_rebuilds(pip, tmp_path):
    layers.build({"tools": ["requests==2.32.3"]}, tmp_path)
    (tmp_path / "tools" / "python" / "pkg" / "core.py").unlink()  # a half-deleted layer directory

    assert layers.build({"tools": ["requests==2.32.3"]}, tmp_path) == {"tools": "built"}
    assert len(pip.commands) == 2


def test_a_missing_output_directory_rebuilds(pip, tmp_path):
    layers.build({"tools": ["requests==2.32.3"]}, tmp_path)
    layers.shutil.rmtree(tmp_path / "tools")

    assert layers.build({"tools": ["requests==2.32.3"]}, tmp_path) == {"tools": "built"}


def test_a_corrupt_stamp_rebuilds(pip, tmp_path):
    layers.build({"tools": ["requests==2.32.3"]}, tmp_path)
    (tmp_path / "tools.stamp.json").write_text("{not json")

    assert layers.build({"tools": ["requests==2.32.3"]}, tmp_path) == {"tools": "built"}


def test_main_prints_one_line_per_layer(pip, tmp_path, monkeypatch, capsys):
    monkeypatch.setattr(layers, "ROOT", tmp_path)
    monkeypatch.setattr(layers, "BUILT_LAYERS", {"tools": ["requests==2.32.3"]})

    assert layers.main([]) == 0
    assert layers.main([]) == 0
    assert layers.main(["--force"]) == 0
    out = tmp_path / "build" / "layers" / "tools"
    assert capsys.readouterr().out.splitlines() == [
        f"layer tools: built ({out})", f"layer tools: up to date ({out})", f"layer tools: built ({out})"]


def test_main_reports_a_pip_failure_in_one_line(pip, tmp_path, monkeypatch, capsys):
    monkeypatch.setattr(layers, "ROOT", tmp_path)
    monkeypatch.setattr(layers, "BUILT_LAYERS", {"tools": ["requests==2.32.3"]})
    pip.fail = True

    assert layers.main([]) == 1
    err = capsys.readouterr().err
    assert err.startswith("error: pip failed with status 1: ") and err.count("\n") == 1
