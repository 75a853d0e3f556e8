"""Benchmark of the offline preview (not a timed test): synthetic stacks through the real pack.

    python -m benchmarks.preview_benchmark                 # 1,000 and 10,000 resources
    python -m benchmarks.preview_benchmark 1000 5000 20000
    python -m benchmarks.preview_benchmark --pack benchmarks/floor_pack 10000   # pulumi-policy's own floor

For each size it runs the whole offline preview (``tools.preview.run_preview``: program under mocks, pack
started as a process, Configure, Analyze per resource, AnalyzeStack) on a synthetic stack
(``benchmarks/synthetic_program``: roles, functions, log groups, queues, state machines built the governed way,
with the platform-dev governance values) and prints:

* pack start-up: process start to an answered GetAnalyzerInfo (budget: under 1 s);
* program: running the program under Pulumi mocks (the Pulumi SDK's cost, not the pack's);
* analysis: every Analyze call plus AnalyzeStack (also shown alone), and resources per second (budget: 10,000
  in under 10 s, linear: the per-resource cost at the largest size should stay within ~1.5x of the smallest).
"""
from __future__ import annotations

import json
import os
import sys
import tempfile
import time

from tools.preview import run_preview
from tools.preview.layout import PACK_DIR, ROOT

PROGRAM = os.path.join(ROOT, "benchmarks", "synthetic_program", "__main__.py")
DEFAULT_SIZES = (1000, 10000)


def governance() -> dict:
    """The platform-dev values (stacks/outputs/platform-dev.json), shaped for the synthetic program."""
    with open(os.path.join(ROOT, "stacks", "outputs", "platform-dev.json"), encoding="utf-8") as handle:
        out = json.load(handle)
    return {
        "boundary": out["permissionsBoundaryArn"],
        "layers": [out["companyLayerArn"], out["powertoolsLayerArn"]],
        "csc": out["codeSigningConfigArn"],
        "kms": out["kmsKeyArn"],
        "dlq": "arn:aws:sqs:us-east-1:123456789012:benchmark-dlq",
        "logGroupArn": "arn:aws:logs:us-east-1:123456789012:log-group:/aws/vendedlogs/states/benchmark",
        "tags": {**out["requiredTags"], "service-id": "benchmark"},
    }


def write_stack(stacks_dir: str, size: int) -> str:
    name = f"synthetic-{size}"
    document = {"config": {
        "serverless-governance:resources": str(size),
        "serverless-governance:governance": governance(),
    }}
    with open(os.path.join(stacks_dir, f"Pulumi.{name}.yaml"), "w", encoding="utf-8") as handle:
        json.dump(document, handle)  # JSON is YAML
    return name


def run(sizes, pack_dir: str = PACK_DIR) -> list:
    rows = []
    with tempfile.TemporaryDirectory() as stacks_dir:
        for size in sizes:
            name = write_stack(stacks_dir, size)
            started = time.perf_counter()
            result = run_preview([name], stacks_dir=stacks_dir, program=PROGRAM, pack_dir=pack_dir,
                                 pack_config=os.path.join(ROOT, "policies", "config.dev.json"))
            total = time.perf_counter() - started
            timing = result.timings[name]
            (stack,) = result.report.stacks
            rows.append({
                "resources": timing["resources"], "startup": result.startup_seconds, "program": timing["program"],
                "analyze": timing["analyze"], "analyze_stack": timing["analyze_stack"], "total": total,
                "findings": len(stack.findings),
                "mandatory": stack.mandatory_violations,
            })
            print_row(rows[-1])
    return rows


def print_row(row: dict) -> None:
    n = row["resources"]
    print(f"{n:>7} resources | pack start-up {row['startup']:.2f} s | program {row['program']:6.2f} s "
          f"({n / row['program']:7.0f}/s) | analysis {row['analyze']:6.2f} s ({n / row['analyze']:7.0f}/s, "
          f"{1000 * row['analyze'] / n:.3f} ms each; AnalyzeStack {row['analyze_stack']:.2f} s) | "
          f"total {row['total']:6.2f} s | "
          f"findings {row['findings']} ({row['mandatory']} mandatory)", flush=True)


def main(argv) -> int:
    argv = list(argv)
    pack_dir = PACK_DIR
    if "--pack" in argv:  # another pack directory, e.g. benchmarks/floor_pack (no-op validators)
        index = argv.index("--pack")
        pack_dir = os.path.abspath(argv[index + 1])
        del argv[index:index + 2]
    sizes = [int(a) for a in argv] or list(DEFAULT_SIZES)
    print(f"offline preview benchmark on {os.cpu_count()} cores (pack: {pack_dir})")
    rows = run(sizes, pack_dir)
    first, last = rows[0], rows[-1]
    per_first = first["analyze"] / first["resources"]
    per_last = last["analyze"] / last["resources"]
    print(f"analysis cost per resource, {last['resources']} vs {first['resources']}: {per_last / per_first:.2f}x "
          f"(1.0 = linear)")
    budget = [r for r in rows if r["resources"] == 10000]
    if budget:
        r = budget[0]
        print(f"budget 10,000 resources < 10 s: analysis {r['analyze']:.2f} s, start-up {r['startup']:.2f} s "
              f"(< 1 s), end to end with the program under mocks {r['total']:.2f} s")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
