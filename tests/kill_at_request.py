"""SIGKILL a ``python -m sync ...`` run at a chosen request of its own, for the kill -9 tests.

The emulator applies the chosen request and holds its answer (a ``timeout_after_apply``
fault, held longer than any test), so the worker is stuck right there until the kill: the
moment exists however slow the machine is, and a kill that comes late cannot let the
worker get further than planned. A request is chosen by count (the run's ``nth`` matching
one), never by a delay.
"""

from __future__ import annotations

import signal
import subprocess
import sys
from pathlib import Path

from emulator import Emulator, FaultKind, FaultRule

#: How long the emulator holds the chosen answer: past any test (its stop releases it).
HELD = 3600.0
#: How long a killed process may take to be reaped.
REAP_TIMEOUT = 60.0


def held(nth: int, *, method: str = "*", path: str = "") -> FaultRule:
    """The run's ``nth`` request of ``method`` ("*": any) to ``path`` (a regex searched in
    the path): applied, its answer held."""
    return FaultRule(
        kind=FaultKind.TIMEOUT_AFTER_APPLY, method=method, path=path, nth=nth, delay=HELD
    )


def kill_at(
    emulator: Emulator, point: FaultRule, args: list[str], env: dict[str, str], cwd: Path
) -> bool:
    """Run ``python -m sync *args`` and SIGKILL it once it is stuck on ``point``; True when
    it was killed there, False when it ended before reaching it."""
    emulator.faults.add(point)
    process = subprocess.Popen(
        [sys.executable, "-m", "sync", *args], env=env, cwd=cwd,
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )  # fmt: skip
    try:
        while not point.fired:
            try:
                process.wait(timeout=0.01)  # wakes on exit; else looks at the rule again
            except subprocess.TimeoutExpired:
                continue
            return False  # it ended before its chosen request
        process.send_signal(signal.SIGKILL)
        process.wait(timeout=REAP_TIMEOUT)
        return process.returncode == -signal.SIGKILL
    finally:
        emulator.faults.clear()
        if process.poll() is None:
            process.kill()
            process.wait()
