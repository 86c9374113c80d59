"""``make bench`` is not part of ``make test``, so nothing else would notice a suite that no
longer runs (an import moved) or measures nothing (a rate of 0 because what it counts
changed shape). A quick run of every suite, its figures read back from the JSON."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from bench.__main__ import SUITES

ROOT = Path(__file__).resolve().parents[1]


@pytest.mark.slow
def test_every_bench_suite_runs_quick_and_measures_something(tmp_path: Path) -> None:
    results = tmp_path / "results.json"
    done = subprocess.run(
        [sys.executable, "-m", "bench", "--quick", "--results", str(results)],
        cwd=ROOT, capture_output=True, text=True, timeout=600, check=False,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr[-3000:]
    figures = json.loads(results.read_text())
    assert set(SUITES) <= set(figures)
    rates = {
        f"{suite}.{name}": value
        for suite in SUITES
        for name, value in figures[suite].items()
        if name.endswith("_per_s")
    }
    assert rates, "no suite reports a rate"
    assert {name: value for name, value in rates.items() if not value > 0} == {}
