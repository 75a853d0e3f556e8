"""The stack's program under Pulumi mocks (``tools.offline_engine``), as the CLI's language host would run it."""
from __future__ import annotations

import contextlib
import gc
import json
import logging
import os
import runpy
import sys
import warnings
from typing import Optional

import pulumi

from tools import offline_engine
from tools.preview.errors import PreviewError, describe_exception, one_line
from tools.preview.layout import PROGRAM
from tools.preview.stacks import StackFile, project_name, read_text


class PreviewMocks(offline_engine.GovernanceMocks):
    """GovernanceMocks plus StackReference outputs read from ``stacks/outputs/<stack>.json``.

    The SDK's StackReference reads ``pulumi:pulumi:StackReference`` through the engine; the engine answers with
    ``{"name", "outputs", "secretOutputNames"}``, which is what this returns (outputs are known at preview too).
    A fully-qualified name (``org/project/platform-dev``) reads ``platform-dev.json``.
    """

    STACK_REFERENCE = "pulumi:pulumi:StackReference"

    def __init__(self, preview: bool, outputs_dir: str) -> None:
        super().__init__(preview=preview)
        self.outputs_dir = outputs_dir

    def new_resource(self, args):
        if args.typ != self.STACK_REFERENCE:
            return super().new_resource(args)
        name = args.inputs.get("name") or args.name
        stack = str(name).split("/")[-1]
        path = os.path.join(self.outputs_dir, f"{stack}.json")
        if not os.path.isfile(path):
            raise PreviewError(
                f"StackReference {name!r}: no outputs file {path}; write the referenced stack's outputs there "
                f"as a JSON object (e.g. from `pulumi stack output --json -s {name}`)"
            )
        text = read_text(path, f"StackReference {name!r}: outputs file {path}")
        try:
            outputs = json.loads(text)
        except json.JSONDecodeError as exc:
            raise PreviewError(f"StackReference {name!r}: {path} is not valid JSON: {exc}") from None
        if not isinstance(outputs, dict):
            raise PreviewError(f"StackReference {name!r}: {path} must hold a JSON object of outputs")
        return name, {"name": name, "outputs": outputs, "secretOutputNames": []}


def run_stack_program(stack: StackFile, *, program: str = PROGRAM, mode: str = "preview",
                      project: Optional[str] = None) -> list:
    """Run ``program`` with the stack's config under mocks; returns the registered resources in order."""
    project = project or project_name()
    preview = mode == "preview"
    mocks = PreviewMocks(preview=preview, outputs_dir=os.path.join(os.path.dirname(stack.path), "outputs"))
    program = os.path.abspath(program)
    program_dir = os.path.dirname(program)

    # A project's __main__.py runs as the CLI's language host runs it, from its directory: runpy puts that
    # directory first on the import path for the run (so the program's own modules import) and removes it after.
    target = program_dir if os.path.basename(program) == "__main__.py" else program

    def run() -> None:
        with program_stdout_to_stderr():
            runpy.run_path(target, run_name="__main__")

    cwd = os.getcwd()
    # The SDK allocates many futures per resource; with the cyclic GC on, large stacks spend most of their time
    # in collections (measured: 3,000 resources 7.5 s -> 3.8 s). Nothing here builds cycles worth collecting.
    gc_was_enabled = gc.isenabled()
    gc.disable()
    failure = None
    try:
        os.chdir(program_dir)  # as the CLI runs a program from its project directory
        return offline_engine.run_program(run, config=stack.config, project=project, stack=stack.name,
                                          preview=preview, mocks=mocks)
    except PreviewError as exc:  # raised by our mocks (a missing outputs file), wrapped or not by the SDK
        failure = str(exc)
    except offline_engine.ProgramError as exc:  # pulumi.RunError (ConfigError...): a message for the user
        failure = f"stack {stack.name}: {_cause(exc)}"
    except SystemExit as exc:  # the program called sys.exit(): it did not finish, so nothing can be judged
        failure = f"stack {stack.name}: the program exited early with sys.exit({exc.code!r})"
    except Exception as exc:  # a bug in the program: one line, with where it was raised
        failure = f"stack {stack.name}: the program failed: {describe_exception(exc, program_dir)}"
    finally:
        os.chdir(cwd)
        if gc_was_enabled:
            gc.enable()
    # A failed run leaves SDK futures holding the same error; collect them now and quietly, rather than have
    # asyncio log "exception was never retrieved" tracebacks at some later, arbitrary point.
    asyncio_logger = logging.getLogger("asyncio")
    level = asyncio_logger.level
    asyncio_logger.setLevel(logging.CRITICAL)
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", RuntimeWarning)  # "coroutine ... was never awaited", same cause
            gc.collect()
    finally:
        asyncio_logger.setLevel(level)
    raise PreviewError(failure)


def _cause(exc: BaseException) -> str:
    """The innermost ``pulumi.RunError``'s message (the one written for the user, e.g. a ConfigTypeError naming
    the key, the value and what is expected), not the low-level error it was raised from."""
    seen = {id(exc)}
    while (isinstance(exc.__cause__, (pulumi.RunError, offline_engine.ProgramError)) and str(exc.__cause__)
           and id(exc.__cause__) not in seen):  # the SDK may raise an error "from" itself
        exc = exc.__cause__
        seen.add(id(exc))
    return one_line(str(exc))


@contextlib.contextmanager
def program_stdout_to_stderr():
    """While the program runs, what it prints goes to stderr: stdout carries only the reports (JSON, SARIF...).

    Both ``sys.stdout`` and file descriptor 1 (which subprocesses and C extensions write to) are redirected.
    """
    sys.stdout.flush()
    try:
        saved = os.dup(1)
    except OSError:  # no file descriptor 1 (a closed stdout): nothing to protect at the fd level
        saved = None
    if saved is not None:
        os.dup2(2, 1)
    try:
        with contextlib.redirect_stdout(sys.stderr):
            yield
    finally:
        sys.stderr.flush()
        if saved is not None:
            os.dup2(saved, 1)
            os.close(saved)

