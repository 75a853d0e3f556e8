"""The offline preview: run a stack's program under Pulumi mocks and drive the real policy pack over gRPC.

With no Pulumi CLI, provider plugin or AWS account at hand, this does what ``pulumi preview --policy-pack
policies`` does for the policy part:

1. finds the project (``Pulumi.yaml`` in the working directory or a parent, or ``--project``), reads its
   ``Pulumi.<stack>.yaml`` (in ``stackConfigDir``) and runs its program (``main``, default ``__main__.py``) under mocks
   (``tools.offline_engine``), StackReference outputs coming from ``stacks/outputs/<referenced stack>.json``;
2. starts ``policies/`` as a real analyzer process (``python __main__.py`` in the pack directory; it prints its
   port) and drives it through the Analyzer gRPC interface the CLI uses: GetAnalyzerInfo, Configure (the pack
   config ``policies/config.<env>.json`` with the policies' schema defaults applied and validated, as the CLI
   does), ConfigureStack, Analyze for every resource, AnalyzeStack once;
3. turns the diagnostics into findings and writes a summary, JSON, SARIF 2.1.0 and JUnit XML (``tools.reports``).

Usage::

    python -m tools.preview --all --exclude noncompliant-demo       # every example stack (the main job)
    python -m tools.preview --stack noncompliant-demo --format summary,sarif --out build/policy
    python -m tools.preview --stack saga-orchestration-dev --pack-config policies/config.prod.json --mode up

Exit status (README, "The offline preview"): 0 when no mandatory violation, 1 on any mandatory violation (or
expired exemption), 2 on bad input, configuration or program failure (unknown stack, unreadable or malformed stack
file or pack config, invalid ``GUARDRAILS_TODAY`` or ``--out``, a program that fails or exits, a pack that fails),
130 when interrupted; every error is one line naming what is wrong, never a traceback. A failing program does not
stop the other stacks: the reports list it as not evaluated. The program's own stdout goes to stderr, so reports
on stdout are only reports.
"""
from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Sequence
from typing import Optional

from tools import reports
from tools.preview.errors import PreviewError, describe_exception, one_line
from tools.preview.layout import ROOT, company_pack_dir, find_project
from tools.preview.run import default_jobs, run_preview
from tools.preview.stacks import available_stacks

EXIT_OK, EXIT_VIOLATION, EXIT_BAD_INPUT, EXIT_INTERRUPTED = 0, 1, 2, 130
MAX_JOBS = 64  # each worker holds a whole program's SDK and resources: more than the cores only costs memory


def prepare_out_dir(out_dir: str) -> None:
    """Create ``--out`` before any work, so a path that cannot be a directory fails fast with one line."""
    try:
        os.makedirs(out_dir, exist_ok=True)
    except OSError as exc:
        raise PreviewError(f"--out {out_dir!r}: cannot create the directory: {exc.strerror}") from None


def parse_jobs(value: Optional[str]) -> int:
    if value is None:
        return default_jobs()
    try:
        jobs = int(value)
    except ValueError:
        jobs = 0
    if not 1 <= jobs <= MAX_JOBS:
        raise PreviewError(f"--jobs {value!r}: expected a whole number of worker processes from 1 to {MAX_JOBS}")
    return jobs


def main(argv: Optional[Sequence[str]] = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m tools.preview", description=__doc__.split("\n\n")[0])
    target = parser.add_mutually_exclusive_group(required=True)
    target.add_argument("--stack", action="append", metavar="NAME", help="stack to preview (repeatable)")
    target.add_argument("--all", action="store_true", help="every stacks/Pulumi.<stack>.yaml")
    parser.add_argument("--exclude", action="append", default=[], metavar="NAME",
                        help="with --all: leave this stack out (repeatable), e.g. the non-compliant demo")
    parser.add_argument("--pack-config", metavar="FILE",
                        help="pack config for every stack (default: policies/config.<environment>.json per stack)")
    parser.add_argument("--format", default="summary", help=f"comma-separated: {', '.join(reports.FORMATS)}")
    parser.add_argument("--out", metavar="DIR", help="write each format to DIR (else print to stdout)")
    parser.add_argument("--mode", default="preview", choices=("preview", "up"),
                        help="preview: created values unknown, as `pulumi preview`; up: realistic outputs")
    parser.add_argument("--project", metavar="DIR",
                        help="the Pulumi project to preview (default: the nearest directory from here up with a "
                             "Pulumi.yaml); its stack files are in stackConfigDir, its program is main")
    parser.add_argument("--pack-dir", metavar="DIR",
                        help="the company policy pack's directory (default: policies/ next to this tool; a "
                             "project's own policies/ is never used in its place)")
    parser.add_argument("--jobs", metavar="N", help="run the stacks' programs in N worker processes while the pack "
                        "analyses (default: one per CPU core; 1 runs them in the preview's own process)")
    parser.add_argument("--stacks-dir", help=argparse.SUPPRESS)  # tests: stack files elsewhere than the project's
    parser.add_argument("--program", help=argparse.SUPPRESS)  # tests: another program for the project's stacks
    args = parser.parse_args(argv)
    try:
        return _run(args)
    except KeyboardInterrupt:
        print("error: interrupted", file=sys.stderr)
        return EXIT_INTERRUPTED
    except (PreviewError, ValueError) as exc:
        print(f"error: {one_line(str(exc))}", file=sys.stderr)
        return EXIT_BAD_INPUT
    except Exception as exc:  # pylint: disable=broad-except  # a bug of ours: one line that says where, no traceback
        print(f"error: the preview failed: {describe_exception(exc, ROOT)}", file=sys.stderr)
        return EXIT_BAD_INPUT


def _run(args: argparse.Namespace) -> int:
    formats = reports.parse_formats(args.format)
    project = find_project(args.project)
    stacks_dir = args.stacks_dir or project.stacks_dir
    names = args.stack or [n for n in available_stacks(stacks_dir) if n not in args.exclude]
    if not names:
        raise PreviewError(f"no stack files (Pulumi.<stack>.yaml) in {stacks_dir}")
    jobs = parse_jobs(args.jobs)
    pack_dir = company_pack_dir(args.pack_dir)
    if args.out:
        prepare_out_dir(args.out)
    run = run_preview(names, pack_dir=pack_dir, pack_config=args.pack_config, mode=args.mode,
                      stacks_dir=stacks_dir, program=args.program or project.program, root=project.root,
                      jobs=jobs)
    if args.out:
        try:
            written = reports.write_reports(run.report, formats, args.out)
        except OSError as exc:
            raise PreviewError(f"--out {args.out!r}: cannot write {exc.filename}: {exc.strerror}") from None
        for fmt, path in written.items():
            print(f"wrote {fmt}: {path}", file=sys.stderr)
        if "summary" in formats:
            sys.stdout.write(reports.render_summary(run.report))
    else:
        for fmt in formats:
            sys.stdout.write(reports.RENDERERS[fmt](run.report))
    for stack in run.report.errors:
        print(f"error: {stack.error}", file=sys.stderr)
    if run.report.errors:
        return EXIT_BAD_INPUT
    return EXIT_OK if run.report.passed else EXIT_VIOLATION
