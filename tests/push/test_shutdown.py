"""SIGTERM in the middle of a long cycle: the worker stops at the next safe boundary within
the 10 s a container platform gives it, leaves what it committed consistent, and the next
run ends exactly like an uninterrupted one (same Zendesk end state, same outbox, no note
twice).

The cycle is made long with the emulator's ``slow`` fault (export pages, audit listings,
ticket updates); the signal is sent once the emulator's request log shows the worker deep
in the step (an event, not a time). The time from the signal to the exit is printed as a
figure; the only bound asserted is the 10 s.
"""

from __future__ import annotations

import signal
import subprocess
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from emulator import Emulator, FaultKind, FaultRule, LoggedRequest, RateLimits, Scenario
from sync.push.merge import refs_in
from tests.push.conftest import PUSH_CONFIG, PUSH_SCENARIO, ROOT, TOKEN, compared_worlds_start
from tests.push.test_kill import outbox_of
from tests.worker_env import worker_env

pytestmark = pytest.mark.slow

#: The exit the issue asks for after SIGTERM, and what a container platform waits.
GRACE = 10.0
PATIENCE = 120.0
EXPORT = r"/incremental/tickets/cursor"
AUDITS = r"/tickets/\d+/audits"
UPDATE = r"/tickets/\d+$"
Outbox = dict[str, str]


@dataclass(frozen=True)
class Long:
    """How a step is made long, and when it is deep enough in it to be signalled."""

    fault: FaultRule
    deep_enough: Callable[[list[LoggedRequest]], bool]


def _count(requests: list[LoggedRequest], method: str, path: str) -> int:
    return sum(1 for r in requests if r.method == method and path in r.path)


LONG = {
    # 12 export pages of 5 tickets, 0.5 s each: signalled after the third.
    "export": Long(
        FaultRule(FaultKind.SLOW, method="GET", path=EXPORT, delay=0.5),
        lambda log: _count(log, "GET", "/incremental/") >= 3,
    ),
    # 60 audit listings, 0.3 s each on 4 fetchers: signalled after 8.
    "audits": Long(
        FaultRule(FaultKind.SLOW, method="GET", path=AUDITS, delay=0.3),
        lambda log: _count(log, "GET", "/audits") >= 8,
    ),
    # 48 updates, 0.4 s each: signalled after 5.
    "push": Long(
        FaultRule(FaultKind.SLOW, method="PUT", path=UPDATE, delay=0.4),
        lambda log: _count(log, "PUT", "/tickets/") >= 5,
    ),
}


@pytest.fixture(scope="module")
def uninterrupted(tmp_path_factory: pytest.TempPathFactory) -> tuple[dict[str, Any], Outbox]:
    """The end state of runs that nothing interrupted."""
    folder = tmp_path_factory.mktemp("uninterrupted")
    with _emulator() as emulator:
        env = _env(emulator, folder)
        _run_to_the_end(env, folder / "zdsync.db")
        return emulator.snapshot(), outbox_of(folder / "zdsync.db")


@pytest.mark.parametrize("command", ["once", "run"])
@pytest.mark.parametrize("step", sorted(LONG))
def test_sigterm_stops_a_long_cycle_at_a_safe_boundary(
    step: str,
    command: str,
    uninterrupted: tuple[dict[str, Any], Outbox],
    tmp_path: Path,
) -> None:
    long = LONG[step]
    database = tmp_path / "zdsync.db"
    with _emulator() as emulator:
        env = _env(emulator, tmp_path)
        emulator.faults.add(long.fault)
        log = tmp_path / f"{command}.log"
        with log.open("wb") as out:
            process = subprocess.Popen(
                [sys.executable, "-m", "sync", command], env=env, cwd=ROOT, stdout=out,
                stderr=subprocess.STDOUT,
            )  # fmt: skip
        try:
            _wait(lambda: long.deep_enough(emulator.request_log) or process.poll() is not None)
            assert process.poll() is None, f"it finished before the signal:\n{log.read_text()}"
            signalled = time.monotonic()
            process.send_signal(signal.SIGTERM)
            process.wait(timeout=PATIENCE)
            seconds = time.monotonic() - signalled
        finally:
            if process.poll() is None:
                process.kill()
                process.wait()
        text = log.read_text()
        print(f"\nSIGTERM in the {step} step of `zdsync {command}`: exited in {seconds:.2f}s")
        assert process.returncode == (143 if command == "once" else 0), text
        assert seconds < GRACE, text
        assert "Traceback" not in text, text
        assert "stopping at a safe boundary" in text or "stopped early" in text, text
        _assert_consistent(emulator.snapshot(), outbox_of(database))
        emulator.faults.clear()
        _run_to_the_end(env, database)
        snapshot, outbox = uninterrupted
        assert emulator.snapshot() == snapshot
        assert outbox_of(database) == outbox


def _assert_consistent(snapshot: dict[str, Any], outbox: dict[str, str]) -> None:
    """After the stop: every note in Zendesk once, and the outbox knows each one it wrote
    (an entry is applied, or still pending to be sent or found next time); none failed."""
    refs = [
        ref
        for document in snapshot["tickets"].values()
        for comment in document["comments"]
        if comment["author_id"] == 1
        for ref in refs_in(comment["body"])
    ]
    assert len(refs) == len(set(refs))
    assert set(outbox.values()) <= {"applied", "pending"}


def _run_to_the_end(env: dict[str, str], database: Path) -> None:
    for _ in range(5):
        done = subprocess.run(
            [sys.executable, "-m", "sync", "once"], env=env, cwd=ROOT, capture_output=True,
            text=True, timeout=PATIENCE, check=False,
        )  # fmt: skip
        waiting = {k: v for k, v in outbox_of(database).items() if v in {"pending", "failed"}}
        if done.returncode == 0 and not waiting:
            return
    raise AssertionError(f"still waiting after 5 runs: {waiting}\n{done.stdout}\n{done.stderr}")


def _emulator() -> Emulator:
    return Emulator(
        Scenario.load(PUSH_SCENARIO),
        start=compared_worlds_start(),
        frozen=True,
        rate_limits=RateLimits.disabled(),
    )


def _env(emulator: Emulator, folder: Path) -> dict[str, str]:
    """The push world's configuration with small export pages (many boundaries) and a
    daemon interval of a second."""
    config = folder / "zdsync.yaml"
    text = PUSH_CONFIG.read_text()
    config.write_text(text.replace("interval_seconds: 60", "interval_seconds: 1\n  page_size: 5"))
    database = f"sqlite:///{folder / 'zdsync.db'}"
    return worker_env(emulator.base_url, database, config, token=TOKEN, log_level="INFO")


def _wait(reached: Callable[[], bool]) -> None:
    deadline = time.monotonic() + PATIENCE
    while not reached():
        if time.monotonic() > deadline:
            raise AssertionError(f"not reached within {PATIENCE}s")
        time.sleep(0.01)
