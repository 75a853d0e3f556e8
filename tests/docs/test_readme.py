"""The README says what the code does: generated tables are fresh, every implemented architecture has its row
and its example stack, and every documented config key exists."""
import re
import subprocess
import sys
from pathlib import Path

from components import architectures
from components.governance import SETTINGS

ROOT = Path(__file__).resolve().parents[2]
README = (ROOT / "README.md").read_text()


def test_guardrail_table_is_generated_from_the_catalogue():
    result = subprocess.run([sys.executable, "-m", "tools.gen_docs", "--check"], cwd=ROOT,
                            capture_output=True, text=True)
    assert result.returncode == 0, result.stderr


def catalogue_rows() -> set:
    section = README.split("## Catalogue", 1)[1].split("\n## ", 1)[0]
    return set(re.findall(r"^\| `([a-z0-9-]+)` \|", section, flags=re.M))


def test_every_implemented_architecture_has_a_readme_row_and_an_example_stack():
    implemented = {entry.id for entry in architectures.implemented()} - {"noncompliant-demo"}
    assert catalogue_rows() == implemented
    for architecture in implemented:
        stack = f"{architecture}-dev"
        assert (ROOT / "stacks" / f"Pulumi.{stack}.yaml").is_file(), stack


def test_every_governance_setting_is_documented():
    for key in SETTINGS:
        assert f"| `{key}` |" in README, key
