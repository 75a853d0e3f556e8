"""The benchmark's synthetic stack is compliant with the dev pack config (so the benchmark measures the pack's
full work on passing resources, not error paths), and its harness reports what it measured."""
from benchmarks import preview_benchmark


def test_synthetic_stack_is_compliant_and_measured(capsys):
    (row,) = preview_benchmark.run([25])
    assert row["resources"] == 25
    assert (row["findings"], row["mandatory"]) == (0, 0)
    assert 0 < row["startup"] < row["total"]
    assert row["program"] > 0 and row["analyze"] > 0
    assert capsys.readouterr().out.startswith("     25 resources | pack start-up ")
