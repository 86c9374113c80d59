"""A Zendesk that accepts connections and never answers (the emulator's ``hang`` fault on
the export): the cycle holds on only until its deadline (``sync.cycle_deadline_seconds``),
stops at the next safe boundary (here: the retry's wait), says the cycle is incomplete
(exit 1), and a later run with Zendesk answering again ends exactly like an uninterrupted
one. Without a deadline such a cycle waits out every attempt's timeout and backoff, request
after request (hours for a push of many tickets)."""

from __future__ import annotations

import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import pytest

from emulator import FaultKind, FaultRule
from tests.push.conftest import ROOT
from tests.push.test_kill import outbox_of
from tests.push.test_shutdown import (
    PATIENCE,
    Outbox,
    _assert_consistent,
    _emulator,
    _env,
    _run_to_the_end,
    uninterrupted,
)

__all__ = ["uninterrupted"]  # the fixture, shared with test_shutdown

pytestmark = pytest.mark.slow

DEADLINE = 6


def test_a_hanging_zendesk_holds_a_cycle_only_until_its_deadline(
    uninterrupted: tuple[dict[str, Any], Outbox], tmp_path: Path
) -> None:
    database = tmp_path / "zdsync.db"
    with _emulator() as emulator:
        env = _env(emulator, tmp_path)
        config = Path(env["ZDSYNC_CONFIG"])
        config.write_text(
            config.read_text().replace(
                "interval_seconds: 1",
                f"interval_seconds: 1\n  request_timeout_seconds: 1\n"
                f"  cycle_deadline_seconds: {DEADLINE}",
            )
        )
        hang = emulator.faults.add(FaultRule(FaultKind.HANG, method="GET", path="/incremental/"))
        started = time.monotonic()
        done = subprocess.run(
            [sys.executable, "-m", "sync", "once"], env=env, cwd=ROOT, capture_output=True,
            text=True, timeout=PATIENCE, check=False,
        )  # fmt: skip
        seconds = time.monotonic() - started
        print(f"\n`zdsync once` against a hanging Zendesk, deadline {DEADLINE}s: {seconds:.1f}s")
        output = done.stdout + done.stderr
        assert done.returncode == 1, output
        assert f"the cycle's deadline of {DEADLINE}s passed" in output
        assert "Traceback" not in output
        assert hang.fired >= 1  # the export was asked for, and never answered
        assert not [r for r in emulator.request_log if "/incremental/" in r.path]
        _assert_consistent(emulator.snapshot(), outbox_of(database))
        emulator.faults.clear()
        _run_to_the_end(env, database)
        snapshot, outbox = uninterrupted
        assert emulator.snapshot() == snapshot
        assert outbox_of(database) == outbox
