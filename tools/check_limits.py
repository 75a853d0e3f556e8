"""Deploy-readiness check: every name and value an example stack sets, against what AWS accepts.

Mocks and moto enforce no name limits and no value ranges, so this runs each stack's program under mocks in
``up`` mode (so names built from other resources' outputs are known; autonamed resources get pulumi-aws's
autoname, the logical name + ``-`` + 7 random characters) and checks every resource against the one table in
``components/governed/aws_limits.py``. One line per offender: URN, property, value, limit.

    python -m tools.check_limits --all
    python -m tools.check_limits saga-orchestration-dev sync-express-form-dev

Exit status: 0 when every stack is within the limits, 1 when something is not, 2 when a stack cannot run.
"""
from __future__ import annotations

import argparse
import sys
from collections.abc import Mapping, Sequence
from typing import Any, NamedTuple, Optional

from components.governed.aws_limits import name_problems, value_problems
from tools.offline_engine import Registered
from tools.preview.errors import PreviewError
from tools.preview.layout import STACKS_DIR
from tools.preview.program import run_stack_program
from tools.preview.stacks import available_stacks, load_stack


class Offender(NamedTuple):
    """One name or value AWS would refuse."""

    urn: str
    property: str
    value: Any
    limit: str

    def __str__(self) -> str:
        return f"{self.urn}: {self.property} = {self.value}; limit: {self.limit}"


def check_resources(resources: Sequence[Registered]) -> list[Offender]:
    """Every name and value outside AWS's limits among ``resources`` (as recorded in up mode)."""
    offenders = []
    for resource in resources:
        if not resource.custom:
            continue
        for problem in [*name_problems(resource.type, resource.name, resource.inputs),
                        *value_problems(resource.type, resource.inputs)]:
            offenders.append(Offender(resource.urn, problem.property, problem.value, problem.limit))
    return offenders


def check_stack(name: str, *, parameters: Optional[Mapping[str, Any]] = None,
                stacks_dir: str = STACKS_DIR) -> list[Offender]:
    """Run ``stacks/Pulumi.<name>.yaml`` under mocks in up mode and check it; ``parameters`` are merged into the
    stack's ``parameters`` config (e.g. a test's ``layer_build_dir``). Raises ``PreviewError``."""
    stack = load_stack(name, stacks_dir=stacks_dir)
    if parameters:
        key = f"{stack.project}:parameters"
        stack.config[key] = {**(stack.config.get(key) or {}), **parameters}
    return check_resources(run_stack_program(stack, mode="up"))


def main(argv: Optional[Sequence[str]] = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m tools.check_limits", description=__doc__.splitlines()[0])
    target = parser.add_mutually_exclusive_group(required=True)
    target.add_argument("--all", action="store_true", help="every stacks/Pulumi.<stack>.yaml")
    target.add_argument("stacks", nargs="*", default=[], help="stack names (stacks/Pulumi.<stack>.yaml)")
    options = parser.parse_args(argv)
    names = available_stacks() if options.all else options.stacks
    status = 0
    for name in names:
        try:
            offenders = check_stack(name)
        except PreviewError as exc:
            print(f"{name}: cannot run: {exc}", file=sys.stderr)
            status = 2
            continue
        for offender in offenders:
            print(offender)
        print(f"{name}: {len(offenders)} name or value outside AWS's limits" if offenders
              else f"{name}: every name and value within AWS's limits")
        if offenders and status == 0:
            status = 1
    return status


if __name__ == "__main__":
    sys.exit(main())
