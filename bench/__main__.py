"""Run the benchmark suites, print their figures and write them to bench/results.json.

Each suite is a module of this package with ``run(quick: bool) -> dict[str, object]``;
``--quick`` shrinks the workloads for a smoke run. ``--only NAME`` runs one suite.
"""

from __future__ import annotations

import argparse
import importlib
import json
import platform
import sys
import time
from pathlib import Path

SUITES: tuple[str, ...] = ("export", "emulator", "store", "rules", "decide", "push")
RESULTS = Path(__file__).with_name("results.json")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench", description=__doc__)
    parser.add_argument("--quick", action="store_true", help="small workloads (smoke run)")
    parser.add_argument("--only", choices=SUITES, action="append", help="run only this suite")
    parser.add_argument(
        "--results", type=Path, default=RESULTS, metavar="FILE",
        help="where the figures are written as JSON (default bench/results.json)",
    )  # fmt: skip
    args = parser.parse_args(argv)
    results: dict[str, object] = {
        "when": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
        "python": platform.python_version(),
        "machine": f"{platform.machine()} x{_cpu_count()}",
        "quick": args.quick,
    }
    for name in args.only or SUITES:
        print(f"== {name}", flush=True)
        module = importlib.import_module(f"bench.{name}")
        figures = module.run(quick=args.quick)
        for key, value in figures.items():
            print(f"   {key:<44} {value}")
        results[name] = figures
    args.results.write_text(json.dumps(results, indent=2) + "\n")
    print(f"written to {args.results}")
    return 0


def _cpu_count() -> int:
    import os

    return len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else 1


if __name__ == "__main__":
    sys.exit(main())
